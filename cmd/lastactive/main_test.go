package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"lastactive/seat"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/testlog"
)

var binary string

// TestMain builds the real binary once: the contract is tested through it,
// as the acceptance tests will.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lastactive-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "lastactive")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// fakes holds a fake Slack and a fake Atlassian, and the environment that
// points the binary at them.
type fakes struct {
	slack *slacktest.Server
	atl   *atlassiantest.Server
	org   *atlassiantest.Org
	db    string // LASTACTIVE_DATABASE_URL: a SQLite file in the test's temp dir
}

func startFakes(t *testing.T) *fakes {
	t.Helper()
	org := atlassiantest.SampleOrg(time.Now())
	f := &fakes{org: org, atl: atlassiantest.NewServer(org), slack: slacktest.NewServer(slacktest.WithPingInterval(500 * time.Millisecond)),
		db: "sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	t.Cleanup(func() { f.slack.Close(); f.atl.Close() })
	return f
}

func (f *fakes) env(overrides ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"SLACK_APP_TOKEN=" + slacktest.AppToken,
		"SLACK_BOT_TOKEN=" + slacktest.BotToken,
		"SLACK_API_URL=" + f.slack.APIURL(),
		"JIRA_BASE_URL=" + f.atl.URL(),
		"JIRA_EMAIL=" + atlassiantest.JiraEmail,
		"JIRA_API_TOKEN=" + atlassiantest.JiraAPIToken,
		"ATLASSIAN_ORG_ID=" + f.org.ID,
		"ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_ADMIN_WRITE_KEY=" + atlassiantest.AdminWriteKey,
		"ATLASSIAN_API_URL=" + f.atl.URL(),
		"LASTACTIVE_HTTP_ADDR=127.0.0.1:0",
		"LASTACTIVE_DATABASE_URL=" + f.db,
	}
	for _, o := range overrides {
		k, _, _ := strings.Cut(o, "=")
		for i, e := range env {
			if strings.HasPrefix(e, k+"=") {
				env = append(env[:i], env[i+1:]...)
				break
			}
		}
		if strings.Contains(o, "=") {
			env = append(env, o)
		}
	}
	return env
}

var secrets = []string{slacktest.AppToken, slacktest.BotToken, atlassiantest.JiraAPIToken, atlassiantest.APIKey,
	atlassiantest.AdminWriteKey}

// noSecrets fails when any configured secret appears in out.
func noSecrets(t *testing.T, out ...string) {
	t.Helper()
	for _, o := range out {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("output contains a configured secret")
			}
		}
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run: %v", err)
	}
	noSecrets(t, out.String(), errb.String())
	return result{code, out.String(), errb.String()}
}

func TestMissingAndMalformedConfig(t *testing.T) {
	f := startFakes(t)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"missing bot token", f.env("SLACK_BOT_TOKEN"), []string{"serve"}, "SLACK_BOT_TOKEN"},
		{"missing bot token, default subcommand", f.env("SLACK_BOT_TOKEN"), nil, "SLACK_BOT_TOKEN"},
		{"app token of the wrong kind", f.env("SLACK_APP_TOKEN=xoxb-wrong"), []string{"serve"}, "SLACK_APP_TOKEN must start with xapp-"},
		{"bad duration", f.env("LASTACTIVE_CACHE_TTL=soon"), []string{"serve"}, "LASTACTIVE_CACHE_TTL"},
		{"lookup without Jira", f.env("JIRA_API_TOKEN"), []string{"lookup", "ada@example.com"}, "JIRA_API_TOKEN"},
		{"plain http to a remote host", f.env("JIRA_BASE_URL=http://example.atlassian.net"), []string{"lookup", "ada@example.com"}, "JIRA_BASE_URL"},
		{"bad seat prices", f.env("LASTACTIVE_SEAT_PRICES=jira:lots"), []string{"serve"}, "LASTACTIVE_SEAT_PRICES"},
		{"currency not a code", f.env("LASTACTIVE_CURRENCY=us"), []string{"serve"}, "LASTACTIVE_CURRENCY"},
		{"currency as a symbol", f.env("LASTACTIVE_CURRENCY=€"), []string{"report"}, "LASTACTIVE_CURRENCY"},
		{"currency too long", f.env("LASTACTIVE_CURRENCY=EURO"), []string{"report"}, "LASTACTIVE_CURRENCY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBinary(t, c.env, "", c.args...)
			if r.code != 2 {
				t.Errorf("exit code = %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr does not name %q:\n%s", c.want, r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("want one line, got %d:\n%s", n+1, r.stderr)
			}
		})
	}
	// The fakes saw nothing: configuration errors stop before any call.
	if n := len(f.atl.Requests()); n != 0 {
		t.Errorf("%d Atlassian calls before the configuration was valid", n)
	}
	if n := len(f.slack.Calls("")); n != 0 {
		t.Errorf("%d Slack calls before the configuration was valid", n)
	}
}

func TestHelpAndVersion(t *testing.T) {
	r := runBinary(t, []string{}, "", "--help")
	for _, want := range []string{"serve", "lookup", "report", "check", "demo", "SLACK_APP_TOKEN", "LASTACTIVE_SEAT_PRICES"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	if r.code != 0 {
		t.Errorf("--help exit code %d", r.code)
	}
	r = runBinary(t, []string{}, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "lastactive ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version: code %d, %q", r.code, r.stdout)
	}
	r = runBinary(t, []string{}, "", "frobnicate")
	if r.code != 2 {
		t.Errorf("unknown subcommand exit code %d, want 2", r.code)
	}
}

func TestDemo(t *testing.T) {
	org := atlassiantest.SampleOrg(time.Now())
	ada, _ := org.Lookup("ada@example.com")
	r := runBinary(t, []string{}, "", "demo", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range ada.Products {
		if !p.LastActive.IsZero() && !strings.Contains(r.stdout, p.LastActive.UTC().Format(time.DateOnly)) {
			t.Errorf("demo output lacks %s date:\n%s", p.Key, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, ada.DisplayName) {
		t.Errorf("demo output lacks the name")
	}

	r = runBinary(t, []string{}, "ada@example.com\nhelp\nnot an email\n", "demo")
	if r.code != 0 || strings.Count(r.stdout, "> /lastactive") != 3 {
		t.Errorf("stdin demo: code %d, output:\n%s", r.code, r.stdout)
	}

	r = runBinary(t, []string{}, "", "demo", "--blocks", "ada@example.com")
	js, _, _ := strings.Cut(r.stdout, "\nOpen in Block Kit Builder")
	var payload struct {
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(js), &payload); err != nil || len(payload.Blocks) == 0 {
		t.Errorf("--blocks did not print Block Kit JSON: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stdout, "https://app.slack.com/block-kit-builder/#") {
		t.Errorf("--blocks lacks the Block Kit Builder link")
	}

	// A command's own words that look like flags are command text, as in
	// Slack: `/lastactive --fresh ada@example.com`.
	r = runBinary(t, []string{}, "", "demo", "--fresh", "ada@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, ada.DisplayName) {
		t.Errorf("demo --fresh ada@example.com: exit %d, want the lookup:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestLookupJSON(t *testing.T) {
	f := startFakes(t)
	ada, _ := f.org.Lookup("ada@example.com")
	r := runBinary(t, f.env(), "", "lookup", "--json", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []struct {
		Email    string `json:"email"`
		OK       bool   `json:"ok"`
		Products []struct {
			Key        string  `json:"key"`
			ID         string  `json:"id"`
			LastActive *string `json:"last_active"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(got) != 1 || !got[0].OK || len(got[0].Products) != len(ada.Products) {
		t.Fatalf("got %+v, want %d products", got, len(ada.Products))
	}
	for i, p := range ada.Products {
		g := got[0].Products[i]
		if g.Key != p.Key || g.ID != p.ID() {
			t.Errorf("product %d = %s %s, want %s %s", i, g.Key, g.ID, p.Key, p.ID())
		}
		if want := p.LastActive.UTC().Format(time.DateOnly); !p.LastActive.IsZero() && (g.LastActive == nil || *g.LastActive != want) {
			t.Errorf("%s last_active = %v, want %s", p.Key, g.LastActive, want)
		}
	}

	// A person not found makes the run fail, and the table says why.
	r = runBinary(t, f.env(), "", "lookup", "ada@example.com", "nobody@example.com")
	if r.code != 1 || !strings.Contains(r.stdout, "not found") {
		t.Errorf("not found: code %d\n%s", r.code, r.stdout)
	}
	r = runBinary(t, f.env(), "", "lookup", "--json", "not-an-email")
	if r.code != 2 {
		t.Errorf("bad email: code %d, want 2", r.code)
	}
}

// serveProcess runs `lastactive serve` and returns its HTTP address.
func serveProcess(t *testing.T, env []string) (*exec.Cmd, string, *testlog.Buffer) {
	t.Helper()
	return serveProcessWith(t, binary, env)
}

// serveProcessWith runs `serve` of the binary at bin.
func serveProcessWith(t *testing.T, bin string, env []string) (*exec.Cmd, string, *testlog.Buffer) {
	t.Helper()
	return serveArgv(t, []string{bin, "serve"}, env)
}

// serveArgv runs argv (a serve, or a serve under a wrapper such as nohup)
// with its health server on a free loopback port, tracked for the dumps of
// a test that times out, killed at cleanup if still running.
func serveArgv(t *testing.T, argv []string, env []string) (*exec.Cmd, string, *testlog.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(env, "LASTACTIVE_HTTP_ADDR="+addr)
	logs := &testlog.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	trackServe(t, cmd, logs)
	t.Cleanup(func() {
		untrackServes(t)
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		noSecrets(t, logs.String())
	})
	return cmd, "http://" + addr, logs
}

func get(url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond (a state, not a timing) until it holds or 60 s
// pass; then it fails with the goroutines of t's serve processes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s%s", what, dumpServes(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeProcess(t *testing.T) {
	f := startFakes(t)
	f.slack.SetAppTokenValid(false) // not connected yet: /readyz must say so
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/healthz", func() bool { c, _ := get(base + "/healthz"); return c == 200 })
	if c, _ := get(base + "/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz before connecting = %d, want 503", c)
	}
	f.slack.SetAppTokenValid(true)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	_, before := get(base + "/metrics")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	env, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.slack.WaitReplies(ctx, env.ID, 1); err != nil {
		t.Fatalf("no reply: %v\n%s", err, logs.String())
	}
	// The reply metric is recorded once the post returns: wait for it.
	var after string
	eventually(t, "reply metrics", func() bool {
		_, after = get(base + "/metrics")
		return strings.Contains(after, "lastactive_reply_duration_seconds_count 1") && strings.Contains(after, "lastactive_lookups_in_flight 0")
	})
	for _, series := range []string{
		`lastactive_commands_total{kind="lookup",outcome="ok"} 1`,
		`lastactive_lookups_total{cache="miss",outcome="ok"} 1`,
		`lastactive_upstream_requests_total{api="admin",status="200"}`,
		`lastactive_upstream_request_duration_seconds_bucket{api="jira"`,
		`lastactive_reply_duration_seconds_count 1`,
		`lastactive_lookups_in_flight 0`,
		`lastactive_socketmode_reconnects_total`,
	} {
		if !strings.Contains(after, series) {
			t.Errorf("/metrics lacks %s", series)
		}
		if strings.Contains(before, series) && strings.HasSuffix(series, " 1") {
			t.Errorf("%s was already there before the command", series)
		}
	}
	// The audit writer logs the line once the entry is stored.
	eventually(t, "an audit line in the logs", func() bool { return strings.Contains(logs.String(), `"msg":"audit"`) })

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if err != nil {
		t.Errorf("serve exited with %v after SIGTERM, want 0\n%s", err, logs.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("serve took %s to stop, the contract allows 10 s", d)
	}
}

// TestServeInProcess runs the serve path inside the test, so goleak (in
// TestMain) proves no goroutine outlives a stop.
func TestServeInProcess(t *testing.T) {
	f := startFakes(t)
	c := Config{
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: f.slack.APIURL(),
		JiraBaseURL: f.atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		OrgID: f.org.ID, APIKey: atlassiantest.APIKey, AdminAPIURL: f.atl.URL(),
		CacheTTL: time.Hour, HTTPAddr: "127.0.0.1:0", LogLevel: "debug", IdleDays: 90,
	}
	if err := c.validate(needSlack | needJira | needAdmin); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var stderr testlog.Buffer
	a := &app{stdout: io.Discard, stderr: &stderr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, c, a, ln) }()
	base := "http://" + ln.Addr().String()
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	cctx, ccancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer ccancel()
	env, err := f.slack.SlashCommandConnected(cctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.slack.WaitReplies(cctx, env.ID, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveOn: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveOn did not return within 10 s of the stop")
	}
	http.DefaultClient.CloseIdleConnections()
	noSecrets(t, stderr.String())
}

// TestDemoLongLine: a line of standard input longer than the demo reads at
// once is answered as too long, and the lines after it are still answered
// (a bufio.Scanner stopped there, exit 0, dropping them without a word).
func TestDemoLongLine(t *testing.T) {
	stdin := "ada@example.com\n" + strings.Repeat("x", 70_000) + "\r\ngrace@example.com\n"
	r := runBinary(t, []string{}, stdin, "demo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Ada Lovelace", "too long", "Grace Hopper"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output does not say %q:\n%.2000s", want, r.stdout)
		}
	}
}

// TestDemoLongLineOfTextCutInsideACharacter: the demo reads an over-long
// line up to its buffer; where that edge falls inside a character of
// several bytes, the line was answered "contains bytes that are not text",
// blaming input that is valid UTF-8, instead of saying it is too long.
func TestDemoLongLineOfTextCutInsideACharacter(t *testing.T) {
	t.Parallel()
	stdin := "x" + strings.Repeat("é", 40_000) + "\nada@example.com\n"
	r := runBinary(t, []string{}, stdin, "demo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "not text") || !strings.Contains(r.stdout, "too long") {
		t.Errorf("a long line of text is not answered as too long:\n%.600s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Ada Lovelace") {
		t.Errorf("the line after it is not answered")
	}
}

// TestLookupJSONAccountWithoutSeat: a deactivated account holds no seat,
// so its used products are "no seat" in the JSON, as the table says
// "account deactivated" and the report counts them: a script that counts
// idle seats from --json must not count it.
func TestLookupJSONAccountWithoutSeat(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env(), "", "lookup", "--json", "ken@example.com")
	var got []struct {
		Status   string `json:"account_status"`
		Products []struct {
			Key     string `json:"key"`
			Verdict string `json:"verdict"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 {
		t.Fatalf("not one person: %v\n%s", err, r.stdout)
	}
	if got[0].Status != "deactivated" || len(got[0].Products) == 0 {
		t.Fatalf("ken: %+v, want a deactivated account with products", got[0])
	}
	for _, p := range got[0].Products {
		if p.Verdict != string(seat.VerdictNoSeat) {
			t.Errorf("%s: verdict %q, want %q", p.Key, p.Verdict, seat.VerdictNoSeat)
		}
	}
	table := runBinary(t, f.env(), "", "lookup", "ken@example.com")
	if !strings.Contains(table.stdout, "account deactivated") {
		t.Errorf("the table does not say the account is deactivated:\n%s", table.stdout)
	}
}

// TestLookupTableShowsJoinDate: the table is the slash command's lookup in
// a terminal, so it gives the org join date too (added_to_org), and says
// when Atlassian has none, as the JSON does.
func TestLookupTableShowsJoinDate(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env(), "", "lookup", "ada@example.com", "margaret@example.com", "dennis@example.com")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.Contains(lines[0], "ADDED TO ORG") {
		t.Errorf("the table has no join date column:\n%s", r.stdout)
	}
	for _, email := range []string{"ada@example.com", "margaret@example.com", "dennis@example.com"} {
		u, _ := f.org.Lookup(email)
		want := "-"
		if !u.AddedToOrg.IsZero() {
			want = u.AddedToOrg.UTC().Format(time.DateOnly)
		}
		rows := 0
		for _, l := range lines[1:] {
			if !strings.Contains(l, "<"+email+">") {
				continue
			}
			rows++
			if !slices.Contains(strings.Fields(l), want) {
				t.Errorf("%s: row lacks the join date %s: %q", email, want, l)
			}
		}
		if rows == 0 {
			t.Errorf("no row for %s:\n%s", email, r.stdout)
		}
	}
}

// TestDemoReadsTheIdlePeriod: the demo runs "the real bot logic", and the
// idle verdict is that logic's main decision: LASTACTIVE_IDLE_DAYS must
// move it there as in serve. Before, the demo ignored the variable, so
// LASTACTIVE_IDLE_DAYS=30 still called Ada's Compass seat, unused for 45
// days, active. A malformed value stops it as it stops every subcommand.
func TestDemoReadsTheIdlePeriod(t *testing.T) {
	r := runBinary(t, []string{"LASTACTIVE_IDLE_DAYS=30"}, "", "demo", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Compass: ") || !strings.Contains(r.stdout, "45 days ago · idle") ||
		!strings.Contains(r.stdout, "not used for 30 days or more") {
		t.Errorf("LASTACTIVE_IDLE_DAYS=30 did not make the 45-day-old Compass seat idle:\n%s", r.stdout)
	}
	r = runBinary(t, []string{"LASTACTIVE_IDLE_DAYS=soon"}, "", "demo", "ada@example.com")
	if r.code != 2 || !strings.Contains(r.stderr, "LASTACTIVE_IDLE_DAYS") {
		t.Errorf("a malformed LASTACTIVE_IDLE_DAYS: exit %d, stderr %q; want 2 naming it", r.code, r.stderr)
	}
}

// TestDemoAnswersEveryLineOfALongSession: the demo is one person at a
// terminal (or a script) against a sample org on loopback, so the
// per-requester lookup budget that shields Atlassian must not refuse its
// lines. Before, after 20 people every line (lookups, idle, digest) was
// answered "You have asked about many people in a short time", and what a
// piped session printed depended on how fast it ran.
func TestDemoAnswersEveryLineOfALongSession(t *testing.T) {
	t.Parallel()
	ten := "ada@example.com grace@example.com alan@example.com katherine@example.com margaret@example.com " +
		"dennis@example.com tim@example.org edsger@example.com ken@example.com hedy@example.com"
	stdin := strings.Repeat(ten+"\n", 5) + "ada@example.com --fresh\nidle\ndigest\n"
	r := runBinary(t, []string{}, stdin, "demo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "short time") {
		t.Errorf("the demo refused lines of one session as too many:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "Ada Lovelace · ada@example.com"); n != 6 {
		t.Errorf("Ada answered %d times, want 6 (five lines of ten, one --fresh)", n)
	}
	for _, want := range []string{"Idle seats: not used for 90 days", "Seat digest\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestDemoKeepsExemptionsAndTheTrailForItsSession: the demo asker is a
// report user, and exempt, exempt list/remove and audit are report
// commands of the contract; the demo keeps them in memory for its session
// (nothing on disk). Before, each answered that no database is set up.
func TestDemoKeepsExemptionsAndTheTrailForItsSession(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(binary, "demo")
	cmd.Dir, cmd.Env = dir, []string{}
	cmd.Stdin = strings.NewReader("exempt grace@example.com confluence on leave\nexempt list\n" +
		"ada@example.com\naudit ada@example.com\nexempt remove grace@example.com confluence\nexempt list\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	answers := strings.Split(string(out), "> /lastactive ")[1:]
	if len(answers) != 6 {
		t.Fatalf("%d answers, want 6:\n%s", len(answers), out)
	}
	for i, a := range answers {
		if strings.Contains(a, "not set up") || strings.Contains(a, "not kept") {
			t.Errorf("answer %d says the store is missing:\n%s", i+1, a)
		}
	}
	if !strings.Contains(answers[1], "Grace Hopper") && !strings.Contains(answers[1], "grace@example.com") {
		t.Errorf("exempt list does not show Grace's exemption:\n%s", answers[1])
	}
	if !strings.Contains(answers[3], "U0DEMO") && !strings.Contains(answers[3], "looked") {
		t.Errorf("audit does not show the demo's lookup of Ada:\n%s", answers[3])
	}
	if strings.Contains(answers[5], "grace@example.com") {
		t.Errorf("exempt list still shows Grace after the removal:\n%s", answers[5])
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("the demo wrote %s in its working directory", files[0].Name())
	}
}

// TestDemoReadsSeatPricesAndCurrency: the demo's report and digest say
// their costs are "at the seat prices in LASTACTIVE_SEAT_PRICES"; set, the
// variable and LASTACTIVE_CURRENCY decide them as in serve (unset: the
// sample prices in USD). Before, both were ignored: LASTACTIVE_CURRENCY=EUR
// still showed USD and the sample's 6.05 for Confluence. Malformed, each
// stops the demo as it stops every subcommand.
func TestDemoReadsSeatPricesAndCurrency(t *testing.T) {
	t.Parallel()
	env := []string{"LASTACTIVE_SEAT_PRICES=confluence=10", "LASTACTIVE_CURRENCY=eur"}
	r := runBinary(t, env, "", "demo", "idle", "confluence")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "EUR 10.00") || strings.Contains(r.stdout, "USD") || strings.Contains(r.stdout, "6.05") {
		t.Errorf("the report is not at LASTACTIVE_SEAT_PRICES in LASTACTIVE_CURRENCY:\n%s", r.stdout)
	}
	if r := runBinary(t, []string{}, "", "demo", "idle", "confluence"); !strings.Contains(r.stdout, "USD 6.05") {
		t.Errorf("unset, the sample prices in USD are gone:\n%s", r.stdout)
	}
	for _, bad := range []string{"LASTACTIVE_SEAT_PRICES=confluence=cheap", "LASTACTIVE_CURRENCY=euro"} {
		r := runBinary(t, []string{bad}, "", "demo", "ada@example.com")
		name, _, _ := strings.Cut(bad, "=")
		if r.code != 2 || !strings.Contains(r.stderr, name) {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming it", bad, r.code, r.stderr)
		}
	}
}

// TestDemoTrailKeepsTheLastLines: the demo's audit trail lives in memory
// for the session; a script piping many lines keeps the entries of the
// last demoTrailLines to twice as many lines, not of every line (before,
// 100,000 lookups held 135 MB).
func TestDemoTrailKeepsTheLastLines(t *testing.T) {
	defer func(n int) { demoTrailLines = n }(demoTrailLines)
	demoTrailLines = 4
	var out, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(strings.Repeat("ada@example.com\n", 13) + "audit ada@example.com\n"), stdout: &out, stderr: &stderr}
	if code := a.demo(context.Background(), nil); code != exitOK {
		t.Fatalf("demo exit %d: %s", code, stderr.String())
	}
	s := out.String()
	i := strings.LastIndex(s, "> /lastactive audit")
	if i < 0 {
		t.Fatalf("no audit answer:\n%s", s)
	}
	if n := strings.Count(s[i:], "looked up"); n < demoTrailLines || n > 2*demoTrailLines {
		t.Errorf("the trail holds %d of 13 lookups, want the last %d to %d:\n%s", n, demoTrailLines, 2*demoTrailLines, s[i:])
	}
}

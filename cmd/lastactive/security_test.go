package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/testlog"
)

// Wrong credentials that the fakes refuse. They are secrets too: an
// operator's mistyped token is still a token.
const (
	wrongJiraToken = "wrong-jira-token-SECRET-0001"
	wrongAPIKey    = "wrong-admin-key-SECRET-0002"
	wrongBotToken  = "xoxb-wrong-bot-token-SECRET-0003"
	wrongAppToken  = "xapp-wrong-app-token-SECRET-0004"
)

// allSecrets is every credential any test below configures, with the Basic
// auth header value each Jira token makes.
func allSecrets() []string {
	s := []string{slacktest.AppToken, slacktest.BotToken, atlassiantest.JiraAPIToken, atlassiantest.APIKey,
		atlassiantest.AdminWriteKey, wrongJiraToken, wrongAPIKey, wrongBotToken, wrongAppToken}
	for _, tok := range []string{atlassiantest.JiraAPIToken, wrongJiraToken} {
		s = append(s, base64.StdEncoding.EncodeToString([]byte(atlassiantest.JiraEmail+":"+tok)))
	}
	return s
}

// noSecretIn fails when any configured secret appears in out.
func noSecretIn(t *testing.T, where, out string) {
	t.Helper()
	for _, s := range allSecrets() {
		if strings.Contains(out, s) {
			t.Errorf("%s contains a configured secret (%d bytes of output)", where, len(out))
		}
	}
}

// TestNoSecretsInAnyOutput runs lookup, check and serve at debug level
// against the fakes, through success and every failure the fakes can make
// (credentials refused, 5xx, 429, malformed answers, Slack method errors,
// response_url failures), and finds no secret in stdout, stderr, the
// replies Slack received, or /metrics.
func TestNoSecretsInAnyOutput(t *testing.T) {
	f := startFakes(t)
	debug := "LASTACTIVE_LOG_LEVEL=debug"
	failures := []struct {
		name string
		fail *atlassiantest.Failure
		env  []string
	}{
		{"success", nil, nil},
		{"jira token refused", nil, []string{"JIRA_API_TOKEN=" + wrongJiraToken}},
		{"admin key refused", nil, []string{"ATLASSIAN_API_KEY=" + wrongAPIKey}},
		{"admin 401", &atlassiantest.Failure{API: "admin", Status: 401}, nil},
		{"jira 403", &atlassiantest.Failure{API: "jira", Status: 403}, nil},
		{"admin 500", &atlassiantest.Failure{API: "admin", Status: 500}, nil},
		{"admin 429 then success", &atlassiantest.Failure{API: "admin", Status: 429, RetryAfter: "1", Times: 1}, nil},
		{"malformed answer", &atlassiantest.Failure{API: "admin", Malformed: true}, nil},
	}
	for _, c := range failures {
		t.Run("lookup/"+c.name, func(t *testing.T) {
			if c.fail != nil {
				defer f.atl.Fail(*c.fail)()
			}
			args := []string{"lookup", "--fresh", "ada@example.com", "nobody@example.com"}
			if c.name == "success" || strings.HasSuffix(c.name, "refused") {
				args = []string{"lookup", "--json", "ada@example.com", "nobody@example.com"}
			}
			r := runBinary(t, f.env(append([]string{debug}, c.env...)...), "", args...)
			noSecretIn(t, "stdout", r.stdout)
			noSecretIn(t, "stderr", r.stderr)
		})
	}

	checks := []struct {
		name  string
		env   []string
		setup func() func()
	}{
		{"all good", nil, nil},
		{"wrong tokens", []string{"SLACK_BOT_TOKEN=" + wrongBotToken, "SLACK_APP_TOKEN=" + wrongAppToken,
			"JIRA_API_TOKEN=" + wrongJiraToken, "ATLASSIAN_API_KEY=" + wrongAPIKey}, nil},
		{"tokens revoked", nil, func() func() {
			f.slack.SetBotTokenValid(false)
			f.slack.SetAppTokenValid(false)
			return func() { f.slack.SetBotTokenValid(true); f.slack.SetAppTokenValid(true) }
		}},
		{"slack 500 and 429", nil, func() func() {
			f.slack.FailMethod("auth.test", 1, 500, "")
			f.slack.FailMethod("apps.connections.open", 1, 429, "1")
			return func() {}
		}},
		{"atlassian 401", nil, func() func() { return f.atl.Fail(atlassiantest.Failure{Status: 401}) }},
	}
	for _, c := range checks {
		t.Run("check/"+c.name, func(t *testing.T) {
			if c.setup != nil {
				defer c.setup()()
			}
			r := runBinary(t, f.env(append([]string{debug}, c.env...)...), "", "check")
			noSecretIn(t, "stdout", r.stdout)
			noSecretIn(t, "stderr", r.stderr)
		})
	}

	t.Run("serve", func(t *testing.T) {
		serveWithFailures(t, f, f.env(debug), true)
	})
	t.Run("serve with refused credentials", func(t *testing.T) {
		serveWithFailures(t, f, f.env(debug, "JIRA_API_TOKEN="+wrongJiraToken, "ATLASSIAN_API_KEY="+wrongAPIKey), false)
	})
	t.Run("configuration errors", func(t *testing.T) {
		for _, env := range [][]string{
			{"SLACK_APP_TOKEN=" + wrongBotToken}, {"SLACK_BOT_TOKEN=" + wrongAppToken},
			{"JIRA_BASE_URL=https://ops%40example.com:" + wrongJiraToken + "@example.atlassian.net"},
			{"ATLASSIAN_API_URL=https://api.atlassian.com/?key=" + wrongAPIKey},
			{"SLACK_API_URL=http://example.com/" + wrongBotToken},
		} {
			r := runBinary(t, f.env(append([]string{debug}, env...)...), "", "serve")
			if r.code != exitConfig {
				t.Errorf("%s: exit %d, want %d", strings.SplitN(env[0], "=", 2)[0], r.code, exitConfig)
			}
			noSecretIn(t, "stderr", r.stderr)
		}
	})
}

// serveWithFailures runs serve at env's settings, sends commands and clicks
// (through injected failures of every kind when inject is set), stops it,
// and checks everything it wrote or sent.
func serveWithFailures(t *testing.T, f *fakes, env []string, inject bool) {
	t.Helper()
	f.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	before := len(f.slack.AllReplies())
	cmd, base, logs := serveProcess(t, env)
	// With refused credentials the bot serves (and explains) but is not
	// ready: wait for the health server, then the socket, instead.
	eventually(t, "/healthz 200", func() bool { c, _ := get(base + "/healthz"); return c == 200 })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ask := func(text string) *slacktest.Envelope {
		t.Helper()
		if err := f.slack.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
		e, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.slack.WaitReplies(ctx, e.ID, 1); err != nil {
			t.Fatalf("no reply to %q: %v\n%s", text, err, logs.String())
		}
		return e
	}
	first := ask("ada@example.com --fresh")
	asked := 1
	if inject {
		// Persistent 5xx cost the retry backoff (about 2 s); once is enough.
		for _, fl := range []atlassiantest.Failure{
			{API: "admin", Status: 401}, {API: "jira", Status: 401}, {API: "admin", Status: 500},
			{API: "jira", Status: 502, Times: 1}, {API: "admin", Status: 429, RetryAfter: "120"}, {API: "admin", Malformed: true},
		} {
			remove := f.atl.Fail(fl)
			ask("ada@example.com --fresh")
			remove()
		}
		// --fresh: a profile read before is kept, and would not meet them.
		f.slack.FailMethod("users.info", 1, 500, "")
		ask("<@U0ADA> --fresh")
		f.slack.FailMethodError("users.info", 1, "invalid_auth")
		ask("<@U0ADA> --fresh")
		f.slack.FailResponseURL(1, 500)
		ask("help")
		asked += 9
	}
	ask("<@U0ADA|" + slacktest.BotToken + ">") // a pasted token is never echoed back
	asked++

	// A forged button and a genuine one.
	var value string
	if rs := f.slack.Replies(first.ID); len(rs) > 0 {
		value = buttonValue(rs[0].Blocks, bot.ActionRefresh)
	}
	for _, v := range []string{value, "ada@example.com~1~" + slacktest.BotToken} {
		if v == "" {
			continue
		}
		e, err := f.slack.BlockAction(ctx, slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: v})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.slack.WaitReplies(ctx, e.ID, 1); err != nil {
			t.Fatalf("no reply to a click: %v", err)
		}
	}
	_, metrics := get(base + "/metrics")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve: %v", err)
	}
	noSecretIn(t, "serve logs", logs.String())
	noSecretIn(t, "/metrics", metrics)
	replies := f.slack.AllReplies()[before:]
	if len(replies) < asked {
		t.Errorf("only %d replies reached Slack", len(replies))
	}
	for _, r := range replies {
		// The pasted token came in as a mention's label: the bot must not
		// repeat it, though the fake records what the bot sent verbatim.
		noSecretIn(t, "a reply", string(r.Raw))
	}
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) {
		t.Errorf("no debug lines were logged: the test did not run at debug level")
	}
}

// buttonValue finds the value of the button with actionID in Block Kit JSON.
func buttonValue(blocks json.RawMessage, actionID string) string {
	var found string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["action_id"] == actionID {
				found, _ = x["value"].(string)
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	var v any
	_ = json.Unmarshal(blocks, &v)
	walk(v)
	return found
}

// TestSocketFrameOverReadLimit: serve's Socket Mode client refuses a frame
// over 1 MiB (OptionReadLimit) by dropping the connection, unanswered, and
// connects again; the next command is answered as usual. Without the limit
// the frame would be read whole and acked, and no reconnect would come.
func TestSocketFrameOverReadLimit(t *testing.T) {
	f := startFakes(t)
	c := inProcessConfig(f)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var stderr testlog.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, c, &app{stdout: io.Discard, stderr: &stderr}, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveOn: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
		noSecretIn(t, "logs", stderr.String())
	}()

	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	// serve keeps two Socket Mode connections: wait for both.
	if err := f.slack.Wait(wctx, func() bool { return f.slack.Deliverable() == 2 }); err != nil {
		t.Fatal(err)
	}
	hellos := f.slack.Hellos()
	payload, _ := json.Marshal(map[string]any{
		"user_id": "U1", "channel_id": "C1", "command": "/lastactive", "text": strings.Repeat("a", 1<<20),
		"response_url": f.slack.URL() + "/response/huge",
	})
	frame, _ := json.Marshal(map[string]any{"envelope_id": "huge", "type": "slash_commands", "accepts_response_payload": false, "payload": json.RawMessage(payload)})
	if len(frame) <= 1<<20 {
		t.Fatalf("frame is only %d bytes", len(frame))
	}
	// The bot may refuse the frame while it is still being written: the
	// write then fails with a reset or a broken pipe, which is the refusal.
	if err := f.slack.SendRaw(wctx, frame); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatal(err)
	}
	// A new connection said hello, and the refused one is gone.
	if err := f.slack.Wait(wctx, func() bool { return f.slack.Hellos() > hellos && f.slack.Connections() == 2 }); err != nil {
		t.Fatalf("the bot did not drop the oversized frame's connection and reconnect: %v", err)
	}
	e, err := f.slack.SlashCommandConnected(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.slack.WaitReplies(wctx, e.ID, 1); err != nil {
		t.Fatalf("no reply after the reconnect: %v", err)
	}
	if n := f.slack.Acks("huge"); n != 0 {
		t.Errorf("the oversized envelope was acked %d times", n)
	}
	if n := len(f.slack.Replies("huge")); n != 0 {
		t.Errorf("the oversized envelope was answered %d times", n)
	}
}

func inProcessConfig(f *fakes) Config {
	c := Config{
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: f.slack.APIURL(),
		JiraBaseURL: f.atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		OrgID: f.org.ID, APIKey: atlassiantest.APIKey, AdminAPIURL: f.atl.URL(),
		CacheTTL: time.Hour, HTTPAddr: "127.0.0.1:0", LogLevel: "debug", IdleDays: 90,
	}
	if err := c.validate(needSlack | needJira | needAdmin); err != nil {
		panic(err)
	}
	return c
}

// moduleRoot is the directory holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// TestTLSVerificationNeverDisabled: no Go source of the repository (deploy
// tooling included) names InsecureSkipVerify outside a comment, and the
// client every upstream call uses verifies certificates.
func TestTLSVerificationNeverDisabled(t *testing.T) {
	root := moduleRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		// Parsed, not grepped: a comment may explain why it is not used.
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "InsecureSkipVerify" {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s names InsecureSkipVerify", rel)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("walked only %d Go files under %s", files, root)
	}

	hc := upstreamHTTP()
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("upstream transport is %T, want *http.Transport", hc.Transport)
	}
	if tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("the upstream HTTP client skips TLS verification")
	}
	if hc.Timeout <= 0 || tr.ResponseHeaderTimeout <= 0 {
		t.Errorf("upstream client without timeouts: %v, %v", hc.Timeout, tr.ResponseHeaderTimeout)
	}
}

// TestHealthServerTimeouts: the health server bounds how long a client may
// take over its headers and its request, and how big the headers may be;
// and a client that sends headers too slowly is cut off.
func TestHealthServerTimeouts(t *testing.T) {
	srv := healthServer(func() []string { return nil }, prometheus.NewRegistry())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("health server limits: header %v, read %v, write %v, idle %v, header bytes %d",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if srv.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("ReadHeaderTimeout %v lets a slow client hold a connection long", srv.ReadHeaderTimeout)
	}

	// The same server with a tiny header timeout: a slowloris client that
	// never finishes its headers must see the connection closed. The read
	// below waits for that close; its deadline only bounds a failing test.
	srv.ReadHeaderTimeout = 50 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a connection with unfinished headers open")
	}
	if strings.Contains(string(got), "200 OK") {
		t.Errorf("the server answered unfinished headers: %q", got)
	}
}

// TestListensOnlyOnConfiguredAddress: a running serve process has exactly
// one listening socket, the configured 127.0.0.1:port, and no bound UDP or
// listening Unix socket. Read from /proc, so Linux only.
func TestListensOnlyOnConfiguredAddress(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("needs Linux /proc")
	}
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	wantPort, _ := strconv.Atoi(port)

	inodes := socketInodes(t, cmd.Process.Pid)
	if len(inodes) == 0 {
		t.Fatal("the process has no sockets at all: /proc reading is broken")
	}
	var listening []string
	for _, table := range []string{"tcp", "tcp6"} {
		for _, e := range procNet(t, cmd.Process.Pid, table) {
			if e.state == "0A" && inodes[e.inode] { // 0A: TCP_LISTEN
				listening = append(listening, table+" "+e.local)
			}
		}
	}
	want := fmt.Sprintf("tcp 0100007F:%04X", wantPort) // 127.0.0.1, little-endian hex
	if len(listening) != 1 || listening[0] != want {
		t.Errorf("listening sockets %v, want exactly [%s]", listening, want)
	}
	for _, table := range []string{"udp", "udp6"} {
		for _, e := range procNet(t, cmd.Process.Pid, table) {
			if inodes[e.inode] {
				t.Errorf("the process holds a bound %s socket %s", table, e.local)
			}
		}
	}
	for _, inode := range listeningUnix(t, cmd.Process.Pid) {
		if inodes[inode] {
			t.Errorf("the process listens on a Unix socket (inode %s)", inode)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// socketInodes returns the inodes of pid's open sockets.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if in, ok := strings.CutPrefix(link, "socket:["); ok {
			out[strings.TrimSuffix(in, "]")] = true
		}
	}
	return out
}

type netEntry struct{ local, state, queues, inode string }

// procNet reads /proc/<pid>/net/<table>: local address, state and inode.
func procNet(t *testing.T, pid int, table string) []netEntry {
	t.Helper()
	fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no IPv6 in this kernel
	}
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []netEntry
	sc := bufio.NewScanner(fh)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 {
			continue
		}
		out = append(out, netEntry{local: fs[1], state: fs[3], queues: fs[4], inode: fs[9]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// listeningUnix returns the inodes of listening Unix sockets.
func listeningUnix(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/unix", pid))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n")[1:] {
		fs := strings.Fields(line)
		// Flags 00010000 is __SO_ACCEPTCON: the socket listens.
		if len(fs) >= 7 && fs[3] == "00010000" {
			out = append(out, fs[6])
		}
	}
	return out
}

// TestHealthServerCapsConnections: a flood of slowloris connections to the
// health server holds at most maxHealthConns of them in the process; the
// rest wait in the kernel's queue until a slot frees, and a probe behind
// them is still answered. Counted from /proc when the probe is answered:
// before the cap, every connection was a socket (and a goroutine) of the
// process for the 5 s of its header timeout.
func TestHealthServerCapsConnections(t *testing.T) {
	t.Parallel() // waits on its own process
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs Linux /proc")
	}
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	addr := strings.TrimPrefix(base, "http://")
	before := len(socketInodes(t, cmd.Process.Pid))

	const flood = maxHealthConns + 100
	for range flood {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
	}
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	_ = probe.SetDeadline(time.Now().Add(30 * time.Second)) // bounds a failing test only
	if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(probe)
	if !strings.Contains(string(got), "200 OK") {
		t.Fatalf("probe behind the flood: %q, %v", got, err)
	}
	if n := len(socketInodes(t, cmd.Process.Pid)) - before; n > maxHealthConns+1 {
		t.Errorf("the process holds %d more sockets after %d slow connections, want at most %d", n, flood, maxHealthConns+1)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

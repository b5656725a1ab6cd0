package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestIdleConnectionsDoNotStarveProbes: maxHealthConns keep-alive
// connections that each asked /healthz once and then wait (what any HTTP
// client leaves behind, no slowloris needed) take every slot of the health
// server. A probe behind them must still be answered, by a waiting
// connection giving up its slot, not after the idle timeout has closed them
// all: before, the probe waited the full 60 s IdleTimeout, longer than a
// kubelet's liveness budget (3 failures of a 2 s probe every 10 s), so 128
// ordinary requests a minute restarted the pod for good.
func TestIdleConnectionsDoNotStarveProbes(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	addr := strings.TrimPrefix(base, "http://")
	// get keeps its connection for reuse: that would be one slot fewer.
	http.DefaultClient.CloseIdleConnections()

	idle := make([]net.Conn, 0, maxHealthConns)
	for range maxHealthConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // bounds a failing test only
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("keep-alive /healthz: %d, close %v", resp.StatusCode, resp.Close)
		}
		idle = append(idle, c)
	}

	// The probe's deadline is shorter than the idle timeout, so only an idle
	// connection giving up its slot can answer it in time; the answer comes
	// at once when one does.
	wait := healthServer(nil, nil).IdleTimeout / 3
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	_ = probe.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(probe)
	if !strings.Contains(string(got), "200 OK") {
		t.Errorf("probe behind %d idle keep-alive connections not answered before they time out: %q, %v", maxHealthConns, got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// TestBusyConnectionsDoNotStarveProbes: maxHealthConns connections each in
// a request that never ends (a GET /healthz whose chunked body is never
// finished: the server reads it until ReadTimeout before it answers) take
// every slot. A probe behind them must still be answered, before the read
// timeout frees one: before, it waited the full timeout, and a client
// sending such requests again and again kept probes waiting for good.
func TestBusyConnectionsDoNotStarveProbes(t *testing.T) {
	t.Parallel() // waits on its own process
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("needs Linux /proc")
	}
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	addr := strings.TrimPrefix(base, "http://")
	http.DefaultClient.CloseIdleConnections()

	start := time.Now()
	for range maxHealthConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Every one of them in its request: the process holds them all and has
	// read every byte sent (nothing left in a socket's receive queue).
	_, port, _ := net.SplitHostPort(addr)
	eventually(t, "every connection read by the server", func() bool {
		return readConns(t, cmd.Process.Pid, port) == maxHealthConns
	})
	// The server began reading each busy connection after start, so the
	// read timeout frees no slot before start+ReadTimeout: only a busy
	// connection giving up its slot can answer the probe by then. (Before,
	// the probe had ReadTimeout/3 from its own dial, 3.3 s that a loaded
	// -race run can spend before the server is scheduled.)
	rt := healthServer(nil, nil).ReadTimeout
	deadline := start.Add(rt)
	if floor := time.Now().Add(rt / 3); deadline.Before(floor) {
		deadline = floor // a setup slower than 6.7 s: no less time than before
	}
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	_ = probe.SetDeadline(deadline)
	if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(probe)
	if !strings.Contains(string(got), "200 OK") {
		t.Errorf("probe behind %d requests with unfinished bodies not answered before the read timeout: %q, %v", maxHealthConns, got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// readConns counts the established connections to the local port that
// process pid holds and has read everything from (/proc, Linux only).
func readConns(t *testing.T, pid int, port string) int {
	t.Helper()
	p, _ := strconv.Atoi(port)
	suffix := fmt.Sprintf(":%04X", p)
	inodes := socketInodes(t, pid)
	n := 0
	for _, table := range []string{"tcp", "tcp6"} {
		for _, e := range procNet(t, pid, table) {
			if e.state == "01" && strings.HasSuffix(e.local, suffix) && inodes[e.inode] && strings.HasSuffix(e.queues, ":00000000") {
				n++
			}
		}
	}
	return n
}

// TestMetricsHoldNothingUsersOrUpstreamsSend drives hostile commands,
// clicks and upstream failures through the running bot, each carrying a
// marker (in emails, mentions, product keys, command words, action IDs,
// values, a Slack error code, an Atlassian error body and an odd status),
// then reads /metrics: no marker and no secret is there, and every label
// value of the bot's own series is a short word from the code, so no
// user or upstream can name a series or grow their number.
func TestMetricsHoldNothingUsersOrUpstreamsSend(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	f.slack.AddUser(slacktest.User{ID: "UMARKER9", Name: "marker", Email: "slack.marker@example.com"})
	_, base, _ := serveProcess(t, f.env("LASTACTIVE_REPORT_USERS=U1"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ask := func(text string) {
		t.Helper()
		env, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.slack.WaitReplies(ctx, env.ID, 1); err != nil {
			t.Fatalf("%q: no reply: %v", text, err)
		}
	}
	for _, text := range []string{
		"mallory.marker@example.com",
		"ada@example.com MARKER.two@example.com --fresh",
		"<@UMARKER9>",
		"<mailto:mailto.marker@example.com|mailto.marker@example.com>",
		"idle 30 productmarker\"{}",
		"exempt mallory.marker@example.com productmarker until 2099-01-01 reason marker",
		"audit mallory.marker@example.com",
		slacktest.BotToken,
		"commandmarker {le=\"1\"} \n # HELP marker",
	} {
		ask(text)
	}
	// Upstreams that answer oddly.
	f.slack.FailMethodError("users.info", 1, "slackmarker_error")
	ask("<@UMARKER9> --fresh") // the profile read above is kept: read it again
	remove := f.atl.Fail(atlassiantest.Failure{API: "admin", Status: 799, Body: `{"errors":[{"title":"atlmarker"}]}`})
	ask("ada@example.com --fresh")
	remove()
	remove = f.atl.Fail(atlassiantest.Failure{API: "jira", Status: 500, Body: "jiramarker"})
	ask("grace@example.com --fresh")
	remove()
	for _, a := range []slacktest.Action{
		{UserID: "U1", ChannelID: "C1", ActionID: "actionmarker", Value: "valuemarker"},
		{UserID: "U1", ChannelID: "C1", ActionID: "share", Value: "sharemarker"},
		{UserID: "U1", ChannelID: "C1", ActionID: "refresh", Value: "refreshmarker"},
	} {
		env, err := f.slack.BlockAction(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.slack.WaitAck(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Every command counted: the metrics are up to date.
	var m string
	eventually(t, "the commands counted", func() bool {
		_, m = get(base + "/metrics")
		return strings.Contains(m, "lastactive_lookups_in_flight 0") && strings.Contains(m, `lastactive_commands_total{kind="lookup"`)
	})
	noSecrets(t, m)
	if i := strings.Index(strings.ToLower(m), "marker"); i >= 0 {
		t.Errorf("/metrics repeats what a user or an upstream sent: …%s…", m[max(0, i-80):min(len(m), i+40)])
	}
	label := regexp.MustCompile(`([a-z_]+)="([^"]*)"`)
	word := regexp.MustCompile(`^[a-z0-9_.+]{1,24}$`)
	statusLabel := regexp.MustCompile(`^(0|[1-9]xx)$`)
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	series := 0
	for _, line := range strings.Split(m, "\n") {
		if !strings.HasPrefix(line, "lastactive_") {
			continue
		}
		series++
		for _, l := range label.FindAllStringSubmatch(line, -1) {
			if l[1] == "status" && !statusLabel.MatchString(l[2]) && (l[2] == "" || http.StatusText(atoi(l[2])) == "") {
				t.Errorf("status label %q is neither a status net/http names nor a class: %s", l[2], line)
			}
			if l[1] != "le" && !word.MatchString(l[2]) {
				t.Errorf("label %s=%q is not a word from the code: %s", l[1], l[2], line)
			}
		}
	}
	if series == 0 {
		t.Fatal("no lastactive_ series in /metrics")
	}
}

// TestNotReadyOnceStopping: after SIGTERM, while the bot finishes a command
// still in flight, /readyz answers 503 before the process exits, so a
// Service stops sending it traffic; /healthz still answers 200 (the
// process is alive and finishing its work).
func TestNotReadyOnceStopping(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	// A lookup held upstream keeps the process stopping for a while.
	defer f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Delay: 4 * time.Second})()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := f.atl.CountEndpoint(atlassiantest.EndpointLastActive)
	if _, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lookup upstream", func() bool { return f.atl.CountEndpoint(atlassiantest.EndpointLastActive) > n })

	exited := make(chan error, 1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	for {
		code, _ := get(base + "/readyz")
		if code == http.StatusServiceUnavailable {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the process exited (%v) and /readyz never said 503 after SIGTERM\n%s", err, logs.String())
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := get(base + "/healthz"); code != 200 {
		t.Errorf("/healthz while stopping = %d, want 200", code)
	}
	if err := <-exited; err != nil {
		t.Errorf("serve exited with %v after SIGTERM, want 0", err)
	}
}

// TestHealthPathsAreExact: only /healthz, /readyz and /metrics are served,
// as written. Another spelling of them (//metrics, /./healthz, a dot-dot)
// is a 404 like any other path: before, it was a 307 to the cleaned path,
// an HTML page whose Location header repeated the request's query as sent,
// quotes and angle brackets included. Nothing the server answers repeats
// the request.
func TestHealthPathsAreExact(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(healthServer(func() []string { return nil }, prometheus.NewRegistry()).Handler)
	defer srv.Close()
	const marker = `<b>"marker'`
	for _, path := range []string{"//metrics", "/./healthz", "/metrics/../readyz", "//evil.example/healthz", "/healthz/", "/debug/pprof/", "/x"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // bounds a failing test only
		if _, err := io.WriteString(conn, "GET "+path+"?q="+marker+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(conn)
		conn.Close()
		if !strings.HasPrefix(string(got), "HTTP/1.1 404 ") {
			t.Errorf("GET %s: %q, want a 404", path, got)
		}
		if strings.Contains(strings.ToLower(string(got)), "marker") {
			t.Errorf("GET %s repeats the request: %q", path, got)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/metrics?x=1", "/%6detrics"} {
		if code, _ := get(srv.URL + path); code != 200 {
			t.Errorf("GET %s = %d, want 200", path, code)
		}
	}
}

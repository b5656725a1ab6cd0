package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/bot/slacktest"
	"lastactive/internal/testlog"
)

// The tests of two serve processes (replicas) sharing one PostgreSQL
// database and one fake Slack. They skip without
// LASTACTIVE_TEST_POSTGRES_URL (.ci/run starts a throw-away PostgreSQL and
// sets it; README "Running the PostgreSQL tests by hand" says how).

// replicas starts n serve processes on one database and one fake Slack and
// waits until every socket of every one is open (two each).
func replicas(t *testing.T, f *fakes, n int, env ...string) ([]*exec.Cmd, []*testlog.Buffer) {
	t.Helper()
	var cmds []*exec.Cmd
	var logs []*testlog.Buffer
	for range n {
		cmd, base, l := serveProcess(t, f.env(env...))
		eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
		cmds, logs = append(cmds, cmd), append(logs, l)
	}
	eventually(t, "every socket open", func() bool { return f.slack.Deliverable() == 2*n })
	return cmds, logs
}

func countLines(logs []*testlog.Buffer, substrings ...string) int {
	n := 0
	for _, l := range logs {
	line:
		for _, s := range strings.Split(l.String(), "\n") {
			for _, sub := range substrings {
				if !strings.Contains(s, sub) {
					continue line
				}
			}
			n++
		}
	}
	return n
}

// TestEnvelopeAnsweredOnceAcrossReplicas: one envelope delivered on all
// four connections of two replicas is acked on each and answered once.
func TestEnvelopeAnsweredOnceAcrossReplicas(t *testing.T) {
	f := startFakes(t)
	f.db = postgresDatabase(t)
	cmds, logs := replicas(t, f, 2)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env, err := f.slack.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.slack.ResendAll(ctx, env)
	if err != nil || n != 4 {
		t.Fatalf("ResendAll: %d connections, %v; want 4", n, err)
	}
	if err := f.slack.Wait(ctx, func() bool { return f.slack.Acks(env.ID) == n+1 }); err != nil {
		t.Fatalf("acks = %d, want %d (each delivery acked where it arrived)", f.slack.Acks(env.ID), n+1)
	}
	if _, err := f.slack.WaitReplies(ctx, env.ID, 1); err != nil {
		t.Fatal(err)
	}
	// Every other delivery is recognised (the log says so); a graceful stop
	// finishes all acked work, so no second answer can still be coming.
	deadline := time.Now().Add(15 * time.Second)
	for countLines(logs, "duplicate envelope ignored", env.ID) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for i := range cmds {
		stop(t, cmds[i], logs[i])
	}
	dupes := countLines(logs, "duplicate envelope ignored", env.ID)
	if got := len(f.slack.Replies(env.ID)); got != 1 || dupes != n {
		t.Errorf("%d deliveries to two replicas: %d answers, %d recognised as duplicates; want 1 and %d", n+1, got, dupes, n)
	}
	if got := countLines(logs, `"msg":"audit"`, `"audit_stored":true`, "ada@example.com"); got != 1 {
		t.Errorf("%d stored lookup audit lines, want 1", got)
	}
}

var slotLine = regexp.MustCompile(`"msg":"digest slot","slot":"([^"]+)"`)

// TestDigestTwoReplicas: with LASTACTIVE_DIGEST_SCHEDULE="@every 2s" and two
// replicas on one database, four digests come, no slot is posted twice (two
// replicas posting each slot would make twice as many messages as slots),
// each digest has the fake org's counts, and from the second on the change
// since the previous one and a chart whose file was uploaded. (It once
// counted the digests of a 9 s window, which a loaded machine could make 3.)
func TestDigestTwoReplicas(t *testing.T) {
	const channel = "CDIGEST01"
	f := startFakes(t)
	f.db = postgresDatabase(t)
	cmds, logs := replicas(t, f, 2, "LASTACTIVE_REPORT_USERS=UBOSS",
		"LASTACTIVE_DIGEST_CHANNEL="+channel, "LASTACTIVE_DIGEST_SCHEDULE=@every 2s")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := f.slack.Wait(ctx, func() bool { return len(f.slack.Messages(channel)) >= 4 }); err != nil {
		t.Errorf("%d digests after 90 s at @every 2s, want 4", len(f.slack.Messages(channel)))
	}
	for i := range cmds {
		stop(t, cmds[i], logs[i])
	}

	// Each slot ran once, on one replica or the other.
	slots := map[string]int{}
	byReplica := make([]int, len(logs))
	for i, l := range logs {
		for _, m := range slotLine.FindAllStringSubmatch(l.String(), -1) {
			slots[m[1]]++
			byReplica[i]++
		}
	}
	for slot, n := range slots {
		if n != 1 {
			t.Errorf("slot %s run %d times", slot, n)
		}
	}
	msgs := f.slack.Messages(channel)
	if len(msgs) != len(slots) {
		t.Errorf("%d digests for %d slots run", len(msgs), len(slots))
	}
	t.Logf("%d digests; slots run per replica: %v", len(msgs), byReplica)

	uploaded := map[string]bool{}
	for _, u := range f.slack.Uploads() {
		uploaded[u.FileID] = u.Uploaded && u.Completed && strings.HasSuffix(u.Filename, ".png")
	}
	for i, m := range msgs {
		raw, _ := json.Marshal(m.Blocks)
		text := string(raw)
		for _, want := range sampleOrgDigest {
			if !strings.Contains(text, want) {
				t.Errorf("digest %d lacks %q: %s", i, want, text)
			}
		}
		var image map[string]any
		for _, b := range m.Blocks {
			if b["type"] == "image" {
				image = b
			}
		}
		switch {
		case i == 0 && (image != nil || !strings.Contains(text, "trend chart starts with the next digest")):
			t.Errorf("first digest: want no chart and the line about the trend: %s", text)
		case i > 0 && image == nil:
			t.Errorf("digest %d has no chart: %s", i, text)
		case i > 0:
			id, _ := image["slack_file"].(map[string]any)["id"].(string)
			if !uploaded[id] {
				t.Errorf("digest %d shows file %q, which was not uploaded and completed", i, id)
			}
			if !strings.Contains(text, "Change since the last digest") || !strings.Contains(text, "(no change)") {
				t.Errorf("digest %d lacks the change since the previous one: %s", i, text)
			}
		}
	}
}

// sampleOrgDigest is what every digest of atlassiantest.SampleOrg says:
// the org's totals and one site's line (the fake counts them as a manager
// would: 21 seats, 14 active, 5 idle, 2 never used; Jira Software on
// acme.atlassian.net has 7 of 50 licensed seats, 2 of them idle; the
// other lines have no licensed capacity, so the total gives none).
var sampleOrgDigest = []string{
	"*21 seats*: 14 active · *5 idle*",
	"*2 never used*",
	"*Jira Software* · acme.atlassian.net: 7 seats of 50 licensed · 5 active · *2 idle*",
}

// commitCutter is a loopback TCP proxy in front of PostgreSQL. Once armed,
// it passes the next COMMIT on, waits for the database's answer, and drops
// the connection instead of passing the answer back: the transaction is
// committed, and the client cannot know it, as when PostgreSQL restarts or
// the network cuts at that instant.
type commitCutter struct {
	url   string // the database URL through the proxy
	armed atomic.Bool
	cut   atomic.Int32 // commits whose answer was dropped
}

func newCommitCutter(t *testing.T, dbURL string) *commitCutter {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()
	c := &commitCutter{url: u.String()}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	track := func(cs ...net.Conn) bool {
		mu.Lock()
		defer mu.Unlock()
		if conns == nil {
			return false // closed
		}
		conns = append(conns, cs...)
		return true
	}
	conns = []net.Conn{}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, cn := range conns {
			cn.Close()
		}
		conns = nil
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			if !track(client, server) {
				client.Close()
				server.Close()
				return
			}
			var cutting atomic.Bool
			wg.Go(func() { // client to server
				defer server.Close()
				buf := make([]byte, 64<<10)
				// The cut is the audit batch's commit: another
				// transaction's (the envelope log's) committing first
				// must not take the armed cut.
				auditTx := false
				for {
					n, err := client.Read(buf)
					if n > 0 {
						low := bytes.ToLower(buf[:n])
						auditTx = auditTx || bytes.Contains(low, []byte("insert into audit_entry"))
						if bytes.Contains(low, []byte("commit")) {
							if auditTx && c.armed.CompareAndSwap(true, false) {
								cutting.Store(true)
							}
							auditTx = false
						}
						if _, werr := server.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
			wg.Go(func() { // server to client
				defer client.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 && cutting.Load() {
						// The commit's answer: committed, and never told.
						c.cut.Add(1)
						server.Close()
						return
					}
					if n > 0 {
						if _, werr := client.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	return c
}

// TestAuditEntryNotDoubledWhenACommitsAnswerIsLost: PostgreSQL commits an
// audit batch and the connection drops before its answer arrives (a
// restart under load). The writer keeps the entry and writes it again,
// which must not make a second entry: one lookup, one line of the trail.
func TestAuditEntryNotDoubledWhenACommitsAnswerIsLost(t *testing.T) {
	f := startFakes(t)
	db := postgresDatabase(t)
	cutter := newCommitCutter(t, db)
	f.db = cutter.url
	cmds, logs := replicas(t, f, 1)

	cutter.armed.Store(true)
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the audit write seen failing", func() bool { return strings.Contains(logs[0].String(), `"audit_stored":false`) })
	if cutter.cut.Load() != 1 {
		t.Fatalf("%d commit answers dropped, want 1", cutter.cut.Load())
	}
	// The stop flushes the kept entry, through the proxy, which now passes
	// everything.
	stop(t, cmds[0], logs[0])

	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+db), "", "audit", "--json", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; r.stdout == "" || n != 1 {
		t.Errorf("one lookup, %d audit entries:\n%s\nlogs:\n%s", n, r.stdout, logs[0].String())
	}
}

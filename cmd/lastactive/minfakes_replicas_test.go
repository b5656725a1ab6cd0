package main

// Two serve processes (replicas) on one PostgreSQL database and one
// minimal Slack (minfakes_test.go), each with Socket Mode connections of
// its own to it: what the contract promises of several replicas, driven
// through the built binary against fakes written from the contract alone.
// They skip without LASTACTIVE_TEST_POSTGRES_URL.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"

	"lastactive/internal/testlog"
)

// mfrReplica is one serve process and the Socket Mode connections it opened.
type mfrReplica struct {
	cmd   *exec.Cmd
	logs  *testlog.Buffer
	conns []*websocket.Conn
}

// mfrSet is the replicas of one scenario and the fakes they share.
type mfrSet struct {
	s   *mfSlack
	up  *mf2Uploads
	a   *mf3Admin
	atl *mfAtlassian
	env []string
	db  string
	n   int
}

// mfrStart serves ida@example.com (idle in Jira Software for 200 days, held
// directly; U0IDA1 in Slack) and the lookup people of mfPeople, on one
// PostgreSQL database, with env added, and no replica yet.
func mfrStart(t *testing.T, env ...string) *mfrSet {
	t.Helper()
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set")
	}
	a := &mf3Admin{}
	ida := &mf3Person{id: "712020:ida", email: "ida@example.com", name: "Ida Idle", daysIdle: 200,
		direct: map[string]string{mf3SiteA: "atlassian/user"}, products: map[string]string{mf3SiteA: "jira-software"}}
	a.people = map[string]*mf3Person{ida.id: ida}
	var people []mfPerson
	for _, c := range mfPeople(t) {
		people = append(people, c.p)
	}
	atl := newMinAtlassianWith(t, people, mfWorkspacesDefault, a.more)
	up := &mf2Uploads{memberPages: mf3Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	return &mfrSet{s: s, up: up, a: a, atl: atl, db: db, env: atl.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken,
		"SLACK_BOT_TOKEN=" + mfBotToken, "SLACK_API_URL=" + s.apiURL(), db, "LASTACTIVE_APPROVERS=U0APP1,U0APP2",
		"LASTACTIVE_REPORT_USERS=U0APP1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60"}, env...)...)}
}

// replica starts one more serve and waits until it is ready and its
// Socket Mode connections are open: those opened since it started.
func (m *mfrSet) replica(t *testing.T) *mfrReplica {
	t.Helper()
	m.s.mu.Lock()
	before := len(m.s.conns)
	m.s.mu.Unlock()
	cmd, base, logs := serveProcess(t, m.env)
	t.Cleanup(func() {
		mf3NoSecrets(t, logs.String())
		if t.Failed() {
			t.Logf("replica %s:\n%.6000s", base, logs.String())
		}
	})
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	r := &mfrReplica{cmd: cmd, logs: logs}
	eventually(t, "the replica's sockets", func() bool {
		m.s.mu.Lock()
		defer m.s.mu.Unlock()
		r.conns = nil
		for _, c := range m.s.conns[before:] {
			if !slices.Contains(m.s.closed, c) {
				r.conns = append(r.conns, c)
			}
		}
		return len(r.conns) >= 2
	})
	return r
}

// deliver writes an envelope to the replica's first open connection, as
// Slack delivers it (retry_attempt and retry_reason on a redelivery), and
// does not wait for its ack.
func (m *mfrSet) deliver(t *testing.T, r *mfrReplica, id, typ string, retry int, payload any) {
	t.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]any{"envelope_id": id, "type": typ, "accepts_response_payload": false, "payload": json.RawMessage(p),
		"retry_attempt": retry, "retry_reason": ""}
	if retry > 0 {
		env["retry_reason"] = "timeout"
	}
	frame, _ := json.Marshal(env)
	m.s.mu.Lock()
	var c *websocket.Conn
	for _, x := range r.conns {
		if !slices.Contains(m.s.closed, x) {
			c = x
			break
		}
	}
	m.s.mu.Unlock()
	if c == nil {
		t.Fatal("the replica has no open connection")
	}
	m.s.writeMu.Lock()
	err = c.WriteMessage(websocket.TextMessage, frame)
	m.s.writeMu.Unlock()
	if err != nil {
		t.Fatalf("writing envelope %s: %v", id, err)
	}
}

// acked waits for an ack of id, and forgets it, so that the next wait is
// for the next ack.
func (m *mfrSet) acked(t *testing.T, id string) {
	t.Helper()
	eventually(t, "the ack of "+id, func() bool {
		m.s.mu.Lock()
		defer m.s.mu.Unlock()
		_, ok := m.s.acks[id]
		delete(m.s.acks, id)
		return ok
	})
}

func (m *mfrSet) slashPayload(id, user, text string) (map[string]string, string) {
	ru := m.s.srv.URL + "/hooks/commands/TMIN/" + id
	return map[string]string{"token": "verification-token-unused", "team_id": "TMIN", "team_domain": "acme", "channel_id": "CMIN",
		"channel_name": "support", "user_id": user, "user_name": "asker", "command": "/lastactive", "text": text,
		"api_app_id": "A0MIN", "response_url": ru, "trigger_id": "1.2.3"}, ru
}

// slash sends a slash command to replica r, waits for its ack and
// returns its response_url.
func (m *mfrSet) slash(t *testing.T, r *mfrReplica, id, text string) string {
	t.Helper()
	p, ru := m.slashPayload(id, "UASK", text)
	m.deliver(t, r, id, "slash_commands", 0, p)
	m.acked(t, id)
	return ru
}

func (m *mfrSet) clickPayload(id, user, actionID, value, blockID string) (map[string]any, string) {
	ru := m.s.srv.URL + "/hooks/actions/TMIN/" + id
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "TMIN"},
		"actions":      []map[string]any{{"action_id": actionID, "value": value, "block_id": blockID, "type": "button"}},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "D" + strings.TrimPrefix(user, "U"), "is_ephemeral": false},
		"response_url": ru, "trigger_id": "1.2.3",
	}, ru
}

// audit is the stored trail, as `lastactive audit --json` prints it.
func (m *mfrSet) audit(t *testing.T, args ...string) []string {
	t.Helper()
	r := runBinary(t, m.atl.env(m.db), "", append([]string{"audit", "--json"}, args...)...)
	mf3NoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// mfrStop stops every replica gracefully: whatever was acked is done.
func mfrStop(t *testing.T, rs ...*mfrReplica) {
	t.Helper()
	for _, r := range rs {
		if r.cmd.ProcessState == nil {
			stop(t, r.cmd, r.logs)
		}
	}
}

// TestMinimalFakesReplicasRedelivery: Slack delivers a slash command to a
// connection of replica A, then, as it does when an ack is late, the same
// envelope_id with retry_attempt 1 to a connection of replica B. Both are
// acked where they arrived; the command is answered once and audited once.
func TestMinimalFakesReplicasRedelivery(t *testing.T) {
	t.Parallel()
	m := mfrStart(t)
	a, b := m.replica(t), m.replica(t)
	p, ru := m.slashPayload("env-redeliver-1", "UASK", "tut@example.com")
	m.deliver(t, a, "env-redeliver-1", "slash_commands", 0, p)
	m.acked(t, "env-redeliver-1")
	m.deliver(t, b, "env-redeliver-1", "slash_commands", 1, p)
	m.acked(t, "env-redeliver-1")
	if r := m.s.reply(t, ru, 1); !strings.Contains(r.raw, "Tess Tutorial") {
		t.Errorf("reply: %s", r.raw)
	}
	mfrStop(t, a, b)
	if n := m.s.replyCount(ru); n != 1 {
		t.Errorf("%d replies to one command delivered twice, want 1", n)
	}
	if got := m.audit(t, "tut@example.com"); len(got) != 1 {
		t.Errorf("%d audit entries for one lookup, want 1:\n%s", len(got), strings.Join(got, "\n"))
	}
}

var mfrSlotLine = regexp.MustCompile(`"msg":"digest slot","slot":"([^"]+)"`)

// TestMinimalFakesReplicasDigest: LASTACTIVE_DIGEST_SCHEDULE '@every 3s' on
// both replicas: each slot is posted once in the channel, and no slot is
// skipped while both run.
func TestMinimalFakesReplicasDigest(t *testing.T) {
	t.Parallel()
	const channel = "C0DIGEST1"
	m := mfrStart(t, "LASTACTIVE_DIGEST_CHANNEL="+channel, "LASTACTIVE_DIGEST_SCHEDULE=@every 3s")
	a, b := m.replica(t), m.replica(t)
	m.s.digestPosted(t, channel, 3)
	mfrStop(t, a, b)

	posts := 0
	m.s.mu.Lock()
	for _, p := range m.s.posts {
		if p.Get("channel") == channel {
			posts++
		}
	}
	m.s.mu.Unlock()
	slots := map[string]int{}
	for _, r := range []*mfrReplica{a, b} {
		for _, s := range mfrSlotLine.FindAllStringSubmatch(r.logs.String(), -1) {
			slots[s[1]]++
		}
	}
	for slot, n := range slots {
		if n != 1 {
			t.Errorf("slot %s posted %d times", slot, n)
		}
	}
	if posts != len(slots) {
		t.Errorf("%d digests posted for %d slots", posts, len(slots))
	}
	for _, r := range []*mfrReplica{a, b} {
		if strings.Contains(r.logs.String(), "slots skipped") {
			t.Errorf("a slot skipped while both replicas ran")
		}
	}
}

var mfrRoundLine = regexp.MustCompile(`"msg":"nudge round","slot":"([^"]+)"`)

// TestMinimalFakesReplicasNudge: LASTACTIVE_NUDGE=on with '@every 3s' on
// both replicas: the idle person is nudged once, however many rounds run
// on either.
func TestMinimalFakesReplicasNudge(t *testing.T) {
	t.Parallel()
	m := mfrStart(t, "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 3s")
	a, b := m.replica(t), m.replica(t)
	rounds := func() int {
		n := 0
		for _, r := range []*mfrReplica{a, b} {
			n += len(mfrRoundLine.FindAllString(r.logs.String(), -1))
		}
		return n
	}
	eventually(t, "three nudge rounds", func() bool { return rounds() >= 3 })
	mfrStop(t, a, b)
	nudges := 0
	m.s.mu.Lock()
	for _, p := range m.s.posts {
		if strings.Contains(p.Get("blocks"), `"nudge_keep"`) {
			nudges++
		}
	}
	m.s.mu.Unlock()
	if nudges != 1 {
		t.Errorf("%d nudges for one idle person in %d rounds, want 1", nudges, rounds())
	}
}

// TestMinimalFakesReplicasKeepAndRelease: Keep clicked on replica A and
// Release on replica B for the same seat at once: one decision wins, the
// other click is told.
func TestMinimalFakesReplicasKeepAndRelease(t *testing.T) {
	t.Parallel()
	m := mfrStart(t, "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s")
	a, b := m.replica(t), m.replica(t)
	bot := &mf3Bot{s: m.s, up: m.up}
	ask, keep, keepBlock := bot.waitButton(t, "U0IDA1", "nudge_keep")
	release, releaseBlock := nudgeButton(t, ask.blocks, "nudge_release")
	kp, kru := m.clickPayload("env-keep", "U0IDA1", "nudge_keep", keep, keepBlock)
	rp, rru := m.clickPayload("env-release", "U0IDA1", "nudge_release", release, releaseBlock)
	var wg sync.WaitGroup
	wg.Go(func() { m.deliver(t, a, "env-keep", "interactive", 0, kp) })
	wg.Go(func() { m.deliver(t, b, "env-release", "interactive", 0, rp) })
	wg.Wait()
	m.acked(t, "env-keep")
	m.acked(t, "env-release")
	mfrStop(t, a, b)

	var answers []string
	for _, l := range m.audit(t, "ida@example.com") {
		if strings.Contains(l, `"keep: jira-software`) || strings.Contains(l, `"release: jira-software`) {
			answers = append(answers, l)
		}
	}
	if len(answers) != 1 {
		t.Errorf("%d answers stored for one nudge clicked Keep and Release at once, want 1:\n%s", len(answers), strings.Join(answers, "\n"))
	}
	kept := len(answers) == 1 && strings.Contains(answers[0], "keep:")
	loser := rru
	if !kept {
		loser = kru
	}
	told := false
	for i := 1; i <= m.s.replyCount(loser); i++ {
		told = told || strings.Contains(strings.ToLower(m.s.reply(t, loser, i).raw), "already")
	}
	if !told {
		t.Errorf("the losing click (keep won: %v) was not told; %d replies", kept, m.s.replyCount(loser))
	}
	requests := 0
	for _, x := range bot.messages() {
		if x.method == "chat.postMessage" && strings.Contains(x.blocks, `"release_approve"`) {
			requests++
		}
	}
	if kept && requests != 0 || !kept && requests == 0 {
		t.Errorf("keep won: %v, and %d release requests went to the approvers", kept, requests)
	}
}

// TestMinimalFakesReplicasKilled: replica A is killed with SIGKILL after
// answering; B goes on serving; A restarted answers nothing twice (a
// redelivery of what was answered before is ignored), and the trail has
// every lookup answered.
func TestMinimalFakesReplicasKilled(t *testing.T) {
	t.Parallel()
	m := mfrStart(t)
	a, b := m.replica(t), m.replica(t)
	ru1 := m.slash(t, a, "env-k1", "tut@example.com")
	m.s.reply(t, ru1, 1)
	eventually(t, "A's audit stored", func() bool { return strings.Contains(a.logs.String(), `"audit_stored":true`) })
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	ru2 := m.slash(t, b, "env-k2", "ts@example.com")
	if r := m.s.reply(t, ru2, 1); !strings.Contains(r.raw, "Tim Stamps") {
		t.Errorf("B after A's kill: %s", r.raw)
	}
	a2 := m.replica(t)
	p, _ := m.slashPayload("env-k1", "UASK", "tut@example.com")
	m.deliver(t, a2, "env-k1", "slash_commands", 1, p)
	m.acked(t, "env-k1")
	ru3 := m.slash(t, a2, "env-k3", "pg@example.com")
	if r := m.s.reply(t, ru3, 1); !strings.Contains(r.raw, "Pat Pages") {
		t.Errorf("A restarted: %s", r.raw)
	}
	mfrStop(t, a2, b)
	if n := m.s.replyCount(ru1); n != 1 {
		t.Errorf("the command answered before the kill: %d replies, want 1", n)
	}
	all := strings.Join(m.audit(t), "\n")
	for _, e := range []string{"tut@example.com", "ts@example.com", "pg@example.com"} {
		if c := strings.Count(all, `"`+e+`"`); c != 1 {
			t.Errorf("%d audit entries for the lookup of %s, want 1", c, e)
		}
	}
	if t.Failed() {
		t.Log(fmt.Sprintf("audit:\n%s", all))
	}
}

// mfrAtOnce delivers two clicks, one to each replica, at once, and waits
// for both acks.
func (m *mfrSet) mfrAtOnce(t *testing.T, r1, r2 *mfrReplica, id1, id2 string, p1, p2 any) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() { m.deliver(t, r1, id1, "interactive", 0, p1) })
	wg.Go(func() { m.deliver(t, r2, id2, "interactive", 0, p2) })
	wg.Wait()
	m.acked(t, id1)
	m.acked(t, id2)
}

// TestMinimalFakesReplicasApproveAndUndoAtOnce: the two approvers click
// Approve at once, one on each replica: the seat is released once and the
// other approver is told; then Undo is clicked on both replicas at once:
// the access is restored once.
func TestMinimalFakesReplicasApproveAndUndoAtOnce(t *testing.T) {
	t.Parallel()
	m := mfrStart(t, "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s", "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
	a, b := m.replica(t), m.replica(t)
	bot := &mf3Bot{s: m.s, up: m.up, a: m.a}
	_, release, block := bot.waitButton(t, "U0IDA1", "nudge_release")
	p, _ := m.clickPayload("env-rel", "U0IDA1", "nudge_release", release, block)
	m.deliver(t, a, "env-rel", "interactive", 0, p)
	m.acked(t, "env-rel")
	_, v1, b1 := bot.waitButton(t, "U0APP1", "release_approve")
	_, v2, b2 := bot.waitButton(t, "U0APP2", "release_approve")
	p1, ru1 := m.clickPayload("env-app1", "U0APP1", "release_approve", v1, b1)
	p2, ru2 := m.clickPayload("env-app2", "U0APP2", "release_approve", v2, b2)
	m.mfrAtOnce(t, a, b, "env-app1", "env-app2", p1, p2)
	revoke := "POST /v1/orgs/" + mfOrg + "/users/712020:ida/roles/revoke"
	assign := "POST /v1/orgs/" + mfOrg + "/users/712020:ida/roles/assign"
	count := func(what string) int {
		n := 0
		for _, w := range bot.writes() {
			if strings.HasPrefix(w, what) {
				n++
			}
		}
		return n
	}
	// The winner's result carries Undo, in its own DM.
	var winner, other string
	var undo, ublock, oru string
	eventually(t, "the result with Undo", func() bool {
		for _, x := range bot.messages() {
			if strings.Contains(x.blocks, `"release_undo"`) && (x.channel == "U0APP1" || x.channel == "U0APP2") {
				winner = x.channel
				undo, ublock = nudgeButton(t, x.blocks, "release_undo")
				return true
			}
		}
		return false
	})
	other, oru = "U0APP2", ru2
	if winner == "U0APP2" {
		other, oru = "U0APP1", ru1
	}
	told := func(ru string) bool {
		for i := 1; i <= m.s.replyCount(ru); i++ {
			if strings.Contains(strings.ToLower(m.s.reply(t, ru, i).raw), "already") {
				return true
			}
		}
		return false
	}
	eventually(t, "the other approver told", func() bool { return told(oru) })
	if n := count(revoke); n != 1 {
		t.Errorf("two approvals at once: %d revokes, want 1 (%s lost)", n, other)
	}
	u1, uru1 := m.clickPayload("env-undo1", winner, "release_undo", undo, ublock)
	u2, uru2 := m.clickPayload("env-undo2", winner, "release_undo", undo, ublock)
	m.mfrAtOnce(t, a, b, "env-undo1", "env-undo2", u1, u2)
	eventually(t, "the access restored", func() bool { return count(assign) >= 1 })
	eventually(t, "the second Undo told", func() bool { return told(uru1) || told(uru2) })
	mfrStop(t, a, b)
	if n := count(assign); n != 1 {
		t.Errorf("Undo clicked on both replicas at once: %d assigns, want 1\nwrites: %q", n, bot.writes())
	}
	if n := count(revoke); n != 1 {
		t.Errorf("%d revokes, want 1\nwrites: %q", n, bot.writes())
	}
}

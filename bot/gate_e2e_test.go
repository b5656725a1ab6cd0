package bot_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// The per-requester budget charges each distinct person once in a window:
// a support agent asking about the same person again walks no directory.
// An hour per token below: nothing refills while a test runs.

// auditLines returns the audit log lines of requester, oldest first.
func (h *harness) auditLines(requester string) []map[string]any {
	h.t.Helper()
	var out []map[string]any
	for line := range strings.Lines(h.logs.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "audit" && m["requester"] == requester {
			out = append(out, m)
		}
	}
	return out
}

// TestSamePersonAskedAgainIsAnswered: one requester asks about the same
// person 100 times in a row. Before, the 21st and every one after were
// answered "You have asked about many people in a short time", though
// asking again enumerates nothing. The audit line of a repeat is a
// lookup's, as before.
func TestSamePersonAskedAgainIsAnswered(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour}})
	for i := range 100 {
		if got := text(h.ask("U0AGENT01", "C1", "ada@example.com")); !strings.Contains(got, "Ada Lovelace") {
			t.Fatalf("lookup %d of the same person not answered:\n%s", i+1, got)
		}
	}
	lines := h.auditLines("U0AGENT01")
	if len(lines) != 100 {
		t.Fatalf("%d audit lines for 100 lookups", len(lines))
	}
	first, last := lines[0], lines[99]
	for _, k := range []string{"time", "duration_ms", "cache_hits"} {
		delete(first, k)
		delete(last, k)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(last)
	if string(a) != string(b) {
		t.Errorf("the audit line of a repeat differs from the first's:\n%s\n%s", a, b)
	}
	if last["kind"] != "lookup" || last["outcome"] != "ok" || fmt.Sprint(last["targets"]) != "[ada@example.com]" {
		t.Errorf("audit line of the 100th lookup: %s", b)
	}
}

// TestSamePersonAtOnceFromOneRequester: 50 commands about one new person
// from one requester at once (before the first is charged) are all
// answered, with one upstream chain. Before, 30 were refused.
func TestSamePersonAtOnceFromOneRequester(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour}})
	target := h.user("grace@example.com")
	envs := make([]*slacktest.Envelope, 50)
	for i := range envs {
		envs[i] = h.send("U0AGENT01", "C1", target.Email)
	}
	refused := 0
	for _, e := range envs {
		if got := text(h.reply(e)); !strings.Contains(got, target.DisplayName) {
			refused++
		}
	}
	if refused > 0 {
		t.Errorf("%d of 50 simultaneous commands about one person not answered", refused)
	}
	if got := h.jiraCalls(); got != 1 {
		t.Errorf("Jira searches = %d, want 1", got)
	}
	pages := max(1, (len(target.Products)+1)/2) // default page size 2
	if got := h.adminCalls(); got != pages {
		t.Errorf("Admin calls = %d, want %d (one chain)", got, pages)
	}
}

// tryAgainInAnHour is the refusal's wait with PerUserEvery an hour, less
// the seconds the test took to get there.
var tryAgainInAnHour = regexp.MustCompile(`Try again in (3600|35[0-9][0-9]) s`)

// TestDistinctPeopleStillLimited: 25 distinct people from one requester:
// the 21st is refused with the wait, as before. A person asked about
// already is still answered on the empty bucket, at no upstream cost; a new
// person, or --fresh of a remembered one, is refused.
func TestDistinctPeopleStillLimited(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour}})
	for i := range 25 {
		email := fmt.Sprintf("p%02d@example.com", i)
		if i == 0 {
			email = "ada@example.com"
		}
		got := text(h.ask("U0AGENT01", "C1", email))
		refused := strings.Contains(got, "many people")
		if refused != (i >= 20) {
			t.Fatalf("person %d (%s): refused=%v:\n%s", i+1, email, refused, got)
		}
		// The bucket refills as the test runs: a second on a loaded machine
		// makes the wait 3599 s.
		if refused && !tryAgainInAnHour.MatchString(got) {
			t.Errorf("the refusal of person %d does not say when to try again:\n%s", i+1, got)
		}
	}
	before := h.upstream()
	if got := text(h.ask("U0AGENT01", "C1", "ada@example.com")); !strings.Contains(got, "Ada Lovelace") {
		t.Errorf("a person asked about already was refused on the empty bucket:\n%s", got)
	}
	if n := h.upstream() - before; n != 0 {
		t.Errorf("asking again about a cached person cost %d upstream calls", n)
	}
	for _, c := range []string{"grace@example.com", "ada@example.com --fresh", "ada@example.com grace@example.com"} {
		if got := text(h.ask("U0AGENT01", "C1", c)); !strings.Contains(got, "many people") {
			t.Errorf("%q answered on an empty bucket:\n%s", c, got)
		}
	}
	if n := h.upstream() - before; n != 0 {
		t.Errorf("refused lookups cost %d upstream calls", n)
	}
	outcomes := []string{}
	for _, l := range h.auditLines("U0AGENT01") {
		outcomes = append(outcomes, fmt.Sprint(l["outcome"]))
	}
	if n := len(slices.DeleteFunc(outcomes, func(o string) bool { return o != "rate_limited" })); n != 8 {
		t.Errorf("%d lookups audited as rate limited, want 8", n)
	}
}

// TestRepeatOnlyFreeWhileTheAnswerIsKept: a repeat is free because its
// answer comes from the cache. An answer that failed (Atlassian down) was
// not kept, and without a cache nothing is: asking again reads Atlassian
// again and pays, so one requester cannot hammer a failing API, or one
// without a cache, by asking about the same person in a loop.
func TestRepeatOnlyFreeWhileTheAnswerIsKept(t *testing.T) {
	for _, c := range []struct {
		name string
		o    harnessOpts
		fail bool
	}{
		{"atlassian failing", harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour, PerUserBurst: 2}}, true},
		{"no cache", harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour, PerUserBurst: 2}, ttl: -1}, false},
		// Not found is kept a minute, not the window: past it, each repeat
		// of a typo (or of a name guessed) would read Atlassian again.
		{"not found", harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour, PerUserBurst: 2}, org: func(o *atlassiantest.Org) {
			o.Users = slices.DeleteFunc(o.Users, func(u atlassiantest.User) bool { return u.Email == "ada@example.com" })
		}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := startBot(t, c.o)
			if c.fail {
				h.atl.Fail(atlassiantest.Failure{API: "admin", AccountID: atlassiantest.AdaAccountID, Status: 500})
			}
			h.ask("U0AGENT01", "C1", "ada@example.com")
			h.ask("U0AGENT01", "C1", "ada@example.com")
			before := h.upstream()
			if got := text(h.ask("U0AGENT01", "C1", "ada@example.com")); !strings.Contains(got, "many people") {
				t.Errorf("the third lookup on a bucket of two was answered:\n%s", got)
			}
			if n := h.upstream() - before; n != 0 {
				t.Errorf("the third lookup cost %d upstream calls", n)
			}
		})
	}
}

// TestShareOfAMentionsAnswerIsARepeat: a requester who asked about
// <@U…> and got the answer, then clicked its Share, was charged again
// (the mention was remembered by its Slack user ID, the Share by the
// email it found), so on a spent budget the Share of an answer on screen
// was refused "many people", though it walks no directory.
func TestShareOfAMentionsAnswerIsARepeat(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour, PerUserBurst: 1}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	grace := h.user("grace@example.com")
	r := h.ask("U0ALICE01", "C1", "<@U0GRACE>")
	if got := text(r); !strings.Contains(got, grace.DisplayName) {
		t.Fatalf("the mention was not answered:\n%s", got)
	}
	share, _ := buttons(t, r)[bot.ActionShare]["value"].(string)
	before := h.upstream()
	got := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionShare, Value: share})[0]
	if s := text(got); !strings.Contains(s, grace.DisplayName) || strings.Contains(s, "many people") {
		t.Errorf("the Share of the answer just given was refused:\n%s", s)
	}
	if n := h.upstream() - before; n != 0 {
		t.Errorf("the Share cost %d upstream calls", n)
	}
	// The email the mention found is paid for; another person is not.
	if s := text(h.ask("U0ALICE01", "C1", "alan@example.com")); !strings.Contains(s, "many people") {
		t.Errorf("a new person was answered on a spent budget:\n%s", s)
	}
}

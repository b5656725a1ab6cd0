package bot_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestFullListOnePerRequester: the digest's Full list button is an idle
// report (every row of the organisation and its CSV, held until sent), so
// it keeps the idle command's rule of one report at a time per requester.
// Before, each click built its own report: 20 clicks by one report user on
// a 50,000-person organisation held 20 reports and CSVs at once (1.7 GB
// peak RSS against a 128 MiB container), putting every user's commands at
// risk. A click while the requester's report runs is answered at once and
// costs no report; another report user is served beside it.
func TestFullListOnePerRequester(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS", "UCFO"}}, reports: true, digestChannel: "C0DIGEST"})
	free, _ := holdOrgScan(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	click := func(user string) *slacktest.Envelope {
		t.Helper()
		env, err := h.slack.BlockAction(ctx, slacktest.Action{UserID: user, ChannelID: "C0DIGEST", ActionID: bot.ActionDigestFullList, Value: "csv"})
		if err != nil {
			t.Fatal(err)
		}
		return env
	}

	first := h.send("UBOSS", "C1", "idle")
	if rs, err := h.slack.WaitReplies(ctx, first.ID, 1); err != nil || !strings.Contains(text(rs[0]), "Report running") {
		t.Fatalf("no progress message for the first report: %v", err)
	}
	again := []*slacktest.Envelope{click("UBOSS"), click("UBOSS"), click("UBOSS")}
	for i, env := range again {
		rs, err := h.slack.WaitReplies(ctx, env.ID, 1)
		if err != nil {
			t.Fatalf("Full list click %d while the requester's report runs: no reply: %v", i+1, err)
		}
		if got := text(rs[0]); !strings.Contains(got, "already running") {
			t.Errorf("Full list click %d while the requester's report runs: reply is not \"already running\":\n%s", i+1, got)
		}
	}
	other := click("UCFO")
	free()

	if _, err := h.slack.WaitReplies(ctx, other.ID, 1); err != nil {
		t.Fatalf("another report user's Full list: no reply: %v", err)
	}
	if err := h.slack.Wait(ctx, func() bool {
		rs := h.slack.Replies(first.ID)
		return strings.Contains(text(rs[len(rs)-1]), "Idle seats: not used for")
	}); err != nil {
		t.Fatalf("no result for the first report: %v", err)
	}
	if n := len(h.slack.Uploads()); n != 2 {
		t.Errorf("%d CSV files uploaded, want 2: the idle report's and the other report user's Full list", n)
	}
	for i, env := range again {
		if n := len(h.slack.Replies(env.ID)); n != 1 {
			t.Errorf("Full list click %d got %d replies, want the one notice", i+1, n)
		}
	}
}

// TestScanNowOnePerRequester: App Home's Scan now builds the report of a
// fresh scan, rows and all, for the snapshot it records; twenty clicks by
// one report user while a scan ran held twenty reports at once (875 MB
// peak RSS on a 50,000-person organisation). A click while the requester's
// scan runs now says so on the tab at once and builds nothing.
func TestScanNowOnePerRequester(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS"}}, reports: true, digestChannel: "C0DIGEST"})
	free, _ := holdOrgScan(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	click := func() {
		t.Helper()
		if _, err := h.slack.BlockAction(ctx, slacktest.Action{UserID: "UBOSS", ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
			t.Fatal(err)
		}
	}
	running := func() int {
		n := 0
		for _, v := range h.slack.HomeViews("UBOSS") {
			if strings.Contains(string(v.View), "already running") {
				n++
			}
		}
		return n
	}
	click()
	// The first click's scan is under way once its tab says it waits.
	if err := h.slack.Wait(ctx, func() bool { return len(h.slack.HomeViews("UBOSS")) > 0 }); err != nil {
		t.Fatalf("the first Scan now published nothing: %v", err)
	}
	click()
	click()
	if err := h.slack.Wait(ctx, func() bool { return running() >= 2 }); err != nil {
		t.Errorf("Scan now clicked while the requester's scan runs: %d tabs say it is already running, want 2", running())
	}
	free()
}

// TestPrivateDigestOnePerRequester: /lastactive digest builds the digest of
// a whole organisation; a second one asked while the requester's first
// runs is told at once that a report of theirs is running, and builds
// nothing.
func TestPrivateDigestOnePerRequester(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS"}}, reports: true, digestChannel: "C0DIGEST"})
	free, scanning := holdOrgScan(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := h.send("UBOSS", "C1", "digest")
	select {
	case <-scanning:
	case <-ctx.Done():
		t.Fatal("the first digest did not start its scan")
	}
	second := h.send("UBOSS", "C1", "digest")
	rs, err := h.slack.WaitReplies(ctx, second.ID, 1)
	if err != nil {
		t.Fatalf("the second digest: no reply: %v", err)
	}
	if got := text(rs[0]); !strings.Contains(got, "already running") {
		t.Errorf("a digest asked while the requester's first runs: %q, want that a report is already running", got)
	}
	free()
	if _, err := h.slack.WaitReplies(ctx, first.ID, 1); err != nil {
		t.Fatalf("the first digest: no reply: %v", err)
	}
}

// holdOrgScan holds the fake Atlassian's org users search until free is
// called (or the test ends): an org-wide report stays in its scan.
// scanning gets a value when a search arrives.
func holdOrgScan(t *testing.T, h *harness) (free func(), scanning <-chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	free = func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	started := make(chan struct{}, 1)
	h.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if strings.HasSuffix(r.URL.Path, "/users/search") {
			select {
			case started <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return atlassiantest.Failure{}, false
	})
	return free, started
}

package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
	"lastactive/nudge"
)

// TestHomeOpenIsInTheTrail: App Home shows a report user whom a round
// would ask about what, whom it skipped and why (an org admin, an account
// an identity provider manages), who has not answered and who waits for an
// approver: personal data, like a report. Opening it left no audit entry,
// so the trail could not say who had seen that list. It is one entry now,
// a report by the opener; a Home tab that shows only the usage is none.
func TestHomeOpenIsInTheTrail(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0JOHN", Name: "john", Email: atlassiantest.ReleaseGroupEmail})
	app, logs := nudgeApp(t, org, atl, fake, nudge.DryRun)
	ctx, stop := runApp(t, app, fake)
	defer stop()
	if _, err := app.Nudge.Round(ctx, "nudge dry home audit", true); err != nil {
		t.Fatal(err)
	}

	homeReports := func(user string) int {
		entries, err := app.State.Store().Audit(ctx, state.AuditQuery{Kind: state.KindReport, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Actor == user && strings.Contains(e.Detail, "app home") {
				n++
			}
		}
		return n
	}
	if _, err := fake.AppHomeOpened(ctx, "UOTHER01"); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews("UOTHER01")) == 1 }); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.AppHomeOpened(ctx, reportUser); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews(reportUser)) == 1 }); err != nil {
		t.Fatalf("no Home tab published: %v\n%s", err, logs.String())
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := fake.Wait(wctx, func() bool { _ = app.Audit.Sync(wctx); return homeReports(reportUser) > 0 }); err != nil {
		t.Fatalf("opening App Home with the round's people on it left no audit entry\n%s", logs.String())
	}
	if n := homeReports(reportUser); n != 1 {
		t.Errorf("%d audit entries for one App Home open, want 1", n)
	}
	if n := homeReports("UOTHER01"); n != 0 {
		t.Errorf("a Home tab with the usage only left %d report entries", n)
	}
}

package bot_test

import (
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/seat"
)

// holdsProduct reports whether p's answer lists the product ari.
func holdsProduct(p bot.Person, ari string) bool {
	if p.Activity == nil {
		return false
	}
	for _, pa := range p.Activity.Products {
		if pa.ID == ari {
			return true
		}
	}
	return false
}

// idleRowOf reports whether rep still counts accountID's seat of ari.
func idleRowOf(rep *seat.Report, accountID, ari string) bool {
	for _, r := range rep.Rows {
		if r.AccountID == accountID && r.ProductID == ari {
			return true
		}
	}
	return false
}

// TestLookupAfterAReleaseShowsIt: a manager who looked John up, then saw
// an approver release his Confluence seat (and then undo it), looks him up
// again within the cache's hour: the answer must not still show the seat
// the bot itself just freed (nor miss the one it just gave back).
func TestLookupAfterAReleaseShowsIt(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	email := atlassiantest.ReleaseGroupEmail
	if p := b.app.Lookups.Lookup(b.ctx, email, false); p.Err != nil || !holdsProduct(p, atlassiantest.ConfluenceMain) {
		t.Fatalf("before the release: %v, holds Confluence %v", p.Err, holdsProduct(p, atlassiantest.ConfluenceMain))
	}
	b.click(t, "U0JOHN", bot.ActionNudgeRelease, b.nudgeButton(t, "U0JOHN", bot.ActionNudgeRelease))
	b.personSees(t, "U0JOHN", "Release requested")
	b.decide(t, email, bot.ActionReleaseApprove)
	b.personSees(t, "U0JOHN", "Released by an approver on")
	if p := b.app.Lookups.Lookup(b.ctx, "John@Example.com", false); p.Err != nil || holdsProduct(p, atlassiantest.ConfluenceMain) {
		t.Errorf("after the release, a lookup (cached %v, err %v) still shows the released Confluence seat", p.Cached, p.Err)
	}
	b.decide(t, email, bot.ActionReleaseUndo)
	b.personSees(t, "U0JOHN", "Restored by an approver")
	if p := b.app.Lookups.Lookup(b.ctx, email, false); p.Err != nil || !holdsProduct(p, atlassiantest.ConfluenceMain) {
		t.Errorf("after the undo, a lookup (cached %v, err %v) misses the restored Confluence seat", p.Cached, p.Err)
	}
}

// TestIdleReportAfterAReleaseShowsIt: the idle report asked again after an
// approver released a seat does not count the freed seat as idle (and its
// cost) from the scan the round read an hour's TTL before; after the undo
// it counts it again.
func TestIdleReportAfterAReleaseShowsIt(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	email := atlassiantest.ReleaseGroupEmail
	john, _ := b.org.Lookup(email)
	report := func() *seat.Report {
		t.Helper()
		rep, err := b.app.Scanner.Report(b.ctx, seat.Options{Days: bot.DefaultIdleDays}, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if !idleRowOf(report(), john.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("before the release the report has no Confluence seat of John's")
	}
	b.click(t, "U0JOHN", bot.ActionNudgeRelease, b.nudgeButton(t, "U0JOHN", bot.ActionNudgeRelease))
	b.personSees(t, "U0JOHN", "Release requested")
	b.decide(t, email, bot.ActionReleaseApprove)
	b.personSees(t, "U0JOHN", "Released by an approver on")
	if idleRowOf(report(), john.AccountID, atlassiantest.ConfluenceMain) {
		t.Error("after the release, the idle report still counts John's freed Confluence seat")
	}
	b.decide(t, email, bot.ActionReleaseUndo)
	b.personSees(t, "U0JOHN", "Restored by an approver")
	if !idleRowOf(report(), john.AccountID, atlassiantest.ConfluenceMain) {
		t.Error("after the undo, the idle report misses John's restored Confluence seat")
	}
}

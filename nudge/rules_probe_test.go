package nudge

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestTwoSitesAndTwoProductsOneMessage: someone idle in Confluence on two
// sites and in Loom gets one message with the three seats, each dated; a
// Keep on one of them keeps that one only.
func TestTwoSitesAndTwoProductsOneMessage(t *testing.T) {
	h := newHarnessOrg(t, true, func(o *atlassiantest.Org) {
		for i := range o.Users {
			if o.Users[i].Email == atlassiantest.ReleaseDirectEmail {
				base := o.Users[i].Products[0].LastActive
				o.Users[i].Products = append(o.Users[i].Products,
					atlassiantest.Product{Key: "confluence", SiteID: atlassiantest.SiteSecond, LastActive: base.Add(-10 * 24 * time.Hour), Grant: atlassiantest.GrantDirect},
					atlassiantest.Product{Key: "loom", SiteID: atlassiantest.SiteMain, LastActive: base.Add(-50 * 24 * time.Hour), Grant: atlassiantest.GrantDirect})
			}
		}
	})
	h.cfg.Products = []string{"confluence", "loom"}
	h.e = New(h.cfg)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	var mine []Ask
	for _, p := range h.msgs.sent() {
		if p.To == uFrances {
			mine = append(mine, p.Note.(Ask))
		}
	}
	if len(mine) != 1 || len(mine[0].Items) != 3 {
		t.Fatalf("frances got %d messages: %+v", len(mine), mine)
	}
	var keepID string
	for _, it := range mine[0].Items {
		if it.ProductID == atlassiantest.ConfluenceMain {
			keepID = it.NudgeID
		}
		if it.LastActive.IsZero() {
			t.Errorf("item without a date %+v", it)
		}
	}
	if err := h.e.Answer(ctx, uFrances, keepID, true); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(31 * 24 * time.Hour)
	sum, err := New(h.cfg).Round(ctx, "nudge r2", true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range sum.Skipped {
		if s.Person.Email == atlassiantest.ReleaseDirectEmail {
			got[s.Key+"@"+s.Site] = s.Reason
		}
	}
	want := map[string]string{"confluence@" + atlassiantest.HostMain: SkipKept,
		"confluence@" + atlassiantest.HostSecond: SkipWaiting, "loom@" + atlassiantest.HostMain: SkipWaiting}
	if !maps.Equal(got, want) {
		t.Errorf("skips %v, want %v", got, want)
	}
}

// TestExemptionEndsAtTheEndOfItsDay: an exemption until today still holds
// today; one that ended yesterday no longer does.
func TestExemptionEndsAtTheEndOfItsDay(t *testing.T) {
	for _, c := range []struct {
		name  string
		until func(now time.Time) time.Time
		want  string
	}{
		{"ends today", func(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour) }, SkipExempt},
		{"ended yesterday", func(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, true)
			ctx := context.Background()
			if err := h.store.PutExemption(ctx, state.Exemption{Email: atlassiantest.ReleaseDirectEmail, Product: "confluence", Until: c.until(h.clock.Now()), Reason: "x", By: "U0B"}); err != nil {
				t.Fatal(err)
			}
			sum, err := h.e.Round(ctx, "nudge r1", true)
			if err != nil {
				t.Fatal(err)
			}
			if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != c.want {
				t.Errorf("skip %q, want %q", got, c.want)
			}
		})
	}
}

// TestActiveAgainBetweenApprovalAndRevoke: someone who used the product
// after asking for its release, before the approval, keeps it.
func TestActiveAgainBetweenApprovalAndRevoke(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var rid string
	for _, p := range h.notes("approval") {
		rid = p.Note.(Approval).RequestID
	}
	fr := h.account(t, atlassiantest.ReleaseDirectEmail)
	fr.Products[0].LastActive = h.clock.Now().Add(-time.Hour)
	h.srv.SetUser(fr)
	if err := h.e.Decide(ctx, "U0APP2", rid, true); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Holds(fr.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("revoked from someone active again")
	}
	if got := h.notes("result")[0].Note.(Result).Text; !strings.Contains(got, "used the product again") {
		t.Errorf("result %q", got)
	}
}

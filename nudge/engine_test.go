package nudge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestRoundAsksExactlyTheEligible: of the people idle in Confluence, only
// those with nothing against it are asked, one message each; everyone else
// is skipped with the reason in the audit trail; a restarted round sends
// nothing twice, and the next round skips those just asked.
func TestRoundAsksExactlyTheEligible(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	now := h.clock.Now()
	if err := h.store.PutExemption(ctx, state.Exemption{Email: atlassiantest.ReleaseIdleGroupEmail, Product: "confluence",
		Reason: "writes the handbook", By: "U0BOSS"}); err != nil {
		t.Fatal(err)
	}
	shafi := h.account(t, atlassiantest.ReleaseInferredEmail)
	if _, _, err := h.store.PutNudge(ctx, state.Nudge{Round: "nudge earlier", AccountID: shafi.AccountID, Email: shafi.Email,
		Product: atlassiantest.ConfluenceMain, ProductKey: "confluence", Asked: now.AddDate(0, 0, -10), TS: "1.1"}); err != nil {
		t.Fatal(err)
	}
	// The scan is read first; Radia uses Confluence afterwards, so only
	// the re-read before sending sees it.
	if _, err := h.cfg.Scans.Report(ctx, seatOptions(now), false, nil); err != nil {
		t.Fatal(err)
	}
	radia := h.account(t, atlassiantest.ReleaseSharedGroupEmail)
	for i := range radia.Products {
		if radia.Products[i].Key == "confluence" {
			radia.Products[i].LastActive = now.Add(-time.Hour)
		}
	}
	h.srv.SetUser(radia)

	sum, err := h.e.Round(ctx, "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, p := range sum.Asked {
		asked = append(asked, p.Person.Email)
	}
	sort.Strings(asked)
	if want := []string{atlassiantest.ReleaseDirectEmail, atlassiantest.ReleaseGroupEmail}; !slices.Equal(asked, want) {
		t.Fatalf("asked %v, want %v", asked, want)
	}
	wantSkip := map[string]string{
		atlassiantest.ReleaseIdleGroupEmail:   SkipExempt,
		atlassiantest.ReleaseInferredEmail:    SkipAsked,
		atlassiantest.ReleaseSharedGroupEmail: SkipActiveAgain,
		atlassiantest.ReleaseSyncedEmail:      SkipSynced,
		atlassiantest.ReleaseOrgAdminEmail:    SkipOrgAdmin,
		"grace@example.com":                   SkipNoSlack,
	}
	for email, reason := range wantSkip {
		found := false
		for _, s := range sum.Skipped {
			if s.Person.Email == email && s.Reason == reason && s.Key == "confluence" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s not skipped as %q: %+v", email, reason, sum.Skipped)
		}
		tr := h.trail(t, email)
		if !slices.ContainsFunc(tr, func(e state.AuditEntry) bool { return e.Kind == state.KindSkip && strings.HasSuffix(e.Detail, reason) }) {
			t.Errorf("audit of %s lacks the skip %q: %+v", email, reason, tr)
		}
	}
	posts := h.msgs.sent()
	if len(posts) != 2 {
		t.Fatalf("%d messages, want 2: %+v", len(posts), posts)
	}
	for _, p := range posts {
		a := p.Note.(Ask)
		if len(a.Items) != 1 || a.Items[0].Key != "confluence" || a.Items[0].Site != atlassiantest.HostMain || a.Items[0].NudgeID == "" ||
			a.Items[0].LastActive.IsZero() || p.To != h.people[a.Person.Email] {
			t.Errorf("nudge %+v", p)
		}
	}
	// Restarted: nothing twice.
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	if n := len(h.msgs.sent()); n != 2 {
		t.Fatalf("a restarted round sent %d messages in all, want 2", n)
	}
	// The next round: those just asked are skipped.
	sum, _ = h.e.Round(ctx, "nudge r2", false)
	if len(sum.Asked) != 0 || len(h.msgs.sent()) != 2 {
		t.Fatalf("next round asked %+v", sum.Asked)
	}
}

// TestRoundCap: LASTACTIVE_NUDGE_MAX bounds the people asked; the rest are
// skipped with the reason.
func TestRoundCap(t *testing.T) {
	h := newHarness(t, true)
	h.cfg.Max = 1
	e := New(h.cfg)
	sum, err := e.Round(context.Background(), "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Asked) != 1 || len(h.msgs.sent()) != 1 ||
		!slices.ContainsFunc(sum.Skipped, func(s Skipped) bool { return s.Reason == SkipCap }) {
		t.Fatalf("asked %d, sent %d, skipped %+v", len(sum.Asked), len(h.msgs.sent()), sum.Skipped)
	}
}

// TestDryRunSendsNothing: a dry round decides and records, and sends and
// stores no nudge.
func TestDryRunSendsNothing(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	sum, err := h.e.Round(ctx, "nudge dry", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Asked) != 5 || len(h.msgs.sent()) != 0 {
		t.Fatalf("dry run: %d planned, %d sent", len(sum.Asked), len(h.msgs.sent()))
	}
	john := h.account(t, atlassiantest.ReleaseGroupEmail)
	if ns, _ := h.store.NudgesAbout(ctx, john.AccountID, atlassiantest.ConfluenceMain, time.Time{}); len(ns) != 0 {
		t.Errorf("a dry run stored nudges: %+v", ns)
	}
	tr := h.trail(t, john.Email)
	if len(tr) != 1 || tr[0].Kind != state.KindNudge || tr[0].Outcome != state.OutcomeDryRun {
		t.Errorf("dry run audit: %+v", tr)
	}
	// The dry run is recorded for App Home: whom it would ask about what,
	// whom it skipped and why, as the summary says.
	rec, err := h.store.LastDryRun(ctx)
	if err != nil {
		t.Fatalf("dry run not recorded: %v", err)
	}
	if rec.Round != "nudge dry" || rec.AskedPeople != 5 || len(rec.Asked) != 5 || rec.Skipped != len(sum.Skipped) ||
		len(rec.Skips) != len(sum.Skipped) || len(sum.Skipped) == 0 {
		t.Errorf("record: round %q, %d/%d asked, %d/%d skipped; summary %d asked, %d skipped",
			rec.Round, len(rec.Asked), rec.AskedPeople, len(rec.Skips), rec.Skipped, len(sum.Asked), len(sum.Skipped))
	}
	reasons := 0
	for _, n := range rec.Reasons {
		reasons += n
	}
	if reasons != len(sum.Skipped) || rec.Reasons[SkipOrgAdmin] != 1 || rec.Reasons[SkipSynced] != 1 {
		t.Errorf("reasons %v", rec.Reasons)
	}
	for _, a := range rec.Asked {
		if a.Email == john.Email && (a.SlackUser == "" || len(a.Items) != 1 || a.Items[0].ProductKey != "confluence" ||
			a.Items[0].Site != atlassiantest.HostMain || a.Items[0].LastActive.IsZero()) {
			t.Errorf("john would be asked: %+v", a)
		}
	}
	// A real round after it still asks, and records no dry run.
	if sum, _ := h.e.Round(ctx, "nudge r1", false); len(sum.Asked) != 5 {
		t.Errorf("after a dry run the round asked %d", len(sum.Asked))
	}
	if rec, _ := h.store.LastDryRun(ctx); rec.Round != "nudge dry" {
		t.Errorf("a real round recorded a dry run: %q", rec.Round)
	}
}

// askOf returns the nudge sent to the person with email.
func (h *harness) askOf(t *testing.T, email string) Ask {
	t.Helper()
	for _, p := range h.msgs.sent() {
		if a, ok := p.Note.(Ask); ok && a.Person.Email == email {
			return a
		}
	}
	t.Fatalf("no nudge for %s", email)
	return Ask{}
}

// TestKeepThenReleaseByGroup: Keep is recorded and the message updated,
// with no request; Release goes to every approver but the requester, who
// cannot approve it; two approvers at once release once, by the group
// membership; the other copies say who decided; Undo restores it, once.
func TestKeepThenReleaseByGroup(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	before := len(h.msgs.sent())
	if err := h.e.Answer(ctx, "U0SOMEONE", frances.Items[0].NudgeID, true); !isRefused(err) {
		t.Fatalf("someone else's answer: %v", err)
	}
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, true); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, false); !isRefused(err) {
		t.Fatalf("second answer: %v", err)
	}
	up := h.msgs.updated()
	if len(up) != 1 || up[0].Note.(Ask).Items[0].Answer != state.AnswerKeep {
		t.Fatalf("keep did not update the message: %+v", up)
	}
	if len(h.msgs.sent()) != before {
		t.Fatalf("keep sent something: %+v", h.msgs.sent())
	}

	john := h.askOf(t, atlassiantest.ReleaseGroupEmail)
	h.clock.Add(time.Minute) // the story is told in the order of the clock
	if err := h.e.Answer(ctx, uJohn, john.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var approvals []post
	for _, p := range h.msgs.sent() {
		if _, ok := p.Note.(Approval); ok {
			approvals = append(approvals, p)
		}
	}
	if len(approvals) != 2 || approvals[0].To == uJohn || approvals[1].To == uJohn {
		t.Fatalf("approvals %+v", approvals)
	}
	a := approvals[0].Note.(Approval)
	if a.Requester != uJohn || !strings.Contains(a.Grant, "by group confluence-users") || a.MonthlySaving != 6.05 ||
		a.Item.Site != atlassiantest.HostMain || a.Item.LastActive.IsZero() {
		t.Fatalf("approval %+v", a)
	}
	h.clock.Add(time.Minute)
	if err := h.e.Decide(ctx, uJohn, a.RequestID, true); !isRefused(err) || !strings.Contains(err.Error(), "another approver") {
		t.Fatalf("requester approving: %v", err)
	}
	if err := h.e.Decide(ctx, "U0NOTAPPROVER", a.RequestID, true); !isRefused(err) {
		t.Fatalf("non-approver: %v", err)
	}
	h.srv.ResetRequests()
	h.clock.Add(time.Minute)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, ap := range []string{"U0APP2", "U0APP3"} {
		wg.Go(func() { errs[i] = h.e.Decide(ctx, ap, a.RequestID, true) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two approvers at once: %v, %v; want one decision", errs[0], errs[1])
	}
	if n := h.srv.Count("admin", "/admin/v2/orgs/"+h.org.ID+"/directories/-/groups/"+atlassiantest.GroupConfluenceUsers+"/memberships/"); n != 1 {
		t.Errorf("membership removals: %d, want 1", n)
	}
	jacc := h.account(t, atlassiantest.ReleaseGroupEmail).AccountID
	if h.srv.IsMember(atlassiantest.GroupConfluenceUsers, jacc) || h.srv.Holds(jacc, atlassiantest.ConfluenceMain) {
		t.Fatal("the seat was not freed")
	}
	var results []Result
	for _, p := range h.msgs.sent() {
		if r, ok := p.Note.(Result); ok {
			results = append(results, r)
		}
	}
	if len(results) != 1 || !results[0].Undo || !strings.Contains(results[0].Text, "removed from group confluence-users") {
		t.Fatalf("results %+v", results)
	}
	var closed int
	for _, u := range h.msgs.updated() {
		if ap, ok := u.Note.(Approval); ok && ap.DecidedBy != "" && ap.Decision == state.DecisionApprove {
			closed++
		}
	}
	if closed != 2 {
		t.Errorf("%d approval copies updated with the decision, want 2", closed)
	}
	h.clock.Add(time.Minute)
	if err := h.e.Undo(ctx, "U0APP2", results[0].ReleaseID); err != nil {
		t.Fatal(err)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, jacc) {
		t.Fatal("undo did not restore the membership")
	}
	if err := h.e.Undo(ctx, "U0APP3", results[0].ReleaseID); !isRefused(err) {
		t.Fatalf("second undo: %v", err)
	}
	var kinds []string
	for _, e := range h.trail(t, atlassiantest.ReleaseGroupEmail) {
		kinds = append(kinds, string(e.Kind)+" "+string(e.Outcome))
	}
	want := []string{"nudge ok", "answer ok", "approval refused", "approval ok", "release ok", "undo ok"}
	if !slices.Equal(kinds, want) {
		t.Errorf("John's story %v, want %v", kinds, want)
	}
}

func isRefused(err error) bool {
	var r *Refused
	return errors.As(err, &r)
}

// TestAskFitsOneSlackMessage: a person idle in more products than one
// message can carry (Slack takes 50 blocks; each product is two) is asked
// about the MaxAskItems idle longest; the rest wait for a later round
// instead of the whole message being refused, which left the person
// recorded as asked and never followed up.
func TestAskFitsOneSlackMessage(t *testing.T) {
	const extra = 30
	h := newHarnessOrg(t, true, francesIdleOn(extra))
	ctx := context.Background()
	sum, err := h.e.Round(ctx, "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if len(a.Items) != MaxAskItems {
		t.Fatalf("asked about %d products in one message, want %d", len(a.Items), MaxAskItems)
	}
	waiting := 0
	for _, s := range sum.Skipped {
		if s.Person.Email == atlassiantest.ReleaseDirectEmail && s.Reason == SkipTooMany {
			waiting++
		}
	}
	if want := extra + 1 - MaxAskItems; waiting != want {
		t.Errorf("%d products left for a later round, want %d", waiting, want)
	}
	// The oldest are asked first: the one idle longest is among them.
	oldest := false
	for _, it := range a.Items {
		oldest = oldest || strings.HasSuffix(it.ProductID, fmt.Sprintf("%012d", extra-1))
	}
	if !oldest {
		t.Error("the product idle longest was left for later")
	}
}

// TestRoundsDoNotOverlap: two rounds of different names at once (a manual
// `lastactive nudge` during a scheduled slot, two replicas, two operators)
// ask each person once: the second finds a round running and does nothing
// (before, each asked everyone, and each copy was reminded and escalated).
func TestRoundsDoNotOverlap(t *testing.T) {
	h := newHarness(t, true)
	other := openStore(t, h.url)
	cfg2 := h.cfg
	cfg2.Store = func() Store { return other }
	e2 := New(cfg2)
	errs := make(chan error, 2)
	go func() {
		_, err := h.e.Round(context.Background(), "nudge manual 2026-01-01T10:00:00.1Z", false)
		errs <- err
	}()
	go func() {
		_, err := e2.Round(context.Background(), "nudge 2026-01-01T10:00:00Z", false)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil && !errors.Is(err, ErrRoundRunning) {
			t.Errorf("Round: %v", err)
		}
	}
	per := map[string]int{}
	for _, p := range h.notes("ask") {
		per[p.To]++
	}
	if len(per) == 0 {
		t.Fatal("nobody was asked")
	}
	for to, n := range per {
		if n != 1 {
			t.Errorf("%s got %d nudges about the same seat", to, n)
		}
	}
}

// TestRemindersFitOneSlackMessage: two rounds' nudges to one person (31
// products) falling due together are reminded in messages of at most
// MaxAskItems products, not one message Slack would refuse.
func TestRemindersFitOneSlackMessage(t *testing.T) {
	const extra = 30
	h := newHarnessOrg(t, true, francesIdleOn(extra))
	ctx := context.Background()
	for _, round := range []string{"nudge r1", "nudge r2"} { // 20, then the 11 left
		if _, err := h.e.Round(ctx, round, false); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	items := 0
	for _, p := range h.notes("reminder") {
		a := p.Note.(Ask)
		if a.Person.Email != atlassiantest.ReleaseDirectEmail {
			continue
		}
		if len(a.Items) > MaxAskItems {
			t.Errorf("a reminder of %d products, at most %d fit", len(a.Items), MaxAskItems)
		}
		items += len(a.Items)
	}
	if items != extra+1 {
		t.Errorf("reminded about %d products, want %d", items, extra+1)
	}
}

// francesIdleOn gives Frances Confluence on extra more sites, each idle for
// longer than the last (the site numbered extra-1 longest).
func francesIdleOn(extra int) func(*atlassiantest.Org) {
	return func(o *atlassiantest.Org) {
		for i := range o.Users {
			if o.Users[i].Email != atlassiantest.ReleaseDirectEmail {
				continue
			}
			for j := range extra {
				o.Users[i].Products = append(o.Users[i].Products, atlassiantest.Product{Key: "confluence",
					SiteID: fmt.Sprintf("5ca1ab1e-0000-4000-8000-%012d", j), LastActive: time.Now().AddDate(0, 0, -200-j)})
			}
		}
	}
}

// TestAnsweredAskStillNamesTheApprovers: the message updated after an
// answer keeps saying who approves releases. Before, the update dropped
// them, and the message that had named the approvers read "your Slack
// admins" once any of its buttons was clicked.
func TestAnsweredAskStillNamesTheApprovers(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	asked := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if asked.Contact == "" {
		t.Fatal("the ask names no approvers; the test needs it to")
	}
	if err := h.e.Answer(ctx, uFrances, asked.Items[0].NudgeID, true); err != nil {
		t.Fatal(err)
	}
	up := h.msgs.updated()
	if len(up) != 1 {
		t.Fatalf("%d updates, want 1", len(up))
	}
	if got := up[0].Note.(Ask).Contact; got != asked.Contact {
		t.Errorf("the answered message names approvers %q, the ask named %q", got, asked.Contact)
	}
}

// TestRoundReadsNoAccountOfSomeoneNotInSlack: a person without a Slack user
// cannot be asked, so the round must not spend an Admin API request reading
// their account first. Over an organisation of 50,000 whose Slack holds few
// of them (contractors, another email domain), the round read the account
// of every idle person before the cap was reached: tens of thousands of
// requests against the 200 a minute the whole organisation shares with
// lookups and other tools, for a round that asks nobody.
func TestRoundReadsNoAccountOfSomeoneNotInSlack(t *testing.T) {
	h := newHarness(t, true)
	h.cfg.People = slackPeople{}
	e := New(h.cfg)
	h.srv.ResetRequests()
	sum, err := e.Round(context.Background(), "nudge dry", true)
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, r := range h.srv.Requests() {
		if strings.Contains(string(r.Body), "accountIds") {
			reads++
		}
	}
	if len(sum.Asked) != 0 || len(sum.Skipped) == 0 || reads != 0 {
		t.Fatalf("nobody in Slack: asked %d, skipped %d, %d accounts read one by one (want 0)", len(sum.Asked), len(sum.Skipped), reads)
	}
	for _, s := range sum.Skipped {
		if s.Reason != SkipNoSlack && !strings.Contains(s.Reason, "exempt") && s.Reason != SkipAsked && s.Reason != SkipKept {
			t.Errorf("%s %s skipped as %q, want %q", s.Person.Email, s.Key, s.Reason, SkipNoSlack)
		}
	}
}

// TestRoundCapIsOneAuditEntry: the people past LASTACTIVE_NUDGE_MAX are one
// entry of the round in the audit trail, not one per person and product:
// the cap is the round's, not a fact about them, and over a large
// organisation a round a weekday wrote thousands of them (5,300 of the
// 14,500 skips of one product at 50,000 people). The round's summary, the
// dry run's record and its printout still name each.
func TestRoundCapIsOneAuditEntry(t *testing.T) {
	h := newHarness(t, true)
	h.cfg.Max = 1
	ctx := context.Background()
	sum, err := New(h.cfg).Round(ctx, "nudge cap", false)
	if err != nil {
		t.Fatal(err)
	}
	capped := 0
	for _, s := range sum.Skipped {
		if s.Reason == SkipCap {
			capped++
		}
	}
	if capped < 2 {
		t.Fatalf("%d seats past the cap; the test needs several: %+v", capped, sum.Skipped)
	}
	entries, err := h.store.Audit(ctx, state.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var capEntries []state.AuditEntry
	for _, en := range entries {
		if strings.Contains(en.Detail, "round cap") {
			capEntries = append(capEntries, en)
		}
	}
	if len(capEntries) != 1 || len(capEntries[0].Emails) != 0 || !strings.Contains(capEntries[0].Detail, fmt.Sprint(capped)) {
		t.Errorf("cap entries in the trail: %+v; want one for the round, naming the %d seats", capEntries, capped)
	}
}

// TestRoundDoesNotFoldALookAlikeEmail: an Atlassian account whose email
// imitates another's with a look-alike letter (a Kelvin sign for the K)
// is not the Slack user of the address it imitates. Before, the round
// folded the account's email with Unicode case rules, so
// "\u212aate@example.com" became kate@example.com: Kate was asked about the
// look-alike account's seat (her Release would ask the approvers to free
// it, naming kate@example.com).
func TestRoundDoesNotFoldALookAlikeEmail(t *testing.T) {
	const lookAlike = "\u212aate@example.com"
	h := newHarnessOrg(t, true, func(o *atlassiantest.Org) {
		o.Users = append(o.Users, atlassiantest.User{AccountID: "712020:0a1b2c3d-0000-4000-8000-00000000c1e7", DisplayName: "K. Ate",
			Email: lookAlike, AddedToOrg: time.Now().AddDate(-2, 0, 0),
			Products: []atlassiantest.Product{{Key: "confluence", SiteID: atlassiantest.SiteMain, LastActive: time.Now().AddDate(0, 0, -150)}}})
	})
	h.cfg.People = slackPeople{"kate@example.com": "U0KATE"}
	sum, err := New(h.cfg).Round(context.Background(), "nudge dry", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sum.Asked {
		if p.Person.SlackUser == "U0KATE" || p.Person.Email == "kate@example.com" {
			t.Errorf("asked %s (%s) about %d seats: the look-alike %q taken for kate@example.com", p.Person.SlackUser, p.Person.Email, len(p.Items), lookAlike)
		}
	}
	for _, s := range sum.Skipped {
		if s.Person.Email == "kate@example.com" {
			t.Errorf("skipped %s %s as %q under kate@example.com: the look-alike's email was folded", s.Person.AccountID, s.Key, s.Reason)
		}
	}
}

// TestRoundAuditedAsItsActor: a round run from the command line
// (`lastactive nudge --dry-run`) is audited as the person who ran it, as
// the CLI's lookups and reports are; it was audited as the bot's own.
func TestRoundAuditedAsItsActor(t *testing.T) {
	h := newHarness(t, true)
	h.cfg.Actor = "cli:ada"
	ctx := context.Background()
	if _, err := New(h.cfg).Round(ctx, "nudge cli", true); err != nil {
		t.Fatal(err)
	}
	tr := h.trail(t, atlassiantest.ReleaseGroupEmail)
	if len(tr) == 0 {
		t.Fatal("the round left nothing in the trail; the test needs an entry")
	}
	for _, en := range tr {
		if en.Actor != "cli:ada" {
			t.Errorf("entry %q audited as %q, want cli:ada", en.Detail, en.Actor)
		}
	}
}

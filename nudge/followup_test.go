package nudge

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

func (h *harness) notes(kind string) []post {
	var out []post
	for _, p := range h.msgs.sent() {
		switch p.Note.(type) {
		case Ask:
			if kind == "ask" && !p.Note.(Ask).Reminder || kind == "reminder" && p.Note.(Ask).Reminder {
				out = append(out, p)
			}
		case Approval:
			if kind == "approval" {
				out = append(out, p)
			}
		case Result:
			if kind == "result" {
				out = append(out, p)
			}
		}
	}
	return out
}

// TestSilenceRemindsThenEscalates: no answer after the wait gets one
// reminder; no answer after another wait goes to the approvers as a
// request nobody requested, which an approver can approve.
func TestSilenceRemindsThenEscalates(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	asked := len(h.notes("ask"))
	if err := h.e.FollowUp(ctx); err != nil || len(h.notes("reminder")) != 0 {
		t.Fatalf("reminded before the wait: %v %d", err, len(h.notes("reminder")))
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(h.notes("reminder")); got != asked {
		t.Fatalf("%d reminders, want one per nudge (%d)", got, asked)
	}
	h.e.FollowUp(ctx) // nothing more yet
	if got := len(h.notes("reminder")); got != asked || len(h.notes("approval")) != 0 {
		t.Fatalf("reminded twice or escalated early: %d reminders, %d approvals", got, len(h.notes("approval")))
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	approvals := h.notes("approval")
	// Every approver gets each escalation, but John (an approver) not the
	// one about his own seat.
	if want := asked*len(h.cfg.Approvers) - 1; len(approvals) != want {
		t.Fatalf("%d approval messages, want %d", len(approvals), want)
	}
	if a := approvals[0].Note.(Approval); a.Requester != "" {
		t.Errorf("an escalation has no requester: %+v", a)
	}
	h.e.FollowUp(ctx)
	if len(h.notes("approval")) != len(approvals) {
		t.Error("escalated twice")
	}
	var kinds []string
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		kinds = append(kinds, string(e.Kind))
	}
	if !slices.Equal(kinds, []string{"nudge", "reminder", "escalation"}) {
		t.Errorf("Frances's story: %v", kinds)
	}
	// A late answer is not taken: the approvers have it now.
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, true); !isRefused(err) {
		t.Errorf("answer after escalation: %v", err)
	}
}

// requestFor makes a release request for email's Confluence as if the
// person had clicked Release (requester U0REQ, not an approver). For
// someone a Release click makes no request for (an org admin, a synced
// account), it is stored as one made before the account changed.
func (h *harness) requestFor(t *testing.T, email string) state.ReleaseRequest {
	t.Helper()
	ctx := context.Background()
	u := h.account(t, email)
	n, _, err := h.store.PutNudge(ctx, state.Nudge{Round: "nudge t", AccountID: u.AccountID, Email: email, Product: atlassiantest.ConfluenceMain,
		ProductKey: "confluence", SlackUser: "U0REQ", Asked: h.clock.Now(), TS: "1.1"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := h.e.store()
	if err := h.e.request(ctx, s, n, "U0REQ"); err != nil {
		t.Fatal(err)
	}
	r, _, err := h.store.PutRequest(ctx, state.ReleaseRequest{NudgeID: n.ID, AccountID: u.AccountID, Email: email, Product: atlassiantest.ConfluenceMain,
		ProductKey: "confluence", Requester: "U0REQ", Created: h.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRefusalsSayWhy: a synced account and an org admin are never changed:
// the approver is told why and given the Admin link; nothing is written.
func TestRefusalsSayWhy(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	for _, tc := range []struct{ email, reason string }{
		{atlassiantest.ReleaseSyncedEmail, string(atlassian.RefuseSynced)},
		{atlassiantest.ReleaseOrgAdminEmail, string(atlassian.RefuseOrgAdmin)},
		{atlassiantest.ReleaseSharedGroupEmail, string(atlassian.RefuseGroupGrantsMore)},
	} {
		r := h.requestFor(t, tc.email)
		h.srv.ResetRequests()
		if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, req := range h.srv.Requests() {
			// The searches and the workspaces list (the site names) are
			// POSTs that read.
			if req.Method != "GET" && !strings.HasSuffix(req.Path, "/search") && !strings.HasSuffix(req.Path, "/workspaces") {
				t.Errorf("%s: a write was sent: %s %s", tc.email, req.Method, req.Path)
			}
		}
		results := h.notes("result")
		res := results[len(results)-1].Note.(Result)
		if !strings.Contains(res.Text, tc.reason) || res.Undo || !strings.HasPrefix(res.AdminURL, "https://admin.atlassian.com/o/"+h.org.ID+"/users/") {
			t.Errorf("%s: result %+v", tc.email, res)
		}
		tr := h.trail(t, tc.email)
		if last := tr[len(tr)-1]; last.Kind != state.KindRelease || last.Outcome != state.OutcomeRefused || !strings.Contains(last.Detail, tc.reason) {
			t.Errorf("%s: audit %+v", tc.email, last)
		}
	}
}

// TestDirectReleaseUndoMeetsSeatLimit: a direct role is revoked and read
// back; once someone else takes the seat, Undo is refused by the seat limit
// and says so; after a seat is freed, Undo works.
func TestDirectReleaseUndoMeetsSeatLimit(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("still holds the seat")
	}
	adele := h.account(t, atlassiantest.ReleaseSpareEmail).AccountID
	if err := h.client.AssignRole(ctx, adele, atlassian.RoleUser, atlassiantest.ConfluenceMain); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Undo(ctx, "U0APP2", r.ID); err != nil {
		t.Fatal(err)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); !strings.Contains(res.Text, "seat limit is full") || !res.Undo {
		t.Fatalf("undo at the limit: %+v", res)
	}
	if err := h.client.RevokeRole(ctx, adele, atlassian.RoleUser, atlassiantest.ConfluenceMain); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Undo(ctx, "U0APP3", r.ID); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("undo did not restore the role")
	}
	var outcomes []string
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		if e.Kind == state.KindUndo {
			outcomes = append(outcomes, string(e.Outcome))
		}
	}
	if !slices.Equal(outcomes, []string{"failed", "ok"}) {
		t.Errorf("undo audit: %v", outcomes)
	}
}

// TestWithoutWriteKey: approval gives the Admin link and changes nothing;
// a day later the check says whether an admin removed the access.
func TestWithoutWriteKey(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	if a := h.notes("approval")[0].Note.(Approval); !strings.Contains(a.Grant, "no ATLASSIAN_ADMIN_WRITE_KEY") {
		t.Errorf("grant without the key: %q", a.Grant)
	}
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	if !h.srv.Holds(frances.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("changed without the write key")
	}
	res := h.notes("result")[0].Note.(Result)
	if !strings.Contains(res.Text, "Atlassian Administration") || res.Undo || res.AdminURL == "" {
		t.Fatalf("manual result %+v", res)
	}
	h.e.FollowUp(ctx)
	if len(h.notes("result")) != 1 {
		t.Fatal("checked before the day was over")
	}
	h.clock.Add(25 * time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	results := h.notes("result")
	if len(results) != 2 || !strings.Contains(results[1].Note.(Result).Text, "still has the access") || results[1].To != "U0APP2" {
		t.Fatalf("check: %+v", results)
	}
	h.clock.Add(25 * time.Hour)
	h.e.FollowUp(ctx)
	if len(h.notes("result")) != 2 {
		t.Error("checked twice")
	}
}

// TestTwoReplicasOneRound: two engines on one database running the same
// round at once send each person one message.
func TestTwoReplicasOneRound(t *testing.T) {
	h := newHarness(t, true)
	other := openStore(t, h.url)
	cfg2 := h.cfg
	cfg2.Store = func() Store { return other }
	e2 := New(cfg2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, e := range []*Engine{h.e, e2} {
		wg.Go(func() { _, errs[i] = e.Round(context.Background(), "nudge r1", false) })
	}
	wg.Wait()
	// The second may find the first running (ErrRoundRunning) or done
	// (then it asks nobody again); either way each person is asked once.
	for _, err := range errs {
		if err != nil && !errors.Is(err, ErrRoundRunning) {
			t.Fatal(err)
		}
	}
	per := map[string]int{}
	for _, p := range h.notes("ask") {
		per[p.To]++
	}
	if len(per) != 5 {
		t.Fatalf("people asked: %v, want 5", per)
	}
	for to, n := range per {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
}

// TestOneReminderPerPerson: someone asked about two seats in one message
// gets one reminder naming both, not one message per seat; the trail still
// has a reminder entry for each seat.
func TestOneReminderPerPerson(t *testing.T) {
	h := newHarness(t, true)
	h.cfg.Products = []string{"confluence", "loom"}
	h.e = New(h.cfg)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	if ask := h.askOf(t, atlassiantest.ReleaseIdleGroupEmail); len(ask.Items) != 2 {
		t.Fatalf("Donald was asked about %d seats, want 2 (Confluence and Loom): %+v", len(ask.Items), ask.Items)
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	var toDonald []Ask
	for _, p := range h.notes("reminder") {
		if p.To == uDonald {
			toDonald = append(toDonald, p.Note.(Ask))
		}
	}
	if len(toDonald) != 1 || len(toDonald[0].Items) != 2 {
		t.Fatalf("Donald got %d reminders (%+v), want one naming both seats", len(toDonald), toDonald)
	}
	reminders := 0
	for _, e := range h.trail(t, atlassiantest.ReleaseIdleGroupEmail) {
		if e.Kind == state.KindReminder {
			reminders++
		}
	}
	if reminders != 2 {
		t.Errorf("%d reminder entries in Donald's trail, want one per seat (2)", reminders)
	}
}

// marksFailing is a Store whose MarkReminded fails from the failAt-th call.
type marksFailing struct {
	Store
	calls, failAt int
}

func (m *marksFailing) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	m.calls++
	if m.calls >= m.failAt {
		return false, errors.New("database is locked")
	}
	return m.Store.MarkReminded(ctx, id, at)
}

// TestRemindersGatheredAreSentWhenTheWalkStops: the seats already marked
// reminded when the walk stops on an error are still reminded (a seat
// marked and never reminded would go straight to the approvers), and the
// error is returned.
func TestRemindersGatheredAreSentWhenTheWalkStops(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	if len(h.notes("ask")) < 2 {
		t.Fatalf("%d people asked, want at least 2", len(h.notes("ask")))
	}
	failing := &marksFailing{Store: h.store, failAt: 2}
	h.cfg.Store = func() Store { return failing }
	h.e = New(h.cfg)
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err == nil {
		t.Error("FollowUp hid the store's error")
	}
	if got := len(h.notes("reminder")); got != 1 {
		t.Errorf("%d reminders sent, want the one marked before the error", got)
	}
}

// TestUndoAfterAPartialRelease: a release whose second step fails has
// removed something; its result offers Undo, and Undo restores what was
// removed (before, Undo took only finished releases and answered "nothing
// to undo", leaving the person half-released).
func TestUndoAfterAPartialRelease(t *testing.T) {
	var frances string
	h := newHarnessOrg(t, true, func(o *atlassiantest.Org) {
		for _, u := range o.Users {
			if u.Email == atlassiantest.ReleaseDirectEmail {
				frances = u.AccountID
			}
		}
		// Frances holds Confluence directly and through a group: the plan
		// revokes the role, then removes the membership.
		for i := range o.Groups {
			if o.Groups[i].ID == atlassiantest.GroupConfluenceUsers {
				o.Groups[i].Members = append(o.Groups[i].Members, frances)
			}
		}
	})
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/memberships/", Status: http.StatusForbidden, Times: 1})
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); !res.Undo {
		t.Fatalf("after the partial release: Undo not offered (%q)", res.Text)
	}
	writes := func(suffix string) int {
		n := 0
		for _, q := range h.srv.Requests() {
			if q.Method == http.MethodPost && strings.HasSuffix(q.Path, frances+"/roles/"+suffix) {
				n++
			}
		}
		return n
	}
	if writes("revoke") != 1 {
		t.Fatalf("%d role revokes, want the one of the partial release", writes("revoke"))
	}
	if err := h.e.Undo(ctx, "U0APP2", r.ID); err != nil {
		t.Fatalf("Undo: %v", err)
	}
	if writes("assign") != 1 {
		t.Errorf("%d role assigns after Undo, want 1 (the revoked role restored)", writes("assign"))
	}
	if err := h.e.Undo(ctx, "U0APP2", r.ID); err == nil {
		t.Error("a second Undo was accepted")
	}
	undone := 0
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		if e.Kind == state.KindUndo && e.Outcome == state.OutcomeOK {
			undone++
		}
	}
	if undone != 1 {
		t.Errorf("%d undo entries in the trail, want 1", undone)
	}
}

// skipReason is the reason sum gives for skipping email's Confluence.
func skipReason(sum Summary, email string) string {
	for _, s := range sum.Skipped {
		if s.Person.Email == email && s.Key == "confluence" {
			return s.Reason
		}
	}
	return ""
}

// TestNoNudgeWhileARequestIsOpen: a person who answered Release is not
// asked again about that seat while the request waits for an approver
// (before, the next round 30 days on asked again; a Keep then could be
// overruled by approving the old request).
func TestNoNudgeWhileARequestIsOpen(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(31 * 24 * time.Hour)
	sum, err := h.e.Round(ctx, "nudge r2", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != SkipPending {
		t.Errorf("second round: Frances skipped as %q, want %q (asked: %+v)", got, SkipPending, sum.Asked)
	}
}

// TestApproverKeepLastsLikeAKeep: an approver's Keep keeps the seat from
// nudges for 90 days, as the person's own Keep does (before, 30).
func TestApproverKeepLastsLikeAKeep(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Decide(ctx, "U0APP2", r.ID, false); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(31 * 24 * time.Hour)
	sum, err := h.e.Round(ctx, "nudge r2", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != SkipKeptByApprover {
		t.Errorf("31 days on: Frances skipped as %q, want %q", got, SkipKeptByApprover)
	}
	h.clock.Add(60 * 24 * time.Hour)
	sum, err = h.e.Round(ctx, "nudge r3", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != "" {
		t.Errorf("91 days on: Frances skipped as %q, want asked again", got)
	}
}

// TestReleaseAnswerOfSomeoneActiveAgain: a person who answers Release
// (or stays silent) after using the product again is dropped silently: no
// request goes to the approvers, as the contract reads the activity again
// before any message.
func TestReleaseAnswerOfSomeoneActiveAgain(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	for i := range frances.Products {
		if frances.Products[i].Key == "confluence" {
			frances.Products[i].LastActive = h.clock.Now().Add(-time.Hour)
		}
	}
	h.srv.SetUser(frances)
	if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	if n := len(h.notes("approval")); n != 0 {
		t.Errorf("%d approval requests for someone active again, want none", n)
	}
	skipped := slices.ContainsFunc(h.trail(t, atlassiantest.ReleaseDirectEmail), func(e state.AuditEntry) bool {
		return e.Kind == state.KindSkip && strings.HasSuffix(e.Detail, SkipActiveAgain)
	})
	if !skipped {
		t.Error("the audit trail does not say the release was dropped as active again")
	}
}

// TestNoOneDecidesTheirOwnSeat: John is an approver, and idle himself; his
// silence escalates to the other approvers, not to him, and he cannot
// decide the request about his own seat (before, he got it and could Keep
// it).
func TestNoOneDecidesTheirOwnSeat(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	var johnsRequest string
	for _, p := range escalateJohn(t, h) {
		johnsRequest = p.Note.(Approval).RequestID
		if p.To == uJohn {
			t.Errorf("John was asked to decide about his own seat")
		}
	}
	var r *Refused
	if err := h.e.Decide(ctx, uJohn, johnsRequest, false); !errors.As(err, &r) {
		t.Errorf("John deciding about his own seat: %v, want a refusal", err)
	}
}

// nudgeReadFailing fails every GetNudge, as a database that is briefly
// away would.
type nudgeReadFailing struct{ Store }

func (nudgeReadFailing) GetNudge(context.Context, string) (state.Nudge, error) {
	return state.Nudge{}, errors.New("database is locked")
}

// TestOwnSeatCheckFailsClosed: when whose seat it is cannot be read, the
// decision is not taken (before, the check was skipped and John could Keep
// his own seat while the database hiccuped); it succeeds once it can be.
func TestOwnSeatCheckFailsClosed(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	johnsRequest := escalateJohn(t, h)[0].Note.(Approval).RequestID
	real := h.store
	h.cfg.Store = func() Store { return nudgeReadFailing{real} }
	e := New(h.cfg)
	err := e.Decide(ctx, uJohn, johnsRequest, false)
	if err == nil {
		t.Fatal("John decided about his own seat while it could not be read whose it is")
	}
	var r *Refused
	if errors.As(err, &r) {
		t.Errorf("a read failure worded as a refusal: %v", err)
	}
	q, qerr := real.GetRequest(ctx, johnsRequest)
	if qerr != nil || q.Decision != "" {
		t.Errorf("request after the failed read: %+v, %v; want still open", q, qerr)
	}
	h.cfg.Store = func() Store { return real }
	if err := New(h.cfg).Decide(ctx, uJohn, johnsRequest, false); !errors.As(err, &r) {
		t.Errorf("John deciding about his own seat: %v, want a refusal", err)
	}
}

// appendStalled is a store whose audit writes never answer, as a database
// frozen mid-stop would.
type appendStalled struct{ Store }

func (appendStalled) Append(ctx context.Context, _ state.AuditEntry) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestAuditWriteDoesNotHoldUpTheFlow: an audit entry the database does not
// take in auditTimeout is given up (logged), and the decision goes on: a
// flow abandoned at a stop writes its entries without its own context, and
// before, a frozen database held it, and the stop, for ever.
func TestAuditWriteDoesNotHoldUpTheFlow(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	first := escalateJohn(t, h)[0]
	req, approver := first.Note.(Approval).RequestID, first.To
	real := h.store
	h.cfg.Store = func() Store { return appendStalled{real} }
	e := New(h.cfg)
	done := make(chan error, 1)
	go func() { done <- e.Decide(ctx, approver, req, false) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Decide: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Decide waited for an audit write that never ends")
	}
}

// escalateJohn runs a round and lets John's silence escalate (the reminder,
// then the escalation), and returns the approval requests about his seat:
// one per approver it went to.
func escalateJohn(t *testing.T, h *harness) []post {
	t.Helper()
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the reminder, then the escalation
		h.clock.Add(time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var out []post
	for _, p := range h.notes("approval") {
		if a := p.Note.(Approval); a.Person.Email == atlassiantest.ReleaseGroupEmail {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("John's silence was not escalated")
	}
	return out
}

// TestExemptionStopsRemindersAndEscalations: a person exempted after the
// nudge (gone on leave, say) was still reminded after the wait, and then
// escalated to the approvers as a release request, though exempt means
// "never nudge this person about these products". While the exemption
// holds neither is sent; once it has ended the follow-up goes on.
func TestExemptionStopsRemindersAndEscalations(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	asked := len(h.notes("ask"))
	var frances bool
	for _, p := range h.notes("ask") {
		frances = frances || p.To == uFrances
	}
	if !frances || asked < 2 {
		t.Fatalf("the round asked %d people, Frances among them: %v", asked, frances)
	}
	until := h.clock.Now().Add(3 * time.Hour)
	if err := h.store.PutExemption(ctx, state.Exemption{Email: atlassiantest.ReleaseDirectEmail, Product: "confluence",
		Until: until, Reason: "on leave", By: "UBOSS"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour) // past the reminder's wait
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	var donald bool
	for _, p := range h.notes("reminder") {
		donald = donald || p.To == uDonald
		if p.To == uFrances {
			t.Errorf("an exempt person was reminded: %+v", p.Note)
		}
	}
	if got := len(h.notes("reminder")); got != asked-1 || !donald {
		t.Fatalf("%d reminders (Donald's among them: %v), want one for each of the %d others", got, donald, asked-1)
	}
	// Donald, reminded, is exempted before his escalation.
	if err := h.store.PutExemption(ctx, state.Exemption{Email: atlassiantest.ReleaseIdleGroupEmail, Product: "confluence",
		Reason: "on leave", By: "UBOSS"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour) // past the escalation's wait
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range h.notes("approval") {
		if a := p.Note.(Approval); a.Person.Email == atlassiantest.ReleaseDirectEmail || a.Person.Email == atlassiantest.ReleaseIdleGroupEmail {
			t.Errorf("an exempt person's seat went to the approvers (%s about %s)", p.To, a.Person.Email)
		}
	}
	if len(h.notes("approval")) == 0 {
		t.Error("nobody else was escalated")
	}

	// The exemption ends: the follow-up takes up where it was.
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	var reminded bool
	for _, p := range h.notes("reminder") {
		reminded = reminded || p.To == uFrances
	}
	if !reminded {
		t.Error("not reminded once the exemption ended")
	}
}

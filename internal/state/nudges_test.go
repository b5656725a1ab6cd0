package state

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// The keep-or-release tables, on both backends.
func TestNudgesSQLite(t *testing.T) {
	t.Parallel()
	nudgeContract(t, sqliteFixture)
}

func TestNudgesPostgres(t *testing.T) {
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL; see README)")
	}
	t.Parallel()
	nudgeContract(t, postgresFixture)
}

func nudgeContract(t *testing.T, fresh fixture) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, fresh fixture)
	}{
		{"NudgeOncePerRound", testNudgeOncePerRound},
		{"AnswersAndFollowUps", testNudgeAnswers},
		{"FirstDecisionWins", testFirstDecisionWins},
		{"ExpiryAgainstADecision", testExpiryAgainstADecision},
		{"MissingApprovalCopies", testMissingCopies},
		{"ReleaseOnceUndoOnce", testReleaseOnce},
		{"InterruptedReleaseSettledOnce", testInterruptedRelease},
		{"ExemptKindIsAudited", testExemptKind},
		{"LastDryRun", testLastDryRun},
		{"LookalikeEmailsStayApart", testNudgeLookalikeEmails},
		{"ReminderMessage", testNudgeReminderMessage},
		{"ReleaseDetailFromUpstream", testReleaseDetailFromUpstream},
		{"NudgeAuditedOnce", testNudgeAuditedOnce},
		{"KeepOrReleaseSwept", testKeepOrReleaseSwept},
		{"PendingRequestsSayWhoWasGone", testPendingRequestsSayWhoWasGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, fresh)
		})
	}
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func testNudgeOncePerRound(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url) // two replicas
	ctx := context.Background()
	n := Nudge{Round: "nudge r1", AccountID: "acc-1", Email: "Ada@Example.com", Product: "ari:cloud:confluence::site/s1",
		ProductKey: "confluence", LastActive: t0.AddDate(0, 0, -120), SlackUser: "U1", Asked: t0}
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			_, won, err := s.PutNudge(ctx, n)
			if err != nil {
				t.Errorf("PutNudge: %v", err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("one round asked %d times, want 1", wins)
	}
	// Another round may ask again; the history has both, newest first.
	n2 := n
	n2.Round, n2.Asked = "nudge r2", t0.AddDate(0, 0, 40)
	if _, won, err := a.PutNudge(ctx, n2); err != nil || !won {
		t.Fatalf("second round: %v %v", won, err)
	}
	got, err := b.NudgesAbout(ctx, "acc-1", n.Product, t0.AddDate(0, 0, -1))
	if err != nil || len(got) != 2 || got[0].Round != "nudge r2" || got[1].Email != "ada@example.com" || !got[1].LastActive.Equal(n.LastActive) {
		t.Fatalf("NudgesAbout = %+v, %v", got, err)
	}
	// An open nudge is read however old: it still waits for its answer.
	if got, _ := b.NudgesAbout(ctx, "acc-1", n.Product, t0.AddDate(0, 0, 30)); len(got) != 2 {
		t.Errorf("open nudge before since: %d nudges, want 2", len(got))
	}
	if err := a.SettleNudge(ctx, got[1].ID, SettledUsed, t0.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.NudgesAbout(ctx, "acc-1", n.Product, t0.AddDate(0, 0, 30)); len(got) != 1 {
		t.Errorf("since filter: %d nudges, want 1", len(got))
	}
	// One settled since (an approver's Undo, months after the question)
	// is read: the round counts its window from the Undo.
	if err := a.SettleNudge(ctx, got[1].ID, SettledRestored, t0.AddDate(0, 0, 35)); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.NudgesAbout(ctx, "acc-1", n.Product, t0.AddDate(0, 0, 30)); len(got) != 2 || got[1].Settled != SettledRestored {
		t.Errorf("settled since: %+v, want 2 nudges, the older restored", got)
	}
	if _, _, err := a.PutNudge(ctx, Nudge{Round: "r"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nudge without account: %v", err)
	}
}

func testNudgeAnswers(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	n, _, err := s.PutNudge(ctx, Nudge{Round: "r", AccountID: "acc", Product: "p", Asked: t0})
	if err != nil {
		t.Fatal(err)
	}
	// With no message place stored (the send's outcome unknown, its
	// process stopped while Slack took it) it is waiting all the same: the
	// person may have it, and its reminder and escalation must follow. The
	// follow-up leaves it while its round may still be posting it.
	if got, _ := s.Unanswered(ctx); len(got) != 1 || got[0].ID != n.ID || got[0].TS != "" {
		t.Errorf("a nudge with no stored place is waiting for an answer: Unanswered = %+v", got)
	}
	// One whose send surely failed is forgotten: not waiting.
	refused, _, err := s.PutNudge(ctx, Nudge{Round: "r", AccountID: "acc", Product: "p2", Asked: t0})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ForgetNudge(ctx, refused.ID); !ok || err != nil {
		t.Fatalf("ForgetNudge = %v %v", ok, err)
	}
	if got, _ := s.Unanswered(ctx); len(got) != 1 || got[0].ID != n.ID {
		t.Errorf("a forgotten nudge is still waiting: Unanswered = %+v", got)
	}
	if err := s.SetNudgeMessage(ctx, n.ID, "D1", "1.2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Unanswered(ctx); len(got) != 1 || got[0].TS != "1.2" || got[0].Channel != "D1" {
		t.Fatalf("Unanswered = %+v", got)
	}
	if ok, err := s.MarkReminded(ctx, n.ID, t0.Add(time.Hour)); !ok || err != nil {
		t.Fatalf("MarkReminded = %v %v", ok, err)
	}
	if ok, _ := s.MarkReminded(ctx, n.ID, t0.Add(2*time.Hour)); ok {
		t.Error("reminded twice")
	}
	if ok, err := s.AnswerNudge(ctx, n.ID, AnswerKeep, t0.Add(3*time.Hour)); !ok || err != nil {
		t.Fatalf("AnswerNudge = %v %v", ok, err)
	}
	if ok, _ := s.AnswerNudge(ctx, n.ID, AnswerRelease, t0.Add(4*time.Hour)); ok {
		t.Error("a second answer replaced the first")
	}
	if ok, _ := s.MarkEscalated(ctx, n.ID, t0.Add(5*time.Hour)); ok {
		t.Error("an answered nudge was escalated")
	}
	got, err := s.GetNudge(ctx, n.ID)
	if err != nil || got.Answer != AnswerKeep || !got.Answered.Equal(t0.Add(3*time.Hour)) || !got.Reminded.Equal(t0.Add(time.Hour)) {
		t.Fatalf("GetNudge = %+v, %v", got, err)
	}
	if _, err := s.GetNudge(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing nudge: %v", err)
	}
	if _, err := s.AnswerNudge(ctx, n.ID, "maybe", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad answer: %v", err)
	}
	// Escalated: no answer is taken any more.
	m, _, _ := s.PutNudge(ctx, Nudge{Round: "r", AccountID: "acc2", Product: "p", Asked: t0, TS: "1.3"})
	if ok, _ := s.MarkEscalated(ctx, m.ID, t0.Add(time.Hour)); !ok {
		t.Fatal("not escalated")
	}
	if ok, _ := s.AnswerNudge(ctx, m.ID, AnswerKeep, t0.Add(2*time.Hour)); ok {
		t.Error("answered after the escalation")
	}
	// Escalated without its request (the request failed): found, until the
	// request exists, and only since the time asked for.
	if got, err := s.EscalatedUnrequested(ctx, t0); err != nil || len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("EscalatedUnrequested = %+v, %v; want the escalated nudge", got, err)
	}
	if got, _ := s.EscalatedUnrequested(ctx, t0.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("escalations before since: %+v", got)
	}
	if _, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: m.ID, AccountID: "acc2", Product: "p"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EscalatedUnrequested(ctx, t0); len(got) != 0 {
		t.Errorf("an escalation with its request: %+v", got)
	}
}

// testMissingCopies: a copy Slack refused is forgotten (one that went is
// kept), and the undecided requests that a current approver has no copy of
// are found, oldest first, within a limit; the requester and the person
// whose seat it is need none.
func testMissingCopies(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	n, _, err := s.PutNudge(ctx, Nudge{Round: "r", AccountID: "acc", Email: "a@example.com", Product: "p", ProductKey: "confluence", SlackUser: "UOWN", Asked: t0})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(nudgeID, requester string, at time.Time) ReleaseRequest {
		r, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: nudgeID, AccountID: "acc", Product: "p", Requester: requester, Created: at})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	older, newer := mk(n.ID, "UREQ", t0), mk("n2", "", t0.Add(time.Hour))
	ids := func(approvers []string, limit int) []string {
		t.Helper()
		got, err := s.RequestsMissingCopies(ctx, approvers, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids([]string{"UA", "UB"}, 10); !reflect.DeepEqual(got, []string{older.ID, newer.ID}) {
		t.Fatalf("no copies yet: %v, want both, oldest first", got)
	}
	if got := ids([]string{"UA"}, 1); !reflect.DeepEqual(got, []string{older.ID}) {
		t.Fatalf("limit 1: %v", got)
	}
	if got := ids(nil, 10); len(got) != 0 {
		t.Fatalf("no approvers: %v", got)
	}
	for _, r := range []ReleaseRequest{older, newer} {
		for _, ap := range []string{"UA", "UB"} {
			if _, err := s.PutApprovalMessage(ctx, ApprovalMessage{RequestID: r.ID, Approver: ap}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The requester and the seat's owner are approvers too: they need no copy.
	if got := ids([]string{"UA", "UB", "UREQ", "UOWN"}, 10); !reflect.DeepEqual(got, []string{newer.ID}) {
		t.Fatalf("with the requester and the owner among the approvers: %v, want only the escalation (UREQ has no copy of it)", got)
	}
	if got := ids([]string{"UA", "UB"}, 10); len(got) != 0 {
		t.Fatalf("every copy stored: %v", got)
	}
	// UA's copy of the older went, UB's was refused.
	if err := s.SetApprovalMessage(ctx, ApprovalMessage{RequestID: older.ID, Approver: "UA", Channel: "DA", TS: "1.1"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ForgetApprovalMessage(ctx, older.ID, "UA"); ok || err != nil {
		t.Fatalf("ForgetApprovalMessage of a copy that went = %v %v, want kept", ok, err)
	}
	if ok, err := s.ForgetApprovalMessage(ctx, older.ID, "UB"); !ok || err != nil {
		t.Fatalf("ForgetApprovalMessage of a refused copy = %v %v", ok, err)
	}
	if got := ids([]string{"UA", "UB"}, 10); !reflect.DeepEqual(got, []string{older.ID}) {
		t.Fatalf("after UB's copy was refused: %v, want the older", got)
	}
	if _, err := s.Decide(ctx, older.ID, "UA", DecisionKeep, t0); err != nil {
		t.Fatal(err)
	}
	if got := ids([]string{"UA", "UB"}, 10); len(got) != 0 {
		t.Fatalf("a decided request needs no more copies: %v", got)
	}
}

func testFirstDecisionWins(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	r, isNew, err := a.PutRequest(ctx, ReleaseRequest{NudgeID: "n1", AccountID: "acc", Email: "Ada@example.com", Product: "p", Requester: "UREQ"})
	if err != nil || !isNew {
		t.Fatalf("PutRequest = %v %v", isNew, err)
	}
	// A redelivered Release click finds the same request.
	again, isNew, err := b.PutRequest(ctx, ReleaseRequest{NudgeID: "n1", AccountID: "acc", Product: "p", Requester: "UREQ"})
	if err != nil || isNew || again.ID != r.ID {
		t.Fatalf("second PutRequest = %+v %v %v", again, isNew, err)
	}
	if _, err := a.Decide(ctx, r.ID, "UREQ", DecisionApprove, t0); !errors.Is(err, ErrOwnRequest) {
		t.Fatalf("requester approving: %v, want ErrOwnRequest", err)
	}
	if got, _ := a.PendingRequests(ctx); len(got) != 1 {
		t.Fatalf("pending: %+v", got)
	}
	var wins, decided int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			by := []string{"UA", "UB", "UC", "UD"}[i]
			got, err := s.Decide(ctx, r.ID, by, DecisionApprove, t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrDecided) && got.DecidedBy != "" && got.DecidedBy != by:
				decided++
			default:
				t.Errorf("Decide by %s: %+v %v", by, got, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || decided != 3 {
		t.Fatalf("%d decisions won, %d told it was decided; want 1 and 3", wins, decided)
	}
	if got, _ := a.PendingRequests(ctx); len(got) != 0 {
		t.Errorf("still pending: %+v", got)
	}
	for _, ap := range []string{"UA", "UB"} {
		if ok, err := a.PutApprovalMessage(ctx, ApprovalMessage{RequestID: r.ID, Approver: ap}); !ok || err != nil {
			t.Fatalf("PutApprovalMessage: %v %v", ok, err)
		}
	}
	if ok, _ := b.PutApprovalMessage(ctx, ApprovalMessage{RequestID: r.ID, Approver: "UA"}); ok {
		t.Error("an approver got two copies")
	}
	if err := a.SetApprovalMessage(ctx, ApprovalMessage{RequestID: r.ID, Approver: "UB", Channel: "DB", TS: "9.9"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.ApprovalMessages(ctx, r.ID)
	if err != nil || len(msgs) != 2 || msgs[1].TS != "9.9" {
		t.Fatalf("ApprovalMessages = %+v %v", msgs, err)
	}
}

func testReleaseOnce(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	r := Release{ID: "req1", AccountID: "acc", Email: "ada@example.com", Product: "p"}
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a} {
		wg.Go(func() {
			won, err := s.ClaimRelease(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			if won {
				wins++
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("released %d times", wins)
	}
	if ok, _ := a.ClaimUndo(ctx, r.ID, t0); ok {
		t.Error("undo of a release still running")
	}
	r.State, r.Steps, r.Done = ReleaseDone, `[{"Kind":"revoke role"}]`, t0
	if err := a.SaveRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.ClaimUndo(ctx, r.ID, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("ClaimUndo = %v %v", ok, err)
	}
	if ok, _ := a.ClaimUndo(ctx, r.ID, t0.Add(2*time.Minute)); ok {
		t.Error("undone twice")
	}
	got, err := a.GetRelease(ctx, r.ID)
	if err != nil || got.State != ReleaseDone || got.Steps != r.Steps || !got.Undone.Equal(t0.Add(time.Minute)) {
		t.Fatalf("GetRelease = %+v %v", got, err)
	}
	// A manual release is checked once, when due.
	m := Release{ID: "req2", AccountID: "acc", Product: "p", State: ReleaseManual, CheckDue: t0.Add(24 * time.Hour)}
	if ok, err := a.ClaimRelease(ctx, m); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if due, _ := a.ChecksDue(ctx, t0); len(due) != 0 {
		t.Errorf("due early: %+v", due)
	}
	due, err := b.ChecksDue(ctx, t0.Add(25*time.Hour))
	if err != nil || len(due) != 1 || due[0].ID != "req2" {
		t.Fatalf("ChecksDue = %+v %v", due, err)
	}
	if ok, _ := a.MarkChecked(ctx, "req2", t0.Add(25*time.Hour)); !ok {
		t.Fatal("not checked")
	}
	if due, _ := b.ChecksDue(ctx, t0.Add(26*time.Hour)); len(due) != 0 {
		t.Errorf("checked twice: %+v", due)
	}
}

func testExemptKind(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	if err := s.Append(ctx, AuditEntry{Actor: "U1", Emails: []string{"ada@example.com"}, Kind: KindExempt, Outcome: OutcomeOK,
		Detail: "confluence until 2027-01-31: on leave"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, AuditQuery{Target: "ada@example.com"})
	if err != nil || len(got) != 1 || got[0].Kind != KindExempt {
		t.Fatalf("Audit = %+v %v", got, err)
	}
}

// testLastDryRun: a dry-run round's record reads back whole, the newest
// round wins whichever replica wrote it, a round written again replaces
// itself, and before any there is none.
func testLastDryRun(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	if _, err := a.LastDryRun(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LastDryRun of an empty store: %v, want ErrNotFound", err)
	}
	first := DryRun{Round: "nudge 2026-12-07T10:00:00Z", At: t0, AskedPeople: 1, Skipped: 2,
		Asked: []DryRunAsk{{Email: "ada@example.com", Name: "Ada", SlackUser: "U1",
			Items: []DryRunItem{{ProductKey: "confluence", Site: "acme.atlassian.net", LastActive: t0.AddDate(0, 0, -120)}}}},
		Skips:   []DryRunSkip{{Email: "leslie@example.com", Name: "Leslie", ProductKey: "confluence", Site: "acme.atlassian.net", Reason: "org admin"}},
		Reasons: map[string]int{"org admin": 1, "exempt": 1}}
	if err := a.PutDryRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := b.LastDryRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, first)
	}
	second := DryRun{Round: "nudge 2026-12-08T10:00:00Z", At: t0.AddDate(0, 0, 1)}
	if err := b.PutDryRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	again := first
	again.AskedPeople = 0
	if err := a.PutDryRun(ctx, again); err != nil { // the older round, written again
		t.Fatal(err)
	}
	if got, err := a.LastDryRun(ctx); err != nil || got.Round != second.Round {
		t.Errorf("LastDryRun = %q, %v; want the newest round %q", got.Round, err, second.Round)
	}
	if err := a.PutDryRun(ctx, DryRun{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a dry run without a round: %v, want ErrInvalid", err)
	}
}

// testInterruptedRelease: a release still running long after its request
// was decided (its process died) is found, and settled by one replica.
func testInterruptedRelease(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	req, _, err := a.PutRequest(ctx, ReleaseRequest{NudgeID: "n-int", AccountID: "acc", Email: "ada@example.com", Product: "p", Requester: "UREQ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Decide(ctx, req.ID, "UAPP", DecisionApprove, t0); err != nil {
		t.Fatal(err)
	}
	// Approved and not claimed yet: found by ApprovedUnclaimed, on either replica.
	if got, err := b.ApprovedUnclaimed(ctx, t0.Add(time.Hour)); err != nil || len(got) != 1 || got[0].ID != req.ID || got[0].DecidedBy != "UAPP" {
		t.Fatalf("ApprovedUnclaimed = %+v, %v; want the approved request", got, err)
	}
	if got, err := b.ApprovedUnclaimed(ctx, t0); err != nil || len(got) != 0 {
		t.Fatalf("ApprovedUnclaimed before the decision = %+v, %v; want none", got, err)
	}
	if won, err := a.ClaimRelease(ctx, Release{ID: req.ID, AccountID: "acc", Email: "ada@example.com", Product: "p"}); !won || err != nil {
		t.Fatalf("ClaimRelease = %v, %v", won, err)
	}
	if got, err := b.ApprovedUnclaimed(ctx, t0.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("ApprovedUnclaimed once claimed = %+v, %v; want none", got, err)
	}
	if got, err := b.InterruptedReleases(ctx, t0); err != nil || len(got) != 0 {
		t.Fatalf("decided at t0, asked before t0: %+v, %v; want none", got, err)
	}
	got, err := b.InterruptedReleases(ctx, t0.Add(time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != req.ID {
		t.Fatalf("InterruptedReleases = %+v, %v; want the running release", got, err)
	}
	var wins int
	for _, s := range []*Store{a, b} {
		if won, err := s.SettleRunning(ctx, req.ID, ReleaseFailed, "interrupted", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		} else if won {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("settled %d times, want once", wins)
	}
	if rel, _ := a.GetRelease(ctx, req.ID); rel.State != ReleaseFailed || rel.Detail != "interrupted" {
		t.Errorf("after settling: %+v", rel)
	}
	if got, _ := b.InterruptedReleases(ctx, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("still found after settling: %+v", got)
	}
}

// TestRequestsAboutOnePersonUseAnIndex: a nudge round reads the release
// requests about each idle person and product it considers (RequestsAbout),
// tens of thousands a round over a large organisation, and requests are
// kept for good. Without an index each read scanned every request ever
// made: 1.3 ms each at 20,000 requests, a minute and a half of a round
// over 72,000 idle seats, and growing. The plan must search by account.
func TestRequestsAboutOnePersonUseAnIndex(t *testing.T) {
	t.Parallel()
	s := open(t, sqliteFixture(t))
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN SELECT "+requestCols+" FROM release_request "+requestsAbout,
		"acc-1", "ari:cloud:confluence::site/1", int64(0))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) == 0 || !strings.Contains(plan[0], "SEARCH release_request USING INDEX") || !strings.Contains(plan[0], "account_id=? AND product=?") {
		t.Errorf("RequestsAbout's plan %q, want a search of release_request by account and product", plan)
	}
}

// testNudgeLookalikeEmails: a nudge, a request and a release about an
// address with a look-alike rune (U+212A KELVIN SIGN for the K, from an
// Atlassian profile) keep it as it is. Lower-cased by Unicode's rules it
// became kate@example.com: the look-alike's nudges and releases were
// audited under the real person, and the real person's exemption kept
// the look-alike's reminders back. ASCII letters are still lower-cased.
func testNudgeLookalikeEmails(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	const lookalike = "\u212Aate@Example.com"
	n, _, err := s.PutNudge(ctx, Nudge{Round: "r", AccountID: "acc-k", Email: lookalike, Product: "p", ProductKey: "confluence", Asked: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetNudge(ctx, n.ID); err != nil || got.Email != "\u212Aate@example.com" {
		t.Errorf("nudge email = %q, %v; want the look-alike kept, its ASCII lower-cased", got.Email, err)
	}
	r, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: n.ID, AccountID: "acc-k", Email: lookalike, Product: "p", ProductKey: "confluence", Requester: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Email != "\u212Aate@example.com" {
		t.Errorf("request email = %q; want the look-alike kept", r.Email)
	}
	if got, err := s.GetRequest(ctx, r.ID); err != nil || got.Email != "\u212Aate@example.com" {
		t.Errorf("stored request email = %q, %v; want the look-alike kept", got.Email, err)
	}
	if _, err := s.ClaimRelease(ctx, Release{ID: r.ID, AccountID: "acc-k", Email: lookalike, Product: "p", State: ReleaseRunning}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetRelease(ctx, r.ID); err != nil || got.Email != "\u212Aate@example.com" {
		t.Errorf("release email = %q, %v; want the look-alike kept", got.Email, err)
	}
}

// testNudgeReminderMessage: where a reminder went is kept per nudge, and
// reads back every nudge that reminder named, of any round, in the order
// it listed them; another person's reminder with the same ts is not one.
func testNudgeReminderMessage(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	put := func(round, account, product string, asked time.Time) Nudge {
		t.Helper()
		n, _, err := s.PutNudge(ctx, Nudge{Round: round, AccountID: account, Product: product, Asked: asked})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := put("r2", "acc", "p1", t0.Add(time.Hour))
	b := put("r1", "acc", "p2", t0)
	other := put("r1", "acc-2", "p1", t0)
	put("r1", "acc", "p3", t0) // not in the reminder
	for _, n := range []Nudge{a, b} {
		if err := s.SetNudgeReminder(ctx, n.ID, "D1", "1.5"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetNudgeReminder(ctx, other.ID, "D1", "1.5"); err != nil {
		t.Fatal(err)
	}
	got, err := s.NudgesOfReminder(ctx, "acc", "D1", "1.5")
	if err != nil || len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
		t.Fatalf("NudgesOfReminder = %+v, %v; want the two nudges of acc's reminder, oldest first", got, err)
	}
	if got[0].ReminderChannel != "D1" || got[0].ReminderTS != "1.5" {
		t.Errorf("the reminder's place did not read back: %+v", got[0])
	}
	if n, err := s.GetNudge(ctx, a.ID); err != nil || n.ReminderTS != "1.5" || n.TS != "" {
		t.Errorf("GetNudge = %+v, %v", n, err)
	}
}

// testReleaseDetailFromUpstream: a release's detail names what Atlassian
// answered (a group's name), which may hold a NUL or invalid UTF-8. The
// release is stored all the same, steps and all: the access is gone, and
// only the stored steps make it undoable.
func testReleaseDetailFromUpstream(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	for _, id := range []string{"req1", "req2"} {
		if won, err := s.ClaimRelease(ctx, Release{ID: id, AccountID: "acc", Email: "ada@example.com", Product: "p"}); !won || err != nil {
			t.Fatalf("ClaimRelease %s: %v, %v", id, won, err)
		}
	}
	r := Release{ID: "req1", AccountID: "acc", Email: "ada@example.com", Product: "p", State: ReleaseDone,
		Detail: "released: removed from group odd\x00group\xff", Steps: `[{"Kind":"remove membership","GroupName":"odd\u0000group"}]`, Done: t0}
	if err := s.SaveRelease(ctx, r); err != nil {
		t.Fatalf("SaveRelease: %v", err)
	}
	if won, err := s.SettleRunning(ctx, "req2", ReleaseFailed, "failed: group odd\x00group", t0); !won || err != nil {
		t.Fatalf("SettleRunning: %v, %v", won, err)
	}
	for _, id := range []string{"req1", "req2"} {
		got, err := s.GetRelease(ctx, id)
		if err != nil || got.State == ReleaseRunning || strings.ContainsRune(got.Detail, 0) || !strings.Contains(got.Detail, "group odd") {
			t.Errorf("%s read back %+v, %v", id, got, err)
		}
	}
	if won, err := s.ClaimUndo(ctx, "req1", t0.Add(time.Minute)); !won || err != nil {
		t.Errorf("ClaimUndo: %v, %v", won, err)
	}
}

// testNudgeAuditedOnce: a nudge stored and never marked audited (its
// process stopped before writing its entry) is found once its time is
// past, and marked by one replica only; a nudge of an earlier version (no
// mark kept) counts as audited by the process that asked it.
func testNudgeAuditedOnce(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url) // two replicas
	ctx := context.Background()
	n, won, err := a.PutNudge(ctx, Nudge{Round: "nudge r1", AccountID: "acc-1", Email: "ada@example.com",
		Product: "ari:cloud:confluence::site/s1", ProductKey: "confluence", SlackUser: "U1", Asked: t0})
	if err != nil || !won {
		t.Fatalf("PutNudge = %v, %v", won, err)
	}
	if _, err := a.db.ExecContext(ctx, `INSERT INTO nudge (id, round, account_id, email, product, product_key, last_active_us,
		slack_user, channel, ts, asked_us, answer, answered_us, reminded_us, escalated_us)
		VALUES ('old', 'nudge r0', 'acc-1', 'ada@example.com', 'ari:cloud:confluence::site/s1', 'confluence', 0, 'U1', '', '', $1, '', 0, 0, 0)`,
		us(t0.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if got, err := b.UnauditedNudges(ctx, t0.Add(-time.Second)); err != nil || len(got) != 0 {
		t.Fatalf("UnauditedNudges before it was asked = %+v, %v; want none", got, err)
	}
	got, err := b.UnauditedNudges(ctx, t0)
	if err != nil || len(got) != 1 || got[0].ID != n.ID {
		t.Fatalf("UnauditedNudges = %+v, %v; want %s alone", got, err, n.ID)
	}
	wins := 0
	for _, s := range []*Store{a, b, a} {
		won, err := s.MarkNudgeAudited(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if won {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("marked audited %d times, want once", wins)
	}
	if got, err := a.UnauditedNudges(ctx, t0.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("UnauditedNudges after the mark = %+v, %v; want none", got, err)
	}
}

// testExpiryAgainstADecision: UndecidedBefore lists only undecided requests
// made before its time; ExpireRequest closes one once, and loses to a
// decision made first (and a decision to it), on two connections.
func testExpiryAgainstADecision(t *testing.T, fresh fixture) {
	url := fresh(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	put := func(nudge string, at time.Time) ReleaseRequest {
		r, _, err := a.PutRequest(ctx, ReleaseRequest{NudgeID: nudge, AccountID: "acc", Product: "p", Created: at})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	old, decided, young := put("n1", t0), put("n2", t0), put("n3", t0.Add(time.Hour))
	if _, err := b.Decide(ctx, decided.ID, "UA", DecisionKeep, t0); err != nil {
		t.Fatal(err)
	}
	got, err := b.UndecidedBefore(ctx, t0.Add(time.Minute), 10)
	if err != nil || len(got) != 1 || got[0].ID != old.ID {
		t.Fatalf("UndecidedBefore = %+v %v, want only %s", got, err, old.ID)
	}
	if won, err := b.ExpireRequest(ctx, decided.ID, t0); won || err != nil {
		t.Errorf("expiring a decided request: %v %v, want false", won, err)
	}
	for i, s := range []*Store{a, b} {
		if won, err := s.ExpireRequest(ctx, old.ID, t0); won != (i == 0) || err != nil {
			t.Errorf("ExpireRequest #%d = %v %v", i+1, won, err)
		}
	}
	r, err := a.Decide(ctx, old.ID, "UB", DecisionApprove, t0)
	if !errors.Is(err, ErrDecided) || r.Decision != DecisionExpired || r.DecidedBy != ExpiredBy {
		t.Errorf("deciding an expired request: %+v %v, want ErrDecided with it expired", r, err)
	}
	if got, _ := a.PendingRequests(ctx); len(got) != 1 || got[0].ID != young.ID {
		t.Errorf("pending after the expiry: %+v, want only %s", got, young.ID)
	}
}

// testPendingRequestsSayWhoWasGone: an undecided request escalated at once
// because the person's Slack account was gone (escalated, never reminded,
// nobody requested it) is told from one escalated after silence (reminded
// first) and from one a person asked for, so that App Home does not tell
// approvers a deactivated person ignored a reminder they never got.
func testPendingRequestsSayWhoWasGone(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	put := func(account string, reminded, escalated bool, requester string) {
		t.Helper()
		n, _, err := s.PutNudge(ctx, Nudge{Round: "r", AccountID: account, Email: account + "@example.com", Product: "p", ProductKey: "confluence", Asked: t0})
		if err != nil {
			t.Fatal(err)
		}
		if reminded {
			if ok, err := s.MarkReminded(ctx, n.ID, t0.Add(time.Hour)); !ok || err != nil {
				t.Fatalf("MarkReminded = %v %v", ok, err)
			}
		}
		if escalated {
			if ok, err := s.MarkEscalated(ctx, n.ID, t0.Add(2*time.Hour)); !ok || err != nil {
				t.Fatalf("MarkEscalated = %v %v", ok, err)
			}
		}
		if _, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: n.ID, AccountID: account, Email: account + "@example.com", Product: "p", ProductKey: "confluence", Requester: requester, Created: t0.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	put("gone", false, true, "")
	put("silent", true, true, "")
	put("asked", false, false, "UASK")
	got, err := s.PendingRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"gone": true, "silent": false, "asked": false}
	if len(got) != len(want) {
		t.Fatalf("%d pending requests, want %d: %+v", len(got), len(want), got)
	}
	for _, r := range got {
		if r.SlackAccountGone != want[r.AccountID] {
			t.Errorf("%s: SlackAccountGone %v, want %v", r.AccountID, r.SlackAccountGone, want[r.AccountID])
		}
	}
}

package nudge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// stopAtReadBack is the directory of a process told to stop while a release
// reads its change back: the click's context ends (the stop abandons work
// in flight) once the writes are made.
type stopAtReadBack struct {
	Directory
	stop context.CancelFunc
}

func (d stopAtReadBack) SeatHeld(ctx context.Context, accountID, productARI string) (bool, error) {
	d.stop()
	<-ctx.Done()
	return false, ctx.Err()
}

// TestStopDuringAReleaseKeepsWhatItDid: a stop that abandons a release
// after its role was revoked still records the release as failed with the
// step it made (so Undo restores it) and writes it to the audit trail
// (before, the record was saved with the ended context: it stayed
// "running" with no steps and no audit entry, and Undo said there was
// nothing to undo while the person had lost the seat).
func TestStopDuringAReleaseKeepsWhatItDid(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Directory = stopAtReadBack{Directory: h.client, stop: stop}
	e := New(cfg)
	_ = e.Decide(ctx, "U0APP2", r.ID, true)

	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("the revoke was not made; the test needs it made")
	}
	rel, err := h.store.GetRelease(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []atlassian.Step
	_ = json.Unmarshal([]byte(rel.Steps), &steps)
	if rel.State == state.ReleaseRunning || len(steps) != 1 || steps[0].Kind != atlassian.StepRevokeRole {
		t.Errorf("release after the stop: state %q, steps %q; want it finished with the revoke it made", rel.State, rel.Steps)
	}
	var audited bool
	for _, en := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		audited = audited || en.Kind == state.KindRelease && en.Outcome == state.OutcomeFailed
	}
	if !audited {
		t.Error("the release abandoned at the stop is not in the audit trail")
	}
	// After the restart, an approver can put the seat back.
	if err := h.e.Undo(context.Background(), "U0APP2", r.ID); err != nil {
		t.Fatalf("Undo after the stop: %v", err)
	}
	if !h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Error("Undo after the stop did not restore the role")
	}
	if res := h.notes("result"); len(res) == 0 || !strings.Contains(res[len(res)-1].Note.(Result).Text, "restored") {
		t.Errorf("undo result: %+v", res)
	}
}

// stopAtApply is the directory of a process told to stop just as an Undo
// starts its writes.
type stopAtApply struct {
	Directory
	stop context.CancelFunc
}

func (d stopAtApply) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	d.stop()
	return d.Directory.Apply(ctx, steps...)
}

// TestStopDuringAnUndoLetsItBeTriedAgain: an Undo abandoned by a stop
// before it restored anything can be clicked again after the restart
// (before, the claim was kept and the steps left were saved with the ended
// context: a second Undo said it was undone already, and the seat stayed
// removed).
func TestStopDuringAnUndoLetsItBeTriedAgain(t *testing.T) {
	h := newHarness(t, true)
	bg := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Decide(bg, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	ctx, stop := context.WithCancel(bg)
	defer stop()
	cfg := h.cfg
	cfg.Directory = stopAtApply{Directory: h.client, stop: stop}
	_ = New(cfg).Undo(ctx, "U0APP2", r.ID)
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("the abandoned undo restored the role; the test needs it not to")
	}
	if err := h.e.Undo(bg, "U0APP3", r.ID); err != nil {
		t.Fatalf("Undo after the stop: %v", err)
	}
	if !h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Error("Undo after the stop did not restore the role")
	}
}

// stopAtCopies is the messenger of a process told to stop while an
// approval updates the other approvers' copies: the click's context ends
// (the stop abandons work in flight) once the decision is stored.
type stopAtCopies struct {
	*recorder
	stop context.CancelFunc
}

func (m stopAtCopies) Update(ctx context.Context, ref Ref, n Note) error {
	m.stop()
	return ctx.Err()
}

// Post fails once the context has ended, as Slack's would.
func (m stopAtCopies) Post(ctx context.Context, to string, n Note) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	return m.recorder.Post(ctx, to, n)
}

// TestStopBetweenApprovalAndReleaseIsSettled: a stop that lands after an
// approval is stored but before its release is claimed must not leave the
// approval hanging. Before, nothing was recorded of the release: the
// copies said "approved", a second Approve was refused as decided already,
// no follow-up ever found it, and the approver never heard that the seat
// was not released.
func TestStopBetweenApprovalAndReleaseIsSettled(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Messages = stopAtCopies{recorder: h.msgs, stop: stop}
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)

	bg := context.Background()
	if q, err := h.store.GetRequest(bg, r.ID); err != nil || q.Decision != state.DecisionApprove {
		t.Fatalf("the approval was not stored; the test needs it stored: %+v, %v", q, err)
	}
	results := len(h.notes("result"))
	h.clock.Add(2 * time.Hour)
	if err := h.e.FollowUp(bg); err != nil {
		t.Fatal(err)
	}
	rel, err := h.store.GetRelease(bg, r.ID)
	if err != nil || rel.State == state.ReleaseRunning {
		t.Fatalf("an approval cut short by a stop, two hours later: release %+v, %v; want it settled", rel, err)
	}
	if sent := h.notes("result")[results:]; len(sent) != 1 || sent[0].To != "U0APP2" {
		t.Errorf("the approver was told %d times: %+v", len(sent), sent)
	}
}

// claimFails is the store of a database that fails the one write after it
// accepted an approval: the release's claim.
type claimFails struct{ *state.Store }

func (claimFails) ClaimRelease(context.Context, state.Release) (bool, error) {
	return false, errors.New("database went away")
}

// approveWithAFailedClaim has U0APP2 approve a request for Frances while
// the database fails the release's claim: the approval is stored, no
// release is.
func approveWithAFailedClaim(t *testing.T, h *harness) state.ReleaseRequest {
	t.Helper()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	cfg := h.cfg
	cfg.Store = func() Store { return claimFails{h.store} }
	if err := New(cfg).Decide(context.Background(), "U0APP2", r.ID, true); err == nil {
		t.Fatal("Decide with a failing claim succeeded; the test needs it to fail")
	}
	return r
}

// TestApprovalWhoseClaimFailedIsSettled: an approval stored while the
// database failed the release's claim right after (the click said "That
// did not work") has no release row; Approve again is refused as decided
// already, so without the follow-up nobody would ever hear of it. An hour
// later it is settled as a release not made, audited, and the approver
// told; nothing was changed in Atlassian.
func TestApprovalWhoseClaimFailedIsSettled(t *testing.T) {
	h := newHarness(t, true)
	r := approveWithAFailedClaim(t, h)
	bg := context.Background()
	if q, err := h.store.GetRequest(bg, r.ID); err != nil || q.Decision != state.DecisionApprove {
		t.Fatalf("the approval was not stored; the test needs it stored: %+v, %v", q, err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	results := len(h.notes("result"))
	h.clock.Add(2 * time.Hour)
	if err := h.e.FollowUp(bg); err != nil {
		t.Fatal(err)
	}
	rel, err := h.store.GetRelease(bg, r.ID)
	if err != nil || rel.State != state.ReleaseFailed {
		t.Fatalf("an approval whose claim failed, two hours later: release %+v, %v; want it settled as failed", rel, err)
	}
	if !h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Error("the follow-up removed the seat; it must only settle the record")
	}
	if sent := h.notes("result")[results:]; len(sent) != 1 || sent[0].To != "U0APP2" {
		t.Errorf("the approver was told %d times: %+v", len(sent), sent)
	}
	var audited bool
	for _, en := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		audited = audited || en.Kind == state.KindRelease && en.Outcome == state.OutcomeFailed
	}
	if !audited {
		t.Error("the release not made is not in the audit trail")
	}
	// Once: a second follow-up tells nobody again.
	if err := h.e.FollowUp(bg); err != nil {
		t.Fatal(err)
	}
	if sent := h.notes("result")[results:]; len(sent) != 1 {
		t.Errorf("after a second follow-up the approver was told %d times", len(sent))
	}
}

// TestApprovalWhoseClaimFailedIsAudited: an approval is stored (Approve
// again is refused as decided already) whether or not its release's claim
// works right after; the audit trail says who approved, as it does for
// every decision. Before, a failed claim returned before the approval's
// entry was written: the trail held a failed click and, an hour later, a
// release not made, but no approval.
func TestApprovalWhoseClaimFailedIsAudited(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	cfg := h.cfg
	cfg.Store = func() Store { return claimFails{h.store} }
	if err := New(cfg).Decide(context.Background(), "U0APP2", r.ID, true); err == nil {
		t.Fatal("Decide with a failing claim succeeded; the test needs it to fail")
	}
	var approved bool
	for _, en := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		approved = approved || en.Kind == state.KindApproval && en.Outcome == state.OutcomeOK && en.Actor == "U0APP2"
	}
	if !approved {
		t.Error("the approval stored before the claim failed is not in the audit trail")
	}
}

// otherReplicaAtClaim is the store of a replica whose follow-up runs while
// another replica's follow-up runs at the same slot: right after this one
// claims a release, the other's follow-up runs in full.
type otherReplicaAtClaim struct {
	*state.Store
	other func()
}

func (s otherReplicaAtClaim) ClaimRelease(ctx context.Context, r state.Release) (bool, error) {
	won, err := s.Store.ClaimRelease(ctx, r)
	if won && s.other != nil {
		s.other()
	}
	return won, err
}

// TestApprovalNotMadeIsNotCalledInterrupted: two replicas' follow-ups
// settling the same approval whose claim failed tell the approver once
// that nothing was changed. Before, the release was claimed as running and
// settled after: a second replica's follow-up in between found it running
// since the approval an hour ago and settled it as interrupted ("what it
// changed is not known; check the person"), though no change was ever
// started.
func TestApprovalNotMadeIsNotCalledInterrupted(t *testing.T) {
	h := newHarness(t, true)
	r := approveWithAFailedClaim(t, h)
	bg := context.Background()
	results := len(h.notes("result"))
	h.clock.Add(2 * time.Hour)
	cfg := h.cfg
	cfg.Store = func() Store {
		return otherReplicaAtClaim{Store: h.store, other: func() {
			if err := h.e.FollowUp(bg); err != nil {
				t.Errorf("the other replica's follow-up: %v", err)
			}
		}}
	}
	if err := New(cfg).FollowUp(bg); err != nil {
		t.Fatal(err)
	}
	rel, err := h.store.GetRelease(bg, r.ID)
	if err != nil || rel.Detail != notMadeText {
		t.Errorf("release %+v, %v; want it settled as not made", rel, err)
	}
	if sent := h.notes("result")[results:]; len(sent) != 1 || sent[0].Note.(Result).Text != notMadeText {
		t.Errorf("the approver was told %d times: %+v; want once, that nothing was changed", len(sent), sent)
	}
}

// stopAtRevokeAnswer is the directory of a process told to stop while a
// release's revoke is on its way: Atlassian makes it, and the answer is
// lost to the stop (the client reports the outcome unknown).
type stopAtRevokeAnswer struct {
	Directory
	stop context.CancelFunc
}

func (d stopAtRevokeAnswer) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	if _, err := d.Directory.Apply(context.WithoutCancel(ctx), steps...); err != nil {
		return nil, err
	}
	d.stop()
	return nil, fmt.Errorf("%s: %w", steps[0], &atlassian.Error{Kind: atlassian.ErrWriteUnknown, Err: ctx.Err()})
}

// TestStopDuringARevokeReadsItBack: a stop that cuts a revoke's answer
// short still reads the seat back, and a seat read back free keeps the
// revoke as done, so that Undo restores it (the read-back used the ended
// context, failed, and the release was saved with no step: the person had
// lost the seat and Undo said there was nothing to undo).
func TestStopDuringARevokeReadsItBack(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Directory = stopAtRevokeAnswer{Directory: h.client, stop: stop}
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)

	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("the revoke was not made; the test needs it made")
	}
	rel, err := h.store.GetRelease(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []atlassian.Step
	_ = json.Unmarshal([]byte(rel.Steps), &steps)
	if len(steps) != 1 || steps[0].Kind != atlassian.StepRevokeRole {
		t.Fatalf("release after the stop: state %q, detail %q, steps %q; want the revoke it made", rel.State, rel.Detail, rel.Steps)
	}
	if err := h.e.Undo(context.Background(), "U0APP2", r.ID); err != nil {
		t.Fatalf("Undo after the stop: %v", err)
	}
	if !h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Error("Undo after the stop did not restore the role")
	}
}

// stopAfterApply is the directory of a process told to stop just after a
// release's writes were answered: the read-back that proves the seat free
// starts with the click's context ended.
type stopAfterApply struct {
	Directory
	stop context.CancelFunc
}

func (d stopAfterApply) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	done, err := d.Directory.Apply(ctx, steps...)
	d.stop()
	return done, err
}

// TestStopAfterTheRevokeStillReadsItBack: a stop that comes once the revoke
// was answered still reads the seat back, as after a lost answer. The read
// used the ended context, failed, and the release was saved failed telling
// the approver "the seat still reads as taken", which nothing had read: the
// seat was free, and the person's ask was never settled as released.
func TestStopAfterTheRevokeStillReadsItBack(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Directory = stopAfterApply{Directory: h.client, stop: stop}
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)

	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("the revoke was not made; the test needs it made")
	}
	rel, err := h.store.GetRelease(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.State != state.ReleaseDone || strings.Contains(rel.Detail, "still reads as taken") {
		t.Errorf("release after the stop: state %q, detail %q; want it done, the seat read back free", rel.State, rel.Detail)
	}
}

// deadlineAtReadBack records the deadline the read-back was given.
type deadlineAtReadBack struct {
	Directory
	got *time.Time
}

func (d deadlineAtReadBack) SeatHeld(ctx context.Context, accountID, productARI string) (bool, error) {
	*d.got, _ = ctx.Deadline()
	return d.Directory.SeatHeld(ctx, accountID, productARI)
}

// TestReadBackKeepsTheClicksTime: with no stop, the read that proves the
// seat free has the click's whole time, not the 1 s a stop leaves it: an
// Admin API that answers the read in 4 s (a 429 waited out) must not turn a
// release that worked into "could not be read back".
func TestReadBackKeepsTheClicksTime(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var got time.Time
	cfg := h.cfg
	cfg.Directory = deadlineAtReadBack{Directory: h.client, got: &got}
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)
	if want := deadline.Add(readBackTimeout); !got.Equal(want) {
		t.Errorf("read-back deadline %v after the click's start; want the click's own (%v) and readBackTimeout", time.Until(got).Round(time.Second), time.Minute)
	}
}

// stopAtLostLastStep is the directory of a process told to stop while a
// release's last write is in flight: the write is made, its answer lost to
// the stop, and reading it back takes the whole time a stop leaves reads.
type stopAtLostLastStep struct {
	Directory
	stop      context.CancelFunc
	seatAfter chan error // the seat read's context, once the step read took it all
}

func (d stopAtLostLastStep) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	done, err := d.Directory.Apply(ctx, steps...)
	d.stop()
	if err != nil || len(done) == 0 {
		return done, err
	}
	return done[:len(done)-1], fmt.Errorf("%s: %w", done[len(done)-1], &atlassian.Error{Kind: atlassian.ErrWriteUnknown})
}

func (d stopAtLostLastStep) StepMade(ctx context.Context, s atlassian.Step) (bool, error) {
	<-ctx.Done()
	return true, nil // answered just as the time ran out
}

func (d stopAtLostLastStep) SeatHeld(ctx context.Context, accountID, productARI string) (bool, error) {
	d.seatAfter <- ctx.Err()
	return d.Directory.SeatHeld(ctx, accountID, productARI)
}

// TestStopReadsBackWithinOneBudget: after a stop, a release whose last
// write's answer was lost read that step back for up to readBackTimeout,
// then the seat for readBackTimeout more: two budgets, 6 s of reads after
// the stop abandoned it, past the 10 s a stop may take. The reads after a
// stop share one readBackTimeout.
func TestStopReadsBackWithinOneBudget(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	d := stopAtLostLastStep{Directory: h.client, stop: stop, seatAfter: make(chan error, 1)}
	cfg.Directory = d
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)
	select {
	case err := <-d.seatAfter:
		if err == nil {
			t.Error("the seat was read with a fresh readBackTimeout after the step's read-back had spent the one a stop leaves")
		}
	default:
	}
	rel, err := h.store.GetRelease(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.State == state.ReleaseRunning || !strings.Contains(rel.Steps, string(atlassian.StepRevokeRole)) {
		t.Errorf("release after the stop: state %q, steps %q; want it finished with the revoke, undoable", rel.State, rel.Steps)
	}
}

// lostAtDeadline is a directory whose write is made but whose answer is
// lost to the click's own deadline: Atlassian holds the change, the click
// has no time left.
type lostAtDeadline struct{ Directory }

func (d lostAtDeadline) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	done, err := d.Directory.Apply(context.WithoutCancel(ctx), steps...)
	<-ctx.Done()
	if err != nil || len(done) == 0 {
		return done, err
	}
	return done[:len(done)-1], fmt.Errorf("%s: %w", done[len(done)-1], &atlassian.Error{Kind: atlassian.ErrWriteUnknown})
}

// TestLostToTheClicksDeadlineIsReadBack: the revoke is made, its answer
// lost as the click's deadline passes. The read-back had the click's
// deadline only, already gone: the release was saved failed with no step,
// "could not be read back", though the seat was gone, and no Undo offered.
// Read back, the revoke is made: the release is done and undoable.
func TestLostToTheClicksDeadlineIsReadBack(t *testing.T) {
	h := newHarness(t, true)
	frances := h.account(t, atlassiantest.ReleaseDirectEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // room for the reads before the write
	defer cancel()
	cfg := h.cfg
	cfg.Directory = lostAtDeadline{h.client}
	_ = New(cfg).Decide(ctx, "U0APP2", r.ID, true)
	if h.srv.Holds(frances, atlassiantest.ConfluenceMain) {
		t.Fatal("the revoke was not made")
	}
	rel, steps := h.releaseSteps(t, r)
	if rel.State != state.ReleaseDone || len(steps) != 1 {
		t.Errorf("release: state %q, detail %q, steps %s; want done, with the revoke kept for Undo", rel.State, rel.Detail, rel.Steps)
	}
}

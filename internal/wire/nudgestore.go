package wire

import (
	"context"
	"errors"
	"time"

	"lastactive/internal/state"
	"lastactive/nudge"
)

// nudgeStoreTimeout bounds each of keep or release's store calls, as
// storeCallTimeout bounds the digest's. Their callers' contexts are long (a
// click's minute, App Home's 30 s, a scheduled round's 45 minutes) or
// endless (lastactive nudge): a PostgreSQL that stopped answering must cost
// a click a clear "unavailable" in seconds, and a round its slot, not hang
// them. Longer than the connections' lock_timeout (10 s), so that a wait
// for a lock still fails with the error naming it. A variable so that a
// test need not wait for it.
var nudgeStoreTimeout = 15 * time.Second

// nudgeStore is the store as keep or release sees it: each call with its
// own deadline (nudgeStoreTimeout), its error observed by d as the other
// stores' are (Durable.observe): a statement the server cancelled, or one
// past its deadline, joins the run of cancelled statements, and a lock
// held on nudge, release_request or release_done is named in a WARN.
// Before, none of them was observed: a locked nudge table cancelled every
// Keep for as long as it was held, with no line naming it. The engine's
// audit entries (Append) join that run too, not the audit writer's: its
// check writes with the caller's context, which a deadline that ended the
// wait has done, so it would never decide.
type nudgeStore struct {
	st *state.Store
	d  *Durable // nil: not observed
}

var _ nudge.Store = nudgeStore{}

// nudges is the store as keep or release sees it (an open one: the
// engine is handed none while the store is unavailable).
func (d *Durable) nudges() nudgeStore { return nudgeStore{d.Store(), d} }

// do runs f with its own deadline and has the Durable observe its error.
// A request already decided, or by its requester, is an answer, not a
// failure of the store (a value the database refused is one too: observe
// passes over it, refusedStatement).
func (b nudgeStore) do(ctx context.Context, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	err := f(cctx)
	if b.d != nil && !errors.Is(err, state.ErrDecided) && !errors.Is(err, state.ErrOwnRequest) {
		b.d.observe(err)
	}
	return err
}

// call is do for a call with a result.
func call[T any](b nudgeStore, ctx context.Context, f func(context.Context) (T, error)) (v T, err error) {
	err = b.do(ctx, func(ctx context.Context) error { v, err = f(ctx); return err })
	return v, err
}

func (b nudgeStore) Exempt(ctx context.Context, email, product string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.Exempt(ctx, email, product, at) })
}

func (b nudgeStore) PutNudge(ctx context.Context, n state.Nudge) (v state.Nudge, isNew bool, err error) {
	err = b.do(ctx, func(ctx context.Context) (err error) { v, isNew, err = b.st.PutNudge(ctx, n); return err })
	return v, isNew, err
}

func (b nudgeStore) SetNudgeMessage(ctx context.Context, id, channel, ts string) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.SetNudgeMessage(ctx, id, channel, ts) })
}

func (b nudgeStore) MarkNudgeAudited(ctx context.Context, id string) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.MarkNudgeAudited(ctx, id) })
}

func (b nudgeStore) UnauditedNudges(ctx context.Context, before time.Time) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) { return b.st.UnauditedNudges(ctx, before) })
}

func (b nudgeStore) SetNudgeReminder(ctx context.Context, id, channel, ts string) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.SetNudgeReminder(ctx, id, channel, ts) })
}

func (b nudgeStore) NudgesOfReminder(ctx context.Context, accountID, channel, ts string) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) {
		return b.st.NudgesOfReminder(ctx, accountID, channel, ts)
	})
}

func (b nudgeStore) ForgetNudge(ctx context.Context, id string) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.ForgetNudge(ctx, id) })
}

func (b nudgeStore) GetNudge(ctx context.Context, id string) (state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) (state.Nudge, error) { return b.st.GetNudge(ctx, id) })
}

func (b nudgeStore) NudgesAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) {
		return b.st.NudgesAbout(ctx, accountID, product, since)
	})
}

func (b nudgeStore) NudgesOfRound(ctx context.Context, round, accountID string) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) { return b.st.NudgesOfRound(ctx, round, accountID) })
}

func (b nudgeStore) Unanswered(ctx context.Context) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) { return b.st.Unanswered(ctx) })
}

func (b nudgeStore) EscalatedUnrequested(ctx context.Context, since time.Time) ([]state.Nudge, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Nudge, error) { return b.st.EscalatedUnrequested(ctx, since) })
}

func (b nudgeStore) AnswerNudge(ctx context.Context, id, answer string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.AnswerNudge(ctx, id, answer, at) })
}

func (b nudgeStore) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.MarkReminded(ctx, id, at) })
}

func (b nudgeStore) UnmarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.UnmarkReminded(ctx, id, at) })
}

func (b nudgeStore) MarkEscalated(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.MarkEscalated(ctx, id, at) })
}

func (b nudgeStore) SettleNudge(ctx context.Context, id, settled string, at time.Time) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.SettleNudge(ctx, id, settled, at) })
}

func (b nudgeStore) PutRequest(ctx context.Context, r state.ReleaseRequest) (v state.ReleaseRequest, isNew bool, err error) {
	err = b.do(ctx, func(ctx context.Context) (err error) { v, isNew, err = b.st.PutRequest(ctx, r); return err })
	return v, isNew, err
}

func (b nudgeStore) GetRequest(ctx context.Context, id string) (state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) (state.ReleaseRequest, error) { return b.st.GetRequest(ctx, id) })
}

func (b nudgeStore) RequestsAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.ReleaseRequest, error) {
		return b.st.RequestsAbout(ctx, accountID, product, since)
	})
}

func (b nudgeStore) Decide(ctx context.Context, id, by, decision string, at time.Time) (state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) (state.ReleaseRequest, error) { return b.st.Decide(ctx, id, by, decision, at) })
}

func (b nudgeStore) PutApprovalMessage(ctx context.Context, m state.ApprovalMessage) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.PutApprovalMessage(ctx, m) })
}

func (b nudgeStore) SetApprovalMessage(ctx context.Context, m state.ApprovalMessage) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.SetApprovalMessage(ctx, m) })
}

func (b nudgeStore) ApprovalMessages(ctx context.Context, requestID string) ([]state.ApprovalMessage, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.ApprovalMessage, error) {
		return b.st.ApprovalMessages(ctx, requestID)
	})
}

func (b nudgeStore) ForgetApprovalMessage(ctx context.Context, requestID, approver string) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.ForgetApprovalMessage(ctx, requestID, approver) })
}

func (b nudgeStore) UndecidedBefore(ctx context.Context, before time.Time, limit int) ([]state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.ReleaseRequest, error) {
		return b.st.UndecidedBefore(ctx, before, limit)
	})
}

func (b nudgeStore) ExpireRequest(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.ExpireRequest(ctx, id, at) })
}

func (b nudgeStore) RequestsMissingCopies(ctx context.Context, approvers []string, limit int) ([]state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.ReleaseRequest, error) {
		return b.st.RequestsMissingCopies(ctx, approvers, limit)
	})
}

func (b nudgeStore) Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.Claim(ctx, slot, holder, ttl) })
}

func (b nudgeStore) Release(ctx context.Context, slot, holder string) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.Release(ctx, slot, holder) })
}

func (b nudgeStore) ClaimRelease(ctx context.Context, r state.Release) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.ClaimRelease(ctx, r) })
}

func (b nudgeStore) SaveRelease(ctx context.Context, r state.Release) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.SaveRelease(ctx, r) })
}

func (b nudgeStore) GetRelease(ctx context.Context, id string) (state.Release, error) {
	return call(b, ctx, func(ctx context.Context) (state.Release, error) { return b.st.GetRelease(ctx, id) })
}

func (b nudgeStore) ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.ClaimUndo(ctx, id, at) })
}

func (b nudgeStore) UnclaimUndo(ctx context.Context, id string, at time.Time) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.UnclaimUndo(ctx, id, at) })
}

func (b nudgeStore) ChecksDue(ctx context.Context, at time.Time) ([]state.Release, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Release, error) { return b.st.ChecksDue(ctx, at) })
}

func (b nudgeStore) MarkChecked(ctx context.Context, id string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.MarkChecked(ctx, id, at) })
}

func (b nudgeStore) InterruptedReleases(ctx context.Context, before time.Time) ([]state.Release, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.Release, error) { return b.st.InterruptedReleases(ctx, before) })
}

func (b nudgeStore) ApprovedUnclaimed(ctx context.Context, before time.Time) ([]state.ReleaseRequest, error) {
	return call(b, ctx, func(ctx context.Context) ([]state.ReleaseRequest, error) { return b.st.ApprovedUnclaimed(ctx, before) })
}

func (b nudgeStore) SettleRunning(ctx context.Context, id, st, detail string, at time.Time) (bool, error) {
	return call(b, ctx, func(ctx context.Context) (bool, error) { return b.st.SettleRunning(ctx, id, st, detail, at) })
}

func (b nudgeStore) Append(ctx context.Context, e state.AuditEntry) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.Append(ctx, e) })
}

func (b nudgeStore) PutDryRun(ctx context.Context, d state.DryRun) error {
	return b.do(ctx, func(ctx context.Context) error { return b.st.PutDryRun(ctx, d) })
}

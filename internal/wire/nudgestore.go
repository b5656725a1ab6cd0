package wire

import (
	"context"
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
// own deadline (nudgeStoreTimeout).
type nudgeStore struct{ st *state.Store }

var _ nudge.Store = nudgeStore{}

func (b nudgeStore) Exempt(ctx context.Context, email, product string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Exempt(ctx, email, product, at)
}

func (b nudgeStore) PutNudge(ctx context.Context, n state.Nudge) (state.Nudge, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.PutNudge(ctx, n)
}

func (b nudgeStore) SetNudgeMessage(ctx context.Context, id, channel, ts string) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SetNudgeMessage(ctx, id, channel, ts)
}

func (b nudgeStore) MarkNudgeAudited(ctx context.Context, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.MarkNudgeAudited(ctx, id)
}

func (b nudgeStore) UnauditedNudges(ctx context.Context, before time.Time) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.UnauditedNudges(ctx, before)
}

func (b nudgeStore) SetNudgeReminder(ctx context.Context, id, channel, ts string) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SetNudgeReminder(ctx, id, channel, ts)
}

func (b nudgeStore) NudgesOfReminder(ctx context.Context, accountID, channel, ts string) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.NudgesOfReminder(ctx, accountID, channel, ts)
}

func (b nudgeStore) ForgetNudge(ctx context.Context, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ForgetNudge(ctx, id)
}

func (b nudgeStore) GetNudge(ctx context.Context, id string) (state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.GetNudge(ctx, id)
}

func (b nudgeStore) NudgesAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.NudgesAbout(ctx, accountID, product, since)
}

func (b nudgeStore) NudgesOfRound(ctx context.Context, round, accountID string) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.NudgesOfRound(ctx, round, accountID)
}

func (b nudgeStore) Unanswered(ctx context.Context) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Unanswered(ctx)
}

func (b nudgeStore) EscalatedUnrequested(ctx context.Context, since time.Time) ([]state.Nudge, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.EscalatedUnrequested(ctx, since)
}

func (b nudgeStore) AnswerNudge(ctx context.Context, id, answer string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.AnswerNudge(ctx, id, answer, at)
}

func (b nudgeStore) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.MarkReminded(ctx, id, at)
}

func (b nudgeStore) UnmarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.UnmarkReminded(ctx, id, at)
}

func (b nudgeStore) MarkEscalated(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.MarkEscalated(ctx, id, at)
}

func (b nudgeStore) SettleNudge(ctx context.Context, id, settled string, at time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SettleNudge(ctx, id, settled, at)
}

func (b nudgeStore) PutRequest(ctx context.Context, r state.ReleaseRequest) (state.ReleaseRequest, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.PutRequest(ctx, r)
}

func (b nudgeStore) GetRequest(ctx context.Context, id string) (state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.GetRequest(ctx, id)
}

func (b nudgeStore) RequestsAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.RequestsAbout(ctx, accountID, product, since)
}

func (b nudgeStore) Decide(ctx context.Context, id, by, decision string, at time.Time) (state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Decide(ctx, id, by, decision, at)
}

func (b nudgeStore) PutApprovalMessage(ctx context.Context, m state.ApprovalMessage) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.PutApprovalMessage(ctx, m)
}

func (b nudgeStore) SetApprovalMessage(ctx context.Context, m state.ApprovalMessage) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SetApprovalMessage(ctx, m)
}

func (b nudgeStore) ApprovalMessages(ctx context.Context, requestID string) ([]state.ApprovalMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ApprovalMessages(ctx, requestID)
}

func (b nudgeStore) ForgetApprovalMessage(ctx context.Context, requestID, approver string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ForgetApprovalMessage(ctx, requestID, approver)
}

func (b nudgeStore) UndecidedBefore(ctx context.Context, before time.Time, limit int) ([]state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.UndecidedBefore(ctx, before, limit)
}

func (b nudgeStore) ExpireRequest(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ExpireRequest(ctx, id, at)
}

func (b nudgeStore) RequestsMissingCopies(ctx context.Context, approvers []string, limit int) ([]state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.RequestsMissingCopies(ctx, approvers, limit)
}

func (b nudgeStore) Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Claim(ctx, slot, holder, ttl)
}

func (b nudgeStore) Release(ctx context.Context, slot, holder string) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Release(ctx, slot, holder)
}

func (b nudgeStore) ClaimRelease(ctx context.Context, r state.Release) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ClaimRelease(ctx, r)
}

func (b nudgeStore) SaveRelease(ctx context.Context, r state.Release) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SaveRelease(ctx, r)
}

func (b nudgeStore) GetRelease(ctx context.Context, id string) (state.Release, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.GetRelease(ctx, id)
}

func (b nudgeStore) ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ClaimUndo(ctx, id, at)
}

func (b nudgeStore) UnclaimUndo(ctx context.Context, id string, at time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.UnclaimUndo(ctx, id, at)
}

func (b nudgeStore) ChecksDue(ctx context.Context, at time.Time) ([]state.Release, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ChecksDue(ctx, at)
}

func (b nudgeStore) MarkChecked(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.MarkChecked(ctx, id, at)
}

func (b nudgeStore) InterruptedReleases(ctx context.Context, before time.Time) ([]state.Release, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.InterruptedReleases(ctx, before)
}

func (b nudgeStore) ApprovedUnclaimed(ctx context.Context, before time.Time) ([]state.ReleaseRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.ApprovedUnclaimed(ctx, before)
}

func (b nudgeStore) SettleRunning(ctx context.Context, id, st, detail string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.SettleRunning(ctx, id, st, detail, at)
}

func (b nudgeStore) Append(ctx context.Context, e state.AuditEntry) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.Append(ctx, e)
}

func (b nudgeStore) PutDryRun(ctx context.Context, d state.DryRun) error {
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return b.st.PutDryRun(ctx, d)
}

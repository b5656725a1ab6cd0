package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KindExempt records an exemption added or removed (`/lastactive exempt`).
const KindExempt Kind = "exempt"

func init() { kinds[KindExempt] = true }

// ErrOwnRequest: the person who asked for a release may not decide it.
var ErrOwnRequest = errors.New("the requester cannot decide their own release request")

// ErrDecided: someone else decided the request first.
var ErrDecided = errors.New("the release request is already decided")

// Answers to a nudge, and decisions on a release request.
const (
	AnswerKeep    = "keep"
	AnswerRelease = "release"

	DecisionApprove = "approve"
	DecisionKeep    = "keep"
	// DecisionExpired: nobody decided in time (ExpireRequest); the request
	// is closed, decided by ExpiredBy, and the seat stays.
	DecisionExpired = "expired"
	ExpiredBy       = "(nobody: expired)"
)

// How a nudge's product ended for the person asked (Nudge.Settled).
const (
	SettledReleased = "released" // an approver released it: the seat is free
	SettledApproved = "approved" // approved, for an admin to remove by hand
	SettledKept     = "kept"     // an approver kept it
	SettledUsed     = "used"     // kept: the person used it again
	SettledRestored = "restored" // released, then restored by an approver (Undo)
	SettledGone     = "gone"     // the person holds it no longer (removed another way)
	// The person's account is one the bot never changes now, so nothing
	// is asked of them nor sent to the approvers.
	SettledOrgAdmin = "org-admin" // the person became an org admin
	SettledSynced   = "synced"    // an identity provider manages the account now
	SettledExpired  = "expired"   // its release request expired undecided: kept for now
	SettledExempt   = "exempt"    // exempted after its escalation, before the release: kept
	// SettledNoApprover: the person is the only approver (LASTACTIVE_APPROVERS),
	// so nobody may decide about their seat: nothing was requested.
	SettledNoApprover = "no-approver"
)

// Nudge is one question to one person about one product (a site ARI),
// asked in one round.
type Nudge struct {
	ID         string
	Round      string // the round's slot name; with AccountID and Product unique
	AccountID  string
	Email      string
	Product    string // the product instance, a site ARI
	ProductKey string
	LastActive time.Time
	SlackUser  string
	Channel    string // where the message went, once sent
	TS         string
	Asked      time.Time
	Answer     string // "", AnswerKeep or AnswerRelease
	Answered   time.Time
	Reminded   time.Time
	Escalated  time.Time
	Settled    string    // "" or one of the Settled… values: how it ended
	SettledAt  time.Time // when it did
	// Where its reminder went, once sent: a message of its own, which may
	// name seats of several rounds.
	ReminderChannel string
	ReminderTS      string
}

// us and fromUS store zero times as 0.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func fromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

const nudgeCols = `id, round, account_id, email, product, product_key, last_active_us, slack_user, channel, ts,
	asked_us, answer, answered_us, reminded_us, escalated_us, settled, settled_us, reminder_channel, reminder_ts`

func scanNudge(row interface{ Scan(...any) error }) (Nudge, error) {
	var n Nudge
	var last, asked, answered, reminded, escalated, settled int64
	err := row.Scan(&n.ID, &n.Round, &n.AccountID, &n.Email, &n.Product, &n.ProductKey, &last, &n.SlackUser, &n.Channel, &n.TS,
		&asked, &n.Answer, &answered, &reminded, &escalated, &n.Settled, &settled, &n.ReminderChannel, &n.ReminderTS)
	n.LastActive, n.Asked, n.Answered, n.Reminded, n.Escalated = fromUS(last), fromUS(asked), fromUS(answered), fromUS(reminded), fromUS(escalated)
	n.SettledAt = fromUS(settled)
	return n, err
}

// PutNudge records a nudge about to be sent, and reports whether it is new:
// false when this round already asked this person about this product (a
// restarted round, a second replica), which then must not send again.
// ID and Asked are set when empty.
func (s *Store) PutNudge(ctx context.Context, n Nudge) (Nudge, bool, error) {
	if n.Round == "" || n.AccountID == "" || n.Product == "" {
		return n, false, fmt.Errorf("store nudge: need a round, an account and a product: %w", ErrInvalid)
	}
	if n.Asked.IsZero() {
		n.Asked = s.now()
	}
	if n.ID == "" {
		n.ID = newID(n.Asked)
	}
	n.Email = LowerASCII(strings.TrimSpace(n.Email))
	res, err := s.db.ExecContext(ctx, `INSERT INTO nudge (`+nudgeCols+`, audited)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0) ON CONFLICT DO NOTHING`,
		n.ID, n.Round, n.AccountID, n.Email, n.Product, n.ProductKey, us(n.LastActive), n.SlackUser, n.Channel, n.TS,
		us(n.Asked), n.Answer, us(n.Answered), us(n.Reminded), us(n.Escalated), n.Settled, us(n.SettledAt), n.ReminderChannel, n.ReminderTS)
	won, err := s.won("store nudge", res, err)
	return n, won, err
}

// SetNudgeMessage records where the nudge's message went (for chat.update).
func (s *Store) SetNudgeMessage(ctx context.Context, id, channel, ts string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE nudge SET channel = $1, ts = $2 WHERE id = $3`, channel, ts, id)
	return s.wrap("store nudge message", err)
}

// MarkNudgeAudited records that the nudge's entry is in the audit trail,
// and reports whether this call recorded it: a nudge stored by PutNudge and
// never marked was asked by a process that stopped (or whose database
// failed) before its entry was written.
func (s *Store) MarkNudgeAudited(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE nudge SET audited = 1 WHERE id = $1 AND audited = 0`, id)
	return s.won("mark nudge audited", res, err)
}

// UnauditedNudges returns the nudges asked at or before `before` whose
// entry is not in the audit trail (see MarkNudgeAudited), oldest first.
func (s *Store) UnauditedNudges(ctx context.Context, before time.Time) ([]Nudge, error) {
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE audited = 0 AND asked_us <= $1 ORDER BY asked_us, id`, us(before))
}

// SetNudgeReminder records where the nudge's reminder went (for
// chat.update).
func (s *Store) SetNudgeReminder(ctx context.Context, id, channel, ts string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE nudge SET reminder_channel = $1, reminder_ts = $2 WHERE id = $3`, channel, ts, id)
	return s.wrap("store nudge reminder", err)
}

// SettleNudge records how the nudge's product ended for the person asked
// (one of the Settled… values), at `at`, for their message to say.
func (s *Store) SettleNudge(ctx context.Context, id, settled string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE nudge SET settled = $1, settled_us = $2 WHERE id = $3`, settled, us(at), id)
	return s.wrap("store nudge outcome", err)
}

// ForgetNudge deletes a nudge whose message certainly did not go (Slack
// refused it, or the round stopped first), so that the person counts as
// not asked; a nudge sent or answered meanwhile is kept. It reports
// whether the nudge was deleted.
func (s *Store) ForgetNudge(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM nudge WHERE id = $1 AND ts = '' AND answer = '' AND reminded_us = 0 AND escalated_us = 0`, id)
	return s.won("forget nudge", res, err)
}

// GetNudge returns one nudge, or ErrNotFound.
func (s *Store) GetNudge(ctx context.Context, id string) (Nudge, error) {
	n, err := scanNudge(s.db.QueryRowContext(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("read nudge %q: %w", id, ErrNotFound)
	}
	return n, s.wrap("read nudge", err)
}

// NudgesAbout returns the nudges to accountID about product asked,
// answered or settled at or after since, and those still open however old,
// newest first: the round skips someone asked lately, or who answered Keep
// lately (a Keep counts from the answer, which may come weeks after the
// question), whose release an approver undid lately (counted from the
// Undo, which may come months after the question), or whose nudge still
// waits (with a wait over 45 days, or an exemption holding its follow-up
// back, it escalates more than 90 days after the question).
func (s *Store) NudgesAbout(ctx context.Context, accountID, product string, since time.Time) ([]Nudge, error) {
	if !Storable(accountID, product) {
		return nil, nil
	}
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE account_id = $1 AND product = $2
		AND (asked_us >= $3 OR answered_us >= $3 OR settled_us >= $3 OR (answer = '' AND escalated_us = 0 AND settled = ''))
		ORDER BY asked_us DESC, id DESC`, accountID, product, us(since))
}

// Unanswered returns the nudges nobody answered and that were not
// escalated or settled yet (a person who used the product again is not
// followed up), oldest first: the round reminds and escalates them. A
// nudge with no stored message place is one too: its send's outcome is
// unknown (it may have been posted), its process stopped while Slack took
// it, or Slack's answer could not be stored; one whose send surely failed
// is deleted (ForgetNudge). Such a nudge may also be one a live round is
// posting: the follow-up leaves it until that round's claim has lapsed.
func (s *Store) Unanswered(ctx context.Context) ([]Nudge, error) {
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE answer = '' AND escalated_us = 0 AND settled = ''
		ORDER BY asked_us, id`)
}

// EscalatedUnrequested returns the nudges escalated since `since` for
// which no release request exists: the request is made after the nudge is
// marked escalated (so that no Keep can slip in beside an open request),
// and a failure or a stop between the two would otherwise lose it. A
// nudge settled meanwhile (its person used the product again) is left out.
func (s *Store) EscalatedUnrequested(ctx context.Context, since time.Time) ([]Nudge, error) {
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE answer = '' AND escalated_us >= $1 AND escalated_us <> 0 AND settled = ''
		AND NOT EXISTS (SELECT 1 FROM release_request r WHERE r.nudge_id = nudge.id)
		ORDER BY escalated_us, id`, us(since))
}

func (s *Store) nudges(ctx context.Context, q string, args ...any) ([]Nudge, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("read nudges", err)
	}
	defer rows.Close()
	var out []Nudge
	for rows.Next() {
		n, err := scanNudge(rows)
		if err != nil {
			return nil, s.wrap("read nudges", err)
		}
		out = append(out, n)
	}
	return out, s.wrap("read nudges", rows.Err())
}

// AnswerNudge records the first answer (AnswerKeep or AnswerRelease) and
// reports whether this call recorded it: a second click, or an answer after
// escalation or after the nudge was settled, changes nothing.
func (s *Store) AnswerNudge(ctx context.Context, id, answer string, at time.Time) (bool, error) {
	if answer != AnswerKeep && answer != AnswerRelease {
		return false, fmt.Errorf("answer nudge: %q: %w", answer, ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE nudge SET answer = $1, answered_us = $2 WHERE id = $3 AND answer = '' AND escalated_us = 0 AND settled = ''`,
		answer, us(at), id)
	return s.won("answer nudge", res, err)
}

// MarkReminded records the one reminder; false when already reminded or answered.
func (s *Store) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE nudge SET reminded_us = $1 WHERE id = $2 AND reminded_us = 0 AND answer = ''`, us(at), id)
	return s.won("mark nudge reminded", res, err)
}

// UnmarkReminded takes back the reminder marked at `at` when it certainly
// did not go (Slack refused it), so the next follow-up sends it again; false
// when it was answered, escalated or marked again meanwhile.
func (s *Store) UnmarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE nudge SET reminded_us = 0 WHERE id = $1 AND reminded_us = $2 AND answer = '' AND escalated_us = 0`, id, us(at))
	return s.won("unmark nudge reminded", res, err)
}

// MarkEscalated records the escalation; false when already escalated or answered.
func (s *Store) MarkEscalated(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE nudge SET escalated_us = $1 WHERE id = $2 AND escalated_us = 0 AND answer = ''`, us(at), id)
	return s.won("mark nudge escalated", res, err)
}

// ReleaseRequest asks the approvers to release one product of one person:
// the person's own Release, or an escalation of silence (Requester "").
type ReleaseRequest struct {
	ID         string
	NudgeID    string // one request per nudge
	AccountID  string
	Email      string
	Product    string // site ARI
	ProductKey string
	Requester  string // Slack user who asked; "" when the bot escalated
	Created    time.Time
	DecidedBy  string
	Decision   string // "", DecisionApprove or DecisionKeep
	Decided    time.Time
	// SlackAccountGone is read by PendingRequests only: the request is an
	// escalation made at once, without a reminder, because the person's
	// Slack account was gone (its nudge escalated, never reminded), not
	// one of silence after a reminder.
	SlackAccountGone bool
}

const requestCols = `id, nudge_id, account_id, email, product, product_key, requester, created_us, decided_by, decision, decided_us`

func scanRequest(row interface{ Scan(...any) error }) (ReleaseRequest, error) {
	var r ReleaseRequest
	var created, decided int64
	err := row.Scan(&r.ID, &r.NudgeID, &r.AccountID, &r.Email, &r.Product, &r.ProductKey, &r.Requester, &created, &r.DecidedBy, &r.Decision, &decided)
	r.Created, r.Decided = fromUS(created), fromUS(decided)
	return r, err
}

// PutRequest stores a release request unless its nudge has one already,
// and returns the stored one and whether it is new.
func (s *Store) PutRequest(ctx context.Context, r ReleaseRequest) (ReleaseRequest, bool, error) {
	if r.NudgeID == "" || r.AccountID == "" || r.Product == "" {
		return r, false, fmt.Errorf("store release request: need a nudge, an account and a product: %w", ErrInvalid)
	}
	if r.Created.IsZero() {
		r.Created = s.now()
	}
	if r.ID == "" {
		r.ID = newID(r.Created)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO release_request (`+requestCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', '', 0) ON CONFLICT DO NOTHING`,
		r.ID, r.NudgeID, r.AccountID, LowerASCII(r.Email), r.Product, r.ProductKey, r.Requester, us(r.Created))
	won, err := s.won("store release request", res, err)
	if err != nil || won {
		r.Email = LowerASCII(r.Email)
		return r, won, err
	}
	got, err := scanRequest(s.db.QueryRowContext(ctx, `SELECT `+requestCols+` FROM release_request WHERE nudge_id = $1`, r.NudgeID))
	return got, false, s.wrap("read release request", err)
}

// GetRequest returns one request, or ErrNotFound.
func (s *Store) GetRequest(ctx context.Context, id string) (ReleaseRequest, error) {
	r, err := scanRequest(s.db.QueryRowContext(ctx, `SELECT `+requestCols+` FROM release_request WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read release request %q: %w", id, ErrNotFound)
	}
	return r, s.wrap("read release request", err)
}

// PendingRequests returns the undecided requests, oldest first.
func (s *Store) PendingRequests(ctx context.Context) ([]ReleaseRequest, error) {
	// One read with the nudges' two instants, not one nudge read per row:
	// App Home shows these at every open.
	rows, err := s.db.QueryContext(ctx, `SELECT `+requestCols+`,
		COALESCE((SELECT n.escalated_us <> 0 AND n.reminded_us = 0 FROM nudge n WHERE n.id = release_request.nudge_id), false)
		FROM release_request WHERE decided_by = '' ORDER BY created_us, id`)
	if err != nil {
		return nil, s.wrap("read release requests", err)
	}
	defer rows.Close()
	var out []ReleaseRequest
	for rows.Next() {
		var r ReleaseRequest
		var created, decided int64
		var gone bool
		if err := rows.Scan(&r.ID, &r.NudgeID, &r.AccountID, &r.Email, &r.Product, &r.ProductKey, &r.Requester, &created, &r.DecidedBy, &r.Decision, &decided, &gone); err != nil {
			return nil, s.wrap("read release requests", err)
		}
		r.Created, r.Decided = fromUS(created), fromUS(decided)
		r.SlackAccountGone = gone && r.Requester == ""
		out = append(out, r)
	}
	return out, s.wrap("read release requests", rows.Err())
}

// requests reads the release requests that where (a WHERE and ORDER BY
// clause) selects.
func (s *Store) requests(ctx context.Context, where string, args ...any) ([]ReleaseRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+requestCols+` FROM release_request `+where, args...)
	if err != nil {
		return nil, s.wrap("read release requests", err)
	}
	defer rows.Close()
	var out []ReleaseRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, s.wrap("read release requests", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("read release requests", rows.Err())
}

// RequestsAbout returns the release requests for accountID's product that
// are undecided or were decided at or after since, oldest first: what a
// nudge round must know before asking about that seat again.
func (s *Store) RequestsAbout(ctx context.Context, accountID, product string, since time.Time) ([]ReleaseRequest, error) {
	if !Storable(accountID, product) {
		return nil, nil
	}
	return s.requests(ctx, requestsAbout, accountID, product, us(since))
}

// requestsAbout is RequestsAbout's WHERE and ORDER BY.
const requestsAbout = `WHERE account_id = $1 AND product = $2 AND (decided_by = '' OR decided_us >= $3) ORDER BY created_us, id`

// Decide records by's decision on request id, atomically: the first
// decision wins (ErrDecided for every later one, with the request as
// decided), and the requester may not decide (ErrOwnRequest).
func (s *Store) Decide(ctx context.Context, id, by, decision string, at time.Time) (ReleaseRequest, error) {
	if by == "" || decision != DecisionApprove && decision != DecisionKeep {
		return ReleaseRequest{}, fmt.Errorf("decide release request: %w", ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE release_request SET decided_by = $1, decision = $2, decided_us = $3
		WHERE id = $4 AND decided_by = '' AND requester <> $1`, by, decision, us(at), id)
	won, err := s.won("decide release request", res, err)
	if err != nil {
		return ReleaseRequest{}, err
	}
	r, err := s.GetRequest(ctx, id)
	switch {
	case err != nil:
		return r, err
	case won:
		return r, nil
	case r.DecidedBy != "":
		return r, ErrDecided
	}
	return r, ErrOwnRequest
}

// UndecidedBefore returns the undecided release requests made before
// `before`, oldest first, at most limit.
func (s *Store) UndecidedBefore(ctx context.Context, before time.Time, limit int) ([]ReleaseRequest, error) {
	return s.requests(ctx, `WHERE decided_by = '' AND created_us < $1 ORDER BY created_us, id LIMIT $2`, us(before), limit)
}

// ExpireRequest closes undecided request id as DecisionExpired (decided by
// ExpiredBy) at `at`, atomically against a decision; false when it was
// decided (or expired) already.
func (s *Store) ExpireRequest(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE release_request SET decided_by = $1, decision = $2, decided_us = $3
		WHERE id = $4 AND decided_by = ''`, ExpiredBy, DecisionExpired, us(at), id)
	return s.won("expire release request", res, err)
}

// ApprovalMessage is one approver's copy of a request.
type ApprovalMessage struct {
	RequestID, Approver, Channel, TS string
}

// PutApprovalMessage records an approver's copy; false when they have one
// already (it is not sent twice).
func (s *Store) PutApprovalMessage(ctx context.Context, m ApprovalMessage) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO approval_message (request_id, approver, channel, ts) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, m.RequestID, m.Approver, m.Channel, m.TS)
	return s.won("store approval message", res, err)
}

// SetApprovalMessage records where an approver's copy went.
func (s *Store) SetApprovalMessage(ctx context.Context, m ApprovalMessage) error {
	_, err := s.db.ExecContext(ctx, `UPDATE approval_message SET channel = $1, ts = $2 WHERE request_id = $3 AND approver = $4`,
		m.Channel, m.TS, m.RequestID, m.Approver)
	return s.wrap("store approval message", err)
}

// ForgetApprovalMessage deletes an approver's copy whose message certainly
// did not go (Slack refused it, or the flow stopped first), so that a
// later follow-up sends it; a copy whose message went (it has a ts) is
// kept. It reports whether the copy was deleted.
func (s *Store) ForgetApprovalMessage(ctx context.Context, requestID, approver string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM approval_message WHERE request_id = $1 AND approver = $2 AND ts = ''`, requestID, approver)
	return s.won("forget approval message", res, err)
}

// RequestsMissingCopies returns the undecided release requests, oldest
// first and at most limit, that one of approvers has no copy of (neither
// the requester nor the person whose seat it is needs one): a copy Slack
// refused, or an approver added since the request was made.
func (s *Store) RequestsMissingCopies(ctx context.Context, approvers []string, limit int) ([]ReleaseRequest, error) {
	if len(approvers) == 0 || limit <= 0 {
		return nil, nil
	}
	vals := make([]string, len(approvers))
	args := make([]any, 0, len(approvers)+1)
	for i, a := range approvers {
		vals[i] = fmt.Sprintf("($%d)", i+1)
		args = append(args, a)
	}
	args = append(args, limit)
	return s.requests(ctx, `WHERE decided_by = '' AND EXISTS (SELECT 1 FROM (VALUES `+strings.Join(vals, ", ")+`) AS a
		WHERE a.column1 <> release_request.requester
		AND NOT EXISTS (SELECT 1 FROM approval_message m WHERE m.request_id = release_request.id AND m.approver = a.column1)
		AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.id = release_request.nudge_id AND n.slack_user = a.column1))
		ORDER BY created_us, id LIMIT `+fmt.Sprintf("$%d", len(args)), args...)
}

// ApprovalMessages returns every approver's copy of a request.
func (s *Store) ApprovalMessages(ctx context.Context, requestID string) ([]ApprovalMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT request_id, approver, channel, ts FROM approval_message WHERE request_id = $1 ORDER BY approver`, requestID)
	if err != nil {
		return nil, s.wrap("read approval messages", err)
	}
	defer rows.Close()
	var out []ApprovalMessage
	for rows.Next() {
		var m ApprovalMessage
		if err := rows.Scan(&m.RequestID, &m.Approver, &m.Channel, &m.TS); err != nil {
			return nil, s.wrap("read approval messages", err)
		}
		out = append(out, m)
	}
	return out, s.wrap("read approval messages", rows.Err())
}

// The states of a release.
const (
	ReleaseRunning = "running" // claimed, steps being made
	ReleaseDone    = "done"    // access removed and read back
	ReleaseRefused = "refused" // not safe: Detail says why
	ReleaseFailed  = "failed"  // an upstream call failed; Steps is what was done
	ReleaseManual  = "manual"  // no write key: an admin is to remove it, checked at CheckDue
	ReleaseDropped = "dropped" // nothing to change: active again, or the seat freed another way
)

// Release is what an approved request did: one per request (ID is the
// request's ID).
type Release struct {
	ID        string
	AccountID string
	Email     string
	Product   string
	State     string
	Detail    string
	Steps     string // JSON of the steps made, which the undo inverts
	Done      time.Time
	Undone    time.Time
	CheckDue  time.Time // ReleaseManual: when to check whether an admin removed it
	Checked   time.Time
}

const releaseCols = `id, account_id, email, product, state, detail, steps, done_us, undone_us, check_due_us, checked_us`

func scanRelease(row interface{ Scan(...any) error }) (Release, error) {
	var r Release
	var done, undone, due, checked int64
	err := row.Scan(&r.ID, &r.AccountID, &r.Email, &r.Product, &r.State, &r.Detail, &r.Steps, &done, &undone, &due, &checked)
	r.Done, r.Undone, r.CheckDue, r.Checked = fromUS(done), fromUS(undone), fromUS(due), fromUS(checked)
	return r, err
}

// ClaimRelease stores r (State ReleaseRunning) unless the request has a
// release already, and reports whether this call claimed it: two approvals
// racing, or a redelivered click, release once.
func (s *Store) ClaimRelease(ctx context.Context, r Release) (bool, error) {
	if r.ID == "" || r.AccountID == "" || r.Product == "" {
		return false, fmt.Errorf("claim release: %w", ErrInvalid)
	}
	if r.State == "" {
		r.State = ReleaseRunning
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO release_done (`+releaseCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`, r.ID, r.AccountID, LowerASCII(r.Email), r.Product, r.State, cleanText(r.Detail), r.Steps,
		us(r.Done), us(r.Undone), us(r.CheckDue), us(r.Checked))
	return s.won("claim release", res, err)
}

// SaveRelease writes r's state, detail, steps and times. The detail names
// what Atlassian answered (a group's name): NUL and invalid UTF-8 are
// dropped from it, as from the audit trail, so that a release whose access
// is gone is stored, steps and all, and stays undoable.
func (s *Store) SaveRelease(ctx context.Context, r Release) error {
	_, err := s.db.ExecContext(ctx, `UPDATE release_done SET state = $1, detail = $2, steps = $3, done_us = $4, undone_us = $5,
		check_due_us = $6, checked_us = $7 WHERE id = $8`, r.State, cleanText(r.Detail), r.Steps, us(r.Done), us(r.Undone), us(r.CheckDue), us(r.Checked), r.ID)
	return s.wrap("store release", err)
}

// GetRelease returns one release, or ErrNotFound.
func (s *Store) GetRelease(ctx context.Context, id string) (Release, error) {
	r, err := scanRelease(s.db.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM release_done WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read release %q: %w", id, ErrNotFound)
	}
	return r, s.wrap("read release", err)
}

// ClaimUndo marks a done (or part-way failed) release undone at `at`, and reports whether this
// call did: an Undo clicked twice restores once. A failed undo is put back
// with SaveRelease.
func (s *Store) ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	// A release that failed part-way has removed something too (its steps
	// say what): it is undone like a finished one. One with no step has
	// nothing to undo.
	res, err := s.db.ExecContext(ctx, `UPDATE release_done SET undone_us = $1 WHERE id = $2 AND undone_us = 0
		AND (state = $3 OR state = $4 AND steps NOT IN ('', 'null', '[]'))`,
		us(at), id, ReleaseDone, ReleaseFailed)
	return s.won("claim undo", res, err)
}

// UnclaimUndo gives back an undo claim taken at `at` by an Undo that
// restored nothing (it could not read the release again), so that the next
// Undo is not told "undone already". A claim taken since by another is left.
func (s *Store) UnclaimUndo(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE release_done SET undone_us = 0 WHERE id = $1 AND undone_us = $2`, id, us(at))
	return s.wrap("give back undo claim", err)
}

// ChecksDue returns the manual releases whose check is due at `at` and not
// done yet.
func (s *Store) ChecksDue(ctx context.Context, at time.Time) ([]Release, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+releaseCols+` FROM release_done
		WHERE state = $1 AND checked_us = 0 AND check_due_us > 0 AND check_due_us <= $2 ORDER BY check_due_us, id`, ReleaseManual, us(at))
	if err != nil {
		return nil, s.wrap("read release checks", err)
	}
	defer rows.Close()
	var out []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, s.wrap("read release checks", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("read release checks", rows.Err())
}

// InterruptedReleases returns the releases still running whose request was
// decided before `before`: the process making them stopped for good
// between its claim and its record (killed), as a release takes seconds.
func (s *Store) InterruptedReleases(ctx context.Context, before time.Time) ([]Release, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+releaseCols+` FROM release_done WHERE state = $1
		AND id IN (SELECT id FROM release_request WHERE decided_us <> 0 AND decided_us < $2) ORDER BY id`, ReleaseRunning, us(before))
	if err != nil {
		return nil, s.wrap("read interrupted releases", err)
	}
	defer rows.Close()
	var out []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, s.wrap("read interrupted releases", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("read interrupted releases", rows.Err())
}

// ApprovedUnclaimed returns the requests approved before `before` that
// have no release record: the database failed (or the process stopped)
// between storing the approval and claiming its release, and Approve again
// is refused as decided already.
func (s *Store) ApprovedUnclaimed(ctx context.Context, before time.Time) ([]ReleaseRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+requestCols+` FROM release_request WHERE decision = $1
		AND decided_us <> 0 AND decided_us < $2 AND id NOT IN (SELECT id FROM release_done) ORDER BY id`, DecisionApprove, us(before))
	if err != nil {
		return nil, s.wrap("read unclaimed approvals", err)
	}
	defer rows.Close()
	var out []ReleaseRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, s.wrap("read unclaimed approvals", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("read unclaimed approvals", rows.Err())
}

// SettleRunning gives a release still running its final state and detail
// at `at`, and reports whether this call did: replicas settling one
// interrupted release settle it once.
func (s *Store) SettleRunning(ctx context.Context, id, st, detail string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE release_done SET state = $1, detail = $2, done_us = $3 WHERE id = $4 AND state = $5`,
		st, cleanText(detail), us(at), id, ReleaseRunning)
	return s.won("settle release", res, err)
}

// MarkChecked records the check of a manual release; false when done already.
func (s *Store) MarkChecked(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE release_done SET checked_us = $1 WHERE id = $2 AND checked_us = 0`, us(at), id)
	return s.won("mark release checked", res, err)
}

// NudgesOfRound returns the nudges one round sent one person (one message),
// in the order they were stored.
func (s *Store) NudgesOfRound(ctx context.Context, round, accountID string) ([]Nudge, error) {
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE round = $1 AND account_id = $2 ORDER BY product`, round, accountID)
}

// NudgesOfReminder returns the nudges one reminder to accountID named (one
// message, perhaps of several rounds), in the order it listed them.
func (s *Store) NudgesOfReminder(ctx context.Context, accountID, channel, ts string) ([]Nudge, error) {
	return s.nudges(ctx, `SELECT `+nudgeCols+` FROM nudge WHERE account_id = $1 AND reminder_channel = $2 AND reminder_ts = $3
		ORDER BY asked_us, id`, accountID, channel, ts)
}

package nudge

import (
	"context"
	"errors"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Scans gives the org-wide idle report, reusing a recent scan
// (*seat.Scanner).
type Scans interface {
	Report(ctx context.Context, o seat.Options, fresh bool, waiting func()) (*seat.Report, error)
}

// Directory is what the engine reads and changes in Atlassian
// (*atlassian.Client).
type Directory interface {
	UserAccess(ctx context.Context, accountID string) (atlassian.DirectoryUser, error)
	ReleaseFacts(ctx context.Context, accountID, productARI string, used []string) (atlassian.ReleaseFacts, error)
	Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error)
	SeatHeld(ctx context.Context, accountID, productARI string) (bool, error)
	StepMade(ctx context.Context, s atlassian.Step) (bool, error)
	HasWriteKey() bool
}

// Sites names sites by host (*seat.SiteBook).
type Sites interface {
	Sites(ctx context.Context) atlassian.Sites
}

// People maps emails to Slack users. A round reads the whole workspace
// once (bot.SlackPeople: users.list, paged), however many people it asks:
// one lookup per person would cost a call each, at a lower rate limit.
type People interface {
	// SlackUsers maps the email (lower case) of every member who can be
	// sent a message (not deleted, not a bot, not invited without having
	// joined) to their Slack user ID.
	SlackUsers(ctx context.Context) (map[string]string, error)
	// SlackUserGone reports whether a Slack user can no longer read the
	// bot's direct messages: deactivated (deleted), a bot, invited and never
	// joined, or unknown to Slack. A follow-up asks it of someone whose
	// reminder Slack refused, one user at a time (bot.SlackPeople:
	// users.info), not the whole workspace.
	SlackUserGone(ctx context.Context, user string) (bool, error)
}

// ErrNoSlackUser: nobody in Slack has that email (the one-person lookup,
// bot.SlackPeople.SlackUserByEmail).
var ErrNoSlackUser = errors.New("no Slack user with that email")

// OnePerson is a People that also finds one person's Slack user by email
// (bot.SlackPeople: users.lookupByEmail), or says ErrNoSlackUser. A round
// with one person to ask uses it: one call, where the paged read of every
// member is 250 calls in a workspace of 50,000.
type OnePerson interface {
	SlackUserByEmail(ctx context.Context, email string) (string, error)
}

// Ref is where a message went, to update it later.
type Ref struct{ Channel, TS string }

// ErrNotSent says a message was certainly not posted: Slack refused it (an
// ok:false answer, a 4xx, a 429 past the retries), no connection to it
// was made, or the round stopped before it went. A Messenger's Post wraps it only when nothing was posted;
// any other error (a timeout, a 5xx) leaves it unknown whether it went.
var ErrNotSent = errors.New("message not sent")

// Messenger posts and updates the engine's messages (bot renders them).
// to is a Slack user ID: the message goes to their direct messages. Post
// wraps ErrNotSent in its error when the message certainly did not go.
type Messenger interface {
	Post(ctx context.Context, to string, n Note) (Ref, error)
	Update(ctx context.Context, ref Ref, n Note) error
}

// Store is the durable state the engine needs (*state.Store).
type Store interface {
	Exempt(ctx context.Context, email, product string, at time.Time) (bool, error)
	PutNudge(ctx context.Context, n state.Nudge) (state.Nudge, bool, error)
	SetNudgeMessage(ctx context.Context, id, channel, ts string) error
	// MarkNudgeAudited records that the nudge's entry is in the audit
	// trail; UnauditedNudges finds those whose process stopped before.
	MarkNudgeAudited(ctx context.Context, id string) (bool, error)
	UnauditedNudges(ctx context.Context, before time.Time) ([]state.Nudge, error)
	// SetNudgeReminder records where the nudge's reminder went, and
	// NudgesOfReminder reads back every nudge one reminder named, so that
	// the reminder is updated as the nudge message is.
	SetNudgeReminder(ctx context.Context, id, channel, ts string) error
	NudgesOfReminder(ctx context.Context, accountID, channel, ts string) ([]state.Nudge, error)
	// ForgetNudge deletes a nudge whose message certainly did not go.
	ForgetNudge(ctx context.Context, id string) (bool, error)
	GetNudge(ctx context.Context, id string) (state.Nudge, error)
	NudgesAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.Nudge, error)
	NudgesOfRound(ctx context.Context, round, accountID string) ([]state.Nudge, error)
	Unanswered(ctx context.Context) ([]state.Nudge, error)
	EscalatedUnrequested(ctx context.Context, since time.Time) ([]state.Nudge, error)
	AnswerNudge(ctx context.Context, id, answer string, at time.Time) (bool, error)
	MarkReminded(ctx context.Context, id string, at time.Time) (bool, error)
	UnmarkReminded(ctx context.Context, id string, at time.Time) (bool, error)
	MarkEscalated(ctx context.Context, id string, at time.Time) (bool, error)
	// SettleNudge records how the nudge's product ended for the person
	// asked (state.Settled…), for their message to say.
	SettleNudge(ctx context.Context, id, settled string, at time.Time) error
	PutRequest(ctx context.Context, r state.ReleaseRequest) (state.ReleaseRequest, bool, error)
	GetRequest(ctx context.Context, id string) (state.ReleaseRequest, error)
	RequestsAbout(ctx context.Context, accountID, product string, since time.Time) ([]state.ReleaseRequest, error)
	Decide(ctx context.Context, id, by, decision string, at time.Time) (state.ReleaseRequest, error)
	// UndecidedBefore and ExpireRequest find and close the requests nobody
	// decided within RequestExpiry.
	UndecidedBefore(ctx context.Context, before time.Time, limit int) ([]state.ReleaseRequest, error)
	ExpireRequest(ctx context.Context, id string, at time.Time) (bool, error)
	PutApprovalMessage(ctx context.Context, m state.ApprovalMessage) (bool, error)
	SetApprovalMessage(ctx context.Context, m state.ApprovalMessage) error
	ApprovalMessages(ctx context.Context, requestID string) ([]state.ApprovalMessage, error)
	// ForgetApprovalMessage deletes an approver's copy whose message
	// certainly did not go; RequestsMissingCopies finds the undecided
	// requests a current approver has no copy of, for the follow-up.
	ForgetApprovalMessage(ctx context.Context, requestID, approver string) (bool, error)
	RequestsMissingCopies(ctx context.Context, approvers []string, limit int) ([]state.ReleaseRequest, error)
	// Claim and Release take and give back a named slot across processes
	// (one nudge round at a time).
	Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, slot, holder string) error
	ClaimRelease(ctx context.Context, r state.Release) (bool, error)
	SaveRelease(ctx context.Context, r state.Release) error
	GetRelease(ctx context.Context, id string) (state.Release, error)
	ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error)
	UnclaimUndo(ctx context.Context, id string, at time.Time) error
	ChecksDue(ctx context.Context, at time.Time) ([]state.Release, error)
	MarkChecked(ctx context.Context, id string, at time.Time) (bool, error)
	InterruptedReleases(ctx context.Context, before time.Time) ([]state.Release, error)
	// ApprovedUnclaimed is the approvals before `before` with no release
	// record (the database failed, or the process stopped, in between).
	ApprovedUnclaimed(ctx context.Context, before time.Time) ([]state.ReleaseRequest, error)
	SettleRunning(ctx context.Context, id, st, detail string, at time.Time) (bool, error)
	Append(ctx context.Context, e state.AuditEntry) error
	PutDryRun(ctx context.Context, d state.DryRun) error
}

var _ Store = (*state.Store)(nil)
var _ Directory = (*atlassian.Client)(nil)
var _ Scans = (*seat.Scanner)(nil)
var _ Sites = (*seat.SiteBook)(nil)

package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/sync/singleflight"

	"lastactive/internal/recovered"
)

// UserDirectory turns a Slack user ID into the email on their profile.
type UserDirectory interface {
	EmailOf(ctx context.Context, userID string) (string, error)
}

// FreshUserDirectory is a UserDirectory that keeps what it read: FreshEmailOf
// reads the profile again (--fresh), and keeps that.
type FreshUserDirectory interface {
	UserDirectory
	FreshEmailOf(ctx context.Context, userID string) (string, error)
}

// SlackUsers is the UserDirectory backed by the Slack Web API (users.info,
// scope users:read.email). A rate limit or an outage is retried with the
// one policy (see SlackAPI); a refused bot token is a SlackError of kind
// ErrSlackTokenRejected, never "no email".
//
// users.info is Tier 4: concurrent asks about one user share one call, and
// each answer (an email, or "no email") is kept for TTL in API, so that a
// mention repeated, or 50 commands at once about one person, cost one
// call. A failure (a rate limit, an outage, a refused token) is never kept.
type SlackUsers struct {
	API *SlackAPI
	// TTL is how long an answer is kept: zero is DefaultProfileTTL,
	// negative keeps nothing (concurrent asks still share one call).
	// "No email" is kept at most noEmailTTL.
	TTL time.Duration
}

// DefaultProfileTTL is how long SlackUsers keeps an answer by default: a
// changed email is seen at the latest after it, at once with --fresh.
const DefaultProfileTTL = 10 * time.Minute

// noEmailTTL caps how long "no email" is kept, as "not found" is by
// Lookups: a profile being set up gets its email soon.
const noEmailTTL = time.Minute

// maxProfiles bounds the answers kept; past it, expired ones are dropped.
const maxProfiles = 10_000

// profiles is what SlackUsers keeps in its SlackAPI: one bot token, one
// workspace.
type profiles struct {
	mu    sync.Mutex
	kept  map[string]profile // Slack user ID → answer, until it expires
	group singleflight.Group
}

// profile is one answer of users.info: an email, or err (wrapping
// ErrSlackUserNoEmail when kept).
type profile struct {
	email      string
	err        error
	read, till time.Time // when its read began; when it expires
}

// EmailOf implements UserDirectory.
func (s SlackUsers) EmailOf(ctx context.Context, userID string) (string, error) {
	return s.emailOf(ctx, userID, false)
}

// FreshEmailOf implements FreshUserDirectory: the profile is read again,
// whatever is kept.
func (s SlackUsers) FreshEmailOf(ctx context.Context, userID string) (string, error) {
	return s.emailOf(ctx, userID, true)
}

func (s SlackUsers) emailOf(ctx context.Context, userID string, fresh bool) (string, error) {
	p := &s.API.profiles
	if !fresh {
		if k, ok := p.get(userID, s.API.now()); ok {
			return k.email, k.err
		}
	}
	// The shared read must not die with the first asker who gives up, so
	// it runs detached with its own deadline; each asker waits on its own
	// ctx. Fresh askers share a read of their own.
	flight := userID
	if fresh {
		flight = "fresh\x00" + userID
	}
	ch := p.group.DoChan(flight, func() (v any, _ error) {
		// singleflight re-panics a panic of this func on a goroutine of
		// its own, which no asker can recover: it is this read's error.
		defer func() {
			if r := recover(); r != nil {
				v = profile{err: recovered.Log(s.API.log(), "users.info", r)}
			}
		}()
		// A read that ended between our miss above and DoChan has kept
		// its answer already: it costs no second call.
		if k, ok := p.get(userID, s.API.now()); ok && !fresh {
			return k, nil
		}
		k := profile{read: s.API.now()}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), slackUsersTimeout)
		defer cancel()
		k.email, k.err = s.read(rctx, userID)
		p.keep(userID, k, s.ttl())
		return k, nil
	})
	select {
	case res := <-ch:
		k := res.Val.(profile)
		return k.email, k.err
	case <-ctx.Done():
		// What the asker's own call would have said of its deadline.
		return "", &SlackError{Method: "users.info", Kind: ErrSlackUnavailable, Err: ctx.Err()}
	}
}

func (s SlackUsers) ttl() time.Duration {
	if s.TTL == 0 {
		return DefaultProfileTTL
	}
	return s.TTL
}

// read asks users.info for userID's email.
func (s SlackUsers) read(ctx context.Context, userID string) (string, error) {
	var u *slack.User
	err := s.API.call(ctx, "users.info", true, func(ctx context.Context) (err error) {
		u, err = s.API.Client.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil {
		if se := (*SlackError)(nil); errors.As(err, &se) && (se.Code == "user_not_found" || se.Code == "user_not_visible") {
			return "", fmt.Errorf("%w: %w", ErrSlackUserNoEmail, err)
		}
		return "", err
	}
	// Someone who has left but whose email Slack still holds is looked
	// up: whether they still hold a seat is what a manager reclaiming
	// seats asks of exactly them.
	if u.Deleted && u.Profile.Email == "" {
		return "", ErrSlackUserLeft
	}
	if u.IsBot || u.Profile.Email == "" {
		return "", ErrSlackUserNoEmail
	}
	// The answer is checked as a typed address is: a profile of another
	// user, or text that is no address (a prefix would reach Jira's prefix
	// search, which takes a lone hidden-email account as the person), is
	// no email the bot can use. A user without an id is the one asked
	// about: Slack's documents promise only the profile's email.
	email, ok := normaliseEmail(u.Profile.Email)
	if (u.ID != "" && u.ID != userID) || !ok {
		return "", ErrSlackUserNoEmail
	}
	return email, nil
}

// get returns the answer kept for userID, unless it has expired.
func (p *profiles) get(userID string, now time.Time) (profile, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.kept[userID]
	if !ok || !now.Before(k.till) || now.Before(k.read) {
		return profile{}, false
	}
	return k, true
}

// keep keeps k, an answer about userID, for ttl ("no email" at most
// noEmailTTL); a failure is not kept, nor an answer older than the one
// kept (a read that overlapped a fresh one).
func (p *profiles) keep(userID string, k profile, ttl time.Duration) {
	switch {
	case ttl <= 0:
		return
	case k.err == nil:
	case errors.Is(k.err, ErrSlackUserNoEmail):
		ttl = min(ttl, noEmailTTL)
	default:
		return
	}
	k.till = k.read.Add(ttl)
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.kept[userID]; ok && old.read.After(k.read) {
		return
	}
	if p.kept == nil {
		p.kept = map[string]profile{}
	}
	if _, ok := p.kept[userID]; !ok && len(p.kept) >= maxProfiles {
		for id, old := range p.kept {
			if !k.read.Before(old.till) {
				delete(p.kept, id)
			}
		}
	}
	if _, ok := p.kept[userID]; ok || len(p.kept) < maxProfiles {
		p.kept[userID] = k
	}
}

// slackUsersTimeout bounds one mention's users.info, retries included:
// SlackRetry's 15 s of waiting plus the calls themselves.
const slackUsersTimeout = 20 * time.Second

// Request is one question to the bot, however it arrived.
type Request struct {
	UserID    string
	ChannelID string
	Text      string
	// TeamID and EnterpriseID are the asker's Slack workspace and
	// Enterprise Grid organisation, as the payload gives them; "" when
	// the request did not come from Slack (the demo, the command line).
	TeamID, EnterpriseID string
	// NoResponseURL: Slack gave the request no response_url (a click in a
	// view, a shortcut in some surfaces), so its answer can only go to the
	// asker alone (chat.postEphemeral): a Share, which nobody else would
	// see, is refused (notShared).
	NoResponseURL bool
}

// Reply is the bot's answer, ready to post, plus what the audit log needs.
type Reply struct {
	Message   Message
	Kind      ReplyKind
	Outcome   Outcome
	Targets   []string // emails asked about, for the audit line
	CacheHits int
	People    []Person
	Detail    string // for the audit entry, when the kind has one (exempt)
	// shareKey is the claim of a Share posted in a channel, given back if
	// the post fails (UndeliveredAs), kept if it may have been shown
	// (UnconfirmedAs).
	shareKey string
}

// ReplyKind says what was asked: the label "kind" of
// lastactive_commands_total and of the audit line.
type ReplyKind string

// The kinds of request.
const (
	// KindCommand is a command refused or unreadable before it was parsed
	// (not allowed here, or a usage error): what it asked is unknown.
	KindCommand  ReplyKind = "command"
	KindHelp     ReplyKind = "help"
	KindLookup   ReplyKind = "lookup"
	KindIdle     ReplyKind = "idle"
	KindButton   ReplyKind = "button"
	KindShortcut ReplyKind = "shortcut"
	KindAudit    ReplyKind = "audit"
)

// Outcome says how a request ended: the label "outcome" of
// lastactive_commands_total and of the audit line.
type Outcome string

// The outcomes.
const (
	OutcomeOK          Outcome = "ok"
	OutcomePartial     Outcome = "partial" // some people (or the report's file) failed
	OutcomeFailed      Outcome = "failed"
	OutcomeUsage       Outcome = "usage"   // the text could not be read
	OutcomeRefused     Outcome = "refused" // not allowed (allow-lists, report users)
	OutcomeRateLimited Outcome = "rate_limited"
	OutcomeStale       Outcome = "stale"   // a button too old to trust
	OutcomeForged      Outcome = "forged"  // a button value the bot did not sign
	OutcomeIgnored     Outcome = "ignored" // a click that needs nothing but the ack
	// OutcomeBusy: every in-flight slot was taken, and the command or
	// click was told the bot is very busy (not audited: nothing was done).
	OutcomeBusy Outcome = "busy"
	// OutcomeDropped: past the slots and the busy replies' bound, the
	// envelope was acked and answered by nobody (a burst): counted so that
	// no loss is silent.
	OutcomeDropped Outcome = "dropped"
	// OutcomeUndelivered: the answer was made but its post to Slack failed
	// (after the Responder's retries): audited beside the answer's own line.
	OutcomeUndelivered Outcome = "undelivered"
	// OutcomeUnconfirmed: the answer's post was sent whole but Slack's
	// answer to it was lost (ErrReplyUnconfirmed), so it was not posted
	// again: the asker (a Share's channel) may have seen it or not.
	// Audited beside the answer's own line, as OutcomeUndelivered is.
	OutcomeUnconfirmed Outcome = "unconfirmed"
	// OutcomeAmbiguous is an audit entry's alone (a reply's outcome stays
	// failed, for its metrics): every person looked up matched several
	// Atlassian accounts, and the answer listed them.
	OutcomeAmbiguous Outcome = "ambiguous"
	// OutcomeNotFound is an audit entry's alone too (the reply stays
	// failed): no email looked up has an Atlassian account, which is an
	// answer, not an outage's failure.
	OutcomeNotFound Outcome = "not_found"
)

// ServiceConfig holds what a Service needs.
type ServiceConfig struct {
	Lookups  *Lookups
	Users    UserDirectory
	Gate     *Gate
	OrgID    string
	IdleDays int
	Now      func() time.Time
	Logger   *slog.Logger
	Metrics  *Metrics
	// Scanner builds org-wide idle reports; nil means the feature is off.
	Scanner Scanner
	// ProgressEvery is the least time between updates of a report's
	// "report running" message; 0 means DefaultProgressEvery.
	ProgressEvery time.Duration
	// Files sends a report's CSV; nil: the summary says files are not set up.
	Files FileSender
	// Digests makes the seat digest and the App Home; nil: both are off.
	Digests *Digests
	// Buttons seals Share/Refresh button values. Nil: a signer with a
	// random key (buttons then only work on this process).
	Buttons *ButtonSigner
	// Sites names sites by host in replies; nil: sites are shown by ID.
	Sites SiteSource
	// Audit stores each audit event; nil: the audit line goes to the log only.
	Audit AuditSink
	// AuditTrail reads the stored trail for "audit EMAIL"; nil: not kept.
	AuditTrail AuditTrail
	// Exemptions keeps the exempt command's exemptions; nil: not kept.
	Exemptions ExemptionStore
	// Release answers the keep-or-release buttons (keep.go); nil: off.
	Release *KeepRelease
	// OwnWorkspaceOnly refuses requests from any workspace but the bot
	// token's own (SetHome, Home): a command or a click from another
	// company's workspace, as a Slack Connect channel can bring. Off, such
	// a request is served and logged (WARN, once per workspace).
	OwnWorkspaceOnly bool
	// Home learns the bot's own workspace and Enterprise Grid organisation
	// (auth.test) when a request from Slack comes before SetHome was
	// called (the start's auth.test failed, say); nil: such requests are
	// served until SetHome.
	Home func(ctx context.Context) (team, enterprise string, err error)
	// ShareClaims claims a Share across processes, so that replicas given
	// the two envelopes of one double click post it once; nil: this
	// process's own memory only.
	ShareClaims ShareClaimer
	// StillLooking is how long a lookup may be pending before the asker is
	// told that Atlassian is slow (the answer then replaces that message).
	// Default 10 s; negative: never.
	StillLooking time.Duration
	// LookupDeadline bounds a whole lookup command, however many people it
	// names: who is not answered by then is reported as taking too long.
	// Default 30 s.
	LookupDeadline time.Duration
}

// Service answers requests: authorisation, parsing, lookups, rendering, and
// the audit line. It knows nothing of how the request arrived, so the Slack
// bot, the demo and the CLI share it.
type Service struct {
	cfg ServiceConfig
	log *slog.Logger

	idleMu sync.Mutex
	idling map[string]bool // users whose idle report is being made

	reportSlots chan struct{} // MaxReportsAtOnce org-wide reports at a time

	home      atomic.Pointer[homeTeam] // the bot token's workspace (SetHome)
	homeMu    sync.Mutex               // one Home call at a time
	homeTried time.Time                // when Home last failed
	foreignMu sync.Mutex
	foreign   map[string]bool // workspaces logged as another's (OwnWorkspaceOnly off)

	shareMu  sync.Mutex
	shared   map[string]shareClaim // Share button and channel → its claim (see claimShare)
	unshared map[string]func()     // claim → its ShareClaims release, until given back or expired
}

// homeTeam is the workspace (and Enterprise Grid organisation) the bot is
// installed in.
type homeTeam struct{ team, enterprise string }

// SetHome tells the Service which workspace its bot token belongs to
// (auth.test's team_id and enterprise_id): a request from any other is not
// allowed, whatever the allow-lists say. Until it is called, every
// workspace is served.
func (s *Service) SetHome(team, enterprise string) {
	if team == "" && enterprise == "" {
		return
	}
	if h := s.home.Load(); h != nil && h.team == team && h.enterprise == enterprise {
		return
	}
	s.home.Store(&homeTeam{team: team, enterprise: enterprise})
}

// fromHome reports whether req comes from the bot's own workspace or
// Enterprise Grid organisation. With LASTACTIVE_ALLOWED_USERS empty,
// everyone means everyone there, not the people of another company in a
// Slack Connect channel.
func (s *Service) fromHome(ctx context.Context, req Request) bool {
	if req.TeamID == "" && req.EnterpriseID == "" {
		return true // not from Slack
	}
	h := s.home.Load()
	if h == nil && s.cfg.OwnWorkspaceOnly {
		h = s.learnHome(ctx)
	}
	if h == nil {
		if s.cfg.OwnWorkspaceOnly {
			// Slack would not say (an outage): refusing everyone would
			// not help, and the next credential check tries again.
			s.log.Warn("the bot's own workspace is not known yet (auth.test failed); serving the request")
		}
		return true
	}
	if h.enterprise != "" && (req.EnterpriseID == h.enterprise || req.TeamID == h.enterprise) {
		return true // a click's user.team_id is the organisation's in a Grid
	}
	if h.team != "" && req.TeamID == h.team {
		return true
	}
	team, enterprise := sanitize(req.TeamID, 24), sanitize(req.EnterpriseID, 24)
	if !s.cfg.OwnWorkspaceOnly {
		// Served, as before the check existed: a test's fake Slack, or a
		// proxy, may give auth.test and the payloads different teams.
		s.noteForeign(team, enterprise, sanitize(h.team, 24))
		return true
	}
	s.log.Warn("request from another workspace refused", "team", team, "enterprise", enterprise, "user", sanitize(req.UserID, 24))
	return false
}

// maxForeignLogged bounds the other workspaces remembered for their one
// log line.
const maxForeignLogged = 100

// noteForeign logs, once per workspace, a request from another workspace
// that is served because OwnWorkspaceOnly is off.
func (s *Service) noteForeign(team, enterprise, home string) {
	s.foreignMu.Lock()
	defer s.foreignMu.Unlock()
	key := team + "/" + enterprise
	if s.foreign[key] || len(s.foreign) >= maxForeignLogged {
		return
	}
	if s.foreign == nil {
		s.foreign = map[string]bool{}
	}
	s.foreign[key] = true
	s.log.Warn("request from another workspace served (LASTACTIVE_OWN_WORKSPACE_ONLY=true refuses it)",
		"team", team, "enterprise", enterprise, "home_team", home)
}

// homeRetry is how long after a failed Home call requests are served
// without asking again: an outage must not cost every command a call.
const homeRetry = 10 * time.Second

// learnHome asks Home for the bot's workspace, once at a time and at most
// every homeRetry while it fails, and returns it (nil when not known).
func (s *Service) learnHome(ctx context.Context) *homeTeam {
	if s.cfg.Home == nil {
		return nil
	}
	s.homeMu.Lock()
	defer s.homeMu.Unlock()
	if h := s.home.Load(); h != nil {
		return h // another request learnt it meanwhile
	}
	if !s.homeTried.IsZero() && time.Since(s.homeTried) < homeRetry {
		return nil
	}
	// Short: every command from Slack waits on it while it runs.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	team, enterprise, err := s.cfg.Home(ctx)
	if err == nil && team == "" && enterprise == "" {
		err = errors.New("auth.test named no workspace")
	}
	if err != nil {
		s.homeTried = time.Now()
		s.log.Warn("auth.test failed: the bot's own workspace is not known", "err", err)
		return nil
	}
	s.SetHome(team, enterprise)
	return s.home.Load()
}

// allowed is the Gate's answer for req, from the bot's own workspace only.
func (s *Service) allowed(ctx context.Context, req Request) bool {
	return s.cfg.Gate.Allowed(req.UserID, req.ChannelID) && s.fromHome(ctx, req)
}

// notAllowed is the refusal of req, which allowed refused.
func (s *Service) notAllowed(req Request) string {
	return s.cfg.Gate.refusal(req.UserID, req.ChannelID)
}

// ShareClaimer claims one Share across every process of the bot.
type ShareClaimer interface {
	// ClaimShare claims key for ttl. won is false when another claim of
	// key holds; release gives a won claim back. An error (the store
	// down) lets the Share go ahead: this process's own guard still holds.
	ClaimShare(ctx context.Context, key string, ttl time.Duration) (won bool, release func(), err error)
}

// NewService returns a Service. Lookups and Gate are required.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IdleDays <= 0 {
		cfg.IdleDays = DefaultIdleDays
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = DefaultProgressEvery
	}
	if cfg.StillLooking == 0 {
		cfg.StillLooking = 10 * time.Second
	}
	if cfg.LookupDeadline <= 0 {
		cfg.LookupDeadline = 30 * time.Second
	}
	if cfg.Buttons == nil {
		cfg.Buttons = NewButtonSigner(rand.Text(), 24*time.Hour, cfg.Now)
	}
	return &Service{cfg: cfg, log: cfg.Logger, reportSlots: make(chan struct{}, MaxReportsAtOnce)}
}

// maxParallelLookups bounds the upstream calls one command makes at once:
// Jira's user search has a tenant-wide limit shared with everyone.
const maxParallelLookups = 4

// Answer answers one command text. progress, when not nil, receives an
// interim message for slow commands (reports).
func (s *Service) Answer(ctx context.Context, req Request, progress func(Message)) (r Reply) {
	start := s.cfg.Now()
	defer func() { s.audit(req, r, start) }()

	if !s.allowed(ctx, req) {
		r := Reply{Kind: KindCommand, Outcome: OutcomeRefused,
			Message: RenderNoticeKind(NoticeRefused, s.notAllowed(req))}
		if cmd, err := ParseCommand(req.Text); err == nil {
			r.Targets, r.People = refusedAbout(cmd.Targets)
		}
		return r
	}
	cmd, err := ParseCommand(req.Text)
	if err != nil {
		if r, ok := s.refusedReportUsage(req, err); ok {
			return r
		}
		return Reply{Kind: KindCommand, Outcome: OutcomeUsage, Message: RenderUsage(err)}
	}
	switch cmd.Kind {
	case CmdHelp:
		return Reply{Kind: KindHelp, Outcome: OutcomeOK, Message: RenderHelp()}
	case CmdIdle:
		if !s.cfg.Gate.MayReport(req.UserID) {
			return Reply{Kind: KindIdle, Outcome: OutcomeRefused, Message: RenderIdleRefused()}
		}
		if s.cfg.Scanner == nil {
			return Reply{Kind: KindIdle, Outcome: OutcomeFailed, Message: RenderNoticeKind(NoticeNotSetUp, "Org-wide reports are not set up on this bot.")}
		}
		// idle takes the rate-limit token, once it knows this is no repeat.
		return s.idle(ctx, req, cmd, progress)
	case CmdAudit:
		return s.auditTrail(ctx, req, cmd)
	case CmdDigest:
		return s.digestCommand(ctx, req)
	case CmdExempt:
		return s.exempt(ctx, req, cmd)
	}
	return s.lookup(ctx, req, cmd.Targets, cmd.Fresh, View{Buttons: true, NotLookedUp: cmd.NotLookedUp, Skipped: cmd.Skipped}, progress)
}

// refusedReportUsage refuses a mistyped report-user command (idle, audit,
// digest, exempt) from someone who may not run it, as the command typed
// well would be: they are told they are not allowed before being taught
// its syntax, its limits or the product keys.
func (s *Service) refusedReportUsage(req Request, err error) (Reply, bool) {
	var ue *UsageError
	if !errors.As(err, &ue) || s.cfg.Gate.MayReport(req.UserID) {
		return Reply{}, false
	}
	switch ue.Form {
	case idleForm:
		return Reply{Kind: KindIdle, Outcome: OutcomeRefused, Message: RenderIdleRefused()}, true
	case digestForm:
		return Reply{Kind: KindDigest, Outcome: OutcomeRefused, Message: RenderIdleRefused()}, true
	case auditForm:
		return Reply{Kind: KindAudit, Outcome: OutcomeRefused, Message: RenderNoticeKind(NoticeRefused, auditRefusedText)}, true
	case exemptForm:
		return Reply{Kind: KindExempt, Outcome: OutcomeRefused, Message: RenderNoticeKind(NoticeRefused, exemptRefusedText)}, true
	}
	return Reply{}, false
}

// stillLookingText is the interim reply of a lookup Atlassian is slow with;
// stillLookingSlackText, of one still reading a mention's Slack profile;
// stillLookingBothText, of one waiting on both.
const (
	stillLookingText      = "Still looking: Atlassian is slow to answer right now. The answer will replace this message."
	stillLookingSlackText = "Still looking: Slack is slow to answer right now. The answer will replace this message."
	stillLookingBothText  = "Still looking: Slack and Atlassian are slow to answer right now. The answer will replace this message."
)

// lookup looks targets up and renders them; the caller has checked
// authorisation. view's Now, IdleDays, OrgID and Seal are filled in.
// progress, when not nil, gets one interim message if the answer takes
// longer than StillLooking; it has returned before lookup does.
func (s *Service) lookup(ctx context.Context, req Request, targets []Target, fresh bool, view View, progress func(Message)) Reply {
	keys := make([]string, len(targets))
	for i, t := range targets {
		keys[i] = targetKey(t)
	}
	if ok, wait := s.cfg.Gate.TakeLookup(req.UserID, keys, fresh); !ok {
		// Nobody is looked up, but the attempt is in the trail of whom it
		// asked about, as a refusal's is (refusedAbout).
		r := Reply{Kind: KindLookup, Outcome: OutcomeRateLimited, Message: RenderNoticeKind(NoticeRateLimited, tryAgain(wait))}
		r.Targets, r.People = refusedAbout(targets)
		return r
	}
	sites := s.sitesAsync(ctx)
	// One deadline for the whole command: people still waiting for a turn
	// when it passes are not started, and everyone unanswered by then is
	// reported as too slow.
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LookupDeadline)
	defer cancel()
	var mu sync.Mutex
	finished := false
	// waiting counts the people not answered yet, onSlack those of them
	// whose email is still being read from Slack (a mention): the interim
	// names what is slow.
	var waiting, onSlack atomic.Int32
	waiting.Store(int32(len(targets)))
	for _, t := range targets {
		if t.UserID != "" {
			onSlack.Add(1)
		}
	}
	if progress != nil && s.cfg.StillLooking > 0 {
		t := time.AfterFunc(s.cfg.StillLooking, func() {
			mu.Lock()
			defer mu.Unlock()
			if !finished {
				text := stillLookingText
				if n := onSlack.Load(); n > 0 && n >= waiting.Load() {
					text = stillLookingSlackText
				} else if n > 0 {
					text = stillLookingBothText
				}
				progress(RenderNoticeKind(NoticeStillLooking, text))
			}
		})
		defer t.Stop()
	}

	people := make([]Person, len(targets))
	if len(targets) == 1 {
		// Most commands ask about one person: no goroutine, no semaphore.
		// A deadline already passed gets what a person still waiting for a
		// turn gets below, and costs no call.
		t := targets[0]
		if err := ctx.Err(); err != nil {
			people[0] = Person{Query: NormaliseEmail(t.Email), UserID: t.UserID, Err: err}
		} else {
			people[0] = s.person(ctx, t, fresh, &onSlack)
		}
	} else {
		sem := make(chan struct{}, maxParallelLookups)
		var wg sync.WaitGroup
		for i, t := range targets {
			wg.Go(func() {
				defer func() {
					if r := recover(); r != nil {
						people[i] = Person{Query: NormaliseEmail(t.Email), UserID: t.UserID, Err: recovered.Log(s.log, "lookup", r)}
					}
				}()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					people[i] = Person{Query: NormaliseEmail(t.Email), UserID: t.UserID, Err: ctx.Err()}
					return
				}
				defer func() { <-sem }()
				// The select picks either when a turn is free and the
				// deadline has passed: past it, no one is started.
				if err := ctx.Err(); err != nil {
					people[i] = Person{Query: NormaliseEmail(t.Email), UserID: t.UserID, Err: err}
					return
				}
				people[i] = s.person(ctx, t, fresh, &onSlack)
				waiting.Add(-1)
			})
		}
		wg.Wait()
	}
	// An interim message being posted now is waited for, so that the
	// answer always comes after it (and replaces it).
	mu.Lock()
	finished = true
	mu.Unlock()
	// Only an answer is cached for the Gate's window (not found for a
	// minute, a failure not at all): asking again about a person who was
	// not answered goes upstream again, so it pays again.
	var failedKeys []string
	for i, p := range people {
		if p.Err != nil {
			failedKeys = append(failedKeys, keys[i])
		}
	}
	if len(failedKeys) > 0 {
		s.cfg.Gate.Forget(req.UserID, failedKeys)
	}
	// A mention answered was paid for by its Slack user ID; the email it
	// was found to have is the same person, its answer now cached: asked
	// by that email (the answer's Share, the address typed) it is a repeat.
	var found []string
	for i, p := range people {
		if targets[i].UserID != "" && p.Err == nil && p.Query != "" {
			found = append(found, NormaliseEmail(p.Query))
		}
	}
	if len(found) > 0 {
		s.cfg.Gate.Remember(req.UserID, found)
	}
	people = distinctPeople(people)

	r := Reply{Kind: KindLookup, People: people}
	failed := 0
	for _, p := range people {
		r.Targets = append(r.Targets, p.Query)
		if p.Cached {
			r.CacheHits++
		}
		if p.Err != nil {
			failed++
		}
	}
	switch {
	case failed == 0:
		r.Outcome = OutcomeOK
	case failed == len(people):
		r.Outcome = OutcomeFailed
	default:
		r.Outcome = OutcomePartial
	}
	view.Now = s.cfg.Now()
	view.IdleDays = s.cfg.IdleDays
	view.OrgID = s.cfg.OrgID
	view.Sites = sites()
	view.Seal = s.cfg.Buttons.Sign
	r.Message = RenderLookup(people, view)
	return r
}

// targetKey names t for the Gate: its normalised email, or for a mention
// the Slack user ID (which holds no "@", so it is never an email's key).
func targetKey(t Target) string {
	if t.UserID != "" {
		return t.UserID
	}
	return NormaliseEmail(t.Email)
}

// distinctPeople drops a person met again under another name: a mention
// whose Slack profile has an email the command also names (or a second
// mention of it) is one answer, not the same section twice. The first
// place is kept, with the first answer that did not fail.
func distinctPeople(people []Person) []Person {
	at := make(map[string]int, len(people))
	out := people[:0]
	for _, p := range people {
		if p.Query == "" {
			out = append(out, p)
			continue
		}
		if i, ok := at[p.Query]; ok {
			if out[i].Err != nil && p.Err == nil {
				p.UserID = out[i].UserID
				out[i] = p
			}
			continue
		}
		at[p.Query] = len(out)
		out = append(out, p)
	}
	return out
}

func (s *Service) person(ctx context.Context, t Target, fresh bool, onSlack *atomic.Int32) Person {
	email := t.Email
	if t.UserID != "" {
		if s.cfg.Users == nil {
			onSlack.Add(-1)
			return Person{UserID: t.UserID, Err: ErrSlackUserNoEmail}
		}
		// --fresh reads the profile again: the email may have changed.
		var e string
		var err error
		if fu, ok := s.cfg.Users.(FreshUserDirectory); ok && fresh {
			e, err = fu.FreshEmailOf(ctx, t.UserID)
		} else {
			e, err = s.cfg.Users.EmailOf(ctx, t.UserID)
		}
		onSlack.Add(-1) // Slack has answered (or not): what follows waits on Atlassian
		if err != nil {
			// The error keeps its kind: a refused token or a Slack outage
			// is not "this person has no email". That one (a mention of a
			// bot, or of nobody) is the asker's to fix, and the reply and
			// the audit line say so: no warning for the operator.
			level := slog.LevelWarn
			if errors.Is(err, ErrSlackUserNoEmail) {
				level = slog.LevelDebug
			}
			s.log.Log(ctx, level, "resolve slack user", "user", t.UserID, "err", err)
			return Person{UserID: t.UserID, Err: err}
		}
		email = e
	}
	p := s.cfg.Lookups.Lookup(ctx, email, fresh)
	p.UserID = t.UserID
	if upstreamFault(p.Err) {
		// The reply words it for the asker; the operator needs which API,
		// path and status (the error's text, which never holds a secret).
		s.log.WarnContext(ctx, "atlassian lookup failed", "err", p.Err)
	}
	return p
}

// takeReport takes one token from the requester's bucket for a report (an
// org scan, a file to their direct messages): like a lookup, it is refused
// at no upstream cost once the bucket is empty. limited says it was.
func (s *Service) takeReport(req Request, kind ReplyKind) (r Reply, limited bool) {
	if ok, wait := s.cfg.Gate.Take(req.UserID, 1); !ok {
		return Reply{Kind: kind, Outcome: OutcomeRateLimited, Message: RenderNoticeKind(NoticeRateLimited, reportTryAgain(wait))}, true
	}
	return Reply{}, false
}

// tryAgain is a rate-limited lookup's words.
func tryAgain(wait time.Duration) string {
	return "You have asked about many people in a short time. " + tryAgainIn(wait)
}

// reportTryAgain is a rate-limited report's (idle, digest, Full list,
// Scan now): it asked about nobody, and "many people" sent its asker
// looking for lookups they never made; a report spends the allowance
// lookups spend (TestRateLimitedReportSaysReports).
func reportTryAgain(wait time.Duration) string {
	return "You have asked for many reports and lookups in a short time (they share one limit). " + tryAgainIn(wait)
}

func tryAgainIn(wait time.Duration) string {
	if wait <= 0 || wait > 24*time.Hour {
		return "Try again later."
	}
	return fmt.Sprintf("Try again in %d s.", int(math.Ceil(wait.Seconds())))
}

// audit writes the one line an auditor needs: who asked about whom, where,
// with what outcome. It never holds a token.
// With an AuditSink, the event is also stored; the sink then writes the
// line, saying whether it was stored (audit_stored).
func (s *Service) audit(req Request, r Reply, start time.Time) { s.auditAs("", req, r, start) }

// Undelivered records that the answer r to the command req never reached
// Slack: the trail said "ok" for it, and the person asking saw nothing.
// Only what the trail records (lookups, reports…) is recorded again.
func (s *Service) Undelivered(req Request, r Reply) { s.UndeliveredAs("", req, r) }

// UndeliveredAs is Undelivered for an answer audited under action (""
// for the one its reply kind implies).
func (s *Service) UndeliveredAs(action AuditAction, req Request, r Reply) {
	s.unclaimShare(r.shareKey)
	// Whatever each person's lookup gave, nobody saw it.
	s.auditPost(action, req, r, OutcomeUndelivered, "the reply could not be posted to Slack")
}

// UnconfirmedAs records that the answer r to req, audited under action
// ("" for the one its reply kind implies), was sent whole to Slack but
// Slack's answer was lost (ErrReplyUnconfirmed): it may have been shown,
// and was not posted again. A Share's claim is kept: it may be in the
// channel, and a second click must not post it there again.
func (s *Service) UnconfirmedAs(action AuditAction, req Request, r Reply) {
	s.settleShare(r.shareKey, shareUnconfirmed)
	s.auditPost(action, req, r, OutcomeUnconfirmed, "the reply was sent, but Slack's answer was lost: it may or may not have been shown")
}

// NotPostedAs records the answer r to req, audited under action, whose
// post failed with err: UnconfirmedAs when Slack may have shown it
// (ErrReplyUnconfirmed), UndeliveredAs otherwise, and undelivered with
// its own reason when the "restarting" notice went in its place.
func (s *Service) NotPostedAs(action AuditAction, req Request, r Reply, err error) {
	switch {
	case errors.Is(err, errAnswerReplaced):
		// Not posted at all: the notice went in its place.
		s.unclaimShare(r.shareKey)
		s.auditPost(action, req, r, OutcomeUndelivered, "not sent: the bot was stopping, and a restarting notice was posted in its place")
	case errors.Is(err, ErrReplyUnconfirmed):
		s.UnconfirmedAs(action, req, r)
	default:
		s.UndeliveredAs(action, req, r)
	}
}

// auditPost audits again, as outcome with why in its detail, an answer
// whose post did not go as it should. The entry keeps no person's own
// outcome: the lookup's answer is not what they saw.
func (s *Service) auditPost(action AuditAction, req Request, r Reply, outcome Outcome, why string) {
	now := s.cfg.Now()
	e := auditEvent(action, req, r, now, now)
	if e.Action == "" {
		return
	}
	e.Outcome, e.People = outcome, nil
	if e.Detail != "" {
		e.Detail += " · "
	}
	e.Detail += why
	if (s.cfg.Audit == nil || !s.cfg.Audit.Record(e)) && s.logsInfo() {
		s.log.Info("audit", append(e.LogAttrs(), "audit_stored", false)...)
	}
}

// logsInfo reports whether Info lines are written: an audit line's
// arguments are boxed only then, not for every command at level warn.
func (s *Service) logsInfo() bool { return s.log.Enabled(context.Background(), slog.LevelInfo) }

func (s *Service) auditAs(action AuditAction, req Request, r Reply, start time.Time) {
	s.cfg.Metrics.Command(string(r.Kind), string(r.Outcome))
	e := auditEvent(action, req, r, start, s.cfg.Now())
	if s.cfg.Audit == nil || e.Action == "" {
		if s.logsInfo() {
			s.log.Info("audit", e.LogAttrs()...)
		}
		return
	}
	if !s.cfg.Audit.Record(e) && s.logsInfo() {
		s.log.Info("audit", append(e.LogAttrs(), "audit_stored", false)...)
	}
}

// shareWindow is how long a Share button, once posted in a channel, is
// answered "shared already" there: a double click is two envelopes.
const shareWindow = time.Minute

// shareState is what became of a claimed Share, as far as this process
// knows: what a second click within shareWindow is told, and its entry.
type shareState int

const (
	// sharePosting: claimed, its lookup or its post still under way (it
	// may yet fail, and the claim be given back).
	sharePosting shareState = iota
	// sharePosted: Slack confirmed the post (Posted).
	sharePosted
	// shareUnconfirmed: sent whole, Slack's answer lost (UnconfirmedAs): it
	// may or may not be in the channel.
	shareUnconfirmed
	// shareElsewhere: another replica holds the claim; what became of
	// its Share is not known here.
	shareElsewhere
)

// shareClaim is one claim of a Share: when it was taken, and what became
// of it.
type shareClaim struct {
	at    time.Time
	state shareState
}

// Posted records that Slack confirmed the post of r: a Share's claim then
// says it was shared. Any other reply is left as it is.
func (s *Service) Posted(r Reply) { s.settleShare(r.shareKey, sharePosted) }

// settleShare records what became of the Share claimed under key, if its
// claim is still held.
func (s *Service) settleShare(key string, st shareState) {
	if key == "" {
		return
	}
	s.shareMu.Lock()
	defer s.shareMu.Unlock()
	if c, ok := s.shared[key]; ok {
		c.state = st
		s.shared[key] = c
	}
}

// maxShareClaims bounds the claims kept; past it, expired ones are dropped.
const maxShareClaims = 10_000

// claimShare claims user's Share of button value in channel; false when it
// was claimed less than shareWindow ago (a second click, or one in
// flight), with what became of that claim's Share. The key, to give the
// claim back, is returned. The user is part of it: two people who asked
// about one person in the same second hold buttons of the same value, and
// each may share.
func (s *Service) claimShare(ctx context.Context, channel, user, value string) (string, bool, shareState) {
	sum := sha256.Sum256([]byte(channel + "\x00" + user + "\x00" + value))
	key := string(sum[:16])
	now := s.cfg.Now()
	s.shareMu.Lock()
	defer s.shareMu.Unlock()
	if c, ok := s.shared[key]; ok && now.Sub(c.at) < shareWindow && now.Sub(c.at) > -shareWindow {
		return key, false, c.state
	}
	if s.shared == nil {
		s.shared = map[string]shareClaim{}
	}
	if len(s.shared) >= maxShareClaims {
		for k, c := range s.shared {
			if now.Sub(c.at) >= shareWindow || now.Sub(c.at) <= -shareWindow {
				delete(s.shared, k)
			}
		}
	}
	if len(s.shared) < maxShareClaims {
		s.shared[key] = shareClaim{at: now}
	}
	if s.cfg.ShareClaims == nil {
		return key, true, sharePosting
	}
	// Across processes: the other envelope of a double click may have
	// gone to another replica. Asked holding shareMu, which orders this
	// process's clicks; the claim's deadline bounds the wait.
	cctx, cancel := context.WithTimeout(ctx, shareClaimTimeout)
	defer cancel()
	won, release, err := s.cfg.ShareClaims.ClaimShare(cctx, fmt.Sprintf("%x", key), shareWindow)
	switch {
	case err != nil:
		s.log.Warn("Share not claimed across replicas; this process's guard only", "err", err)
	case !won:
		// Another process holds it: its claim, given back if its Share
		// fails, is the one that counts.
		delete(s.shared, key)
		return key, false, shareElsewhere
	case release != nil:
		if s.unshared == nil {
			s.unshared = map[string]func(){}
		}
		if len(s.unshared) >= maxShareClaims {
			clear(s.unshared) // the oldest are long expired in the store
		}
		s.unshared[key] = release
	}
	return key, true, sharePosting
}

// shareClaimTimeout bounds the claim of a Share in the store: a slow
// database costs a double click's guard across replicas, not the Share.
const shareClaimTimeout = 500 * time.Millisecond

// unclaimShare gives a claim back: the Share was not posted.
func (s *Service) unclaimShare(key string) {
	if key == "" {
		return
	}
	s.shareMu.Lock()
	delete(s.shared, key)
	release := s.unshared[key]
	delete(s.unshared, key)
	s.shareMu.Unlock()
	if release != nil {
		release()
	}
}

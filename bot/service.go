package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// UserDirectory turns a Slack user ID into the email on their profile.
type UserDirectory interface {
	EmailOf(ctx context.Context, userID string) (string, error)
}

// SlackUsers is the UserDirectory backed by the Slack Web API (users.info,
// scope users:read.email).
type SlackUsers struct{ API *slack.Client }

// EmailOf implements UserDirectory.
func (s SlackUsers) EmailOf(ctx context.Context, userID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, err := s.API.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("slack users.info: %w", err)
	}
	if u.Deleted || u.IsBot || u.Profile.Email == "" {
		return "", ErrSlackUserNoEmail
	}
	return u.Profile.Email, nil
}

// Request is one question to the bot, however it arrived.
type Request struct {
	UserID    string
	ChannelID string
	Text      string
}

// Reply is the bot's answer, ready to post, plus what the audit log needs.
type Reply struct {
	Message Message
	// Kind is "help", "lookup", "idle", "usage" or "refused".
	Kind string
	// Outcome is "ok", "partial" (some people failed), "failed", "usage",
	// "refused" or "rate_limited".
	Outcome   string
	Targets   []string // emails asked about, for the audit line
	CacheHits int
	People    []Person
}

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
	// Files sends a report's CSV; nil: the summary says files are not set up.
	Files FileSender
	// Buttons seals Share/Refresh button values. Nil: a signer with a
	// random key (buttons then only work on this process).
	Buttons *ButtonSigner
	// Audit stores each audit event; nil: the audit line goes to the log only.
	Audit AuditSink
	// AuditTrail reads the stored trail for "audit EMAIL"; nil: not kept.
	AuditTrail AuditTrail
}

// Service answers requests: authorisation, parsing, lookups, rendering, and
// the audit line. It knows nothing of how the request arrived, so the Slack
// bot, the demo and the CLI share it.
type Service struct {
	cfg ServiceConfig
	log *slog.Logger
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
	if cfg.Buttons == nil {
		cfg.Buttons = NewButtonSigner(rand.Text(), 24*time.Hour, cfg.Now)
	}
	return &Service{cfg: cfg, log: cfg.Logger}
}

// maxParallelLookups bounds the upstream calls one command makes at once:
// Jira's user search has a tenant-wide limit shared with everyone.
const maxParallelLookups = 4

// Answer answers one command text. progress, when not nil, receives an
// interim message for slow commands (reports).
func (s *Service) Answer(ctx context.Context, req Request, progress func(Message)) (r Reply) {
	start := s.cfg.Now()
	defer func() { s.audit(req, r, start) }()

	if !s.cfg.Gate.Allowed(req.UserID, req.ChannelID) {
		return Reply{Kind: "refused", Outcome: "refused",
			Message: RenderNotice("You are not allowed to use /lastactive here. Ask your Slack admin if you need it.")}
	}
	cmd, err := ParseCommand(req.Text)
	if err != nil {
		return Reply{Kind: "usage", Outcome: "usage", Message: RenderUsage(err)}
	}
	switch cmd.Kind {
	case CmdHelp:
		return Reply{Kind: "help", Outcome: "ok", Message: RenderHelp()}
	case CmdIdle:
		if !s.cfg.Gate.MayReport(req.UserID) {
			return Reply{Kind: "idle", Outcome: "refused",
				Message: RenderNotice("Org-wide reports are only for the people your Slack admin listed in LASTACTIVE_REPORT_USERS.")}
		}
		if s.cfg.Scanner == nil {
			return Reply{Kind: "idle", Outcome: "failed", Message: RenderNotice("Org-wide reports are not set up on this bot.")}
		}
		return s.idle(ctx, req, cmd, progress)
	case CmdAudit:
		return s.auditTrail(ctx, req, cmd)
	}
	return s.lookup(ctx, req, cmd.Targets, cmd.Fresh, View{Buttons: true})
}

// Lookup answers a lookup of targets directly (buttons use it: the command
// text is not re-parsed). view's Now, IdleDays and OrgID are filled in.
func (s *Service) Lookup(ctx context.Context, req Request, targets []Target, fresh bool, view View) Reply {
	start := s.cfg.Now()
	var r Reply
	if !s.cfg.Gate.Allowed(req.UserID, req.ChannelID) {
		r = Reply{Kind: "lookup", Outcome: "refused",
			Message: RenderNotice("You are not allowed to use /lastactive here. Ask your Slack admin if you need it.")}
	} else {
		r = s.lookup(ctx, req, targets, fresh, view)
	}
	s.auditAs(lookupAction(view, fresh), req, r, start)
	return r
}

func (s *Service) lookup(ctx context.Context, req Request, targets []Target, fresh bool, view View) Reply {
	if ok, wait := s.cfg.Gate.Take(req.UserID, len(targets)); !ok {
		return Reply{Kind: "lookup", Outcome: "rate_limited", Message: RenderNotice(tryAgain(wait))}
	}
	people := make([]Person, len(targets))
	sem := make(chan struct{}, maxParallelLookups)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			people[i] = s.person(ctx, t, fresh)
		})
	}
	wg.Wait()

	r := Reply{Kind: "lookup", People: people}
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
		r.Outcome = "ok"
	case failed == len(people):
		r.Outcome = "failed"
	default:
		r.Outcome = "partial"
	}
	view.Now = s.cfg.Now()
	view.IdleDays = s.cfg.IdleDays
	view.OrgID = s.cfg.OrgID
	r.Message = RenderLookup(people, view)
	s.cfg.Buttons.sealButtons(&r.Message)
	return r
}

func (s *Service) person(ctx context.Context, t Target, fresh bool) Person {
	email := t.Email
	if t.UserID != "" {
		if s.cfg.Users == nil {
			return Person{UserID: t.UserID, Err: ErrSlackUserNoEmail}
		}
		e, err := s.cfg.Users.EmailOf(ctx, t.UserID)
		if err != nil {
			s.log.Warn("resolve slack user", "user", t.UserID, "err", err)
			if !errors.Is(err, ErrSlackUserNoEmail) {
				err = fmt.Errorf("%w: %w", ErrSlackUserNoEmail, err)
			}
			return Person{UserID: t.UserID, Err: err}
		}
		email = e
	}
	p := s.cfg.Lookups.Lookup(ctx, email, fresh)
	p.UserID = t.UserID
	return p
}

func tryAgain(wait time.Duration) string {
	if wait <= 0 || wait > 24*time.Hour {
		return "You have asked about many people in a short time. Try again later."
	}
	secs := int(math.Ceil(wait.Seconds()))
	return fmt.Sprintf("You have asked about many people in a short time. Try again in %d s.", secs)
}

// audit writes the one line an auditor needs: who asked about whom, where,
// with what outcome. It never holds a token.
// With an AuditSink, the event is also stored; the sink then writes the
// line, saying whether it was stored (audit_stored).
func (s *Service) audit(req Request, r Reply, start time.Time) { s.auditAs("", req, r, start) }

func (s *Service) auditAs(action AuditAction, req Request, r Reply, start time.Time) {
	s.cfg.Metrics.Command(r.Kind, r.Outcome)
	e := auditEvent(action, req, r, start, s.cfg.Now())
	if s.cfg.Audit == nil || e.Action == "" {
		s.log.Info("audit", e.LogAttrs()...)
		return
	}
	if !s.cfg.Audit.Record(e) {
		s.log.Info("audit", append(e.LogAttrs(), "audit_stored", false)...)
	}
}

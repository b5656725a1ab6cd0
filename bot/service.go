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
	if cfg.StillLooking == 0 {
		cfg.StillLooking = 10 * time.Second
	}
	if cfg.LookupDeadline <= 0 {
		cfg.LookupDeadline = 30 * time.Second
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
	}
	return s.lookup(ctx, req, cmd.Targets, cmd.Fresh, View{Buttons: true}, progress)
}

// stillLookingText is the interim reply of a lookup Atlassian is slow with.
const stillLookingText = "Still looking: Atlassian is slow to answer right now. The answer will replace this message."

// lookup looks targets up and renders them; the caller has checked
// authorisation. view's Now, IdleDays, OrgID and Seal are filled in.
// progress, when not nil, gets one interim message if the answer takes
// longer than StillLooking; it has returned before lookup does.
func (s *Service) lookup(ctx context.Context, req Request, targets []Target, fresh bool, view View, progress func(Message)) Reply {
	if ok, wait := s.cfg.Gate.Take(req.UserID, len(targets)); !ok {
		return Reply{Kind: "lookup", Outcome: "rate_limited", Message: RenderNotice(tryAgain(wait))}
	}
	// One deadline for the whole command: people still waiting for a turn
	// when it passes are not started, and everyone unanswered by then is
	// reported as too slow.
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LookupDeadline)
	defer cancel()
	var mu sync.Mutex
	finished := false
	if progress != nil && s.cfg.StillLooking > 0 {
		t := time.AfterFunc(s.cfg.StillLooking, func() {
			mu.Lock()
			defer mu.Unlock()
			if !finished {
				progress(RenderNotice(stillLookingText))
			}
		})
		defer t.Stop()
	}

	people := make([]Person, len(targets))
	sem := make(chan struct{}, maxParallelLookups)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				people[i] = Person{Query: NormaliseEmail(t.Email), UserID: t.UserID, Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			people[i] = s.person(ctx, t, fresh)
		})
	}
	wg.Wait()
	// An interim message being posted now is waited for, so that the
	// answer always comes after it (and replaces it).
	mu.Lock()
	finished = true
	mu.Unlock()

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
	view.Seal = s.cfg.Buttons.Sign
	r.Message = RenderLookup(people, view)
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
func (s *Service) audit(req Request, r Reply, start time.Time) {
	s.cfg.Metrics.Command(r.Kind, r.Outcome)
	s.log.Info("audit",
		"requester", req.UserID,
		"channel", req.ChannelID,
		"kind", r.Kind,
		"targets", r.Targets,
		"outcome", r.Outcome,
		"cache_hits", r.CacheHits,
		"duration_ms", s.cfg.Now().Sub(start).Milliseconds(),
	)
}

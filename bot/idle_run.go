package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// OrgDirectory lists the organisation's accounts with their product access.
// *atlassian.Client satisfies it.
type OrgDirectory interface {
	OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error]
}

// FileSender delivers a file privately to a Slack user.
type FileSender interface {
	SendFile(ctx context.Context, userID string, f File) error
}

// File is a file for a person's direct messages.
type File struct {
	Name, Title, Comment string
	Content              []byte
}

// SlackFiles is the FileSender backed by the Slack Web API: conversations.open
// for the direct message channel (scope im:write), then the two-step upload
// files.getUploadURLExternal and files.completeUploadExternal (files:write).
type SlackFiles struct{ API *slack.Client }

// SendFile implements FileSender.
func (s SlackFiles) SendFile(ctx context.Context, userID string, f File) error {
	// A CSV of 100,000 rows is a few MiB: a minute is ample.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ch, _, _, err := s.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err != nil {
		return fmt.Errorf("slack conversations.open: %w", err)
	}
	_, err = s.API.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename:       f.Name,
		Title:          f.Title,
		InitialComment: f.Comment,
		Reader:         bytes.NewReader(f.Content),
		FileSize:       len(f.Content),
		Channel:        ch.ID,
	})
	if err != nil {
		return fmt.Errorf("slack file upload: %w", err)
	}
	return nil
}

// ReportsConfig configures Reports. Dir is required.
type ReportsConfig struct {
	Dir OrgDirectory
	// Files sends the CSV; nil: the summary says files are not set up.
	Files    FileSender
	Prices   map[string]float64
	IdleDays int // default days when the command names none; 0 means DefaultIdleDays
	// TTL is how long a finished scan is reused (LASTACTIVE_CACHE_TTL); 0
	// scans afresh for every report not joining one in flight.
	TTL time.Duration
	// Timeout bounds one scan. Default 30 min: 100,000 accounts at the
	// default Admin API pace take under 6.
	Timeout time.Duration
	// OnProgress, when set, is told how many accounts a scan has read, after
	// every page. It runs on the scan's goroutine and must be quick.
	OnProgress func(accounts int)
	Now        func() time.Time
	Logger     *slog.Logger
}

// Reports runs org-wide idle reports. Reports share scans of the
// organisation: one in flight serves every report that asks meanwhile,
// whatever its days and products (they only change the counting), and a
// finished one is reused for TTL. A scan runs on a goroutine of its own,
// detached from any one caller, and stops when the last caller waiting for
// it gives up, or on Close.
type Reports struct {
	cfg  ReportsConfig
	log  *slog.Logger
	base context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	cur    *scan // the scan in flight, or the last good one; nil when none
	closed bool
}

var _ ReportRunner = (*Reports)(nil)

// scan is one read of the whole organisation.
type scan struct {
	done   chan struct{} // closed when users, err and at are set
	cancel context.CancelFunc
	// Guarded by Reports.mu.
	waiters  int
	finished bool

	users []atlassian.OrgUser
	err   error
	at    time.Time
}

// ErrReportsClosed is returned for reports asked for after Close.
var ErrReportsClosed = errors.New("reports: shutting down")

// NewReports returns Reports for cfg. Call Close when done.
func NewReports(cfg ReportsConfig) *Reports {
	if cfg.IdleDays <= 0 {
		cfg.IdleDays = DefaultIdleDays
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	base, stop := context.WithCancel(context.Background())
	return &Reports{cfg: cfg, log: cfg.Logger, base: base, stop: stop}
}

// Close cancels any scan in flight and waits for it to end. Reports asked
// for afterwards fail with ErrReportsClosed.
func (r *Reports) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	r.wg.Wait()
}

// Report builds the report for o from a shared or cached scan, starting
// one if needed (always, with fresh, unless one is in flight). waiting,
// when set, is called once before the caller has to wait for a scan.
// o.Now defaults to the clock.
func (r *Reports) Report(ctx context.Context, o IdleOptions, fresh bool, waiting func()) (*IdleReport, error) {
	s, ready, err := r.join(fresh)
	if err != nil {
		return nil, err
	}
	if !ready {
		if waiting != nil {
			waiting()
		}
		select {
		case <-s.done:
			r.leave(s)
		case <-ctx.Done():
			r.leave(s)
			return nil, ctx.Err()
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	if o.Now.IsZero() {
		o.Now = r.cfg.Now()
	}
	if o.Prices == nil {
		o.Prices = r.cfg.Prices
	}
	rep := BuildIdleReport(s.users, o)
	rep.ReadAt = s.at
	return rep, nil
}

// join returns the scan to use, and whether it has finished already. An
// unfinished scan counts the caller as waiting until leave.
func (r *Reports) join(fresh bool) (*scan, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, false, ErrReportsClosed
	}
	s := r.cur
	if s != nil && s.finished && (fresh || r.cfg.TTL <= 0 || r.cfg.Now().Sub(s.at) >= r.cfg.TTL) {
		s = nil
	}
	if s == nil {
		ctx, cancel := context.WithTimeout(r.base, r.cfg.Timeout)
		s = &scan{done: make(chan struct{}), cancel: cancel}
		r.cur = s
		r.wg.Go(func() { r.run(ctx, s) })
	}
	if s.finished {
		return s, true, nil
	}
	s.waiters++
	return s, false, nil
}

// leave ends a caller's wait; the last one to leave an unfinished scan
// stops it, as nobody would read its result.
func (r *Reports) leave(s *scan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.waiters--
	if s.waiters == 0 && !s.finished {
		s.cancel()
		if r.cur == s {
			r.cur = nil
		}
	}
}

func (r *Reports) run(ctx context.Context, s *scan) {
	defer s.cancel()
	start := time.Now()
	var users []atlassian.OrgUser
	var err error
	for u, e := range r.cfg.Dir.OrgUsers(ctx, atlassian.UserQuery{}) {
		if e != nil {
			err = e
			break
		}
		users = append(users, u)
		if r.cfg.OnProgress != nil && len(users)%100 == 0 {
			r.cfg.OnProgress(len(users))
		}
	}
	if err == nil && r.cfg.OnProgress != nil {
		r.cfg.OnProgress(len(users))
	}
	if err != nil {
		r.log.Warn("idle report scan failed", "accounts_read", len(users), "duration", time.Since(start), "err", err)
	} else {
		r.log.Info("idle report scan finished", "accounts", len(users), "duration", time.Since(start))
	}

	r.mu.Lock()
	s.users, s.err, s.at, s.finished = users, err, r.cfg.Now(), true
	if (err != nil || r.cfg.TTL <= 0) && r.cur == s {
		// Failures are never reused: a bad minute upstream is not an hour's answer.
		r.cur = nil
	}
	r.mu.Unlock()
	close(s.done)
}

// Idle implements ReportRunner: a progress message while the organisation
// is read, then the summary, with the CSV sent to the requester's direct
// messages first so the summary can say where it went. It uses two posts
// of the response_url at most (Slack allows five).
func (r *Reports) Idle(ctx context.Context, req Request, cmd Command, progress func(Message)) Reply {
	days := cmd.IdleDays
	if days <= 0 {
		days = r.cfg.IdleDays
	}
	reply := Reply{Kind: "idle", Targets: cmd.Products}
	rep, err := r.Report(ctx, IdleOptions{Days: days, Products: cmd.Products}, cmd.Fresh, func() {
		if progress != nil {
			progress(RenderIdleProgress(days))
		}
	})
	if err != nil {
		reply.Outcome = "failed"
		if errors.Is(err, atlassian.ErrRateLimited) {
			reply.Outcome = "rate_limited"
		}
		r.log.Warn("idle report failed", "requester", req.UserID, "err", err)
		reply.Message = RenderIdleError(err)
		return reply
	}

	d := r.deliver(ctx, req.UserID, rep)
	reply.Outcome = "ok"
	if d.Err != nil || d.Off {
		reply.Outcome = "partial"
	}
	reply.Message = RenderIdleReport(rep, d)
	return reply
}

// deliver sends the report's CSV to userID's direct messages, never to the
// channel: it lists every person in the organisation.
func (r *Reports) deliver(ctx context.Context, userID string, rep *IdleReport) Delivery {
	d := Delivery{File: IdleCSVName(rep), Rows: len(rep.Rows)}
	if r.cfg.Files == nil {
		d.Off = true
		return d
	}
	var buf bytes.Buffer
	if err := WriteIdleCSV(&buf, rep); err != nil {
		d.Err = err
		return d
	}
	f := File{
		Name:    d.File,
		Title:   fmt.Sprintf("Idle seats: not used for %d days (%s)", rep.Days, rep.Now.UTC().Format(time.DateOnly)),
		Comment: fmt.Sprintf("The full list of your /lastactive idle report: %d rows, one per person and product.", len(rep.Rows)),
		Content: buf.Bytes(),
	}
	if err := r.cfg.Files.SendFile(ctx, userID, f); err != nil {
		r.log.Error("idle report: CSV not delivered", "requester", userID, "err", err)
		d.Err = err
	}
	return d
}

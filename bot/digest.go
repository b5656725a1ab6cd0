package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/seat"
)

// DigestSource builds digests and reads the stored history.
// *digest.Builder satisfies it.
type DigestSource interface {
	Build(ctx context.Context) (*digest.Digest, error)
	// MarkPosted records that d reached its channel: the next digest's
	// change is against it.
	MarkPosted(ctx context.Context, d *digest.Digest) error
	// History is the stored snapshots, oldest first; none is not an error.
	History(ctx context.Context) ([]state.Snapshot, error)
}

// ImageUploader uploads an image without sharing it, for image blocks.
// SlackFiles satisfies it.
type ImageUploader interface {
	UploadImage(ctx context.Context, f File) (fileID string, err error)
}

// ChannelPoster posts a message to a channel. SlackChat satisfies it.
type ChannelPoster interface {
	PostMessage(ctx context.Context, channel string, m Message) error
}

// HomePublisher publishes a user's App Home. SlackViews satisfies it.
type HomePublisher interface {
	PublishHome(ctx context.Context, userID string, v slack.HomeTabViewRequest) error
}

// DigestConfig configures Digests. Source is required; without Images the
// digest has no chart, without Poster it cannot be posted, without Home no
// App Home is published.
type DigestConfig struct {
	Source  DigestSource
	Channel string // LASTACTIVE_DIGEST_CHANNEL
	Images  ImageUploader
	Poster  ChannelPoster
	Home    HomePublisher
	Logger  *slog.Logger
}

// ErrNoDigestChannel is returned by Post when no channel is configured.
var ErrNoDigestChannel = errors.New("digest: LASTACTIVE_DIGEST_CHANNEL is not set")

// Digests makes, posts and shows the seat digest and the App Home.
type Digests struct {
	cfg DigestConfig
	log *slog.Logger

	mu      sync.Mutex
	charts  map[string]string       // snapshot time (RFC 3339, ns) of the newest drawn → uploaded file ID
	drawing map[string]*chartFlight // the same key → the chart being drawn and uploaded now
	turns   map[string]*homeTurn    // user ID → their Home tab being drawn and published now
}

// homeTurn lets one of a person's Home tabs be drawn and published at a
// time: a tab drawn from older data (an open whose views.publish Slack was
// slow to take) landed after one drawn since (Scan now's, with the scan
// it had just made), and the tab stayed on the older one.
type homeTurn struct {
	held  chan struct{} // holds a value while a tab is drawn and published
	users int           // the publishes holding or waiting for it
}

// homeTurnOf waits for userID's turn to draw and publish their Home tab,
// and returns its end; an error when ctx ends first. Only publishes in
// progress are kept: the map is as large as the people being served.
func (d *Digests) homeTurnOf(ctx context.Context, userID string) (func(), error) {
	d.mu.Lock()
	t := d.turns[userID]
	if t == nil {
		t = &homeTurn{held: make(chan struct{}, 1)}
		d.turns[userID] = t
	}
	t.users++
	d.mu.Unlock()
	leave := func() {
		d.mu.Lock()
		if t.users--; t.users == 0 {
			delete(d.turns, userID)
		}
		d.mu.Unlock()
	}
	select {
	case t.held <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	return func() { <-t.held; leave() }, nil
}

// chartFlight is one chart being drawn and uploaded; done is closed when id
// is set ("" when it failed).
type chartFlight struct {
	done chan struct{}
	id   string
}

// NewDigests returns Digests for cfg.
func NewDigests(cfg DigestConfig) *Digests {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Digests{cfg: cfg, log: log, charts: map[string]string{}, drawing: map[string]*chartFlight{}, turns: map[string]*homeTurn{}}
}

// Make builds a digest and renders it (RenderDigest: the channel's and a
// report user's are the same); with upload, the chart is drawn and
// uploaded (from the second stored snapshot on) and shown in the message.
func (d *Digests) Make(ctx context.Context, upload bool) (Message, *digest.Digest, error) {
	dg, err := d.cfg.Source.Build(ctx)
	if err != nil {
		return Message{}, nil, err
	}
	file := ""
	if upload {
		file = d.chart(ctx, dg.History)
	}
	// Without an upload (the printed digest), nothing is said of one.
	return renderDigest(dg, file, upload), dg, nil
}

// ErrDigestNotMade wraps Post's error when the digest could not be made
// (the org scan failed or was stopped): nothing was posted or recorded, so
// the slot may be run again.
var ErrDigestNotMade = errors.New("digest not made")

// postStopGrace is how long a digest's post, once begun, may go on after
// a stop: the schedules stop once the bot has (7.5 s at most), so the
// process still ends within the contract's 10 s.
const postStopGrace = time.Second

// Post builds the digest and posts it to the channel: what each slot of
// the schedule and `lastactive digest --post` do.
func (d *Digests) Post(ctx context.Context) error {
	_, _, err := d.PostNamed(ctx)
	return err
}

// PostNamed is Post, and whom the digest it made names (DigestShows), for
// its audit entry: set when it was made, even if its post then failed.
func (d *Digests) PostNamed(ctx context.Context) (emails, accountIDs []string, err error) {
	if d.cfg.Channel == "" || d.cfg.Poster == nil {
		return nil, nil, ErrNoDigestChannel
	}
	m, dg, err := d.Make(ctx, true)
	if err == nil {
		// Stopped once made (its chart being uploaded, say): a post on the
		// ended context would not leave, and the slot would count as done.
		err = ctx.Err()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrDigestNotMade, err)
	}
	emails, accountIDs = DigestShows(dg)
	// Once on its way, the post is finished even if the stop comes
	// meanwhile: cut off mid-call it may reach the channel all the same,
	// to be audited as failed and never compared with.
	pctx, cutPost := context.WithCancel(context.WithoutCancel(ctx))
	defer cutPost()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(postStopGrace, cutPost) })()
	if err := d.cfg.Poster.PostMessage(pctx, d.cfg.Channel, m); err != nil {
		if se := (*SlackError)(nil); errors.As(err, &se) && se.Kind == ErrSlackRateLimited || neverConnected(err) {
			// Slack posted nothing (it refused for its rate limit, or was
			// never reached): the slot is given back and tried again
			// within its hour, rather than the week left without a digest.
			return emails, accountIDs, fmt.Errorf("%w: digest: post to %s: %w", ErrDigestNotMade, d.cfg.Channel, err)
		}
		return emails, accountIDs, fmt.Errorf("digest: post to %s: %w%s", d.cfg.Channel, err, channelHint(err))
	}
	d.log.Info("digest posted", "channel", d.cfg.Channel)
	// The channel has it: recorded even if the stop came meanwhile (the
	// next digest would compare with the one before), briefly.
	mctx, cancel := context.WithTimeout(pctx, time.Second) // within the post's grace too
	defer cancel()
	if err := d.cfg.Source.MarkPosted(mctx, dg); err != nil {
		// The channel has it; the next digest compares with the one before.
		d.log.Warn("digest: posted, but not recorded as posted", "err", err)
	}
	return emails, accountIDs, nil
}

// channelHint says what the admin can do about a channel Slack refused a
// digest for; "" for other failures.
func channelHint(err error) string {
	var se *SlackError
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case "not_in_channel":
		return ": invite the bot to the channel (type /invite and the app's name in it)"
	case "is_archived":
		return ": the channel is archived; unarchive it, or set LASTACTIVE_DIGEST_CHANNEL to another channel"
	case "channel_not_found":
		return ": LASTACTIVE_DIGEST_CHANNEL must be the ID of a channel the bot can see (such as C0123ABCDEF, from the channel's details); invite the bot to a private one"
	}
	return ""
}

// chart draws and uploads the chart of history, once per newest snapshot
// (App Home opens reuse it, and those that come while it is being drawn
// or uploaded wait for it); "" when there is none to show.
func (d *Digests) chart(ctx context.Context, history []state.Snapshot) string {
	if d.cfg.Images == nil || len(digest.SamePeriod(history)) < 2 {
		return ""
	}
	key := history[len(history)-1].Taken.Format(time.RFC3339Nano)
	d.mu.Lock()
	if id, ok := d.charts[key]; ok {
		d.mu.Unlock()
		return id
	}
	if f, ok := d.drawing[key]; ok {
		d.mu.Unlock()
		select {
		case <-f.done:
			return f.id
		case <-ctx.Done():
			return ""
		}
	}
	f := &chartFlight{done: make(chan struct{})}
	d.drawing[key] = f
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.drawing, key)
		if f.id != "" {
			clear(d.charts) // only the newest is asked for again
			d.charts[key] = f.id
		}
		d.mu.Unlock()
		close(f.done)
	}()
	png, err := digest.Chart(history)
	if err != nil {
		d.log.Warn("digest: chart not drawn", "err", err)
		return ""
	}
	f.id, err = d.cfg.Images.UploadImage(ctx, File{Name: "idle-seats-trend.png", Title: "Idle seats per product", Content: png})
	if err != nil {
		f.id = ""
		d.log.Warn("digest: chart not uploaded", "err", err)
		return ""
	}
	return f.id
}

// digestCommand answers "/lastactive digest": the digest now, privately,
// for report users.
func (s *Service) digestCommand(ctx context.Context, req Request) Reply {
	if !s.cfg.Gate.MayReport(req.UserID) {
		return Reply{Kind: KindDigest, Outcome: OutcomeRefused, Message: RenderIdleRefused()}
	}
	if s.cfg.Digests == nil {
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderNotice("The seat digest is not set up on this bot.")}
	}
	// One report of the organisation at a time per person, as for idle,
	// Full list and Scan now.
	if !s.idleStart(req.UserID) {
		return Reply{Kind: KindDigest, Outcome: OutcomeRateLimited, Message: RenderNoticeKind(NoticeBusy, digestRunningText)}
	}
	defer s.idleEnd(req.UserID)
	if r, limited := s.takeReport(req, KindDigest); limited {
		return r
	}
	release, _, err := s.reportSlot(ctx, nil)
	if err != nil {
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderDigestError(err)}
	}
	defer release()
	m, dg, err := s.cfg.Digests.Make(ctx, true)
	if err != nil {
		s.log.Warn("digest failed", "requester", req.UserID, "err", err)
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderDigestError(err)}
	}
	// It names the people idle longest: their trails say who saw them.
	return digestReply(Reply{Kind: KindDigest, Outcome: OutcomeOK, Message: m}, dg)
}

// KindDigest is the digest: the command, its button, the App Home.
const KindDigest ReplyKind = "digest"

// DigestFullList answers a click on a digest's "Full list": the CSV goes
// to the clicker's direct messages if they are a report user; the reply
// (private) says where it went.
func (s *Service) DigestFullList(ctx context.Context, req Request) Reply {
	start := s.cfg.Now()
	r := s.digestFullList(ctx, req)
	r.Detail = "digest full list"
	s.audit(req, r, start)
	return r
}

func (s *Service) digestFullList(ctx context.Context, req Request) Reply {
	// A click passes the command's authorisation (the contract), so a
	// digest channel outside LASTACTIVE_ALLOWED_CHANNELS refuses it: serve
	// warns at start about that setting; the refusal says which rule.
	switch {
	case !s.cfg.Gate.MayReport(req.UserID) || !s.homeAllowed(req.UserID):
		return Reply{Kind: KindDigest, Outcome: OutcomeRefused, Message: RenderNotice("You are not allowed to get the full list: it is only for the people your admins chose for org-wide reports.")}
	case !s.allowed(ctx, req):
		return Reply{Kind: KindDigest, Outcome: OutcomeRefused, Message: RenderNoticeKind(NoticeRefused, s.notAllowed(req))}
	}
	if s.cfg.Scanner == nil {
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderNotice("Org-wide reports are not set up on this bot.")}
	}
	// An idle report, rows and CSV held until sent: one at a time per
	// person, shared with the idle command; a repeat takes no token.
	if !s.idleStart(req.UserID) {
		return Reply{Kind: KindDigest, Outcome: OutcomeRateLimited, Message: RenderNoticeKind(NoticeBusy, fullListRunningText)}
	}
	defer s.idleEnd(req.UserID)
	if r, limited := s.takeReport(req, KindDigest); limited {
		return r
	}
	release, _, err := s.reportSlot(ctx, nil)
	if err != nil {
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderIdleError(err)}
	}
	defer release()
	rep, err := s.cfg.Scanner.Report(ctx, seatOptions(s.cfg.IdleDays), false, nil)
	if err != nil {
		return Reply{Kind: KindDigest, Outcome: OutcomeFailed, Message: RenderIdleError(err)}
	}
	// The idle report's list: its exempt seats marked, as /lastactive
	// idle's are.
	s.markExempt(ctx, req.UserID, rep)
	d := s.deliver(ctx, req.UserID, rep)
	out := OutcomeOK
	if d.Err != nil || d.Off {
		out = OutcomePartial
	}
	return Reply{Kind: KindDigest, Outcome: out, Message: RenderNotice(deliveryText(d))}
}

const scanRunningText = "A scan or report of yours is already running: this page shows its result when it ends."

const digestRunningText = "A report of yours is already running: ask for the digest again once it is done."

const fullListRunningText = "A report of yours is already running: its full list will arrive in your direct messages. Ask again once it is there."

// PublishHome publishes userID's App Home from stored data only (no scan
// on open): the dashboard for report users, the usage for everyone else.
func (s *Service) PublishHome(ctx context.Context, userID string) error {
	return s.publishHome(ctx, userID, "")
}

// HomeOpened publishes userID's App Home as they open it. A report user's
// shows whom keep or release asks, skips and waits for: the opening is a
// report in the audit trail, one entry; the usage others see is none.
func (s *Service) HomeOpened(ctx context.Context, userID string) error {
	start := s.cfg.Now()
	err := s.PublishHome(ctx, userID)
	if s.cfg.Digests != nil && s.cfg.Digests.cfg.Home != nil && s.homeAllowed(userID) && s.cfg.Gate.MayReport(userID) {
		r := Reply{Kind: KindDigest, Outcome: OutcomeOK, Detail: "app home"}
		if err != nil {
			r.Outcome = OutcomeFailed
		}
		s.audit(Request{UserID: userID}, r, start)
	}
	return err
}

// publishHome publishes userID's App Home; refused, when not empty, says
// why their Scan now did not run.
func (s *Service) publishHome(ctx context.Context, userID, refused string) error {
	return s.publishHomeFacts(ctx, userID, HomeFacts{ScanRefused: refused})
}

// publishHomeFacts publishes userID's App Home; f carries what Scan now
// has to say (refused or failed), the rest is read here. A person's tabs
// are drawn and published one at a time, so the one drawn last stays
// (TestHomeTabIsNotOverwrittenByAnOlderView).
func (s *Service) publishHomeFacts(ctx context.Context, userID string, f HomeFacts) error {
	if s.cfg.Digests == nil || s.cfg.Digests.cfg.Home == nil {
		return nil
	}
	done, err := s.cfg.Digests.homeTurnOf(ctx, userID)
	if err != nil {
		return err
	}
	defer done()
	return s.cfg.Digests.cfg.Home.PublishHome(ctx, userID, s.homeView(ctx, userID, f))
}

func (s *Service) homeView(ctx context.Context, userID string, f HomeFacts) slack.HomeTabViewRequest {
	if !s.homeAllowed(userID) || !s.cfg.Gate.MayReport(userID) {
		return RenderHomeUsage(s.homeAllowed(userID))
	}
	d := s.cfg.Digests
	h, err := d.cfg.Source.History(ctx)
	if err != nil {
		s.log.Warn("app home: history not read", "err", err)
	}
	f.History, f.HistoryUnavailable = h, err != nil
	f.ChartFileID = d.chart(ctx, h)
	if s.cfg.Scanner != nil {
		_, f.Scanning = s.cfg.Scanner.Progress()
	}
	if kr := s.cfg.Release; kr != nil && kr.Records != nil {
		f.KeepRelease = s.keepReleaseFacts(ctx, kr)
	}
	return RenderHomeReport(f)
}

// keepReleaseFacts reads what App Home shows of keep or release, from the
// store only; the sites are named as far as they are known, without a
// workspaces read.
func (s *Service) keepReleaseFacts(ctx context.Context, kr *KeepRelease) *KeepReleaseFacts {
	f := &KeepReleaseFacts{DryRunMode: kr.DryRun}
	if k, ok := s.cfg.Sites.(interface{ Known() atlassian.Sites }); ok {
		f.Sites = k.Known()
	}
	var err error
	if f.Pending, err = kr.Records.Unanswered(ctx); err == nil {
		f.Approvals, err = kr.Records.PendingRequests(ctx)
	}
	if err == nil && kr.DryRun {
		d, derr := kr.Records.LastDryRun(ctx)
		switch {
		case derr == nil:
			f.DryRun = &d
		case !errors.Is(derr, state.ErrNotFound):
			err = derr
		}
	}
	if err != nil {
		s.log.Warn("app home: keep or release records not read", "err", err)
		return &KeepReleaseFacts{Unreadable: true}
	}
	// Rows of exempt seats are marked, as in the idle report.
	if s.cfg.Exemptions != nil {
		ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		now := s.cfg.Now()
		if list, err := s.cfg.Exemptions.Exemptions(ectx, now); err != nil {
			s.log.Warn("app home: exemptions not read", "err", err)
			f.ExemptionsUnread = true
		} else {
			f.Exempt = seat.IndexExemptions(SeatExemptions(list), now)
		}
	}
	return f
}

// ScanNow answers App Home's "Scan now": for report users, a scan shared
// with any in flight (and paced as every scan), a snapshot of it, and the
// Home tab published again before and after. Like every report it takes a
// token from the requester's bucket: an empty one gets the Home tab saying
// so, and no scan.
func (s *Service) ScanNow(ctx context.Context, userID string) error {
	if s.cfg.Digests == nil || s.cfg.Scanner == nil {
		return s.PublishHome(ctx, userID)
	}
	// An org scan is a report, and a refused one a refusal: both go to
	// the audit trail, like the idle command's.
	start := s.cfg.Now()
	r := Reply{Kind: KindDigest, Outcome: OutcomeOK, Detail: "scan now"}
	defer func() { s.audit(Request{UserID: userID}, r, start) }()
	if !s.homeAllowed(userID) || !s.cfg.Gate.MayReport(userID) {
		r.Outcome = OutcomeRefused
		return s.PublishHome(ctx, userID)
	}
	// A report of the whole organisation is held until its snapshot is
	// recorded: one at a time per person, shared with idle and Full list
	// (twenty clicks held twenty 50,000-person reports at once).
	if !s.idleStart(userID) {
		r.Outcome = OutcomeRateLimited
		return s.publishHome(ctx, userID, scanRunningText)
	}
	defer s.idleEnd(userID)
	if ok, wait := s.cfg.Gate.Take(userID, 1); !ok {
		r.Outcome = OutcomeRateLimited
		return s.publishHome(ctx, userID, reportTryAgain(wait))
	}
	waiting := func() { _ = s.PublishHome(ctx, userID) }
	release, _, err := s.reportSlot(ctx, waiting)
	if err != nil {
		r.Outcome = OutcomeFailed
		return s.publishHomeFacts(ctx, userID, HomeFacts{ScanFailed: ErrorText(err)})
	}
	defer release()
	// A scan that failed says so on the tab, which else would look as if
	// the click had been ignored.
	var failed HomeFacts
	if fb, ok := s.cfg.Digests.cfg.Source.(freshBuilder); ok {
		// One scan for the click and the snapshot it records.
		if _, err := fb.BuildFresh(ctx, waiting); err != nil {
			r.Outcome = OutcomeFailed
			failed.ScanFailed = ErrorText(err)
			s.log.Warn("scan now failed", "requester", userID, "err", err)
		}
	} else if _, err := s.cfg.Scanner.Report(ctx, seatOptions(s.cfg.IdleDays), true, waiting); err != nil {
		r.Outcome = OutcomeFailed
		failed.ScanFailed = ErrorText(err)
		s.log.Warn("scan now failed", "requester", userID, "err", err)
	} else if _, err := s.cfg.Digests.cfg.Source.Build(ctx); err != nil { // records the snapshot
		s.log.Warn("scan now: snapshot not recorded", "requester", userID, "err", err)
	}
	return s.publishHomeFacts(ctx, userID, failed)
}

// freshBuilder is a DigestSource that builds from a new scan
// (*digest.Builder): Scan now's scan and its snapshot are then one read of
// the organisation, whatever LASTACTIVE_CACHE_TTL says.
type freshBuilder interface {
	BuildFresh(ctx context.Context, waiting func()) (*digest.Digest, error)
}

func seatOptions(days int) seat.Options { return seat.Options{Days: days} }

// homeAllowed applies the user allow-list to App Home; the channel list
// does not apply, as the Home tab is in no channel.
func (s *Service) homeAllowed(userID string) bool {
	g := s.cfg.Gate
	return len(g.users) == 0 || g.users[userID]
}

// parseDigest reads "digest", which takes nothing more.
func parseDigest(args []string, fresh bool) (Command, error) {
	if len(args) > 0 || fresh {
		return Command{}, usagef("digest takes nothing more: type /lastactive digest.")
	}
	return Command{Kind: CmdDigest}, nil
}

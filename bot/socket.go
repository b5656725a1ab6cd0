package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"lastactive/internal/backoff"
	"lastactive/internal/recovered"
)

// Socket is what the Bot uses of one Socket Mode connection
// (*slacksocket.Client). Every envelope on Events is acknowledged already:
// the socket writes the ack in the goroutine that read the frame, so an
// ack never waits for the Bot or anything it does.
type Socket interface {
	// RunContext keeps the connection open until ctx is done or it fails
	// for good (Slack refused the app token).
	RunContext(ctx context.Context) error
	// Events is where the connection's envelopes and state changes
	// arrive. The Bot drains it until RunContext has returned.
	Events() <-chan socketmode.Event
}

// EphemeralPoster posts a message only one user sees (chat.postEphemeral).
// *slack.Client satisfies it.
type EphemeralPoster interface {
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
}

// Transport is how the Bot talks to Slack.
type Transport struct {
	// Sockets are the Socket Mode connections, all on the same app token.
	// Slack delivers each envelope on any one of them and refreshes each
	// now and then; with two, one is open while the other reconnects.
	Sockets []Socket
	// Responder posts replies to response_url.
	Responder *Responder
	// Ephemeral answers a shortcut that came without a response_url; nil:
	// such a shortcut is only logged.
	Ephemeral EphemeralPoster
	// Direct posts such an answer in the asker's direct messages with the
	// app when Ephemeral cannot reach the channel (the bot is not in it);
	// nil: the answer is then only logged as not delivered.
	Direct ChannelPoster
}

// BotConfig tunes the Slack side. Zero values take defaults.
type BotConfig struct {
	// MaxInFlight bounds the acked commands and clicks being answered at
	// once; beyond it the bot answers "busy". Each waits in a goroutine of
	// its own, so a command waiting on a slow person holds no slot that
	// help or another person's lookup needs. Default 1024.
	MaxInFlight int
	// ShutdownTimeout is how long in-flight work may run after a stop
	// before it is abandoned (with a "please retry" reply). Default 6 s.
	ShutdownTimeout time.Duration
	// PostGrace is how long the replies of abandoned work may take after
	// ShutdownTimeout; every post made during a stop ends by then. Work
	// that goes on after it (a release's read-back and save) gets
	// leftBehindWait more and is then left, so Run returns within
	// ShutdownTimeout+PostGrace+leftBehindWait (7.5 s by default; serve
	// then flushes the audit trail, 1 s at most, and shuts the health
	// server, 1 s at most: 9.5 s, inside the 10 s the contract allows).
	// Default 1 s.
	PostGrace time.Duration
	// Dedupe tells first deliveries of an envelope from redeliveries,
	// across all sockets. Default: NewMemoryDeduper(30 min), this process only.
	Dedupe Deduper
	// Reconnect paces a socket's reconnects after slack-go gave up on it.
	// Zero fields: 1 s doubling up to 5 min.
	Reconnect backoff.Policy
	// Stagger is the longest a socket waits for the one before it to
	// connect before it opens anyway, so that the sockets are not opened
	// (and later refreshed) at the same instant. Default 2 s.
	Stagger time.Duration
	// MaxPerRequester bounds the MaxInFlight slots one user holds at once,
	// so that one person firing many commands (each about someone slow)
	// cannot leave everyone else told the bot is busy; past it they are
	// told to wait for their own. Default MaxInFlight/2, at least 1.
	MaxPerRequester int
}

// maxBusyReplies bounds the "busy" replies being sent at once, past
// MaxInFlight; a burst beyond both is acked and logged, not answered.
const maxBusyReplies = 64

// maxHomeEvents bounds the Events API envelopes (App Home opens) being
// handled at once, apart from MaxInFlight: a storm of opens, each held
// while Slack rate-limits views.publish, took every slot of the commands
// and clicks. Slack publishes a few hundred Home tabs a minute at most,
// so more at once would only wait on its 429s. An open past the bound is
// dropped: the tab keeps the view last published, and the next open
// publishes again. homeEventsFor gives the bound for a MaxInFlight.
const maxHomeEvents = 64

func homeEventsFor(maxInFlight int) int { return max(1, min(maxHomeEvents, maxInFlight/4)) }

// Bot serves a Service over Slack Socket Mode. It is transport only: it
// acks, deduplicates, hands each request to the Service, and posts what the
// Service answers.
type Bot struct {
	tr      Transport
	svc     *Service
	cfg     BotConfig
	log     *slog.Logger
	metrics *Metrics

	slots chan struct{}  // one per request being answered
	mine  requesterSlots // the slots each requester holds (MaxPerRequester)
	// busySlots: one per "busy" reply being sent
	busySlots chan struct{}
	// homeSlots: one per Events API envelope being handled (homeEventsFor)
	homeSlots chan struct{}
	homeFull  atomic.Bool   // homeSlots were full since they were last empty: said once
	homes     homeOpens     // App Home publishes paced per user
	open      []atomic.Bool // per socket: connected now
	// connErr is why the last connection attempt that gave up failed (a
	// refused app token, a wrong SLACK_API_URL), nil once one connected:
	// /readyz says it, not only the log.
	connErr atomic.Pointer[error]
	conns   atomic.Int64 // successful connections so far, all sockets
}

// NewBot returns a Bot. internal/wire builds it.
func NewBot(tr Transport, svc *Service, cfg BotConfig, log *slog.Logger, m *Metrics) *Bot {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1024
	}
	if cfg.MaxPerRequester <= 0 {
		cfg.MaxPerRequester = max(1, cfg.MaxInFlight/2)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 6 * time.Second
	}
	if tr.Responder != nil && tr.Responder.log == nil {
		tr.Responder.log = log
	}
	if cfg.PostGrace <= 0 {
		cfg.PostGrace = time.Second
	}
	if cfg.Dedupe == nil {
		cfg.Dedupe = NewMemoryDeduper(30*time.Minute, nil)
	}
	if cfg.Reconnect.Base <= 0 {
		cfg.Reconnect.Base = time.Second
	}
	if cfg.Reconnect.Max <= 0 {
		cfg.Reconnect.Max = 5 * time.Minute
	}
	if cfg.Stagger <= 0 {
		cfg.Stagger = 2 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bot{tr: tr, svc: svc, cfg: cfg, log: log, metrics: m,
		slots: make(chan struct{}, cfg.MaxInFlight), mine: requesterSlots{max: cfg.MaxPerRequester}, busySlots: make(chan struct{}, maxBusyReplies),
		homeSlots: make(chan struct{}, homeEventsFor(cfg.MaxInFlight)), open: make([]atomic.Bool, len(tr.Sockets))}
}

// Ready reports whether at least one Socket Mode connection is open.
func (b *Bot) Ready() bool { return b.openCount() > 0 }

// ConnectError is why no connection is open, when the last attempt to open
// one ended with an error no retry within the socket fixes (a refused app
// token, apps.connections.open answering 404); nil when one is open or
// nothing is known. It is Slack's error as slack-go gives it: word it
// (credentials.SlackAppFailure) before showing it.
func (b *Bot) ConnectError() error {
	if b.Ready() {
		return nil
	}
	if p := b.connErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (b *Bot) openCount() int {
	n := 0
	for i := range b.open {
		if b.open[i].Load() {
			n++
		}
	}
	return n
}

func (b *Bot) setOpen(i int, up bool) {
	if b.open[i].Swap(up) == up {
		return
	}
	b.metrics.connections(b.openCount())
}

// job is one acked envelope.
type job struct {
	id       string // the envelope ID
	received time.Time
	command  *slack.SlashCommand
	action   *slack.InteractionCallback
	event    *slackevents.EventsAPIEvent // events_api: App Home (home.go)
	// unreadable is the response_url of a slash command, click or message
	// shortcut whose payload did not decode: it is told unreadableWhat.
	unreadable, unreadableWhat string
	// oddIDs: the requester's user, channel, workspace or organisation ID
	// is longer than any Slack ID (oddSlackIDs): refused, nothing kept.
	oddIDs bool
	// noRequester: a command or interaction without a user ID. Served, it
	// was looked up and rate-limited as requester "", whom an empty
	// allow-list lets through, and a Share was posted "shared by" nobody:
	// refused before the Service, as nobody asked.
	noRequester bool
}

// maxSlackID is the longest user, channel, workspace or organisation ID a
// request is served with. Slack's are about a dozen characters; a frame
// may be 1 MiB, and an ID is kept whole as the requester's rate-limit
// bucket key, in the audit trail and in log lines.
const maxSlackID = 64

// oddSlackIDs reports whether any of ids is longer than a Slack ID.
func oddSlackIDs(ids ...string) bool {
	for _, id := range ids {
		if len(id) > maxSlackID {
			return true
		}
	}
	return false
}

const oddIDsText = "Slack sent this request with a user, channel or workspace ID that is not a Slack ID, so it was not served."

const noRequesterText = "Slack sent this request without saying who sent it, so it was not served."

// leftBehindWait is how long Run still waits, once even the replies are
// cut, for work that goes on after its abandonment on bounds of its own (a
// release reads its change back and saves it): past it, Run returns and
// leaves it, so that the stop ends within the contract's 10 s. A release
// left mid-way stays "running" in the store and the follow-up settles it
// an hour later.
const leftBehindWait = 500 * time.Millisecond

// runCtx holds the contexts of one Run: work is cancelled when acked work
// is abandoned, posts when even replies must stop.
type runCtx struct {
	work, posts context.Context
	tasks       *sync.WaitGroup
}

// Run serves until ctx is done, then closes the sockets, lets acked work
// finish for up to ShutdownTimeout, abandons the rest with a short "please
// retry" reply that may take PostGrace more, and returns. Every goroutine it
// starts has ended when it returns, but for work that outlives its
// abandonment past leftBehindWait: that is left, and logged.
func (b *Bot) Run(ctx context.Context) error {
	// Sockets, work and posts get contexts of their own, so that stopping
	// goes in order: sockets first, then the work already acked, then the
	// last replies.
	sockCtx, stopSockets := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSockets()
	workCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	postCtx, cutPosts := context.WithCancel(context.WithoutCancel(ctx))
	defer cutPosts()
	var tasks sync.WaitGroup
	rc := runCtx{work: workCtx, posts: postCtx, tasks: &tasks}

	var loops sync.WaitGroup
	prev := make(chan struct{})
	close(prev)
	for i, s := range b.tr.Sockets {
		connected := make(chan struct{})
		var once sync.Once
		first := func() { once.Do(func() { close(connected) }) }
		after := prev
		stopped := make(chan struct{}) // the socket's RunContext has returned for good
		loops.Go(func() { b.drain(rc, i, s, first, stopped) })
		loops.Go(func() {
			defer close(stopped)
			// Staggered: each socket opens once the one before it is up (or
			// after Stagger), so Slack does not refresh them together.
			t := time.NewTimer(b.cfg.Stagger)
			defer t.Stop()
			select {
			case <-after:
			case <-t.C:
			case <-sockCtx.Done():
				return
			}
			b.connect(sockCtx, i, s)
		})
		prev = connected
	}

	<-ctx.Done()
	b.log.Info("stopping: no new commands; finishing those in flight", "timeout", b.cfg.ShutdownTimeout.String())
	stopSockets()
	loops.Wait()
	for i := range b.open {
		b.setOpen(i, false)
	}

	done := make(chan struct{})
	go func() { tasks.Wait(); close(done) }()
	t := time.NewTimer(b.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		b.log.Warn("stopping: abandoning commands still in flight")
		abandon()
		t.Reset(b.cfg.PostGrace)
		select {
		case <-done:
		case <-t.C:
			b.log.Warn("stopping: cutting replies still being posted")
			cutPosts()
			t.Reset(leftBehindWait)
			select {
			case <-done:
			case <-t.C:
				// Each task holds a slot until it ends.
				b.log.Warn("stopping: leaving commands still running after their abandonment; "+
					"a release left mid-way is settled by the follow-up an hour later",
					"left", len(b.slots)+len(b.busySlots)+len(b.homeSlots))
			}
		}
	}
	b.log.Info("stopped")
	return nil
}

// connect keeps socket i open. slack-go's RunContext returns for good on
// auth errors; a bot that then sat silent would look alive to Kubernetes,
// so it retries with backoff and says why, loudly.
func (b *Bot) connect(ctx context.Context, i int, s Socket) {
	for failures := 1; ; failures++ {
		before := b.conns.Load()
		err := s.RunContext(ctx)
		b.setOpen(i, false)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			b.connErr.Store(&err)
		}
		if b.conns.Load() > before {
			failures = 1 // it was up in between: start the backoff again
		}
		wait := b.cfg.Reconnect.Delay(failures, nil)
		msg := "Slack Socket Mode connection failed; check SLACK_APP_TOKEN (xapp-, scope connections:write) and that Socket Mode is on"
		if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusNotFound {
			// Slack answers a refused token with 200 and a code: a 404 is
			// the address (a wrong path, a proxy), not the token.
			msg = "Slack Socket Mode connection failed: apps.connections.open answered HTTP 404; check SLACK_API_URL " +
				"(default https://slack.com/api/) and any proxy in between"
		}
		b.log.Error(msg, "socket", i, "err", err, "retry_in", wait.String())
		if backoff.Sleep(ctx, nil, wait) != nil {
			return
		}
	}
}

// drain reads every event socket i emits until the socket has stopped,
// then what is left in its channel: the socket acks as it reads, so an
// envelope it handed on is acked, and only an answer (or the "restarting"
// notice) tells the person anything. It must never block on slow work: an
// undrained Events channel holds up the socket's reading.
func (b *Bot) drain(rc runCtx, i int, s Socket, connected func(), stopped <-chan struct{}) {
	events := s.Events()
	for {
		select {
		case evt := <-events:
			b.event(rc, i, evt, connected)
		case <-stopped:
			for {
				select {
				case evt := <-events:
					b.event(rc, i, evt, connected)
				default:
					return
				}
			}
		}
	}
}

func (b *Bot) event(rc runCtx, i int, evt socketmode.Event, connected func()) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.setOpen(i, false)
		b.log.Debug("socket mode connecting", "socket", i)
		return
	case socketmode.EventTypeConnectionError:
		b.setOpen(i, false)
		b.log.Warn("socket mode connection error", "socket", i, "err", evt.Data)
		return
	case socketmode.EventTypeConnected:
		n := b.conns.Add(1)
		b.setOpen(i, true)
		b.connErr.Store(nil)
		b.metrics.reconnected(n > int64(len(b.tr.Sockets)))
		connected()
		b.log.Info("socket mode connected", "socket", i, "open", b.openCount(), "connections_so_far", n)
		return
	case socketmode.EventTypeInvalidAuth:
		b.setOpen(i, false)
		// Sent for an HTTP 404 from apps.connections.open, not for a
		// refused token: connect's line says what it is.
		b.log.Debug("socket mode: apps.connections.open answered HTTP 404", "socket", i)
		return
	case socketmode.EventTypeDisconnect:
		// The socket reconnects (a refresh at once, the others with the
		// flapping backoff); the other sockets stay open.
		b.setOpen(i, false)
		b.disconnected(i, evt.Request)
		return
	case socketmode.EventTypeHello:
		return
	case socketmode.EventTypeErrorBadMessage:
		// The socket acked it if it had an envelope ID: Slack does not
		// send it again.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			// Counted by what it is, so that an App Home open, a global
			// shortcut or a view submission Slack sends in a form the bot
			// cannot read shows on a dashboard. The line names the type and
			// the envelope, never what the person sent.
			typ, envID := unreadableType(bad.Message)
			b.metrics.unreadableEnvelope(typ)
			b.log.Warn("socket mode: unreadable message", "socket", i, "type", typ, "envelope_id", envID, "err", badCause(bad.Cause))
			// A slash command, click or message shortcut whose own fields
			// did not decode: its asker is told so at its response_url (if
			// trusted, as any reply).
			if id, url, what := unreadableRequest(bad.Message); id != "" && url != "" {
				b.dispatch(rc, job{id: id, received: received, unreadable: url, unreadableWhat: what})
			}
		}
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		b.log.Debug("socket mode event", "type", evt.Type)
		return
	}
	j := job{id: evt.Request.EnvelopeID, received: received}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return
		}
		if cmd.UserID == "" && cmd.ResponseURL == "" {
			// A null or empty payload: nobody asked anything, and there
			// is nowhere to answer (acked already).
			b.log.Warn("socket mode: slash command without a user or response_url; ignored", "envelope_id", j.id)
			return
		}
		j.command = &cmd
		j.oddIDs = oddSlackIDs(cmd.UserID, cmd.ChannelID, cmd.TeamID, cmd.EnterpriseID)
		j.noRequester = strings.TrimSpace(cmd.UserID) == ""
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return
		}
		j.action = &cb
		j.oddIDs = oddSlackIDs(cb.User.ID, cb.User.TeamID, cb.Channel.ID, cb.Team.ID, cb.Team.EnterpriseID, cb.Enterprise.ID)
		j.noRequester = strings.TrimSpace(cb.User.ID) == ""
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return
		}
		j.event = &ev
	default:
		return
	}
	// The dedupe (a database insert with a store) is asked in the request's
	// own goroutine: the envelope is acked already, and the loop must not
	// make the next envelope's ack wait for a database.
	if j.event != nil {
		b.homeEvent(rc, j)
		return
	}
	b.dispatch(rc, j)
}

// disconnected logs Slack's disconnect of socket i by its reason: only
// refresh_requested and warning are the routine refresh; Socket Mode
// turned off for the app (link_disabled) is an error that names the fix,
// as a refused token is, since no reconnect will deliver anything until
// someone turns it back on.
func (b *Bot) disconnected(i int, req *socketmode.Request) {
	reason := ""
	if req != nil {
		// Slack's own text, of any length in a frame of 1 MiB.
		reason = req.Reason
		if c := clipRunes(reason, 64); c != reason {
			reason = c + "…"
		}
	}
	switch reason {
	case "refresh_requested", "warning":
		b.log.Info("socket mode refresh", "socket", i, "reason", reason, "open", b.openCount())
	case "link_disabled":
		b.log.Error("Slack turned Socket Mode off for this app (disconnect reason link_disabled); "+
			"turn Socket Mode on in the app's settings (api.slack.com/apps); retrying", "socket", i, "reason", reason, "open", b.openCount())
	case "too_many_websockets":
		b.log.Warn("Slack closed a connection: too many open for this app token (disconnect reason too_many_websockets); "+
			"Slack allows 10 per app, and each replica opens its own", "socket", i, "reason", reason, "open", b.openCount())
	default:
		b.log.Warn("Slack closed a connection (socket mode disconnect)", "socket", i, "reason", reason, "open", b.openCount())
	}
}

// dispatch handles j beside the event loop, or answers busy (or, to a
// requester holding their share of the slots, "wait for your own"), or
// drops it past both bounds: it never blocks the loop.
func (b *Bot) dispatch(rc runCtx, j job) {
	who := j.requester()
	mine := b.mine.take(who)
	if mine {
		select {
		case b.slots <- struct{}{}:
			rc.tasks.Go(func() {
				// Given back after the panic's apology too: deferred first.
				defer b.mine.give(who)
				defer func() { <-b.slots }()
				defer b.recoverEnvelope(rc, j)
				if b.first(rc, j.id) {
					b.handle(rc, j)
				}
			})
			return
		default:
			b.mine.give(who)
		}
	}
	select {
	case b.busySlots <- struct{}{}:
		// Never block the event loop: answer beside it.
		if mine {
			b.log.Warn("too many commands in flight; answering busy", "max", b.cfg.MaxInFlight)
		} else {
			b.log.Warn("one requester holds their share of the commands in flight; answering busy",
				"requester", who, "max", b.cfg.MaxPerRequester)
		}
		rc.tasks.Go(func() {
			defer func() { <-b.busySlots }()
			if !b.first(rc, j.id) {
				return
			}
			if mine {
				b.busy(rc, j)
			} else {
				b.ownShare(rc, j)
			}
		})
	default:
		// A burst past both bounds: a goroutine each would grow without end.
		b.log.Warn("too many commands in flight and busy replies pending; not answered",
			"envelope_id", j.id, "max", b.cfg.MaxInFlight, "busy_replies", maxBusyReplies)
		b.metrics.Command(j.metricKind(), string(OutcomeDropped))
	}
}

// homeEvent handles an Events API envelope in its own lane (homeSlots),
// or drops it when the lane is full: nobody waits for an answer to it.
func (b *Bot) homeEvent(rc runCtx, j job) {
	select {
	case b.homeSlots <- struct{}{}:
		if len(b.homeSlots) == 1 { // the lane was empty: the storm is over
			b.homeFull.Store(false)
		}
		rc.tasks.Go(func() {
			defer func() { <-b.homeSlots }()
			defer b.recoverEnvelope(rc, j)
			if b.first(rc, j.id) {
				b.handle(rc, j)
			}
		})
	default:
		// Once per storm, not once per open dropped in it.
		if !b.homeFull.Swap(true) {
			b.log.Warn("too many App Home opens in flight; dropping opens until one is done", "max", cap(b.homeSlots))
		} else {
			b.log.Debug("app home: open dropped, too many in flight", "envelope_id", j.id)
		}
	}
}

// first reports whether envelope id is delivered for the first time, on
// any socket (or, with a store, on any replica).
func (b *Bot) first(rc runCtx, id string) bool {
	first, err := b.cfg.Dedupe.FirstDelivery(rc.work, id)
	if err != nil {
		// Answering twice is better than not at all.
		b.log.Warn("envelope dedupe failed; answering anyway", "envelope_id", id, "err", err)
		return true
	}
	if !first {
		b.log.Info("duplicate envelope ignored", "envelope_id", id)
	}
	return first
}

// recoverEnvelope, deferred by the goroutine of one envelope, turns a
// panic in its handling into an apology at its response_url and a log
// line with the stack: the other commands in flight, and the process, go on.
func (b *Bot) recoverEnvelope(rc runCtx, j job) {
	r := recover()
	if r == nil {
		return
	}
	_ = recovered.Log(b.log, "envelope "+j.id, r)
	if url := j.responseURL(); url != "" {
		b.post(rc, url, RenderNoticeKind(NoticeUnavailable, internalText), Private, time.Time{}, nil)
	}
}

func (b *Bot) busy(rc runCtx, j job) {
	b.metrics.Command(j.metricKind(), string(OutcomeBusy))
	if url := j.responseURL(); url != "" {
		b.post(rc, url, RenderNoticeKind(NoticeBusy, "The bot is very busy right now. Please try again in a minute."), Private, time.Time{}, nil)
	}
}

// ownShareText answers a requester who holds MaxPerRequester slots.
const ownShareText = "You have many requests still being answered; wait for them before asking for more."

// ownShare tells a requester past their share of the slots to wait for
// their own requests. Counted as rate-limited, as the Gate's refusals are,
// but not audited: like the "busy" answer, no lookup was made.
func (b *Bot) ownShare(rc runCtx, j job) {
	b.metrics.Command(j.metricKind(), string(OutcomeRateLimited))
	if url := j.responseURL(); url != "" {
		b.post(rc, url, RenderNoticeKind(NoticeBusy, ownShareText), Private, time.Time{}, nil)
	}
}

// metricKind is j's kind label in lastactive_commands_total for the
// answers given before a Service saw it: "command" for a slash command,
// "interaction" for a click or shortcut.
func (j job) metricKind() string {
	if j.command != nil {
		return "command"
	}
	return "interaction"
}

// requester is who asked for j, "" for a job nobody is known to have
// asked (an unreadable payload, no user ID) or with an ID no Slack ID is
// as long as (oddIDs): those are refused without an upstream call, and
// an odd ID must not become a key of requesterSlots.
func (j job) requester() string {
	if j.oddIDs || j.noRequester {
		return ""
	}
	switch {
	case j.command != nil:
		return j.command.UserID
	case j.action != nil:
		return j.action.User.ID
	}
	return ""
}

// requesterSlots counts the slots each requester holds, up to max. An
// entry is deleted when its count reaches 0, so the map holds only the
// requesters with a request in flight (about MaxInFlight of them at most:
// a take the full slots undo is given back at once).
type requesterSlots struct {
	max  int
	mu   sync.Mutex
	held map[string]int
}

// take reports whether who may hold one more slot, and counts it if so;
// each true must be followed by one give(who). who "" is not counted.
func (r *requesterSlots) take(who string) bool {
	if who == "" {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held[who] >= r.max {
		return false
	}
	if r.held == nil {
		r.held = map[string]int{}
	}
	r.held[who]++
	return true
}

// give returns a slot take counted.
func (r *requesterSlots) give(who string) {
	if who == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held[who] <= 1 {
		delete(r.held, who)
		return
	}
	r.held[who]--
}

// holders is how many requesters hold a slot now (tests).
func (r *requesterSlots) holders() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.held)
}

func (j job) responseURL() string {
	switch {
	case j.command != nil:
		return j.command.ResponseURL
	case j.action != nil:
		return j.action.ResponseURL
	}
	return j.unreadable
}

// unreadableText tells the asker that what, "your command", "that click"
// or "that shortcut", did not decode.
func unreadableText(what string) string {
	return "Sorry, I could not read " + what + ": Slack sent it in a form this bot does not understand. Please try again; if it keeps happening, tell the bot's administrator."
}

// unreadableRequest is the envelope ID and response_url of a frame that is
// a slash command, or an interaction the bot answers at a response_url (a
// click, a message shortcut), whose payload did not decode, each when it is
// a string, and what the asker sent in their words; "" otherwise. The URL
// is a target only as any reply's is: the Responder posts to a trusted one
// alone.
func unreadableRequest(frame []byte) (id, url, what string) {
	var f struct {
		EnvelopeID json.RawMessage `json:"envelope_id"`
		Type       json.RawMessage `json:"type"`
		Payload    struct {
			Type        json.RawMessage `json:"type"`
			ResponseURL json.RawMessage `json:"response_url"`
			CallbackID  json.RawMessage `json:"callback_id"`
		} `json:"payload"`
	}
	if json.Unmarshal(frame, &f) != nil {
		return "", "", ""
	}
	var typ, ptyp string
	if json.Unmarshal(f.Type, &typ) != nil {
		return "", "", ""
	}
	switch typ {
	case string(socketmode.RequestTypeSlashCommands):
		what = "your command"
	case string(socketmode.RequestTypeInteractive):
		// A view submission or a global shortcut has no response_url, and
		// the bot answers neither.
		if json.Unmarshal(f.Payload.Type, &ptyp) != nil {
			return "", "", ""
		}
		switch slack.InteractionType(ptyp) {
		case slack.InteractionTypeBlockActions:
			what = "that click"
		case slack.InteractionTypeMessageAction:
			// Another shortcut's payload is not answered readable either;
			// one whose callback_id cannot be read may be ours.
			var cb string
			if json.Unmarshal(f.Payload.CallbackID, &cb) == nil && cb != ShortcutAuthor {
				return "", "", ""
			}
			what = "that shortcut"
		default:
			return "", "", ""
		}
	default:
		return "", "", ""
	}
	if json.Unmarshal(f.EnvelopeID, &id) != nil || len(id) > maxEnvelopeID || json.Unmarshal(f.Payload.ResponseURL, &url) != nil {
		return "", "", ""
	}
	return id, url, what
}

// maxCause is the most of an unreadable envelope's error logged: slack-go
// and the socket quote the type they did not know, of any length in a
// frame of 1 MiB.
const maxCause = 300

// badCause is err's text cut to maxCause runes, "" for nil.
func badCause(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if c := clipRunes(s, maxCause); c != s {
		return c + "…"
	}
	return s
}

// unreadableTypes are the interaction types an unreadable envelope is
// counted under by name; any other is "interactive".
var unreadableTypes = map[slack.InteractionType]bool{
	slack.InteractionTypeBlockActions: true, slack.InteractionTypeMessageAction: true,
	slack.InteractionTypeShortcut: true, slack.InteractionTypeViewSubmission: true,
}

// unreadableType is what a frame that did not decode is, from a bounded
// set (a label of lastactive_socketmode_unreadable_total): slash_commands;
// an interaction's type among unreadableTypes, or "interactive"; an
// app_home_opened event, or "events_api"; "other" for anything else. id is
// its envelope ID when that is a string the socket acked, "" otherwise.
func unreadableType(frame []byte) (typ, id string) {
	// Each part on its own: one not of its shape (an event that is not an
	// object) leaves the others readable.
	var f struct {
		EnvelopeID json.RawMessage `json:"envelope_id"`
		Type       json.RawMessage `json:"type"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(frame, &f) != nil {
		return "other", ""
	}
	if json.Unmarshal(f.EnvelopeID, &id) != nil || len(id) > maxEnvelopeID {
		id = ""
	}
	var envType, inner string
	_ = json.Unmarshal(f.Type, &envType)
	var payload struct {
		Type  json.RawMessage `json:"type"`
		Event json.RawMessage `json:"event"`
	}
	_ = json.Unmarshal(f.Payload, &payload)
	switch envType {
	case socketmode.RequestTypeSlashCommands:
		return socketmode.RequestTypeSlashCommands, id
	case socketmode.RequestTypeInteractive:
		if json.Unmarshal(payload.Type, &inner) == nil && unreadableTypes[slack.InteractionType(inner)] {
			return inner, id
		}
		return socketmode.RequestTypeInteractive, id
	case socketmode.RequestTypeEventsAPI:
		var event struct {
			Type json.RawMessage `json:"type"`
		}
		if json.Unmarshal(payload.Event, &event) == nil && json.Unmarshal(event.Type, &inner) == nil && inner == string(slackevents.AppHomeOpened) {
			return inner, id
		}
		return socketmode.RequestTypeEventsAPI, id
	}
	return "other", id
}

// maxEnvelopeID is the longest envelope ID the socket acks (as
// internal/slacksocket): one longer was not acked, and Slack sends it again.
const maxEnvelopeID = 1024

func (b *Bot) handle(rc runCtx, j job) {
	b.metrics.inflight(1)
	defer b.metrics.inflight(-1)
	switch {
	case j.oddIDs:
		b.log.Warn("socket mode: a request with an ID longer than any Slack ID; refused", "envelope_id", j.id)
		if url := j.responseURL(); url != "" {
			b.post(rc, url, RenderNoticeKind(NoticeRefused, oddIDsText), Private, j.received, nil)
		}
	case j.noRequester:
		// Counted and logged as the interactions the bot does not answer
		// (notAnswered); told at the response_url, if any, as oddIDs is.
		kind, typ := "interaction", socketmode.RequestTypeSlashCommands
		if j.command != nil {
			kind = "command"
		} else if j.action != nil {
			typ = clipRunes(string(j.action.Type), 64)
		}
		b.metrics.Command(kind, string(OutcomeIgnored))
		b.log.Warn("socket mode: a request without a user ID; refused", "envelope_id", j.id, "type", typ)
		if url := j.responseURL(); url != "" {
			b.post(rc, url, RenderNoticeKind(NoticeRefused, noRequesterText), Private, j.received, nil)
		}
	case j.unreadable != "":
		b.post(rc, j.unreadable, RenderNoticeKind(NoticeUsage, unreadableText(j.unreadableWhat)), Private, j.received, nil)
	case j.command != nil:
		b.command(rc, j)
	case j.action != nil:
		b.interaction(rc, j)
	case j.event != nil:
		b.eventsAPI(rc, j)
	}
}

func (b *Bot) command(rc runCtx, j job) {
	c := j.command
	req := Request{UserID: c.UserID, ChannelID: c.ChannelID, Text: c.Text, TeamID: c.TeamID, EnterpriseID: c.EnterpriseID}
	// A slow command (a report, or a lookup Atlassian is slow with) first
	// says so; the answer then replaces that message rather than adding a
	// second one.
	// progress may be called from the Service's timer goroutine.
	var progressed atomic.Bool
	progress := func(m Message) {
		mode := Private
		if progressed.Load() {
			mode = PrivateReplace // updates replace the first progress message
		}
		b.post(rc, c.ResponseURL, m, mode, time.Time{}, nil)
		progressed.Store(true)
	}
	r := b.svc.Answer(rc.work, req, progress)
	msg := r.Message
	restarting := cutByStop(rc, r.Outcome)
	if restarting {
		msg = RenderNoticeKind(NoticeRestarting, restartingText)
	}
	mode := Private
	if progressed.Load() {
		mode = PrivateReplace
	}
	if err := b.post(rc, c.ResponseURL, msg, mode, j.received, &req); err != nil || restarting {
		// Stopping too: a reply the stop cut reached nobody either.
		// A notice posted in place of the answer left the answer unsent,
		// whether Slack showed the notice or not.
		b.svc.NotPostedAs("", req, r, answerPostErr(err, restarting))
	}
}

// cutByStop reports whether an answer of outcome o may have been cut by a
// stop: work was abandoned, and the answer failed, wholly or in part (a
// person's lookup ended by the stop fails). Any other answer was finished
// whole, even if the stop began meanwhile (the people were read, only the
// wait for the sites' names was ended): it is posted as it is, not
// replaced by the "restarting" notice while its entry said it was given.
func cutByStop(rc runCtx, o Outcome) bool {
	return rc.work.Err() != nil && (o == OutcomeFailed || o == OutcomePartial)
}

// errAnswerReplaced is matched (errors.Is) by the post of an answer the
// "restarting" notice was posted in place of: the answer was not sent.
var errAnswerReplaced = errors.New("the answer was not sent: the bot was stopping, and its restarting notice was posted in its place")

// answerPostErr is the error of an answer's post for the audit trail:
// err, or, when the "restarting" notice was posted in the answer's place
// (instead), errAnswerReplaced, whatever became of the notice (posted,
// failed, or its answer lost): the answer itself was not sent.
func answerPostErr(err error, instead bool) error {
	if instead {
		return errAnswerReplaced
	}
	return err
}

const restartingText = "The bot was restarting and could not finish this answer. Please run the command again."

// postTimeout bounds one reply post in normal running; during a stop the
// posts context ends sooner.
const postTimeout = 15 * time.Second

// post sends a reply. It outlives abandoned work, so that even an abandoned
// command gets its one answer, but not the stop: rc.posts ends PostGrace
// after work is abandoned. A private answer whose response_url Slack calls
// expired or used up (ErrReplyURLGone: nothing was posted) goes to the
// asker of to, when set, by chat.postEphemeral instead (ephemeral).
func (b *Bot) post(rc runCtx, url string, msg Message, mode ReplyMode, received time.Time, to *Request) error {
	pctx, cancel := context.WithTimeout(rc.posts, postTimeout)
	defer cancel()
	err := b.tr.Responder.Post(pctx, url, msg, mode)
	if errors.Is(err, ErrBlocksRefused) && len(msg.Blocks) > 0 {
		// The answer must not vanish for a block Slack's validator
		// refuses: its plain-text fallback says the same.
		b.log.Warn("Slack refused the reply's blocks; sending its text alone", "err", err)
		err = b.tr.Responder.Post(pctx, url, Message{Text: msg.Text}, mode)
	}
	if errors.Is(err, ErrReplyURLGone) && to != nil && mode != Public && b.tr.Ephemeral != nil {
		// The asker would otherwise see nothing after waiting (a reply
		// later than 30 minutes, or a sixth post to one URL).
		b.log.Warn("response_url gone; answering with chat.postEphemeral", "err", err)
		return b.ephemeral(rc, *to, msg, received)
	}
	if !received.IsZero() {
		b.metrics.replied(time.Since(received), err)
	}
	switch {
	case errors.Is(err, ErrReplyUnconfirmed):
		// Not posted again: the asker would see it twice.
		b.metrics.unconfirmed()
		b.log.Warn("reply sent, but Slack's answer was lost; not posted again (the asker may or may not see it)", "err", err)
	case err != nil:
		b.log.Error("reply not delivered", "err", err)
	}
	return err
}

package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patrickmn/go-cache"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// BotConfig tunes the Slack side. Zero values take defaults.
type BotConfig struct {
	// Workers bounds how many commands are answered at once. Default 64:
	// a worker mostly waits on upstream round trips, and with fewer workers
	// than commands in flight, uncached replies queue behind each other
	// (16 workers at 50 in flight tripled the median; see the load tool).
	Workers int
	// Queue is how many acked commands may wait for a worker. Default 1024.
	Queue int
	// ShutdownTimeout is how long in-flight work may run after a stop
	// before it is abandoned (with a "please retry" reply). Default 8 s, so
	// the process exits within the 10 s the contract allows.
	ShutdownTimeout time.Duration
	// SweepEvery is how often envelope IDs remembered for deduplication are
	// dropped once expired. Default 1 min.
	SweepEvery time.Duration
}

// Bot serves a Service over Slack Socket Mode.
type Bot struct {
	sm        *socketmode.Client
	svc       *Service
	responder *Responder
	cfg       BotConfig
	log       *slog.Logger
	metrics   *Metrics

	seen  *cache.Cache // envelope IDs already taken: delivery is at least once
	ready atomic.Bool
	conns atomic.Int64
}

// NewBot returns a Bot. internal/wire builds it; the Lookups behind svc
// sweep their own cache.
func NewBot(sm *socketmode.Client, svc *Service, responder *Responder, cfg BotConfig, log *slog.Logger, m *Metrics) *Bot {
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 8 * time.Second
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bot{sm: sm, svc: svc, responder: responder, cfg: cfg, log: log, metrics: m,
		seen: cache.New(30*time.Minute, 0)}
}

// Ready reports whether the Socket Mode connection is up.
func (b *Bot) Ready() bool { return b.ready.Load() }

// job is one acked envelope waiting for a worker.
type job struct {
	received time.Time
	command  *slack.SlashCommand
	action   *slack.InteractionCallback
	event    *slackevents.EventsAPIEvent // events_api: App Home (home.go)
}

// Run serves until ctx is done, then stops taking envelopes, lets acked
// work finish for up to ShutdownTimeout, abandons the rest with a short
// "please retry" reply, and returns. Every goroutine it starts has ended
// when it returns.
func (b *Bot) Run(ctx context.Context) error {
	// The socket and the workers get contexts of their own, so that stopping
	// can be done in order: socket first, then the work already acked.
	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()
	workCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()

	jobs := make(chan job, b.cfg.Queue)
	var workers sync.WaitGroup
	for range b.cfg.Workers {
		workers.Go(func() {
			for j := range jobs {
				b.handle(workCtx, j)
			}
		})
	}

	var loops sync.WaitGroup
	loops.Go(func() { b.drain(sockCtx, jobs) })
	loops.Go(func() { b.connect(sockCtx) })
	loops.Go(func() { b.sweep(sockCtx) })

	<-ctx.Done()
	b.log.Info("stopping: no new commands; finishing those in flight", "timeout", b.cfg.ShutdownTimeout)
	stopSocket()
	loops.Wait()
	b.ready.Store(false)
	close(jobs)

	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	t := time.NewTimer(b.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		b.log.Warn("stopping: abandoning commands still in flight")
		abandon()
		<-done
	}
	b.log.Info("stopped")
	return nil
}

// connect keeps a Socket Mode connection open. slack-go's RunContext
// returns for good on auth errors; a bot that then sat silent would look
// alive to Kubernetes, so it retries with backoff and says why, loudly.
func (b *Bot) connect(ctx context.Context) {
	backoff := time.Second
	for {
		err := b.sm.RunContext(ctx)
		if ctx.Err() != nil {
			return
		}
		b.ready.Store(false)
		b.metrics.connection(false, 0)
		b.log.Error("Slack Socket Mode connection failed; check SLACK_APP_TOKEN (xapp-, scope connections:write) and that Socket Mode is on",
			"err", err, "retry_in", backoff)
		if sleepCtx(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

func (b *Bot) sweep(ctx context.Context) {
	t := time.NewTicker(b.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.seen.DeleteExpired()
		}
	}
}

// drain reads every event slack-go emits. It must never block on slow
// work: an undrained Events channel stops pings and acks.
func (b *Bot) drain(ctx context.Context, jobs chan<- job) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-b.sm.Events:
			b.event(ctx, evt, jobs)
		}
	}
}

func (b *Bot) event(ctx context.Context, evt socketmode.Event, jobs chan<- job) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.ready.Store(false)
		b.metrics.connection(false, 0)
		b.log.Debug("socket mode connecting")
		return
	case socketmode.EventTypeConnectionError:
		b.ready.Store(false)
		b.metrics.connection(false, 0)
		b.log.Warn("socket mode connection error", "err", evt.Data)
		return
	case socketmode.EventTypeConnected:
		n := b.conns.Add(1)
		b.ready.Store(true)
		b.metrics.connection(true, int(n-1))
		b.log.Info("socket mode connected", "connections_so_far", n)
		return
	case socketmode.EventTypeInvalidAuth:
		b.ready.Store(false)
		b.log.Error("Slack rejected the app-level token (invalid_auth): create a new xapp- token with connections:write")
		return
	case socketmode.EventTypeHello, socketmode.EventTypeDisconnect:
		return
	case socketmode.EventTypeErrorBadMessage:
		// Ack what we cannot parse, or Slack redelivers it.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				b.ack(ctx, env.EnvelopeID, received)
			}
		}
		b.log.Warn("socket mode: unreadable message", "err", evt.Data)
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		b.log.Debug("socket mode event", "type", evt.Type)
		return
	}
	id := evt.Request.EnvelopeID
	b.ack(ctx, id, received)
	if b.seen.Add(id, struct{}{}, cache.DefaultExpiration) != nil {
		b.log.Info("duplicate envelope ignored", "envelope_id", id)
		return
	}
	j := job{received: received}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return
		}
		j.command = &cmd
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return
		}
		j.action = &cb
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return
		}
		j.event = &ev
	default:
		return
	}
	select {
	case jobs <- j:
	default:
		// Never block the event loop: answer "busy" from the worker side.
		b.log.Warn("queue full; answering busy")
		go b.busy(j)
	}
}

func (b *Bot) ack(ctx context.Context, envelopeID string, received time.Time) {
	if err := b.sm.AckCtx(ctx, envelopeID, nil); err != nil {
		b.log.Warn("ack failed", "envelope_id", envelopeID, "err", err)
		return
	}
	b.metrics.acked(time.Since(received))
}

func (b *Bot) busy(j job) {
	if url := j.responseURL(); url != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.responder.Post(ctx, url, RenderNotice("The bot is very busy right now. Please try again in a minute."), Private)
	}
}

func (j job) responseURL() string {
	switch {
	case j.command != nil:
		return j.command.ResponseURL
	case j.action != nil:
		return j.action.ResponseURL
	}
	return ""
}

func (b *Bot) handle(ctx context.Context, j job) {
	b.metrics.inflight(1)
	defer b.metrics.inflight(-1)
	switch {
	case j.command != nil:
		b.command(ctx, j)
	case j.action != nil:
		b.interaction(ctx, j)
	case j.event != nil:
		b.eventsAPI(ctx, j)
	}
}

func (b *Bot) command(ctx context.Context, j job) {
	c := j.command
	req := Request{UserID: c.UserID, ChannelID: c.ChannelID, Text: c.Text}
	// A slow command (a report) first says it is running; the answer then
	// replaces that message rather than adding a second one.
	progressed := false
	progress := func(m Message) {
		mode := Private
		if progressed {
			mode = PrivateReplace // updates replace the first progress message
		}
		b.post(ctx, c.ResponseURL, m, mode, time.Time{})
		progressed = true
	}
	r := b.svc.Answer(ctx, req, progress)
	msg := r.Message
	if ctx.Err() != nil {
		msg = RenderNotice("The bot was restarting and could not finish this answer. Please run the command again.")
	}
	mode := Private
	if progressed {
		mode = PrivateReplace
	}
	b.post(ctx, c.ResponseURL, msg, mode, j.received)
}

// post sends a reply. It outlives an abandoned ctx briefly, so that even an
// abandoned command gets its one answer.
func (b *Bot) post(ctx context.Context, url string, msg Message, mode ReplyMode, received time.Time) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	err := b.responder.Post(pctx, url, msg, mode)
	if !received.IsZero() {
		b.metrics.replied(time.Since(received), err)
	}
	if err != nil {
		b.log.Error("reply not delivered", "err", err)
	}
}

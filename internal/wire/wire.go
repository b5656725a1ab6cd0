// Package wire builds lastactive's object graph in one place: the
// Atlassian client, the lookups, the org scanner, the Service and, when
// Slack tokens are set, the Socket Mode Bot. The binary (serve, demo, the
// terminal subcommands), the load tool's in-process target and the bot's
// end-to-end tests all build through it, so they cannot drift apart.
package wire

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/internal/schedule"
	"lastactive/internal/slacksocket"
	"lastactive/internal/state"
	"lastactive/nudge"
	"lastactive/seat"
)

// Settings is everything Build needs: the configuration, as plain values
// (cmd/lastactive fills it from the environment), and the few parts a
// caller may replace.
type Settings struct {
	JiraBaseURL, JiraEmail, JiraAPIToken string
	AdminAPIURL, OrgID, APIKey           string
	// SlackAppToken and SlackBotToken: both empty builds no Bot (demo,
	// terminal use); the Service then answers without Slack.
	SlackAppToken, SlackBotToken, SlackAPIURL string

	CacheTTL                                   time.Duration
	AllowedUsers, AllowedChannels, ReportUsers []string
	// OwnWorkspaceOnly: see bot.ServiceConfig.
	OwnWorkspaceOnly bool
	IdleDays         int
	SeatPrices       seat.Prices
	Currency         string // ISO 4217 code of SeatPrices; "" means USD
	// ReportProgressEvery is the least time between updates of a report's
	// "report running" message; 0 means bot.DefaultProgressEvery.
	ReportProgressEvery time.Duration
	// PerUserEvery and PerUserBurst shape each requester's lookup budget;
	// zero takes bot.GateConfig's defaults.
	PerUserEvery time.Duration
	PerUserBurst int

	Logger  *slog.Logger // nil: discard
	Metrics *bot.Metrics // nil: none
	// HTTP is the client for every outside call; nil: UpstreamHTTP().
	HTTP *http.Client
	// AtlassianOptions are added after the defaults (tests shorten retries).
	AtlassianOptions []atlassian.Option
	// Users resolves Slack mentions; nil: Slack's users.info when Slack is
	// set up, else no mentions.
	Users bot.UserDirectory
	// Files sends report CSVs; nil: Slack's file upload when Slack is set up.
	Files bot.FileSender
	// OnSlackTokenRejected, when set, is called each time the bot's own
	// Slack calls (users.info, the report's DM and upload) start finding the
	// bot token refused: readiness can mark the bot not ready at once.
	OnSlackTokenRejected func(error)
	// Reports turns the idle report on (it is on for anyone in ReportUsers;
	// with Reports false the command says reports are not set up).
	Reports bool
	Bot     bot.BotConfig
	// Socket tunes the Socket Mode connections; zero fields take
	// slacksocket's defaults, and Log, ReadLimit, Acked and APIURL are set here.
	Socket slacksocket.Options
	// SweepEvery is how often the lookups drop expired answers; 0: a minute.
	SweepEvery time.Duration
	// MaxAtlassianCalls bounds the lookups' Atlassian calls running at once
	// (LimitDirectory); 0: DefaultMaxAtlassianCalls.
	MaxAtlassianCalls int
	// State is the durable store (audit trail, report history, claims);
	// nil keeps everything in memory (demo, terminal lookups).
	State        *Durable
	StoreMetrics *StoreMetrics
	// Sockets is how many Socket Mode connections the Bot keeps; 0: 2, so
	// that one is open while Slack refreshes the other.
	Sockets int
	// StillLooking and LookupDeadline: see bot.ServiceConfig (0: defaults).
	StillLooking, LookupDeadline time.Duration

	// The seat digest and App Home (digest.go). DigestChannel empty: no
	// scheduled digest. The digest keeps its history in State.
	DigestChannel  string
	DigestSchedule schedule.Schedule
	// DigestImages and DigestPoster replace the Slack calls (tests, the CLI).
	DigestImages bot.ImageUploader
	DigestPoster bot.ChannelPoster

	// AdminWriteKey lets approved releases change access (nudge.go).
	AdminWriteKey string
	// Nudge is keep or release (nudge.go); it needs Reports and State.
	Nudge NudgeSettings
}

// ButtonMaxAge is how long a Share or Refresh button stays usable.
const ButtonMaxAge = 24 * time.Hour

// maxFrame bounds a Socket Mode frame: envelopes are small, and a frame of
// a megabyte is hostile or broken.
const maxFrame = 1 << 20

// App is the built graph. Close it when done.
type App struct {
	Atlassian *atlassian.Client
	Lookups   *bot.Lookups
	// Sites names sites by host for the lookups, the report and the CLI:
	// one workspaces read an hour for the whole process.
	Sites   *seat.SiteBook
	Scanner *seat.Scanner // nil when reports are off
	Service *bot.Service
	Slack   *slack.Client // nil without Slack tokens
	Bot     *bot.Bot      // nil without Slack tokens
	HTTP    *http.Client
	State   *Durable     // from Settings; nil without a store
	Audit   *AuditWriter // nil without a store; Run runs it
	Digests *bot.Digests // nil when reports are off

	Nudge *nudge.Engine // keep or release; nil without reports or a store

	envelopes  *EnvelopeLog   // the dedupe's batched writes (SQLite); Run runs it
	sealers    []sealer       // the button signers, whose keys the store remembers
	digestLoop *schedule.Loop // nil without a digest channel or a store
	nudgeLoop  *schedule.Loop // nil unless LASTACTIVE_NUDGE asks for rounds

	sweepEvery time.Duration
	log        *slog.Logger
}

// UpstreamHTTP is the HTTP client for every outside call. TLS verification
// stays on: nothing in this program sets InsecureSkipVerify. A server that
// accepts a connection and never answers is given up on after 20 s.
func UpstreamHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 20 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// Atlassian builds the Atlassian client alone (the terminal subcommands
// need nothing else). Metrics, when set, count every upstream request.
func Atlassian(s Settings) (*atlassian.Client, error) {
	s.defaults()
	m := s.Metrics
	opts := append([]atlassian.Option{
		atlassian.WithHTTPClient(s.HTTP),
		atlassian.WithLogger(s.Logger),
		atlassian.WithObserver(func(ri atlassian.RequestInfo) { m.Upstream(string(ri.API), ri.Status, ri.Duration) }),
	}, s.AtlassianOptions...)
	return atlassian.New(atlassian.Config{
		JiraBaseURL:  s.JiraBaseURL,
		JiraEmail:    s.JiraEmail,
		JiraAPIToken: s.JiraAPIToken,
		AdminBaseURL: s.AdminAPIURL,
		OrgID:        s.OrgID,
		APIKey:       s.APIKey,

		AdminWriteKey: s.AdminWriteKey, // only the release calls send it
	}, opts...)
}

// Sites builds the site book over client alone (the terminal subcommands
// use it without the rest of the graph).
func Sites(client *atlassian.Client, log *slog.Logger) *seat.SiteBook {
	return seat.NewSiteBook(client, seat.SiteBookOptions{Logger: log})
}

func (s *Settings) defaults() {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.HTTP == nil {
		s.HTTP = UpstreamHTTP()
	}
	if s.SweepEvery <= 0 {
		s.SweepEvery = time.Minute
	}
}

// Build builds the graph for s.
func Build(s Settings) (*App, error) {
	s.defaults()
	client, err := Atlassian(s)
	if err != nil {
		return nil, err
	}
	a := &App{Atlassian: client, HTTP: s.HTTP, sweepEvery: s.SweepEvery, log: s.Logger}
	a.Lookups = bot.NewLookups(LimitDirectory(client, s.MaxAtlassianCalls), bot.LookupOptions{TTL: s.CacheTTL, Observe: s.Metrics.Lookup, Resolved: s.Metrics.Resolver, Logger: s.Logger})
	s.Metrics.WatchLookupCaches(a.Lookups)
	a.Sites = Sites(client, s.Logger)

	slackOn := s.SlackAppToken != "" || s.SlackBotToken != ""
	var web *bot.SlackAPI
	if slackOn {
		slackLog := slogWriter{s.Logger}
		a.Slack = slack.New(s.SlackBotToken,
			slack.OptionAppLevelToken(s.SlackAppToken),
			slack.OptionAPIURL(s.SlackAPIURL),
			// Slack's answers never redirect; one that does must not steer a
			// reply (chat.postEphemeral carries personal data) elsewhere;
			// nor is an answer read past bot.MaxSlackAnswer.
			slack.OptionHTTPClient(bot.SlackHTTP(s.HTTP)),
			slack.OptionLog(slackLog),
		)
		web = &bot.SlackAPI{Client: a.Slack, URL: s.SlackAPIURL, Logger: s.Logger, OnTokenRejected: s.OnSlackTokenRejected, Metrics: s.Metrics}
		if s.Users == nil {
			s.Users = bot.SlackUsers{API: web, TTL: profileTTL(s.CacheTTL)}
		}
		if s.Files == nil {
			s.Files = bot.SlackFiles{API: web}
		}
	}
	cfg := bot.ServiceConfig{
		Lookups: a.Lookups,
		Users:   s.Users,
		Gate: bot.NewGate(bot.GateConfig{AllowedUsers: s.AllowedUsers, AllowedChannels: s.AllowedChannels, ReportUsers: s.ReportUsers,
			PerUserEvery: s.PerUserEvery, PerUserBurst: s.PerUserBurst, Remember: rememberFor(s.CacheTTL)}),
		OrgID:         s.OrgID,
		IdleDays:      s.IdleDays,
		Logger:        s.Logger,
		ProgressEvery: s.ReportProgressEvery,
		Metrics:       s.Metrics,
		Sites:         a.Sites,

		StillLooking:   s.StillLooking,
		LookupDeadline: s.LookupDeadline,
	}
	if s.SlackBotToken != "" {
		// Replicas share the bot token, so they accept each other's buttons.
		cfg.Buttons = bot.NewButtonSigner(s.SlackBotToken, ButtonMaxAge, nil)
		if s.State != nil {
			cfg.Buttons.SetKeySource(keySource(s.State, "buttons"), keyReloadEvery)
		}
		a.sealers = append(a.sealers, sealer{purpose: "buttons", signer: cfg.Buttons})
	}
	if s.State != nil {
		a.State = s.State
		a.Audit = NewAuditWriter(s.State, 0, s.Logger, s.StoreMetrics)
		cfg.Audit, cfg.AuditTrail = a.Audit, AuditTrailReader{D: s.State, W: a.Audit}
		cfg.Exemptions = ExemptionStore{D: s.State}
		cfg.ShareClaims = ShareClaims{D: s.State}
	}
	if s.Reports {
		sc := seat.ScanConfig{Dir: client, Prices: s.SeatPrices, Currency: s.Currency, TTL: s.CacheTTL, Logger: s.Logger, Sites: a.Sites}
		if s.State != nil {
			sc.Share = &ScanShare{D: s.State, Log: s.Logger, Metrics: s.StoreMetrics, IdleDays: s.IdleDays, TTL: s.CacheTTL}
		}
		a.Scanner = seat.NewScanner(sc)
		cfg.Scanner, cfg.Files = a.Scanner, s.Files
	}
	if a.Digests, err = a.buildDigests(s, web); err != nil {
		a.Close()
		return nil, err
	}
	cfg.Digests = a.Digests
	a.buildNudges(s, client, web, &cfg)
	cfg.OwnWorkspaceOnly = s.OwnWorkspaceOnly
	if slackOn && s.SlackBotToken != "" {
		// A request before the start's auth.test said which workspace the
		// bot is in asks it then: another company's must not be served.
		cfg.Home = func(ctx context.Context) (string, string, error) {
			at, err := a.Slack.AuthTestContext(ctx)
			if err != nil {
				return "", "", err
			}
			return at.TeamID, at.EnterpriseID, nil
		}
	}
	a.Service = bot.NewService(cfg)

	if slackOn {
		so := s.Socket
		so.Log, so.ReadLimit, so.Acked, so.APIURL = s.Logger, maxFrame, s.Metrics.Acked, s.SlackAPIURL
		n := s.Sockets
		if n <= 0 {
			n = 2
		}
		// One client per connection, on the same app token: each keeps
		// its own socket and writes its own acks.
		tr := bot.Transport{Responder: bot.NewResponder(s.HTTP, s.SlackAPIURL), Ephemeral: bot.SlackEphemeral{API: web}, Direct: bot.SlackChat{API: web}}
		for range n {
			tr.Sockets = append(tr.Sockets, slacksocket.New(a.Slack, so))
		}
		bc, envelopes := s.botConfig()
		a.envelopes = envelopes
		a.Bot = bot.NewBot(tr, a.Service, bc, s.Logger, s.Metrics)
	}
	return a, nil
}

// rememberFor is how long the Gate lets a requester ask again, at no cost,
// about a person they paid for: while the answer is cached (at most an
// hour), so a free repeat costs no upstream call. Without a cache, every
// lookup reads Atlassian and pays.
func rememberFor(cacheTTL time.Duration) time.Duration {
	if cacheTTL <= 0 {
		return -1
	}
	return min(cacheTTL, time.Hour)
}

// profileTTL is how long a mention's Slack profile (users.info) is kept:
// as long as an answer is cached, at most bot.DefaultProfileTTL, so that a
// changed email is seen soon (and at once with --fresh). Without a cache,
// nothing is kept; concurrent mentions of one person still share a call.
func profileTTL(cacheTTL time.Duration) time.Duration {
	if cacheTTL <= 0 {
		return -1
	}
	return min(cacheTTL, bot.DefaultProfileTTL)
}

// botConfig is s.Bot with, when there is a store, the store's dedupe behind
// the in-process one: an envelope that reaches two replicas (PostgreSQL) is
// answered once, and so is one Slack redelivers after a restart, which
// empties the process's memory (SQLite too: the contract keeps the envelope
// dedupe in the database). It costs one insert per envelope (about 26 µs
// on SQLite, BenchmarkFirstDelivery).
func (s *Settings) botConfig() (bot.BotConfig, *EnvelopeLog) {
	bc := s.Bot
	if s.State == nil {
		return bc, nil
	}
	mem := bc.Dedupe
	if mem == nil {
		m := bot.NewMemoryDeduper(state.EnvelopeTTL, nil)
		if !s.State.Shared() {
			// Alone on its database: the memory answers, the database
			// remembers across a restart, written in batches (a.envelopes).
			log := NewEnvelopeLog(s.State, m, s.StoreMetrics, s.Logger)
			bc.Dedupe = log
			return bc, log
		}
		mem = m
	}
	bc.Dedupe = &StoreDeduper{D: s.State, Memory: mem, Metrics: s.StoreMetrics}
	return bc, nil
}

// storeStartWait bounds how long Run waits for the store's first open
// before connecting to Slack: a stalled database delays the bot this much
// at most, never the health server.
const storeStartWait = 5 * time.Second

// ErrNoBot is returned by Run for an App built without Slack tokens.
var ErrNoBot = errors.New("wire: no Slack tokens, so no bot to run")

// Run serves the Bot and sweeps the lookups' cache until ctx is done, then
// waits for both. With a store, it also runs the store's checks and sweeps
// and the audit writer, which flushes after the Bot has stopped. It does
// not Close the App, nor the store.
func (a *App) Run(ctx context.Context) error {
	if a.Bot == nil {
		return ErrNoBot
	}
	sctx, stop := context.WithCancel(ctx)
	// The audit writer stops after the Bot, which finishes the commands it
	// acked after ctx ends: their events must still be stored. Its context
	// is not ctx's child, or it would stop with the signal.
	actx, stopAudit := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.Lookups.RunSweeper(sctx, a.sweepEvery) })
	if a.State != nil {
		wg.Go(func() { a.State.Run(sctx) })
		// The store opens beside the health server (serve's OpenInRun);
		// Slack waits for its first try, at most storeStartWait, so that
		// the first envelopes find the dedupe and the audit trail there
		// (a replica answering from memory alone would answer twice).
		a.State.waitTried(ctx, storeStartWait)
		err := rememberButtonKeys(ctx, a.State.Store(), a.sealers, time.Now(), true)
		if err != nil {
			a.log.Warn("button keys not remembered yet: tried again every minute", "err", err)
		}
		recorded := err == nil && a.State.Store() != nil
		wg.Go(func() { a.keepButtonKeys(sctx, recorded, time.Minute, buttonKeyEvery) })
	}
	if a.Audit != nil {
		wg.Go(func() { a.Audit.Run(actx) })
	}
	if a.envelopes != nil {
		// Like the audit writer: flushed after the Bot has stopped.
		wg.Go(func() { a.envelopes.Run(actx) })
	}
	// The schedules audit what they post: a digest posted as the stop
	// came is still recorded, so they end before the audit writer does.
	var scheduled sync.WaitGroup
	scheduled.Go(func() { a.runDigests(sctx) })
	scheduled.Go(func() { a.runNudges(sctx) })
	err := a.Bot.Run(ctx)
	stop()
	scheduled.Wait()
	// Lookups the abandoned commands left running upstream end here.
	a.Lookups.Close()
	stopAudit()
	wg.Wait()
	return err
}

// Close stops a report scan still running and drops idle connections.
func (a *App) Close() {
	if a.Scanner != nil {
		a.Scanner.Close()
	}
	a.HTTP.CloseIdleConnections()
}

// slogWriter lets slack-go's logger (anything with Output) write through slog.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Output(_ int, s string) error {
	w.log.Debug(strings.TrimSpace(s), "component", "slack-go")
	return nil
}

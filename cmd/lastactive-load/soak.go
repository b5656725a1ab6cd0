package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
)

// SoakOptions describe one soak: commands under a seeded mix of faults, with
// the bot disrupted and restarted along the way. Zero values take defaults.
type SoakOptions struct {
	N           int           // commands to send; default 2000
	Concurrency int           // commands in flight at once; default 20
	Mix         string        // whom the commands ask about; default MixDistinct
	Latency     time.Duration // of every fake Atlassian answer; default 0
	Users       int           // size of the generated organisation; default N+N/2, at least 500
	PageSize    int           // products per Admin API page; default 2
	Seed        int64         // the same seed injects the same faults on the same draws
	// DisruptEvery sends a Slack disconnect (refresh_requested) to one
	// socket or drops one socket (in turn) every this many commands;
	// default 100, negative turns it off.
	DisruptEvery int
	// Restarts is how many graceful restarts (a new bot, then SIGTERM to
	// the old one) happen, evenly spread over the run. Negative: none.
	Restarts  int
	InProcess bool   // run the bots in this process instead of the binary
	Bin       string // the lastactive binary; empty builds one
	Faults    Faults
	// ReplyTimeout is how long an acked command may wait for its reply
	// before it counts as lost; default 30 s.
	ReplyTimeout time.Duration
	Timeout      time.Duration // bound on the whole soak; default 10 min
	Stderr       io.Writer     // the bots' warnings; nil discards them

	// tamper, in tests, breaks the fake Slack on purpose once the bot is
	// up, to prove the soak notices.
	tamper func(*slacktest.Server)
}

// Faults are the probabilities of each injected fault. Upstream faults are
// drawn per Atlassian request (retries included), response_url faults per
// command. The zero value means the mix (DefaultFaults); set None
// for a soak without faults.
type Faults struct {
	None        bool
	Upstream5xx float64       // 500, 502 or 503
	Upstream429 float64       // 429 with Retry-After: 1
	Malformed   float64       // 200 with truncated JSON
	Spike       float64       // an extra delay of up to SpikeMax
	SpikeMax    time.Duration // default 1 s
	// ResponseURL fails the first one or two posts of a command's reply
	// (500, 503 or 429). Never all three the bot makes: a reply whose every
	// attempt fails is lost by design, and the soak looks for losses the
	// bot could have avoided.
	ResponseURL float64
}

// DefaultFaults is the mix of issue 9.
var DefaultFaults = Faults{Upstream5xx: 0.10, Upstream429: 0.02, Malformed: 0.01, Spike: 0.02, SpikeMax: time.Second, ResponseURL: 0.05}

func (o *SoakOptions) defaults() error {
	if o.N <= 0 {
		o.N = 2000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 20
	}
	if o.Mix == "" {
		o.Mix = MixDistinct
	}
	if o.Mix != MixDistinct && o.Mix != MixZipf && o.Mix != MixSame {
		return fmt.Errorf("unknown mix %q: want distinct, zipf or same", o.Mix)
	}
	if o.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	if o.Users <= 1 {
		o.Users = max(500, o.N+o.N/2)
	}
	if o.PageSize <= 0 {
		o.PageSize = 2
	}
	if o.DisruptEvery == 0 {
		o.DisruptEvery = 100
	}
	if o.Faults == (Faults{}) {
		o.Faults = DefaultFaults
	}
	if o.Faults.SpikeMax <= 0 {
		o.Faults.SpikeMax = time.Second
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = commandTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	// Two bots write at once during a restart.
	o.Stderr = &lockedWriter{w: o.Stderr}
	return nil
}

// SoakResult is what a soak found. OK says whether it passed.
type SoakResult struct {
	Mode         string `json:"mode"`
	Seed         int64  `json:"seed"`
	Sent         int    `json:"commands_sent"`
	NotDelivered int    `json:"not_delivered"` // no open socket: Slack shows its own error
	NotAcked     int    `json:"delivered_not_acked"`
	Acked        int    `json:"acked"`
	LateAcks     int    `json:"acks_late"` // after Slack's 3 s
	Lost         int    `json:"lost"`      // acked, no reply
	Doubled      int    `json:"doubled"`   // acked, more than one reply
	// AnsweredUnacked counts replies to envelopes the fake never saw acked
	// (an ack queued as its socket closed). Real Slack would redeliver
	// them, perhaps to another process: a possible second answer.
	AnsweredUnacked int `json:"answered_not_acked"`
	// Redelivered counts envelopes sent again after no ack came in time and
	// then acked; RedeliveredTwice those of them answered twice, which only
	// a redelivery to another process may cause.
	Redelivered      int            `json:"redelivered"`
	RedeliveredTwice int            `json:"redelivered_answered_twice"`
	Answers          int            `json:"answers_shown"` // acked, one reply showing the person
	Errors           map[string]int `json:"error_replies"` // acked, one reply, by the failure it names
	Unclear          int            `json:"unclear_replies"`
	UnclearSample    string         `json:"unclear_sample,omitempty"`

	// AuditStored is how many audit entries the bots left in their shared
	// store (a SQLite file of the soak's own, or the database
	// LASTACTIVE_DATABASE_URL names, counted from before the first
	// command); AuditExpected is one per answer the fake received. Both 0
	// when the bots had no store.
	AuditStored   int `json:"audit_stored,omitempty"`
	AuditExpected int `json:"audit_expected,omitempty"`
	shownReplies  int

	Injected Injected `json:"injected"`
	Crashes  int      `json:"crashes"`
	Bots     int      `json:"bot_processes"`

	BaselineGoroutines int `json:"baseline_goroutines"`
	AfterGoroutines    int `json:"after_goroutines"`
	// BaselineIdleConn and AfterIdleConn are how many of those goroutines
	// serve HTTP connections kept alive for the next request, known where
	// the bot's stacks were read (in-process, or after a dump). They are a
	// pool that empties on its own after 90 s idle, not a leak, and are not
	// counted against the baseline.
	BaselineIdleConn  int     `json:"baseline_idle_conn_goroutines,omitempty"`
	AfterIdleConn     int     `json:"after_idle_conn_goroutines,omitempty"`
	BaselineRSSMB     float64 `json:"baseline_rss_mb,omitempty"`
	AfterRSSMB        float64 `json:"after_rss_mb,omitempty"`
	GoroutinesSettled bool    `json:"goroutines_back_to_baseline"`
	// GoroutineDump names the file holding the bot's goroutine stacks,
	// taken when they did not come back; GoroutineSummary counts them by
	// where they wait, most first.
	GoroutineDump    string   `json:"goroutine_dump,omitempty"`
	GoroutineSummary []string `json:"goroutine_summary,omitempty"`

	WallSeconds float64  `json:"wall_seconds"`
	Problems    []string `json:"problems,omitempty"`
	OK          bool     `json:"ok"`
}

// Injected counts the faults that were injected.
type Injected struct {
	Upstream5xx    int64 `json:"upstream_5xx"`
	Upstream429    int64 `json:"upstream_429"`
	Malformed      int64 `json:"malformed_json"`
	Spikes         int64 `json:"latency_spikes"`
	ResponseURL    int64 `json:"response_url_failures"`
	Disconnects    int   `json:"slack_disconnects"`
	Drops          int   `json:"dropped_sockets"`
	Restarts       int   `json:"graceful_restarts"`
	UpstreamCalls  int   `json:"upstream_requests"`
	ResponseTotals int   `json:"response_url_posts"`
}

// personLabels name, in the counts, the failure a person's section says
// it shows (its bot.PersonOutcome). bot.PersonFailed is not here: the
// generic "something went wrong" counts as unclear, as every injected fault
// has an outcome of its own.
var personLabels = map[bot.PersonOutcome]string{
	bot.PersonNotFound:           "not found",
	bot.PersonAmbiguous:          "several accounts",
	bot.PersonCredentials:        "credentials rejected",
	bot.PersonRateLimited:        "rate limited",
	bot.PersonTooSlow:            "too slow",
	bot.PersonStopped:            "restarting",
	bot.PersonUnavailable:        "unavailable",
	bot.PersonBadResponse:        "unreadable answer",
	bot.PersonRejected:           "request rejected",
	bot.PersonNoEmail:            "slack user without email",
	bot.PersonSlackTokenRejected: "slack token rejected",
	bot.PersonSlackRateLimited:   "slack rate limited",
	bot.PersonSlackUnavailable:   "slack unavailable",
	bot.PersonSlackMissingScope:  "slack scope missing",
	bot.PersonSlackRefused:       "slack refused",
	bot.PersonUsage:              "usage",
}

// noticeLabels name, in the counts, what a notice says (its
// bot.NoticeKind). "Still looking" and a confirmation are not here: they do
// not say how a lookup ended, so a reply that stays one is unclear.
var noticeLabels = map[bot.NoticeKind]string{
	bot.NoticeBusy:        "busy",
	bot.NoticeRestarting:  "restarting",
	bot.NoticeRateLimited: "per-user limit",
	bot.NoticeRefused:     "refused",
	bot.NoticeUsage:       "usage",
	bot.NoticeStale:       "stale button",
	bot.NoticeForged:      "forged button",
	bot.NoticeNotSetUp:    "not set up",
	bot.NoticeUnavailable: "database unavailable",
}

// soakCommand is what happened to one command.
type soakCommand struct {
	person      int
	id          string // envelope ID; "" when it was never delivered
	undelivered bool
	resent      bool // not acked in time, so delivered again as Slack does
}

// Soak runs o.N commands against the bot under injected faults and checks
// that every acked command got exactly one clear reply. Everything it
// starts has stopped when it returns.
func Soak(ctx context.Context, o SoakOptions) (SoakResult, error) {
	if err := o.defaults(); err != nil {
		return SoakResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	start := time.Now()

	org := atlassiantest.GenerateOrg(o.Users, o.Seed, time.Now())
	people := eligible(org)
	if len(people) == 0 {
		return SoakResult{}, errors.New("the generated organisation has nobody to look up")
	}
	asks := plan(Options{N: o.N, Mix: o.Mix, Seed: o.Seed}, len(people))

	atl := atlassiantest.NewServer(org, atlassiantest.WithLatency(o.Latency), atlassiantest.WithPageSize(o.PageSize))
	defer atl.Close()
	sl := slacktest.NewServer()
	defer sl.Close()
	r := SoakResult{Seed: o.Seed, Sent: len(asks), Errors: map[string]int{}, Mode: "subprocess"}
	if o.InProcess {
		r.Mode = "in-process"
	}
	inj := &r.Injected
	var counts chaosCounts
	if !o.Faults.None {
		installChaos(atl, sl, o.Seed, o.Faults, &counts)
	}

	bin := o.Bin
	if !o.InProcess && bin == "" {
		b, dir, err := buildBinary(ctx, "lastactive/cmd/lastactive")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(dir)
		bin = b
	}
	// The bots share one SQLite file, as the replicas of a rolling restart
	// share their volume, or the database LASTACTIVE_DATABASE_URL names
	// (PostgreSQL, as replicas share it), so that the soak can count the
	// audit trail they left: one entry for every command answered,
	// restarts and faults or not. auditURL is the store counted.
	var dbURL, auditURL string
	if u, set := os.LookupEnv("LASTACTIVE_DATABASE_URL"); !o.InProcess && !set {
		dir, err := os.MkdirTemp("", "lastactive-soak-db-")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(dir)
		dbURL = "sqlite:" + filepath.Join(dir, "lastactive.db")
		auditURL = dbURL
	} else if set && u != "" {
		auditURL = u
	}
	f := &fleet{startOne: func(ctx context.Context) (target, error) {
		if o.InProcess {
			return startInProcess(ctx, sl, atl, o.Stderr)
		}
		return startSubprocess(ctx, bin, sl, atl, o.Stderr, dbURL)
	}}
	if err := f.restart(ctx); err != nil {
		return r, err
	}
	defer f.stop()
	// A database of the caller's may hold entries already: only those the
	// soak adds are its own. The first bot has migrated it and answered
	// nothing yet.
	var auditBefore int64
	if auditURL != "" && auditURL != dbURL {
		var err error
		if auditBefore, err = countAudit(ctx, auditURL); err != nil {
			r.Problems = append(r.Problems, "audit trail before the soak: "+err.Error())
			auditURL = ""
		}
	}

	cmds := make([]soakCommand, len(asks))
	for i, p := range asks {
		cmds[i].person = p
	}
	// Warm up before the baseline: connection pools, caches and the
	// runtime's own goroutines reach their working size.
	warm := min(len(asks), max(o.Concurrency, len(asks)/20))
	s := &soaker{sl: sl, people: people, cmds: cmds, requesters: (len(asks) + 9) / 10, timeout: o.ReplyTimeout}
	s.send(ctx, 0, warm, o.Concurrency, nil)
	warmErr := s.settle(ctx, 0, warm)
	base, err := f.gauges(ctx)
	if err != nil {
		return r, fmt.Errorf("baseline: %w", err)
	}
	r.BaselineGoroutines, r.BaselineIdleConn, r.BaselineRSSMB = base.goroutines, base.idle, base.rssMB
	if o.tamper != nil {
		o.tamper(sl)
	}

	// Restarts run beside the commands, one at a time, in this goroutine's
	// care: it waits for them before it counts anything.
	restarts := make(chan struct{}, max(o.Restarts, 0))
	restarted := make(chan error, 1)
	go func() {
		var first error
		for range restarts {
			if err := f.restart(ctx); err != nil && first == nil {
				first = err
			}
		}
		restarted <- first
	}()
	at := map[int]bool{}
	for j := 1; j <= o.Restarts; j++ {
		at[warm+(len(asks)-warm)*j/(o.Restarts+1)] = true
	}
	var disruptions atomic.Int64
	s.send(ctx, warm, len(asks), o.Concurrency, func(i int) {
		if at[i] {
			restarts <- struct{}{}
		}
		if o.DisruptEvery > 0 && i > warm && (i-warm)%o.DisruptEvery == 0 {
			// As Slack and networks do it: one connection at a time is
			// refreshed or fails, while the bot's other one stays open.
			// So the bot is given the time to replace the one disrupted
			// last before the next goes (on a loaded machine, twenty
			// commands can come sooner than a reconnect, and the fake
			// would drop the only socket left).
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_ = sl.Wait(wctx, func() bool { return sl.Deliverable() >= 2 })
			cancel()
			if disruptions.Add(1)%2 == 1 {
				sl.DisconnectOne("refresh_requested")
			} else {
				sl.DropOne()
			}
		}
	})
	close(restarts)
	restartErr := <-restarted
	n := int(disruptions.Load())
	inj.Disconnects, inj.Drops = (n+1)/2, n/2
	inj.Restarts = f.restarts - 1

	settleErr := s.settle(ctx, 0, len(asks))
	after, err := f.waitGauges(ctx, base)
	var dumpErr error
	if err == nil {
		r.GoroutinesSettled = backToBaseline(base, after)
		if !r.GoroutinesSettled {
			// What holds them: a goroutine of the bot's waiting on what
			// never comes, or idle connections and the runtime's own. A
			// bot in its own process says which only in its stacks.
			var stacks string
			r.GoroutineDump, stacks, dumpErr = f.dump()
			if dumpErr == nil {
				after.goroutines, after.idle = countStacks(stacks)
				if r.GoroutinesSettled = backToBaseline(base, after); r.GoroutinesSettled {
					os.Remove(r.GoroutineDump)
					r.GoroutineDump = ""
				} else {
					r.GoroutineSummary = summarizeStacks(stacks, 8)
				}
			}
		}
		r.AfterGoroutines, r.AfterIdleConn, r.AfterRSSMB = after.goroutines, after.idle, after.rssMB
	}
	f.stop()
	r.Crashes, r.Bots = f.crashes, f.restarts

	// Every bot has stopped: what the fake recorded now is final.
	s.count(&r)
	if auditURL != "" {
		// One entry for each answer shown: a redelivery answered by two
		// processes was audited by both.
		r.AuditExpected = r.shownReplies
		if n, err := countAudit(ctx, auditURL); err != nil {
			r.Problems = append(r.Problems, "audit trail: "+err.Error())
		} else {
			r.AuditStored = int(n - auditBefore)
		}
	}
	inj.UpstreamCalls = atl.Count("", "")
	inj.Upstream5xx, inj.Upstream429, inj.Malformed = counts.upstream5xx.Load(), counts.upstream429.Load(), counts.malformed.Load()
	inj.Spikes, inj.ResponseURL = counts.spikes.Load(), counts.responseURL.Load()
	for _, c := range cmds {
		if c.id != "" {
			inj.ResponseTotals += len(sl.ResponseAttempts(c.id))
		}
	}
	r.WallSeconds = round(time.Since(start).Seconds(), 2)

	for _, e := range []error{warmErr, restartErr, settleErr, err} {
		if e != nil {
			r.Problems = append(r.Problems, e.Error())
		}
	}
	r.Problems = append(r.Problems, f.problems...)
	if r.Lost > 0 || r.Doubled > 0 || r.Unclear > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d lost, %d doubled, %d unclear replies", r.Lost, r.Doubled, r.Unclear))
	}
	// A bot runs the whole time (restarts are rolling: the new one is
	// ready before the old one stops), and each keeps two sockets that
	// are refreshed or dropped one at a time: a command that found no
	// socket open was lost while a process was running.
	if r.NotDelivered > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d commands found no open socket while a bot was running", r.NotDelivered))
	}
	if r.Acked == 0 {
		r.Problems = append(r.Problems, "no command was acked")
	}
	if auditURL != "" && r.AuditStored != r.AuditExpected {
		r.Problems = append(r.Problems, fmt.Sprintf("%d audit entries stored for %d answered commands", r.AuditStored, r.AuditExpected))
	}
	if !r.GoroutinesSettled && err == nil {
		p := fmt.Sprintf("goroutines did not come back: %d after (last reading), %d baseline", r.AfterGoroutines, r.BaselineGoroutines)
		if after.readErr != nil {
			p += fmt.Sprintf("; then /metrics failed: %v", after.readErr)
		}
		if r.GoroutineDump != "" {
			p += "; goroutine dump in " + r.GoroutineDump
		}
		if dumpErr != nil {
			p += fmt.Sprintf("; no goroutine dump: %v", dumpErr)
		}
		r.Problems = append(r.Problems, p)
	}
	r.OK = len(r.Problems) == 0 && r.Crashes == 0
	return r, nil
}

// chaosCounts are counted from the fakes' handlers.
type chaosCounts struct {
	upstream5xx, upstream429, malformed, spikes, responseURL atomic.Int64
}

// installChaos makes the fakes fail at the rates of f, drawing from one
// source seeded with seed. Under concurrency the draws land on requests in
// the order they arrive, so a seed fixes the mix, not which command gets
// which fault.
func installChaos(atl *atlassiantest.Server, sl *slacktest.Server, seed int64, f Faults, inj *chaosCounts) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(uint64(seed), 0x50a6))
	atl.SetChaos(func(*http.Request) (atlassiantest.Failure, bool) {
		mu.Lock()
		x, pick, spike := rng.Float64(), rng.IntN(3), time.Duration(rng.Int64N(int64(f.SpikeMax)))+1
		mu.Unlock()
		switch {
		case x < f.Upstream5xx:
			inj.upstream5xx.Add(1)
			return atlassiantest.Failure{Status: []int{500, 502, 503}[pick]}, true
		case x < f.Upstream5xx+f.Upstream429:
			inj.upstream429.Add(1)
			return atlassiantest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "1"}, true
		case x < f.Upstream5xx+f.Upstream429+f.Malformed:
			inj.malformed.Add(1)
			return atlassiantest.Failure{Malformed: true}, true
		case x < f.Upstream5xx+f.Upstream429+f.Malformed+f.Spike:
			inj.spikes.Add(1)
			return atlassiantest.Failure{Delay: spike}, true
		}
		return atlassiantest.Failure{}, false
	})

	type plan struct{ fails, status int }
	plans := map[string]plan{}
	sl.SetResponseURLChaos(func(id string, attempt int) (int, bool) {
		mu.Lock()
		p, ok := plans[id]
		if !ok {
			if rng.Float64() < f.ResponseURL {
				p = plan{fails: 1 + rng.IntN(2), status: []int{500, 503, 429}[rng.IntN(3)]}
			}
			plans[id] = p
		}
		mu.Unlock()
		if attempt > p.fails {
			return 0, false
		}
		inj.responseURL.Add(1)
		return p.status, true
	})
}

// soaker sends the commands and counts what became of them.
type soaker struct {
	sl         *slacktest.Server
	people     []person
	cmds       []soakCommand
	requesters int
	timeout    time.Duration // for one reply
}

// send sends commands [lo, hi), concurrency at a time, each waiting for its
// reply or for Slack to give up on its ack. before runs before command i
// is sent.
func (s *soaker) send(ctx context.Context, lo, hi, concurrency int, before func(i int)) {
	var next atomic.Int64
	next.Store(int64(lo))
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= hi || ctx.Err() != nil {
					return
				}
				if before != nil {
					before(i)
				}
				s.one(ctx, i)
			}
		})
	}
	wg.Wait()
}

func (s *soaker) one(ctx context.Context, i int) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c := &s.cmds[i]
	// Within each requester's burst, as in the load run: the per-user limit
	// is not what this soak is about.
	env, err := s.sl.SlashCommand(ctx, slacktest.Command{
		UserID: fmt.Sprintf("USOAK%06d", i%s.requesters), ChannelID: "C0SOAK", Text: s.people[c.person].email})
	if err != nil {
		// No socket open (a drop or a restart): Slack would show the user
		// its own error. Wait for the bot to be back before the next one.
		c.undelivered = true
		_ = s.sl.WaitConnected(ctx)
		return
	}
	c.id = env.ID
	_ = s.sl.Wait(ctx, func() bool {
		if s.sl.Acks(env.ID) > 0 {
			return len(s.sl.Replies(env.ID)) > 0
		}
		return s.sl.TimedOut(env.ID)
	})
	if s.sl.Acks(env.ID) > 0 || !s.sl.TimedOut(env.ID) {
		return
	}
	// Slack redelivers an envelope it saw no ack for, with the same ID: to
	// the same process, which must not answer twice, or to another.
	if s.sl.WaitConnected(ctx) != nil || s.sl.Resend(ctx, env) != nil {
		return
	}
	c.resent = true
	_ = s.sl.Wait(ctx, func() bool { return s.sl.Acks(env.ID) > 0 && len(s.sl.Replies(env.ID)) > 0 })
}

// settle waits until every acked command in [lo, hi) has a reply, bounded
// by the reply timeout: one still without is lost.
func (s *soaker) settle(ctx context.Context, lo, hi int) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var pending []string
	for _, c := range s.cmds[lo:hi] {
		if c.id != "" {
			pending = append(pending, c.id)
		}
	}
	err := s.sl.Wait(ctx, func() bool {
		pending = slices.DeleteFunc(pending, func(id string) bool {
			return len(s.sl.Replies(id)) > 0 || s.sl.Acks(id) == 0 && s.sl.TimedOut(id)
		})
		return len(pending) == 0
	})
	if err != nil {
		return fmt.Errorf("%d acked commands still unanswered: %w", len(pending), err)
	}
	return nil
}

// count classifies every command by what the fake recorded.
func (s *soaker) count(r *SoakResult) {
	for _, c := range s.cmds {
		if c.id == "" {
			if c.undelivered {
				r.NotDelivered++
			}
			continue
		}
		replies := shown(s.sl.Replies(c.id))
		r.shownReplies += len(replies)
		if s.sl.Acks(c.id) == 0 {
			r.NotAcked++
			if len(replies) > 0 {
				r.AnsweredUnacked++
			}
			continue
		}
		r.Acked++
		if c.resent {
			r.Redelivered++
		} else if s.sl.TimedOut(c.id) {
			r.LateAcks++
		}
		switch {
		case len(replies) == 0:
			r.Lost++
			continue
		case len(replies) > 1 && c.resent:
			// Answered by one process, redelivered to the next: the seen
			// envelopes are per process (README, Reliability).
			r.RedeliveredTwice++
			continue
		case len(replies) > 1:
			r.Doubled++
			continue
		}
		kind := classify(replies[0])
		switch kind {
		case "answer":
			r.Answers++
		case "":
			r.Unclear++
			if r.UnclearSample == "" {
				r.UnclearSample = replies[0].Text
			}
		default:
			r.Errors[kind]++
		}
	}
}

// shown is what the asker ends up seeing of replies: one that says
// replace_original takes the place of the one before it (the bot's "still
// looking" notice, then the answer), so it is not a second reply.
func shown(replies []slacktest.Reply) []slacktest.Reply {
	var out []slacktest.Reply
	for _, r := range replies {
		if r.ReplaceOriginal && len(out) > 0 {
			out[len(out)-1] = r
			continue
		}
		out = append(out, r)
	}
	return out
}

// classify says what a reply shows, from the outcome ids in its blocks'
// block_ids (bot.PersonOutcomes, bot.NoticeOf), never from its words:
// "answer" when every person in it was answered, the name of the failure
// (personLabels) of the first who was not, the name of its notice
// (noticeLabels), or "" when it has none of these.
func classify(rep slacktest.Reply) string {
	var blocks slack.Blocks
	if err := json.Unmarshal(rep.Blocks, &blocks); err != nil {
		return ""
	}
	if k, ok := bot.NoticeOf(blocks.BlockSet); ok {
		return noticeLabels[k]
	}
	outcomes := bot.PersonOutcomes(blocks.BlockSet)
	if len(outcomes) == 0 {
		return ""
	}
	for _, i := range slices.Sorted(maps.Keys(outcomes)) {
		if o := outcomes[i]; o != bot.PersonAnswer {
			return personLabels[o]
		}
	}
	return "answer"
}

// fleet is the bot as a rolling update sees it: one current process, a new
// one started and ready before the old one is stopped.
type fleet struct {
	startOne func(ctx context.Context) (target, error)
	mu       sync.Mutex
	cur      target
	restarts int // bots started
	crashes  int
	problems []string
}

// restart starts a new bot, waits until it is ready with both its sockets
// open, then stops the old one gracefully (SIGTERM) and waits for it: every
// command the old one acked must still be answered.
func (f *fleet) restart(ctx context.Context) error {
	next, err := f.startOne(ctx)
	if err != nil {
		return fmt.Errorf("start a bot: %w", err)
	}
	f.mu.Lock()
	rolling := f.cur != nil
	f.mu.Unlock()
	if rolling {
		waitBothSockets(ctx, next)
	}
	f.mu.Lock()
	old := f.cur
	f.cur = next
	f.restarts++
	f.mu.Unlock()
	if old != nil {
		f.stopped(old)
	}
	return nil
}

// bothSocketsWait bounds waitBothSockets: a bot that cannot open its
// second socket is stopped anyway, and commands that find no socket then
// show in the result.
const bothSocketsWait = 20 * time.Second

// waitBothSockets waits until t reports two Socket Mode connections open.
// The fake Slack's "connected" counts the old bot's sockets too, and a
// socket of the new bot refreshed just as the old one stops would leave
// none open.
func waitBothSockets(ctx context.Context, t target) {
	ctx, cancel := context.WithTimeout(ctx, bothSocketsWait)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if mfs, err := t.metrics(ctx); err == nil {
			if n, ok := gaugeValue(mfs, "lastactive_socketmode_connected"); ok && n >= 2 {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (f *fleet) stopped(t target) {
	if err := t.stop(); err != nil {
		f.mu.Lock()
		f.crashes++
		f.problems = append(f.problems, err.Error())
		f.mu.Unlock()
	}
}

// stop stops the current bot; safe to call more than once.
func (f *fleet) stop() {
	f.mu.Lock()
	t := f.cur
	f.mu.Unlock()
	if t != nil {
		f.stopped(t) // target.stop runs once; later calls return nil
	}
}

type gauges struct {
	goroutines int
	// idle is how many of them serve idle keep-alive HTTP connections, 0
	// when the bot's stacks were not read.
	idle  int
	rssMB float64
	// readErr, from waitGauges, is why a read after this good one failed.
	readErr error
}

// gauges reads the current bot's goroutines and resident memory from its
// /metrics; in-process, where the bot shares the runtime with the fakes,
// from this process.
func (f *fleet) gauges(ctx context.Context) (gauges, error) {
	f.mu.Lock()
	t := f.cur
	f.mu.Unlock()
	if _, ok := t.(*inProcess); ok {
		n, idle := countStacks(goroutineStacks())
		return gauges{goroutines: n, idle: idle, rssMB: selfRSSMB()}, nil
	}
	mfs, err := t.metrics(ctx)
	if err != nil {
		return gauges{}, err
	}
	g, ok := gaugeValue(mfs, "go_goroutines")
	if !ok {
		return gauges{}, errors.New("/metrics has no go_goroutines")
	}
	rss, _ := gaugeValue(mfs, "process_resident_memory_bytes")
	return gauges{goroutines: int(g), rssMB: round(rss/(1<<20), 1)}, nil
}

// working is how many goroutines are not an idle connection's.
func (g gauges) working() int { return g.goroutines - g.idle }

// backToBaseline says whether the bot's goroutines came back after a run:
// at most ten more at work than at the baseline. Connections kept alive for
// the next request do not count: the transport keeps up to 32 per host for
// 90 s, longer than the soak waits, and how many depends on how the last
// commands overlapped.
func backToBaseline(base, after gauges) bool {
	return after.working() <= base.working()+10
}

// settleWait is how long waitGauges waits for the goroutines to come back.
const settleWait = 30 * time.Second

// waitGauges polls the bot's gauges until its goroutines are back to base,
// for up to settleWait (idle keep-alive connections close on their own),
// and returns the last good reading. Each read has its own deadline, not
// what is left of the wait; a read that fails after a good one ends the
// wait with that good reading and the read's error in readErr.
func (f *fleet) waitGauges(ctx context.Context, base gauges) (gauges, error) {
	wait := time.NewTimer(settleWait)
	defer wait.Stop()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	var last gauges
	read := false
	for {
		g, err := f.gauges(ctx)
		switch {
		case err != nil && !read:
			return g, err
		case err != nil:
			last.readErr = err
			return last, nil
		case backToBaseline(base, g):
			return g, nil
		}
		last, read = g, true
		select {
		case <-ctx.Done():
			return last, nil
		case <-wait.C:
			return last, nil
		case <-t.C:
		}
	}
}

// dump stops the current bot with a goroutine dump (in-process: takes one
// of this process), writes it to a new temporary file and returns the
// file's name and the stacks.
func (f *fleet) dump() (string, string, error) {
	f.mu.Lock()
	t := f.cur
	f.mu.Unlock()
	var stacks string
	switch t := t.(type) {
	case *subprocess:
		var err error
		if stacks, err = t.quit(); err != nil {
			return "", "", err
		}
	case *inProcess:
		stacks = goroutineStacks()
	default:
		return "", "", errors.New("this bot cannot dump its goroutines")
	}
	file, err := os.CreateTemp("", "lastactive-soak-goroutines-*.txt")
	if err != nil {
		return "", "", err
	}
	_, err = file.WriteString(stacks)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", err
	}
	return file.Name(), stacks, nil
}

// goroutineStacks is this process's goroutines as a Go traceback prints
// them.
func goroutineStacks() string {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	return b.String()
}

// countStacks counts the goroutines of a Go stack dump, and of them those
// that serve an idle keep-alive HTTP connection: a client connection's read
// and write loops, and a server connection waiting for its next request (one
// running a handler is at work). It counts as go_goroutines does: a dump on
// SIGQUIT also lists the signal's thread (goroutine 0) and the runtime's own
// goroutines (the garbage collector's, the finalizer's), which are not.
func countStacks(dump string) (total, idle int) {
	for _, g := range strings.Split("\n"+dump, "\ngoroutine ")[1:] {
		if strings.HasPrefix(g, "0 ") || strings.Contains(g, "\ncreated by runtime.") {
			continue
		}
		total++
		switch {
		case strings.Contains(g, "\ncreated by net/http.(*Transport).dialConn"):
			idle++
		case strings.Contains(g, "\ncreated by net/http.(*Server).Serve") &&
			strings.Contains(g, "\nnet/http.(*conn).serve(") && !strings.Contains(g, "ServeHTTP"):
			idle++
		}
	}
	return total, idle
}

// summarizeStacks counts the goroutines of a Go stack dump by the first
// frame outside the runtime (where each waits) and returns at most top
// lines "N function", most first.
func summarizeStacks(dump string, top int) []string {
	count := map[string]int{}
	for _, g := range strings.Split("\n"+dump, "\ngoroutine ")[1:] {
		where := "(runtime only)"
		for line := range strings.Lines(g) {
			line = strings.TrimRight(line, "\n")
			i := strings.LastIndex(line, "(")
			if i <= 0 || strings.HasPrefix(line, "\t") || strings.HasSuffix(line, "]:") {
				continue // a file:line, or the goroutine's header
			}
			fn := line[:i]
			if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") ||
				strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "syscall.") || strings.HasPrefix(fn, "created by") {
				continue
			}
			where = fn
			break
		}
		count[where]++
	}
	funcs := slices.Collect(maps.Keys(count))
	sort.Slice(funcs, func(i, j int) bool {
		if count[funcs[i]] != count[funcs[j]] {
			return count[funcs[i]] > count[funcs[j]]
		}
		return funcs[i] < funcs[j]
	})
	var out []string
	for _, fn := range funcs[:min(top, len(funcs))] {
		out = append(out, fmt.Sprintf("%d %s", count[fn], fn))
	}
	return out
}

func gaugeValue(mfs []*dto.MetricFamily, name string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func selfRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return round(kb/1024, 1)
		}
	}
	return 0
}

// writeSoak prints r for a person.
func writeSoak(w io.Writer, r SoakResult) error {
	verdict := "PASS"
	if !r.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "lastactive soak (%s, seed %d): %s in %.1f s\n\n", r.Mode, r.Seed, verdict, r.WallSeconds)
	fmt.Fprintf(w, "commands        %d sent: %d acked, %d never delivered (no socket open), %d delivered but not acked\n",
		r.Sent, r.Acked, r.NotDelivered, r.NotAcked)
	fmt.Fprintf(w, "acked           %d lost, %d doubled, %d late acks\n", r.Lost, r.Doubled, r.LateAcks)
	fmt.Fprintf(w, "replies         %d answers, %d error replies, %d unclear\n", r.Answers, sum(r.Errors), r.Unclear)
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "                  %5d %s\n", r.Errors[k], k)
	}
	if r.UnclearSample != "" {
		fmt.Fprintf(w, "unclear e.g.    %.200q\n", r.UnclearSample)
	}
	fmt.Fprintf(w, "redelivered     %d acked after a redelivery (%d answered twice); %d never acked but answered\n",
		r.Redelivered, r.RedeliveredTwice, r.AnsweredUnacked)
	i := r.Injected
	fmt.Fprintf(w, "injected        %d upstream 5xx, %d 429, %d malformed, %d latency spikes of %d upstream requests;\n",
		i.Upstream5xx, i.Upstream429, i.Malformed, i.Spikes, i.UpstreamCalls)
	fmt.Fprintf(w, "                %d failed of %d response_url posts; %d disconnects, %d dropped sockets, %d graceful restarts\n",
		i.ResponseURL, i.ResponseTotals, i.Disconnects, i.Drops, i.Restarts)
	if r.AuditExpected > 0 || r.AuditStored > 0 {
		fmt.Fprintf(w, "audit trail     %d entries stored for %d commands answered (one shared database)\n", r.AuditStored, r.AuditExpected)
	}
	fmt.Fprintf(w, "bots            %d started, %d crashed\n", r.Bots, r.Crashes)
	fmt.Fprintf(w, "goroutines      %d baseline, %d after (back: %v)\n", r.BaselineGoroutines, r.AfterGoroutines, r.GoroutinesSettled)
	if r.BaselineIdleConn > 0 || r.AfterIdleConn > 0 {
		fmt.Fprintf(w, "                of them %d and %d in idle keep-alive HTTP connections, not counted\n", r.BaselineIdleConn, r.AfterIdleConn)
	}
	for _, l := range r.GoroutineSummary {
		fmt.Fprintf(w, "                  %s\n", l)
	}
	fmt.Fprintf(w, "RSS             %.1f MB baseline, %.1f MB after\n", r.BaselineRSSMB, r.AfterRSSMB)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "problem         %s\n", p)
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// lockedWriter serialises writes from several processes' output copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// countAudit counts the audit entries in the store at dbURL.
func countAudit(ctx context.Context, dbURL string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := state.Open(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.CountAudit(ctx)
}

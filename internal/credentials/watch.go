package credentials

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultInterval is how often serve proves its credentials again. Admin
// API keys expire and tokens get revoked while the bot runs; five minutes
// notices that soon, at 3 requests per interval.
const DefaultInterval = 5 * time.Minute

// Watch proves the configured credentials at start and every Interval, for
// readiness and metrics. Its owner calls Run in a goroutine and stops it by
// cancelling the context.
type Watch struct {
	checker  *Checker
	interval time.Duration
	log      *slog.Logger

	ok      *prometheus.GaugeVec
	checked *prometheus.GaugeVec

	poke chan struct{} // a check wanted now (capacity 1: pokes coalesce)

	// checked is set once a round of checks has ended (whatever it
	// found): until then nothing is known of the credentials.
	roundDone atomic.Bool

	mu    sync.Mutex
	state map[API]Result // the last result per API: ok, rejected, or unreachable
	// verdict is the last result per API that got an answer (ok or
	// rejected). Readiness follows it, as credential_ok does: an outage
	// proves nothing, so a key refused before it stays refused (before, one
	// failed round made a pod with an expired key ready until the next).
	verdict map[API]Result
}

// WatchOptions configure a Watch.
type WatchOptions struct {
	Interval   time.Duration // default DefaultInterval
	Logger     *slog.Logger  // default: discard
	Registerer prometheus.Registerer
}

// NewWatch returns a Watch over c. It registers
// lastactive_credential_ok{api} and
// lastactive_credential_checked_timestamp_seconds{api} with o.Registerer.
func NewWatch(c *Checker, o WatchOptions) *Watch {
	w := &Watch{checker: c, interval: o.Interval, log: o.Logger, state: map[API]Result{}, verdict: map[API]Result{}, poke: make(chan struct{}, 1)}
	if w.interval <= 0 {
		w.interval = DefaultInterval
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.ok = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lastactive_credential_ok",
		Help: "1 when the API accepted the credential at the last check that got an answer, 0 when it refused it.",
	}, []string{"api"})
	w.checked = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lastactive_credential_checked_timestamp_seconds",
		Help: "Unix time of the last check of the credential that got an answer (a network failure leaves it unchanged).",
	}, []string{"api"})
	if o.Registerer != nil {
		o.Registerer.MustRegister(w.ok, w.checked)
	}
	return w
}

// Run checks at once, then every interval or when poked, until ctx is done.
func (w *Watch) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.poke:
		}
	}
}

// Poke asks Run to check again now: another part of the bot saw a
// credential refused (users.info answering invalid_auth) and readiness
// should follow without waiting for the interval. It never blocks; pokes
// made while one is pending are one check.
func (w *Watch) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// Check runs one round of checks now and records the verdicts.
func (w *Watch) Check(ctx context.Context) {
	for _, r := range w.checker.Credentials(ctx) {
		if ctx.Err() != nil {
			return // stopping: a cancelled check proves nothing
		}
		w.record(r)
	}
	w.roundDone.Store(true)
}

// Checked reports whether a round of checks has ended. A pod is not ready
// before: one whose key is refused, but slowly, would otherwise be ready
// from its socket's opening to the refusal, long enough for a rolling
// update to stop the pods whose key works.
func (w *Watch) Checked() bool { return w.roundDone.Load() }

func (w *Watch) record(r Result) {
	if r.Status == Skip {
		return
	}
	w.mu.Lock()
	prev, seen := w.state[r.API]
	w.state[r.API] = r
	if r.Status == OK || r.Rejected {
		w.verdict[r.API] = r
	}
	refused := w.verdict[r.API].Rejected
	w.mu.Unlock()

	switch {
	case r.Status == OK:
		w.ok.WithLabelValues(string(r.API)).Set(1)
		w.checked.WithLabelValues(string(r.API)).SetToCurrentTime()
	case r.Rejected:
		w.ok.WithLabelValues(string(r.API)).Set(0)
		w.checked.WithLabelValues(string(r.API)).SetToCurrentTime()
	}
	// One line per change of state, not one per check: a key that stays
	// expired over a weekend must not bury the log.
	if seen && same(prev, r) {
		return
	}
	switch {
	case r.Rejected:
		w.log.Error("credential rejected: not ready until it is fixed", "api", r.API, "check", r.Name, "reason", r.Detail, "fix", r.Fix)
	case r.Status == Fail && refused:
		w.log.Warn("credential could not be checked (still not ready: its last answer refused it)", "api", r.API, "check", r.Name, "reason", r.Detail, "fix", r.Fix)
	case r.Status == Fail:
		w.log.Warn("credential could not be checked (staying ready: an unreachable API is not a wrong credential)", "api", r.API, "check", r.Name, "reason", r.Detail, "fix", r.Fix)
	case seen:
		w.log.Info("credential accepted again", "api", r.API, "check", r.Name)
	}
}

func same(a, b Result) bool {
	return a.Status == b.Status && a.Rejected == b.Rejected && a.Detail == b.Detail
}

// Problems returns why the pod should not be ready: one line per rejected
// credential, with its fix; none when every credential was accepted or
// could not be checked.
func (w *Watch) Problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, r := range w.verdict {
		if r.Rejected {
			out = append(out, r.Name+": "+r.Detail+". Fix: "+r.Fix)
		}
	}
	slices.Sort(out)
	return out
}

// Reason is Problems in one text, "" when there is none.
func (w *Watch) Reason() string { return strings.Join(w.Problems(), "\n") }

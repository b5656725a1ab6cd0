package bot

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Gate decides who may ask, where, and how often. It runs before anything
// else, so a refused request costs no upstream call.
type Gate struct {
	users    map[string]bool // empty: everyone
	channels map[string]bool // empty: everywhere
	reports  map[string]bool // empty: nobody

	every time.Duration // one lookup token per every
	burst int
	now   func() time.Time

	mu       sync.Mutex
	limiters map[string]*limiterEntry
	pruneAt  int // the map's size that prunes next (at least limitersBeforePrune)
	// pruneWork counts the entries pruning has examined (tests).
	pruneWork int
}

// limitersBeforePrune is how many requesters' buckets are kept before the
// full ones are forgotten.
const limitersBeforePrune = 10_000

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// GateConfig configures a Gate.
type GateConfig struct {
	AllowedUsers    []string
	AllowedChannels []string
	ReportUsers     []string
	// PerUserEvery and PerUserBurst shape the per-requester token bucket. A
	// lookup of N people takes N tokens, so one person cannot walk the whole
	// directory: by default 20 people at once, then one every 3 s.
	PerUserEvery time.Duration
	PerUserBurst int
	Now          func() time.Time
}

// NewGate returns a Gate for cfg.
func NewGate(cfg GateConfig) *Gate {
	g := &Gate{
		users:    set(cfg.AllowedUsers),
		channels: set(cfg.AllowedChannels),
		reports:  set(cfg.ReportUsers),
		every:    cfg.PerUserEvery,
		burst:    cfg.PerUserBurst,
		now:      cfg.Now,
		limiters: map[string]*limiterEntry{},
	}
	if g.every <= 0 {
		g.every = 3 * time.Second
	}
	if g.burst <= 0 {
		g.burst = 20
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g
}

func set(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			m[id] = true
		}
	}
	return m
}

// Allowed reports whether user may use the bot in channel.
func (g *Gate) Allowed(user, channel string) bool {
	if len(g.users) > 0 && !g.users[user] {
		return false
	}
	if len(g.channels) > 0 && !g.channels[channel] {
		return false
	}
	return true
}

// MayReport reports whether user may run org-wide reports. Report users
// must also pass Allowed.
func (g *Gate) MayReport(user string) bool { return g.reports[user] }

// Take takes n lookup tokens from user's bucket. When the bucket is short it
// takes nothing and says how long until n tokens are there.
func (g *Gate) Take(user string, n int) (ok bool, wait time.Duration) {
	if n <= 0 {
		return true, 0
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.limiters[user]
	if e == nil {
		// Pruned before the new bucket is in: it is not full, and dropped
		// at once it would let its owner start a new burst every command.
		// The next pruning waits until the map has doubled, so many
		// requesters in one refill cost a walk per doubling, not one each.
		if len(g.limiters) >= max(g.pruneAt, limitersBeforePrune) {
			g.pruneLocked(now)
			g.pruneAt = 2 * len(g.limiters)
		}
		e = &limiterEntry{lim: rate.NewLimiter(rate.Every(g.every), g.burst)}
		g.limiters[user] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, n)
	if !r.OK() {
		return false, time.Duration(math.MaxInt64)
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// pruneLocked forgets buckets that have been full for a while: a bucket
// refills completely after burst×every, so dropping it changes nothing.
func (g *Gate) pruneLocked(now time.Time) {
	full := time.Duration(g.burst) * g.every
	g.pruneWork += len(g.limiters)
	for id, e := range g.limiters {
		if now.Sub(e.seen) > full {
			delete(g.limiters, id)
		}
	}
}

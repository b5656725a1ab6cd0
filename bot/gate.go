package bot

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
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

	every    time.Duration // one lookup token per every
	burst    int
	remember time.Duration // how long a person paid for is free again; 0: never
	now      func() time.Time

	seed     maphash.Seed // for remembered keys
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
	// targets are the people paid for, oldest first: at most
	// rememberedPerRequester, each for the Gate's remember window. They go
	// with the entry when it is pruned (its bucket full: paying again then
	// costs nothing that was not already there).
	targets []remembered
}

// remembered is one person paid for: a hash of their key (the Gate's
// seed; a 64-bit collision is as likely as guessing it) and when, 16 bytes
// and no pointer. Strings and times took 1,239 bytes a requester who asked
// about ten people, 2.5 MB of peak RSS with 10,000 people looked up.
type remembered struct {
	key uint64
	at  int64 // Unix nanoseconds
}

// rememberedPerRequester bounds the people remembered per requester: more
// than six lookups of ten, and a few kilobytes a requester.
const rememberedPerRequester = 64

// GateConfig configures a Gate.
type GateConfig struct {
	AllowedUsers    []string
	AllowedChannels []string
	ReportUsers     []string
	// PerUserEvery and PerUserBurst shape the per-requester token bucket. A
	// lookup takes a token for each person the requester has not asked
	// about within Remember, so one person cannot walk the whole directory:
	// by default 20 people at once, then one every 3 s. Asking again about
	// the same person (a second look after a call) walks nothing: it is
	// never refused.
	PerUserEvery time.Duration
	PerUserBurst int
	// Remember is how long a person a requester has paid for is
	// remembered: asked about again within it, they cost nothing. Zero:
	// an hour; negative: nobody is remembered, every lookup pays.
	Remember time.Duration
	Now      func() time.Time
}

// NewGate returns a Gate for cfg.
func NewGate(cfg GateConfig) *Gate {
	g := &Gate{
		users:    set(cfg.AllowedUsers),
		channels: set(cfg.AllowedChannels),
		reports:  set(cfg.ReportUsers),
		every:    cfg.PerUserEvery,
		burst:    cfg.PerUserBurst,
		remember: cfg.Remember,
		now:      cfg.Now,
		limiters: map[string]*limiterEntry{},
		seed:     maphash.MakeSeed(),
	}
	if g.every <= 0 {
		g.every = 3 * time.Second
	}
	if g.burst <= 0 {
		g.burst = 20
	}
	if g.remember == 0 {
		g.remember = time.Hour
	}
	g.remember = max(g.remember, 0)
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

// Allowed reports whether user may use the bot in channel. Nobody (a
// request without a user ID) never may, even when the allow-lists are
// empty: everyone is every person, not no one.
func (g *Gate) Allowed(user, channel string) bool {
	if strings.TrimSpace(user) == "" {
		return false
	}
	if len(g.users) > 0 && !g.users[user] {
		return false
	}
	if len(g.channels) > 0 && !g.channels[channel] {
		return false
	}
	return true
}

// refusal is the text that refuses user in channel: which allow-list
// refused them, or notAllowedText when both pass (another reason refused).
func (g *Gate) refusal(user, channel string) string {
	switch {
	case len(g.users) > 0 && !g.users[user]:
		return userNotAllowedText
	case len(g.channels) > 0 && !g.channels[channel]:
		return channelNotAllowedText
	}
	return notAllowedText
}

// MayReport reports whether user may run org-wide reports. Report users
// must also pass Allowed.
func (g *Gate) MayReport(user string) bool { return g.reports[user] }

// Take takes n tokens from user's bucket (a report, a chosen account: each
// costs Atlassian calls, whatever was asked before). When the bucket is
// short it takes nothing and says how long until n tokens are there.
func (g *Gate) Take(user string, n int) (ok bool, wait time.Duration) {
	if n <= 0 {
		return true, 0
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok, wait = g.takeLocked(user, n, now)
	return ok, wait
}

// TakeLookup takes the tokens of a lookup of targets (each named by
// targetKey) from user's bucket: one for each person user has not paid for
// in the last g.remember. A repeat walks no directory, and its answer comes
// from the cache (whose TTL the window follows), so a lookup of remembered
// people only costs nothing and is never refused. fresh (--fresh, Refresh)
// reads Atlassian again: it pays for everyone. Remembering and charging
// are one step under g.mu, so many lookups of one new person at once pay
// once and all pass. A refused lookup takes nothing and remembers no one.
func (g *Gate) TakeLookup(user string, targets []string, fresh bool) (ok bool, wait time.Duration) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.limiters[user]
	var owed []uint64
	for _, k := range g.hashes(targets) {
		if !slices.Contains(owed, k) && (fresh || !e.remembers(k, now, g.remember)) {
			owed = append(owed, k)
		}
	}
	if len(owed) == 0 {
		return true, 0
	}
	e, ok, wait = g.takeLocked(user, len(owed), now)
	if ok && g.remember > 0 {
		e.rememberAll(owed, now, g.remember)
	}
	return ok, wait
}

// Remember records, at no cost, targets that user's lookup just had
// answered under another name: the email a mention was found to have,
// whose answer the cache now holds, so that asking by it (a Share of that
// answer, the email typed) is the repeat it is. Only a requester who paid
// this window has an entry; a target remembered already keeps its time, so
// that the window never outlives the cached answer it stands for.
func (g *Gate) Remember(user string, targets []string) {
	if g.remember <= 0 || len(targets) == 0 {
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.limiters[user]
	if e == nil {
		return
	}
	var add []uint64
	for _, k := range g.hashes(targets) {
		if !slices.Contains(add, k) && !e.remembers(k, now, g.remember) {
			add = append(add, k)
		}
	}
	if len(add) > 0 {
		e.rememberAll(add, now, g.remember)
	}
}

// Forget drops targets from what user is remembered to have paid for: an
// answer that failed was not kept, so asking again reads Atlassian (or
// Slack) again, and pays.
func (g *Gate) Forget(user string, targets []string) {
	keys := g.hashes(targets)
	g.mu.Lock()
	defer g.mu.Unlock()
	if e := g.limiters[user]; e != nil {
		e.targets = slices.DeleteFunc(e.targets, func(r remembered) bool { return slices.Contains(keys, r.key) })
	}
}

// hashes are targets' remembered keys.
func (g *Gate) hashes(targets []string) []uint64 {
	h := make([]uint64, len(targets))
	for i, t := range targets {
		h[i] = maphash.String(g.seed, t)
	}
	return h
}

// takeLocked takes n tokens from user's bucket, made if need be.
func (g *Gate) takeLocked(user string, n int, now time.Time) (e *limiterEntry, ok bool, wait time.Duration) {
	e = g.limiters[user]
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
		return e, false, time.Duration(math.MaxInt64)
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return e, false, d
	}
	return e, true, 0
}

// remembers reports whether e's owner paid for key less than window ago.
func (e *limiterEntry) remembers(key uint64, now time.Time, window time.Duration) bool {
	if e == nil {
		return false
	}
	for _, r := range e.targets {
		if r.key == key {
			// A time after now: the wall clock stepped back, and the
			// window would outlive the cached answer it stands for.
			d := now.UnixNano() - r.at
			return d >= 0 && d < int64(window)
		}
	}
	return false
}

// rememberAll records that keys were paid for now: each moves to the end,
// the oldest and those past window are dropped, so at most
// rememberedPerRequester are kept.
func (e *limiterEntry) rememberAll(keys []uint64, now time.Time, window time.Duration) {
	t := now.UnixNano()
	e.targets = slices.DeleteFunc(e.targets, func(r remembered) bool {
		return t-r.at >= int64(window) || slices.Contains(keys, r.key)
	})
	for _, k := range keys {
		e.targets = append(e.targets, remembered{key: k, at: t})
	}
	if over := len(e.targets) - rememberedPerRequester; over > 0 {
		e.targets = slices.Delete(e.targets, 0, over)
	}
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

package bot

import (
	"math"
	"sync"
	"time"
	"unique"
	"unsafe"
)

// The lookups' caches are bounded by an estimate of the bytes they keep,
// not only by their TTL: a script pasting thousands of addresses, or an
// Atlassian answering each person with 5,000 products (120 KB a cached
// answer), would otherwise grow the heap until the TTL ends. A whole
// organisation of 50,000 people with twenty products each fits in the
// answers' budget (TestCacheBudgetHoldsAWholeOrg); past it the oldest
// entries go first (TestLookupCacheStaysWithinItsBudget).
const (
	answersBudget  = 48 << 20 // estimated bytes of cached answers
	accountsBudget = 16 << 20 // estimated bytes of email → account mappings
)

// entryBytes is what one entry costs besides its key and value: the
// map's slot and the entry itself.
const entryBytes = int64(unsafe.Sizeof(ttlEntry[*fact]{})) + 32

// accountBytes estimates the heap of ca (nil: none).
func accountBytes(ca *account) int64 {
	if ca == nil {
		return 0
	}
	return int64(unsafe.Sizeof(*ca)) + int64(len(ca.id)+len(ca.name)+len(ca.email))
}

// factBytes estimates the heap a cached answer keeps under key. The
// account, shared with the accounts cache, is counted in both: an answer
// keeps it alive after the mapping is dropped.
func factBytes(key string, f *fact) int64 {
	return entryBytes + int64(len(key)) + int64(unsafe.Sizeof(*f)) +
		int64(cap(f.products))*int64(unsafe.Sizeof(productFact{})) + accountBytes(f.acct)
}

// internedBytes is what one interned product site costs besides its
// strings: its copy and the unique package's map entry and weak pointer
// (about 230 B measured), and its count in the answers' siteCount.
const internedBytes = 256

// siteCount counts, for one answers cache, the answers it holds that name
// each product site. A site's interned value lives while any answer holds
// its handle, and factBytes counts only the handle: an organisation's few
// sites cost nothing much, but an Atlassian naming a site of its own for
// each of 5,000 products of each person kept 12.9 times the estimate
// (TestCacheEstimateMatchesTheHeap). So the first answer here to name a
// site is charged for it, and the last to go takes the charge with it.
type siteCount map[unique.Handle[productSite]]int32

// shares counts f's sites in (kept) or out, and returns the bytes of the
// sites it began or stopped keeping alive; the cache's mu is held.
func (s siteCount) shares(f *fact, kept bool) int64 {
	var n int64
	for _, p := range f.products {
		c := s[p.site]
		if kept {
			s[p.site] = c + 1
		} else if c > 1 {
			s[p.site] = c - 1
		} else {
			delete(s, p.site)
		}
		if kept && c == 0 || !kept && c <= 1 {
			v := p.site.Value()
			n += internedBytes + int64(len(v.id)+len(v.key))
		}
	}
	return n
}

// accountSize estimates the heap a mapping to ca keeps under key.
func accountSize(key string, ca *account) int64 {
	return entryBytes + int64(len(key)) + accountBytes(ca)
}

// ttlCache is a map whose entries expire, as go-cache's (which it
// replaces: that has no bound), and whose estimated size stays within a
// budget: a Set past it drops the oldest entries. A read takes a read lock
// and allocates nothing. Expired entries are dropped by DeleteExpired.
// V is a pointer to what never changes once kept, so that size, asked
// again when an entry goes, gives what it gave when it came: an entry is
// 48 bytes, 64 with its size and an interface for V.
type ttlCache[V any] struct {
	size   func(key string, v V) int64
	budget int64
	// shares, when set, counts what a value shares with others in the
	// cache as it is kept (true) and dropped, and returns the bytes it
	// began or stopped keeping alive alone (siteCount); mu is held.
	shares func(v V, kept bool) int64

	mu             sync.RWMutex
	items          map[string]*ttlEntry[V]
	oldest, newest *ttlEntry[V] // the order of the Sets
	used           int64        // the sizes of items
	evicted        int64        // entries dropped for the budget
}

type ttlEntry[V any] struct {
	key          string
	obj          V
	exp          int64 // Unix ns
	older, newer *ttlEntry[V]
}

// cacheItem is an entry as Items lists it.
type cacheItem struct{ Object any }

func newTTLCache[V any](budget int64, size func(key string, v V) int64) *ttlCache[V] {
	return &ttlCache[V]{size: size, budget: budget, items: map[string]*ttlEntry[V]{}}
}

// newAnswersCache is the answers' cache: each answer is charged by
// factBytes, and the product sites it shares with others by siteCount.
func newAnswersCache(budget int64) *ttlCache[*fact] {
	c := newTTLCache(budget, factBytes)
	c.shares = siteCount{}.shares
	return c
}

// sized is what v costs kept under k (kept) or frees dropped.
func (c *ttlCache[V]) sized(k string, v V, kept bool) int64 {
	n := c.size(k, v)
	if c.shares != nil {
		n += c.shares(v, kept)
	}
	return n
}

// Get returns the value kept under k, unless it has expired.
func (c *ttlCache[V]) Get(k string) (any, bool) {
	c.mu.RLock()
	e, ok := c.items[k]
	if !ok || time.Now().UnixNano() > e.exp {
		c.mu.RUnlock()
		return nil, false
	}
	v := e.obj
	c.mu.RUnlock()
	return v, true
}

// Set keeps v under k for d, the newest entry, and drops the oldest ones
// while the estimate is over the budget (never the one just set). A
// value that is not a V is the caller's bug.
func (c *ttlCache[V]) Set(k string, value any, d time.Duration) {
	v := value.(V)
	exp := int64(math.MaxInt64) // d <= 0: no expiry, as in go-cache
	// A d ending past 2262 (LASTACTIVE_CACHE_TTL near the longest
	// duration) has no Unix nanoseconds: time.Time's UnixNano wraps
	// negative, and the entry was expired as it was set. It never expires.
	if now := time.Now().UnixNano(); d > 0 && int64(d) <= math.MaxInt64-now {
		exp = now + int64(d)
	}
	e := &ttlEntry[V]{key: k, obj: v, exp: exp}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.items[k]; old != nil {
		c.remove(old)
	}
	c.items[k] = e
	e.older = c.newest
	if c.newest != nil {
		c.newest.newer = e
	} else {
		c.oldest = e
	}
	c.newest = e
	c.used += c.sized(k, v, true)
	for c.used > c.budget && c.oldest != e {
		c.remove(c.oldest)
		c.evicted++
	}
}

// remove unlinks e; c.mu is held.
func (c *ttlCache[V]) remove(e *ttlEntry[V]) {
	delete(c.items, e.key)
	if e.older != nil {
		e.older.newer = e.newer
	} else {
		c.oldest = e.newer
	}
	if e.newer != nil {
		e.newer.older = e.older
	} else {
		c.newest = e.older
	}
	e.older, e.newer = nil, nil
	c.used -= c.sized(e.key, e.obj, false)
}

// Delete drops k.
func (c *ttlCache[V]) Delete(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[k]; e != nil {
		c.remove(e)
	}
}

// DeleteExpired drops the entries whose time is up.
func (c *ttlCache[V]) DeleteExpired() {
	now := time.Now().UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.items {
		if now > e.exp {
			c.remove(e)
		}
	}
}

// Items copies the entries that have not expired.
func (c *ttlCache[V]) Items() map[string]cacheItem {
	now := time.Now().UnixNano()
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := make(map[string]cacheItem, len(c.items))
	for k, e := range c.items {
		if now <= e.exp {
			m[k] = cacheItem{e.obj}
		}
	}
	return m
}

// ItemCount is the number of entries, expired ones included.
func (c *ttlCache[V]) ItemCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

// stats is what the cache holds, its estimated size, and how many entries
// it has dropped for its budget (not those deleted or expired): read at
// scrape time (Metrics.WatchLookupCaches), never on a Get.
func (c *ttlCache[V]) stats() (entries int, bytes, evicted int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items), c.used, c.evicted
}

// cacheStats are one lookup cache's figures, as the metrics show them.
type cacheStats struct {
	name             string // the cache label
	entries          int
	bytes, evictions int64
}

// cacheStats reads both caches (lastactive_lookup_cache_*).
func (l *Lookups) cacheStats() [2]cacheStats {
	var s [2]cacheStats
	s[0].name, s[1].name = "answers", "accounts"
	s[0].entries, s[0].bytes, s[0].evictions = l.results.stats()
	s[1].entries, s[1].bytes, s[1].evictions = l.accounts.stats()
	return s
}

// Bytes is the estimated size of the entries.
func (c *ttlCache[V]) Bytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.used
}

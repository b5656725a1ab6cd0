package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unique"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/atlassian"
)

// manyProducts is what a hostile Atlassian answers for everybody: as many
// products as the client keeps for one person.
func manyProducts(n int) func(context.Context, string) (*atlassian.Activity, error) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ps := make([]atlassian.ProductActivity, n)
	for i := range ps {
		ps[i] = atlassian.ProductActivity{ID: fmt.Sprintf("ari:cloud:jira::site/%d", i), Key: "jira-software",
			LastActive: day, LastActiveTimestamp: day.Add(time.Hour)}
	}
	return func(_ context.Context, id string) (*atlassian.Activity, error) {
		return &atlassian.Activity{AccountID: id, Products: ps, AddedToOrg: day}, nil
	}
}

// hostileDir finds everybody, each with the same many products.
type hostileDir struct {
	lastActive func(context.Context, string) (*atlassian.Activity, error)
}

func (d hostileDir) LastActive(ctx context.Context, id string) (*atlassian.Activity, error) {
	return d.lastActive(ctx, id)
}

func (hostileDir) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	return atlassian.DirectoryUser{}, atlassian.ErrNotFound
}

func (hostileDir) Resolve(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	return atlassian.Account{AccountID: "acc-" + email, AccountType: "atlassian", DisplayName: "Some One", Email: email,
		Active: true, Status: atlassian.StatusActive}, atlassian.ViaAdmin, nil
}

// TestLookupCacheStaysWithinItsBudget asks about twice as many people as
// the answers' budget holds, each with 5,000 products: the cache keeps no
// more than its budget, dropping the oldest answers, and the newest stay.
func TestLookupCacheStaysWithinItsBudget(t *testing.T) {
	t.Parallel()
	const products = 5000
	dir := hostileDir{manyProducts(products)}
	l := NewLookups(dir, LookupOptions{TTL: time.Hour})
	ctx := context.Background()
	email := func(i int) string { return fmt.Sprintf("person%d@example.com", i) }
	n := 2*answersBudget/(products*24) + 1
	for i := range n {
		if p := l.Lookup(ctx, email(i), false); p.Err != nil || len(p.Activity.Products) != products {
			t.Fatalf("%s: %v", email(i), p.Err)
		}
	}
	var held int64
	for k, it := range l.results.Items() {
		held += factBytes(k, it.Object.(*fact))
	}
	t.Logf("%d people asked about, %d answers cached, %d bytes estimated", n, l.Len(), held)
	if held > answersBudget {
		t.Errorf("the cached answers hold about %d bytes, over the budget of %d", held, answersBudget)
	}
	if l.Len() >= n {
		t.Errorf("all %d answers cached", n)
	}
	if p := l.Lookup(ctx, email(n-1), false); !p.Cached {
		t.Errorf("the newest answer is not cached")
	}
	if p := l.Lookup(ctx, email(0), false); p.Cached {
		t.Errorf("the oldest answer is still cached")
	}
}

// TestCacheBudgetHoldsAWholeOrg checks that the budgets are not so tight
// that an honest organisation is asked again within the TTL: 50,000 people
// with twenty products each, long emails and names, fit in both.
func TestCacheBudgetHoldsAWholeOrg(t *testing.T) {
	const people, products = 50_000, 20
	key := "firstname.lastname.12345@subsidiary.example.com"
	ca := compactAccount(key, atlassian.Account{AccountID: "712020:0b3f6a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b",
		DisplayName: "Firstname Middlename Lastname", Email: key, AccountType: "atlassian", Status: atlassian.StatusActive})
	f := &fact{acct: ca, products: make([]productFact, products), hasActivity: true}
	if got := people * factBytes(key, f); got > answersBudget {
		t.Errorf("%d people's answers are estimated at %d bytes, over the budget of %d", people, got, answersBudget)
	}
	if got := people * accountSize(key, ca); got > accountsBudget {
		t.Errorf("%d people's accounts are estimated at %d bytes, over the budget of %d", people, got, accountsBudget)
	}
}

// TestTTLCache runs ops on a cache whose entries each cost their value
// (an int) against a budget of 10, and checks what it then holds.
func TestTTLCache(t *testing.T) {
	type op struct {
		set, del string
		v        int
		d        time.Duration // 0: an hour
		expired  bool          // its time is up (set in the past)
		sweep    bool
	}
	for _, tc := range []struct {
		name string
		ops  []op
		want map[string]int // key → value held and readable
		used int64
		// evicted: dropped for the budget; not those deleted, expired
		// or set again (lastactive_lookup_cache_evictions_total).
		evicted int64
	}{
		{"within budget", []op{{set: "a", v: 4}, {set: "b", v: 6}}, map[string]int{"a": 4, "b": 6}, 10, 0},
		{"oldest dropped", []op{{set: "a", v: 4}, {set: "b", v: 4}, {set: "c", v: 4}}, map[string]int{"b": 4, "c": 4}, 8, 1},
		{"as many as needed dropped", []op{{set: "a", v: 3}, {set: "b", v: 3}, {set: "c", v: 3}, {set: "d", v: 9}}, map[string]int{"d": 9}, 9, 3},
		{"the newest kept though over", []op{{set: "a", v: 3}, {set: "b", v: 12}}, map[string]int{"b": 12}, 12, 1},
		{"set again is the newest", []op{{set: "a", v: 4}, {set: "b", v: 4}, {set: "a", v: 4}, {set: "c", v: 4}}, map[string]int{"a": 4, "c": 4}, 8, 1},
		{"set again counts once", []op{{set: "a", v: 4}, {set: "a", v: 5}, {set: "b", v: 5}}, map[string]int{"a": 5, "b": 5}, 10, 0},
		{"delete frees", []op{{set: "a", v: 6}, {del: "a"}, {set: "b", v: 6}, {del: "zz"}}, map[string]int{"b": 6}, 6, 0},
		{"delete the middle", []op{{set: "a", v: 2}, {set: "b", v: 2}, {set: "c", v: 2}, {del: "b"}, {set: "d", v: 5}}, map[string]int{"a": 2, "c": 2, "d": 5}, 9, 0},
		{"delete the middle, then over", []op{{set: "a", v: 2}, {set: "b", v: 2}, {set: "c", v: 2}, {del: "b"}, {set: "d", v: 7}}, map[string]int{"c": 2, "d": 7}, 9, 1},
		{"expired unread, then swept", []op{{set: "a", v: 2, expired: true}, {set: "b", v: 2}, {sweep: true}}, map[string]int{"b": 2}, 2, 0},
		{"expired unread until swept", []op{{set: "a", v: 2, expired: true}, {set: "b", v: 2}}, map[string]int{"b": 2}, 4, 0},
		{"no expiry", []op{{set: "a", v: 2, d: -1}, {sweep: true}}, map[string]int{"a": 2}, 2, 0},
		// LASTACTIVE_CACHE_TTL=2562047h (the longest Go duration) ends past
		// 2262, beyond Unix nanoseconds: it must keep, not drop at once.
		{"longest TTL", []op{{set: "a", v: 2, d: 1<<63 - 1}, {sweep: true}}, map[string]int{"a": 2}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTTLCache(10, func(_ string, v int) int64 { return int64(v) })
			for _, o := range tc.ops {
				switch {
				case o.sweep:
					c.DeleteExpired()
				case o.set != "":
					d := o.d
					if d == 0 {
						d = time.Hour
					}
					c.Set(o.set, o.v, d)
					if o.expired {
						c.items[o.set].exp = time.Now().Add(-time.Second).UnixNano()
					}
				default:
					c.Delete(o.del)
				}
			}
			got := map[string]int{}
			for k, it := range c.Items() {
				got[k] = it.Object.(int)
				if v, ok := c.Get(k); !ok || v != it.Object {
					t.Errorf("Get(%q) = %v, %v; Items has %v", k, v, ok, it.Object)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("holds %v, want %v", got, tc.want)
			}
			if c.Bytes() != tc.used {
				t.Errorf("%d bytes counted, want %d", c.Bytes(), tc.used)
			}
			if _, _, ev := c.stats(); ev != tc.evicted {
				t.Errorf("%d evictions counted, want %d", ev, tc.evicted)
			}
			// The order list and the map agree.
			n := 0
			for e := c.oldest; e != nil; e = e.newer {
				if c.items[e.key] != e {
					t.Errorf("%q listed but not held", e.key)
				}
				n++
			}
			if n != len(c.items) || n != c.ItemCount() {
				t.Errorf("%d listed, %d held", n, len(c.items))
			}
		})
	}
}

// TestTTLCacheConcurrent sets, reads and drops from many goroutines (run
// with -race): the budget holds throughout and the order list stays whole.
func TestTTLCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := newTTLCache(100, func(_ string, v int) int64 { return int64(v) })
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Sprint((g*7 + i) % 50)
				switch i % 5 {
				case 0:
					c.Delete(k)
				case 1:
					c.DeleteExpired()
				default:
					c.Set(k, i%9+1, time.Hour)
					c.Get(k)
				}
				if b := c.Bytes(); b > 100 {
					t.Errorf("%d bytes held, over 100", b)
					return
				}
			}
		})
	}
	wg.Wait()
	var sum int64
	n := 0
	for e := c.oldest; e != nil; e = e.newer {
		sum += int64(e.obj)
		n++
	}
	if n != c.ItemCount() || sum != c.Bytes() {
		t.Errorf("%d listed of %d bytes, %d held of %d", n, sum, c.ItemCount(), c.Bytes())
	}
}

// TestLookupCacheMetrics fills the answers' cache past its budget with
// 5,000-product people and reads the caches' series from the registry:
// what they hold, their estimated bytes, and the answers evicted to stay
// within the budget, which an operator otherwise could not see (each is
// asked of Atlassian again). The small mappings all fit.
func TestLookupCacheMetrics(t *testing.T) {
	t.Parallel()
	const products = 5000
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	l := NewLookups(hostileDir{manyProducts(products)}, LookupOptions{TTL: time.Hour})
	m.WatchLookupCaches(l)
	ctx := context.Background()
	n := 2*answersBudget/(products*24) + 1
	for i := range n {
		if p := l.Lookup(ctx, fmt.Sprintf("person%d@example.com", i), false); p.Err != nil {
			t.Fatal(p.Err)
		}
	}
	got := cacheSeries(t, reg)
	kept := l.Len()
	if kept >= n || kept == 0 {
		t.Fatalf("%d of %d answers cached: the budget was not reached", kept, n)
	}
	for k, want := range map[string]float64{
		`lastactive_lookup_cache_entries{answers}`:          float64(kept),
		`lastactive_lookup_cache_bytes{answers}`:            float64(l.results.Bytes()),
		`lastactive_lookup_cache_evictions_total{answers}`:  float64(n - kept),
		`lastactive_lookup_cache_entries{accounts}`:         float64(n),
		`lastactive_lookup_cache_bytes{accounts}`:           float64(l.accounts.Bytes()),
		`lastactive_lookup_cache_evictions_total{accounts}`: 0,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present: %v), want %v", k, v, ok, want)
		}
	}
	if b := got[`lastactive_lookup_cache_bytes{answers}`]; b > answersBudget || b < answersBudget*9/10 {
		t.Errorf("the answers are estimated at %v bytes, want just within the budget of %d", b, answersBudget)
	}
	if len(got) != 6 {
		t.Errorf("%d cache series, want 6: %v", len(got), got)
	}
}

// cacheSeries gathers reg's lastactive_lookup_cache_* series, as
// "name{cache}" → value.
func cacheSeries(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "lastactive_lookup_cache_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			got[mf.GetName()+"{"+m.GetLabel()[0].GetValue()+"}"] = v
		}
	}
	return got
}

// TestAnswersCacheChargesASiteOnce: the answers cache charges a product
// site to the first answer it holds naming it and frees it with the last,
// however they go (set again, deleted, evicted, expired), and comes back to
// nothing when emptied.
func TestAnswersCacheChargesASiteOnce(t *testing.T) {
	site := func(id string) productFact { return productFact{site: unique.Make(productSite{id, "jira-software"})} }
	answer := func(ids ...string) *fact {
		f := &fact{hasActivity: true}
		for _, id := range ids {
			f.products = append(f.products, site(id))
		}
		return f
	}
	siteCost := func(id string) int64 { return internedBytes + int64(len(id)+len("jira-software")) }
	c := newAnswersCache(1 << 40)
	a, b := answer("s1", "s2"), answer("s2", "s3")
	c.Set("a", a, time.Hour)
	c.Set("b", b, time.Hour)
	want := factBytes("a", a) + factBytes("b", b) + siteCost("s1") + siteCost("s2") + siteCost("s3")
	if c.Bytes() != want {
		t.Errorf("two answers sharing s2: %d bytes, want %d (each site once)", c.Bytes(), want)
	}
	c.Set("a", answer("s1", "s2"), time.Hour) // set again: the same charge
	if c.Bytes() != want {
		t.Errorf("set again: %d bytes, want %d", c.Bytes(), want)
	}
	c.Delete("b")
	if want := factBytes("a", a) + siteCost("s1") + siteCost("s2"); c.Bytes() != want {
		t.Errorf("b deleted: %d bytes, want %d (s2 still held by a, s3 freed)", c.Bytes(), want)
	}
	c.Set("c", answer("s3"), time.Hour)
	c.items["c"].exp = time.Now().Add(-time.Second).UnixNano()
	c.DeleteExpired()
	c.Delete("a")
	if c.Bytes() != 0 {
		t.Errorf("emptied: %d bytes, want 0", c.Bytes())
	}
	// Evicted: a budget that holds one answer and its sites.
	one := factBytes("x", answer("s4")) + siteCost("s4")
	c = newAnswersCache(one)
	c.Set("x", answer("s4"), time.Hour)
	c.Set("y", answer("s4"), time.Hour) // shares s4: x goes, s4 stays charged once
	if c.Bytes() != one || c.ItemCount() != 1 {
		t.Errorf("after an eviction: %d bytes in %d entries, want %d in 1", c.Bytes(), c.ItemCount(), one)
	}
	// A cache of other values charges nothing more.
	if n := newTTLCache(10, accountSize); n.shares != nil {
		t.Error("the accounts cache counts shares")
	}
}

package bot

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
	"unique"

	"golang.org/x/sync/singleflight"

	"lastactive/atlassian"
	"lastactive/internal/recovered"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Directory is what the bot needs from Atlassian: an email to an account
// (Jira first when configured, then the Admin exact-email search), an
// account to its last active dates, and one account by ID (for a "This
// one" choice). *atlassian.Client satisfies it.
type Directory interface {
	Resolve(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error)
	LastActive(ctx context.Context, accountID string) (*atlassian.Activity, error)
	DirectoryUser(ctx context.Context, accountID string) (atlassian.DirectoryUser, error)
}

// LookupOptions tune the cache. The zero value of each field takes its default.
type LookupOptions struct {
	// TTL is how long a person's answer is reused. Zero disables the cache
	// (every lookup goes upstream); negative is treated as zero.
	TTL time.Duration
	// AccountTTL is how long the email → account mapping is kept; it changes
	// far less often than activity. Default 24 h (never shorter than TTL).
	AccountTTL time.Duration
	// NotFoundTTL is how long "not found" is remembered, so a typo repeated
	// at 9am does not hit Jira each time, yet a new hire appears soon. Default 1 min.
	NotFoundTTL time.Duration
	// Timeout bounds one upstream call chain, whoever waits for it. Default 30 s.
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Observe, when set, is told the outcome of every lookup ("ok", "not_found",
	// "error") and whether the cache answered.
	Observe func(outcome string, cacheHit bool)
	// Resolved, when set, is told which search found each account looked
	// up ("jira" or "admin"), for lastactive_resolver_total{via}.
	Resolved func(via atlassian.Via)
	// Logger receives what went wrong inside (a recovered panic); default
	// discards.
	Logger *slog.Logger
}

// Lookups answers "when was this person last active", through a cache and
// with concurrent questions about one person sharing one upstream call chain.
type Lookups struct {
	dir      Directory
	opt      LookupOptions
	results  *ttlCache[*fact]    // normalised email → answer (ok or not found)
	accounts *ttlCache[*account] // normalised email → account
	group    singleflight.Group

	// closed ends the detached flights at Close, which waits for them;
	// mu orders a flight's start before Close's wait.
	closed  context.Context
	close   context.CancelFunc
	mu      sync.Mutex
	flights sync.WaitGroup

	genMu sync.Mutex
	gens  map[string]*keyGen // keys with a flight upstream (see begin)
	// forgets counts the calls of Forget: a flight that one overlapped
	// keeps no answer (see begin).
	forgets uint64
}

// keyGen orders the flights about one key: gen moves when a fresh flight
// begins and when it ends, and fresh counts those running.
type keyGen struct {
	flights, fresh int
	gen            uint64
}

// NewLookups returns a Lookups over dir.
func NewLookups(dir Directory, opt LookupOptions) *Lookups {
	if opt.TTL < 0 {
		opt.TTL = 0
	}
	if opt.AccountTTL <= 0 {
		opt.AccountTTL = 24 * time.Hour
	}
	if opt.AccountTTL < opt.TTL {
		opt.AccountTTL = opt.TTL
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.NotFoundTTL <= 0 {
		opt.NotFoundTTL = time.Minute
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	// A janitor goroutine would outlive the bot; expired items are instead
	// skipped on read and dropped by Sweep, which the owner may call.
	closed, close := context.WithCancel(context.Background())
	return &Lookups{
		dir:      dir,
		opt:      opt,
		results:  newAnswersCache(answersBudget),
		accounts: newTTLCache(accountsBudget, accountSize),
		closed:   closed,
		close:    close,
		gens:     map[string]*keyGen{},
	}
}

// flightGen is what a flight's writes are checked against when it ends.
type flightGen struct{ gen, forgets uint64 }

// begin registers a flight about key and returns the generation its
// writes belong to; end unregisters it. A fresh flight moves the
// generation when it begins and again when it ends, so a plain flight that
// overlapped it in any way (and may be answering from the mapping the
// fresh one replaced) keeps nothing when it ends. A Forget during a
// flight, of whomever, keeps its answer out of the cache: it may have read
// the access the change replaced, and it may be about the same account
// under another address than the one Forget was given.
func (l *Lookups) begin(key string, fresh bool) flightGen {
	l.genMu.Lock()
	defer l.genMu.Unlock()
	g := l.gens[key]
	if g == nil {
		g = &keyGen{}
		l.gens[key] = g
	}
	g.flights++
	if fresh {
		g.fresh++
		g.gen++
	}
	return flightGen{g.gen, l.forgets}
}

func (l *Lookups) end(key string, fresh bool) {
	l.genMu.Lock()
	defer l.genMu.Unlock()
	g := l.gens[key]
	if fresh {
		g.fresh--
		g.gen++
	}
	if g.flights--; g.flights == 0 {
		delete(l.gens, key)
	}
}

// keep runs w, which changes what the caches hold about key, for the
// flight of generation fg: always for a fresh flight, for a plain one
// only if no fresh flight has run since it began. An answer (answer) is
// kept, besides, only if no Forget came since the flight began; what only
// drops entries is always safe.
func (l *Lookups) keep(key string, fg flightGen, fresh, answer bool, w func()) {
	l.genMu.Lock()
	defer l.genMu.Unlock()
	if answer && l.forgets != fg.forgets {
		return
	}
	if g := l.gens[key]; fresh || g.gen == fg.gen && g.fresh == 0 {
		w()
	}
}

// Close ends the lookups still running upstream, which outlive the askers
// who gave up on them (an abandoned command at a stop), and waits for them:
// no request to Atlassian is left in flight once the owner has stopped.
// Lookups made after it fail at once.
func (l *Lookups) Close() {
	l.mu.Lock()
	l.close()
	l.mu.Unlock()
	l.flights.Wait()
}

// Sweep drops expired entries, so memory stays bounded by the number of
// people asked about within one TTL.
func (l *Lookups) Sweep() {
	l.results.DeleteExpired()
	l.accounts.DeleteExpired()
}

// RunSweeper calls Sweep every so often until ctx is done. The owner of
// the Lookups runs it (internal/wire does, next to the bot).
func (l *Lookups) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.Sweep()
		}
	}
}

// Forget drops the answers kept about email and about accountID, which a
// change this process made in Atlassian (a release, its undo) has made
// wrong, and no lookup still running (plain or fresh, under any address)
// keeps its answer: the next lookup reads the product access again instead
// of showing, for up to TTL, a seat that was just freed. The email → account mapping stays: the
// access changed, not the account.
func (l *Lookups) Forget(email, accountID string) {
	keys := []string{NormaliseEmail(email)}
	if accountID != "" {
		// The person may have been asked about under another address (a
		// Slack profile's): a release is rare, a walk of the answers cheap.
		for k, it := range l.results.Items() {
			if f := it.Object.(*fact); f.acct != nil && f.acct.id == accountID && k != keys[0] {
				keys = append(keys, k)
			}
		}
	}
	l.genMu.Lock()
	defer l.genMu.Unlock()
	// Every flight running now keeps no answer (keep): a fresh one's
	// writes otherwise always win, and one about this account under an
	// address not yet among the answers is not in keys.
	l.forgets++
	for _, key := range keys {
		if g := l.gens[key]; g != nil {
			g.gen++
		}
		l.results.Delete(key)
	}
}

// Len reports how many answers are cached.
func (l *Lookups) Len() int { return l.results.ItemCount() }

// ParseEmail checks one email address as the slash command does: trimmed,
// lower case, and valid by the command's strict rule. The CLI uses it so
// the terminal accepts exactly what Slack would.
func ParseEmail(s string) (string, bool) { return normaliseEmail(s) }

// NormaliseEmail is the cache key of an email: trimmed and with its ASCII
// letters lower case (a look-alike rune is never folded onto one).
func NormaliseEmail(email string) string { return state.LowerASCII(strings.TrimSpace(email)) }

// Lookup returns what is known about email. Failures are carried in
// Person.Err rather than returned, so one bad address in a multi-person
// command does not hide the others. With fresh, the cached answer is ignored
// (and replaced).
func (l *Lookups) Lookup(ctx context.Context, email string, fresh bool) Person {
	key := NormaliseEmail(email)
	if p, ok := l.cached(key, fresh); ok {
		l.observe(p, true)
		return p
	}
	// The shared call must not die with the first caller who gives up, so it
	// runs detached with its own deadline; each caller waits on its own ctx.
	// Fresh askers share a flight of their own: a plain one may be answering
	// from the saved mapping, and they asked for Atlassian to be read again.
	flight := key
	if fresh {
		flight = "fresh\x00" + key
	}
	ch := l.group.DoChan(flight, func() (p any, _ error) {
		// singleflight re-panics a panic of this func on a goroutine of
		// its own, which no caller can recover: it is this person's error.
		defer func() {
			if r := recover(); r != nil {
				p = Person{Query: key, Err: recovered.Log(l.opt.Logger, "lookup", r)}
			}
		}()
		// A flight that ended between our cache miss above and DoChan has
		// filled the cache already: look again, inside the flight, so that
		// it costs no second upstream chain.
		if p, ok := l.cached(key, fresh); ok {
			return p, nil
		}
		l.mu.Lock()
		if err := l.closed.Err(); err != nil {
			l.mu.Unlock()
			return Person{Query: key, Err: err}, nil
		}
		l.flights.Add(1)
		l.mu.Unlock()
		defer l.flights.Done()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opt.Timeout)
		defer cancel()
		gen := l.begin(key, fresh)
		defer l.end(key, fresh)
		defer context.AfterFunc(l.closed, cancel)()
		return l.fetch(cctx, key, fresh, gen), nil
	})
	select {
	case res := <-ch:
		p := res.Val.(Person)
		l.observe(p, p.Cached)
		return p
	case <-ctx.Done():
		p := Person{Query: key, Err: ctx.Err()}
		l.observe(p, false)
		return p
	}
}

// cached returns the cached answer for key, unless fresh or the cache is off.
func (l *Lookups) cached(key string, fresh bool) (Person, bool) {
	if fresh || l.opt.TTL <= 0 {
		return Person{}, false
	}
	v, ok := l.results.Get(key)
	if !ok {
		return Person{}, false
	}
	p := v.(*fact).person(key)
	p.Cached = true
	return p, true
}

func (l *Lookups) observe(p Person, hit bool) {
	if l.opt.Observe == nil {
		return
	}
	outcome := "ok"
	switch {
	case p.Err == nil:
	case errors.Is(p.Err, atlassian.ErrNotFound):
		outcome = "not_found"
	default:
		outcome = "error"
	}
	l.opt.Observe(outcome, hit)
}

// fetch runs the upstream chain: account (possibly cached), then activity.
// What it keeps goes through keep, for the flight of generation gen.
func (l *Lookups) fetch(ctx context.Context, key string, fresh bool, gen flightGen) Person {
	p := Person{Query: key}
	keep := func(w func()) { l.keep(key, gen, fresh, false, w) }
	keepAnswer := func(w func()) { l.keep(key, gen, fresh, true, w) }
	var ca *account
	if v, ok := l.accounts.Get(key); ok && !fresh {
		ca = v.(*account)
	} else {
		a, via, err := l.dir.Resolve(ctx, key)
		if ae := (*atlassian.Error)(nil); via == atlassian.ViaJira && errors.As(err, &ae) && errors.Is(err, atlassian.ErrAmbiguous) {
			// Several Jira accounts: the reply lists them, and an inactive
			// one must say so as a lone match does below, or the asker
			// cannot tell the live account from a deactivated one.
			for i, c := range ae.Candidates {
				if c.Status == "" && !c.Active {
					ae.Candidates[i].Status = atlassian.StatusDeactivated
				}
			}
		}
		if err != nil {
			if errors.Is(err, atlassian.ErrNotFound) || errors.Is(err, atlassian.ErrAmbiguous) {
				// The email no longer names that one account (a --fresh
				// search said so): the mapping and the answer made with it
				// must not outlive this verdict for everyone else.
				keep(func() {
					l.accounts.Delete(key)
					l.results.Delete(key)
				})
			}
			p.Err = err
			keepAnswer(func() { l.remember(key, p, nil) })
			return p
		}
		if l.opt.Resolved != nil {
			l.opt.Resolved(via)
		}
		// Jira's search gives no status, only whether the account is
		// active; asking the Admin API would cost one more request per
		// person (see README, Performance).
		if a.Status == "" && via == atlassian.ViaJira && !a.Active {
			a.Status = atlassian.StatusDeactivated
		}
		ca = compactAccount(key, a)
		keep(func() {
			if v, ok := l.results.Get(key); ok && (v.(*fact).acct == nil || v.(*fact).acct.id != a.AccountID) {
				// The email now names another account (or somebody where it
				// named nobody): the answer kept is about someone else, even
				// if this account's activity cannot be read below.
				l.results.Delete(key)
			}
			if l.opt.TTL > 0 {
				// A pointer in the interface: the answer cached below shares it.
				l.accounts.Set(key, ca, l.opt.AccountTTL)
			}
		})
	}
	p.Account = ca.account(key)
	act, err := l.dir.LastActive(ctx, p.Account.AccountID)
	if err != nil {
		p.Err = err
		if errors.Is(err, atlassian.ErrNotFound) {
			// The mapping may be stale (account left the org): forget it.
			keep(func() { l.accounts.Delete(key) })
		}
		keepAnswer(func() { l.remember(key, p, ca) })
		return p
	}
	p.Activity = mergedActivity(act)
	p.FetchedAt = l.opt.Now()
	keepAnswer(func() { l.remember(key, p, ca) })
	return p
}

// remember caches successes for TTL and "not found" briefly; other errors
// are never cached, so a bad minute upstream is not repeated for an hour.
// ca is p's account as the accounts cache holds it (nil: none was found).
func (l *Lookups) remember(key string, p Person, ca *account) {
	if l.opt.TTL <= 0 {
		return
	}
	switch {
	case p.Err == nil && !keepable(p):
		// A date the compact form cannot hold would come back as another
		// one (an idle seat as active): such an answer is asked again.
	case p.Err == nil:
		l.results.Set(key, compact(p, ca), l.opt.TTL)
	case errors.Is(p.Err, atlassian.ErrNotFound):
		p.FetchedAt = l.opt.Now()
		l.results.Set(key, compact(p, ca), min(l.opt.NotFoundTTL, l.opt.TTL))
	}
}

// fact is what the cache keeps of one answer: the facts, compactly, not
// the Person made from them. Product IDs and keys and the account's type
// and status (the same few values for everybody) are interned, times are
// kept as Unix nanoseconds, and the account is the one the email → account
// mapping holds, not a copy: 422 instead of 582 B a person with that
// mapping (BenchmarkCachedPersonMemory). The email is the cache key, so it
// is not kept again; a Person is rebuilt, with an Activity of its own, on
// each hit.
type fact struct {
	acct                *account // nil when no account was found
	err                 error    // "not found"; nil for an answer
	fetchedAt           int64    // Unix ns; noTime when zero
	addedToOrg, addedTS int64    // Unix ns; noTime when zero
	products            []productFact
	// hasActivity: the answer had an Activity (always, without err).
	hasActivity bool
}

type productFact struct {
	site             unique.Handle[productSite]
	lastActive, last int64 // the day and the instant, Unix ns; noTime when zero
}

// productSite is one product on one site: few per organisation, so interned.
type productSite struct{ id, key string }

// account is an atlassian.Account as the caches keep it, shared by the
// email → account mapping and the answers made with it.
type account struct {
	id, name string
	email    string // "" when keyEmail or hidden by the person
	typ      unique.Handle[string]
	status   unique.Handle[atlassian.AccountStatus]
	active   bool
	keyEmail bool // the email is the cache key, as it nearly always is
}

func compactAccount(key string, a atlassian.Account) *account {
	ca := &account{id: a.AccountID, name: a.DisplayName, email: a.Email, active: a.Active,
		typ: unique.Make(a.AccountType), status: unique.Make(a.Status)}
	if ca.email == key {
		ca.email, ca.keyEmail = "", true
	}
	return ca
}

// account rebuilds the atlassian.Account of the person asked about as key.
func (ca *account) account(key string) atlassian.Account {
	if ca == nil {
		return atlassian.Account{}
	}
	a := atlassian.Account{AccountID: ca.id, DisplayName: ca.name, Email: ca.email, Active: ca.active,
		AccountType: ca.typ.Value(), Status: ca.status.Value()}
	if ca.keyEmail {
		a.Email = key
	}
	return a
}

// noTime stands for the zero time.Time, which has no Unix nanoseconds.
const noTime = math.MinInt64

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

// utc is the inverse of unixNano for the UTC times the Admin API's decoder
// makes.
func utc(ns int64) time.Time {
	if ns == noTime {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// keepable reports whether every time of p survives unixNano, whose Unix
// nanoseconds hold the years 1678 to 2262 only; Atlassian's dates are
// checked against tomorrow but may be as old as year 1, and a join date
// has no bound at all.
func keepable(p Person) bool {
	exact := func(t time.Time) bool { return utc(unixNano(t)).Equal(t) }
	if !exact(p.FetchedAt) {
		return false
	}
	if a := p.Activity; a != nil {
		if !exact(a.AddedToOrg) || !exact(a.AddedToOrgTimestamp) {
			return false
		}
		for _, pa := range a.Products {
			if !exact(pa.LastActive) || !exact(pa.LastActiveTimestamp) {
				return false
			}
		}
	}
	return true
}

// compact keeps p, whose account is ca, for the cache.
func compact(p Person, ca *account) *fact {
	f := &fact{acct: ca, fetchedAt: unixNano(p.FetchedAt), err: p.Err}
	if a := p.Activity; a != nil {
		f.hasActivity = true
		f.addedToOrg, f.addedTS = unixNano(a.AddedToOrg), unixNano(a.AddedToOrgTimestamp)
		if a.Products != nil { // an empty list stays empty, not nil
			f.products = make([]productFact, len(a.Products))
			for i, pa := range a.Products {
				f.products[i] = productFact{site: unique.Make(productSite{pa.ID, pa.Key}),
					lastActive: unixNano(pa.LastActive), last: unixNano(pa.LastActiveTimestamp)}
			}
		}
	}
	return f
}

// person rebuilds the answer about key (the normalised email).
func (f *fact) person(key string) Person {
	p := Person{Query: key, Account: f.acct.account(key), FetchedAt: utc(f.fetchedAt), Err: f.err}
	if f.hasActivity {
		a := &atlassian.Activity{AccountID: p.Account.AccountID, AddedToOrg: utc(f.addedToOrg), AddedToOrgTimestamp: utc(f.addedTS)}
		if f.products != nil {
			a.Products = make([]atlassian.ProductActivity, len(f.products))
			for i, pf := range f.products {
				s := pf.site.Value()
				a.Products[i] = atlassian.ProductActivity{ID: s.id, Key: s.key,
					LastActive: utc(pf.lastActive), LastActiveTimestamp: utc(pf.last)}
			}
		}
		p.Activity = a
	}
	return p
}

// mergedActivity is act with one entry per product and site: one seat
// listed under two keys (jira and jira-software) is one line, with its
// latest date, as the report counts it. Every read of a person's dates
// goes through it (a lookup, an account chosen among several).
func mergedActivity(act *atlassian.Activity) *atlassian.Activity {
	if act == nil {
		return nil
	}
	if ps := seat.MergeProducts(act.Products); len(ps) < len(act.Products) {
		merged := *act
		merged.Products = ps
		return &merged
	}
	return act
}

package nudge

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Mode is LASTACTIVE_NUDGE.
type Mode string

// The modes.
const (
	Off    Mode = "off"
	DryRun Mode = "dry-run" // decide and record, send nothing
	On     Mode = "on"
)

// How long an answer keeps a person from being asked again.
const (
	AskedWindow = 30 * 24 * time.Hour
	KeptWindow  = 90 * 24 * time.Hour
	// CheckAfter is when a release an admin is to make by hand is checked.
	CheckAfter = 24 * time.Hour
)

// Skip reasons, as recorded in the audit trail.
const (
	SkipExempt = "exempt"
	SkipAsked  = "asked in the last 30 days"
	// SkipWaiting: asked earlier, and that nudge still waits for its
	// answer, reminder or escalation (a wait over 15 days outlasts 30).
	SkipWaiting = "asked, waiting for the answer"
	SkipKept    = "answered Keep in the last 90 days"
	// SkipKeptByApprover: an approver decided Keep on a release request
	// for the seat in the last 90 days, which counts as the person's Keep.
	SkipKeptByApprover = "an approver decided Keep in the last 90 days"
	// SkipUndone: an approver undid a release of the seat in the last 90
	// days, which keeps it as a Keep does.
	SkipUndone = "an approver undid its release in the last 90 days"
	// SkipPending: the person asked for a release that waits for an
	// approver; asking again could end in a Keep the old request overrules.
	SkipPending     = "release requested, waiting for an approver"
	SkipOrgAdmin    = "org admin"
	SkipSynced      = "managed by an identity provider (synced)"
	SkipNoSeat      = "account holds no seat"
	SkipActiveAgain = "active again"
	SkipNoSlack     = "no Slack user with that email"
	SkipCap         = "round cap reached (LASTACTIVE_NUDGE_MAX)"
	// SkipRefusedStop: the round stopped trying at twice
	// LASTACTIVE_NUDGE_MAX messages tried with fewer than the cap asked, so
	// Slack refused more than half of them (a revoked token, a missing
	// scope); nobody past that was tried, and the cap was not what stopped it.
	SkipRefusedStop = "not tried: the round stopped at twice LASTACTIVE_NUDGE_MAX messages tried, most refused by Slack"
	SkipUnreadable  = "account could not be read"
	// SkipNotSent: the nudge certainly did not reach the person (Slack
	// refused it, or no connection to Slack was made); the next round asks
	// again.
	SkipNotSent = "message not sent (Slack refused it or could not be reached): asked again at the next round"
	// SkipTooMany: past MaxAskItems in one message; a later round asks.
	SkipTooMany = "more idle products than one message holds: asked in a later round"
	// SkipUnstorable: the account ID, email, site or Slack user holds a NUL
	// or invalid UTF-8 (a broken or hostile answer), which no row can hold.
	SkipUnstorable = "account or site ID with bytes that are not text (NUL): not stored, not asked"
)

// roundSlot is the claim a sending round holds; RoundClaimTTL bounds how
// long a crashed round keeps others out (a round takes minutes).
const (
	roundSlot = "nudge round running"
	// RoundClaimTTL outlasts the longest round the schedule allows
	// (internal/wire's nudgeRunTimeout, 45 minutes): a claim lapsing
	// mid-round would let a second round ask the same people.
	RoundClaimTTL = 50 * time.Minute
)

// ErrRoundRunning: another nudge round (any name, any process sharing the
// store) is running; this one did nothing.
var ErrRoundRunning = errors.New("nudge: another nudge round is running; try again when it is done")

// ErrNoOrgScan wraps a round's error when its org scan failed (or was
// stopped): nobody was asked and nothing recorded, so the round may run
// again (the scheduled slot is given back, as a digest's whose scan
// failed).
var ErrNoOrgScan = errors.New("nudge round: org scan")

// ErrNoSlackUsers wraps a round's error when the Slack users could not be
// read: they are read before the first person is asked, so nobody was, and
// the round may run again as after a failed org scan (the history skips it
// recorded are recorded again by the retry).
var ErrNoSlackUsers = errors.New("nudge round: read the Slack users")

// MaxAskItems bounds the products of one nudge message: Slack takes 50
// blocks, and each product is a line and its buttons.
const MaxAskItems = 20

// Config is what an Engine needs.
type Config struct {
	Mode      Mode
	Products  []string // covered product keys; empty: every product with a price
	Prices    seat.Prices
	Currency  string
	IdleDays  int
	Max       int           // people per round; 0: 200
	Wait      time.Duration // before the reminder, and again before escalation; 0: 168h
	Approvers []string
	OrgID     string

	Scans     Scans
	Directory Directory
	Sites     Sites // nil: sites by ID
	People    People
	Messages  Messenger    // nil: nothing can be sent (dry-run only)
	Store     func() Store // returns nil while the store is down
	Now       func() time.Time
	// PostEvery is the least time between two messages to one channel
	// (Slack allows about one a second); 0: a second.
	PostEvery time.Duration
	Logger    *slog.Logger
	// Actor is whom the entries that name nobody else are audited as (a
	// round run from the command line: "cli:" and the OS user); empty: the
	// bot's own.
	Actor string
	// Changed, when set, is told of each person whose product access a
	// release or an undo may have changed (after the change, whatever its
	// outcome), so that what is kept about them (the lookups' answers) is
	// read again.
	Changed func(email, accountID string)
}

// Engine runs rounds and answers the buttons. Safe for concurrent use.
type Engine struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	lastPost  map[string]time.Time // by recipient, for PostEvery
	pruneAt   int                  // lastPost's size that prunes next (at least postersBeforePrune)
	lastAudit time.Time
}

// postersBeforePrune is how many recipients' pacing is kept before the past
// ones are forgotten.
const postersBeforePrune = 1024

// ErrNoStore: the store is down (or not configured); nothing is decided
// without it.
var ErrNoStore = errors.New("nudge: the database is unavailable")

// ErrNotCovered: no product is covered (no LASTACTIVE_NUDGE_PRODUCTS and
// no seat price).
var ErrNotCovered = errors.New("nudge: no product is covered: set LASTACTIVE_NUDGE_PRODUCTS or LASTACTIVE_SEAT_PRICES")

// New returns an Engine.
func New(cfg Config) *Engine {
	if cfg.Max <= 0 {
		cfg.Max = 200
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 168 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PostEvery <= 0 {
		cfg.PostEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Mode == "" {
		cfg.Mode = Off
	}
	return &Engine{cfg: cfg, log: cfg.Logger, lastPost: map[string]time.Time{}}
}

// Mode returns the configured mode.
func (e *Engine) Mode() Mode { return e.cfg.Mode }

func (e *Engine) store() (Store, error) {
	if e.cfg.Store == nil {
		return nil, ErrNoStore
	}
	s := e.cfg.Store()
	if s == nil {
		return nil, ErrNoStore
	}
	return s, nil
}

// covered returns the covered product keys, canonical.
func (e *Engine) covered() []string {
	keys := e.cfg.Products
	if len(keys) == 0 {
		for k := range e.cfg.Prices {
			keys = append(keys, k)
		}
	}
	var out []string
	for _, k := range keys {
		if c := seat.Canonical(k); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// Planned is one person a round asks (or, dry, would ask).
type Planned struct {
	Person Person
	Items  []Item
}

// Skipped is one person and product a round did not ask about, and why.
type Skipped struct {
	Person Person
	Key    string
	Site   string
	Reason string
}

// Summary is what a round did.
type Summary struct {
	Round   string
	Dry     bool
	Asked   []Planned
	Skipped []Skipped
}

// candidate is one person idle in covered products, from the scan.
type candidate struct {
	person  Person
	rows    []seat.Row
	longest int
}

// Round runs one round named round (a slot name). dry decides and records
// without sending, whatever the mode.
func (e *Engine) Round(ctx context.Context, round string, dry bool) (Summary, error) {
	sum := Summary{Round: round, Dry: dry}
	s, err := e.store()
	if err != nil {
		return sum, err
	}
	if !dry && e.cfg.Messages == nil {
		return sum, errors.New("nudge: no way to send messages")
	}
	covered := e.covered()
	if len(covered) == 0 {
		return sum, ErrNotCovered
	}
	if !dry {
		// One round at a time across processes: rounds of other names (a
		// manual run during a slot) would each ask everyone, as a person's
		// history is read before the nudge is stored.
		holder := rand.Text()
		won, err := s.Claim(ctx, roundSlot, holder, RoundClaimTTL)
		if err != nil {
			return sum, fmt.Errorf("nudge round: %w", err)
		}
		if !won {
			return sum, ErrRoundRunning
		}
		defer func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.Release(rctx, roundSlot, holder); err != nil {
				e.log.Warn("nudge round: the round's claim not given back; it lapses by itself", "err", err)
			}
		}()
		// The round ends before its claim lapses, whatever its caller's
		// deadline (lastactive nudge has none): past it, a second round
		// could ask the same people again.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, RoundClaimTTL-5*time.Minute)
		defer cancel()
	}
	now := e.cfg.Now()
	rep, err := e.cfg.Scans.Report(ctx, seat.Options{Days: e.cfg.IdleDays, Products: covered, Now: now}, false, nil)
	if err != nil {
		return sum, fmt.Errorf("%w: %w", ErrNoOrgScan, err)
	}
	var sites atlassian.Sites
	if e.cfg.Sites != nil {
		sites = e.cfg.Sites.Sites(ctx)
	}
	byAccount := map[string]*candidate{}
	var order []*candidate
	for _, r := range rep.Rows {
		if r.Verdict != seat.VerdictIdle || r.AccountID == "" || r.Email == "" {
			continue
		}
		c := byAccount[r.AccountID]
		if c == nil {
			c = &candidate{person: Person{AccountID: r.AccountID, Email: state.LowerASCII(r.Email), Name: r.Name}}
			byAccount[r.AccountID] = c
			order = append(order, c)
		}
		c.rows = append(c.rows, r)
	}
	skipFor := func(c *candidate) func(key, productID, reason string) {
		return func(key, productID, reason string) {
			site := seat.SiteLabel(sites, productID)
			sum.Skipped = append(sum.Skipped, Skipped{Person: c.person, Key: key, Site: site, Reason: reason})
			e.audit(ctx, s, state.AuditEntry{Emails: []string{c.person.Email}, AccountIDs: []string{c.person.AccountID},
				Kind: state.KindSkip, Outcome: outcome(dry, state.OutcomeOK), Detail: fmt.Sprintf("%s %s on %s: %s", round, key, site, reason)})
		}
	}
	// Each person's history first: the seats they may be asked about this
	// round. The cap then keeps those whose seats in question are idle
	// longest; a seat exempt, kept or asked about lately put its holder
	// before someone whose seat was to be asked about (found by the
	// round's oracle).
	for _, c := range order {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		skip := skipFor(c)
		rows := c.rows[:0]
		for _, r := range c.rows {
			// One person's broken answer is their skip, not the round's
			// end: PostgreSQL refuses such text even in a read.
			if !state.Storable(c.person.AccountID, c.person.Email, r.Key, r.ProductID) {
				e.log.Warn("nudge: the account's answer holds a NUL or invalid UTF-8: skipped", "account", c.person.AccountID, "product", r.ProductID)
				skip(r.Key, r.ProductID, SkipUnstorable)
				continue
			}
			if reason, err := e.history(ctx, s, c.person, r, now); err != nil {
				return sum, err
			} else if reason != "" {
				skip(r.Key, r.ProductID, reason)
				continue
			}
			rows = append(rows, r)
			c.longest = max(c.longest, r.DaysIdle)
		}
		c.rows = rows
	}
	order = slices.DeleteFunc(order, func(c *candidate) bool { return len(c.rows) == 0 })
	sort.SliceStable(order, func(i, j int) bool { return order[i].longest > order[j].longest })

	// A message Slack refused asked nobody and gives its place back, but a
	// round tries at most twice the cap: a Slack refusing every message (a
	// revoked token) costs that many tries, not the organisation's.
	asked, refused := 0, 0
	capPeople, capSeats := 0, 0 // past the cap
	// The Slack users, read once for the round when the first person gets
	// that far (a round that asks nobody reads nothing).
	var slackUsers map[string]string
	// One person to ask is looked up alone (users.lookupByEmail), as the
	// contract has it, not through every member of the workspace.
	var byEmail OnePerson
	if len(order) == 1 {
		byEmail, _ = e.cfg.People.(OnePerson)
	}
	for _, c := range order {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		skip := skipFor(c)
		rows := c.rows
		skipAll := func(reason string) {
			for _, r := range rows {
				skip(r.Key, r.ProductID, reason)
			}
		}
		if asked >= e.cfg.Max || asked+refused >= 2*e.cfg.Max {
			// In the summary each; in the audit trail one entry for the
			// round (below): the cap is the round's, not a fact about
			// this person, and a large organisation's rounds wrote
			// thousands a day. Stopped by Slack's refusals, the cap was
			// not reached, and raising it would not help: said apart.
			reason := SkipCap
			if asked < e.cfg.Max {
				reason = SkipRefusedStop
			}
			for _, r := range rows {
				sum.Skipped = append(sum.Skipped, Skipped{Person: c.person, Key: r.Key, Site: seat.SiteLabel(sites, r.ProductID), Reason: reason})
			}
			capPeople, capSeats = capPeople+1, capSeats+len(rows)
			continue
		}
		// Someone without a Slack user cannot be asked: the round's one
		// read of the Slack users says so before an Admin API request is
		// spent on their account (the organisation's 200 a minute are
		// shared with lookups).
		var slackUser string
		var ok bool
		if byEmail != nil {
			if slackUser, ok, err = slackUserByEmail(ctx, byEmail, c.person.Email); err != nil {
				return sum, err
			}
		} else {
			if slackUsers == nil {
				if slackUsers, err = e.slackUsers(ctx); err != nil {
					return sum, err
				}
			}
			slackUser, ok = slackUsers[c.person.Email]
		}
		if !ok {
			skipAll(SkipNoSlack)
			continue
		}
		if !state.Storable(slackUser) {
			e.log.Warn("nudge: the Slack user ID holds a NUL or invalid UTF-8: skipped", "account", c.person.AccountID, "slack_user", slackUser)
			skipAll(SkipUnstorable)
			continue
		}
		u, err := e.cfg.Directory.UserAccess(ctx, c.person.AccountID)
		switch {
		case err != nil:
			e.log.Warn("nudge: read account", "account", c.person.AccountID, "err", err)
			skipAll(SkipUnreadable)
			continue
		case u.OrgAdmin():
			skipAll(SkipOrgAdmin)
			continue
		case u.Synced():
			skipAll(SkipSynced)
			continue
		case u.Status != atlassian.StatusActive:
			skipAll(SkipNoSeat)
			continue
		}
		if u.Name != "" {
			c.person.Name = u.Name
		}
		// Re-read just before asking: whoever used the product since the
		// scan is not asked about it.
		var items []Item
		for _, r := range rows {
			p, ok := product(u, r.ProductID)
			if !ok {
				skip(r.Key, r.ProductID, SkipNoSeat)
				continue
			}
			if v, _ := seat.VerdictFor(p, now, e.cfg.IdleDays); v != seat.VerdictIdle {
				skip(r.Key, r.ProductID, SkipActiveAgain)
				continue
			}
			items = append(items, Item{Key: r.Key, ProductID: r.ProductID, Site: seat.SiteLabel(sites, r.ProductID), LastActive: seat.LastDay(p)})
		}
		if len(items) == 0 {
			continue
		}
		if len(items) > MaxAskItems {
			// Slack refuses a message over 50 blocks: the idle longest
			// are asked now, the rest by a later round.
			slices.SortStableFunc(items, func(a, b Item) int { return a.LastActive.Compare(b.LastActive) })
			for _, it := range items[MaxAskItems:] {
				skip(it.Key, it.ProductID, SkipTooMany)
			}
			items = items[:MaxAskItems]
		}
		c.person.SlackUser = slackUser
		asked++
		if dry {
			sum.Asked = append(sum.Asked, Planned{Person: c.person, Items: items})
			e.audit(ctx, s, state.AuditEntry{Emails: []string{c.person.Email}, AccountIDs: []string{c.person.AccountID},
				Kind: state.KindNudge, Outcome: state.OutcomeDryRun, Detail: round + " would ask about " + itemList(items)})
			continue
		}
		counted, err := e.ask(ctx, s, round, c.person, items)
		if err != nil {
			return sum, err
		}
		if !counted {
			// Audited as a failed nudge by ask; not a skip to audit again.
			// Nobody was asked: the place is given back.
			asked--
			refused++
			for _, it := range items {
				sum.Skipped = append(sum.Skipped, Skipped{Person: c.person, Key: it.Key, Site: it.Site, Reason: SkipNotSent})
			}
			continue
		}
		sum.Asked = append(sum.Asked, Planned{Person: c.person, Items: items})
	}
	if capSeats > 0 {
		detail := fmt.Sprintf("%s: round cap reached (LASTACTIVE_NUDGE_MAX=%d): %d idle seats of %d people not asked this round",
			round, e.cfg.Max, capSeats, capPeople)
		if asked < e.cfg.Max {
			// The rule that stopped it, and its numbers: the tries are the
			// asked and the refused together, not the refused alone.
			detail = fmt.Sprintf("%s: stopped after %d messages tried, twice LASTACTIVE_NUDGE_MAX=%d: Slack refused %d and %d people were asked: %d idle seats of %d people not tried this round",
				round, asked+refused, e.cfg.Max, refused, asked, capSeats, capPeople)
		}
		e.audit(ctx, s, state.AuditEntry{Kind: state.KindSkip, Outcome: outcome(dry, state.OutcomeOK), Detail: detail})
	}
	if dry {
		if err := s.PutDryRun(ctx, dryRunRecord(sum, now)); err != nil {
			return sum, fmt.Errorf("nudge round: record the dry run: %w", err)
		}
	}
	return sum, nil
}

// MaxDryRunRows is how many people asked, and how many skips, a dry run's
// record keeps; the counts cover all of them.
const MaxDryRunRows = 200

// dryRunRecord is what App Home shows of a dry run.
func dryRunRecord(sum Summary, at time.Time) state.DryRun {
	d := state.DryRun{Round: sum.Round, At: at, AskedPeople: len(sum.Asked), Skipped: len(sum.Skipped), Reasons: map[string]int{}}
	for _, p := range sum.Asked[:min(len(sum.Asked), MaxDryRunRows)] {
		a := state.DryRunAsk{Email: p.Person.Email, Name: p.Person.Name, SlackUser: p.Person.SlackUser}
		for _, it := range p.Items {
			a.Items = append(a.Items, state.DryRunItem{ProductKey: it.Key, Site: it.Site, LastActive: it.LastActive})
		}
		d.Asked = append(d.Asked, a)
	}
	for i, sk := range sum.Skipped {
		d.Reasons[sk.Reason]++
		if i < MaxDryRunRows {
			d.Skips = append(d.Skips, state.DryRunSkip{Email: sk.Person.Email, Name: sk.Person.Name, ProductKey: sk.Key, Site: sk.Site, Reason: sk.Reason})
		}
	}
	return d
}

// slackUsers reads the round's map of emails (lower case) to Slack users.
func (e *Engine) slackUsers(ctx context.Context) (map[string]string, error) {
	if e.cfg.People == nil {
		return nil, errors.New("nudge round: no way to find Slack users (SLACK_BOT_TOKEN is not set)")
	}
	m, err := e.cfg.People.SlackUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoSlackUsers, err)
	}
	out := make(map[string]string, len(m))
	for email, id := range m {
		out[state.LowerASCII(strings.TrimSpace(email))] = id
	}
	return out, nil
}

// slackUserByEmail finds one person's Slack user; ok is false when Slack
// has nobody it may message at that email. A failed call fails the round
// as a failed read of every member does.
func slackUserByEmail(ctx context.Context, p OnePerson, email string) (string, bool, error) {
	id, err := p.SlackUserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNoSlackUser):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("%w: %w", ErrNoSlackUsers, err)
	}
	return id, true, nil
}

// history says why a person is not asked about a product now: exempt,
// asked lately, or kept lately; "" when they may be asked.
func (e *Engine) history(ctx context.Context, s Store, p Person, r seat.Row, now time.Time) (string, error) {
	ex, err := s.Exempt(ctx, p.Email, r.Key, now)
	if err != nil {
		return "", fmt.Errorf("nudge round: read exemptions: %w", err)
	}
	if ex {
		return SkipExempt, nil
	}
	past, err := s.NudgesAbout(ctx, p.AccountID, r.ProductID, now.Add(-KeptWindow))
	if err != nil {
		return "", fmt.Errorf("nudge round: read nudges: %w", err)
	}
	for _, n := range past {
		// Past reads the nudges settled lately too, however old: each
		// window is counted from its own time.
		if n.Answer == state.AnswerKeep && !n.Answered.Before(now.Add(-KeptWindow)) {
			return SkipKept, nil
		}
		if n.Settled == state.SettledRestored && !n.SettledAt.Before(now.Add(-KeptWindow)) {
			// An approver's Undo: the organisation keeps the seat, as
			// after a Keep, from the Undo on.
			return SkipUndone, nil
		}
		if !n.Asked.Before(now.Add(-AskedWindow)) {
			return SkipAsked, nil
		}
		if n.Answer == "" && n.Escalated.IsZero() && n.Settled == "" {
			// Asked again now, the seat would be reminded and escalated
			// twice: two release requests for one seat.
			return SkipWaiting, nil
		}
	}
	reqs, err := s.RequestsAbout(ctx, p.AccountID, r.ProductID, now.Add(-KeptWindow))
	if err != nil {
		return "", fmt.Errorf("nudge round: read release requests: %w", err)
	}
	for _, q := range reqs {
		switch {
		case q.DecidedBy == "":
			return SkipPending, nil
		case q.Decision == state.DecisionKeep:
			return SkipKeptByApprover, nil
		}
	}
	return "", nil
}

func product(u atlassian.DirectoryUser, id string) (atlassian.ProductActivity, bool) {
	for _, p := range u.Products {
		if p.ID == id {
			return p, true
		}
	}
	return atlassian.ProductActivity{}, false
}

func itemList(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.Key + " on " + it.Site
	}
	return strings.Join(parts, ", ")
}

func outcome(dry bool, o state.Outcome) state.Outcome {
	if dry {
		return state.OutcomeDryRun
	}
	return o
}

// ask stores each nudge of the message (once per round, person and
// product) and sends the message if this call stored any. It reports
// whether the person counts as asked: false when the message certainly
// did not go and its nudges were forgotten. A nudge is stamped when it is
// stored, not when the round began: a round can run longer than its claim
// (RoundClaimTTL), and a follow-up takes a nudge that old with no entry
// (or no message place) for one whose process stopped.
func (e *Engine) ask(ctx context.Context, s Store, round string, p Person, items []Item) (bool, error) {
	now := e.cfg.Now()
	var fresh []Item
	for _, it := range items {
		n, won, err := s.PutNudge(ctx, state.Nudge{Round: round, AccountID: p.AccountID, Email: p.Email, Product: it.ProductID,
			ProductKey: it.Key, LastActive: it.LastActive, SlackUser: p.SlackUser, Asked: now})
		if err != nil {
			return false, fmt.Errorf("nudge round: %w", err)
		}
		if won {
			it.NudgeID = n.ID
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		return true, nil // this round asked already (restarted, or another replica)
	}
	ref, err := e.post(ctx, p.SlackUser, Ask{Person: p, Items: fresh, Contact: strings.Join(e.cfg.Approvers, ",")})
	detail := round + " asked about " + itemList(fresh)
	counted := true
	switch {
	case errors.Is(err, ErrNotSent):
		// Nobody received it: the person stays askable (this round run
		// again, or the next), and nothing reminds of it or escalates it.
		detail = round + " not sent (" + notSentWhy(err) + "), asked again at the next round: " + itemList(fresh)
		if kept := e.forget(ctx, s, fresh); kept > 0 {
			e.log.Error("nudge: not sent, and not forgotten either: counted as asked, reminded and escalated as if sent", "account", p.AccountID, "nudges", kept, "err", err)
			detail = round + " not sent (" + notSentWhy(err) + "), yet counted as asked: " + itemList(fresh)
		} else {
			counted = false
			e.log.Warn("nudge: not sent; asked again at the next round", "account", p.AccountID, "err", err)
		}
	case err != nil:
		// Slack may have posted it: asking again could ask twice.
		e.log.Warn("nudge: send failed with no known outcome (Slack may have posted it): counted as asked, no new question until it is answered or escalated",
			"account", p.AccountID, "err", err)
		detail += " (send failed; it may have been posted)"
	}
	o := state.OutcomeOK
	if err != nil {
		o = state.OutcomeFailed
	}
	// Where the message went is stored, and the nudge audited, even when
	// the round is stopping: the message was posted. An answer naming a
	// channel or ts that no row can hold (a NUL, invalid UTF-8) is not
	// stored: the message went out, and the round goes on.
	var serr error
	unstorable := err == nil && !state.Storable(ref.Channel, ref.TS)
	if unstorable {
		e.log.Warn("nudge: Slack's answer to the post holds a NUL or invalid UTF-8: where the message went is not stored", "account", p.AccountID)
		detail += " (where the message went not stored: Slack's answer could not be kept)"
	}
	if err == nil && !unstorable {
		sctx, cancel := detached(ctx)
		for _, it := range fresh {
			if serr = s.SetNudgeMessage(sctx, it.NudgeID, ref.Channel, ref.TS); serr != nil {
				break
			}
		}
		cancel()
	}
	if e.audit(ctx, s, state.AuditEntry{Emails: []string{p.Email}, AccountIDs: []string{p.AccountID}, Kind: state.KindNudge, Outcome: o,
		Detail: detail}) && counted {
		// Marked once the entry is stored: a nudge left unmarked (the
		// process killed while Slack answered, the entry not stored) is
		// audited by a later follow-up (auditStopped).
		mctx, cancel := detached(ctx)
		for _, it := range fresh {
			if _, err := s.MarkNudgeAudited(mctx, it.NudgeID); err != nil {
				e.log.Warn("nudge: mark audited; a follow-up audits it again", "account", p.AccountID, "err", err)
				break
			}
		}
		cancel()
	}
	if serr != nil {
		return true, fmt.Errorf("nudge round: %w", serr)
	}
	if err == nil && !unstorable {
		e.answeredWhilePosting(ctx, s, round, p, ref)
	}
	return counted, nil
}

// answeredWhilePosting updates the message at ref when one of its seats
// was answered before ref was stored (a click as the message arrived):
// that answer found no message to update, so its Keep or Release would
// show nowhere and the buttons stay live.
func (e *Engine) answeredWhilePosting(ctx context.Context, s Store, round string, p Person, ref Ref) {
	all, err := s.NudgesOfRound(ctx, round, p.AccountID)
	if err != nil {
		e.log.Warn("nudge: read round for update", "err", err)
		return
	}
	for _, n := range all {
		if n.TS == ref.TS && n.Channel == ref.Channel && n.Answer != "" {
			e.refreshNudge(ctx, s, n, p)
			return
		}
	}
}

// notSentWhy is why a message did not go, for the audit trail.
func notSentWhy(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "the round stopped first"
	}
	// No connection was made (the Messenger wraps the dial's error): the
	// bot's network, not Slack, is where an admin should look.
	if op := (*net.OpError)(nil); errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return "Slack could not be reached"
	}
	return "Slack refused it"
}

// forget deletes the nudges of a message that did not go, also when the
// round is stopping, within a bound; it returns how many are left.
func (e *Engine) forget(ctx context.Context, s Store, items []Item) int {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	kept := 0
	for _, it := range items {
		if _, err := s.ForgetNudge(fctx, it.NudgeID); err != nil {
			kept++
		}
	}
	return kept
}

// post sends n to `to`, at most one message a PostEvery per recipient.
func (e *Engine) post(ctx context.Context, to string, n Note) (Ref, error) {
	e.mu.Lock()
	now := time.Now()
	wait := e.lastPost[to].Add(e.cfg.PostEvery).Sub(now)
	if _, ok := e.lastPost[to]; !ok && len(e.lastPost) >= max(e.pruneAt, postersBeforePrune) {
		// A recipient last posted to PostEvery ago or more waits no more
		// than one never posted to: forgotten, so that what is kept does
		// not grow with everyone ever nudged. The next pruning waits until
		// the map has doubled, so a burst costs a walk per doubling.
		for id, at := range e.lastPost {
			if now.Sub(at) >= e.cfg.PostEvery {
				delete(e.lastPost, id)
			}
		}
		e.pruneAt = 2 * len(e.lastPost)
	}
	e.lastPost[to] = now.Add(max(wait, 0))
	e.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Ref{}, fmt.Errorf("%w: %w", ErrNotSent, ctx.Err())
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		// Stopped before the post: it certainly did not go.
		return Ref{}, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	return e.cfg.Messages.Post(ctx, to, n)
}

// audit stores one entry and reports whether it did; a failure is logged,
// never fatal to the flow.
// auditTimeout bounds one audit entry's write.
const auditTimeout = time.Second

func (e *Engine) audit(ctx context.Context, s Store, en state.AuditEntry) bool {
	if en.Actor == "" {
		en.Actor = e.cfg.Actor
	}
	if en.At.IsZero() {
		en.At = e.cfg.Now()
	}
	// The trail is read in time order; steps of one flow made within the
	// same microsecond (the store's resolution) keep the order they were
	// made in.
	e.mu.Lock()
	if !en.At.After(e.lastAudit) {
		en.At = e.lastAudit.Add(time.Microsecond)
	}
	e.lastAudit = en.At
	e.mu.Unlock()
	// Recorded even when the flow's context has ended (a stop abandons
	// work that already did something), but never waited for long: a
	// stalled database must not hold up the stop.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := s.Append(actx, en); err != nil {
		e.log.Error("nudge: audit entry not stored", "kind", en.Kind, "outcome", en.Outcome, "detail", en.Detail, "err", err)
		return false
	}
	return true
}

// AdminURL is the person's page in Atlassian Administration.
func (e *Engine) AdminURL(accountID string) string {
	return "https://admin.atlassian.com/o/" + url.PathEscape(e.cfg.OrgID) + "/users/" + url.PathEscape(accountID)
}

func stepsJSON(steps []atlassian.Step) string {
	b, _ := json.Marshal(steps)
	return string(b)
}

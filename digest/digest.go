// Package digest builds the seat digest: the counts of the idle-seat report
// per product and site (named by host), the change since the previous
// stored snapshot, the monthly cost of idle seats, the people idle longest
// per product (by name only: the digest goes to a channel) and the history
// for the trend chart. Seats exempted with /lastactive exempt (kept on
// purpose) are marked in the counts, the cost and the people idle longest
// (Config.Exemptions). It knows no Slack; bot renders a Digest as Block Kit
// and cmd/lastactive as text.
package digest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// withoutEmails drops every word of name that holds an '@': Atlassian
// names an account by its email when nobody gave it a name (an invitation
// never accepted), and a name may carry an address ("Finn (finn@…)"). An
// Idler's name goes to a channel, where no email may.
// atSigns are '@' and the forms a reader takes for one (full-width,
// small): a name holding either is an address to the eye.
const atSigns = "@\uff20\ufe6b"

func withoutEmails(name string) string {
	if !strings.ContainsAny(name, atSigns) {
		return name
	}
	words := strings.Fields(name)
	kept := words[:0]
	for _, w := range words {
		if !strings.ContainsAny(w, atSigns) {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// MaxLongestPerProduct is how many people idle longest the digest names
// for each product.
const MaxLongestPerProduct = 5

// MaxHistory is how many stored snapshots the chart draws: two years of
// weekly digests.
const MaxHistory = 104

// Scanner gives the org-wide report from a shared scan (reused while fresh:
// the report's TTL). *seat.Scanner satisfies it.
type Scanner interface {
	Report(ctx context.Context, o seat.Options, fresh bool, waiting func()) (*seat.Report, error)
}

// Sites lists the organisation's workspaces, to name sites by host and
// give licensed capacity. *atlassian.Client satisfies it.
type Sites interface {
	Workspaces(ctx context.Context) ([]atlassian.Workspace, error)
}

// Store keeps the snapshots the change and the chart come from.
// *state.Store satisfies it.
type Store interface {
	Snapshots(ctx context.Context, since time.Time, limit int) ([]state.Snapshot, error)
	// PostedSnapshots is the newest limit snapshots of posted digests.
	PostedSnapshots(ctx context.Context, limit int) ([]state.Snapshot, error)
	SaveSnapshot(ctx context.Context, snap state.Snapshot) (string, error)
	MarkSnapshotPosted(ctx context.Context, id string) error
}

// Change is the difference from the previous snapshot's row.
type Change struct {
	Known bool // the previous snapshot had this product and site
	// Added: the previous snapshot was comparable and had no such line (a
	// product or site new since); its counts are its change. Not set for a
	// line that may be one of the previous ones under another name.
	Added                      bool
	Seats, Active, Idle, Never int
}

// Line is one product on one site.
type Line struct {
	Key  string // canonical product key
	Site string // host name ("acme.atlassian.net"), or the cloud ID with "(unknown site)"
	// Capacity is the licensed seat count when the workspaces API gives it.
	Capacity                        int
	Seats, Active, Idle, Never, New int
	Price                           float64
	HasPrice                        bool
	Change                          Change
	// Exempt counts the unused seats (Idle, Never) exempted with
	// /lastactive exempt: kept on purpose, though they count in Unused.
	Exempt int
}

// Unused is what could go: idle and never-used seats.
func (l Line) Unused() int { return l.Idle + l.Never }

// Idler is one person idle in a product, named without their email.
// AccountID and Email are never shown: the audit entry of a digest that
// shows the name names the person by them.
type Idler struct {
	Name       string
	Site       string
	LastActive time.Time
	DaysIdle   int
	AccountID  string
	Email      string
	// Exempt: the person's seat in the product is kept on purpose
	// (/lastactive exempt); such people come after the others.
	Exempt bool
}

// ProductIdlers are the people idle longest in one product, all sites.
type ProductIdlers struct {
	Key    string
	People []Idler
}

// Digest is one digest, ready to render.
type Digest struct {
	Now      time.Time
	ReadAt   time.Time // when the scan it counts finished
	Days     int       // the idle threshold
	Currency string
	Accounts int
	NoSeat   int
	Lines    []Line // sorted by product name, then site
	// Gone are the products and sites of the snapshot compared with that
	// this digest no longer has (all their seats released, a site gone),
	// sorted as Lines, each with no seats and its change to none: the
	// total's change counts them, and the reader must see where it went.
	Gone  []Line
	Total Line // Key and Site empty; Change against the previous total
	// Cost is the monthly cost of the unused seats of priced products.
	Cost   float64
	Priced bool
	// Unpriced is how many unused seats Cost leaves out: those of
	// products with no price.
	Unpriced int
	// ExemptCost is the part of Cost that is exempt seats
	// (seat.Report.ExemptCost), ExemptPriced how many seats it counts.
	ExemptCost   float64
	ExemptPriced int
	// ExemptionsUnread: the exemptions could not be read, so exempt seats
	// are not marked (and must not pass for none).
	ExemptionsUnread bool
	// ExemptionsRead: the exemptions in force were read and marked (the
	// snapshot says so, for App Home).
	ExemptionsRead bool
	// Longest holds, for each product with idle seats, the people idle
	// longest (at most MaxLongestPerProduct), in the order of Lines.
	Longest []ProductIdlers
	// Previous is when the snapshot compared with was taken; zero when this
	// is the first.
	Previous time.Time
	// PreviousDays is the idle period of that snapshot when it differs
	// from Days (LASTACTIVE_IDLE_DAYS changed since): its counts are not
	// comparable, so no change is given. Zero when the periods agree.
	PreviousDays int
	// History is the stored snapshots, oldest first, this digest's last.
	History []state.Snapshot
	// HistoryUnavailable: the stored snapshots could not be read (the
	// database is down), so the digest shows no change and no trend, and
	// must not pass for the first one.
	HistoryUnavailable bool
	// SnapshotID is this digest's recorded snapshot ("" when none was):
	// MarkPosted it once the digest reached its channel.
	SnapshotID string
}

// Make builds a digest from a report, the workspaces (nil: sites by cloud
// ID) and the earlier snapshots, newest first as Store returns them. It is
// pure: Build does the calls.
//
// The change is against the newest snapshot whose digest was posted: the
// channel reads "change since the last digest" as since the one it saw,
// not since someone's private digest or Scan now. Without any posted one
// (no digest channel), against the newest.
func Make(rep *seat.Report, ws []atlassian.Workspace, earlier []state.Snapshot) *Digest {
	sites := atlassian.NewSites(ws)
	capacity := map[[2]string]int{} // canonical key (of the workspace type), cloud ID
	for _, w := range ws {
		if w.Capacity > 0 {
			capacity[[2]string{seat.Canonical(w.Type), w.CloudID}] += w.Capacity
		}
	}
	host := func(cloudID string) string { return seat.SiteLabel(sites, cloudID) }

	d := &Digest{Now: rep.Now, ReadAt: rep.ReadAt, Days: rep.Days, Currency: rep.Currency,
		Accounts: rep.Accounts, NoSeat: rep.NoSeat}
	d.Cost, d.Priced = rep.MonthlyCost()
	d.Unpriced = rep.UnpricedUnused()
	d.ExemptCost, d.ExemptPriced = rep.ExemptCost()
	d.ExemptionsUnread = rep.ExemptionsUnread
	var prev map[[2]string]state.SnapshotRow
	var base *state.Snapshot
	if len(earlier) > 0 {
		base = &earlier[0]
		if i := slices.IndexFunc(earlier, func(s state.Snapshot) bool { return s.Posted }); i >= 0 {
			base = &earlier[i]
		}
		d.Previous = base.Taken
		if base.IdleDays != 0 && base.IdleDays != rep.Days {
			// Counted with another idle period: a difference would be
			// the threshold's, not people's.
			d.PreviousDays = base.IdleDays
		} else {
			prev = map[[2]string]state.SnapshotRow{}
			for _, r := range base.Rows {
				site := r.Site
				// Named by its ID then (its sites unread), by its host
				// now: the same site.
				if id, ok := strings.CutSuffix(site, " "+seat.UnknownSite); ok {
					if h, ok := sites.Host(id); ok {
						site = h
					}
				}
				prev[[2]string{seat.Canonical(r.Product), site}] = r
			}
		}
	}
	capacityUnknown := false
	matched := map[[2]string]bool{} // the previous rows a line of this digest compares with
	for _, g := range rep.Groups {
		l := Line{Key: g.Key, Site: host(g.Site), Capacity: capacity[[2]string{g.Key, atlassian.CloudID(g.Site)}],
			Seats: g.Seats, Active: g.Active, Idle: g.Idle, Never: g.Never, New: g.New, Price: g.Price, HasPrice: g.HasPrice,
			Exempt: g.ExemptUnused}
		if p, ok := prev[[2]string{l.Key, l.Site}]; ok {
			matched[[2]string{l.Key, l.Site}] = true
			l.Change = Change{Known: true, Seats: l.Seats - p.Seats, Active: l.Active - p.Active, Idle: l.Idle - p.Idle, Never: l.Never - p.NeverUsed}
		}
		d.Lines = append(d.Lines, l)
		d.Total.Seats += l.Seats
		d.Total.Active += l.Active
		d.Total.Idle += l.Idle
		d.Total.Never += l.Never
		d.Total.New += l.New
		d.Total.Exempt += l.Exempt
		d.Total.Capacity += l.Capacity
		if l.Capacity <= 0 {
			capacityUnknown = true
		}
	}
	if capacityUnknown {
		// A total over the products whose capacity is known, beside seats
		// of them all, read "21 seats of 50 licensed": none is given.
		d.Total.Capacity = 0
	}
	slices.SortFunc(d.Lines, func(a, b Line) int { return inDigestOrder(a.Key, a.Site, b.Key, b.Site) })
	// A product or site of the previous digest that this one lacks went to
	// no seats, and one it lacked came from none: the total's change below
	// counts both, so the first is listed with its change and the second
	// said new, else "−10 idle" stood over lines that only went up.
	// A line named by its cloud ID (its site unread now) may be a previous
	// line named by host: for a product with both, neither is said.
	unmatched := map[string]bool{} // products with a previous row no line matched
	for k := range prev {
		if !matched[k] {
			unmatched[k[0]] = true
		}
	}
	unnamed := map[string]bool{}
	for _, l := range d.Lines {
		if !l.Change.Known && unmatched[l.Key] && strings.HasSuffix(l.Site, " "+seat.UnknownSite) {
			unnamed[l.Key] = true
		}
	}
	for i := range d.Lines {
		if l := &d.Lines[i]; prev != nil && !l.Change.Known && !unnamed[l.Key] {
			l.Change.Added = true
		}
	}
	for k, r := range prev {
		if !matched[k] && !unnamed[k[0]] {
			d.Gone = append(d.Gone, Line{Key: k[0], Site: k[1],
				Change: Change{Known: true, Seats: -r.Seats, Active: -r.Active, Idle: -r.Idle, Never: -r.NeverUsed}})
		}
	}
	slices.SortFunc(d.Gone, func(a, b Line) int { return inDigestOrder(a.Key, a.Site, b.Key, b.Site) })
	if prev != nil {
		var p Line
		for _, r := range base.Rows {
			p.Seats += r.Seats
			p.Active += r.Active
			p.Idle += r.Idle
			p.Never += r.NeverUsed
		}
		d.Total.Change = Change{Known: true, Seats: d.Total.Seats - p.Seats, Active: d.Total.Active - p.Active,
			Idle: d.Total.Idle - p.Idle, Never: d.Total.Never - p.Never}
	}

	// Rows are sorted by product, site, then most days idle: merge the
	// sites of each product and keep the longest, each person once (at
	// their longest idle site), as these are the people idle longest.
	byKey := map[string][]Idler{}
	at := map[[2]string]int{} // product key, account ID → index in byKey[key]
	for _, r := range rep.Rows {
		if r.Verdict != seat.VerdictIdle {
			continue
		}
		i := Idler{Name: withoutEmails(r.Name), Site: host(r.Site), LastActive: r.LastActive, DaysIdle: r.DaysIdle,
			AccountID: r.AccountID, Email: r.Email, Exempt: r.Exempt}
		k := [2]string{r.Key, r.AccountID}
		if j, ok := at[k]; ok && r.AccountID != "" {
			if was := byKey[r.Key][j]; (was.Exempt && !i.Exempt) || (was.Exempt == i.Exempt && i.DaysIdle > was.DaysIdle) {
				byKey[r.Key][j] = i
			}
			continue
		}
		at[k] = len(byKey[r.Key])
		byKey[r.Key] = append(byKey[r.Key], i)
	}
	for _, l := range d.Lines {
		people, ok := byKey[l.Key]
		if !ok {
			continue
		}
		delete(byKey, l.Key) // once per product, at its first site
		// An exempt seat is kept on purpose: it takes no place from one a
		// manager can act on (as in the idle report: seat.Report.Longest).
		slices.SortStableFunc(people, func(a, b Idler) int {
			return cmp.Or(compareExempt(a.Exempt, b.Exempt), cmp.Compare(b.DaysIdle, a.DaysIdle), cmp.Compare(a.Name, b.Name))
		})
		d.Longest = append(d.Longest, ProductIdlers{Key: l.Key, People: people[:min(len(people), MaxLongestPerProduct)]})
	}

	for _, s := range slices.Backward(earlier) {
		d.History = append(d.History, s)
	}
	d.History = append(d.History, d.Snapshot())
	return d
}

// compareExempt orders a person who is not exempt before one who is.
func compareExempt(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// Snapshot is what the store keeps of this digest.
func (d *Digest) Snapshot() state.Snapshot {
	// Taken when the digest was made, not when its scan finished: two
	// digests may count one scan, and the chart needs them apart.
	s := state.Snapshot{Taken: d.Now.UTC(), IdleDays: d.Days}
	switch {
	case d.ExemptionsUnread:
		s.Exemptions = state.ExemptionsUnread
	case d.ExemptionsRead:
		s.Exemptions = state.ExemptionsMarked
	}
	for _, l := range d.Lines {
		s.Rows = append(s.Rows, state.SnapshotRow{Product: l.Key, Site: l.Site, Seats: l.Seats, Capacity: l.Capacity,
			Active: l.Active, Idle: l.Idle, NeverUsed: l.Never, New: l.New, Exempt: l.Exempt})
	}
	return s
}

// Config configures a Builder. Scanner is required.
type Config struct {
	Scanner Scanner
	Sites   Sites // nil: sites by cloud ID, no capacity
	Store   Store // nil: no change, no chart, nothing recorded
	// IdleDays is the idle threshold (LASTACTIVE_IDLE_DAYS); 0 means seat's default.
	IdleDays int
	// Channel is set when digests are posted to a channel
	// (LASTACTIVE_DIGEST_CHANNEL): they are then compared with and drawn
	// from posted digests only, so the channel's first one is the first,
	// whatever private digests and Scan nows came before it.
	Channel bool
	// Exemptions, when set, reads the exemptions in force at a time
	// (/lastactive exempt), to mark the exempt seats.
	Exemptions func(ctx context.Context, at time.Time) ([]seat.Exemption, error)
	Logger     *slog.Logger
}

// Builder builds digests.
type Builder struct {
	cfg Config
	log *slog.Logger
}

// NewBuilder returns a Builder for cfg.
func NewBuilder(cfg Config) *Builder {
	if cfg.IdleDays <= 0 {
		cfg.IdleDays = seat.DefaultIdleDays
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Builder{cfg: cfg, log: log}
}

// Build makes a digest now: the report from a fresh-enough shared scan (no
// new scan while the last is younger than the report's TTL), the sites,
// the earlier snapshots; then it records its own snapshot, so the next
// digest shows the change since this one. A missing workspaces list or a
// store that fails costs the host names or the change, never the digest.
func (b *Builder) Build(ctx context.Context) (*Digest, error) { return b.build(ctx, false, nil) }

// BuildFresh is Build from a new scan of the organisation, or the one in
// flight (App Home's Scan now); waiting, when set, is called once before it
// waits for the scan. The one scan serves the digest too, also when no scan
// is reused (LASTACTIVE_CACHE_TTL=0), where a scan followed by Build read
// the organisation twice.
func (b *Builder) BuildFresh(ctx context.Context, waiting func()) (*Digest, error) {
	return b.build(ctx, true, waiting)
}

func (b *Builder) build(ctx context.Context, fresh bool, waiting func()) (*Digest, error) {
	rep, err := b.cfg.Scanner.Report(ctx, seat.Options{Days: b.cfg.IdleDays}, fresh, waiting)
	if err != nil {
		return nil, fmt.Errorf("digest: org report: %w", err)
	}
	read := b.markExempt(ctx, rep)
	var ws []atlassian.Workspace
	if b.cfg.Sites != nil {
		if ws, err = b.cfg.Sites.Workspaces(ctx); err != nil {
			if len(rep.Workspaces) > 0 {
				b.log.Warn("digest: sites named as the scan found them: workspaces not read", "err", err)
			} else {
				b.log.Warn("digest: sites named by cloud ID: workspaces not read", "err", err)
			}
		}
	}
	ws = withScanned(ws, rep.Workspaces)
	var earlier []state.Snapshot
	unread := false
	if b.cfg.Store != nil {
		if earlier, err = history(ctx, b.cfg.Store, MaxHistory-1, b.cfg.Channel); err != nil {
			b.log.Warn("digest: no change or chart: snapshots not read", "err", err)
			unread = true
		}
	}
	d := Make(rep, ws, earlier)
	d.HistoryUnavailable = unread
	d.ExemptionsRead = read
	if b.cfg.Store != nil {
		// Recorded as not posted: Post marks it once the channel has it.
		if d.SnapshotID, err = b.cfg.Store.SaveSnapshot(ctx, d.Snapshot()); err != nil {
			b.log.Warn("digest: snapshot not recorded", "err", err)
		}
	}
	return d, nil
}

// exemptionsTimeout bounds the read of the exemptions, a store query.
const exemptionsTimeout = 10 * time.Second

// markExempt marks rep's exempt seats (seat.Report.MarkExempt), when
// exemptions are kept; exemptions that cannot be read are said to be so
// (ExemptionsUnread), not taken for none. It says whether they were read.
func (b *Builder) markExempt(ctx context.Context, rep *seat.Report) bool {
	if b.cfg.Exemptions == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, exemptionsTimeout)
	defer cancel()
	ex, err := b.cfg.Exemptions(ctx, rep.Now)
	if err != nil {
		b.log.Warn("digest: exempt seats not marked: exemptions not read", "err", err)
		rep.ExemptionsUnread = true
		return false
	}
	rep.MarkExempt(ex)
	return true
}

// withScanned is fresh, then the workspaces the scan found for the sites
// fresh does not list (a scan read back from the store, while the
// workspaces cannot be read): fresh names and capacities win, and no
// site's capacity counts twice.
func withScanned(fresh, scanned []atlassian.Workspace) []atlassian.Workspace {
	if len(scanned) == 0 {
		return fresh
	}
	listed := make(map[string]bool, len(fresh))
	for _, w := range fresh {
		listed[w.CloudID] = true
	}
	out := slices.Clip(fresh)
	for _, w := range scanned {
		if !listed[w.CloudID] {
			out = append(out, w)
		}
	}
	return out
}

// MarkPosted records that d reached its channel, so that the next
// digest's change is against it. A digest whose snapshot was not recorded
// has nothing to mark.
func (b *Builder) MarkPosted(ctx context.Context, d *Digest) error {
	if b.cfg.Store == nil || d.SnapshotID == "" {
		return nil
	}
	return b.cfg.Store.MarkSnapshotPosted(ctx, d.SnapshotID)
}

// history is the newest n snapshots a digest compares with and draws,
// newest first: those of posted digests when there are any, so that private
// digests and Scan now, however many, push neither the last posted digest
// out of the change nor the weeks out of the chart; all of them when none
// was posted, unless posted is set (a digest channel that has yet to get
// its first one).
func history(ctx context.Context, st Store, n int, posted bool) ([]state.Snapshot, error) {
	snaps, err := st.PostedSnapshots(ctx, n)
	if err != nil || len(snaps) > 0 || posted {
		return snaps, err
	}
	return st.Snapshots(ctx, time.Time{}, n)
}

// Latest is the newest stored snapshot and the history behind it (oldest
// first), for App Home, which must not scan: false when none is stored.
// The history is that of the posted digests (see history), ending with the
// newest snapshot of any kind (a Scan now shows at once).
func Latest(ctx context.Context, st Store) ([]state.Snapshot, bool, error) {
	newest, err := st.Snapshots(ctx, time.Time{}, 1)
	if err != nil || len(newest) == 0 {
		return nil, false, err
	}
	snaps, err := history(ctx, st, MaxHistory, false)
	if err != nil {
		return nil, false, err
	}
	if len(snaps) == 0 || snaps[0].ID != newest[0].ID {
		snaps = append(newest, snaps[:min(len(snaps), MaxHistory-1)]...)
	}
	slices.Reverse(snaps)
	// The store gives rows by product key and site in its own collation
	// (PostgreSQL's may ignore the '-' of acme-eu): App Home lists them in
	// the digest's order, by product name then site (Make), so its first
	// lines are the digest's (Atlassian Guard, key guard, came after Focus).
	for _, s := range snaps {
		slices.SortStableFunc(s.Rows, func(a, b state.SnapshotRow) int { return inDigestOrder(a.Product, a.Site, b.Product, b.Site) })
	}
	return snaps, true, nil
}

// History is the stored snapshots, oldest first (none without a Store).
func (b *Builder) History(ctx context.Context) ([]state.Snapshot, error) {
	if b.cfg.Store == nil {
		return nil, nil
	}
	h, _, err := Latest(ctx, b.cfg.Store)
	return h, err
}

// inDigestOrder orders a digest's lines, its gone lines and App Home's rows
// alike: by product name, then key, then site.
func inDigestOrder(aKey, aSite, bKey, bSite string) int {
	return cmp.Or(cmp.Compare(seat.ProductName(aKey), seat.ProductName(bKey)), cmp.Compare(aKey, bKey), cmp.Compare(aSite, bSite))
}

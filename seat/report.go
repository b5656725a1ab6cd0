package seat

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"lastactive/atlassian"
)

// MaxLongestIdle is how many people a report names as idle longest.
const MaxLongestIdle = 10

// Options is what one report asks for.
type Options struct {
	Days int // a product unused for this many days or more is idle; 0 means DefaultIdleDays
	// Products limits the report to these product keys (aliases match:
	// jira finds jira-software); empty means all.
	Products []string
	Now      time.Time
	// Prices is the monthly price of one seat by product key.
	Prices Prices
	// Currency is the ISO 4217 code of Prices; "" means DefaultCurrency.
	Currency string
	// Sites names sites by host (SiteName); the zero value names each by
	// its ID with UnknownSite.
	Sites atlassian.Sites
}

// Row is one user on one product and site: one line of the CSV.
type Row struct {
	AccountID string
	Name      string
	Email     string
	// AccountStatus is what Atlassian Administration shows: "active",
	// "deactivated", "closed", "suspended", "scheduled for deletion" or
	// "not a member" ("active"
	// too when Atlassian did not say); or the account type of an account that is
	// not a person's ("app", "customer"), which holds no seat either.
	AccountStatus string
	Key           string // canonical product key (Canonical)
	ProductID     string // the product instance, a site ARI
	Site          string // the cloud ID from ProductID
	SiteName      string // the site's host, or its ID with UnknownSite (SiteLabel)
	LastActive    time.Time
	// DaysIdle counts whole UTC days since the last activity or, for a
	// product never used, since the person joined the org; -1 when that
	// date is unknown.
	DaysIdle int
	Verdict  Verdict
	// Exempt says the seat is kept on purpose (`/lastactive exempt`, set
	// by MarkExempt), until ExemptUntil (the instant it ends; zero: no
	// end).
	Exempt      bool
	ExemptUntil time.Time
}

// Group counts one product on one site. Seats = Active + Idle + Never +
// New; accounts that hold no seat are in NoSeat only.
type Group struct {
	Key, ProductID, Site string
	SiteName             string // the site's host, or its ID with UnknownSite
	Seats, Active, Idle  int
	Never, New, NoSeat   int
	// ExemptUnused counts the unused seats (Idle, Never) that are exempt
	// (MarkExempt): kept on purpose, though they count in Unused.
	ExemptUnused int
	// Price is the monthly price of a seat, when configured (HasPrice).
	Price    float64
	HasPrice bool
}

// Unused is the number of seats that could go: idle or never used.
func (g Group) Unused() int { return g.Idle + g.Never }

// MonthlyCost is what the unused seats cost a month at Price.
func (g Group) MonthlyCost() float64 { return float64(g.Unused()) * g.Price }

// ExemptCost is what the exempt unused seats cost a month at Price: a
// part of MonthlyCost.
func (g Group) ExemptCost() float64 { return float64(g.ExemptUnused) * g.Price }

// Report is the org-wide idle-seat report.
type Report struct {
	Days     int
	Products []string // the filter, as asked
	Currency string   // of every price and cost, e.g. USD
	// PricesSet says some price was configured (Options.Prices), even if
	// for none of the products found.
	PricesSet bool
	Now       time.Time
	ReadAt    time.Time // when the scan of the organisation finished
	// Workspaces are those the scan named its sites by when it read the
	// organisation (nil when they could not be read): the digest names
	// and sizes by them the sites a fresh read does not list.
	Workspaces []atlassian.Workspace

	Accounts int // accounts read from Atlassian
	NoSeat   int // of which deactivated, closed or suspended, or apps and customers
	// Groups are sorted by product name, then site (host).
	Groups []Group
	// Longest are the people idle longest (one entry each, their longest
	// idle product), most days first; once MarkExempt has marked exempt
	// seats, those are passed over (chooseLongest).
	Longest []Row
	// Rows holds every user × product (filtered), for the CSV, sorted by
	// product, site (host), then most days idle (unknown first).
	Rows []Row
	// ExemptRows counts the rows MarkExempt marked exempt; the CSV has its
	// exempt column only when there are some.
	ExemptRows int
	// ExemptionsUnread says the exemptions could not be read, so exempt
	// seats are not marked (set by the caller that tried).
	ExemptionsUnread bool
}

// Totals sums the groups.
func (r *Report) Totals() Group {
	var t Group
	for _, g := range r.Groups {
		t.Seats += g.Seats
		t.Active += g.Active
		t.Idle += g.Idle
		t.Never += g.Never
		t.New += g.New
		t.NoSeat += g.NoSeat
		t.ExemptUnused += g.ExemptUnused
	}
	return t
}

// MonthlyCost is the cost of the unused seats of the priced groups, and
// whether any group had a price. It is the sum of each group's cost
// rounded to the currency's minor units, as each is shown and as an
// invoice adds up its lines: with a price of more decimals (8.6083) the
// unrounded sum, rounded once, could be a minor unit off the sum of the
// costs listed above it.
func (r *Report) MonthlyCost() (float64, bool) {
	var sum float64
	priced := false
	for _, g := range r.Groups {
		if g.HasPrice {
			sum += RoundMoney(g.MonthlyCost(), r.Currency)
			priced = true
		}
	}
	return sum, priced
}

// ExemptCost is the part of MonthlyCost that is exempt seats, summed as
// MonthlyCost sums (each group's rounded), and how many such seats it
// counts: the exempt unused seats of priced products.
func (r *Report) ExemptCost() (float64, int) {
	var sum float64
	n := 0
	for _, g := range r.Groups {
		if g.HasPrice && g.ExemptUnused > 0 {
			sum += RoundMoney(g.ExemptCost(), r.Currency)
			n += g.ExemptUnused
		}
	}
	return sum, n
}

// Exemption is a seat kept on purpose (`/lastactive exempt EMAIL
// PRODUCT… [until DATE] REASON`), as the store keeps it.
type Exemption struct {
	Email   string    // matched by ASCII case only, as the nudge round matches it
	Product string    // product key (an alias matches its product)
	Until   time.Time // the instant it ends; zero: no end
}

// MarkExempt marks the rows of the people and products in ex that are in
// force at r.Now, counts the exempt unused seats of each group, and
// chooses the people idle longest again, exempt seats passed over
// (chooseLongest). Marking again starts over.
func (r *Report) MarkExempt(ex []Exemption) {
	index := IndexExemptions(ex, r.Now)
	type groupKey struct{ key, site string }
	groups := make(map[groupKey]*Group, len(r.Groups))
	for i := range r.Groups {
		r.Groups[i].ExemptUnused = 0
		groups[groupKey{r.Groups[i].Key, r.Groups[i].Site}] = &r.Groups[i]
	}
	mark := func(row *Row) bool {
		row.Exempt, row.ExemptUntil = false, time.Time{}
		if row.Email == "" || len(index.until) == 0 {
			return false
		}
		u, ok := index.until[personProduct{lowerASCII(row.Email), row.Key}]
		row.Exempt, row.ExemptUntil = ok, u
		return ok
	}
	r.ExemptRows = 0
	for i := range r.Rows {
		row := &r.Rows[i]
		if !mark(row) {
			continue
		}
		r.ExemptRows++
		if row.Verdict == VerdictIdle || row.Verdict == VerdictNever {
			if g := groups[groupKey{row.Key, row.Site}]; g != nil {
				g.ExemptUnused++
			}
		}
	}
	// Chosen again: exempt seats are passed over for the places
	// (chooseLongest).
	r.Longest = chooseLongest(r.Rows)
}

// personProduct is one person's product: an address by its ASCII case
// only, a canonical product key.
type personProduct struct{ email, key string }

// ExemptIndex is the exemptions in force at one time, by person and
// product, matched as MarkExempt matches a report's rows: App Home marks
// its lists of people by it. The zero value holds none.
type ExemptIndex struct{ until map[personProduct]time.Time }

// IndexExemptions indexes those of ex in force at `at`.
func IndexExemptions(ex []Exemption, at time.Time) ExemptIndex {
	until := make(map[personProduct]time.Time, len(ex))
	for _, e := range ex {
		if !e.Until.IsZero() && !e.Until.After(at) {
			continue
		}
		until[personProduct{lowerASCII(strings.TrimSpace(e.Email)), Canonical(strings.TrimSpace(e.Product))}] = e.Until
	}
	return ExemptIndex{until: until}
}

// Exempt reports whether email's product (a key; an alias matches its
// product) is exempt, and until when (zero: no end).
func (x ExemptIndex) Exempt(email, product string) (until time.Time, ok bool) {
	if email == "" {
		return time.Time{}, false
	}
	until, ok = x.until[personProduct{lowerASCII(strings.TrimSpace(email)), Canonical(strings.TrimSpace(product))}]
	return until, ok
}

// lowerASCII lower-cases the ASCII letters of an email address only, as
// the store keeps them (state.LowerASCII): a look-alike address stays
// another person's.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// UnpricedUnused is how many unused seats MonthlyCost leaves out: those
// of products with no price.
func (r *Report) UnpricedUnused() int {
	n := 0
	for _, g := range r.Groups {
		if !g.HasPrice {
			n += g.Unused()
		}
	}
	return n
}

// AccountStatus names an account's state as Atlassian Administration does.
func AccountStatus(u atlassian.OrgUser) string {
	switch {
	case u.AccountType != "" && u.AccountType != "atlassian":
		return u.AccountType // "app", "customer": no seat (HoldsSeat)
	case u.AccountStatus == "inactive":
		return "deactivated"
	case u.AccountStatus == atlassian.ForDeletion:
		return string(atlassian.StatusForDeletion) // as a lookup says it
	case u.AccountStatus != "" && u.AccountStatus != "active":
		return u.AccountStatus // "closed", or a newer state
	case u.MembershipStatus == "suspended":
		return "suspended"
	case u.MembershipStatus == "no_membership":
		return "not a member"
	}
	// Active, or not said: product access is a seat (HoldsSeat).
	return "active"
}

// productFilter matches product keys by product, so aliases (jira and
// jira-software) find each other.
func productFilter(keys []string) func(string) bool {
	if len(keys) == 0 {
		return func(string) bool { return true }
	}
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[Canonical(k)] = true
	}
	return func(key string) bool { return want[Canonical(key)] }
}

// Build judges every user × product of users and counts them by product
// and site. users is read once and not kept.
func Build(users []atlassian.OrgUser, o Options) *Report {
	if o.Days <= 0 {
		o.Days = DefaultIdleDays
	}
	if o.Currency == "" {
		o.Currency = DefaultCurrency
	}
	rep := &Report{Days: o.Days, Products: o.Products, Currency: o.Currency, PricesSet: len(o.Prices) > 0, Now: o.Now, Accounts: len(users)}
	keep := productFilter(o.Products)
	type groupKey struct{ key, site string }
	groups := make(map[groupKey]*Group)

	// Rows is sized once: appending to 200,000 rows (50,000 people) by
	// doubling allocated twice their size, the report's largest cost.
	n := 0
	for _, u := range users {
		for _, p := range u.Products {
			if keep(p.Key) {
				n++
			}
		}
	}
	rep.Rows = make([]Row, 0, n)

	for _, u := range users {
		if !u.HoldsSeat() {
			rep.NoSeat++
		}
		status := AccountStatus(u)
		for _, p := range MergeProducts(u.Products) {
			if !keep(p.Key) {
				continue
			}
			key := Canonical(p.Key)
			v, ago := Judge(u, p, o.Now, o.Days)
			row := Row{AccountID: u.AccountID, Name: u.Name, Email: u.Email, AccountStatus: status,
				Key: key, ProductID: p.ID, Site: p.SiteID(), SiteName: SiteLabel(o.Sites, p.ID), LastActive: LastDay(p), DaysIdle: ago, Verdict: v}
			rep.Rows = append(rep.Rows, row)

			// One product on one site is one group, whichever of its keys
			// (and so whichever ARI) Atlassian used for this account.
			gk := groupKey{key, row.Site}
			g := groups[gk]
			if g == nil {
				g = &Group{Key: key, ProductID: p.ID, Site: row.Site, SiteName: row.SiteName}
				g.Price, g.HasPrice = o.Prices.Of(key)
				groups[gk] = g
			}
			g.ProductID = min(g.ProductID, p.ID) // the same whatever the order of users
			switch v {
			case VerdictNoSeat:
				g.NoSeat++
				continue
			case VerdictActive:
				g.Active++
			case VerdictIdle:
				g.Idle++
			case VerdictNever:
				g.Never++
			case VerdictNew:
				g.New++
			}
			g.Seats++
		}
	}

	for _, g := range groups {
		rep.Groups = append(rep.Groups, *g)
	}
	// Sites by host, as people read them and as the digest lists them;
	// the cloud ID parts two sites of one name.
	slices.SortFunc(rep.Groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(ProductName(a.Key), ProductName(b.Key)), cmp.Compare(a.Key, b.Key),
			cmp.Compare(a.SiteName, b.SiteName), cmp.Compare(a.Site, b.Site))
	})
	// A total order, so the unstable (and much faster) sort gives the same
	// CSV for the same scan. Days idle unknown (-1: never used, no join
	// date) is a seat nobody has used: first, not below the active ones.
	idleFor := func(r *Row) int {
		if r.DaysIdle < 0 {
			return math.MaxInt
		}
		return r.DaysIdle
	}
	slices.SortFunc(rep.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.SiteName, b.SiteName), cmp.Compare(a.Site, b.Site),
			cmp.Compare(idleFor(&b), idleFor(&a)), cmp.Compare(a.AccountID, b.AccountID))
	})
	rep.Longest = chooseLongest(rep.Rows)
	return rep
}

// chooseLongest picks the people idle longest from rows, sorted as Build
// sorts them: each person once, at their longest idle seat (of equal days,
// the first in rows: the same whatever the order of users), most days
// first, at most MaxLongestIdle.
//
// The list is where a manager looks for seats to act on, so a seat kept
// on purpose (Exempt, from MarkExempt) does not take a place from one they
// can release: a person is named at their longest idle seat that is not
// exempt, and those whose every idle seat is exempt come after everyone
// else, longest first, while places remain (marked, so the list does not
// hide them from a small organisation).
func chooseLongest(rows []Row) []Row {
	longest := make(map[string]int) // account ID → index in rows of their longest idle row
	for i := range rows {
		r := &rows[i]
		if r.Verdict != VerdictIdle {
			continue
		}
		j, ok := longest[r.AccountID]
		if !ok || (rows[j].Exempt && !r.Exempt) || (rows[j].Exempt == r.Exempt && rows[j].DaysIdle < r.DaysIdle) {
			longest[r.AccountID] = i
		}
	}
	// The idle longest are sorted as indices, and only the first few rows
	// copied: a copy of every idle person's row cost a fifth of the report.
	idle := make([]int, 0, len(longest))
	for _, i := range longest {
		idle = append(idle, i)
	}
	slices.SortFunc(idle, func(i, j int) int {
		a, b := &rows[i], &rows[j]
		return cmp.Or(compareExempt(a, b), cmp.Compare(b.DaysIdle, a.DaysIdle), cmp.Compare(a.Name, b.Name), cmp.Compare(a.AccountID, b.AccountID))
	})
	var out []Row
	for _, i := range idle[:min(len(idle), MaxLongestIdle)] {
		out = append(out, rows[i])
	}
	return out
}

// compareExempt orders a seat that is not exempt before one that is.
func compareExempt(a, b *Row) int {
	switch {
	case a.Exempt == b.Exempt:
		return 0
	case b.Exempt:
		return -1
	}
	return 1
}

// MergeProducts returns ps with one entry per product and site, the one
// with the latest activity: Atlassian may list a product under two of its
// keys (jira and jira-software) or repeat an entry, and either would count
// one seat twice, once perhaps as idle. A report and a lookup both use it,
// so they agree on the seat. ps is not changed; without repeats it is
// returned as it is.
func MergeProducts(ps []atlassian.ProductActivity) []atlassian.ProductActivity {
	if len(ps) < 2 {
		return ps
	}
	type productSite struct{ key, site string }
	at := make(map[productSite]int, len(ps)) // index in the result
	var out []atlassian.ProductActivity      // nil until a repeat: the result is ps[:i]
	n := 0
	for i, p := range ps {
		k := productSite{Canonical(p.Key), p.SiteID()}
		if j, ok := at[k]; ok {
			if out == nil {
				out = slices.Clone(ps[:i])
			}
			if p.Last().After(out[j].Last()) {
				out[j] = p
			}
			continue
		}
		at[k] = n
		n++
		if out != nil {
			out = append(out, p)
		}
	}
	if out == nil {
		return ps
	}
	return out
}

// Caveats every report carries, in whatever form.
const (
	ActiveNote = "Active means Atlassian recorded use of the product (for example, a page or an issue viewed for at least 2 seconds). " +
		"Atlassian's activity data can lag by up to 24 hours."
	BillingNote = "Costs are estimates at the seat prices in LASTACTIVE_SEAT_PRICES. Atlassian bills the peak seat count of a billing cycle: " +
		"removing idle seats saves from the next cycle, not the current one."
)

// ExemptCostNote is what a cost sentence adds for the exempt seats in it
// (Report.ExemptCost): ", of which USD 20.00 for 2 exempt seats"; "" for
// none.
func ExemptCostNote(cost float64, n int, currency string) string {
	if n <= 0 {
		return ""
	}
	return ", of which " + Money(cost, currency) + " for " + Count(n, "exempt seat", "exempt seats")
}

// ExemptSeatsNote says how many unused seats are exempt (Group.ExemptUnused
// of Totals), for a summary; "" for none.
func ExemptSeatsNote(n int) string {
	if n <= 0 {
		return ""
	}
	are := "are"
	if n == 1 {
		are = "is"
	}
	return Thousands(n) + " of the idle and never-used seats " + are + " exempt: kept on purpose (/lastactive exempt list), and marked in the CSV's last column."
}

// ExemptionsUnreadNote is said when the exemptions could not be read
// (Report.ExemptionsUnread).
const ExemptionsUnreadNote = "Exemptions could not be read, so seats kept on purpose (/lastactive exempt) are not marked: " +
	"check /lastactive exempt list before releasing any."

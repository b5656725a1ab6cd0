package bot

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"lastactive/atlassian"
)

// Verdicts that only the org-wide report uses, next to active, idle and
// never used.
const (
	// VerdictNew: no activity yet, but in the org for less than the idle
	// period: someone added last week is not wasting a seat.
	VerdictNew Verdict = "new"
	// VerdictNoSeat: the account is deactivated, closed or suspended. It
	// keeps its product entries but is not billed, so it is counted apart.
	VerdictNoSeat Verdict = "no seat"
)

// MaxLongestIdle is how many people the report names.
const MaxLongestIdle = 10

// IdleOptions is what one report asks for.
type IdleOptions struct {
	Days int // a product unused for this many days or more is idle; 0 means DefaultIdleDays
	// Products limits the report to these product keys (aliases match:
	// jira-servicedesk finds jira-service-desk); empty means all.
	Products []string
	Now      time.Time
	// Prices is the monthly price of one seat by product key.
	Prices map[string]float64
}

// IdleRow is one user on one product and site: one line of the CSV.
type IdleRow struct {
	AccountID string
	Name      string
	Email     string
	// AccountStatus is what Atlassian Administration shows: "active",
	// "deactivated", "closed", "suspended" or "not a member".
	AccountStatus string
	Key           string // product key
	ProductID     string // the product instance, a site ARI
	Site          string // the cloud ID from ProductID
	LastActive    time.Time
	// DaysIdle counts whole UTC days since the last activity or, for a
	// product never used, since the person joined the org; -1 when that
	// date is unknown.
	DaysIdle int
	Verdict  Verdict
}

// IdleGroup counts one product on one site. Seats = Active + Idle + Never +
// New; accounts that hold no seat are in NoSeat only.
type IdleGroup struct {
	Key, ProductID, Site string
	Seats, Active, Idle  int
	Never, New, NoSeat   int
	// Price is the monthly price of a seat, when configured (HasPrice).
	Price    float64
	HasPrice bool
}

// Unused is the number of seats that could go: idle or never used.
func (g IdleGroup) Unused() int { return g.Idle + g.Never }

// MonthlyCost is what the unused seats cost a month at Price.
func (g IdleGroup) MonthlyCost() float64 { return float64(g.Unused()) * g.Price }

// IdleReport is the org-wide idle-seat report.
type IdleReport struct {
	Days     int
	Products []string // the filter, as asked
	Now      time.Time
	ReadAt   time.Time // when the scan of the organisation finished

	Accounts int // accounts read from Atlassian
	NoSeat   int // of which deactivated, closed or suspended
	// Groups are sorted by product name, then site.
	Groups []IdleGroup
	// Longest are the people idle longest (one entry each, their longest
	// idle product), most days first.
	Longest []IdleRow
	// Rows holds every user × product (filtered), for the CSV, sorted by
	// product, site, then most days idle.
	Rows []IdleRow
}

// Totals sums the groups.
func (r *IdleReport) Totals() IdleGroup {
	var t IdleGroup
	for _, g := range r.Groups {
		t.Seats += g.Seats
		t.Active += g.Active
		t.Idle += g.Idle
		t.Never += g.Never
		t.New += g.New
		t.NoSeat += g.NoSeat
	}
	return t
}

// MonthlyCost is the cost of the unused seats of the priced groups, and
// whether any group had a price.
func (r *IdleReport) MonthlyCost() (float64, bool) {
	var sum float64
	priced := false
	for _, g := range r.Groups {
		if g.HasPrice {
			sum += g.MonthlyCost()
			priced = true
		}
	}
	return sum, priced
}

// accountStatus names an account's state as Atlassian Administration does.
func accountStatus(u atlassian.OrgUser) string {
	switch {
	case u.AccountStatus == "inactive":
		return "deactivated"
	case u.AccountStatus != "" && u.AccountStatus != "active":
		return u.AccountStatus // "closed", or a newer state
	case u.MembershipStatus == "suspended":
		return "suspended"
	case u.MembershipStatus == "no_membership":
		return "not a member"
	}
	return "active"
}

// IdleVerdict judges one user on one product. A used product is active or
// idle as in a lookup (VerdictFor). An unused one is never used only once
// the person has been in the org for the idle period; when Atlassian does
// not say when they joined (organisations on the original user management
// experience), the seat is taken as never used, as it has no join date to
// excuse it. Accounts that hold no seat get VerdictNoSeat.
func IdleVerdict(u atlassian.OrgUser, p atlassian.ProductActivity, now time.Time, days int) (Verdict, int) {
	if days <= 0 {
		days = DefaultIdleDays
	}
	v, ago := VerdictFor(p, now, days)
	if v == VerdictNever {
		ago = -1
		if !u.AddedToOrg.IsZero() {
			ago = daysBetween(u.AddedToOrg, now)
			if ago < days {
				v = VerdictNew
			}
		}
	}
	if !u.HoldsSeat() {
		v = VerdictNoSeat
	}
	return v, ago
}

// productFilter matches product keys by readable name, so aliases
// (jira-servicedesk, jira-service-desk) find each other.
func productFilter(keys []string) func(string) bool {
	if len(keys) == 0 {
		return func(string) bool { return true }
	}
	names := make(map[string]bool, len(keys))
	for _, k := range keys {
		names[ProductName(k)] = true
	}
	return func(key string) bool { return names[ProductName(key)] }
}

// BuildIdleReport judges every user × product of users and counts them by
// product and site. users is read once and not kept.
func BuildIdleReport(users []atlassian.OrgUser, o IdleOptions) *IdleReport {
	if o.Days <= 0 {
		o.Days = DefaultIdleDays
	}
	rep := &IdleReport{Days: o.Days, Products: o.Products, Now: o.Now, Accounts: len(users)}
	keep := productFilter(o.Products)
	type groupKey struct{ key, id string }
	groups := make(map[groupKey]*IdleGroup)
	longest := make(map[string]int) // account ID → index in Rows of their longest idle row

	for _, u := range users {
		if !u.HoldsSeat() {
			rep.NoSeat++
		}
		status := accountStatus(u)
		for _, p := range u.Products {
			if !keep(p.Key) {
				continue
			}
			v, ago := IdleVerdict(u, p, o.Now, o.Days)
			row := IdleRow{AccountID: u.AccountID, Name: u.Name, Email: u.Email, AccountStatus: status,
				Key: p.Key, ProductID: p.ID, Site: p.SiteID(), LastActive: lastDayOrZero(p), DaysIdle: ago, Verdict: v}
			rep.Rows = append(rep.Rows, row)

			gk := groupKey{p.Key, p.ID}
			g := groups[gk]
			if g == nil {
				g = &IdleGroup{Key: p.Key, ProductID: p.ID, Site: p.SiteID()}
				g.Price, g.HasPrice = o.Prices[p.Key]
				groups[gk] = g
			}
			switch v {
			case VerdictNoSeat:
				g.NoSeat++
				continue
			case VerdictActive:
				g.Active++
			case VerdictIdle:
				g.Idle++
				if i, ok := longest[u.AccountID]; !ok || rep.Rows[i].DaysIdle < ago {
					longest[u.AccountID] = len(rep.Rows) - 1
				}
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
	slices.SortFunc(rep.Groups, func(a, b IdleGroup) int {
		return cmp.Or(cmp.Compare(ProductName(a.Key), ProductName(b.Key)), cmp.Compare(a.Key, b.Key), cmp.Compare(a.ProductID, b.ProductID))
	})
	for _, i := range longest {
		rep.Longest = append(rep.Longest, rep.Rows[i])
	}
	slices.SortFunc(rep.Longest, func(a, b IdleRow) int {
		return cmp.Or(cmp.Compare(b.DaysIdle, a.DaysIdle), cmp.Compare(a.Name, b.Name), cmp.Compare(a.AccountID, b.AccountID))
	})
	rep.Longest = rep.Longest[:min(len(rep.Longest), MaxLongestIdle)]
	// A total order, so the unstable (and much faster) sort gives the same
	// CSV for the same scan.
	slices.SortFunc(rep.Rows, func(a, b IdleRow) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.ProductID, b.ProductID), cmp.Compare(b.DaysIdle, a.DaysIdle),
			cmp.Compare(a.AccountID, b.AccountID))
	})
	return rep
}

func lastDayOrZero(p atlassian.ProductActivity) time.Time {
	if !p.Used() {
		return time.Time{}
	}
	return lastDay(p)
}

// IdleCSVHeader is the first line of the report's CSV.
var IdleCSVHeader = []string{"name", "email", "account ID", "product", "site", "last active", "days idle", "verdict", "account status"}

// WriteIdleCSV writes the report's rows as CSV (RFC 4180, as encoding/csv
// writes it: fields with commas, quotes or line breaks are quoted).
// Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
// return as a formula, and names and emails come from anyone who can edit
// their profile, so such cells get a leading apostrophe: a display name
// like =HYPERLINK(...) stays text.
func WriteIdleCSV(w io.Writer, rep *IdleReport) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(IdleCSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(IdleCSVHeader))
	for _, r := range rep.Rows {
		last, days := "", ""
		if !r.LastActive.IsZero() {
			last = r.LastActive.Format(time.DateOnly)
		}
		if r.DaysIdle >= 0 {
			days = strconv.Itoa(r.DaysIdle)
		}
		rec[0], rec[1], rec[2] = r.Name, r.Email, r.AccountID
		rec[3], rec[4], rec[5], rec[6] = r.Key, r.Site, last, days
		rec[7], rec[8] = string(r.Verdict), r.AccountStatus
		for i := range rec {
			rec[i] = CSVCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// CSVCell makes one value safe for a spreadsheet: valid UTF-8, and text
// rather than a formula (OWASP's CSV injection advice).
func CSVCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// IdleCSVName is the file name of a report's CSV.
func IdleCSVName(rep *IdleReport) string {
	name := fmt.Sprintf("lastactive-idle-%dd", rep.Days)
	for _, p := range rep.Products {
		name += "-" + p
	}
	return name + "-" + rep.Now.UTC().Format(time.DateOnly) + ".csv"
}

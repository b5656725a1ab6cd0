package seat

import (
	"fmt"
	"time"

	"lastactive/atlassian"
)

// Day bounds. A product unused for DefaultIdleDays is idle unless the
// configuration says otherwise; MaxIdleDays (ten years) is the longest
// idle period anyone may ask for, far past any real billing question.
const (
	DefaultIdleDays = 90
	MaxIdleDays     = 3650
)

// MaxProductFilter is how many products one report may name: a filter,
// not a list of everything.
const MaxProductFilter = 10

// ValidIdleDays says whether n days is an idle period one may ask for.
func ValidIdleDays(n int) error {
	if n < 1 || n > MaxIdleDays {
		return fmt.Errorf("the number of days must be between 1 and %d", MaxIdleDays)
	}
	return nil
}

// Verdict is what a product's last activity means for the seat.
type Verdict string

// The verdicts. Their values are what the CSV and the CLI print.
const (
	VerdictActive Verdict = "active"
	VerdictIdle   Verdict = "idle"
	VerdictNever  Verdict = "never used"
	// VerdictNew: no activity yet, but in the org for less than the idle
	// period: someone added last week is not wasting a seat.
	VerdictNew Verdict = "new"
	// VerdictNoSeat: the account is deactivated, closed or suspended, or
	// is an app's or a customer's. It keeps its product entries but is not
	// billed, so it is counted apart.
	VerdictNoSeat Verdict = "no seat"
)

// VerdictFor judges one product for a lookup: never used without a date;
// idle when the last active day is idleDays or more whole UTC days before
// now (0 means DefaultIdleDays); else active. daysAgo is 0 for never, and
// for dates in the future (clock skew).
func VerdictFor(p atlassian.ProductActivity, now time.Time, idleDays int) (v Verdict, daysAgo int) {
	if !p.Used() {
		return VerdictNever, 0
	}
	if idleDays <= 0 {
		idleDays = DefaultIdleDays
	}
	days := DaysBetween(LastDay(p), now)
	if days >= idleDays {
		return VerdictIdle, days
	}
	return VerdictActive, days
}

// Judge judges one user on one product for the org-wide report. A used
// product is active or idle as in a lookup (VerdictFor). An unused one is
// never used only once the person has been in the org for the idle period;
// when Atlassian does not say when they joined (organisations on the
// original user management experience), the seat is taken as never used,
// as it has no join date to excuse it. Accounts that hold no seat get
// VerdictNoSeat. days is -1 when the date it counts from is unknown.
func Judge(u atlassian.OrgUser, p atlassian.ProductActivity, now time.Time, idleDays int) (Verdict, int) {
	if idleDays <= 0 {
		idleDays = DefaultIdleDays
	}
	v, ago := VerdictFor(p, now, idleDays)
	if v == VerdictNever {
		ago = -1
		if !u.AddedToOrg.IsZero() {
			ago = DaysBetween(u.AddedToOrg, now)
			if ago < idleDays {
				v = VerdictNew
			}
		}
	}
	if !u.HoldsSeat() {
		v = VerdictNoSeat
	}
	return v, ago
}

// LastDay is the UTC day of the last activity: the later of Atlassian's
// date and the day of its timestamp, either alone when only one is sent.
// It is zero for a product never used. The later one, as
// atlassian.ProductActivity.Last: the two have never been seen to fall on
// different days, but if they do, the later is evidence of use, and a seat
// judged on the older would be called idle, nudged and released while its
// person uses it.
func LastDay(p atlassian.ProductActivity) time.Time {
	day := p.LastActive.UTC()
	if !p.LastActiveTimestamp.IsZero() {
		y, m, d := p.LastActiveTimestamp.UTC().Date()
		if ts := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); p.LastActive.IsZero() || ts.After(day) {
			// The instant itself, as before, when it alone is sent or
			// is on a later day: the reply shows the instant beside it.
			return p.LastActiveTimestamp.UTC()
		}
	}
	if p.LastActive.IsZero() {
		return time.Time{}
	}
	return day
}

// DaysBetween counts whole calendar days in UTC from a to b, never below
// zero. It goes through Unix seconds because time.Duration saturates at
// about 292 years and hostile dates can be anything.
func DaysBetween(a, b time.Time) int {
	day := func(t time.Time) int64 {
		y, m, d := t.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	return int(max(day(b)-day(a), 0))
}

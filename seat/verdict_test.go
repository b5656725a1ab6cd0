package seat

import (
	"testing"
	"time"

	"lastactive/atlassian"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestVerdictFor(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)
	tests := []struct {
		name     string
		p        atlassian.ProductActivity
		idleDays int
		want     Verdict
		wantDays int
	}{
		{"today", atlassian.ProductActivity{LastActive: day("2026-11-26")}, 90, VerdictActive, 0},
		{"yesterday", atlassian.ProductActivity{LastActive: day("2026-11-25")}, 90, VerdictActive, 1},
		{"89 days", atlassian.ProductActivity{LastActive: day("2026-08-29")}, 90, VerdictActive, 89},
		{"90 days is idle", atlassian.ProductActivity{LastActive: day("2026-08-28")}, 90, VerdictIdle, 90},
		{"zero idle days means default", atlassian.ProductActivity{LastActive: day("2026-08-28")}, 0, VerdictIdle, 90},
		{"custom threshold", atlassian.ProductActivity{LastActive: day("2026-11-19")}, 7, VerdictIdle, 7},
		{"never", atlassian.ProductActivity{Key: "confluence"}, 90, VerdictNever, 0},
		{"timestamp late yesterday in UTC", atlassian.ProductActivity{LastActiveTimestamp: time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)}, 90, VerdictActive, 1},
		{"timestamp in another zone counts in UTC", atlassian.ProductActivity{LastActiveTimestamp: time.Date(2026, 11, 26, 1, 0, 0, 0, time.FixedZone("CET", 3600))}, 90, VerdictActive, 0},
		{"future date", atlassian.ProductActivity{LastActive: day("2027-01-01")}, 90, VerdictActive, 0},
		{"year one", atlassian.ProductActivity{LastActive: time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)}, 90, VerdictIdle, 739944},
		// The later of the day and the instant is the last use (as
		// ProductActivity.Last): a seat whose instant says it was used
		// yesterday is not idle for an older day beside it, and a seat is
		// never nudged or released on the older of two answers.
		{"a later timestamp wins over the date", atlassian.ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}, 90, VerdictActive, 0},
		{"a timestamp yesterday beside a day months ago is active", atlassian.ProductActivity{LastActive: day("2026-08-01"), LastActiveTimestamp: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}, 90, VerdictActive, 1},
		{"an older timestamp does not make a used seat idle", atlassian.ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC)}, 90, VerdictActive, 6},
		{"a timestamp late the day before its day", atlassian.ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: time.Date(2026, 11, 19, 23, 0, 0, 0, time.UTC)}, 90, VerdictActive, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, days := VerdictFor(tt.p, now, tt.idleDays)
			if got != tt.want || days != tt.wantDays {
				t.Errorf("VerdictFor = %q, %d; want %q, %d", got, days, tt.want, tt.wantDays)
			}
		})
	}
}

func TestDaysBetween(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", day("2026-11-26"), day("2026-11-26").Add(23 * time.Hour), 0},
		{"midnight crossing", time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC), time.Date(2026, 11, 26, 0, 1, 0, 0, time.UTC), 1},
		{"b before a", day("2026-11-26"), day("2026-11-01"), 0},
		{"year one", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), day("2026-11-26"), 739944},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DaysBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("DaysBetween = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestValidIdleDays(t *testing.T) {
	t.Parallel()
	for n, ok := range map[int]bool{-1: false, 0: false, 1: true, DefaultIdleDays: true, MaxIdleDays: true, MaxIdleDays + 1: false} {
		if err := ValidIdleDays(n); (err == nil) != ok {
			t.Errorf("ValidIdleDays(%d) = %v, want ok %v", n, err, ok)
		}
	}
}

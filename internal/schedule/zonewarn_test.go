package schedule_test

import (
	"strings"
	"testing"
	"time"

	"lastactive/internal/schedule"
)

// TestEtcGMTZoneIsWarnedAbout: CRON_TZ=Etc/GMT+2 is accepted and is
// UTC−2 (the Etc zones reverse POSIX's sign), so "0 9 * * *" runs at 11:00
// UTC; ZoneWarning says which offset it really is, and nothing of the
// other zones.
func TestEtcGMTZoneIsWarnedAbout(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string // "" : no warning
	}{
		{"CRON_TZ=Etc/GMT+2 0 9 * * *", []string{"Etc/GMT+2", "UTC-02:00", "2 hours behind UTC", "Etc/GMT-2"}},
		{"TZ=Etc/GMT-10 0 9 * * MON", []string{"Etc/GMT-10", "UTC+10:00", "10 hours ahead of UTC", "Etc/GMT+10"}},
		{"CRON_TZ=Etc/GMT+12 0 9 * * *", []string{"UTC-12:00"}},
		{"CRON_TZ=Etc/GMT-14 0 9 * * *", []string{"UTC+14:00"}},
		{"CRON_TZ=Etc/GMT+0 0 9 * * *", nil},
		{"CRON_TZ=Etc/GMT 0 9 * * *", nil},
		{"CRON_TZ=Etc/UTC 0 9 * * *", nil},
		{"CRON_TZ=Europe/Berlin 0 9 * * *", nil},
		{"0 9 * * *", nil},
		{"@every 1h", nil},
		{"@daily", nil},
	} {
		if _, err := schedule.Parse(tc.expr); err != nil {
			t.Fatalf("Parse(%q): %v; it stays accepted", tc.expr, err)
		}
		got := schedule.ZoneWarning(tc.expr)
		if len(tc.want) == 0 {
			if got != "" {
				t.Errorf("ZoneWarning(%q) = %q, want none", tc.expr, got)
			}
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("ZoneWarning(%q) = %q, want it to say %q", tc.expr, got, w)
			}
		}
	}
	// The warning is true: Etc/GMT+2's 09:00 is 11:00 UTC.
	s, _ := schedule.Parse("CRON_TZ=Etc/GMT+2 0 9 * * *")
	if next := s.Next(mustTime(t, "2026-12-01T00:00:00Z")).UTC(); next.Hour() != 11 {
		t.Errorf("Etc/GMT+2 09:00 is %v, want 11:00 UTC", next)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

package schedule_test

import (
	"errors"
	"testing"
	"time"

	"lastactive/internal/schedule"
)

// FuzzParse: any text is either refused with ErrInvalid or gives a
// schedule whose next slot is later than the time asked about.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 9 * * MON", "CRON_TZ=Europe/Berlin 0 9 * * MON-FRI", "@every 2s", "@every 1h30m",
		"*/5 * * * *", "@daily", "0 0 31 2 *", "@every 9999999h", "TZ=UTC 0 0 * * *", "CRON_TZ=UTC", "TZ=",
		"CRON_TZ=UTC\t0 9 * * *", "CRON_TZ=UTC\r0 9 * * *", "CRON_TZ=UTC\u00a00 9 * * *", "@every\t1h", "@every 1d", "@every\r1h",
		"CRON_TZ=\t0 9 * * *", "CRON_TZ=UTC\t@every"} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := schedule.Parse(expr)
		if err != nil {
			if !errors.Is(err, schedule.ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, not ErrInvalid", expr, err)
			}
			return
		}
		// A schedule Parse accepts has a next slot (31 February is refused).
		if n := s.Next(from); !n.After(from) {
			t.Fatalf("Parse(%q).Next(%v) = %v, not later", expr, from, n)
		}
	})
}

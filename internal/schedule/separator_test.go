package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"lastactive/internal/schedule"
)

// TestParseSeparators: a tab after the CRON_TZ=Zone prefix or after @every
// separates as a space does (the zone was read as "UTC\t0", and @every with
// a tab was "not a schedule"); a carriage return, a line feed or a
// non-breaking space between the zone and the fields is refused, naming the
// character (the zone was "UTC\r0" or a two-line message); and @every 1d is
// refused saying to write hours, as Go durations have no days.
func TestParseSeparators(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // a Tuesday
	for _, c := range []struct {
		name, expr string
		want       time.Time
	}{
		{"tab after the zone", "CRON_TZ=Europe/Berlin\t0 9 * * MON", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		{"tabs everywhere", "CRON_TZ=Europe/Berlin\t0\t9\t*\t*\tMON", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		{"space and tab after the zone", "CRON_TZ=UTC \t0 9 * * *", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)},
		{"tab after TZ=", "TZ=UTC\t0 9 * * *", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)},
		{"tab after @every", "@every\t1h", from.Add(time.Hour)},
		{"tab and space after @every", "@every\t 30m", from.Add(30 * time.Minute)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := schedule.Parse(c.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.expr, err)
			}
			if got := s.Next(from); !got.Equal(c.want) {
				t.Errorf("Parse(%q).Next(%v) = %v, want %v", c.expr, from, got, c.want)
			}
		})
	}
	for _, c := range []struct{ name, expr, reason string }{
		{"CR after the zone", "CRON_TZ=Europe/Berlin\r0 9 * * MON", "a carriage return (\\r) between the time zone and the fields"},
		{"LF after the zone", "CRON_TZ=Europe/Berlin\n0 9 * * MON", "a line feed (\\n) between the time zone and the fields"},
		{"NBSP after the zone", "CRON_TZ=Europe/Berlin\u00a00 9 * * MON", "a non-breaking space (U+00A0) between the time zone and the fields"},
		{"space then CR after the zone", "CRON_TZ=UTC \r0 9 * * *", "a carriage return (\\r)"},
		{"CR after TZ=", "TZ=UTC\r0 9 * * *", "a carriage return (\\r)"},
		{"CRLF after the zone", "CRON_TZ=UTC\r\n0 9 * * *", "a carriage return (\\r)"},
		{"tab then @every after the zone", "CRON_TZ=UTC\t@every 1h", "@every takes no time zone"},
		{"a day", "@every 1d", "write @every 24h"},
		{"a day after a tab", "@every\t1d", "write @every 24h"},
		{"a week of days", "@every 7d", "write @every 168h"},
		{"days and hours", "@every 1d12h", "write @every 36h"},
		{"CR after @every", "@every\r1h", "a carriage return (\\r) after @every"},
		{"NBSP after @every", "@every\u00a01h", "a non-breaking space (U+00A0) after @every"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := schedule.Parse(c.expr)
			if !errors.Is(err, schedule.ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, want ErrInvalid", c.expr, err)
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Errorf("Parse(%q) = %q, want it to say %q", c.expr, err, c.reason)
			}
			if strings.ContainsAny(err.Error(), "\r\n\u00a0") {
				t.Errorf("Parse(%q) = %q: the refusal carries the raw character", c.expr, err)
			}
		})
	}
}

// A tab after an Etc/GMT zone still gets its warning.
func TestEtcGMTZoneWarnedAfterATab(t *testing.T) {
	t.Parallel()
	if w := schedule.ZoneWarning("CRON_TZ=Etc/GMT+2\t0 9 * * *"); !strings.Contains(w, "UTC-02:00") {
		t.Errorf("ZoneWarning = %q, want it to say UTC-02:00", w)
	}
}

// TestParseDaysSayHours: every @every written with days is refused with
// the Go duration to write instead.
func TestParseDaysSayHours(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ expr, want string }{
		{"@every 1d", "write @every 24h"},
		{"@every 2d", "write @every 48h"},
		{"@every 1d30m", "write @every 24h30m"},
		{"@every 1d30s", "write @every 24h0m30s"},
		{"@every 1d90m", "write @every 25h30m"},
	} {
		t.Run(c.expr, func(t *testing.T) {
			t.Parallel()
			_, err := schedule.Parse(c.expr)
			if !errors.Is(err, schedule.ErrInvalid) || !strings.HasSuffix(err.Error(), c.want) {
				t.Errorf("Parse(%q) = %v, want it to end %q", c.expr, err, c.want)
			}
		})
	}
}

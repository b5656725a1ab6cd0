package atlassian

import (
	"testing"
	"time"
)

// TestLastIsTheLaterOfDayAndInstant: the day and the instant Atlassian sends
// agree in every answer seen, the instant falling within the day. When they
// do not, the later one is kept: reading the earlier would show a used seat
// as idle (a day of 2026-11-20 beside an instant of 2019 read as seven years
// idle), and an idle seat is what a manager releases.
func TestLastIsTheLaterOfDayAndInstant(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	at := func(s string) time.Time { d, _ := time.Parse(time.RFC3339, s); return d }
	for _, c := range []struct {
		name string
		p    ProductActivity
		want time.Time
	}{
		{"instant within the day", ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: at("2026-11-20T10:00:00Z")}, at("2026-11-20T10:00:00Z")},
		{"instant only", ProductActivity{LastActiveTimestamp: at("2026-11-20T10:00:00Z")}, at("2026-11-20T10:00:00Z")},
		{"day only", ProductActivity{LastActive: day("2026-11-20")}, day("2026-11-20")},
		{"never used", ProductActivity{}, time.Time{}},
		{"instant years before the day", ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: at("2019-01-01T08:00:00Z")}, day("2026-11-20")},
		{"instant the day before", ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: at("2026-11-19T23:00:00Z")}, day("2026-11-20")},
		{"instant a day after", ProductActivity{LastActive: day("2026-11-20"), LastActiveTimestamp: at("2026-11-21T01:00:00Z")}, at("2026-11-21T01:00:00Z")},
	} {
		if got := c.p.Last(); !got.Equal(c.want) {
			t.Errorf("%s: Last = %v, want %v", c.name, got, c.want)
		}
	}
}

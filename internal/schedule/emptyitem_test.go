package schedule

import (
	"errors"
	"strings"
	"testing"
)

// TestParseRefusesAnEmptyListItem: a cron list with a comma and nothing
// on one side of it ("MON," from "MON,WED" cut short, "9,,17") is refused,
// naming the field, not read as the list without it: robfig's parser
// skips the empty item, so "0 9 * * MON," ran on Mondays alone without a
// word. Lists written whole are still read.
func TestParseRefusesAnEmptyListItem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		expr, field string
	}{
		{"0 9 * * MON,", "MON,"},
		{"0 9,,17 * * *", "9,,17"},
		{",0 9 * * *", ",0"},
		{"CRON_TZ=Europe/Berlin 0 9 * * MON,WED,", "MON,WED,"},
		{"0 9 1, * *", "1,"},
	} {
		_, err := Parse(c.expr)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "“"+c.field+"”") || !strings.Contains(err.Error(), "empty item") {
			t.Errorf("Parse(%q) = %v, want ErrInvalid naming “%s” and its empty item", c.expr, err, c.field)
		}
	}
	for _, expr := range []string{"0 9 * * MON,WED", "0 9,17 * * *", "CRON_TZ=Europe/Berlin 0 9 1,15 * *", "0 9 * * *"} {
		if _, err := Parse(expr); err != nil {
			t.Errorf("Parse(%q) = %v, want it read", expr, err)
		}
	}
}

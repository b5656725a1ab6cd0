package bot

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lastactive/seat"
)

// TestIdleCostLineAddsUp: each product's cost line in the idle report,
// "3 unused seats × USD 8.61 = USD 25.82 a month", is a sum a manager
// checks before a renewal. The price was shown rounded to the currency's
// minor units while the cost was worked out from the price as configured,
// so a price with more decimals (an annual price divided by 12,
// jira-software=8.6083) showed 3 × 8.61 = 25.82, which is not 25.83. The
// price is now shown with the decimals it was configured with.
func TestIdleCostLineAddsUp(t *testing.T) {
	t.Parallel()
	line := regexp.MustCompile(`(\d+) unused seats? × ([A-Z]{3}) ([\d,.]+) = \*([A-Z]{3}) ([\d,.]+) a month\*`)
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return f
	}
	for _, tc := range []struct {
		currency  string
		price     float64
		unused    int
		wantPrice string // as the line shows it
	}{
		{"USD", 6.05, 3, "USD 6.05"},
		{"USD", 8.6, 3, "USD 8.60"},
		{"USD", 8.6083, 3, "USD 8.6083"},
		{"EUR", 10.005, 7, "EUR 10.005"},
		{"JPY", 1290.5, 3, "JPY 1,290.5"},
		{"JPY", 1290, 5, "JPY 1,290"},
		{"KWD", 2.4691, 5, "KWD 2.4691"},
	} {
		rep := &seat.Report{Days: 90, Currency: tc.currency, PricesSet: true, Groups: []seat.Group{
			{Key: "jira-software", SiteName: "acme.atlassian.net", Seats: tc.unused + 2, Active: 2, Idle: tc.unused, Price: tc.price, HasPrice: true},
		}}
		text := messageText(t, RenderIdleReport(rep, Delivery{Off: true}))
		m := line.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("%s %v: no cost line:\n%s", tc.currency, tc.price, text)
			continue
		}
		if got := m[2] + " " + m[3]; got != tc.wantPrice {
			t.Errorf("%s %v: the line shows the price as %q, want %q", tc.currency, tc.price, got, tc.wantPrice)
		}
		// What the reader works out from the line, rounded to the
		// currency's minor units as the line's total is.
		decimals := 0
		if _, frac, ok := strings.Cut(m[5], "."); ok {
			decimals = len(frac)
		}
		scale := math.Pow10(decimals)
		worked := math.Round(num(m[1])*num(m[3])*scale) / scale
		if worked != num(m[5]) {
			t.Errorf("%s %v: %q does not add up: %s × %s is %.*f", tc.currency, tc.price, m[0], m[1], m[3], decimals, worked)
		}
	}
}

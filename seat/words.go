package seat

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Count writes n with thousands separators and the noun in the number it
// needs: Count(1, "seat", "seats") is "1 seat", Count(50000, …) is
// "50,000 seats". Every count a report shows goes through it, in Slack and
// in a terminal alike.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// NoSeatAccounts says how many accounts hold no seat, by what they are
// (Report.NoSeat; HoldsSeat): "3 deactivated, suspended, app or customer
// accounts". Not "deactivated or suspended" only: apps (bots) and Jira
// Service Management customers are counted there too.
func NoSeatAccounts(n int) string {
	return Count(n, "deactivated, suspended, app or customer account", "deactivated, suspended, app or customer accounts")
}

// UnpricedNote says what a cost of unused seats leaves out, to follow it:
// ", not counting 2 unused seats of products with no price in
// LASTACTIVE_SEAT_PRICES" (Report.UnpricedUnused); "" when n is 0.
func UnpricedNote(n int) string {
	if n <= 0 {
		return ""
	}
	return ", not counting " + Count(n, "unused seat", "unused seats") + " of products with no price in LASTACTIVE_SEAT_PRICES"
}

// Thousands writes n with thousands separators: 50000 → 50,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DefaultCurrency is the currency of seat prices when none is configured
// (LASTACTIVE_CURRENCY).
const DefaultCurrency = "USD"

// ValidCurrency checks that code looks like an ISO 4217 code: three
// capital letters A-Z. Which codes exist is not checked: a new one must
// not need a new release.
func ValidCurrency(code string) error {
	if len(code) != 3 || strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("must be an ISO 4217 currency code of three capital letters, such as USD or EUR")
	}
	return nil
}

// Money writes an amount with its currency code, the currency's decimals
// (ISO 4217's minor units: two, none for JPY or KRW, three for KWD, four
// for CLF) and thousands separators: "USD 1,234.50", "JPY 1,235". The code
// comes first, as ISO 4217 codes do in most locales, and says plainly
// whose dollars they are.
func Money(amount float64, currency string) string {
	if currency == "" {
		currency = DefaultCurrency
	}
	sign, whole, frac, decimals := inMinorUnits(amount, currency)
	if decimals == 0 {
		return fmt.Sprintf("%s %s%s", currency, sign, Thousands(int(whole)))
	}
	return fmt.Sprintf("%s %s%s.%0*d", currency, sign, Thousands(int(whole)), decimals, frac)
}

// Amount writes an amount as a bare number in the currency's decimals,
// with no code or separators, for a table column headed by the code:
// "1234.50" dollars, "1235" yen. It rounds as Money does, so a total in a
// column and the same total in a sentence are one number.
func Amount(amount float64, currency string) string {
	if currency == "" {
		currency = DefaultCurrency
	}
	sign, whole, frac, decimals := inMinorUnits(amount, currency)
	if decimals == 0 {
		return fmt.Sprintf("%s%d", sign, whole)
	}
	return fmt.Sprintf("%s%d.%0*d", sign, whole, decimals, frac)
}

// RoundMoney rounds amount to the currency's minor units, half away from
// zero, as Money and Amount show it.
func RoundMoney(amount float64, currency string) float64 {
	if currency == "" {
		currency = DefaultCurrency
	}
	scale := math.Pow10(minorUnits(currency))
	return math.Copysign(roundHalfUp(math.Abs(amount)*scale), amount) / scale
}

// roundHalfUp rounds x (not negative), in minor units, to a whole number,
// a half up. It first drops the binary noise below float64's 15
// significant decimal digits: a cost is a price times a count, and a
// decimal half is often a hair below it in binary (0.145 × 100 is
// 14.499999…, 3 × 0.175 is 0.52499999…), so that rounded as it came one
// such half in nine went down ("1 unused seat × USD 0.145 = USD 0.14"),
// not away from zero as Money says and an invoice rounds.
func roundHalfUp(x float64) float64 {
	if clean, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64); err == nil {
		x = clean
	}
	return math.Round(x)
}

// maxPriceDecimals is the most decimals UnitPrice shows of a price.
const maxPriceDecimals = 6

// UnitPrice writes the price of one seat as Money does, but with the
// decimals it was configured with when it has more than the currency's
// minor units (at most maxPriceDecimals): a monthly price worked out from
// an annual one (jira-software=8.6083) is what the costs are computed
// from, so "3 unused seats × USD 8.6083 = USD 25.82" adds up where
// "× USD 8.61" did not.
func UnitPrice(price float64, currency string) string {
	if currency == "" {
		currency = DefaultCurrency
	}
	decimals := minorUnits(currency)
	if _, frac, ok := strings.Cut(strconv.FormatFloat(math.Abs(price), 'f', -1, 64), "."); ok && len(frac) > decimals {
		decimals = min(len(frac), maxPriceDecimals)
	}
	scale := int64(math.Pow10(decimals))
	units := int64(math.Round(math.Abs(price) * float64(scale)))
	sign := ""
	if price < 0 && units > 0 {
		sign = "-"
	}
	if decimals == 0 {
		return fmt.Sprintf("%s %s%s", currency, sign, Thousands(int(units)))
	}
	return fmt.Sprintf("%s %s%s.%0*d", currency, sign, Thousands(int(units/scale)), decimals, units%scale)
}

// inMinorUnits rounds amount once, half away from zero, to the currency's
// minor units, and splits it into its sign ("-" or ""; none for an amount
// that rounds to zero), whole units and the fraction in minor units.
func inMinorUnits(amount float64, currency string) (sign string, whole, frac int64, decimals int) {
	decimals = minorUnits(currency)
	scale := int64(math.Pow10(decimals))
	minor := int64(roundHalfUp(math.Abs(amount) * float64(scale)))
	if amount < 0 && minor > 0 {
		sign = "-"
	}
	return sign, minor / scale, minor % scale, decimals
}

// minorUnits is how many decimals ISO 4217 gives currency: two unless it
// is one of those below.
func minorUnits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}

// UnknownProductError is a product key that is not in the catalogue. Its
// message lists the keys we know, so whoever typed it can pick one.
type UnknownProductError struct{ Key string }

func (e *UnknownProductError) Error() string {
	return fmt.Sprintf("%q is not a product key we know. Known keys: %s", e.Key, KnownProducts())
}

// CheckProduct returns an *UnknownProductError unless key (or an alias
// of it, in any letter case) is in the catalogue.
func CheckProduct(key string) error {
	if !Known(key) {
		return &UnknownProductError{Key: key}
	}
	return nil
}

// KnownProducts lists the catalogue's keys in its order, each with the
// aliases that also name it: "jira-software (or jira), …".
func KnownProducts() string {
	also := make(map[string][]string)
	for a, k := range aliases {
		also[k] = append(also[k], a)
	}
	parts := make([]string, 0, len(catalogue))
	for _, p := range catalogue {
		s := p.key
		if a := also[p.key]; len(a) > 0 {
			// At most one alias each today; sort for a stable text anyway.
			slices.Sort(a)
			s += " (or " + strings.Join(a, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// RetryIn says when to try again after a rate limit that asked for d:
// "in 13 s", "in 5 minutes", or "later" beyond 90 minutes (an upstream that
// asks for a day, or ten years, is not waited out by a person at Slack).
// No wait given is "in a minute".
func RetryIn(d time.Duration) string {
	switch {
	case d <= 0:
		return "in a minute"
	case d <= 2*time.Minute:
		return fmt.Sprintf("in %d s", int(math.Ceil(d.Seconds())))
	case d <= 90*time.Minute:
		return fmt.Sprintf("in %d minutes", int(math.Ceil(d.Minutes())))
	}
	return "later"
}

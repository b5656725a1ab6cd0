package seat

import (
	"cmp"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 seats"}, {1, "1 seat"}, {2, "2 seats"}, {999, "999 seats"}, {1000, "1,000 seats"}, {50000, "50,000 seats"},
		{1234567, "1,234,567 seats"}, {-1, "-1 seats"}, {-1234, "-1,234 seats"},
	}
	for _, tt := range tests {
		if got := Count(tt.n, "seat", "seats"); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Count(1, "person", "people"); got != "1 person" {
		t.Errorf("Count(1, person) = %q", got)
	}
	if got := Count(3, "person", "people"); got != "3 people" {
		t.Errorf("Count(3, people) = %q", got)
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount   float64
		currency string
		want     string
	}{
		{0, "USD", "USD 0.00"},
		{18.15, "EUR", "EUR 18.15"},
		{1234.5, "GBP", "GBP 1,234.50"},
		{0.005, "USD", "USD 0.01"},
		{8.6 * 3, "USD", "USD 25.80"},
		// ISO 4217's minor units: none for the yen or the won, three for
		// the Kuwaiti dinar; "JPY 1,000,000.00" shows sen nobody pays.
		{1e6, "JPY", "JPY 1,000,000"},
		{1234.5, "JPY", "JPY 1,235"},
		{98765.4, "KRW", "KRW 98,765"},
		{12.3456, "KWD", "KWD 12.346"},
		// and four for the Chilean and Uruguayan units of account.
		{1.23456, "CLF", "CLF 1.2346"},
		{1234.5, "UYW", "UYW 1,234.5000"},
		{-0.4, "JPY", "JPY 0"},
		{-2.5, "USD", "USD -2.50"},
		{3, "", "USD 3.00"},
	}
	for _, tt := range tests {
		if got := Money(tt.amount, tt.currency); got != tt.want {
			t.Errorf("Money(%v, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"USD", "EUR", "CHF", "XXX"} {
		if err := ValidCurrency(ok); err != nil {
			t.Errorf("ValidCurrency(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "usd", "US", "USDD", "€", "U$D", "ÄBC", "12A", " USD"} {
		if err := ValidCurrency(bad); err == nil {
			t.Errorf("ValidCurrency(%q) accepted", bad)
		}
	}
}

func TestCheckProduct(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"confluence", "jira", "JIRA-Software", "townsquare"} {
		if err := CheckProduct(ok); err != nil {
			t.Errorf("CheckProduct(%q) = %v", ok, err)
		}
	}
	err := CheckProduct("nosuch")
	var upe *UnknownProductError
	if !errors.As(err, &upe) || upe.Key != "nosuch" {
		t.Fatalf("CheckProduct(nosuch) = %v, want an *UnknownProductError", err)
	}
	// The message lists every key of the catalogue, and the aliases with
	// the product they name.
	msg := err.Error()
	for _, p := range catalogue {
		if !strings.Contains(msg, p.key) {
			t.Errorf("message lacks %q: %s", p.key, msg)
		}
	}
	for alias, key := range aliases {
		if !strings.Contains(msg, key+" (or "+alias+")") {
			t.Errorf("message does not give %s as an alias of %s: %s", alias, key, msg)
		}
	}
}

func TestBuildCurrency(t *testing.T) {
	t.Parallel()
	if got := Build(nil, Options{}).Currency; got != DefaultCurrency {
		t.Errorf("default currency %q, want %q", got, DefaultCurrency)
	}
	if got := Build(nil, Options{Currency: "EUR"}).Currency; got != "EUR" {
		t.Errorf("currency %q, want EUR", got)
	}
}

func TestRetryIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "in a minute"},
		{-time.Second, "in a minute"},
		{300 * time.Millisecond, "in 1 s"},
		{12300 * time.Millisecond, "in 13 s"},
		{2 * time.Minute, "in 120 s"},
		{121 * time.Second, "in 3 minutes"},
		{90 * time.Minute, "in 90 minutes"},
		{91 * time.Minute, "later"},
		{10 * 365 * 24 * time.Hour, "later"},
	} {
		if got := RetryIn(tc.d); got != tc.want {
			t.Errorf("RetryIn(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestAmountAgreesWithMoney: the CLI's summary table gives the total in
// its column with Amount and again in the sentence under it with Money: a
// half of the currency's last unit (five yen seats at 1234.5 make 6172.5)
// was rounded half to even by one ("6172") and away from zero by the other
// ("JPY 6,173"), two totals for one sum.
func TestAmountAgreesWithMoney(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		amount   float64
		currency string
		want     string
	}{
		{6172.5, "JPY", "6173"},
		{0.5, "JPY", "1"},
		{2.5, "KRW", "3"},
		{1.125, "USD", "1.13"},
		{-0.4, "JPY", "0"},
		{-2.5, "USD", "-2.50"},
		{1234.5, "UYW", "1234.5000"},
		{3, "", "3.00"},
	} {
		got := Amount(tt.amount, tt.currency)
		money := strings.ReplaceAll(strings.TrimPrefix(Money(tt.amount, tt.currency), cmp.Or(tt.currency, DefaultCurrency)+" "), ",", "")
		if got != tt.want || got != money {
			t.Errorf("Amount(%v, %q) = %q, want %q (Money says %q)", tt.amount, tt.currency, got, tt.want, money)
		}
	}
}

// TestMoneyRoundsDecimalHalvesUp: a cost is a price times a count, and in
// binary floating point a decimal half is often a hair below it (0.145 is
// 0.14499999…, 3 × 0.175 is 0.52499999…). Rounded as it came, one such
// half in nine went down: "1 unused seat × USD 0.145 = USD 0.14", against
// the half-away-from-zero rounding Money promises and an invoice applies.
func TestMoneyRoundsDecimalHalvesUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		price    float64
		seats    int
		currency string
		want     string
	}{
		{0.145, 1, "USD", "USD 0.15"},
		{0.175, 3, "USD", "USD 0.53"},
		{0.045, 5, "USD", "USD 0.23"},
		{1.005, 1, "USD", "USD 1.01"},
		{8.045, 1, "EUR", "EUR 8.05"},
		{0.0145, 1, "KWD", "KWD 0.015"},
		{-0.145, 1, "USD", "USD -0.15"},
		// Not halves: unchanged.
		{8.6083, 3, "USD", "USD 25.82"},
		{0.1449, 1, "USD", "USD 0.14"},
		{1234.5, 5, "JPY", "JPY 6,173"},
	} {
		cost := float64(tt.seats) * tt.price
		if got := Money(cost, tt.currency); got != tt.want {
			t.Errorf("Money(%d × %v = %v, %s) = %q, want %q", tt.seats, tt.price, cost, tt.currency, got, tt.want)
		}
		amount := strings.ReplaceAll(strings.TrimPrefix(tt.want, tt.currency+" "), ",", "")
		if got := Amount(cost, tt.currency); got != amount {
			t.Errorf("Amount(%v, %s) = %q, want %q", cost, tt.currency, got, amount)
		}
		if got := Money(RoundMoney(cost, tt.currency), tt.currency); got != tt.want {
			t.Errorf("Money(RoundMoney(%v, %s)) = %q, want %q", cost, tt.currency, got, tt.want)
		}
	}
	// The report's total is the sum of the rounded group costs.
	rep := &Report{Currency: "USD", Groups: []Group{
		{Key: "confluence", Site: "a", Idle: 1, Price: 0.145, HasPrice: true},
		{Key: "confluence", Site: "b", Idle: 3, Price: 0.175, HasPrice: true},
	}}
	if sum, _ := rep.MonthlyCost(); Money(sum, "USD") != "USD 0.68" {
		t.Errorf("MonthlyCost = %v (%s), want USD 0.68 (0.15 + 0.53)", sum, Money(sum, "USD"))
	}
}

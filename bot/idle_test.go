package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/digest"
	"lastactive/seat"
)

var idleNow = time.Date(2026, 11, 26, 15, 30, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return idleNow.Add(-time.Duration(n) * 24 * time.Hour) }

// smallOrg is the hand-made organisation whose report is checked in full
// (atlassiantest.SmallOrg), dated from idleNow.
func smallOrg() []atlassian.OrgUser { return atlassiantest.SmallOrg(idleNow) }

func TestRenderIdleReportGolden(t *testing.T) {
	t.Parallel()
	rep := seat.Build(smallOrg(), seat.Options{Days: 90, Now: idleNow, Prices: seat.Prices{"confluence": 6.05}})
	rep.ReadAt = idleNow
	golden(t, "idle_summary", RenderIdleReport(rep, Delivery{File: seat.CSVName(rep), Rows: len(rep.Rows)}))

	var longest []string
	for _, r := range rep.Longest {
		longest = append(longest, fmt.Sprintf("%s %s %d", r.AccountID, r.Key, r.DaysIdle))
	}
	// Grace once (her longest), Tim; Ken is deactivated and holds no seat.
	if diff := cmp.Diff([]string{"g confluence 200", "t confluence 95"}, longest); diff != "" {
		t.Errorf("longest idle (-want +got):\n%s", diff)
	}
	if cost, ok := rep.MonthlyCost(); !ok || seat.Money(cost, rep.Currency) != "USD 18.15" {
		t.Errorf("monthly cost = %v, %v; want 3 unused Confluence seats × 6.05 = 18.15", cost, ok)
	}
}

// TestRenderIdleWords: counts take the singular for one ("1 seat", "1
// day"), costs carry the configured currency.
func TestRenderIdleWords(t *testing.T) {
	t.Parallel()
	one := []atlassian.OrgUser{{AccountID: "a", Name: "Ada", Email: "ada@example.com", AccountStatus: "active", MembershipStatus: "active",
		AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence",
			LastActive: daysAgo(5), LastActiveTimestamp: daysAgo(5)}}}}
	deactivated := one[0]
	deactivated.AccountID, deactivated.AccountStatus = "d", "inactive"
	rep := seat.Build(append(one, deactivated), seat.Options{Days: 1, Now: idleNow, Prices: seat.Prices{"confluence": 6.05}, Currency: "EUR"})
	rep.ReadAt = idleNow
	got := messageText(t, RenderIdleReport(rep, Delivery{File: "x.csv", Rows: 1}))
	for _, want := range []string{"*2 accounts*", "1 deactivated, suspended, app or customer account holds no seat", "*1 seat*", "1 idle",
		"not used for 1 day", "in the org for 1 day or more", "1 unused seat × EUR 6.05 = *EUR 6.05 a month*", "*EUR 6.05 a month*",
		"The full list (1 row:", "Confluence on s1 (unknown site)*: 1 seat",
		// When it was read, in each reader's own time zone; UTC only as the fallback.
		fmt.Sprintf("read from Atlassian <!date^%d^{date_short_pretty} at {time}|2026-11-26 15:30 UTC>.", idleNow.Unix())} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"1 seats", "1 days", "1 rows", "1 accounts", "USD"} {
		if strings.Contains(got, bad) {
			t.Errorf("summary has %q:\n%s", bad, got)
		}
	}
}

// messageText is every text of a message, fallback and blocks.
func messageText(t *testing.T, m Message) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(m.Text)
	for _, blk := range m.Blocks {
		raw, err := json.Marshal(blk)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if s, ok := x["text"].(string); ok {
					b.WriteString("\n" + s)
				}
				for _, vv := range x {
					walk(vv)
				}
			case []any:
				for _, vv := range x {
					walk(vv)
				}
			}
		}
		walk(v)
	}
	return b.String()
}

// TestRenderIdleReportLimits: a hostile organisation (long, escapable
// names and product keys, many sites) still renders within Block Kit limits.
func TestRenderIdleReportLimits(t *testing.T) {
	t.Parallel()
	var users []atlassian.OrgUser
	for i := range 200 {
		u := atlassian.OrgUser{AccountID: fmt.Sprintf("acc-%d", i), Name: strings.Repeat("&<*", 100), Email: strings.Repeat("&", 90) + "@x.example",
			AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(3000)}
		key := strings.Repeat("&", 60) + fmt.Sprint(i%40)
		u.Products = append(u.Products, atlassian.ProductActivity{ID: fmt.Sprintf("ari:cloud:x::site/%s%d", strings.Repeat("&", 50), i),
			Key: key, LastActive: daysAgo(1000 + i), LastActiveTimestamp: daysAgo(1000 + i)})
		users = append(users, u)
	}
	rep := seat.Build(users, seat.Options{Days: 90, Now: idleNow, Prices: seat.Prices{"x": 99999}})
	rep.ReadAt = idleNow // as every scan sets it
	for _, d := range []Delivery{{File: seat.CSVName(rep), Rows: 200}, {Err: errors.New("missing_scope")}, {Off: true}} {
		mustCheck(t, RenderIdleReport(rep, d))
	}
	mustCheck(t, RenderIdleProgress(90, seat.Progress{}))
	mustCheck(t, RenderIdleProgress(90, seat.Progress{Read: 49_900, Expected: 50_000}))
	mustCheck(t, RenderIdleError(&atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, RetryAfter: time.Minute}))
}

// fakeFiles records what Idle sends.
type fakeFiles struct {
	mu    sync.Mutex
	sent  []File
	users []string
	err   error
}

func (f *fakeFiles) SendFile(_ context.Context, userID string, file File) error {
	if file.Write != nil {
		b, err := file.Bytes()
		if err != nil {
			return err
		}
		file.Content, file.Write = b, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, file)
	f.users = append(f.users, userID)
	return f.err
}

func TestServiceIdle(t *testing.T) {
	t.Parallel()
	rateLimited := &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, RetryAfter: 30 * time.Second}
	cases := []struct {
		name         string
		dir          seat.OrgDirectory
		files        *fakeFiles
		wantOutcome  Outcome
		wantText     []string
		wantUploads  int
		wantProgress int
	}{
		{"ok", atlassiantest.OrgUserList(smallOrg()), &fakeFiles{}, "ok", []string{"in your direct messages", "lastactive-idle-60d-confluence-2026-11-26.csv"}, 1, 1},
		{"upload fails", atlassiantest.OrgUserList(smallOrg()), &fakeFiles{err: errors.New("missing_scope")}, "partial", []string{"could not be sent", "files:write"}, 1, 1},
		{"no file sender", atlassiantest.OrgUserList(smallOrg()), nil, "partial", []string{"not set up to send files"}, 0, 1},
		{"rate limited", atlassiantest.FailingOrgUsers{Err: rateLimited}, &fakeFiles{}, "rate_limited", []string{"rate limiting", "30 s"}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			scanner := seat.NewScanner(seat.ScanConfig{Dir: tc.dir, Now: func() time.Time { return idleNow }})
			defer scanner.Close()
			cfg := ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
				Scanner: scanner, Now: func() time.Time { return idleNow }, IdleDays: 90}
			if tc.files != nil {
				cfg.Files = tc.files
			}
			var progress []Message
			r := NewService(cfg).Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "idle 60 confluence"},
				func(m Message) { progress = append(progress, m) })
			if r.Kind != "idle" || r.Outcome != tc.wantOutcome {
				t.Errorf("Kind, Outcome = %q, %q; want idle, %q", r.Kind, r.Outcome, tc.wantOutcome)
			}
			mustCheck(t, r.Message)
			all := strings.Join(allTexts(t, r.Message), "\n")
			for _, w := range tc.wantText {
				if !strings.Contains(all, w) {
					t.Errorf("reply lacks %q:\n%s", w, all)
				}
			}
			if len(progress) != tc.wantProgress {
				t.Errorf("%d progress messages, want %d", len(progress), tc.wantProgress)
			}
			if tc.files == nil {
				return
			}
			if len(tc.files.sent) != tc.wantUploads {
				t.Fatalf("%d uploads, want %d", len(tc.files.sent), tc.wantUploads)
			}
			if tc.wantUploads > 0 {
				if tc.files.users[0] != "U1" {
					t.Errorf("file sent to %q, want the requester U1", tc.files.users[0])
				}
				recs, err := csv.NewReader(bytes.NewReader(tc.files.sent[0].Content)).ReadAll()
				if err != nil || len(recs) != 6 { // header + five Confluence rows
					t.Errorf("CSV: %d records, %v; want 6", len(recs), err)
				}
			}
		})
	}
}

// TestRenderIdleNoSeatSaysWhatItCounts: the accounts counted apart are
// not only deactivated and suspended ones: apps and Jira Service
// Management customers hold no seat either, and the summary named them
// all "deactivated or suspended".
func TestRenderIdleNoSeatSaysWhatItCounts(t *testing.T) {
	t.Parallel()
	used := []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence", LastActive: daysAgo(5), LastActiveTimestamp: daysAgo(5)}}
	person := atlassian.OrgUser{AccountID: "a", Name: "Ada", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900), Products: used}
	app, customer, gone := person, person, person
	app.AccountID, app.AccountType = "bot", "app"
	customer.AccountID, customer.AccountType = "cust", "customer"
	gone.AccountID, gone.AccountStatus = "gone", "inactive"
	for _, tt := range []struct {
		users []atlassian.OrgUser
		want  string
	}{
		{[]atlassian.OrgUser{person, app}, "1 deactivated, suspended, app or customer account holds no seat"},
		{[]atlassian.OrgUser{person, app, customer, gone}, "3 deactivated, suspended, app or customer accounts hold no seat"},
	} {
		rep := seat.Build(tt.users, seat.Options{Days: 90, Now: idleNow})
		rep.ReadAt = idleNow
		if got := messageText(t, RenderIdleReport(rep, Delivery{Off: true})); !strings.Contains(got, tt.want) {
			t.Errorf("summary lacks %q:\n%s", tt.want, got)
		}
	}
}

// TestCostSaysWhatItLeavesOut: the cost of idle and never-used seats is
// that of the products with a price in LASTACTIVE_SEAT_PRICES; the summary
// and the digest gave it as the cost of all of them, while another
// product's unused seats (the small organisation's idle Jira Software
// seat, the digest's three Confluence seats) had no price and were left out.
func TestCostSaysWhatItLeavesOut(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		prices seat.Prices
		want   string // "" when nothing is left out
	}{
		{seat.Prices{"confluence": 6.05}, "not counting 1 unused seat of products with no price in LASTACTIVE_SEAT_PRICES"},
		{seat.Prices{"confluence": 6.05, "jira-software": 8.6}, ""},
	} {
		rep := seat.Build(smallOrg(), seat.Options{Days: 90, Now: idleNow, Prices: tt.prices})
		rep.ReadAt = idleNow
		got := messageText(t, RenderIdleReport(rep, Delivery{Off: true}))
		if tt.want != "" && !strings.Contains(got, tt.want) || tt.want == "" && strings.Contains(got, "not counting") {
			t.Errorf("prices %v: the summary should say %q:\n%s", tt.prices, tt.want, got)
		}
	}
	got := messageText(t, RenderDigest(digest.Make(digestReport(), digestSites, nil), ""))
	if want := "not counting 3 unused seats of products with no price in LASTACTIVE_SEAT_PRICES"; !strings.Contains(got, want) {
		t.Errorf("the digest lacks %q:\n%s", want, got)
	}
}

// TestPriceHintWhenThePricesNameNoProductFound: with LASTACTIVE_SEAT_PRICES
// set but naming none of the report's products (confluenc=6.05), the
// report said "Set LASTACTIVE_SEAT_PRICES", which is set. It says the
// prices are set but price none of the products found; unset, it still
// says to set them.
func TestPriceHintWhenThePricesNameNoProductFound(t *testing.T) {
	t.Parallel()
	rep := seat.Build(smallOrg(), seat.Options{Days: 90, Now: idleNow, Prices: seat.Prices{"confluenc": 6.05}})
	rep.ReadAt = idleNow
	got := messageText(t, RenderIdleReport(rep, Delivery{Off: true}))
	if strings.Contains(got, "Set LASTACTIVE_SEAT_PRICES") || !strings.Contains(got, "LASTACTIVE_SEAT_PRICES is set but prices none of the products") {
		t.Errorf("prices set for no product found: the hint should say they are set:\n%s", got)
	}
	rep = seat.Build(smallOrg(), seat.Options{Days: 90, Now: idleNow})
	rep.ReadAt = idleNow
	if got := messageText(t, RenderIdleReport(rep, Delivery{Off: true})); !strings.Contains(got, "Set LASTACTIVE_SEAT_PRICES") {
		t.Errorf("no prices: the hint should say to set them:\n%s", got)
	}
}

// TestIdleReportDatesAreDateTokens: the contract's replies show dates as
// Slack date tokens, so each reader sees them in their own time zone, as
// the lookup, digest, App Home and nudges do. The idle report's "Idle
// longest" lines wrote the bare UTC date.
func TestIdleReportDatesAreDateTokens(t *testing.T) {
	t.Parallel()
	rep := seat.Build(smallOrg(), seat.Options{Days: 90, Now: idleNow})
	rep.ReadAt = idleNow
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(RenderIdleReport(rep, Delivery{}).Blocks); err != nil {
		t.Fatal(err)
	}
	blocks := b.String()
	if len(rep.Longest) == 0 {
		t.Fatal("the fixture has nobody idle")
	}
	for _, r := range rep.Longest {
		day := r.LastActive.Format(time.DateOnly)
		if want := "^{date_short_pretty}|" + day + ">"; !strings.Contains(blocks, want) {
			t.Errorf("last active %s of %s is not a Slack date token in the blocks:\n%s", day, r.AccountID, blocks)
		}
	}
}

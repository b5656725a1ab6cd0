package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// The renewal check: what a manager reads the week before an Atlassian
// renewal, from `lastactive report`, held to numbers computed from the
// organisation alone. TestSeatOracle holds the CSV and the digest to the
// rules; this holds the summary table the CLI prints (every product and
// site's counts, the TOTAL row, the cost column, the accounts line, the
// idle-longest list and the cost sentence) over an organisation that takes
// several pages to read, with --product and --idle-days as a manager types
// them, and the CSV's name cells as a spreadsheet would read them.

// renewalOrg is a generated organisation of several pages (the Admin API
// answers 100 accounts a page), plus the edge cases a renewal decision
// turns on.
func renewalOrg(now time.Time, days int) *atlassiantest.Org {
	org := atlassiantest.GenerateOrg(260, 7, now)
	today := time.Unix(oracleDay(now)*86400, 0).UTC()
	// at is noon of the UTC day n days before today: the same day wherever
	// in it now falls.
	at := func(n int) time.Time { return today.AddDate(0, 0, -n).Add(12 * time.Hour) }
	main, second := atlassiantest.SiteMain, atlassiantest.SiteSecond
	p := func(key, site string, n int) atlassiantest.Product {
		pr := atlassiantest.Product{Key: key, SiteID: site}
		if n >= 0 {
			pr.LastActive = at(n)
		}
		return pr
	}
	const never = -1
	old := at(400)
	edge := []atlassiantest.User{
		{AccountID: "712020:edge-exactly", DisplayName: "Exactly Ndays", Email: "exactly@example.com", AddedToOrg: old,
			Products: []atlassiantest.Product{p("confluence", main, days), p("jira-software", main, days-1)}},
		{AccountID: "712020:edge-today", DisplayName: "Today Andnever", Email: "today@example.com", AddedToOrg: old,
			Products: []atlassiantest.Product{p("confluence", main, 0), p("confluence", second, never)}},
		{AccountID: "712020:edge-sites", DisplayName: "Several Sites", Email: "sites@example.com", AddedToOrg: old,
			Products: []atlassiantest.Product{p("jira-software", main, days+10), p("jira-software", second, 5), p("jira", main, 2),
				p("loom", second, days+400)}},
		{AccountID: "712020:edge-new", DisplayName: "New Joiner", Email: "new@example.com", AddedToOrg: at(days - 1),
			Products: []atlassiantest.Product{p("confluence", main, never), p("jira-service-desk", second, never)}},
		{AccountID: "712020:edge-joined-n", DisplayName: "Joined Ndaysago", Email: "joinedn@example.com", AddedToOrg: at(days),
			Products: []atlassiantest.Product{p("confluence", main, never)}},
		{AccountID: "712020:edge-nojoin", DisplayName: "No Joindate", Email: "nojoin@example.com",
			Products: []atlassiantest.Product{p("compass", main, never), p("jira", second, days+1)}},
		{AccountID: "712020:edge-deactivated", DisplayName: "Gone Deactivated", Email: "gone@example.com", AccountStatus: "inactive", AddedToOrg: old,
			Products: []atlassiantest.Product{p("confluence", main, days+50), p("jira-software", main, never)}},
		{AccountID: "712020:edge-suspended", DisplayName: "Held Suspended", Email: "held@example.com", MembershipStatus: "suspended", AddedToOrg: old,
			Products: []atlassiantest.Product{p("confluence", second, days+50)}},
		{AccountID: "712020:edge-app", DisplayName: "Build Bot", AccountType: "app", AddedToOrg: old,
			Products: []atlassiantest.Product{p("jira-software", main, days+80)}},
		{AccountID: "712020:edge-customer", DisplayName: "Portal Customer", Email: "customer@example.org", AccountType: "customer", AddedToOrg: old,
			Products: []atlassiantest.Product{p("jira-service-desk", main, never)}},
	}
	// Display names anyone can give themselves: a spreadsheet must show
	// them as text, and non-ASCII ones as typed.
	for i, name := range []string{"=HYPERLINK(\"http://x\",\"y\")", "+1 555 0100", "-2+3", "@SUM(A1)", " =1+1", "Zoë Ñandú 日本",
		"x;=cmd|' /C calc'!A0", "007"} {
		edge = append(edge, atlassiantest.User{AccountID: fmt.Sprintf("712020:edge-name-%d", i), DisplayName: name,
			Email: fmt.Sprintf("name%d@example.com", i), AddedToOrg: old, Products: []atlassiantest.Product{p("confluence", main, 3)}})
	}
	org.Users = append(org.Users, edge...)
	return org
}

// renewalSummary is the summary table of `lastactive report`, as read
// from its output.
type renewalSummary struct {
	accounts, noSeatAccounts int
	products                 string // the "Products:" line, "" without
	rows                     map[[2]string][]string
	total                    []string
	longest                  []string
	costLine                 string
}

var (
	renewalAccountsLine = regexp.MustCompile(`(?m)^(\d+) accounts? read; (\d+) deactivated, suspended, app or customer accounts? holds? no seat`)
	renewalColumns      = regexp.MustCompile(`\s{2,}`)
)

func parseRenewalSummary(t *testing.T, out string) renewalSummary {
	t.Helper()
	var s renewalSummary
	m := renewalAccountsLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no accounts line:\n%s", out)
	}
	s.accounts, _ = strconv.Atoi(m[1])
	s.noSeatAccounts, _ = strconv.Atoi(m[2])
	s.rows = map[[2]string][]string{}
	lines := strings.Split(out, "\n")
	in, inLongest := false, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "Products: "):
			s.products = strings.TrimPrefix(l, "Products: ")
		case strings.HasPrefix(l, "PRODUCT "):
			in = true
		case in && strings.HasPrefix(l, "TOTAL "):
			s.total = renewalColumns.Split(strings.TrimSpace(strings.TrimPrefix(l, "TOTAL")), -1)
			in = false
		case in:
			f := renewalColumns.Split(strings.TrimSpace(l), -1)
			if len(f) != 9 {
				t.Fatalf("table row of %d columns: %q", len(f), l)
			}
			k := [2]string{f[0], f[1]}
			if _, dup := s.rows[k]; dup {
				t.Errorf("the table lists %v twice", k)
			}
			s.rows[k] = f[2:]
		case l == "Idle longest:":
			inLongest = true
		case inLongest && l == "":
			inLongest = false
		case inLongest:
			s.longest = append(s.longest, strings.Join(renewalColumns.Split(strings.TrimSpace(l), -1), " | "))
		case strings.HasPrefix(l, "Idle and never-used seats cost about "):
			s.costLine = l
		}
	}
	return s
}

// renewalCents writes cents as the summary's cost column does: a bare
// number with two decimals.
func renewalCents(c int) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// renewalCell is what a spreadsheet must show of a name: itself, after an
// apostrophe when a spreadsheet would take it for a formula or a number
// that loses digits. Written from the README's list, not from seat.
func renewalCell(s string) string {
	t := strings.TrimLeft(s, " \u00a0")
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(t[0])) {
		return "'" + s
	}
	if len(s) > 1 && s[0] == '0' && strings.Trim(s, "0123456789") == "" {
		return "'" + s
	}
	return s
}

func TestRenewalReportFigures(t *testing.T) {
	t.Parallel()
	now := time.Now()
	const configured = 90
	org := renewalOrg(now, configured)
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	prices := map[string]int{"jira-software": 860, "confluence": 605, "jira-service-desk": 2000}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"ATLASSIAN_ORG_ID=" + org.ID,
		"ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + srv.URL(),
		"LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db"),
		"LASTACTIVE_IDLE_DAYS=" + strconv.Itoa(configured),
		"LASTACTIVE_SEAT_PRICES=jira=8.60,Confluence=6.05,jira-service-desk=20",
		"LASTACTIVE_CURRENCY=EUR",
	}
	names := map[string]string{}
	members, noSeat := 0, 0
	for _, u := range org.Users {
		names[u.AccountID] = u.DisplayName
		if !u.NotMember {
			members++
			if u.AccountType != "" || u.AccountStatus != "" || u.MembershipStatus != "" {
				noSeat++
			}
		}
	}

	type run struct {
		name     string
		args     []string
		days     int
		keep     []string // canonical keys; nil: all
		products string   // the "Products:" line
	}
	dir := t.TempDir()
	for _, r := range []run{
		{"default", nil, configured, nil, ""},
		{"filtered in other case", []string{"--idle-days", "30", "--product", "CONFLUENCE", "--product", "Jira", "--product", "jira-software"}, 30,
			[]string{"confluence", "jira-software"}, "confluence, jira"},
		{"one day", []string{"--idle-days", "1"}, 1, nil, ""},
		{"ten years", []string{"--idle-days", "3650"}, 3650, nil, ""},
		{"unpriced product", []string{"--product", "loom"}, configured, []string{"loom"}, "loom"},
	} {
		t.Run(r.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(r.name, " ", "-")+".csv")
			before := srv.CountEndpoint(atlassiantest.EndpointUsersSearch)
			res := runBinary(t, env, "", append(append([]string{"report"}, r.args...), "--csv", file)...)
			if res.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
			}
			if pages := srv.CountEndpoint(atlassiantest.EndpointUsersSearch) - before; pages < 3 {
				t.Errorf("the scan read %d pages; the organisation takes 3", pages)
			}
			if oracleDay(time.Now()) != oracleDay(now) {
				t.Skip("the UTC day changed during the run")
			}
			w := oracleWorld{org: org, days: r.days, prices: prices, currency: "EUR"}
			want := w.expect(now)
			if r.keep != nil {
				want = slices.DeleteFunc(want, func(s oracleSeat) bool { return !slices.Contains(r.keep, s.key) })
			}
			got := parseRenewalSummary(t, res.stdout)

			// The accounts line counts every account read, whatever the filter.
			if got.accounts != members || got.noSeatAccounts != noSeat {
				t.Errorf("accounts line: %d read, %d without a seat; want %d and %d", got.accounts, got.noSeatAccounts, members, noSeat)
			}
			if got.products != r.products {
				t.Errorf("Products line %q, want %q", got.products, r.products)
			}

			// Each product and site, and the TOTAL row.
			counts := oracleCounts(want)
			var tot oracleCount
			totalCents, unpriced := 0, 0
			for k, c := range counts {
				key := [2]string{seat.ProductName(k[0]), oracleHosts[k[1]]}
				row, ok := got.rows[key]
				if !ok {
					t.Errorf("the table lacks %v (%+v)", key, *c)
					continue
				}
				delete(got.rows, key)
				cost := "-"
				if cents, ok := prices[k[0]]; ok {
					cost = renewalCents(cents * (c.idle + c.never))
					totalCents += cents * (c.idle + c.never)
				} else {
					unpriced += c.idle + c.never
				}
				wantRow := []string{strconv.Itoa(c.seats), strconv.Itoa(c.active), strconv.Itoa(c.idle), strconv.Itoa(c.never),
					strconv.Itoa(c.new), strconv.Itoa(c.noSeat), cost}
				if !slices.Equal(row, wantRow) {
					t.Errorf("%v: SEATS ACTIVE IDLE NEVER NEW NOSEAT COST\n got  %v\n want %v", key, row, wantRow)
				}
				tot.seats += c.seats
				tot.active += c.active
				tot.idle += c.idle
				tot.never += c.never
				tot.new += c.new
				tot.noSeat += c.noSeat
			}
			for k, row := range got.rows {
				t.Errorf("the table lists %v %v, which no seat is", k, row)
			}
			priced := false
			for k := range counts {
				_, ok := prices[k[0]]
				priced = priced || ok
			}
			totalCost := "-"
			if priced {
				totalCost = renewalCents(totalCents)
			}
			wantTotal := []string{strconv.Itoa(tot.seats), strconv.Itoa(tot.active), strconv.Itoa(tot.idle), strconv.Itoa(tot.never),
				strconv.Itoa(tot.new), strconv.Itoa(tot.noSeat), totalCost}
			if !slices.Equal(got.total, wantTotal) {
				t.Errorf("TOTAL\n got  %v\n want %v", got.total, wantTotal)
			}
			wantCostLine := ""
			if priced {
				wantCostLine = "Idle and never-used seats cost about " + w.money(totalCents) + " a month at your seat prices"
				if unpriced > 0 {
					wantCostLine += fmt.Sprintf(", not counting %d unused seat%s of products with no price in LASTACTIVE_SEAT_PRICES", unpriced, plural(unpriced))
				}
				wantCostLine += "."
			}
			if got.costLine != wantCostLine {
				t.Errorf("cost line\n got  %q\n want %q", got.costLine, wantCostLine)
			}

			// The idle longest: each person once, by their longest idle
			// seat, most days first, then by name.
			best := map[string]oracleSeat{}
			for _, s := range want {
				if b, ok := best[s.acct]; s.verdict == "idle" && (!ok || s.days > b.days) {
					best[s.acct] = s
				}
			}
			var idle []oracleSeat
			for _, s := range best {
				idle = append(idle, s)
			}
			slices.SortFunc(idle, func(a, b oracleSeat) int {
				return cmp.Or(cmp.Compare(b.days, a.days), cmp.Compare(names[a.acct], names[b.acct]), cmp.Compare(a.acct, b.acct))
			})
			var wantLongest []string
			for i, s := range idle[:min(len(idle), seat.MaxLongestIdle)] {
				who := names[s.acct]
				if s.email != "" {
					who += " <" + s.email + ">"
				}
				wantLongest = append(wantLongest, fmt.Sprintf("%d. | %s | %s (%s) | last active %s | %d day%s", i+1, who,
					seat.ProductName(s.key), oracleHosts[s.site], s.last, s.days, plural(s.days)))
			}
			if !slices.Equal(got.longest, wantLongest) {
				t.Errorf("idle longest\n got  %q\n want %q", got.longest, wantLongest)
			}

			// The CSV: every seat once, names as a spreadsheet must show
			// them, the same bytes from a second run on the same data.
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
			if err != nil || len(recs) == 0 {
				t.Fatalf("CSV: %v", err)
			}
			if h := strings.Join(recs[0], ","); h != "name,email,account ID,product,site,site ID,last active,days idle,verdict,account status" {
				t.Errorf("CSV header %q", h)
			}
			if len(recs)-1 != len(want) {
				t.Errorf("CSV has %d rows, want %d", len(recs)-1, len(want))
			}
			bySeat := map[[3]string]oracleSeat{}
			for _, s := range want {
				bySeat[[3]string{s.acct, s.key, s.site}] = s
			}
			for _, rec := range recs[1:] {
				s, ok := bySeat[[3]string{rec[2], rec[3], rec[5]}]
				if !ok {
					t.Errorf("CSV row for no seat: %q", rec)
					continue
				}
				if want := renewalCell(names[s.acct]); rec[0] != want {
					t.Errorf("CSV name %q, want %q", rec[0], want)
				}
				if rec[8] != s.verdict || rec[9] != s.status || rec[6] != s.last {
					t.Errorf("CSV row %q, want %+v", rec, s)
				}
			}
			if r.name == "default" {
				again := filepath.Join(dir, "again.csv")
				if res := runBinary(t, env, "", "report", "--csv", again); res.code != 0 {
					t.Fatalf("second run: exit %d\n%s", res.code, res.stderr)
				}
				b2, err := os.ReadFile(again)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, b2) && oracleDay(time.Now()) == oracleDay(now) {
					t.Errorf("two runs on the same data wrote different CSVs (%d and %d bytes)", len(b), len(b2))
				}
			}
		})
	}
}

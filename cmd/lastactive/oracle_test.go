package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
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

// The seat oracle: random organisations in the fake Admin API, the
// numbers a manager reads before a renewal computed from the fixture alone
// by the rules the contract and the README state, and the built binary's
// `report --csv`, `digest` and `lookup --json` compared with them. It
// shares no counting code with the product: seat.ProductName only names a
// product the way the digest prints it.
//
// The rules it encodes:
//   - an account holds a seat when it is a person's (accountType atlassian)
//     whose account and membership are active; any other (deactivated,
//     closed, suspended, not a member, app, customer) is "no seat", its
//     product entries counted apart;
//   - one seat per person, product (jira = jira-software) and site: a
//     product listed twice keeps its latest date;
//   - a used product is idle when its last active UTC day is IDLE_DAYS or
//     more whole UTC days before today, else active (a day in the future,
//     clock skew up to tomorrow, is 0 days: active);
//   - a product never used is "new" while its person joined less than
//     IDLE_DAYS ago, else never used; without a join date (or with one
//     after tomorrow, which is dropped) it is never used;
//   - the cost is (idle + never used) × the product's seat price, summed
//     over product and site, rounded once in the currency's decimals; unused
//     seats of unpriced products are left out and counted.
//
// ORACLE_SEEDS=N runs N seeds from ORACLE_FIRST_SEED (CI runs 8 from 0).

// oracleHosts names the sites as SampleWorkspaces does.
var oracleHosts = map[string]string{atlassiantest.SiteMain: atlassiantest.HostMain, atlassiantest.SiteSecond: atlassiantest.HostSecond}

type oracleSeat struct {
	acct, email, key, site string
	last                   string // YYYY-MM-DD or ""
	days                   int    // -1 unknown
	verdict, status        string
}

type oracleCount struct{ seats, active, idle, never, new, noSeat int }

type oracleWorld struct {
	org      *atlassiantest.Org
	days     int
	prices   map[string]int // canonical key → price in cents
	priceEnv string
	currency string
	lookups  []string // emails a lookup must find as one person
}

func oracleDay(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// oracleOrg builds a random organisation whose dates count back from now.
func oracleOrg(seed uint64, now time.Time) oracleWorld {
	r := rand.New(rand.NewPCG(seed, 0x0c1e))
	w := oracleWorld{days: []int{1, 2, 7, 30, 90, 90, 365}[r.IntN(7)], currency: []string{"USD", "EUR", "JPY"}[r.IntN(3)]}
	today := time.Unix(oracleDay(now)*86400, 0).UTC()
	// at is a moment of the UTC day n days before today (n < 0: after it).
	at := func(n int) time.Time {
		return today.AddDate(0, 0, -n).Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
	}
	D := w.days
	dayChoices := func() int {
		switch r.IntN(9) {
		case 0:
			return D
		case 1:
			return D - 1
		case 2:
			return D + 1
		case 3:
			return 0
		case 4:
			return -1 // tomorrow: clock skew
		default:
			return r.IntN(3*D + 3)
		}
	}
	keys := []string{"jira-software", "jira", "confluence", "jira-service-desk", "compass", "loom"}
	sites := []string{atlassiantest.SiteMain, atlassiantest.SiteSecond}
	w.prices = map[string]int{}
	var pe []string
	for _, k := range []string{"jira-software", "confluence", "jira-service-desk", "compass"} {
		if r.IntN(2) == 0 {
			cents := 1 + r.IntN(2000)
			w.prices[k] = cents
			name := k
			if k == "jira-software" && r.IntN(2) == 0 {
				name = "jira"
			}
			pe = append(pe, fmt.Sprintf("%s=%d.%02d", name, cents/100, cents%100))
		}
	}
	w.priceEnv = strings.Join(pe, ",")

	org := &atlassiantest.Org{ID: atlassiantest.OrgID, Name: "Oracle", Workspaces: atlassiantest.SampleWorkspaces()}
	n := 1 + r.IntN(40)
	for i := range n {
		u := atlassiantest.User{AccountID: fmt.Sprintf("712020:oracle-%d-%03d", seed, i), DisplayName: fmt.Sprintf("Person %03d", i),
			Email: fmt.Sprintf("p%03d@example.com", i)}
		switch r.IntN(12) {
		case 0:
			u.Email = ""
		case 1:
			if i > 0 {
				u.Email = strings.ToUpper(fmt.Sprintf("p%03d@example.com", r.IntN(i)))
			}
		}
		switch r.IntN(14) {
		case 0:
			u.AccountStatus = "inactive"
		case 1:
			u.AccountStatus = "closed"
		case 2:
			u.MembershipStatus = "suspended"
		case 3:
			u.MembershipStatus = "no_membership"
		case 4:
			u.AccountType = "app"
		case 5:
			u.AccountType = "customer"
		case 6:
			u.NotMember = true
		}
		switch r.IntN(6) {
		case 0: // no join date
		case 1:
			u.AddedToOrg = at(-3 - r.IntN(5)) // after tomorrow: dropped
		case 2:
			u.AddedToOrg = at(dayChoices())
		default:
			u.AddedToOrg = at(D + r.IntN(4*D+10) - 2)
		}
		for range r.IntN(6) {
			p := atlassiantest.Product{Key: keys[r.IntN(len(keys))], SiteID: sites[r.IntN(len(sites))]}
			if r.IntN(4) != 0 {
				p.LastActive = at(dayChoices())
			}
			u.Products = append(u.Products, p)
		}
		org.Users = append(org.Users, u)
	}
	w.org = org
	return w
}

// expect computes every CSV row from the fixture alone.
func (w oracleWorld) expect(now time.Time) []oracleSeat {
	today := oracleDay(now)
	ago := func(t time.Time) int { return int(max(today-oracleDay(t), 0)) }
	canon := func(k string) string {
		if k == "jira" {
			return "jira-software"
		}
		return k
	}
	var out []oracleSeat
	for _, u := range w.org.Users {
		if u.NotMember {
			continue
		}
		holds := (u.AccountType == "" || u.AccountType == "atlassian") && u.AccountStatus == "" && u.MembershipStatus == ""
		status := "active"
		switch {
		case u.AccountType != "":
			status = u.AccountType
		case u.AccountStatus == "inactive":
			status = "deactivated"
		case u.AccountStatus != "":
			status = u.AccountStatus
		case u.MembershipStatus == "suspended":
			status = "suspended"
		case u.MembershipStatus == "no_membership":
			status = "not a member"
		}
		joined := u.AddedToOrg
		if !joined.IsZero() && oracleDay(joined) > today+1 {
			joined = time.Time{}
		}
		latest := map[[2]string]time.Time{}
		var order [][2]string
		for _, p := range u.Products {
			k := [2]string{canon(p.Key), p.SiteID}
			if _, ok := latest[k]; !ok {
				order = append(order, k)
				latest[k] = time.Time{}
			}
			if p.LastActive.After(latest[k]) {
				latest[k] = p.LastActive
			}
		}
		for _, k := range order {
			s := oracleSeat{acct: u.AccountID, email: u.Email, key: k[0], site: k[1], status: status, days: -1}
			if last := latest[k]; !last.IsZero() {
				s.last = last.UTC().Format(time.DateOnly)
				s.days = ago(last)
				s.verdict = "active"
				if s.days >= w.days {
					s.verdict = "idle"
				}
			} else {
				s.verdict = "never used"
				if !joined.IsZero() {
					s.days = ago(joined)
					if s.days < w.days {
						s.verdict = "new"
					}
				}
			}
			if !holds {
				s.verdict = "no seat"
			}
			out = append(out, s)
		}
	}
	return out
}

// totals sums counts over products and sites, with the monthly cost of
// the unused seats of priced products and how many unused seats have no
// price.
func (w oracleWorld) totals(counts map[[2]string]*oracleCount) (total oracleCount, cost, unpriced int) {
	for k, c := range counts {
		total.seats += c.seats
		total.active += c.active
		total.idle += c.idle
		total.never += c.never
		total.new += c.new
		if p, ok := w.prices[k[0]]; ok {
			cost += p * (c.idle + c.never)
		} else {
			unpriced += c.idle + c.never
		}
	}
	return total, cost, unpriced
}

func oracleCounts(seats []oracleSeat) map[[2]string]*oracleCount {
	m := map[[2]string]*oracleCount{}
	for _, s := range seats {
		k := [2]string{s.key, s.site}
		c := m[k]
		if c == nil {
			c = &oracleCount{}
			m[k] = c
		}
		switch s.verdict {
		case "no seat":
			c.noSeat++
			continue
		case "active":
			c.active++
		case "idle":
			c.idle++
		case "never used":
			c.never++
		case "new":
			c.new++
		}
		c.seats++
	}
	return m
}

// money writes cents in the currency's decimals, rounded half away from
// zero once.
func (w oracleWorld) money(cents int) string {
	if w.currency == "JPY" {
		return fmt.Sprintf("JPY %s", commas((cents+50)/100))
	}
	return fmt.Sprintf("%s %s.%02d", w.currency, commas(cents/100), cents%100)
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestSeatOracle(t *testing.T) {
	t.Parallel()
	runSeeds(t, "ORACLE_SEEDS", 8, oracleCheck)
}

// runSeeds runs check for n seeds (or the number in the variable seedsVar)
// from ORACLE_FIRST_SEED (0), each a subtest named by its seed.
func runSeeds(t *testing.T, seedsVar string, n int, check func(*testing.T, uint64)) {
	if s, err := strconv.Atoi(os.Getenv(seedsVar)); err == nil && s > 0 {
		n = s
	}
	first := uint64(0)
	if s, err := strconv.ParseUint(os.Getenv("ORACLE_FIRST_SEED"), 10, 64); err == nil {
		first = s
	}
	for seed := first; seed < first+uint64(n); seed++ {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { check(t, seed) })
	}
}

func oracleCheck(t *testing.T, seed uint64) {
	now := time.Now()
	w := oracleOrg(seed, now)
	srv := atlassiantest.NewServer(w.org)
	defer srv.Close()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"ATLASSIAN_ORG_ID=" + w.org.ID,
		"ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + srv.URL(),
		"LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db"),
		"LASTACTIVE_IDLE_DAYS=" + strconv.Itoa(w.days),
		"LASTACTIVE_SEAT_PRICES=" + w.priceEnv,
		"LASTACTIVE_CURRENCY=" + w.currency,
	}
	file := filepath.Join(t.TempDir(), "idle.csv")
	rep := runBinary(t, env, "", "report", "--csv", file)
	dig := runBinary(t, env, "", "digest")
	// Lookups: the people one exact-email search finds alone.
	byEmail := map[string][]atlassiantest.User{}
	for _, u := range w.org.Users {
		if u.Email != "" {
			byEmail[strings.ToLower(u.Email)] = append(byEmail[strings.ToLower(u.Email)], u)
		}
	}
	var emails []string
	for _, e := range slices.Sorted(maps.Keys(byEmail)) {
		// Apps and customers are no one's account: a lookup finds people.
		if us := byEmail[e]; len(us) == 1 && !us[0].NotMember && us[0].AccountType == "" && len(emails) < 10 {
			emails = append(emails, e)
		}
	}
	var look result
	if len(emails) > 0 {
		look = runBinary(t, append(env, "LASTACTIVE_CACHE_TTL=0"), "", append([]string{"lookup", "--json"}, emails...)...)
	}
	if oracleDay(time.Now()) != oracleDay(now) {
		t.Skip("the UTC day changed during the run")
	}
	if rep.code != 0 || dig.code != 0 {
		t.Fatalf("seed %d: report exit %d, digest exit %d\n%s\n%s\n%s\n%s", seed, rep.code, dig.code, rep.stdout, rep.stderr, dig.stdout, dig.stderr)
	}
	want := w.expect(now)
	t.Logf("seed %d: %d people, %d product seats, IDLE_DAYS=%d, prices %q %s", seed, len(w.org.Users), len(want), w.days, w.priceEnv, w.currency)

	// 1. The CSV, row by row.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV: %v", err)
	}
	got := map[[3]string]oracleSeat{}
	for _, rec := range recs[1:] {
		days := -1
		if rec[7] != "" {
			days, _ = strconv.Atoi(rec[7])
		}
		k := [3]string{rec[2], rec[3], rec[5]}
		if _, dup := got[k]; dup {
			t.Errorf("seed %d: CSV lists %v twice", seed, k)
		}
		if os.Getenv("ORACLE_DUMP") != "" {
			t.Log(rec)
		}
		got[k] = oracleSeat{acct: rec[2], email: strings.TrimPrefix(rec[1], "'"), key: rec[3], site: rec[5], last: rec[6], days: days, verdict: rec[8], status: rec[9]}
		if host := oracleHosts[rec[5]]; rec[4] != host {
			t.Errorf("seed %d: CSV row %v names site %q, want %q", seed, k, rec[4], host)
		}
	}
	for _, s := range want {
		k := [3]string{s.acct, s.key, s.site}
		g, ok := got[k]
		if !ok {
			t.Errorf("seed %d: CSV lacks %v (%+v)", seed, k, s)
			continue
		}
		delete(got, k)
		if g != s {
			t.Errorf("seed %d: CSV row %v\n got  %+v\n want %+v", seed, k, g, s)
		}
	}
	for k, g := range got {
		t.Errorf("seed %d: CSV row %v not in the organisation: %+v", seed, k, g)
	}

	// 2. The digest: each product and site, the total, the cost.
	counts := oracleCounts(want)
	line := regexp.MustCompile(`^(.+) · (\S+): (\d+) seats?(?: of \d+ licensed)? · (\d+) active · (\d+) idle · (\d+) never used · (\d+) new(?: · (.+) a month)?$`)
	seen := map[[2]string]bool{}
	for _, l := range strings.Split(dig.stdout, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var found [2]string
		for k := range counts {
			if seat.ProductName(k[0]) == m[1] && oracleHosts[k[1]] == m[2] {
				found = k
			}
		}
		c := counts[found]
		if c == nil {
			t.Errorf("seed %d: digest line for no product seat: %s", seed, l)
			continue
		}
		seen[found] = true
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		if g := (oracleCount{seats: n(3), active: n(4), idle: n(5), never: n(6), new: n(7)}); g != (oracleCount{c.seats, c.active, c.idle, c.never, c.new, 0}) {
			t.Errorf("seed %d: digest %s\n want %+v", seed, l, *c)
		}
		wantCost := ""
		if p, ok := w.prices[found[0]]; ok && (c.idle+c.never) > 0 {
			wantCost = w.money(p * (c.idle + c.never))
		}
		if m[8] != wantCost && !(m[8] != "" && wantCost == "" && w.prices[found[0]] > 0) {
			t.Errorf("seed %d: digest %s\n want cost %q", seed, l, wantCost)
		}
	}
	total, cost, _ := w.totals(counts)
	for k, c := range counts {
		if c.seats > 0 && !seen[k] {
			t.Errorf("seed %d: digest lacks %v (%+v)", seed, k, *c)
		}
	}
	totalLine := fmt.Sprintf("%d seat%s: %d active · %d idle · %d never used · %d new", total.seats, plural(total.seats), total.active, total.idle, total.never, total.new)
	if total.seats > 0 && !strings.Contains(dig.stdout, totalLine) {
		t.Errorf("seed %d: digest lacks the total %q:\n%s", seed, totalLine, dig.stdout)
	}
	if cost > 0 && !strings.Contains(dig.stdout, "cost about "+w.money(cost)+" a month") {
		t.Errorf("seed %d: digest lacks the cost %q:\n%s", seed, w.money(cost), dig.stdout)
	}

	// 3. Each lookup's verdicts agree with the report's.
	if len(emails) == 0 {
		return
	}
	var people []struct {
		Email    string `json:"email"`
		OK       bool   `json:"ok"`
		ID       string `json:"account_id"`
		Products []struct {
			Key     string `json:"key"`
			Site    string `json:"site"`
			Verdict string `json:"verdict"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(look.stdout), &people); err != nil {
		t.Fatalf("seed %d: lookup --json: %v\n%s\n%s", seed, err, look.stdout, look.stderr)
	}
	// Every person asked about is answered, each once: an answer short of
	// people or of products compared nothing and passed.
	if look.code != 0 || len(people) != len(emails) {
		t.Errorf("seed %d: lookup --json of %d people: exit %d, %d answers\n%s", seed, len(emails), look.code, len(people), look.stderr)
	}
	bySeat := map[[3]string]oracleSeat{}
	for _, s := range want {
		bySeat[[3]string{s.acct, s.key, s.site}] = s
	}
	for _, p := range people {
		u := byEmail[strings.ToLower(p.Email)][0]
		if !p.OK {
			t.Errorf("seed %d: lookup of %s failed: %+v", seed, p.Email, u)
			continue
		}
		shown := map[[3]string]bool{}
		for _, pr := range p.Products {
			key := seat.Canonical(pr.Key)
			k := [3]string{p.ID, key, pr.Site}
			if shown[k] {
				t.Errorf("seed %d: lookup of %s shows %s on %s twice", seed, p.Email, key, pr.Site)
			}
			shown[k] = true
			s, ok := bySeat[k]
			if !ok {
				t.Errorf("seed %d: lookup of %s shows %s on %s, which the report does not list", seed, p.Email, pr.Key, pr.Site)
				continue
			}
			wantV := s.verdict
			if wantV == "new" {
				wantV = "never used"
			}
			if pr.Verdict != wantV {
				t.Errorf("seed %d: lookup of %s: %s on %s is %q, the report's %q: %+v", seed, p.Email, pr.Key, pr.Site, pr.Verdict, s.verdict, u)
			}
		}
		for _, s := range want {
			if k := [3]string{s.acct, s.key, s.site}; s.acct == p.ID && !shown[k] {
				t.Errorf("seed %d: lookup of %s lacks %s on %s, which the report lists", seed, p.Email, s.key, s.site)
			}
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

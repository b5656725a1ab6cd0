package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/seat"
)

// The seat oracle through Slack: the organisations of TestSeatOracle,
// served by the built binary against both fakes, and what a manager reads
// there compared with the numbers the oracle's rules give (oracleOrg,
// expect, oracleCounts): the `/lastactive idle` reply, with a number of
// days and without, for every product and for one (its counts per product
// and site, the totals, the costs, the people idle longest), and the App
// Home tab after `/lastactive digest` stored a summary (the latest summary
// per product and site). The rules added to the oracle's:
//   - a filtered report counts only the products asked for (jira is
//     jira-software);
//   - the people idle longest are seat holders with an idle seat, each once
//     with their longest idle seat, most days first, at most 10;
//   - each group's cost is its unused seats × the product's price; the
//     total cost is the sum over the priced groups, rounded once.
//
// ORACLE_SLACK_SEEDS=N runs N seeds from ORACLE_FIRST_SEED (CI runs 3).
func TestSeatOracleSlack(t *testing.T) {
	t.Parallel()
	runSeeds(t, "ORACLE_SLACK_SEEDS", 3, oracleSlackCheck)
}

// oracleTexts is every text of a Block Kit JSON, in order, one a line.
func oracleTexts(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok && (x["type"] == "mrkdwn" || x["type"] == "plain_text") {
				out = append(out, s)
			}
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				for k := range x {
					if !yield(k) {
						return
					}
				}
			}) {
				walk(x[k])
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

func oracleSlackCheck(t *testing.T, seed uint64) {
	now := time.Now()
	w := oracleOrg(seed, now)
	r := rand.New(rand.NewPCG(seed, 0x51ac))
	f := startFakes(t)
	f.atl.Close() // the sample organisation's; this one is the seed's
	f.org, f.atl = w.org, atlassiantest.NewServer(w.org)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"SLACK_APP_TOKEN=" + slacktest.AppToken,
		"SLACK_BOT_TOKEN=" + slacktest.BotToken,
		"SLACK_API_URL=" + f.slack.APIURL(),
		"ATLASSIAN_ORG_ID=" + w.org.ID,
		"ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + f.atl.URL(),
		"LASTACTIVE_DATABASE_URL=" + f.db,
		"LASTACTIVE_IDLE_DAYS=" + strconv.Itoa(w.days),
		"LASTACTIVE_SEAT_PRICES=" + w.priceEnv,
		"LASTACTIVE_CURRENCY=" + w.currency,
		"LASTACTIVE_REPORT_USERS=U0ORACLE",
	}
	cmd, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	// The commands: idle as configured, idle with other days and one
	// product (named by either Jira key now and then).
	days2 := []int{1, 7, 30, 90, w.days + 1}[r.IntN(5)]
	keys := []string{"jira", "jira-software", "confluence", "jira-service-desk", "compass", "loom"}
	var asked, products []string
	for range 1 + r.IntN(3) {
		k := keys[r.IntN(len(keys))]
		asked = append(asked, k)
		if !slices.Contains(products, seat.Canonical(k)) {
			products = append(products, seat.Canonical(k))
		}
	}
	type run struct {
		text     string
		days     int
		products []string
	}
	runs := []run{{"idle", w.days, nil}, {fmt.Sprintf("idle %d %s", days2, strings.Join(asked, " ")), days2, products}}
	replies := make([]string, len(runs))
	for i, c := range runs {
		replies[i] = oracleIdleReply(t, f.slack, c.text)
	}
	ask(t, f.slack, "U0ORACLE", "digest", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := f.slack.AppHomeOpened(ctx, "U0ORACLE"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Home tab", func() bool { return len(f.slack.HomeViews("U0ORACLE")) > 0 })
	hv := f.slack.HomeViews("U0ORACLE")
	home := oracleTexts(t, hv[len(hv)-1].View)
	stop(t, cmd, logs)
	if oracleDay(time.Now()) != oracleDay(now) {
		t.Skip("the UTC day changed during the run")
	}
	if os.Getenv("ORACLE_DUMP") != "" {
		t.Log(replies[0], "\n", replies[1], "\n", home)
	}
	t.Logf("seed %d: %d people, IDLE_DAYS=%d, prices %q %s; %q", seed, len(w.org.Users), w.days, w.priceEnv, w.currency, runs[1].text)

	for i, c := range runs {
		wc := w
		wc.days = c.days
		want := wc.expect(now)
		if c.products != nil {
			want = slices.DeleteFunc(want, func(s oracleSeat) bool { return !slices.Contains(c.products, s.key) })
		}
		oracleCompareIdle(t, w, c.text, want, replies[i])
		if rows := fmt.Sprintf("The full list (%d row%s:", len(want), plural(len(want))); !strings.Contains(replies[i], rows) {
			t.Errorf("%q: does not say %q:\n%s", c.text, rows, replies[i])
		}
		// Every account read, whatever the products asked for; those that
		// hold no seat counted apart, as accounts.
		accounts, noSeat := 0, 0
		for _, u := range w.org.Users {
			if u.NotMember {
				continue
			}
			accounts++
			if (u.AccountType != "" && u.AccountType != "atlassian") || u.AccountStatus != "" || u.MembershipStatus != "" {
				noSeat++
			}
		}
		if !strings.Contains(replies[i], fmt.Sprintf("*%d account%s* read from Atlassian", accounts, plural(accounts))) {
			t.Errorf("%q: does not say %d accounts were read:\n%s", c.text, accounts, replies[i])
		}
		if noSeat > 0 && !strings.Contains(replies[i], fmt.Sprintf("%d deactivated, suspended, app or customer account%s hold", noSeat, plural(noSeat))) {
			t.Errorf("%q: does not count %d accounts apart:\n%s", c.text, noSeat, replies[i])
		}
	}
	if d := fmt.Sprintf("(idle means not used for %d day%s)", w.days, plural(w.days)); !strings.Contains(home, d) {
		t.Errorf("Home does not say %q:\n%s", d, home)
	}
	oracleCompareHome(t, w.expect(now), home)
}

// oracleIdleReply runs text as the report user and returns the texts of
// the result, the reply that replaced the progress message.
func oracleIdleReply(t *testing.T, s *slacktest.Server, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env, err := s.SlashCommandConnected(ctx, slacktest.Command{UserID: "U0ORACLE", ChannelID: "C1", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.Wait(ctx, func() bool {
		for _, r := range s.Replies(env.ID) {
			if strings.Contains(string(r.Blocks), `"idle_header"`) || strings.Contains(string(r.Blocks), `"idle_error"`) {
				got = oracleTexts(t, r.Blocks)
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("%q: no result: %v", text, err)
	}
	return got
}

var (
	oracleIdleTotal = regexp.MustCompile(`\*([\d,]+) seats?\*: ([\d,]+) active · \*([\d,]+) idle\* · \*([\d,]+) never used\* · ([\d,]+) new \(joined less than ([\d,]+) days?`)
	oracleIdleGroup = regexp.MustCompile(`(?m)^\*(.+) on (\S+)\*: ([\d,]+) seats? · ([\d,]+) active · \*([\d,]+) idle\* · ([\d,]+) never used · ([\d,]+) new(?:\n      ([\d,]+) unused seats? × (.+) = \*(.+) a month\*)?`)
	oracleIdleLong  = regexp.MustCompile(`(?m)^(\d+)\. \*(.+?)\*(?: · (\S+))?: (.+) on (\S+), last active <!date\^\d+\^\{date_short_pretty\}\|(\d{4}-\d\d-\d\d)> \(([\d,]+) days?\)$`)
	oracleIdleCost  = regexp.MustCompile(`cost about \*(.+) a month\*`)
	oracleHomeGroup = regexp.MustCompile(`(?m)^\*(.+)\* · (\S+): ([\d,]+) seats?(?: of \d+ licensed)? · ([\d,]+) active · \*([\d,]+) idle\* · ([\d,]+) never used · ([\d,]+) new$`)
	oracleHomeTotal = regexp.MustCompile(`\*([\d,]+) seats?\*: \*([\d,]+) idle\* · \*([\d,]+) never used\*`)
)

// atoiOr reads a count as the replies write it: 1,084.
func atoiOr(s string) int { n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", "")); return n }

// oracleGroup finds the product and site a line names.
func oracleGroup(counts map[[2]string]*oracleCount, name, host string) ([2]string, *oracleCount) {
	for k, c := range counts {
		if seat.ProductName(k[0]) == name && oracleHosts[k[1]] == host {
			return k, c
		}
	}
	return [2]string{}, nil
}

func oracleCompareIdle(t *testing.T, w oracleWorld, cmd string, want []oracleSeat, got string) {
	t.Helper()
	counts := oracleCounts(want)
	tot, cost, unpriced := w.totals(counts)
	if left := fmt.Sprintf("not counting %d unused seat%s of products with no price", unpriced, plural(unpriced)); cost > 0 && unpriced > 0 && !strings.Contains(got, left) {
		t.Errorf("%q: the cost does not say %q:\n%s", cmd, left, got)
	}
	if m := oracleIdleTotal.FindStringSubmatch(got); m == nil {
		t.Errorf("%q: no total line:\n%s", cmd, got)
	} else if g := (oracleCount{seats: atoiOr(m[1]), active: atoiOr(m[2]), idle: atoiOr(m[3]), never: atoiOr(m[4]), new: atoiOr(m[5])}); g != tot {
		t.Errorf("%q: total %+v, want %+v:\n%s", cmd, g, tot, got)
	}
	m := oracleIdleCost.FindStringSubmatch(got)
	switch {
	case cost > 0 && (m == nil || m[1] != w.money(cost)):
		t.Errorf("%q: total cost %v, want %s:\n%s", cmd, m, w.money(cost), got)
	case cost == 0 && m != nil && m[1] != w.money(0):
		// A priced product with no unused seat costs nothing.
		t.Errorf("%q: a cost %q with no unused priced seat:\n%s", cmd, m[1], got)
	}

	// Each product and site line.
	seen := map[[2]string]bool{}
	lines := oracleIdleGroup.FindAllStringSubmatch(got, -1)
	for _, m := range lines {
		k, c := oracleGroup(counts, m[1], m[2])
		if c == nil {
			t.Errorf("%q: a line for no product seat: %q", cmd, m[0])
			continue
		}
		seen[k] = true
		if g := (oracleCount{seats: atoiOr(m[3]), active: atoiOr(m[4]), idle: atoiOr(m[5]), never: atoiOr(m[6]), new: atoiOr(m[7])}); g != (oracleCount{c.seats, c.active, c.idle, c.never, c.new, 0}) {
			t.Errorf("%q: %q, want %+v", cmd, m[0], *c)
		}
		p, priced := w.prices[k[0]]
		unused := c.idle + c.never
		if priced && unused > 0 {
			if atoiOr(m[8]) != unused || m[9] != w.money(p) || m[10] != w.money(p*unused) {
				t.Errorf("%q: %q, want %d unused × %s = %s", cmd, m[0], unused, w.money(p), w.money(p*unused))
			}
		} else if m[8] != "" {
			t.Errorf("%q: %q costs what has no price or no unused seat", cmd, m[0])
		}
	}
	if len(lines) < 9 { // the summary shows 9 lines, the CSV the rest
		for k, c := range counts {
			if c.seats > 0 && !seen[k] {
				t.Errorf("%q: no line for %v (%+v):\n%s", cmd, k, *c, got)
			}
		}
	}

	// The people idle longest.
	type idler struct {
		days  int
		seats []oracleSeat
	}
	people := map[string]*idler{}
	names := map[string]string{}
	for _, u := range w.org.Users {
		names[u.AccountID] = u.DisplayName
	}
	for _, s := range want {
		if s.verdict != "idle" {
			continue
		}
		p := people[s.acct]
		if p == nil {
			p = &idler{days: -1}
			people[s.acct] = p
		}
		if s.days > p.days {
			p.days, p.seats = s.days, nil
		}
		if s.days == p.days {
			p.seats = append(p.seats, s)
		}
	}
	var wantDays []int
	for _, p := range people {
		wantDays = append(wantDays, p.days)
	}
	slices.SortFunc(wantDays, func(a, b int) int { return b - a })
	wantDays = wantDays[:min(len(wantDays), seat.MaxLongestIdle)]
	var gotDays []int
	named := map[string]bool{}
	for _, m := range oracleIdleLong.FindAllStringSubmatch(got, -1) {
		gotDays = append(gotDays, atoiOr(m[7]))
		var acct string
		for a, n := range names {
			if n == m[2] {
				acct = a
			}
		}
		p := people[acct]
		if p == nil {
			t.Errorf("%q: %q names no idle seat holder", cmd, m[0])
			continue
		}
		if named[acct] {
			t.Errorf("%q: %q names %s twice", cmd, m[0], m[2])
		}
		named[acct] = true
		if !slices.ContainsFunc(p.seats, func(s oracleSeat) bool {
			return seat.ProductName(s.key) == m[4] && oracleHosts[s.site] == m[5] && s.last == m[6] && s.days == atoiOr(m[7])
		}) {
			t.Errorf("%q: %q, want one of their longest idle seats %+v", cmd, m[0], p.seats)
		}
	}
	if !slices.Equal(gotDays, wantDays) {
		t.Errorf("%q: idle longest for %v days, want %v:\n%s", cmd, gotDays, wantDays, got)
	}
}

func oracleCompareHome(t *testing.T, want []oracleSeat, got string) {
	t.Helper()
	counts := oracleCounts(want)
	var tot oracleCount
	for _, c := range counts {
		tot.seats += c.seats
		tot.idle += c.idle
		tot.never += c.never
	}
	if m := oracleHomeTotal.FindStringSubmatch(got); m == nil {
		t.Errorf("Home: no total:\n%s", got)
	} else if g := (oracleCount{seats: atoiOr(m[1]), idle: atoiOr(m[2]), never: atoiOr(m[3])}); g != tot {
		t.Errorf("Home: total %+v, want %+v:\n%s", g, tot, got)
	}
	seen := map[[2]string]bool{}
	for _, m := range oracleHomeGroup.FindAllStringSubmatch(got, -1) {
		k, c := oracleGroup(counts, m[1], m[2])
		if c == nil {
			t.Errorf("Home: a line for no product seat: %q", m[0])
			continue
		}
		seen[k] = true
		if g := (oracleCount{seats: atoiOr(m[3]), active: atoiOr(m[4]), idle: atoiOr(m[5]), never: atoiOr(m[6]), new: atoiOr(m[7])}); g != (oracleCount{c.seats, c.active, c.idle, c.never, c.new, 0}) {
			t.Errorf("Home: %q, want %+v", m[0], *c)
		}
	}
	for k, c := range counts {
		if c.seats > 0 && !seen[k] {
			t.Errorf("Home: no line for %v (%+v):\n%s", k, *c, got)
		}
	}
}

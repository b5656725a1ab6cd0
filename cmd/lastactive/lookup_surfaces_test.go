package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
)

// TestLookupSurfacesAgree: one person's answer, printed as the table, as
// --json and as the Slack reply, gives every product the same day, the
// same days-ago count and the same verdict in all three, for each shape of
// date Atlassian may send: a day and an instant on a later UTC day (an
// offset), on an earlier one, an instant alone, a day alone, none, a day
// of tomorrow (clock skew within the tolerance), exactly the idle period
// ago, and an unknown product key, across two sites. The Slack reply's
// "Last active anywhere" names the latest of those days with its count.
func TestLookupSurfacesAgree(t *testing.T) {
	t.Parallel()
	const s1, s2 = "58d24034-e3ec-11ed-b5ea-0242ac120002", "7c3e9f20-5a1b-4c2d-9e8f-0123456789ab"
	now := time.Date(2026, 11, 30, 15, 4, 5, 0, time.UTC)
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return today.AddDate(0, 0, -days) }
	at := func(days int, h int) time.Time { return ago(days).Add(time.Duration(h) * time.Hour) }
	pa := func(key, site string, day, instant time.Time) atlassian.ProductActivity {
		return atlassian.ProductActivity{ID: "ari:cloud:" + key + "::site/" + site, Key: key, LastActive: day, LastActiveTimestamp: instant}
	}
	products := []atlassian.ProductActivity{
		pa("jira-software", s1, ago(3), at(2, 7)),        // instant on the next UTC day
		pa("jira-software", s2, time.Time{}, at(100, 9)), // instant alone
		pa("confluence", s1, ago(1), time.Time{}),        // day alone
		pa("confluence", s2, time.Time{}, time.Time{}),   // never used
		pa("rovo", s1, ago(-1), time.Time{}),             // tomorrow; an unknown key
		pa("jira-service-desk", s1, ago(90), at(90, 23)), // exactly the idle period
		pa("loom", s2, ago(5), at(6, 22)),                // instant on the day before
	}
	// day, days ago, verdict: what every surface must say of each product.
	want := [][3]string{
		{"2026-11-28", "2", "active"},
		{"2026-08-22", "100", "idle"},
		{"2026-11-29", "1", "active"},
		{"never", "-", "never used"},
		{"2026-12-01", "0", "active"},
		{"2026-09-01", "90", "idle"},
		{"2026-11-25", "5", "active"},
	}
	p := bot.Person{Query: "ada@example.com", FetchedAt: now,
		Account:  atlassian.Account{AccountID: "712020:ada", AccountType: "atlassian", DisplayName: "Ada Lovelace", Email: "ada@example.com", Active: true},
		Activity: &atlassian.Activity{AccountID: "712020:ada", Products: products, AddedToOrg: ago(900)}}
	sites := atlassian.NewSites([]atlassian.Workspace{
		{ID: s1, CloudID: s1, Host: "acme.atlassian.net"},
		{ID: s2, CloudID: s2, Host: "acme-eu.atlassian.net"},
	})

	var table, js bytes.Buffer
	if err := writeTable(&table, []bot.Person{p}, now, 90, sites); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(&js, []bot.Person{p}, now, 90, sites); err != nil {
		t.Fatal(err)
	}
	slackText := renderText(bot.RenderLookup([]bot.Person{p}, bot.View{Now: now, IdleDays: 90, Sites: sites}))

	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(table.String()), "\n")[1:] {
		rows = append(rows, regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1))
	}
	var people []struct {
		AddedToOrg *string `json:"added_to_org"`
		Products   []struct {
			Host       string  `json:"host"`
			LastActive *string `json:"last_active"`
			DaysAgo    *int    `json:"days_ago"`
			Verdict    string  `json:"verdict"`
		} `json:"products"`
	}
	if err := json.Unmarshal(js.Bytes(), &people); err != nil || len(people) != 1 {
		t.Fatalf("--json: %v\n%s", err, js.String())
	}
	var lines []string
	summary := ""
	for _, l := range strings.Split(slackText, "\n") {
		switch {
		case strings.HasPrefix(l, "Last active anywhere"):
			summary = l
		case strings.HasPrefix(l, "●"), strings.HasPrefix(l, "◐"), strings.HasPrefix(l, "○"):
			lines = append(lines, l)
		}
	}
	if len(rows) != len(want) || len(people[0].Products) != len(want) || len(lines) != len(want) {
		t.Fatalf("%d table rows, %d JSON products, %d Slack lines; want %d each\n%s\n%s\n%s",
			len(rows), len(people[0].Products), len(lines), len(want), table.String(), js.String(), slackText)
	}
	agoWords := func(days string) string {
		switch days {
		case "0":
			return "today"
		case "1":
			return "yesterday"
		}
		return days + " days ago"
	}
	for i, w := range want {
		day, days, verdict := w[0], w[1], w[2]
		// The table: PERSON, ADDED TO ORG, PRODUCT, SITE, LAST ACTIVE, DAYS AGO, VERDICT.
		if r := rows[i]; len(r) != 7 || r[1] != "2024-06-13" || r[4] != day || r[5] != days || r[6] != verdict {
			t.Errorf("product %d: table row %q, want joined 2024-06-13, %s, %s, %s", i, r, day, days, verdict)
		}
		jp := people[0].Products[i]
		jday, jdays := "never", "-"
		if jp.LastActive != nil {
			jday = *jp.LastActive
		}
		if jp.DaysAgo != nil {
			jdays = fmt.Sprint(*jp.DaysAgo)
		}
		if jday != day || jdays != days || jp.Verdict != verdict || jp.Host != rows[i][3] {
			t.Errorf("product %d: --json %s, %s, %s on %s; want %s, %s, %s on %s (the table's)", i, jday, jdays, jp.Verdict, jp.Host, day, days, verdict, rows[i][3])
		}
		wantLine := "(" + rows[i][3] + "): " + day + ", " + agoWords(days) + " · " + verdict
		if day == "never" {
			wantLine = "(" + rows[i][3] + "): never used"
		}
		if !strings.HasSuffix(lines[i], wantLine) {
			t.Errorf("product %d: Slack line %q, want it to end %q", i, lines[i], wantLine)
		}
	}
	if people[0].AddedToOrg == nil || *people[0].AddedToOrg != "2024-06-13" || !strings.Contains(slackText, "Added to the org on 2024-06-13") {
		t.Errorf("join date: --json %v; Slack:\n%s", people[0].AddedToOrg, slackText)
	}
	// The latest use is the product of tomorrow's day (clock skew), counted as today.
	if summary != "Last active anywhere: Rovo on acme.atlassian.net, 2026-12-01 (today)" {
		t.Errorf("summary %q, want the latest use, 2026-12-01 (today)", summary)
	}
}

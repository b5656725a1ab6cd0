package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// exemptOrg is four people on Confluence (USD 10 a seat) and one also on
// Jira Software (USD 5): Ada idle and exempt from Confluence until
// 2027-01-31 (not from Jira), Bob idle, Cy never used and exempt for good
// (stored in lower case, as the store keeps it; Atlassian spells it with
// capitals), Dee active and exempt.
func exemptOrg() ([]atlassian.OrgUser, *memExemptions) {
	const site = "ari:cloud:confluence::site/s1"
	used := func(key string, n int) atlassian.ProductActivity {
		return atlassian.ProductActivity{ID: site, Key: key, LastActive: daysAgo(n), LastActiveTimestamp: daysAgo(n)}
	}
	person := func(id, name, email string, ps ...atlassian.ProductActivity) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: id, Name: name, Email: email, AccountStatus: "active", MembershipStatus: "active",
			AddedToOrg: daysAgo(900), Products: ps}
	}
	users := []atlassian.OrgUser{
		person("a1", "Ada", "ada@example.com", used("confluence", 200), used("jira-software", 300)),
		person("b1", "Bob", "bob@example.com", used("confluence", 250)),
		person("c1", "Cy", "Cy@Example.com", atlassian.ProductActivity{ID: site, Key: "confluence"}),
		person("d1", "Dee", "dee@example.com", used("confluence", 5)),
	}
	store := &memExemptions{}
	for _, e := range []Exemption{
		{Email: "ada@example.com", Product: "confluence", Until: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), Reason: "on leave"},
		{Email: "cy@example.com", Product: "confluence", Reason: "kept for the auditors"},
		{Email: "dee@example.com", Product: "confluence", Reason: "board member"},
		// Ended before the report: not exempt.
		{Email: "bob@example.com", Product: "confluence", Until: daysAgo(1), Reason: "was on leave"},
	} {
		_ = store.PutExemption(context.Background(), e)
	}
	return users, store
}

func runExemptIdle(t *testing.T, users []atlassian.OrgUser, store ExemptionStore) (string, [][]string) {
	t.Helper()
	scanner := seat.NewScanner(seat.ScanConfig{Dir: atlassiantest.OrgUserList(users), Now: func() time.Time { return idleNow },
		Prices: seat.Prices{"confluence": 10, "jira-software": 5}})
	defer scanner.Close()
	files := &fakeFiles{}
	cfg := ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
		Scanner: scanner, Now: func() time.Time { return idleNow }, IdleDays: 90, Files: files}
	if store != nil {
		cfg.Exemptions = store
	}
	r := NewService(cfg).Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "idle"}, nil)
	if r.Outcome != OutcomeOK || len(files.sent) != 1 {
		t.Fatalf("outcome %q, %d files sent", r.Outcome, len(files.sent))
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files.sent[0].Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return messageText(t, r.Message), recs
}

// TestIdleReportMarksExemptSeats: a manager releasing seats before a
// renewal reads the idle report. Seats exempted with /lastactive exempt
// (kept on purpose: on leave) were counted in the cost of idle and
// never-used seats and listed in the CSV like any other, so a seat someone
// chose to keep could be released, and what can be reclaimed was
// overstated. The cost now says how much of it is exempt seats, the
// summary counts them, and the CSV's last column says until when each
// seat is exempt.
func TestIdleReportMarksExemptSeats(t *testing.T) {
	t.Parallel()
	users, store := exemptOrg()
	text, recs := runExemptIdle(t, users, store)

	// Confluence: Ada and Bob idle, Cy never used = USD 30; Jira: Ada
	// idle = USD 5. Exempt among them: Ada's and Cy's Confluence seats.
	for _, want := range []string{
		"cost about *USD 35.00 a month* at your seat prices, of which USD 20.00 for 2 exempt seats.",
		"2 of the idle and never-used seats are exempt",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	header := recs[0]
	if want := append(seat.CSVHeader(), "exempt until"); strings.Join(header, "|") != strings.Join(want, "|") {
		t.Fatalf("CSV header %q, want %q (the documented columns, then one more)", header, want)
	}
	got := map[string]string{}
	for _, rec := range recs[1:] {
		got[rec[1]+" "+rec[3]] = rec[len(rec)-1]
	}
	for row, want := range map[string]string{
		"ada@example.com confluence":    "2027-01-31",
		"ada@example.com jira-software": "",
		"bob@example.com confluence":    "",
		"Cy@Example.com confluence":     "no end date",
		"dee@example.com confluence":    "no end date",
	} {
		if got[row] != want {
			t.Errorf("CSV row %s: exempt until %q, want %q", row, got[row], want)
		}
	}
}

// TestIdleReportWithoutExemptions: with no store, or none exempt, the
// report is as it was: no exempt words, the documented columns only; and
// a store that cannot be read is said to be so, not taken for no
// exemptions.
func TestIdleReportWithoutExemptions(t *testing.T) {
	t.Parallel()
	users, _ := exemptOrg()
	for _, tc := range []struct {
		name  string
		store ExemptionStore
		says  string // "" : nothing about exemptions
	}{
		{"no store", nil, ""},
		{"none in force", &memExemptions{}, ""},
		{"store down", &memExemptions{down: true}, "Exemptions could not be read"},
	} {
		text, recs := runExemptIdle(t, users, tc.store)
		if strings.Join(recs[0], "|") != strings.Join(seat.CSVHeader(), "|") {
			t.Errorf("%s: CSV header %q, want the documented columns only", tc.name, recs[0])
		}
		switch {
		case tc.says == "" && strings.Contains(strings.ToLower(text), "exempt"):
			t.Errorf("%s: the summary speaks of exemptions:\n%s", tc.name, text)
		case tc.says != "" && !strings.Contains(text, tc.says):
			t.Errorf("%s: the summary lacks %q:\n%s", tc.name, tc.says, text)
		}
	}
}

// TestIdleLongestSaysExempt: a person among the idle longest whose seat
// is exempt is marked so, as the CSV marks the row; the others are not.
func TestIdleLongestSaysExempt(t *testing.T) {
	t.Parallel()
	rep := &seat.Report{Days: 90, Currency: "USD", Longest: []seat.Row{
		{Name: "Ada", Email: "ada@example.com", Key: "confluence", SiteName: "acme.atlassian.net", LastActive: daysAgo(300), DaysIdle: 300, Exempt: true},
		{Name: "Bob", Email: "bob@example.com", Key: "confluence", SiteName: "acme.atlassian.net", LastActive: daysAgo(200), DaysIdle: 200},
	}}
	text := messageText(t, RenderIdleReport(rep, Delivery{Off: true}))
	if !strings.Contains(text, "(300 days) · exempt") || strings.Contains(text, "(200 days) · exempt") {
		t.Errorf("want Ada's line, and only hers, marked exempt:\n%s", text)
	}
}

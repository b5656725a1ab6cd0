package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// reportEnv is the environment of a report: the Admin API half only.
func reportEnv(f *fakes, extra ...string) []string {
	return f.env(append([]string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"}, extra...)...)
}

func TestReportCommand(t *testing.T) {
	f := startFakes(t)
	confluence := 0
	for _, u := range f.org.Users {
		for _, p := range u.Products {
			if !u.NotMember && p.Key == "confluence" {
				confluence++
			}
		}
	}
	path := filepath.Join(t.TempDir(), "idle.csv")
	r := runBinary(t, reportEnv(f, "LASTACTIVE_SEAT_PRICES=confluence=6.05"), "",
		"report", "--idle-days", "60", "--product", "confluence", "--csv", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"not used for 60 days", "Confluence", "TOTAL", "Idle longest", "peak seat count", "24 hours", "Wrote"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Jira Software") {
		t.Errorf("a Confluence report shows Jira Software:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "accounts read") {
		t.Errorf("progress line written although stderr is not a terminal:\n%s", r.stderr)
	}
	if n := f.atl.Count("jira", ""); n != 0 {
		t.Errorf("%d Jira calls; a report needs the Admin API only", n)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("CSV mode %v, want 0600: it lists every person", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if len(recs) != confluence+1 {
		t.Errorf("%d CSV records, want a header and %d Confluence rows", len(recs), confluence)
	}
}

// TestReportCSVFile: the CSV replaces an existing file (here one anyone
// could read) with a file of mode 0600, is what a spreadsheet opens
// correctly (a UTF-8 byte-order mark, CRLF line ends), and leaves no
// temporary file behind.
func TestReportCSVFile(t *testing.T) {
	f := startFakes(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "idle.csv")
	if err := os.WriteFile(path, []byte("old content that is much longer than nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	r := runBinary(t, reportEnv(f), "", "report", "--csv", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("CSV mode %v after replacing a 0644 file, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := bytes.CutPrefix(b, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Errorf("CSV does not start with a UTF-8 byte-order mark: %q", b[:min(len(b), 12)])
	}
	if bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n")) || !bytes.HasSuffix(rest, []byte("\r\n")) {
		t.Errorf("CSV line ends are not all CRLF")
	}
	if bytes.Contains(b, []byte("old content")) {
		t.Errorf("CSV still holds the old file's content")
	}
	if _, err := csv.NewReader(bytes.NewReader(rest)).ReadAll(); err != nil {
		t.Errorf("CSV does not parse: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only idle.csv", names)
	}
}

// TestReportWords: costs carry LASTACTIVE_CURRENCY (USD by default), and
// counts are "1 day", "2 days".
func TestReportWords(t *testing.T) {
	f := startFakes(t)
	cases := []struct {
		name      string
		env       []string
		args      []string
		want      []string
		forbidden []string
	}{
		{"default currency", []string{"LASTACTIVE_SEAT_PRICES=confluence=6.05"}, []string{"--idle-days", "60"},
			[]string{"UNUSED/MONTH (USD)", "not used for 60 days", "accounts read"}, []string{"1 accounts", " 1 days"}},
		{"euros", []string{"LASTACTIVE_SEAT_PRICES=confluence=6.05", "LASTACTIVE_CURRENCY=EUR"}, []string{"--idle-days", "1"},
			[]string{"UNUSED/MONTH (EUR)", "not used for 1 day ", "in the org for 1 day or more"}, []string{"USD", "1 days"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, reportEnv(f, tc.env...), "", append([]string{"report"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.forbidden {
				if strings.Contains(r.stdout, w) {
					t.Errorf("output has %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestReportCommandFailures(t *testing.T) {
	f := startFakes(t)
	cases := []struct {
		name     string
		env      []string
		args     []string
		failure  *atlassiantest.Failure
		wantCode int
		want     string
	}{
		{"zero days", nil, []string{"--idle-days", "0"}, nil, 2, "between 1 and 3650"},
		{"unknown product", nil, []string{"--product", "nosuch"}, nil, 2, "product key"},
		{"unknown product lists the known ones", nil, []string{"--product", "jira-sofware"}, nil, 2,
			"Known keys: jira-software (or jira), jira-work-management (or jira-core)"},
		{"two products in one flag", nil, []string{"--product", "confluence loom"}, nil, 2, "product key"},
		{"digits as product", nil, []string{"--product", "90"}, nil, 2, "product key"},
		{"stray argument", nil, []string{"confluence"}, nil, 2, "unexpected argument"},
		{"no API key", []string{"ATLASSIAN_API_KEY"}, nil, nil, 2, "ATLASSIAN_API_KEY"},
		{"key rejected", nil, nil, &atlassiantest.Failure{API: "admin", Status: 401}, 1, "API key was rejected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.failure != nil {
				defer f.atl.Fail(*tc.failure)()
			}
			before := f.atl.Count("", "")
			r := runBinary(t, reportEnv(f, tc.env...), "", append([]string{"report"}, tc.args...)...)
			if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q?\n%s", r.code, tc.wantCode, tc.want, r.stderr)
			}
			if tc.wantCode == 2 && f.atl.Count("", "") != before {
				t.Errorf("a usage or configuration error reached Atlassian")
			}
		})
	}
}

// TestReportJiraAlias: the v2 directory API says "jira" for one account
// where every other says "jira-software". --product and
// LASTACTIVE_SEAT_PRICES accept either key, and the report counts one
// product per site whichever key was used, in any case.
func TestReportJiraAlias(t *testing.T) {
	now := time.Now()
	org := atlassiantest.SampleOrg(now)
	org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:vera", DisplayName: "Vera Rubin", Email: "vera@example.com",
		AddedToOrg: now.Add(-900 * 24 * time.Hour),
		Products:   []atlassiantest.Product{{Key: "jira", SiteID: atlassiantest.SiteMain, LastActive: now.Add(-200 * 24 * time.Hour)}}})
	f := &fakes{org: org, atl: atlassiantest.NewServer(org), slack: slacktest.NewServer()}
	t.Cleanup(func() { f.slack.Close(); f.atl.Close() })

	// table returns the summary table's lines: the same report must give
	// the same table whichever key names the product.
	table := func(product, prices string) (string, [][]string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "idle.csv")
		r := runBinary(t, reportEnv(f, "LASTACTIVE_SEAT_PRICES="+prices), "", "report", "--idle-days", "90", "--product", product, "--csv", path)
		if r.code != 0 {
			t.Fatalf("--product %s: exit %d: %s", product, r.code, r.stderr)
		}
		start, end := strings.Index(r.stdout, "PRODUCT"), strings.Index(r.stdout, "TOTAL")
		if start < 0 || end < 0 {
			t.Fatalf("no table:\n%s", r.stdout)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return r.stdout[start : strings.Index(r.stdout[end:], "\n")+end], recs
	}
	viaV2, recs := table("jira", "jira=8.60")
	viaV1, _ := table("jira-software", "jira-software=8.60")
	if viaV2 != viaV1 {
		t.Errorf("the table differs with the key:\n--product jira:\n%s\n--product jira-software:\n%s", viaV2, viaV1)
	}
	// A key in capitals, as a product's name is written: --product and
	// LASTACTIVE_NUDGE_PRODUCTS read it in any case, and
	// LASTACTIVE_SEAT_PRICES stopped the program ("must look like
	// jira-software=8.60,confluence=6.05", exit 2) without saying why.
	if upper, _ := table("JIRA-SOFTWARE", "Jira-Software=8.60"); upper != viaV1 {
		t.Errorf("the table differs with capitals:\n%s\nwant\n%s", upper, viaV1)
	}
	mainSite := 0
	for _, l := range strings.Split(viaV2, "\n") {
		if strings.HasPrefix(l, "Jira Software") && strings.Contains(l, atlassiantest.HostMain) {
			mainSite++
			if strings.HasSuffix(strings.TrimSpace(l), "-") {
				t.Errorf("the jira price did not reach jira-software seats: %q", l)
			}
		}
		if strings.HasPrefix(l, "jira ") {
			t.Errorf("the v2 key makes a product of its own: %q", l)
		}
	}
	if mainSite != 1 {
		t.Errorf("%d Jira Software lines for the main site, want 1:\n%s", mainSite, viaV2)
	}
	found := false
	for _, r := range recs[1:] {
		if r[1] == "vera@example.com" {
			found = true
			if r[3] != "jira-software" || r[4] != atlassiantest.HostMain || r[8] != "idle" {
				t.Errorf("Vera's row %q, want product jira-software on the main host, verdict idle", r)
			}
		}
	}
	if !found {
		t.Errorf("the account the v2 API lists under jira is not in a jira-software report")
	}
}

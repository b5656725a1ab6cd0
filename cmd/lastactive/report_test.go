package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
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

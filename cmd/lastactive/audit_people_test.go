package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestCommandLineTrailSaysEachPersonsOwnOutcome: `lastactive lookup` of Ada
// and Grace while Atlassian answers 503 for Grace's last-active dates is
// one entry, "partial", and `lastactive audit EMAIL` read "partial" for
// both. Each person's trail now reads their own outcome in OUTCOME ("ok",
// "failed:unavailable"); the whole trail's WHOM says each person's where it
// is not the entry's; --json keeps "outcome" (the command's) and adds
// "outcomes", one for each email. On SQLite and PostgreSQL.
func TestCommandLineTrailSaysEachPersonsOwnOutcome(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			f := startFakes(t)
			if backend == "PostgreSQL" {
				f.db = postgresDatabase(t)
			}
			env := f.env("USER=operator")
			grace, ok := f.org.Lookup("grace@example.com")
			if !ok {
				t.Fatal("sample org has no grace")
			}
			f.atl.Fail(atlassiantest.Failure{API: "admin", AccountID: grace.AccountID, Status: 503})
			if r := runBinary(t, env, "", "lookup", "ada@example.com", "grace@example.com"); r.code != 1 {
				t.Fatalf("lookup: exit %d, want 1\n%s", r.code, r.stderr)
			}
			r := runBinary(t, env, "", "audit", "--json", "grace@example.com")
			if r.code != 0 {
				t.Fatalf("audit --json: exit %d\n%s", r.code, r.stderr)
			}
			got := auditLines(t, r.stdout)
			if len(got) != 1 {
				t.Fatalf("%d entries, want the lookup's:\n%s", len(got), r.stdout)
			}
			// One for each email, in their order; no address twice in
			// the line, so that counting a person's entries by it holds.
			want := []string{"ok", "failed:unavailable"}
			if got[0].Outcome != "partial" || !slices.Equal(got[0].Emails, []string{"ada@example.com", "grace@example.com"}) ||
				!slices.Equal(got[0].Outcomes, want) {
				t.Errorf("audit --json: outcome %q, emails %q, outcomes %q; want partial, Ada and Grace, %q",
					got[0].Outcome, got[0].Emails, got[0].Outcomes, want)
			}
			if n := strings.Count(r.stdout, `"grace@example.com"`); n != 1 {
				t.Errorf("Grace's address %d times in her one entry:\n%s", n, r.stdout)
			}
			for email, outcome := range map[string]string{"ada@example.com": "ok", "grace@example.com": "failed:unavailable"} {
				r := runBinary(t, env, "", "audit", email)
				if r.code != 0 {
					t.Fatalf("audit %s: exit %d\n%s", email, r.code, r.stderr)
				}
				line := regexp.MustCompile(`(?m)^.*cli:operator\s+lookup\s+(\S+)\s.*$`).FindStringSubmatch(r.stdout)
				if line == nil || line[1] != outcome {
					t.Errorf("audit %s: the lookup's OUTCOME %q, want %q:\n%s", email, line, outcome, r.stdout)
				}
			}
			r = runBinary(t, env, "", "audit")
			if r.code != 0 {
				t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, " partial ") || !strings.Contains(r.stdout, "ada@example.com (ok) grace@example.com (failed:unavailable) ") {
				t.Errorf("the whole trail does not say each person's outcome:\n%s", r.stdout)
			}
		})
	}
}

package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestAuditOfOnePersonCountsOrgWideReports: `/lastactive audit EMAIL` says
// how many org-wide reports (idle reports, Full lists: they list everyone
// with a seat, this person too, and name nobody) ran, and who ran the
// latest; `lastactive audit EMAIL` listed only the entries naming the
// person, so an auditor at the terminal was told less than one in Slack.
func TestAuditOfOnePersonCountsOrgWideReports(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env("USER=operator")
	now := time.Now()
	seedTrail(t, f, env, []state.AuditEntry{
		{At: now.Add(-3 * time.Hour), Actor: "U0OLDER", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report"},
		{At: now.Add(-2 * time.Hour), Actor: "U1", Emails: []string{"ada@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK},
		{At: now.Add(-time.Hour), Actor: "U0BOSS", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report: confluence"},
		// Failed: it listed nobody.
		{At: now.Add(-time.Minute), Actor: "U0FAIL", Kind: state.KindReport, Outcome: state.OutcomeFailed, Detail: "idle report"},
	})

	r := runBinary(t, env, "", "audit", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "U1") || !strings.Contains(r.stdout, "2 org-wide reports") || !strings.Contains(r.stdout, "U0BOSS") ||
		strings.Contains(r.stdout, "U0FAIL") {
		t.Errorf("audit EMAIL does not say that 2 org-wide reports ran, the latest by U0BOSS:\n%s", r.stdout)
	}

	// JSON lines stay the entries naming them, one each, as a script
	// filtering by person expects: the org-wide reports are not there.
	r = runBinary(t, env, "", "audit", "--json", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("audit --json: exit %d\n%s", r.code, r.stderr)
	}
	var actors []string
	for _, e := range auditLines(t, r.stdout) {
		actors = append(actors, e.Actor)
	}
	if strings.Join(actors, " ") != "cli:operator U1" {
		t.Errorf("audit --json EMAIL: entries by %v, want the text run's reading and U1's lookup only:\n%s", actors, r.stdout)
	}
}

// seedTrail migrates the fakes' database with the binary and stores
// entries in its audit trail, as serve would have.
func seedTrail(t *testing.T, f *fakes, env []string, entries []state.AuditEntry) {
	t.Helper()
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", r.code, r.stderr)
	}
	ctx := context.Background()
	s, err := state.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for batch := range slices.Chunk(entries, state.MaxBatch) {
		if err := s.AppendBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
}

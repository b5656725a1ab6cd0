package main

import (
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestAuditFindsEntriesNamingThePersonByAccountID: a digest names the idle
// people it shows by email, and one whose email Atlassian withholds by
// account ID only; `lastactive audit EMAIL` read the entries naming the
// email alone, so that digest was missing from the person's trail, and an
// account ID was refused as "not an email address". The email's account
// ID is taken from the person's own entries that name both (a nudge, a
// lookup of them alone), and an account ID is accepted too.
func TestAuditFindsEntriesNamingThePersonByAccountID(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	now := time.Now()
	seedTrail(t, f, env, []state.AuditEntry{
		{At: now.Add(-3 * time.Hour), Emails: []string{"ada@example.com"}, AccountIDs: []string{"712020:ada"}, Kind: state.KindNudge, Outcome: state.OutcomeOK},
		{At: now.Add(-2 * time.Hour), Actor: "UDIGEST", AccountIDs: []string{"712020:ada", "712020:bob"}, Emails: []string{"bob@example.com"},
			Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "seat digest"},
		// Two people in one lookup: which ID is whose is not known.
		{At: now.Add(-time.Hour), Actor: "U1", Emails: []string{"ada@example.com", "cy@example.com"}, AccountIDs: []string{"712020:cy", "712020:ada"},
			Kind: state.KindLookup, Outcome: state.OutcomeOK},
		{At: now.Add(-time.Minute), Actor: "U2", AccountIDs: []string{"712020:cy"}, Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "seat digest"},
	})
	actors := func(args ...string) string {
		t.Helper()
		r := runBinary(t, env, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		var got []string
		for _, e := range auditLines(t, r.stdout) {
			got = append(got, e.Actor+"/"+e.Kind)
		}
		return strings.Join(got, " ")
	}
	if got, want := actors("audit", "--json", "ada@example.com"), "U1/lookup UDIGEST/report /nudge"; got != want {
		t.Errorf("audit EMAIL: %s, want %s", got, want)
	}
	// The read above is on her record, by email: her account's trail
	// holds it too.
	if got, want := actors("audit", "--json", "712020:ada"), "cli:unknown/report U1/lookup UDIGEST/report /nudge"; got != want {
		t.Errorf("audit ACCOUNT_ID: %s, want %s", got, want)
	}
	for _, bad := range []string{"not an id", "ada", "adaexample.com", ":x"} {
		if r := runBinary(t, env, "", "audit", bad); r.code != exitUsage {
			t.Errorf("audit %q: exit %d, want %d", bad, r.code, exitUsage)
		}
	}
}

package main

import (
	"regexp"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestAuditAccountSaysItsOwnOutcomeByItsEmail: `lastactive audit
// ACCOUNT_ID` reads the entries naming only the account's email too (a
// lookup of two where the person's email matched no account that time). The
// table's OUTCOME said the entry's ("ok": the lookup answered both) rather
// than the person's own ("not_found"), as their trail by email says it: the
// person's record in such an entry is kept under the email the account is
// paired with.
func TestAuditAccountSaysItsOwnOutcomeByItsEmail(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	now := time.Now()
	seedTrail(t, f, env, []state.AuditEntry{
		{At: now.Add(-3 * time.Hour), Actor: "U0", Emails: []string{"ada@example.com"}, AccountIDs: []string{"712020:ada"},
			Kind: state.KindLookup, Outcome: state.OutcomeOK},
		{At: now.Add(-time.Hour), Actor: "U1", Emails: []string{"Ada@example.com", "bob@example.com"}, AccountIDs: []string{"712020:bob"},
			Kind: state.KindLookup, Outcome: state.OutcomeOK, People: []state.PersonResult{
				{Email: "Ada@example.com", Outcome: "not_found"},
				{Email: "bob@example.com", AccountID: "712020:bob", Outcome: state.OutcomeOK}}},
	})
	for _, target := range []string{"ada@example.com", "712020:ada"} {
		r := runBinary(t, env, "", "audit", target)
		if r.code != 0 {
			t.Fatalf("audit %s: exit %d\n%s", target, r.code, r.stderr)
		}
		line := regexp.MustCompile(`(?m)^.*\sU1\s+lookup\s+(\S+)\s.*$`).FindStringSubmatch(r.stdout)
		if line == nil || line[1] != "not_found" {
			t.Errorf("audit %s: U1's lookup OUTCOME %q, want not_found:\n%s", target, line, r.stdout)
		}
	}
}

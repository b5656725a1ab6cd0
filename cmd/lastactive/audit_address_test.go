package main

import (
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestAuditReadsAddressesTheDirectoryGave: the nudge round, the digest and
// the org scan record people under the addresses Atlassian gives them,
// which the lookup grammar's strict form does not always take (a non-ASCII
// letter, an '&' or a '/' in the local part: the trail refolds such
// addresses at migration 11). `lastactive audit jörg@example.com` was
// refused as "not an email address or an Atlassian account ID" (exit 2),
// so an auditor could not read the story of a person the bot nudged,
// skipped and named in digests. Any address of one '@' is read now, its
// ASCII letters folded as the trail files them; what is no address is
// still refused.
func TestAuditReadsAddressesTheDirectoryGave(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	now := time.Now()
	addresses := []string{"jörg@example.com", "o&connor@example.com", "first/last@example.com", "ÜNAL@example.com"}
	var seed []state.AuditEntry
	for i, a := range addresses {
		seed = append(seed, state.AuditEntry{At: now.Add(-time.Duration(i+1) * time.Hour), Emails: []string{a},
			AccountIDs: []string{"712020:p" + string(rune('a'+i))}, Kind: state.KindNudge, Outcome: state.OutcomeOK, Detail: "asked " + a})
	}
	seedTrail(t, f, env, seed)
	for _, tc := range []struct{ arg, want string }{
		{"jörg@example.com", "jörg@example.com"},
		{"O&Connor@Example.com", "o&connor@example.com"},
		{"first/last@example.com", "first/last@example.com"},
		{"ÜNAL@EXAMPLE.COM", "ÜNAL@example.com"},
	} {
		r := runBinary(t, env, "", "audit", "--json", tc.arg)
		if r.code != 0 {
			t.Errorf("audit %s: exit %d, want 0\n%s", tc.arg, r.code, r.stderr)
			continue
		}
		got := auditLines(t, r.stdout)
		if len(got) != 1 || got[0].Detail != "asked "+tc.want {
			t.Errorf("audit %s: %+v, want the one nudge of %s", tc.arg, got, tc.want)
		}
	}
	for _, bad := range []string{"a@b@example.com", "@example.com", "ada@", "ada @example.com", "ada\x1b[2J@example.com", "ada@exa\tmple.com",
		"ada@example", "ada@example..com", "ada@example.com:ATATT3xFfGF0SECRET_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEF=12345678", "<ada@example.com>", "ada@example.com|x"} {
		if r := runBinary(t, env, "", "audit", bad); r.code != exitUsage || strings.ContainsAny(r.stderr, "\x1b\t") || strings.Contains(r.stderr, "SECRET") {
			t.Errorf("audit %q: exit %d, want %d, one clean line\n%q", bad, r.code, exitUsage, r.stderr)
		}
	}
}

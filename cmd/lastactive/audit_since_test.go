package main

import (
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestAuditSinceTakesEveryFormOfTheSameSpan: --since 2562047h (the longest
// Go duration, 106,751 days) was accepted but 106751d refused, as "must be
// days (90d) or a Go duration (12h)", which it is: days stopped at 100,000
// while hours went on. Every form names a span up to the longest duration,
// and a count of days past it is refused saying what the most is.
func TestAuditSinceTakesEveryFormOfTheSameSpan(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	seedTrail(t, f, env, []state.AuditEntry{{At: time.Now().Add(-2 * 365 * 24 * time.Hour), Actor: "U0OLD",
		Emails: []string{"old@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK}})
	for _, since := range []string{"106751d", "106751", "100001d", "2562047h", "2562024h", "800d"} {
		r := runBinary(t, env, "", "audit", "--since", since)
		if r.code != 0 || !strings.Contains(r.stdout, "old@example.com") {
			t.Errorf("--since %s: exit %d, want 0 with the entry of two years ago\n%s\n%s", since, r.code, r.stdout, r.stderr)
		}
	}
	for _, tc := range []struct{ since, text string }{
		{"106752d", "106751 days"},
		{"1000000000000d", "106751 days"},
		{"0d", "--since"},
		{"2562048h", "--since"},
	} {
		r := runBinary(t, env, "", "audit", "--since", tc.since)
		if r.code != 2 || !strings.Contains(r.stderr, tc.text) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("--since %s: exit %d, want 2 with one line saying %q\n%s", tc.since, r.code, tc.text, r.stderr)
		}
	}
}

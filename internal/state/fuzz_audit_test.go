package state

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzAuditQuery: whatever an entry holds (emails and account IDs as
// upstream sent them, with any case, NUL bytes or invalid UTF-8, and any
// actor, outcome and detail), it is stored, found again by each of the
// people it is about (an email in any ASCII case), and only entries about
// that person are found (an empty target is everyone); a query for anything
// else returns nothing, never an error.
func FuzzAuditQuery(f *testing.F) {
	s := open(f, "sqlite::memory:")
	ctx := context.Background()
	f.Add("Ada@Example.com", "5b10ac8d82e05b22cc7d4ef5", "U012ABCDEF", "ok", "jira-software idle", "ADA@EXAMPLE.COM")
	f.Add("a\x00b@x.co", "id\xff", "U1\x00", "ok\xfe", "\x00", "a%b@x.co")
	f.Add("%", "_", "", "", "' OR 1=1 --", "%")
	f.Add("\u212aate@example.com", "ID", "cli:ops", "refused", "", "kate@example.com")
	f.Add("", "", "", "", "", "")
	base := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var n int64
	f.Fuzz(func(t *testing.T, email, accountID, actor, outcome, detail, query string) {
		n++
		at := base.Add(time.Duration(n) * time.Microsecond)
		id := NewAuditID(at)
		e := AuditEntry{ID: id, At: at, Actor: actor, Emails: []string{email}, AccountIDs: []string{accountID},
			Kind: KindLookup, Outcome: Outcome(outcome), Detail: detail}
		if err := s.Append(ctx, e); err != nil {
			t.Fatalf("Append(%+v): %v", e, err)
		}
		clean := func(v string) string { return strings.ReplaceAll(strings.ToValidUTF8(v, ""), "\x00", "") }
		for _, who := range []string{clean(email), clean(accountID)} {
			if strings.TrimSpace(who) == "" {
				continue
			}
			got, err := s.Audit(ctx, AuditQuery{Target: who, Since: at, Limit: 10})
			if err != nil {
				t.Fatalf("Audit(%q): %v", who, err)
			}
			if !slices.ContainsFunc(got, func(g AuditEntry) bool { return g.ID == id }) {
				t.Fatalf("the entry about %q is not found by it: %+v", who, got)
			}
		}
		got, err := s.Audit(ctx, AuditQuery{Target: query, Since: at, Limit: 10})
		if err != nil && utf8.ValidString(query) && !strings.Contains(query, "\x00") {
			t.Fatalf("Audit(%q): %v", query, err)
		}
		for _, g := range got {
			if targetKey(query) == "" {
				break // everyone
			}
			if !slices.ContainsFunc(append(g.Emails, g.AccountIDs...), func(v string) bool { return targetKey(v) == targetKey(query) }) {
				t.Fatalf("Audit(%q) found an entry about %q, %q", query, g.Emails, g.AccountIDs)
			}
		}
	})
}

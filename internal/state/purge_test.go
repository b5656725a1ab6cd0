package state

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweptEntriesLeaveNoTraceInTheFile (SQLite): an audit entry past its
// retention is gone from the file, not only from the tables. SQLite marks
// a deleted row's bytes free and leaves them where they were: the email,
// the account ID and the actor of an entry swept as personal data past
// its retention stayed readable in lastactive.db (and its -wal) to anyone
// who reads the file, until SQLite happened to reuse the page.
func TestSweptEntriesLeaveNoTraceInTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, "sqlite:"+path)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	old := AuditEntry{At: now.AddDate(0, 0, -500), Actor: "UGONE0001", Emails: []string{"forgotten.person@example.com"},
		AccountIDs: []string{"acc-forgotten-0001"}, Kind: KindLookup, Outcome: OutcomeOK, Detail: "detail-forgotten"}
	kept := AuditEntry{At: now.AddDate(0, 0, -1), Actor: "U1", Emails: []string{"ada@example.com"}, AccountIDs: []string{"acc-ada"},
		Kind: KindLookup, Outcome: OutcomeOK}
	if err := s.AppendBatch(ctx, []AuditEntry{old, kept}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepAudit(ctx, now.Add(-DefaultAuditRetention)); err != nil || n != 1 {
		t.Fatalf("SweepAudit = %d, %v; want 1", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, trace := range []string{"forgotten.person@example.com", "acc-forgotten-0001", "UGONE0001", "detail-forgotten"} {
			if bytes.Contains(b, []byte(trace)) {
				t.Errorf("%s still holds %q after the entry was swept", filepath.Base(f), trace)
			}
		}
	}
}

package state

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

// TestAuditTablesMigrateWithTheirRows: a SQLite file written by the schema
// of version 4 keeps its trail through migration 5 (and back down), and
// version 5's audit tables are WITHOUT ROWID with no secondary index.
func TestAuditTablesMigrateWithTheirRows(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, sqliteFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	to := func(v int64) {
		t.Helper()
		if err := s.migrate(ctx, func(p *goose.Provider) error {
			cur, err := p.GetDBVersion(ctx)
			if err != nil {
				return err
			}
			if cur > v {
				_, err = p.DownTo(ctx, v)
			} else {
				_, err = p.UpTo(ctx, v)
			}
			return err
		}); err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
	}
	schemaOf := func(name string) string {
		t.Helper()
		var sql string
		if err := s.db.QueryRow(`SELECT COALESCE(MAX(sql), '') FROM sqlite_master WHERE name = $1`, name).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		return sql
	}
	// The rows are written and read as the versions before migration 15
	// did, by SQL of their columns: the Store's statements name people,
	// which those versions' tables have not.
	appendOld := func(entries []AuditEntry) {
		t.Helper()
		for _, e := range entries {
			id := newID(e.At)
			if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_entry (id, at_us, actor, kind, outcome, detail, emails, account_ids)
				VALUES ($1, $2, $3, $4, $5, '', $6, $7)`, id, micros(e.At), e.Actor, string(e.Kind), string(e.Outcome),
				`["`+e.Emails[0]+`"]`, `["`+e.AccountIDs[0]+`"]`); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{targetKey(e.Emails[0]), e.AccountIDs[0]} {
				if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_target (target, audit_id) VALUES ($1, $2)`, k, id); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	check := func(when string, want int) {
		t.Helper()
		rows, err := s.db.QueryContext(ctx, `SELECT at_us FROM audit_entry ORDER BY id DESC`)
		if err != nil {
			t.Fatal(err)
		}
		var all []int64
		for rows.Next() {
			var at int64
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			all = append(all, at)
		}
		rows.Close()
		if len(all) != want {
			t.Fatalf("%s: %d entries; want %d", when, len(all), want)
		}
		for i := 1; i < len(all); i++ {
			if all[i] >= all[i-1] {
				t.Fatalf("%s: entry %d at %d is not older than entry %d at %d", when, i, all[i], i-1, all[i-1])
			}
		}
		for _, target := range []string{"P3@example.com", "acc-3"} {
			var got int
			err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_target t JOIN audit_entry e ON e.id = t.audit_id
				WHERE t.target = $1`, targetKey(target)).Scan(&got)
			if err != nil || got != want/10 {
				t.Errorf("%s: entries of %s = %d, %v; want %d", when, target, got, err, want/10)
			}
		}
	}

	to(4)
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	batch := make([]AuditEntry, 50)
	for i := range batch {
		batch[i] = AuditEntry{At: base.Add(time.Duration(i) * time.Minute), Actor: "U1", Kind: KindLookup, Outcome: OutcomeOK,
			Emails: []string{fmt.Sprintf("p%d@example.com", i%10)}, AccountIDs: []string{fmt.Sprintf("acc-%d", i%10)}}
	}
	appendOld(batch)
	check("version 4", 50)

	to(5)
	check("version 5", 50)
	for _, table := range []string{"audit_entry", "audit_target"} {
		if sql := schemaOf(table); !strings.Contains(sql, "WITHOUT ROWID") {
			t.Errorf("version 5 %s: %s; want WITHOUT ROWID", table, sql)
		}
	}
	for _, index := range []string{"audit_entry_at", "audit_target_audit"} {
		if sql := schemaOf(index); sql != "" {
			t.Errorf("version 5 keeps index %s", index)
		}
	}
	appendOld(batch[:10]) // same times, new IDs
	if n, err := s.SweepAudit(ctx, base.Add(10*time.Minute)); err != nil || n != 20 {
		t.Errorf("SweepAudit: %d, %v; want the 20 entries before 09:10", n, err)
	}
	var orphans int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM audit_target WHERE audit_id NOT IN (SELECT id FROM audit_entry)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d targets left without their entry, %v", orphans, err)
	}

	to(4)
	check("back at version 4", 40)
	if sql := schemaOf("audit_target"); !strings.Contains(sql, "REFERENCES \"audit_entry\"") && !strings.Contains(sql, "REFERENCES audit_entry") {
		t.Errorf("version 4 audit_target lost its foreign key: %s", sql)
	}
	to(5)
	check("at version 5 again", 40)

	// Up to this version, the Store reads them: their outcome is the
	// entry's, with no person's of its own (migration 15).
	to(KnownVersion())
	check("at the current version", 40)
	got, err := s.Audit(ctx, AuditQuery{Target: "p3@example.com", Limit: 1000})
	if err != nil || len(got) != 4 {
		t.Fatalf("Audit(p3) = %d entries, %v; want 4", len(got), err)
	}
	for _, e := range got {
		if _, ok := e.PersonResult("p3@example.com"); ok || e.Outcome != OutcomeOK || len(e.People) != 0 {
			t.Errorf("an entry from before migration 15 reads %+v", e)
		}
	}
}

// testAuditSinceIsInclusive: entries at the since instant are read, those a
// nanosecond before are not; the sweep keeps the entries at its bound. Both
// go by the entry ID (idFloor), on either backend.
func testAuditSinceIsInclusive(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 5, 5, 12, 0, 0, 0, time.UTC)
	entries := []AuditEntry{
		{At: at.Add(-time.Nanosecond), Kind: KindLookup, Outcome: OutcomeOK, Detail: "before"},
		{At: at, Kind: KindLookup, Outcome: OutcomeOK, Detail: "at"},
		{At: at.Add(time.Nanosecond), Kind: KindLookup, Outcome: OutcomeOK, Detail: "after"},
	}
	if err := s.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, AuditQuery{Since: at})
	if err != nil || len(got) != 2 || got[0].Detail != "after" || got[1].Detail != "at" {
		t.Errorf("Audit since %v: %+v, %v; want after, at", at, got, err)
	}
	if n, err := s.SweepAudit(ctx, at); err != nil || n != 1 {
		t.Errorf("SweepAudit(%v) = %d, %v; want 1 (before)", at, n, err)
	}
}

// TestAuditBoundsOutsideTheIDRange: IDs hold nanoseconds since 1970 up to
// 2262. A since before 1970 (lastactive audit --since 30000d) reads every
// entry and sweeps none; one after 2262 reads none and sweeps all.
func TestAuditBoundsOutsideTheIDRange(t *testing.T) {
	s := open(t, sqliteFixture(t))
	ctx := context.Background()
	if err := s.AppendBatch(ctx, []AuditEntry{
		{Kind: KindLookup, Outcome: OutcomeOK, Detail: "one"},
		{Kind: KindLookup, Outcome: OutcomeOK, Detail: "two"},
	}); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-30000 * 24 * time.Hour)
	future := time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, err := s.Audit(ctx, AuditQuery{Since: past}); err != nil || len(got) != 2 {
		t.Errorf("Audit since %d: %d entries, %v; want 2", past.Year(), len(got), err)
	}
	if got, err := s.Audit(ctx, AuditQuery{Since: future}); err != nil || len(got) != 0 {
		t.Errorf("Audit since 2400: %d entries, %v; want 0", len(got), err)
	}
	if n, err := s.SweepAudit(ctx, past); err != nil || n != 0 {
		t.Errorf("SweepAudit(%d) = %d, %v; want 0", past.Year(), n, err)
	}
	if n, err := s.SweepAudit(ctx, future); err != nil || n != 2 {
		t.Errorf("SweepAudit(2400) = %d, %v; want 2", n, err)
	}
}

// TestUpgradeSaysWhatItDid: Upgrade reports the versions it went from and
// to, so that `lastactive migrate` can say "upgraded from 5 to 6" rather
// than "current" after doing the work.
func TestUpgradeSaysWhatItDid(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, sqliteFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.migrate(ctx, func(p *goose.Provider) error { _, err := p.UpTo(ctx, 5); return err }); err != nil {
		t.Fatal(err)
	}
	from, to, err := s.Upgrade(ctx)
	if err != nil || from != 5 || to <= 5 {
		t.Fatalf("Upgrade from version 5: %d → %d, %v", from, to, err)
	}
	again, still, err := s.Upgrade(ctx)
	if err != nil || again != to || still != to {
		t.Errorf("second Upgrade: %d → %d, %v; want %d → %d", again, still, err, to, to)
	}
}

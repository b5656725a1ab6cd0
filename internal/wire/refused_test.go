package wire

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/bot"
)

// TestPostgresRefusedValueLeavesTheStoreUpForEveryCaller: a statement
// PostgreSQL refuses for its data (class 22, a NUL in a text) fails for
// its caller, who still gets the error, and leaves the store up, whichever
// caller made it; d5350a8 had only the nudge store pass over it. An
// exemption whose reason carries a NUL marked the store down (an ERROR,
// store_ok 0, the shared dedupe, claims and audit off) until the next check.
func TestPostgresRefusedValueLeavesTheStoreUpForEveryCaller(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, _, _ := lockedStore(t, "")
	err := ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "confluence",
		Until: time.Now().Add(time.Hour), Reason: "on leave\x00", By: "U1", Created: time.Now()})
	if err == nil {
		t.Fatal("PostgreSQL stored a NUL in a text column")
	}
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(logs) != 0 {
		t.Errorf("a value PostgreSQL refused (%v) marked the store down (store_ok %v):\n%s", err, testutil.ToFloat64(m.ok), logs.String())
	}
}

// TestRefusedStatementLeavesTheStoreUp: an integrity constraint the
// database enforces (PostgreSQL class 23, SQLite's SQLITE_CONSTRAINT) or a
// value it refuses (class 22, SQLITE_MISMATCH, SQLITE_TOOBIG) is that
// statement's failure, not the store down; a connection the server ended
// still is.
func TestRefusedStatementLeavesTheStoreUp(t *testing.T) {
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY NOT NULL, n INTEGER CHECK (n > 0))`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO t VALUES ('a', 1)`); err != nil {
		t.Fatal(err)
	}
	sqliteErr := func(q string) error {
		t.Helper()
		_, err := raw.Exec(q)
		if err == nil {
			t.Fatalf("%s: no error", q)
		}
		return err
	}
	for _, c := range []struct {
		name string
		err  error
		down bool
	}{
		{"sqlite unique", sqliteErr(`INSERT INTO t VALUES ('a', 2)`), false},
		{"sqlite not null", sqliteErr(`INSERT INTO t VALUES (NULL, 2)`), false},
		{"sqlite check", sqliteErr(`INSERT INTO t VALUES ('b', 0)`), false},
		{"postgres unique 23505", pgErr("23505"), false},
		{"postgres foreign key 23503", pgErr("23503"), false},
		{"postgres NUL 22021", pgErr("22021"), false},
		{"postgres value too long 22001", pgErr("22001"), false},
		{"postgres disk full 53100", pgErr("53100"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs syncBuf
			url, _ := sqliteURL(t)
			d, m := openTestDurable(t, url, &logs)
			if d.Store() == nil {
				t.Fatalf("store not open:\n%s", logs.String())
			}
			d.observe(c.err)
			if down := !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(&logs) != 0; down != c.down {
				t.Errorf("observe(%v): store down %v, want %v:\n%s", c.err, down, c.down, logs.String())
			}
		})
	}
}

// pgErr is PostgreSQL's answer with code, as the store wraps it.
func pgErr(code string) error {
	return fmt.Errorf("put exemption (postgres://…): %w", &pgconn.PgError{Severity: "ERROR", Code: code, Message: "refused"})
}

// TestPostgresExemptionRefusedForItsTextSaysSo: an exemption PostgreSQL
// refuses for its reason (a NUL, SQLSTATE 22021) leaves the store up, yet
// the caller got bot.ErrAuditUnavailable, and the requester read that the
// database was unavailable and to try again later (which fails the same
// way). The caller now gets bot.ErrExemptionRefused.
func TestPostgresExemptionRefusedForItsTextSaysSo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, _, _, _, _ := lockedStore(t, "")
	err := ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "confluence",
		Reason: "x\x00", By: "U1", Created: time.Now()})
	if err == nil || errors.Is(err, bot.ErrAuditUnavailable) || !errors.Is(err, bot.ErrExemptionRefused) || !d.OK() {
		t.Errorf("PutExemption with a NUL in its reason: %v (store up: %v); want bot.ErrExemptionRefused, not bot.ErrAuditUnavailable", err, d.OK())
	}
}

// TestExemptionStoreTellsARefusalFromTheStoreDown: what the exemption
// store's caller gets for each error: a statement refused for its data
// (the classes observe passes over) is bot.ErrExemptionRefused, anything
// else bot.ErrAuditUnavailable, as before.
func TestExemptionStoreTellsARefusalFromTheStoreDown(t *testing.T) {
	var logs syncBuf
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &logs)
	x := ExemptionStore{D: d}
	for _, c := range []struct {
		err     error
		refused bool
	}{
		{pgErr("22021"), true},
		{pgErr("22001"), true},
		{pgErr("23505"), true},
		{pgErr("53100"), false},
		{errors.New("connection reset by peer"), false},
	} {
		got := x.observed(c.err)
		if errors.Is(got, bot.ErrExemptionRefused) != c.refused || errors.Is(got, bot.ErrAuditUnavailable) == c.refused || !errors.Is(got, c.err) {
			t.Errorf("observed(%v) = %v; want refused %v (else the audit trail unavailable), wrapping the store's error", c.err, got, c.refused)
		}
	}
}

package state

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// EnvelopeTTL is how long FirstDelivery remembers an envelope ID: Slack
// redelivers within seconds, so 30 minutes is ample.
const EnvelopeTTL = 30 * time.Minute

// FirstDelivery reports whether this is the first time any process sharing
// the database has seen envelopeID: true exactly once per ID while its entry
// lives (ttl; 0 means EnvelopeTTL). One atomic INSERT … ON CONFLICT, so
// replicas racing for one envelope cannot both win.
func (s *Store) FirstDelivery(ctx context.Context, envelopeID string, ttl time.Duration) (bool, error) {
	if envelopeID == "" {
		return false, fmt.Errorf("record envelope: empty ID: %w", ErrInvalid)
	}
	if ttl <= 0 {
		ttl = EnvelopeTTL
	}
	now := s.now()
	args := []any{SeenKey(envelopeID), micros(now.Add(ttl)), micros(now)}
	if s.backend == sqliteBackend {
		// Asked once per command: SQLite compiling the statement each time
		// cost as much as running it (pgx caches its statements itself).
		st, err := s.prepared(ctx, &s.insSeen, insertSeen)
		if err != nil {
			return false, s.wrap("record envelope", err)
		}
		res, err := st.ExecContext(ctx, args...)
		return s.won("record envelope", res, err)
	}
	res, err := s.db.ExecContext(ctx, insertSeen, args...)
	return s.won("record envelope", res, err)
}

// SeenKey is envelopeID as envelope_seen keeps it: the ID, or, for one that
// PostgreSQL cannot store as text (a NUL, bytes that are not UTF-8) or
// index (past about 2.7 KB: "index row size exceeds maximum", 54000), its
// SHA-256. Slack's IDs are opaque: such an ID is still deduplicated, not an
// error that calls the store down.
func SeenKey(envelopeID string) string {
	if len(envelopeID) <= maxSeenKey && Storable(envelopeID) {
		return envelopeID
	}
	sum := sha256.Sum256([]byte(envelopeID))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// maxSeenKey is the longest envelope ID envelope_seen keeps as it is:
// Slack's are a few dozen bytes, PostgreSQL's index takes about 2.7 KB.
const maxSeenKey = 512

// RecordEnvelopes records ids as seen for ttl from now (0: EnvelopeTTL),
// in one transaction: the batched write of a single process, whose memory
// answers FirstDelivery and which needs the database only across a restart.
func (s *Store) RecordEnvelopes(ctx context.Context, ids []string, ttl time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	if ttl <= 0 {
		ttl = EnvelopeTTL
	}
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("record envelopes", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, insertSeen)
	if err != nil {
		return s.wrap("record envelopes", err)
	}
	defer st.Close()
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, err := st.ExecContext(ctx, SeenKey(id), micros(now.Add(ttl)), micros(now)); err != nil {
			return s.wrap("record envelopes", err)
		}
	}
	return s.wrap("record envelopes", tx.Commit())
}

// RecentEnvelopes returns the envelope IDs still remembered, each with when
// it expires: what a restarted process loads into its memory.
func (s *Store) RecentEnvelopes(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, expires_us FROM envelope_seen WHERE expires_us > $1`, micros(s.now()))
	if err != nil {
		return nil, s.wrap("read envelopes", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var exp int64
		if err := rows.Scan(&id, &exp); err != nil {
			return nil, s.wrap("read envelopes", err)
		}
		out[id] = time.UnixMicro(exp)
	}
	return out, s.wrap("read envelopes", rows.Err())
}

// insertSeen records an envelope ID; an entry that expired but was not
// swept yet counts as gone.
const insertSeen = `INSERT INTO envelope_seen (id, expires_us) VALUES ($1, $2)
	ON CONFLICT (id) DO UPDATE SET expires_us = excluded.expires_us WHERE envelope_seen.expires_us <= $3`

// prepared returns *st, preparing query into it on first use. A statement
// that failed to prepare is tried again next time.
func (s *Store) prepared(ctx context.Context, st **sql.Stmt, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if *st == nil {
		p, err := s.db.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		*st = p
	}
	return *st, nil
}

// Claim takes the named slot ("digest 2026-W49", "org scan") for holder
// until ttl has passed, and reports whether it got it. A slot is free when
// nobody holds it or the claim expired; the current holder claiming again
// renews it. Atomic across processes.
func (s *Store) Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error) {
	if slot == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("claim %q: need a slot, a holder and a positive ttl: %w", slot, ErrInvalid)
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO claim_slot (slot, holder, expires_us) VALUES ($1, $2, $3)
		 ON CONFLICT (slot) DO UPDATE SET holder = excluded.holder, expires_us = excluded.expires_us
		 WHERE claim_slot.expires_us <= $4 OR claim_slot.holder = excluded.holder`,
		slot, holder, micros(now.Add(ttl)), micros(now))
	return s.won("claim "+slot, res, err)
}

// Release gives up holder's claim on slot early (after a finished org scan,
// say). Releasing a claim one does not hold changes nothing.
func (s *Store) Release(ctx context.Context, slot, holder string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM claim_slot WHERE slot = $1 AND holder = $2`, slot, holder)
	return s.wrap("release "+slot, err)
}

func (s *Store) won(step string, res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, s.wrap(step, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.wrap(step, err)
	}
	return n == 1, nil
}

// PutResult publishes a finished piece of work (the gzip'd JSON of an org
// scan, a few MB) under key for ttl, replacing what was there, so a replica
// that waited for the scan reads it instead of scanning again.
func (s *Store) PutResult(ctx context.Context, key string, blob []byte, ttl time.Duration) error {
	if key == "" || ttl <= 0 {
		return fmt.Errorf("store result %q: need a key and a positive ttl: %w", key, ErrInvalid)
	}
	if blob == nil {
		blob = []byte{}
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO scan_result (name, body, expires_us) VALUES ($1, $2, $3)
		 ON CONFLICT (name) DO UPDATE SET body = excluded.body, expires_us = excluded.expires_us`,
		key, blob, micros(s.now().Add(ttl)))
	return s.wrap("store result "+key, err)
}

// Result returns the blob stored under key, or ErrNotFound when there is
// none or it expired.
func (s *Store) Result(ctx context.Context, key string) ([]byte, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx,
		`SELECT body FROM scan_result WHERE name = $1 AND expires_us > $2`, key, micros(s.now())).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read result %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("read result "+key, err)
	}
	if blob == nil {
		blob = []byte{}
	}
	return blob, nil
}

// Sweep deletes the envelope IDs, claims and results that expired at now,
// and the report snapshots past the newest SnapshotsKept of each kind
// (posted or not), and returns how many rows went. The bot calls it every few minutes; the
// audit trail has its own retention (SweepAudit).
//
// A statement the server cancelled (a lock held on its table past the
// statement_timeout) does not stop the sweep of the other tables: the
// first such error is returned once they are done. The durable store
// writes them to tell a lock on one table from a database that writes
// nothing, and a lock on envelope_seen, the first, hid the others. On
// PostgreSQL, with a deadline on ctx, each statement first has its share
// of the time left (sweepShare): the connections' lock_timeout (10 s by
// default) is longer than the check's 5 s, so a lock on envelope_seen had
// its DELETE wait the whole 5 s and the check call the store down, the
// other tables writing. A statement that runs out of its share is tried
// again once the others are done, with all the time left: a table slow to
// sweep (the periodic sweep's envelope_seen, with a minute) is not cut to
// a fifth of it at every sweep and never swept
// (TestPostgresSweepRetriesATableThatOutlastedItsShare). An error names
// its table (SweptTable).
func (s *Store) Sweep(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	var cancelled error
	todo := sweepStatements(now)
	for pass := 0; pass < 2 && len(todo) > 0; pass++ {
		var again []sweepStatement
		for i, st := range todo {
			sctx, cancel := s.sweepShare(ctx, len(todo)-i)
			n, err := s.sweepOne(sctx, st)
			total += n // the batches done before an error are kept
			outlasted := err != nil && sctx.Err() != nil && !CancelledByServer(err)
			cancel()
			if err != nil && passedOver(ctx, sctx, err) {
				if pass == 0 && outlasted {
					again = append(again, st)
					continue
				}
				cancelled = cmp.Or(cancelled, st.wrap(s, err))
				continue
			}
			if err != nil {
				return total, st.wrap(s, err)
			}
		}
		todo = again
	}
	return total, cancelled
}

// sweepStatement is one of Sweep's statements, on table.
type sweepStatement struct {
	table, step, query string
	args               []any
	// batched: query deletes at most its last argument's rows (a batch),
	// and is run again until a batch is not full.
	batched bool
}

// sweepOne runs st and returns how many rows it deleted. A batched
// statement deletes sweepBatch rows a transaction, as SweepAudit does: the
// expired envelope IDs of a busy replica set after an outage (hundreds of
// thousands) were one DELETE that outlasted its share of the sweep's time
// (or the role's statement_timeout), was rolled back, and failed the same
// way at every sweep, the table growing. The batches done before the time
// runs out stay done, and a batch the server cancelled for its
// statement_timeout is tried again with half as many rows
// (TestSweepKeepsTheBatchesDoneBeforeItsTime,
// TestPostgresSweepBatchesExpiredEnvelopesUnderAStatementTimeout).
func (s *Store) sweepOne(ctx context.Context, st sweepStatement) (int64, error) {
	if !st.batched {
		res, err := s.db.ExecContext(ctx, st.query, st.args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	var total int64
	batch := sweepBatch
	for {
		res, err := s.db.ExecContext(ctx, st.query, append(st.args[:len(st.args):len(st.args)], batch)...)
		if statementTimedOut(err) && batch > sweepBatchMin && ctx.Err() == nil {
			batch /= 2
			continue
		}
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// sweepStatements are Sweep's statements at now.
//
// The report history: every digest made records a snapshot (a private
// digest and Scan now too), and the digest reads only the newest
// SnapshotsKept posted ones and the newest SnapshotsKept of any kind
// (which are among the newest SnapshotsKept of each). Older ones are
// read by nothing; their rows go with them (ON DELETE CASCADE). At most
// snapshotSweepBatch of each kind go per sweep, so that a year of them
// goes over a few sweeps, not in one transaction.
func sweepStatements(now time.Time) []sweepStatement {
	var out []sweepStatement
	for _, t := range []struct{ table, key string }{{"envelope_seen", "id"}, {"claim_slot", "slot"}, {"scan_result", "name"}} {
		out = append(out, sweepStatement{table: t.table, step: "sweep " + t.table, batched: true,
			query: `DELETE FROM ` + t.table + ` WHERE ` + t.key + ` IN
			(SELECT ` + t.key + ` FROM ` + t.table + ` WHERE expires_us <= $1 LIMIT $2)`, args: []any{micros(now)}})
	}
	for _, posted := range []int{0, 1} {
		out = append(out, sweepStatement{table: "report_scan", step: "sweep report snapshots",
			query: `DELETE FROM report_scan WHERE id IN
			(SELECT id FROM report_scan WHERE posted = $1 ORDER BY taken_us DESC, id DESC LIMIT $2 OFFSET $3)`,
			args: []any{posted, snapshotSweepBatch, SnapshotsKept}})
	}
	return out
}

// wrap is s.wrap naming the statement's table (SweptTable).
func (st sweepStatement) wrap(s *Store, err error) error {
	return &sweptError{table: st.table, err: s.wrap(st.step, err)}
}

type sweptError struct {
	table string
	err   error
}

func (e *sweptError) Error() string { return e.err.Error() }
func (e *sweptError) Unwrap() error { return e.err }

// SweptTable names the table of the Sweep statement err is from, or "".
// An error the server's cancel names its table already (CancelledTable);
// one that ran out of the caller's time does not.
func SweptTable(err error) string {
	var e *sweptError
	if errors.As(err, &e) {
		return e.table
	}
	return ""
}

// snapshotSweepBatch is how many snapshots of each kind one sweep deletes
// at most.
const snapshotSweepBatch = 1000

// sweepShare is the context of one of Sweep's statements, left of them
// still to run in its pass: on PostgreSQL, with a deadline on ctx, an
// equal share of the time left, so that a wait on one table's lock leaves
// the others time. SQLite has one lock for the whole file: its statements
// have ctx.
func (s *Store) sweepShare(ctx context.Context, left int) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok || left <= 1 || s.backend == sqliteBackend {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Until(dl)/time.Duration(left))
}

// passedOver reports whether a sweep statement's err leaves the sweep
// going on to the other tables: the server cancelled it, or it ran out of
// its share (sctx), ctx itself still running.
func passedOver(ctx, sctx context.Context, err error) bool {
	return ctx.Err() == nil && (CancelledByServer(err) || sctx.Err() != nil)
}

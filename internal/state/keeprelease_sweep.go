package state

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SweepKeepOrRelease deletes, past the retention, the personal data of the
// keep-or-release feature, and returns how many rows it deleted: the nudges
// asked before olderThan whose every step (answer, reminder, escalation,
// settlement, the request's decision, the release and its undo and check)
// also came before it, with their release request, approvers' copies and
// release; and the exemptions that ended before it. Whatever is still in
// flight is kept, however old: a nudge unanswered and not escalated (the
// follow-up reminds and escalates it) or not yet audited, an undecided
// request (its copies' buttons still decide it), an approval with no
// release yet, a release still running (the follow-up settles it), and a
// manual release whose check is still to come. An exemption with no end is
// in force and kept. The bot calls it daily with now minus
// LASTACTIVE_AUDIT_RETENTION (not less than nudge.KeptWindow), after
// SweepAudit: the audit trail records the same events. Like SweepAudit it
// deletes a bounded batch per transaction.
func (s *Store) SweepKeepOrRelease(ctx context.Context, olderThan time.Time) (int64, error) {
	return s.sweepKeepOrRelease(ctx, olderThan, keepOrReleaseBatch)
}

// keepOrReleaseBatch is how many nudges (with their rows) or exemptions one
// transaction of SweepKeepOrRelease deletes; each one's IDs are bound
// parameters, well inside both backends' limits.
const keepOrReleaseBatch = 500

// sweepableNudges selects the nudges, and their requests' IDs, that
// SweepKeepOrRelease deletes, from asked_us $2 on, oldest first; $1 is the
// cutoff, $3 the batch.
var sweepableNudges = fmt.Sprintf(`SELECT n.id, n.asked_us, COALESCE(r.id, '') FROM nudge n
	LEFT JOIN release_request r ON r.nudge_id = n.id
	LEFT JOIN release_done d ON d.id = r.id
	WHERE n.asked_us >= $2 AND n.asked_us < $1 AND n.answered_us < $1 AND n.reminded_us < $1
	  AND n.escalated_us < $1 AND n.settled_us < $1
	  AND n.audited = 1 AND NOT (n.answer = '' AND n.escalated_us = 0 AND n.settled = '')
	  AND (r.id IS NULL OR (r.created_us < $1 AND r.decided_us < $1 AND r.decided_by <> ''
	       AND (r.decision <> '%s' OR d.id IS NOT NULL)))
	  AND (d.id IS NULL OR (d.state <> '%s' AND d.done_us < $1 AND d.undone_us < $1
	       AND d.check_due_us < $1 AND d.checked_us < $1
	       AND NOT (d.state = '%s' AND d.checked_us = 0 AND d.check_due_us > 0)))
	ORDER BY n.asked_us, n.id LIMIT $3`, DecisionApprove, ReleaseRunning, ReleaseManual)

func (s *Store) sweepKeepOrRelease(ctx context.Context, olderThan time.Time, batch int) (int64, error) {
	cutoff := micros(olderThan)
	var total int64
	// Each batch starts at the last one's newest nudge: the old rows kept
	// (in flight) are not walked again.
	for from := int64(0); ; {
		n, last, more, err := s.sweepNudges(ctx, cutoff, from, batch)
		if statementTimedOut(err) && batch > sweepBatchMin && ctx.Err() == nil {
			// A statement_timeout shorter than a batch takes (as in
			// SweepAudit): rolled back; again with half as many.
			batch /= 2
			continue
		}
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			break
		}
		from = last
	}
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM exemption WHERE (email, product) IN
			(SELECT email, product FROM exemption WHERE until_us <> 0 AND until_us < $1 LIMIT $2)`, cutoff, batch)
		if statementTimedOut(err) && batch > sweepBatchMin && ctx.Err() == nil {
			batch /= 2
			continue
		}
		if err != nil {
			return total, s.wrap("sweep exemptions", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.wrap("sweep exemptions", err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// sweepNudges deletes one batch of sweepable nudges from asked_us from on,
// with their requests, copies and releases, in one transaction; it returns
// the rows deleted, the newest nudge's asked_us, and whether the batch was
// full (there may be more).
func (s *Store) sweepNudges(ctx context.Context, cutoff, from int64, batch int) (int64, int64, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, from, false, s.wrap("sweep nudges", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, sweepableNudges, cutoff, from, batch)
	if err != nil {
		return 0, from, false, s.wrap("sweep nudges", err)
	}
	var nudges, requests []any
	last := from
	for rows.Next() {
		var id, req string
		if err := rows.Scan(&id, &last, &req); err != nil {
			rows.Close()
			return 0, from, false, s.wrap("sweep nudges", err)
		}
		nudges = append(nudges, id)
		if req != "" {
			requests = append(requests, req)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, from, false, s.wrap("sweep nudges", err)
	}
	if len(nudges) == 0 {
		return 0, from, false, nil
	}
	var total int64
	for _, q := range []struct {
		sql string
		ids []any
	}{
		{`DELETE FROM approval_message WHERE request_id IN `, requests},
		{`DELETE FROM release_done WHERE id IN `, requests},
		{`DELETE FROM release_request WHERE id IN `, requests},
		{`DELETE FROM nudge WHERE id IN `, nudges},
	} {
		if len(q.ids) == 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, q.sql+idList(len(q.ids)), q.ids...)
		if err != nil {
			return 0, from, false, s.wrap("sweep nudges", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, from, false, s.wrap("sweep nudges", err)
		}
		total += n
	}
	if err := tx.Commit(); err != nil {
		return 0, from, false, s.wrap("sweep nudges", err)
	}
	return total, last, len(nudges) == batch, nil
}

// idList is "($1, $2, …, $n)".
func idList(n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	b.WriteByte(')')
	return b.String()
}

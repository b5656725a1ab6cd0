package state

import (
	"context"
	"fmt"
	"time"
)

// Snapshot is the result of one org scan, kept so a digest can show the
// change since the previous one and a chart the trend.
type Snapshot struct {
	ID       string    // set by SaveSnapshot
	Taken    time.Time // when the scan finished (UTC); zero means now
	IdleDays int       // the idle threshold the counts use
	// Posted is whether the digest it was made for reached the channel
	// (MarkSnapshotPosted): the channel's change compares with those only.
	Posted bool
	Rows   []SnapshotRow
	// Exemptions says whether the rows' Exempt counts were marked.
	Exemptions SnapshotExemptions
}

// SnapshotExemptions says whether a snapshot's exempt seats were marked.
type SnapshotExemptions int

const (
	// ExemptionsNotMarked: no exemptions were read (none are kept, or the
	// snapshot is from before they were marked): Exempt is 0 throughout.
	ExemptionsNotMarked SnapshotExemptions = iota
	// ExemptionsMarked: the exemptions in force were read and counted.
	ExemptionsMarked
	// ExemptionsUnread: they could not be read, so none are counted.
	ExemptionsUnread
)

// SnapshotRow holds the counts of one product on one site.
type SnapshotRow struct {
	Product   string // product key, e.g. "jira-software"
	Site      string // site host, e.g. "acme.atlassian.net"
	Seats     int
	Capacity  int // licensed seats when the workspaces API gives them, else 0
	Active    int
	Idle      int
	NeverUsed int
	New       int
	// Exempt counts the unused seats (Idle, NeverUsed) exempted with
	// /lastactive exempt: kept on purpose (Snapshot.Exemptions).
	Exempt int
}

// SaveSnapshot stores one scan's counts and returns its ID.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot) (string, error) {
	if snap.Taken.IsZero() {
		snap.Taken = s.now()
	}
	id := newID(snap.Taken)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", s.wrap("save report snapshot", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_scan (id, taken_us, idle_days, posted, exemptions) VALUES ($1, $2, $3, $4, $5)`,
		id, micros(snap.Taken), snap.IdleDays, boolInt(snap.Posted), int(snap.Exemptions)); err != nil {
		return "", s.wrap("save report snapshot", err)
	}
	for _, r := range cleanRows(snap.Rows) {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO report_row (scan_id, product, site, seats, capacity, active, idle, never_used, new_seats, exempt_unused)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, r.Product, r.Site, r.Seats, r.Capacity, r.Active, r.Idle, r.NeverUsed, r.New, r.Exempt); err != nil {
			return "", s.wrap("save report snapshot", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", s.wrap("save report snapshot", err)
	}
	return id, nil
}

// cleanRows drops from each row's product and site what PostgreSQL refuses
// in text (a product key from a broken or hostile Admin API answer may hold
// a NUL: one such row lost the whole snapshot), adding up the rows that then
// name the same product and site.
func cleanRows(rows []SnapshotRow) []SnapshotRow {
	out := make([]SnapshotRow, 0, len(rows))
	at := map[[2]string]int{}
	for _, r := range rows {
		r.Product, r.Site = cleanText(r.Product), cleanText(r.Site)
		k := [2]string{r.Product, r.Site}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, r)
			continue
		}
		o := &out[i]
		o.Seats, o.Active, o.Idle, o.NeverUsed, o.New = o.Seats+r.Seats, o.Active+r.Active, o.Idle+r.Idle, o.NeverUsed+r.NeverUsed, o.New+r.New
		o.Exempt += r.Exempt
		o.Capacity = max(o.Capacity, r.Capacity)
	}
	return out
}

// Snapshots returns the snapshots taken at or after since, newest first, at
// most limit of them (0 means 100).
func (s *Store) Snapshots(ctx context.Context, since time.Time, limit int) ([]Snapshot, error) {
	return s.snapshots(ctx, since, limit, 0)
}

// PostedSnapshots returns the newest limit (0 means 100) snapshots whose
// digest reached its channel, newest first.
func (s *Store) PostedSnapshots(ctx context.Context, limit int) ([]Snapshot, error) {
	return s.snapshots(ctx, time.Time{}, limit, 1)
}

// snapshots reads snapshots taken at or after since, those with posted >=
// minPosted (0: all, 1: posted ones).
func (s *Store) snapshots(ctx context.Context, since time.Time, limit, minPosted int) ([]Snapshot, error) {
	if limit <= 0 {
		limit = 100
	}
	sinceUS := int64(0)
	if !since.IsZero() {
		sinceUS = micros(since)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, taken_us, idle_days, posted, exemptions FROM report_scan WHERE taken_us >= $1 AND posted >= $3
		 ORDER BY taken_us DESC, id DESC LIMIT $2`,
		sinceUS, limit, minPosted)
	if err != nil {
		return nil, s.wrap("read report snapshots", err)
	}
	var out []Snapshot
	index := map[string]int{}
	for rows.Next() {
		var snap Snapshot
		var taken, posted int64
		if err := rows.Scan(&snap.ID, &taken, &snap.IdleDays, &posted, &snap.Exemptions); err != nil {
			rows.Close()
			return nil, s.wrap("read report snapshots", err)
		}
		snap.Taken, snap.Posted = fromMicros(taken), posted != 0
		index[snap.ID] = len(out)
		out = append(out, snap)
	}
	// Close before the next query: on SQLite the store has one connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("read report snapshots", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	last := out[len(out)-1]
	rows, err = s.db.QueryContext(ctx,
		`SELECT r.scan_id, r.product, r.site, r.seats, r.capacity, r.active, r.idle, r.never_used, r.new_seats, r.exempt_unused
		 FROM report_row r JOIN report_scan s ON s.id = r.scan_id
		 WHERE s.taken_us >= $1 AND (s.taken_us > $1 OR s.id >= $2) AND s.posted >= $3
		 ORDER BY r.product, r.site`,
		micros(last.Taken), last.ID, minPosted)
	if err != nil {
		return nil, s.wrap("read report snapshots", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var r SnapshotRow
		if err := rows.Scan(&id, &r.Product, &r.Site, &r.Seats, &r.Capacity, &r.Active, &r.Idle, &r.NeverUsed, &r.New, &r.Exempt); err != nil {
			return nil, s.wrap("read report snapshots", err)
		}
		if i, ok := index[id]; ok { // a scan saved meanwhile is not in out
			out[i].Rows = append(out[i].Rows, r)
		}
	}
	return out, s.wrap("read report snapshots", rows.Err())
}

// MarkSnapshotPosted records that the digest snapshot id was made for
// reached its channel; ErrNotFound when there is no such snapshot.
func (s *Store) MarkSnapshotPosted(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE report_scan SET posted = 1 WHERE id = $1`, id)
	if err != nil {
		return s.wrap("mark report snapshot posted", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("mark report snapshot posted: %w", ErrNotFound)
	}
	return nil
}

// LatestSnapshot returns the newest snapshot, or ErrNotFound.
func (s *Store) LatestSnapshot(ctx context.Context) (Snapshot, error) {
	snaps, err := s.Snapshots(ctx, time.Time{}, 1)
	if err != nil {
		return Snapshot{}, err
	}
	if len(snaps) == 0 {
		return Snapshot{}, fmt.Errorf("latest report snapshot: %w", ErrNotFound)
	}
	return snaps[0], nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SnapshotsKept is how many snapshots of posted digests, and how many of
// the others, the sweep keeps: digest.MaxHistory, the most the digest and
// App Home read, is not more.
const SnapshotsKept = 104

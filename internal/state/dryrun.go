package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DryRun is what one dry-run round decided, sending nothing: whom it would
// ask about which products, and whom it skipped and why. The nudge engine
// writes one per round (it may keep only the first rows of long lists:
// AskedPeople, Skipped and Reasons count all of them); App Home shows the
// newest.
type DryRun struct {
	Round       string
	At          time.Time
	Asked       []DryRunAsk
	AskedPeople int // people it would ask, len(Asked) or more
	Skips       []DryRunSkip
	Skipped     int            // (person, product) pairs skipped, len(Skips) or more
	Reasons     map[string]int // skipped pairs by reason, all of them
}

// DryRunAsk is one person a dry run would have asked.
type DryRunAsk struct {
	Email, Name, SlackUser string
	Items                  []DryRunItem
}

// DryRunItem is one idle product a dry run would have asked about.
type DryRunItem struct {
	ProductKey, Site string
	LastActive       time.Time // zero: never
}

// DryRunSkip is one person and product a dry run skipped, and why.
type DryRunSkip struct {
	Email, Name, ProductKey, Site, Reason string
}

// keepDryRuns is how many rounds' records are kept.
const keepDryRuns = 10

// PutDryRun stores a dry run's record, replacing one of the same round,
// and drops all but the newest few.
func (s *Store) PutDryRun(ctx context.Context, d DryRun) error {
	if d.Round == "" {
		return fmt.Errorf("store dry run: need a round: %w", ErrInvalid)
	}
	if d.At.IsZero() {
		d.At = s.now()
	}
	d.At = fromMicros(micros(d.At)) // as it reads back
	rec, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store dry run: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO nudge_dry_run (round, at_us, record) VALUES ($1, $2, $3)
		ON CONFLICT (round) DO UPDATE SET at_us = excluded.at_us, record = excluded.record`, d.Round, micros(d.At), string(rec)); err != nil {
		return s.wrap("store dry run", err)
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM nudge_dry_run WHERE round NOT IN
		(SELECT round FROM nudge_dry_run ORDER BY at_us DESC, round DESC LIMIT $1)`, keepDryRuns)
	return s.wrap("trim dry runs", err)
}

// LastDryRun returns the newest dry run's record, or ErrNotFound.
func (s *Store) LastDryRun(ctx context.Context) (DryRun, error) {
	var rec string
	err := s.db.QueryRowContext(ctx, `SELECT record FROM nudge_dry_run ORDER BY at_us DESC, round DESC LIMIT 1`).Scan(&rec)
	if errors.Is(err, sql.ErrNoRows) {
		return DryRun{}, fmt.Errorf("read dry run: %w", ErrNotFound)
	}
	if err != nil {
		return DryRun{}, s.wrap("read dry run", err)
	}
	var d DryRun
	if err := json.Unmarshal([]byte(rec), &d); err != nil {
		return DryRun{}, fmt.Errorf("read dry run: %w", err)
	}
	return d, nil
}

package state

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"
)

// ButtonKeyRetention is how long a button key is kept after it last
// sealed a button: longer than any button stays usable.
const ButtonKeyRetention = 90 * 24 * time.Hour

// RememberButtonKey records that key seals the buttons of purpose as of at,
// and forgets the keys of any purpose unused for ButtonKeyRetention.
func (s *Store) RememberButtonKey(ctx context.Context, purpose string, key []byte, at time.Time) error {
	if purpose == "" || len(key) == 0 {
		return fmt.Errorf("remember button key: %w", ErrInvalid)
	}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO button_key (purpose, key_hex, last_us) VALUES ($1, $2, $3)
		 ON CONFLICT (purpose, key_hex) DO UPDATE SET last_us = excluded.last_us`,
		purpose, hex.EncodeToString(key), micros(at)); err != nil {
		return s.wrap("remember button key", err)
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM button_key WHERE last_us < $1`, micros(at.Add(-ButtonKeyRetention)))
	return s.wrap("remember button key", err)
}

// ButtonKey is a key that sealed buttons, and when it was last recorded
// in use.
type ButtonKey struct {
	Key      []byte
	LastUsed time.Time
}

// ButtonKeys returns the keys of purpose recorded in use at or after since,
// the most recently used first.
func (s *Store) ButtonKeys(ctx context.Context, purpose string, since time.Time) ([]ButtonKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key_hex, last_us FROM button_key WHERE purpose = $1 AND last_us >= $2 ORDER BY last_us DESC`,
		purpose, micros(since))
	if err != nil {
		return nil, s.wrap("read button keys", err)
	}
	defer rows.Close()
	var out []ButtonKey
	for rows.Next() {
		var h string
		var last int64
		if err := rows.Scan(&h, &last); err != nil {
			return nil, s.wrap("read button keys", err)
		}
		k, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("read button keys: %w", err)
		}
		out = append(out, ButtonKey{Key: k, LastUsed: fromMicros(last)})
	}
	return out, s.wrap("read button keys", rows.Err())
}

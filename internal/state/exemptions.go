package state

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Exemption keeps nudges away from one person's product: `/lastactive
// exempt EMAIL PRODUCT… [until DATE] REASON`.
type Exemption struct {
	Email   string    // stored with its ASCII letters lower-cased (LowerASCII)
	Product string    // product key
	Until   time.Time // zero: for ever; else the exemption ends at this instant
	Reason  string
	By      string    // Slack user ID of who exempted
	Created time.Time // set by PutExemption when zero
}

// PutExemption adds an exemption or replaces the one for the same email and
// product.
func (s *Store) PutExemption(ctx context.Context, e Exemption) error {
	e.Email, e.Product = LowerASCII(strings.TrimSpace(e.Email)), strings.TrimSpace(e.Product)
	if e.Email == "" || e.Product == "" {
		return fmt.Errorf("store exemption: need an email and a product: %w", ErrInvalid)
	}
	if e.Created.IsZero() {
		e.Created = s.now()
	}
	until := int64(0)
	if !e.Until.IsZero() {
		until = micros(e.Until)
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO exemption (email, product, until_us, reason, created_by, created_us) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (email, product) DO UPDATE SET until_us = excluded.until_us, reason = excluded.reason,
		   created_by = excluded.created_by, created_us = excluded.created_us`,
		e.Email, e.Product, until, e.Reason, e.By, micros(e.Created))
	return s.wrap("store exemption", err)
}

// Exemptions lists the exemptions in force at `at` (all of them when at is
// zero), by email and product.
func (s *Store) Exemptions(ctx context.Context, at time.Time) ([]Exemption, error) {
	atUS := int64(0)
	if !at.IsZero() {
		atUS = micros(at)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT email, product, until_us, reason, created_by, created_us FROM exemption
		 WHERE CAST($1 AS BIGINT) = 0 OR until_us = 0 OR until_us > $1 ORDER BY email, product`, atUS)
	if err != nil {
		return nil, s.wrap("read exemptions", err)
	}
	defer rows.Close()
	var out []Exemption
	for rows.Next() {
		var e Exemption
		var until, created int64
		if err := rows.Scan(&e.Email, &e.Product, &until, &e.Reason, &e.By, &created); err != nil {
			return nil, s.wrap("read exemptions", err)
		}
		if until != 0 {
			e.Until = fromMicros(until)
		}
		e.Created = fromMicros(created)
		out = append(out, e)
	}
	return out, s.wrap("read exemptions", rows.Err())
}

// Exempt reports whether email is exempt from nudges about product at `at`.
func (s *Store) Exempt(ctx context.Context, email, product string, at time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM exemption WHERE email = $1 AND product = $2 AND (until_us = 0 OR until_us > $3)`,
		LowerASCII(strings.TrimSpace(email)), strings.TrimSpace(product), micros(at)).Scan(&n)
	if err != nil {
		return false, s.wrap("read exemption", err)
	}
	return n > 0, nil
}

// RemoveExemption deletes the exemption and reports whether there was one.
func (s *Store) RemoveExemption(ctx context.Context, email, product string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM exemption WHERE email = $1 AND product = $2`,
		LowerASCII(strings.TrimSpace(email)), strings.TrimSpace(product))
	return s.won("remove exemption", res, err)
}

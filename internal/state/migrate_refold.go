package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// refoldAuditTargets is migration 11, in Go because SQL folds case by each
// backend's own rules. Before it, the trail indexed an email by Unicode's
// lower case (strings.ToLower): an entry about an address with a look-alike
// rune (a Kelvin sign for the K, from an Atlassian profile) was filed under
// the address it imitates, and one about JÖRG@example.com under jörg@, a
// key the bot no longer asks for (it folds ASCII letters only, LowerASCII).
// The entries whose addresses hold a non-ASCII rune, the only ones whose
// keys differ, are indexed again from the addresses they keep as given.
func refoldAuditTargets(b backend) *goose.Migration {
	nonASCII := `length(emails) <> octet_length(emails)`
	if b == sqliteBackend {
		nonASCII = `length(emails) <> length(CAST(emails AS BLOB))`
	}
	run := func(from, to func(string) string) *goose.GoFunc {
		return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return refold(ctx, tx, nonASCII, from, to)
		}}
	}
	return goose.NewGoMigration(11, run(strings.ToLower, LowerASCII), run(LowerASCII, strings.ToLower))
}

// refold replaces the targets of the entries that match nonASCII, as from
// made them, by those to makes.
func refold(ctx context.Context, tx *sql.Tx, nonASCII string, from, to func(string) string) error {
	type entry struct{ id, emails, accounts string }
	rows, err := tx.QueryContext(ctx, `SELECT id, emails, account_ids FROM audit_entry WHERE `+nonASCII)
	if err != nil {
		return err
	}
	var entries []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.emails, &e.accounts); err != nil {
			rows.Close()
			return err
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := func(targets []string, fold func(string) string) map[string]bool {
		out := map[string]bool{}
		for _, t := range targets {
			t = strings.TrimSpace(t)
			if strings.Contains(t, "@") {
				t = fold(t)
			}
			if t != "" {
				out[t] = true
			}
		}
		return out
	}
	for _, e := range entries {
		var emails, accounts []string
		if err := json.Unmarshal([]byte(e.emails), &emails); err != nil {
			return fmt.Errorf("audit entry %s: emails: %w", e.id, err)
		}
		if err := json.Unmarshal([]byte(e.accounts), &accounts); err != nil {
			return fmt.Errorf("audit entry %s: account IDs: %w", e.id, err)
		}
		targets := append(emails, accounts...)
		was, now := keys(targets, from), keys(targets, to)
		for k := range was {
			if !now[k] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM audit_target WHERE target = $1 AND audit_id = $2`, k, e.id); err != nil {
					return err
				}
			}
		}
		for k := range now {
			if !was[k] {
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_target (target, audit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, k, e.id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

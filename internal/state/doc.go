// Package state is the bot's durable state: what must survive a restart and
// be shared by replicas. It holds
//
//   - the audit trail (who looked up, shared, reported on, nudged or released
//     whom, with what outcome), read by email or account ID, kept for
//     LASTACTIVE_AUDIT_RETENTION ([ParseRetention], [Store.SweepAudit]);
//   - the report history: per org scan, per product and site, seats, active,
//     idle, never used, new and exempt, whether the exemptions were read,
//     and whether its digest was posted
//     ([Store.SaveSnapshot], [Store.Snapshots], [Store.PostedSnapshots]);
//   - envelope dedupe across connections and replicas ([Store.FirstDelivery]);
//   - claims on named slots ("digest 2026-W49", "org scan") and the published
//     result of a finished scan ([Store.Claim], [Store.PutResult]);
//   - keep or release: nudge exemptions ([Store.PutExemption]), the nudges,
//     release requests, approvers' copies and releases ([Store.PutNudge],
//     [Store.PutRequest], [Store.Decide], [Store.ClaimRelease]), and what
//     each dry-run round decided ([Store.PutDryRun], [Store.LastDryRun]),
//     which App Home shows with the nudges and requests still pending
//     ([Store.Unanswered], [Store.PendingRequests]);
//   - the keys that sealed the bot's buttons, so that they outlive a
//     rotation of the bot token ([Store.RememberButtonKey], [Store.ButtonKeys]).
//
// [Open] takes LASTACTIVE_DATABASE_URL: sqlite:PATH (embedded, pure Go, one
// process), sqlite::memory: (tests, demo) or postgres://… (several
// replicas). Both backends run one schema from versioned migrations embedded
// in the binary and applied by [Store.Migrate] (goose; an advisory lock on
// PostgreSQL so replicas starting together take turns). One contract test
// suite runs against each backend.
//
// Times are stored as microseconds since the epoch and read back in UTC.
// The database password never appears in an error or in [Store.String].
// Every method takes a context; Open gives up after 10 s on its own.
package state

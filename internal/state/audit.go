package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// Kind is what an audit entry records.
type Kind string

// The kinds of audit entries: what a person did through the bot, and what
// the bot did on its own (digest, nudge round, reminder, escalation, release).
const (
	KindLookup     Kind = "lookup"
	KindShare      Kind = "share"
	KindRefresh    Kind = "refresh"
	KindShortcut   Kind = "shortcut"
	KindReport     Kind = "report"
	KindRefusal    Kind = "refusal"
	KindDigest     Kind = "digest"
	KindNudge      Kind = "nudge"
	KindAnswer     Kind = "answer"
	KindReminder   Kind = "reminder"
	KindEscalation Kind = "escalation"
	KindApproval   Kind = "approval"
	KindRelease    Kind = "release"
	KindUndo       Kind = "undo"
	KindSkip       Kind = "skip"
)

var kinds = map[Kind]bool{
	KindLookup: true, KindShare: true, KindRefresh: true, KindShortcut: true, KindReport: true,
	KindRefusal: true, KindDigest: true, KindNudge: true, KindAnswer: true, KindReminder: true,
	KindEscalation: true, KindApproval: true, KindRelease: true, KindUndo: true, KindSkip: true,
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return kinds[k] }

// Outcome says how the action ended. The constants cover the bot's cases;
// other short words are stored as given.
type Outcome string

const (
	OutcomeOK      Outcome = "ok"
	OutcomeFailed  Outcome = "failed"
	OutcomeRefused Outcome = "refused"
	OutcomeDryRun  Outcome = "dry-run"
)

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID         string    // set by the store when empty; NewAuditID(At) makes one ahead
	At         time.Time // UTC; zero means now
	Actor      string    // Slack user ID of who acted; empty for the bot's own actions
	Emails     []string  // whom: the emails given
	AccountIDs []string  // whom: Atlassian account IDs
	Kind       Kind
	Outcome    Outcome
	Detail     string // free text for a person; never a secret
	// People is each person's own outcome in an entry that looked people
	// up (lookup, refresh, shortcut, a refusal of one): a lookup of
	// two where one read got a 503 is "partial", and each person's trail
	// reads their own. Empty for other entries and every entry stored
	// before migration 15: the entry's Outcome is then everyone's.
	People []PersonResult
}

// PersonResult is how one person of an entry fared.
type PersonResult struct {
	Email     string  `json:"email,omitempty"`      // as the entry's Emails name them
	AccountID string  `json:"account_id,omitempty"` // when the account was found
	Outcome   Outcome `json:"outcome"`              // ok, not_found, ambiguous, failed, refused
	// Reason is a failure's class ("unavailable", "rate_limited",
	// "too_slow", …: the bot's PersonOutcome), empty otherwise.
	Reason string `json:"reason,omitempty"`
}

// PersonResult returns the outcome of the person target (an email, any
// ASCII case, or an account ID) names in e, and whether e has one for them.
func (e AuditEntry) PersonResult(target string) (PersonResult, bool) {
	key := targetKey(target)
	if key == "" {
		return PersonResult{}, false
	}
	for _, p := range e.People {
		if p.Email != "" && targetKey(p.Email) == key || p.AccountID != "" && p.AccountID == key {
			return p, true
		}
	}
	return PersonResult{}, false
}

// AuditQuery selects entries, newest first.
type AuditQuery struct {
	Target string    // an email (any case) or an account ID; empty means everyone
	Since  time.Time // zero means from the beginning
	Limit  int       // 0 means 100; at most MaxAuditLimit+1
	// Kind, when set, reads only entries of that kind; NotKind, when set,
	// leaves that kind out (the Slack view reads nudge skips apart, or
	// months of them would crowd out who looked the person up).
	Kind, NotKind Kind
	// Untargeted, with no Target, reads only entries that name nobody (the
	// org-wide reports): a person's trail counts them, and every lookup of
	// someone else would crowd them out of a read of all reports.
	Untargeted bool
}

// targetKey is how an email or an account ID is indexed: emails compare
// without ASCII case (LowerASCII: a look-alike rune is another person),
// account IDs as they are.
func targetKey(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		return LowerASCII(s)
	}
	return s
}

// newID makes a text ID that sorts by time (to the nanosecond) and does not
// collide across processes (random suffix). The audit trail is read and
// swept by it: idFloor(t) <= newID(t) < idFloor(t + 1ns).
func newID(t time.Time) string {
	return fmt.Sprintf("%016x%08x", idNanos(t), rand.Uint32())
}

// NewAuditID makes the ID of an entry made at at (AuditEntry.At, not zero),
// for a writer that may have to write the entry again.
func NewAuditID(at time.Time) string { return newID(at) }

// idFloor is the least ID of an entry made at t: IDs of earlier entries
// sort below it, of t and later at or above.
func idFloor(t time.Time) string {
	return fmt.Sprintf("%016x", idNanos(t))
}

// idNanos is t in nanoseconds since 1970, held to what an ID can order:
// before 1970 is 0 and after 2262 the largest, so that a bound far in the
// past (audit --since 30000d, a retention of 30000d) keeps every entry
// rather than wrapping round to delete them all.
func idNanos(t time.Time) uint64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return uint64(t.UnixNano())
}

// Append writes one entry to the audit trail.
func (s *Store) Append(ctx context.Context, e AuditEntry) error {
	return s.appendEntries(ctx, "append audit entry", []AuditEntry{e})
}

// MaxBatch is the most entries AppendBatch takes in one call.
const MaxBatch = 1000

// AppendBatch writes entries to the audit trail in one transaction: all of
// them or, on an error, none. An entry of an unknown kind refuses the whole
// batch with ErrInvalid before anything is written (check Kind.Valid first
// to keep the others), as does a batch of more than MaxBatch entries. It
// costs one commit and two statements per 100 entries, where Append costs
// one commit per entry. An entry whose ID (from NewAuditID) is stored
// already is not written again: a writer that gives its entries their IDs
// before the first try can write them again after an error whose commit may
// have been made all the same (the connection lost before the answer)
// without doubling any.
func (s *Store) AppendBatch(ctx context.Context, entries []AuditEntry) error {
	if len(entries) > MaxBatch {
		return fmt.Errorf("append audit entries: %d entries, at most %d at once: %w", len(entries), MaxBatch, ErrInvalid)
	}
	return s.appendEntries(ctx, "append audit entries", entries)
}

// cleanEntry drops NUL bytes and invalid UTF-8 from e's text: values from
// upstream (a broken or hostile answer) may hold them, PostgreSQL refuses
// them, and one refused entry would hold up every entry behind it.
func cleanEntry(e AuditEntry) AuditEntry {
	clean := cleanText
	list := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = clean(s)
		}
		return out
	}
	e.Actor, e.Detail, e.Outcome = clean(e.Actor), clean(e.Detail), Outcome(clean(string(e.Outcome)))
	e.Emails, e.AccountIDs = list(e.Emails), list(e.AccountIDs)
	if e.People != nil {
		people := make([]PersonResult, len(e.People))
		for i, p := range e.People {
			people[i] = PersonResult{Email: clean(p.Email), AccountID: clean(p.AccountID), Outcome: Outcome(clean(string(p.Outcome))), Reason: clean(p.Reason)}
		}
		e.People = people
	}
	return e
}

// cleanText is s without NUL bytes and invalid UTF-8, which PostgreSQL
// refuses in text columns.
func cleanText(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "") }

// Storable reports whether every one of ss can be stored as text, and so
// asked about: PostgreSQL refuses a NUL or invalid UTF-8 even as a query's
// argument, and no row can hold one (an account ID from a broken answer).
func Storable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.Contains(s, "\x00") {
			return false
		}
	}
	return true
}

// rowsPerInsert bounds the rows of one multi-row INSERT (9 parameters each:
// far below SQLite's and PostgreSQL's limits on parameters).
const rowsPerInsert = 100

func (s *Store) appendEntries(ctx context.Context, step string, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]any, 0, entryCols*len(entries))
	var targets []target
	now := s.now()
	for _, e := range entries {
		if !e.Kind.Valid() {
			return fmt.Errorf("%s: kind %q: %w", step, e.Kind, ErrInvalid)
		}
		e = cleanEntry(e)
		if e.At.IsZero() {
			e.At = now
		}
		emails, _ := json.Marshal(nonNil(e.Emails))
		accounts, _ := json.Marshal(nonNil(e.AccountIDs))
		people := []byte("[]")
		if len(e.People) > 0 {
			people, _ = json.Marshal(e.People)
		}
		id := e.ID
		if id == "" {
			id = newID(e.At)
		}
		rows = append(rows, id, micros(e.At), e.Actor, string(e.Kind), string(e.Outcome), e.Detail, string(emails), string(accounts), string(people))
		seen := map[string]bool{}
		for _, t := range append(append([]string{}, e.Emails...), e.AccountIDs...) {
			if k := targetKey(t); k != "" && !seen[k] {
				seen[k] = true
				targets = append(targets, target{k, id})
			}
		}
	}
	if s.backend == sqliteBackend {
		// SQLite compiles a statement of 64 rows for each batch anew, which
		// cost more than the rows; one prepared row statement, kept on the
		// single connection, runs as many times instead.
		return s.wrap(step, s.appendPrepared(ctx, rows, targets))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(step, err)
	}
	defer tx.Rollback()
	for i := 0; i < len(rows); i += entryCols * rowsPerInsert {
		chunk := rows[i:min(i+entryCols*rowsPerInsert, len(rows))]
		q := "INSERT INTO audit_entry (id, at_us, actor, kind, outcome, detail, emails, account_ids, people) VALUES " + placeholders(len(chunk)/entryCols, entryCols) +
			" ON CONFLICT DO NOTHING"
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return s.wrap(step, err)
		}
	}
	for i := 0; i < len(targets); i += rowsPerInsert {
		chunk := targets[i:min(i+rowsPerInsert, len(targets))]
		args := make([]any, 0, 2*len(chunk))
		for _, t := range chunk {
			args = append(args, t.key, t.id)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_target (target, audit_id) VALUES "+placeholders(len(chunk), 2)+" ON CONFLICT DO NOTHING", args...); err != nil {
			return s.wrap(step, err)
		}
	}
	return s.wrap(step, tx.Commit())
}

// entryCols is how many values one audit_entry row takes.
const entryCols = 9

// target is one row of audit_target: who an entry is about.
type target struct{ key, id string }

// Statements of appendPrepared, prepared once per Store (SQLite only).
const (
	insertEntry  = "INSERT INTO audit_entry (id, at_us, actor, kind, outcome, detail, emails, account_ids, people) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
	insertTarget = "INSERT INTO audit_target (target, audit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
)

// appendPrepared writes rows (entryCols values an entry) and targets in one
// transaction with the Store's prepared row statements.
func (s *Store) appendPrepared(ctx context.Context, rows []any, targets []target) error {
	// Prepared before the transaction: SQLite has one connection, which
	// the transaction then holds.
	entry, tgt, err := s.auditStatements(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ie, it := tx.StmtContext(ctx, entry), tx.StmtContext(ctx, tgt)
	defer ie.Close()
	defer it.Close()
	// The driver starts a goroutine to interrupt every statement whose
	// context can end: one per row here (768 for a batch of 256). The rows
	// run without one; the transaction still watches ctx, and a batch whose
	// ctx ends is rolled back between rows (database/sql ends the Tx).
	rowCtx := context.WithoutCancel(ctx)
	for i := 0; i < len(rows); i += entryCols {
		if _, err := ie.ExecContext(rowCtx, rows[i:i+entryCols]...); err != nil {
			return err
		}
	}
	for _, t := range targets {
		if _, err := it.ExecContext(rowCtx, t.key, t.id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// auditStatements prepares the row statements on first use; a failure is
// not kept, so a database that comes back is prepared again.
func (s *Store) auditStatements(ctx context.Context) (entry, tgt *sql.Stmt, err error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.insEntry == nil {
		if s.insEntry, err = s.db.PrepareContext(ctx, insertEntry); err != nil {
			s.insEntry = nil
			return nil, nil, err
		}
	}
	if s.insTarget == nil {
		if s.insTarget, err = s.db.PrepareContext(ctx, insertTarget); err != nil {
			s.insTarget = nil
			return nil, nil, err
		}
	}
	return s.insEntry, s.insTarget, nil
}

// placeholders writes "($1, $2), ($3, $4)" for rows of cols parameters.
func placeholders(rows, cols int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// MaxAuditLimit is the most entries a reader shows of one query. Audit
// returns one more when asked, so that the reader can tell whether it
// stopped short of the trail and say so.
const MaxAuditLimit = 10000

// Audit reads the trail, newest first.
func (s *Store) Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxAuditLimit+1)
	query, args := auditSQL(q, limit)
	return s.readAudit(ctx, query, args)
}

// readAudit runs query, which selects audit_entry's columns, and decodes
// its rows.
func (s *Store) readAudit(ctx context.Context, query string, args []any) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap("read audit trail", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var kind, outcome, emails, accounts, people string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &kind, &outcome, &e.Detail, &emails, &accounts, &people); err != nil {
			return nil, s.wrap("read audit trail", err)
		}
		e.At, e.Kind, e.Outcome = fromMicros(at), Kind(kind), Outcome(outcome)
		if err := json.Unmarshal([]byte(emails), &e.Emails); err != nil {
			return nil, fmt.Errorf("read audit trail: entry %s emails: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(accounts), &e.AccountIDs); err != nil {
			return nil, fmt.Errorf("read audit trail: entry %s account IDs: %w", e.ID, err)
		}
		if people != "" && people != "[]" {
			if err := json.Unmarshal([]byte(people), &e.People); err != nil {
				return nil, fmt.Errorf("read audit trail: entry %s people: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, s.wrap("read audit trail", rows.Err())
}

// maxAliases bounds how many account IDs AuditPerson reads for one email.
const maxAliases = 8

// aliasRead is how many of one person's newest entries, at any time,
// AuditPerson reads to find their account IDs when the window it was asked
// for may not hold them.
const aliasRead = 200

// DetailChosen marks, in an entry's detail, an account the asker chose
// among several that matched an email: the pair is their pick, not the
// directory's, and AuditPerson does not take it.
const DetailChosen = "account chosen among several"

// AuditPerson is Audit for one person (q.Target): given an email, it also
// reads the entries that named them by account ID only (a digest names a
// person whose email Atlassian withholds so). Their account IDs are those
// that the person's own entries pair with the email alone (a nudge, a
// lookup of them alone): an entry naming several people does not say which
// ID is whose, and one the asker chose among several (DetailChosen) may be
// another person's. Given an account ID, it reads the other way: the
// entries that named only the account's email (a lookup that found no one,
// a refusal), for the time the email was the account's (emailsSQL).
func (s *Store) AuditPerson(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	out, err := s.Audit(ctx, q)
	key := targetKey(q.Target)
	if err != nil || key == "" {
		return out, err
	}
	byEmail := strings.Contains(key, "@")
	limit := min(q.Limit, MaxAuditLimit+1)
	if limit <= 0 {
		limit = 100
	}
	// The pairs come from the person's entries at any time, not only from
	// those in the window: looked up 200 days ago, named by account ID
	// only in last week's digest, they are in "--since 30d" too. Unless
	// out holds all their entries already, the newest aliasRead of them
	// are read for it, whatever the window and kind.
	pairs := out
	if !q.Since.IsZero() || q.Kind != "" || q.NotKind != "" || len(out) >= limit {
		all, err := s.Audit(ctx, AuditQuery{Target: q.Target, Limit: aliasRead})
		if err != nil {
			return nil, err
		}
		pairs = append(slices.Clip(out), all...)
	}
	// paired[i] is the newest entry pairing ids[i] (the other side of
	// the pair: an account ID, or an email given an account) with key.
	var ids, paired []string
	for _, e := range pairs {
		if len(e.Emails) != 1 || len(e.AccountIDs) != 1 || strings.Contains(e.Detail, DetailChosen) {
			continue
		}
		self, alias := targetKey(e.Emails[0]), e.AccountIDs[0]
		if !byEmail {
			self, alias = targetKey(e.AccountIDs[0]), targetKey(e.Emails[0])
		}
		if self != key || alias == "" {
			continue
		}
		if i := slices.Index(ids, alias); i >= 0 {
			paired[i] = max(paired[i], e.ID)
		} else if len(ids) < maxAliases {
			ids, paired = append(ids, alias), append(paired, e.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	// One read of the aliases' entries together, limit at most, that do
	// not name the target (those are in out) and are not older than what
	// out already cuts: 9 reads of limit each held 9 times the entries.
	var query string
	var args []any
	if byEmail {
		query, args = accountsSQL(q, key, ids, paired, limit)
	} else if query, args, err = s.emailsSQL(ctx, q, key, ids, paired, limit); err != nil {
		return nil, err
	}
	if len(out) >= limit {
		args[0] = max(args[0].(string), out[limit-1].ID)
	}
	more, err := s.readAudit(ctx, query, args)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	slices.SortStableFunc(out, func(a, b AuditEntry) int { return strings.Compare(b.ID, a.ID) })
	return out[:min(len(out), limit)], nil
}

// accountsSQL is the statement AuditPerson runs for the entries naming
// one of ids and not the email key, as auditSQL's for one target. An
// account paired with another email alone after paired[i], its newest pair
// with key (the email went to someone else, or the person changed theirs),
// is key's only in its entries before that pair.
func accountsSQL(q AuditQuery, key string, ids, paired []string, limit int) (string, []any) {
	since := ""
	if !q.Since.IsZero() {
		since = idFloor(q.Since)
	}
	args := []any{since, key, limit, string(q.Kind), string(q.NotKind), "%" + DetailChosen + "%"}
	// The newest limit IDs of each account's, from its target's keys
	// (where one read by one target stops), then the newest limit of them
	// all (an entry naming two accounts once), then only those entries.
	// Each account's entries stop at its first pair with another email
	// after paired[i], found once per account (IDs are hex: 'g' is above
	// them all).
	branches := make([]string, len(ids))
	for i, id := range ids {
		one, _ := json.Marshal([]string{id})
		args = append(args, id, paired[i], string(one))
		n, p, o := "$"+strconv.Itoa(len(args)-2), "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
		branches[i] = `SELECT audit_id FROM (SELECT t.audit_id FROM audit_target t JOIN audit_entry k ON k.id = t.audit_id
		    WHERE t.target = ` + n + ` AND t.audit_id >= $1
		      AND t.audit_id < COALESCE((SELECT s.audit_id FROM audit_target s JOIN audit_entry r ON r.id = s.audit_id
		        WHERE s.target = ` + n + ` AND s.audit_id > ` + p + ` AND r.account_ids = ` + o + `
		          AND r.emails LIKE '["%"]' AND r.emails NOT LIKE '%","%' AND r.detail NOT LIKE $6
		          AND NOT EXISTS (SELECT 1 FROM audit_target x WHERE x.target = $2 AND x.audit_id = s.audit_id)
		        ORDER BY s.audit_id LIMIT 1), 'g')
		      AND (CAST($4 AS TEXT) = '' OR k.kind = $4) AND (CAST($5 AS TEXT) = '' OR k.kind <> $5)
		      AND NOT EXISTS (SELECT 1 FROM audit_target o WHERE o.target = $2 AND o.audit_id = t.audit_id)
		    ORDER BY t.audit_id DESC LIMIT $3) a` + strconv.Itoa(i)
	}
	return unionSQL(branches), args
}

// unionSQL is the statement reading the entries the branches (each a
// SELECT of audit_id, limited by $3) name, newest first, $3 at most.
func unionSQL(branches []string) string {
	return `SELECT e.id, e.at_us, e.actor, e.kind, e.outcome, e.detail, e.emails, e.account_ids, e.people
		 FROM audit_entry e WHERE e.id IN (
		   SELECT audit_id FROM (` + strings.Join(branches, " UNION ALL ") + `) u
		    GROUP BY audit_id ORDER BY audit_id DESC LIMIT $3)
		 ORDER BY e.id DESC`
}

// singlePair is the condition that entry r names one email and one
// account ID, not chosen among several ($4 is the DetailChosen pattern):
// a pair the directory made.
const singlePair = `r.emails LIKE '["%"]' AND r.emails NOT LIKE '%","%'
	AND r.account_ids LIKE '["%"]' AND r.account_ids NOT LIKE '%","%' AND r.detail NOT LIKE $4`

// emailBounds finds when email was account's, as AuditPerson reads the
// account's trail: from the account's first pair with the email after
// another account's newest pair with it before paired (the email was
// someone else's before: a new hire given a leaver's address), or from the
// start when none was; up to another account's first pair with it after
// paired, or to the end. An entry naming the email alone between two
// owners' pairs is the earlier owner's, the last the directory named: each
// of the email's entries is in one account's trail, never two.
func (s *Store) emailBounds(ctx context.Context, account, email, paired string) (from, to string, err error) {
	other := strings.ReplaceAll(singlePair, "r.", "u.")
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT s.audit_id FROM audit_target s JOIN audit_entry r ON r.id = s.audit_id
		   WHERE s.target = $1 AND s.audit_id > $3 AND `+singlePair+`
		     AND NOT EXISTS (SELECT 1 FROM audit_target x WHERE x.target = $2 AND x.audit_id = s.audit_id)
		   ORDER BY s.audit_id LIMIT 1), 'g'),
		COALESCE((SELECT s.audit_id FROM audit_target s JOIN audit_entry r ON r.id = s.audit_id
		   WHERE s.target = $1 AND s.audit_id <= $3 AND `+singlePair+`
		     AND EXISTS (SELECT 1 FROM audit_target x WHERE x.target = $2 AND x.audit_id = s.audit_id)
		     AND s.audit_id > (SELECT o.audit_id FROM audit_target o JOIN audit_entry u ON u.id = o.audit_id
		       WHERE o.target = $1 AND o.audit_id < $3 AND `+other+`
		         AND NOT EXISTS (SELECT 1 FROM audit_target y WHERE y.target = $2 AND y.audit_id = o.audit_id)
		       ORDER BY o.audit_id DESC LIMIT 1)
		   ORDER BY s.audit_id LIMIT 1), '')`,
		email, account, paired, "%"+DetailChosen+"%").Scan(&to, &from)
	return from, to, err
}

// emailsSQL is the statement AuditPerson runs for the entries naming one
// of emails, and not the account key, in the time each email was the
// account's (emailBounds), as auditSQL's for one target.
func (s *Store) emailsSQL(ctx context.Context, q AuditQuery, key string, emails, paired []string, limit int) (string, []any, error) {
	since := ""
	if !q.Since.IsZero() {
		since = idFloor(q.Since)
	}
	args := []any{since, key, limit, string(q.Kind), string(q.NotKind)}
	branches := make([]string, len(emails))
	for i, email := range emails {
		from, to, err := s.emailBounds(ctx, key, email, paired[i])
		if err != nil {
			return "", nil, s.wrap("read audit trail", err)
		}
		args = append(args, email, from, to)
		n, f, u := "$"+strconv.Itoa(len(args)-2), "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
		branches[i] = `SELECT audit_id FROM (SELECT t.audit_id FROM audit_target t JOIN audit_entry k ON k.id = t.audit_id
		    WHERE t.target = ` + n + ` AND t.audit_id >= $1 AND t.audit_id >= ` + f + ` AND t.audit_id < ` + u + `
		      AND (CAST($4 AS TEXT) = '' OR k.kind = $4) AND (CAST($5 AS TEXT) = '' OR k.kind <> $5)
		      AND NOT EXISTS (SELECT 1 FROM audit_target o WHERE o.target = $2 AND o.audit_id = t.audit_id)
		    ORDER BY t.audit_id DESC LIMIT $3) a` + strconv.Itoa(i)
	}
	return unionSQL(branches), args, nil
}

// auditSQL is the statement Audit runs for q, and its arguments.
func auditSQL(q AuditQuery, limit int) (string, []any) {
	since := ""
	if !q.Since.IsZero() {
		since = idFloor(q.Since)
	}
	args := []any{since, targetKey(q.Target), limit, string(q.Kind), string(q.NotKind)}
	// By ID, which sorts by time: SQLite's audit tables have no time index.
	if q.Target == "" {
		untargeted := ""
		if q.Untargeted {
			untargeted = "1"
		}
		return `SELECT id, at_us, actor, kind, outcome, detail, emails, account_ids, people FROM audit_entry
		 WHERE id >= $1 AND CAST($2 AS TEXT) = ''
		   AND (CAST($4 AS TEXT) = '' OR kind = $4) AND (CAST($5 AS TEXT) = '' OR kind <> $5)
		   AND (CAST($6 AS TEXT) = '' OR (emails IN ('[]', 'null') AND account_ids IN ('[]', 'null')))
		 ORDER BY id DESC LIMIT $3`, append(args, untargeted)
	}
	// One person's entries from their targets, newest first (the key is
	// target then ID), each entry by its key: the cost is theirs, not the
	// whole trail's since q.Since.
	return `SELECT e.id, e.at_us, e.actor, e.kind, e.outcome, e.detail, e.emails, e.account_ids, e.people
		 FROM audit_target t JOIN audit_entry e ON e.id = t.audit_id
		 WHERE t.target = $2 AND t.audit_id >= $1
		   AND (CAST($4 AS TEXT) = '' OR e.kind = $4) AND (CAST($5 AS TEXT) = '' OR e.kind <> $5)
		 ORDER BY t.audit_id DESC LIMIT $3`, args
}

// CountAudit returns how many entries the trail holds (the soak checks
// that no audit event was lost).
func (s *Store) CountAudit(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entry`).Scan(&n)
	return n, s.wrap("count audit trail", err)
}

// SweepAudit deletes the entries older than olderThan (with their targets)
// and returns how many it deleted. The bot calls it daily with
// now minus LASTACTIVE_AUDIT_RETENTION. It deletes sweepBatch entries at a
// time, each batch its own transaction: a first sweep after the retention
// was lowered may find a year of entries, and one DELETE of them all outlasts
// a statement_timeout (and holds its locks) every day, deleting nothing.
func (s *Store) SweepAudit(ctx context.Context, olderThan time.Time) (int64, error) {
	floor := idFloor(olderThan)
	var total int64
	batch := sweepBatch
	for from := ""; ; {
		// The batch ends below the ID batch entries up, or at floor.
		// Each batch starts where the last ended: the index entries of
		// the rows deleted before it are not walked again.
		bound := floor
		err := s.db.QueryRowContext(ctx, `SELECT id FROM audit_entry WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3`,
			from, floor, batch).Scan(&bound)
		if statementTimedOut(err) && batch > sweepBatchMin && ctx.Err() == nil {
			// Finding the batch's end outlasted the timeout too (a busy
			// server walking the index over rows deleted but not yet
			// vacuumed): again with half as many, as for the delete.
			batch /= 2
			continue
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return total, s.wrap("sweep audit trail", err)
		}
		n, err := s.sweepBetween(ctx, from, bound)
		if statementTimedOut(err) && batch > sweepBatchMin && ctx.Err() == nil {
			// A statement_timeout shorter than a batch takes here (a busy
			// server, a slow disk): the batch was rolled back; try again
			// from the same entry with half as many.
			batch /= 2
			continue
		}
		total += n
		if err != nil || bound == floor {
			return total, err
		}
		from = bound
	}
}

// sweepBatch is how many entries one transaction of SweepAudit deletes,
// halved down to sweepBatchMin each time a batch outlasts the role's
// statement_timeout.
const (
	sweepBatch    = 2000
	sweepBatchMin = 50
)

// statementTimedOut reports whether PostgreSQL cancelled the statement for
// its statement_timeout (57014, query_canceled; the context's own end is
// not this).
func statementTimedOut(err error) bool {
	var pe *pgconn.PgError
	return err != nil && errors.As(err, &pe) && pe.Code == "57014" && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// sweepBetween deletes the entries whose IDs sort from from up to below
// bound, with their targets, in one transaction.
func (s *Store) sweepBetween(ctx context.Context, from, bound string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap("sweep audit trail", err)
	}
	defer tx.Rollback()
	// Targets first and explicitly: SQLite's have no foreign key. By ID,
	// which sorts by time: on SQLite the targets are scanned (daily), the
	// price of an index fewer on every lookup.
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_target WHERE audit_id >= $1 AND audit_id < $2`, from, bound); err != nil {
		return 0, s.wrap("sweep audit trail", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_entry WHERE id >= $1 AND id < $2`, from, bound)
	if err != nil {
		return 0, s.wrap("sweep audit trail", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap("sweep audit trail", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap("sweep audit trail", err)
	}
	return n, nil
}

// DefaultAuditRetention is LASTACTIVE_AUDIT_RETENTION's default, 400 days.
const DefaultAuditRetention = 400 * 24 * time.Hour

// maxRetentionDays is the most whole days a time.Duration holds (about 292
// years): the longest span in hours (2562047h) is taken, so is it in days.
const maxRetentionDays = int(math.MaxInt64 / int64(24*time.Hour))

// ParseRetention reads LASTACTIVE_AUDIT_RETENTION: a number of days, with or
// without a "d" suffix ("400d", "400"), or a Go duration ("720h"). It must be positive; the
// error quotes the value, which is not a secret.
func ParseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	// A bare number is days too: the contract names the value "a number of
	// days", and Go's durations have no unitless form to confuse it with.
	days, ok := strings.CutSuffix(v, "d")
	if !ok && v != "" && strings.Trim(v, "0123456789") == "" {
		days, ok = v, true
	}
	if ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > maxRetentionDays || days != strconv.Itoa(n) {
			return 0, fmt.Errorf("audit retention %q: want a whole number of days from 1 to %d, like 400d, or a Go duration: %w", v, maxRetentionDays, ErrInvalid)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("audit retention %q: want a number of days like 400d or a positive Go duration like 720h: %w", v, ErrInvalid)
	}
	return d, nil
}

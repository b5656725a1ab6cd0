package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"lastactive/bot"
	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/internal/state"
	"lastactive/internal/wire"
	"lastactive/seat"
)

// badDatabaseURL names the variable and the accepted forms, never the
// value: it holds the database password.
const badDatabaseURL = "LASTACTIVE_DATABASE_URL must be sqlite:PATH or postgres://USER:PASSWORD@HOST:5432/DB (a '/' or '@' in the password written %2F or %40)"

// sqliteURLParams refuses sqlite:PATH?… and sqlite:PATH#…, never showing the
// value (a parameter may hold a secret, as redact assumes).
const sqliteURLParams = "LASTACTIVE_DATABASE_URL: sqlite:PATH takes no URI parameters (the bot sets its own pragmas), and ? or # is not allowed in the path"

// validateState checks LASTACTIVE_DATABASE_URL's form and settings (the
// store checks the rest when it opens) and parses LASTACTIVE_AUDIT_RETENTION.
func (c *Config) validateState() []string {
	var p []string
	// A password: pasted as the other secrets are, so that what pasting
	// adds (an env file's CR, quotes) does not become part of a file name;
	// set but blank means no store.
	c.DatabaseURL = pasted(c.DatabaseURL)
	if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && strings.ContainsAny(path, "?#") {
		// The rest of a sqlite: URL is a file path, not a URI: other SQLite
		// front ends take sqlite:/data/la.db?_pragma=busy_timeout(5000), and
		// the generic "must be sqlite:PATH" answered one with what the
		// admin had just written. Say why (TestSQLiteURLWithParametersSaysWhy).
		p = append(p, sqliteURLParams)
	} else if !databaseURLForm(c.DatabaseURL) {
		p = append(p, badDatabaseURL)
	} else if err := state.CheckURL(c.DatabaseURL); err != nil {
		// Settings the store could never connect with (sslmode=bogus): a
		// serve that started would run without its store for good.
		p = append(p, "LASTACTIVE_DATABASE_URL cannot be used: "+strings.TrimPrefix(err.Error(), "open state store "))
	}
	d, err := state.DefaultAuditRetention, error(nil)
	if c.RetentionRaw != "" { // empty only in a Config built in code
		d, err = state.ParseRetention(c.RetentionRaw)
	}
	if err != nil {
		p = append(p, "LASTACTIVE_AUDIT_RETENTION must be a number of days such as 400d, or a Go duration such as 720h")
	}
	c.AuditRetention = d
	return p
}

func databaseURLForm(raw string) bool {
	if raw == "" {
		return true // a Config built in code: no store
	}
	if path, ok := strings.CutPrefix(raw, "sqlite:"); ok {
		return strings.TrimSpace(path) != "" && !strings.HasPrefix(path, "//") && !strings.ContainsAny(path, "?#\x00")
	}
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		u, err := url.Parse(raw)
		// An '@' in the path is a password with an unescaped '/': the host
		// parsed is the user and a piece of the password. No host before
		// the path is the Unix socket form, the host a host= parameter
		// (postgres://USER@/DB?host=/run/postgresql), or a connection
		// service file's (postgres:///?service=NAME).
		return err == nil && (u.Host != "" || u.Query().Get("host") != "" || u.Query().Get("service") != "") && !strings.Contains(u.Path, "@")
	}
	return false
}

// openState opens, migrates and watches the store. A database that cannot
// be opened does not stop the bot: lookups do not need it. The error is
// logged once, lastactive_store_ok is 0, and the store is tried again
// every 30 s. With inRun (serve) the first open happens in the store's Run,
// beside the bot, not before it. nil when no database is configured.
func openState(ctx context.Context, c Config, log *slog.Logger, m *wire.StoreMetrics, inRun bool) *wire.Durable {
	if c.DatabaseURL == "" {
		return nil
	}
	return wire.OpenDurable(ctx, c.DatabaseURL, wire.DurableOptions{Logger: log, Metrics: m, Retention: c.AuditRetention, OpenInRun: inRun})
}

// migrate creates or upgrades the schema and exits.
func (a *app) migrate(ctx context.Context, args []string) int {
	if a.strayArguments("migrate", args) {
		return exitUsage
	}
	c, ok := a.config(0)
	if !ok {
		return exitConfig
	}
	if c.DatabaseURL == "" {
		fmt.Fprintf(a.stderr, "%s migrate: LASTACTIVE_DATABASE_URL is empty\n", programName)
		return exitConfig
	}
	s, err := state.Open(ctx, c.DatabaseURL)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s migrate: %v\n", programName, err)
		return exitFailed
	}
	defer s.Close()
	mctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	from, to, err := s.Upgrade(mctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s migrate: %v\n", programName, err)
		return exitFailed
	}
	switch known := state.KnownVersion(); {
	case to > known:
		fmt.Fprintf(a.stderr, "%s migrate: the schema (version %d) is newer than this lastactive knows (version %d), left as is: %s; run the lastactive that migrated it, or a newer one\n",
			programName, to, known, s)
		return exitFailed
	case from == to:
		fmt.Fprintf(a.stdout, "schema is current (version %d): %s\n", to, s)
	case from == 0:
		fmt.Fprintf(a.stdout, "schema created (version %d): %s\n", to, s)
	default:
		fmt.Fprintf(a.stdout, "schema upgraded from version %d to %d: %s\n", from, to, s)
	}
	return exitOK
}

// maxSinceDays is the most days --since takes: the longest Go duration
// (2562047h) is 106,751 days and some hours. LASTACTIVE_AUDIT_RETENTION's
// days stop at 100,000, which --since followed while taking any Go
// duration: 2562047h was a span, the same in days was not.
const maxSinceDays = int64(math.MaxInt64 / int64(24*time.Hour))

var errSinceTooLong = errors.New("longer than the longest duration")

// parseSince reads audit --since: a whole number of days, with or without
// "d", from 1 to maxSinceDays, or a positive Go duration.
func parseSince(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	days, ok := strings.CutSuffix(v, "d")
	if !ok {
		days = v
	}
	if days == "" || strings.Trim(days, "0123456789") != "" {
		return state.ParseRetention(v) // a Go duration, or nothing it takes
	}
	n, err := strconv.ParseInt(days, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) || err == nil && n > maxSinceDays:
		return 0, errSinceTooLong
	case err != nil || n <= 0 || days != strconv.FormatInt(n, 10):
		return 0, fmt.Errorf("--since %q: want a whole number of days from 1 to %d", v, maxSinceDays)
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// audit prints the stored audit trail, newest first.
func (a *app) audit(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	quietFlags(fs)
	since := fs.String("since", "", "only entries newer than this: days (90d) or a Go duration (12h)")
	asJSON := fs.Bool("json", false, "print JSON lines")
	usage := func() {
		fmt.Fprintln(a.stderr, "usage: lastactive audit [--since DURATION] [--json] [EMAIL | ACCOUNT_ID]")
	}
	var rest []string
	for {
		if err := flagerr.Hide(fs.Parse(args)); err != nil {
			fmt.Fprintf(a.stderr, "%s audit: %v\n", programName, err)
			usage()
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	if len(rest) > 1 {
		fmt.Fprintf(a.stderr, "%s audit: name at most one person\n", programName)
		usage()
		return exitUsage
	}
	var q state.AuditQuery
	// One more than is shown tells whether older entries were left out.
	q.Limit = state.MaxAuditLimit + 1
	if len(rest) == 1 {
		e, ok := bot.ParseEmail(rest[0])
		switch {
		case ok:
			q.Target = e
		case isAccountID(rest[0]):
			// Whom an entry names by account ID only (a digest's person
			// whose email Atlassian withholds).
			q.Target = rest[0]
		case bot.DirectoryAddress(rest[0]):
			// An address the lookup grammar's strict form refuses (jörg@,
			// o&connor@) that Atlassian gave a person the nudge round, the
			// digest or the org scan recorded: refused here, their trail
			// could not be read by their email at all. Folded as the trail
			// files it (LowerASCII).
			q.Target = state.LowerASCII(strings.TrimSpace(rest[0]))
		default:
			fmt.Fprintf(a.stderr, "%s audit: %s is not an email address or an Atlassian account ID\n", programName, quoteArg(rest[0]))
			return exitUsage
		}
	}
	if *since != "" {
		d, err := parseSince(*since)
		switch {
		case errors.Is(err, errSinceTooLong):
			fmt.Fprintf(a.stderr, "%s audit: --since must be at most %d days (2562047h, the longest span it names)\n", programName, maxSinceDays)
			return exitUsage
		case err != nil:
			fmt.Fprintf(a.stderr, "%s audit: --since must be days (90d) or a Go duration (12h)\n", programName)
			return exitUsage
		}
		q.Since = time.Now().Add(-d)
	}
	c, ok := a.config(0)
	if !ok {
		return exitConfig
	}
	if c.DatabaseURL == "" {
		fmt.Fprintf(a.stderr, "%s audit: LASTACTIVE_DATABASE_URL is empty: no audit trail is kept\n", programName)
		return exitConfig
	}
	if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(a.stderr, "%s audit: the audit trail is unavailable: no database at %s (nothing recorded yet, or LASTACTIVE_DATABASE_URL points elsewhere)\n", programName, path)
			return exitFailed
		}
	}
	s, err := state.Open(ctx, c.DatabaseURL)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s audit: the audit trail is unavailable: %v\n", programName, err)
		return exitFailed
	}
	defer s.Close()
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	entries, err := s.AuditPerson(qctx, q)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s audit: the audit trail is unavailable: %v\n", programName, err)
		return exitFailed
	}
	more := len(entries) > state.MaxAuditLimit
	entries = entries[:min(len(entries), state.MaxAuditLimit)]
	// Org-wide reports name nobody, yet list this person too: their
	// trail counts them, as the slash command's audit EMAIL does. JSON
	// lines stay the entries that name them, one each, as a script
	// filtering by person expects; the count is for the reader.
	var orgWide []state.AuditEntry
	if q.Target != "" && !*asJSON {
		orgWide, err = wire.OrgWideReports(qctx, s, q.Since, bot.AuditTrailRead)
		if err != nil {
			fmt.Fprintf(a.stderr, "%s audit: the audit trail is unavailable: %v\n", programName, err)
			return exitFailed
		}
		if more && len(entries) > 0 { // none older than what is shown
			oldest := entries[len(entries)-1].ID
			orgWide = slices.DeleteFunc(orgWide, func(e state.AuditEntry) bool { return e.ID < oldest })
		}
	}
	if q.Target != "" {
		// Reading someone's trail is itself on their record, as the slash
		// command's audit EMAIL is: a report on them. Written before the
		// output, as a lookup's is, so a closed pipe does not skip it.
		whom := state.AuditEntry{Kind: state.KindReport, Emails: []string{q.Target}, Outcome: state.OutcomeOK, Detail: "audit trail"}
		if !strings.Contains(q.Target, "@") {
			whom.Emails, whom.AccountIDs = nil, []string{q.Target}
		}
		a.auditCLI(ctx, c, whom)
	}
	if *asJSON {
		err = writeAuditJSON(a.stdout, entries)
	} else {
		err = writeAuditTable(a.stdout, entries, q.Target)
		if err == nil && len(orgWide) > 0 {
			err = writeOrgWide(a.stdout, orgWide, q.Since)
		}
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: write output: %v\n", programName, err)
		return exitFailed
	}
	if more {
		hint := "one person's EMAIL narrows it to their entries; the rest stay in the database"
		if q.Target != "" {
			hint = "they stay in the database"
		}
		fmt.Fprintf(a.stderr, "%s audit: showing the newest %s entries; older ones were left out (%s)\n",
			programName, seat.Thousands(state.MaxAuditLimit), hint)
	}
	return exitOK
}

type auditJSON struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Kind       string    `json:"kind"`
	Outcome    string    `json:"outcome"`
	Emails     []string  `json:"emails"`
	AccountIDs []string  `json:"account_ids"`
	Detail     string    `json:"detail,omitempty"`
	// Outcomes is each person's own outcome, one for each of Emails in
	// its order, as the table prints it ("ok", "failed:unavailable"; the
	// entry's Outcome is the command's): absent for entries that keep
	// none, those stored before migration 15 among them. Not the people's
	// records themselves: they repeat the emails and account IDs, and a
	// script counting a person's entries by their quoted address counted
	// each twice.
	Outcomes []string `json:"outcomes,omitempty"`
}

func writeAuditJSON(w io.Writer, entries []state.AuditEntry) error {
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	for _, e := range entries {
		j := auditJSON{At: e.At.UTC(), Actor: e.Actor, Kind: string(e.Kind), Outcome: string(e.Outcome),
			Emails: e.Emails, AccountIDs: e.AccountIDs, Detail: e.Detail}
		if len(e.People) > 0 {
			for _, email := range e.Emails {
				o := string(e.Outcome) // a person the entry keeps no record of
				if p, ok := e.PersonResult(email); ok {
					o = personOutcome(p)
				}
				j.Outcomes = append(j.Outcomes, o)
			}
		}
		if j.Emails == nil {
			j.Emails = []string{}
		}
		if j.AccountIDs == nil {
			j.AccountIDs = []string{}
		}
		line.Reset()
		if err := enc.Encode(j); err != nil {
			return err
		}
		if _, err := w.Write(escapeControls(line.Bytes())); err != nil {
			return err
		}
	}
	return nil
}

// escapeControls writes, in an encoded JSON line, the runes a terminal may
// act on that encoding/json leaves raw (C1 controls, U+009B among them,
// a one-byte CSI; Unicode format characters, bidi overrides among them)
// as \u escapes: upstream text in the trail (a Slack name, an Atlassian
// answer's detail) must not recolour or reorder what the auditor reads,
// and a script decodes the same values. Such runes can only be inside
// the line's strings.
func escapeControls(b []byte) []byte {
	if !bytes.ContainsFunc(b, isTerminalControl) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if isTerminalControl(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// isTerminalControl reports whether r is a C1 control or a format
// character (encoding/json escapes C0 controls itself).
func isTerminalControl(r rune) bool {
	return r >= 0x7f && r < 0xa0 || r >= 0x80 && unicode.Is(unicode.Cf, r)
}

// writeAuditTable prints entries as a table. With target (one person's
// trail), OUTCOME is that person's own outcome in an entry that keeps each
// person's ("ok" for Ada in a lookup of two that was "partial" for Grace's
// 503); without, WHOM says each person's where it is not the entry's.
func writeAuditTable(w io.Writer, entries []state.AuditEntry, target string) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "No audit entries.")
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN (UTC)\tWHO\tWHAT\tOUTCOME\tWHOM\tDETAIL")
	aliases := accountEmails(entries, target)
	for _, e := range entries {
		who := e.Actor
		if who == "" {
			who = "(bot)"
		}
		outcome := string(e.Outcome)
		if p, ok := e.PersonResult(target); ok && target != "" {
			outcome = personOutcome(p)
		} else if !slices.Contains(e.AccountIDs, target) {
			// An entry naming the account's email only (AuditPerson
			// reads them for an account): the person's record is kept
			// under the email.
			for _, a := range aliases {
				if p, ok := e.PersonResult(a); ok {
					outcome = personOutcome(p)
					break
				}
			}
		}
		whom := make([]string, 0, len(e.Emails)+len(e.AccountIDs))
		for _, email := range e.Emails {
			if p, ok := e.PersonResult(email); ok && target == "" && personOutcome(p) != string(e.Outcome) {
				email += " (" + personOutcome(p) + ")"
			}
			whom = append(whom, email)
		}
		whom = append(whom, e.AccountIDs...)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05"), oneLine(who), e.Kind,
			oneLine(outcome), oneLine(strings.Join(whom, " ")), oneLine(e.Detail))
	}
	return tw.Flush()
}

// accountEmails is the emails entries pair with target, an account ID,
// alone (one email, one account, not chosen among several), as
// state.AuditPerson pairs them: nil for an email or no target.
func accountEmails(entries []state.AuditEntry, target string) []string {
	if target == "" || strings.Contains(target, "@") {
		return nil
	}
	var out []string
	for _, e := range entries {
		if len(e.Emails) == 1 && len(e.AccountIDs) == 1 && e.AccountIDs[0] == target &&
			!strings.Contains(e.Detail, state.DetailChosen) && !slices.Contains(out, state.LowerASCII(e.Emails[0])) {
			out = append(out, state.LowerASCII(e.Emails[0]))
		}
	}
	return out
}

// personOutcome is one person's outcome as the table prints it: the code,
// and a failure's class after a colon ("failed:unavailable"), one word.
func personOutcome(p state.PersonResult) string {
	if p.Reason == "" {
		return string(p.Outcome)
	}
	return string(p.Outcome) + ":" + p.Reason
}

// writeOrgWide says, under one person's table, how many org-wide reports
// (newest first) listed them too, and who ran the latest, as the slash
// command's audit EMAIL does.
func writeOrgWide(w io.Writer, orgWide []state.AuditEntry, since time.Time) error {
	count := seat.Count(len(orgWide), "org-wide report", "org-wide reports")
	if len(orgWide) >= bot.AuditTrailRead {
		count = "At least " + count
	}
	when := " in this time"
	if since.IsZero() {
		when = ""
	}
	latest := orgWide[0]
	who := latest.Actor
	if who == "" {
		who = "(bot)"
	}
	_, err := fmt.Fprintf(w, "%s (idle reports and Full lists, which list everyone with a seat in the products they cover) ran%s, the latest by %s at %s UTC: lastactive audit without an email lists each.\n",
		count, when, oneLine(who), latest.At.UTC().Format("2006-01-02 15:04:05"))
	return err
}

// isAccountID reports whether s can be an Atlassian account ID
// ("712020:…", "557058:…", or 24 hex digits of older accounts).
func isAccountID(s string) bool {
	hex := len(s) == 24 && strings.Trim(s, "0123456789abcdef") == ""
	if len(s) > 128 || !hex && !strings.Contains(strings.Trim(s, ":"), ":") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// oneLine keeps a stored value from breaking the table (or the terminal):
// C0 and C1 controls alike, as clean does for upstream text.
func oneLine(s string) string { return clean(s) }

// cliActor is whom the command line's audit entries name: "cli:" and the
// OS user (the USER variable, "cli:unknown" without one).
func cliActor() string {
	user := strings.TrimSpace(os.Getenv("USER"))
	if user == "" {
		user = "unknown"
	}
	return bot.CLIActorPrefix + clip(user, 64)
}

// defaultDatabaseMissing: LASTACTIVE_DATABASE_URL is unset and its default,
// sqlite:lastactive.db, relative to wherever the command runs, is no file
// there. A command-line run adds to a bot's database there, never makes one.
func defaultDatabaseMissing(c Config) bool {
	if _, set := os.LookupEnv("LASTACTIVE_DATABASE_URL"); set {
		return false
	}
	path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:")
	if !ok {
		return false
	}
	_, err := os.Stat(path)
	return err != nil
}

// auditCLI writes what a command-line run did to the audit trail, as the
// bot writes what Slack users do, so that an auditor asking who looked up
// whom sees the terminal too. The actor is "cli:" and the OS user (the
// USER variable, "cli:unknown" without one). A database that cannot be
// written is said on stderr; the command's own result stands.
func (a *app) auditCLI(ctx context.Context, c Config, e state.AuditEntry) {
	if c.DatabaseURL == "" {
		return
	}
	if defaultDatabaseMissing(c) {
		return
	}
	e.Actor = cliActor()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	s, err := state.Open(ctx, c.DatabaseURL)
	if err == nil {
		defer s.Close()
		if err = s.Migrate(ctx); err == nil {
			err = s.AppendBatch(ctx, []state.AuditEntry{e})
		}
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: warning: not written to the audit trail: %v\n", programName, err)
	}
}

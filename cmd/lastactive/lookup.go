package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/time/rate"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/cmd/lastactive/internal/reportcmd"
	"lastactive/cmd/lastactive/internal/term"
	"lastactive/internal/state"
	"lastactive/internal/wire"
	"lastactive/seat"
)

func (a *app) lookup(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("lookup", flag.ContinueOnError)
	quietFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	_ = fs.Bool("fresh", false, "bypass the cache (each run starts with an empty cache, so this changes nothing here)")
	rest, err := parseInterspersed(fs, args)
	var emails, skipped []string
	if err == nil {
		emails, skipped, err = parseEmails(rest)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s lookup: %v\n", programName, err)
		fmt.Fprintln(a.stderr, "usage: lastactive lookup [--json] [--fresh] EMAIL...")
		return exitUsage
	}
	for _, line := range skipped {
		fmt.Fprintf(a.stderr, "%s lookup: skipped %s: no email address in it\n", programName, line)
	}
	// Jira is optional: without it people are found by the Admin API.
	c, ok := a.config(needAdmin)
	if !ok {
		return exitConfig
	}
	// On a terminal, a progress line (paced, many addresses take long),
	// with logs and each address's failure passing above it.
	status := a.statusLine()
	errw := a.stderr
	la := *a
	if status != nil {
		errw, la.stderr = status, status
	}
	log := la.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	dir, err := newDirectory(c, log, nil, hc)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitConfig
	}
	book := wire.Sites(dir, log)
	sitesDone := make(chan atlassian.Sites, 1)
	go func() { sitesDone <- book.Sites(ctx) }() // next to the lookups; waited for below
	// Paced as the bot paces its bulk Admin API work (the org scan): the
	// organisation's limit is shared with every other tool.
	pace := rate.NewLimiter(atlassian.DefaultAdminRate, atlassian.DefaultAdminBurst)
	progress := func(done int) {
		if status != nil {
			status.Set(fmt.Sprintf("%s lookup: %d of %d looked up…", programName, done, len(emails)))
		}
	}
	progress(0)
	people, notLookedUp, stopped := lookupAll(ctx, newCLILookups(dir, c.CacheTTL, pace), emails, func(done int, p bot.Person) {
		if p.Err != nil {
			// The table says what the asker would read in Slack; the
			// operator also needs the cause, as report prints it, when
			// it happens.
			fmt.Fprintf(errw, "%s lookup: %s: %s\n", programName, clean(p.Query), clean(cause(p.Err)))
		}
		progress(done)
	})
	if status != nil {
		status.Set("") // gone before the table
	}
	sites := <-sitesDone
	// The audit entry first: the lookups were made whether or not anyone
	// reads their output, and a closed pipe (`| head -1`) ends the process
	// at the first write no one reads.
	code := exitOK
	// Nobody looked up those after a stop: the trail names those that were.
	entry := state.AuditEntry{Kind: state.KindLookup, Emails: emails[:len(people)], People: bot.AuditPeople(people)}
	failed := 0
	for _, p := range people {
		if p.Account.AccountID != "" {
			entry.AccountIDs = append(entry.AccountIDs, p.Account.AccountID)
		}
		if p.Err != nil {
			code = exitFailed
			failed++
		}
	}
	if len(notLookedUp) > 0 {
		// Said once, after the first address's own line: the cause is
		// one every other address would meet.
		fmt.Fprintf(errw, "%s lookup: stopped: %s; not looked up (%d): %s\n", programName,
			clean(stopped), len(notLookedUp), clean(strings.Join(notLookedUp, ", ")))
		code = exitFailed
	}
	switch {
	case failed == 0:
		entry.Outcome = state.OutcomeOK
	case failed == len(people):
		entry.Outcome = state.OutcomeFailed
	default:
		entry.Outcome = state.Outcome(bot.OutcomePartial)
	}
	// A person who matched several accounts was answered with the list
	// (exit 1 all the same): not a failure, in the trail.
	o, note := bot.LookupAuditOutcome(people, bot.Outcome(entry.Outcome))
	entry.Outcome, entry.Detail = state.Outcome(o), note
	a.auditCLI(ctx, c, entry)
	now := time.Now()
	for _, e := range notLookedUp {
		people = append(people, bot.Person{Query: e, Err: errNotLookedUp})
	}
	if *asJSON {
		err = writeJSON(a.stdout, people, now, int(c.IdleDays), sites)
	} else {
		err = writeTable(a.stdout, people, now, int(c.IdleDays), sites)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: write output: %v\n", programName, err)
		return exitFailed
	}
	return code
}

// parseEmails reads command-line emails with the slash command's own
// parser, so the terminal accepts exactly what Slack would, pasted lists
// included (`"Lovelace, Ada" <ada@x.com>; grace@x.com`), without the ten
// people limit of one Slack message. skipped names the lines of a pasted
// table that held nobody (a header row), as the slash command's reply does.
func parseEmails(args []string) (out, skipped []string, err error) {
	if len(args) == 0 {
		return nil, nil, fmt.Errorf("name at least one email")
	}
	seen := map[string]bool{}
	for i, arg := range args {
		cmd, err := bot.ParseCommand(arg)
		var ue *bot.UsageError
		switch {
		case errors.As(err, &ue) && (flagerr.HasPassword(arg) || ue.Slash):
			// ue.Slash: the slash command's words for a mistyped
			// subcommand ("idel"), which means nothing here.
			// A connection string or URL with its password, pasted where
			// an email belongs: the slash command's words would quote the
			// password, and stderr often ends up in a CI or cron log.
			return nil, nil, fmt.Errorf("%s is not an email address", flagerr.Quote(arg))
		case errors.As(err, &ue):
			// The slash command's words, less its pointer to /lastactive
			// help: the usage line printed after this is the terminal's.
			return nil, nil, fmt.Errorf("%s", clip(strings.TrimSuffix(ue.Reason, "; try /lastactive help."), 200))
		case err != nil:
			return nil, nil, err
		case cmd.Kind != bot.CmdLookup || cmd.Fresh:
			return nil, nil, fmt.Errorf("%s is not an email address", quoteArg(arg))
		}
		for _, l := range cmd.Skipped {
			line := fmt.Sprintf("line %d %s", l.Line, l.Text)
			if len(args) > 1 {
				line = fmt.Sprintf("argument %d, %s", i+1, line)
			}
			skipped = append(skipped, clean(line))
		}
		for _, t := range append(cmd.Targets, cmd.NotLookedUp...) {
			if t.Email == "" {
				return nil, nil, fmt.Errorf("%s: a Slack mention needs Slack; give the email", quoteArg(arg))
			}
			if !seen[t.Email] {
				seen[t.Email] = true
				out = append(out, t.Email)
			}
		}
	}
	return out, skipped, nil
}

// quoteArg quotes a command-line argument for an error message, the way
// the slash command quotes typed text: a long word without an '@' is what
// a token or key pasted by mistake looks like, and is not repeated (stderr
// often ends up in a CI or cron log).
func quoteArg(arg string) string {
	words := strings.FieldsFunc(arg, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"'<>|,;`, r) })
	for _, w := range words {
		// A word with an '@' too, when a part of it is such a word
		// ("ada@example.com:ATATT…", Atlassian's basic auth pair).
		if bot.HasPastedSecret(w) {
			return "that argument"
		}
	}
	return fmt.Sprintf("%q", clip(arg, 80))
}

// lookupAll looks people up one after another: Jira's user search limit is
// shared by the whole tenant. It stops after a failure that every address
// would meet (stopsEveryLookup), or after outageRun addresses in a row
// failed the same upstream-wide way (outageOf), and returns the addresses
// it did not look up and why it stopped. each, when set, is told of every
// answer as it comes.
func lookupAll(ctx context.Context, l *bot.Lookups, emails []string, each func(done int, p bot.Person)) (people []bot.Person, notLookedUp []string, stopped string) {
	people = make([]bot.Person, 0, len(emails))
	var run outageRun
	for i, e := range emails {
		p := l.Lookup(ctx, e, true)
		people = append(people, p)
		if each != nil {
			each(i+1, p)
		}
		if i+1 == len(emails) {
			break
		}
		if why, stop := stopsEveryLookup(p.Err); stop {
			return people, emails[i+1:], why
		}
		if why, stop := run.add(p.Err); stop {
			return people, emails[i+1:], why
		}
	}
	return people, nil, ""
}

// outageAfter is how many addresses in a row must fail the same
// upstream-wide way (outageOf) for a run of lookups to stop: each failure
// already had its retries, and one or two in a row are what a passing
// hiccup looks like.
const outageAfter = 3

// outageRun counts the addresses in a row that failed the same
// upstream-wide way.
type outageRun struct {
	key string
	n   int
}

// add counts err (one address's answer) and says, in stopsEveryLookup's
// manner, whether the run of lookups should stop.
func (r *outageRun) add(err error) (string, bool) {
	key, words, ok := outageOf(err)
	if !ok {
		r.key, r.n = "", 0
		return "", false
	}
	if key != r.key {
		r.key, r.n = key, 0
	}
	r.n++
	if r.n < outageAfter {
		return "", false
	}
	return words, true
}

// outageOf says whether err is a failure of the upstream as a whole
// rather than of one person's answer: unavailable (5xx, a connection
// reset), rate limited, or an answer it could not read, after every
// retry. Once is not enough to tell (one person's answer can fail so);
// key is the same for failures of the same kind from the same API.
func outageOf(err error) (key, words string, ok bool) {
	var e *atlassian.Error
	if err == nil || errors.Is(err, context.Canceled) || !errors.As(err, &e) {
		return "", "", false
	}
	var kind atlassian.Kind
	for _, k := range []atlassian.Kind{atlassian.ErrUnavailable, atlassian.ErrRateLimited, atlassian.ErrBadResponse} {
		if errors.Is(err, k) {
			kind = k
		}
	}
	if kind == "" {
		return "", "", false
	}
	api := "the Admin API"
	if e.API == atlassian.Jira {
		api = "Jira"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed for %d addresses in a row: %s", api, outageAfter, kind)
	if e.Net != "" {
		fmt.Fprintf(&b, ": %s", e.Net)
	}
	b.WriteString(e.StatusText())
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", asked to wait %s", e.RetryAfter)
	}
	b.WriteString("; run it again later")
	return string(e.API) + " " + string(kind), b.String(), true
}

// newCLILookups is the bot's Lookups over dir, each Directory call taking
// a token of pace first (nil: no pacing).
func newCLILookups(dir bot.Directory, ttl time.Duration, pace *rate.Limiter) *bot.Lookups {
	if pace != nil {
		dir = pacedDirectory{dir, pace}
	}
	return bot.NewLookups(dir, bot.LookupOptions{TTL: ttl})
}

// pacedDirectory waits for a token of pace before each call: the bot's
// one-person lookups are few (its cache and per-user limit), the
// terminal's are as many as the addresses given.
type pacedDirectory struct {
	bot.Directory
	pace *rate.Limiter
}

func (d pacedDirectory) Resolve(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	if err := d.pace.Wait(ctx); err != nil {
		return atlassian.Account{}, "", fmt.Errorf("pacing Admin API requests: %w", err)
	}
	return d.Directory.Resolve(ctx, email)
}

func (d pacedDirectory) LastActive(ctx context.Context, accountID string) (*atlassian.Activity, error) {
	if err := d.pace.Wait(ctx); err != nil {
		return nil, fmt.Errorf("pacing Admin API requests: %w", err)
	}
	return d.Directory.LastActive(ctx, accountID)
}

func (d pacedDirectory) DirectoryUser(ctx context.Context, accountID string) (atlassian.DirectoryUser, error) {
	if err := d.pace.Wait(ctx); err != nil {
		return atlassian.DirectoryUser{}, fmt.Errorf("pacing Admin API requests: %w", err)
	}
	return d.Directory.DirectoryUser(ctx, accountID)
}

// errNotLookedUp is the answer of an address after a stop.
var errNotLookedUp = errors.New("not looked up")

// stopsEveryLookup says whether err is a failure that every further
// address would meet, and words it for the operator: the host cannot be
// reached (refused, no such name, TLS, no answer in time), or a
// credential or the organisation ID was refused. A person not found, an
// ambiguity, a rate limit or a 5xx on one person's answer is not.
func stopsEveryLookup(err error) (string, bool) {
	var e *atlassian.Error
	if err == nil || !errors.As(err, &e) {
		return "", false
	}
	api, key := "the Admin API", "ATLASSIAN_API_KEY"
	if e.API == atlassian.Jira {
		api, key = "Jira", "JIRA_API_TOKEN"
	}
	switch {
	case e.Net == atlassian.NetRefused || e.Net == atlassian.NetDNS || e.Net == atlassian.NetTLS ||
		e.Net == atlassian.NetTimeout || e.Net == atlassian.NetNoAnswer:
		where := ""
		if e.Host != "" {
			where = " at " + e.Host
		}
		return fmt.Sprintf("%s%s cannot be reached: %s", api, where, reportcmd.NetText(e)), true
	case errors.Is(err, atlassian.ErrNotOrgAdmin):
		return fmt.Sprintf("the owner of %s is not an admin of organisation ATLASSIAN_ORG_ID (HTTP %d); run lastactive check", key, e.Status), true
	case errors.Is(err, atlassian.ErrCredentials):
		return fmt.Sprintf("%s refused %s (HTTP %d): renew it, or run lastactive check", api, key, e.Status), true
	case errors.Is(err, atlassian.ErrOrgNotFound):
		return fmt.Sprintf("the Admin API does not know the organisation ATLASSIAN_ORG_ID names (HTTP %d); run lastactive check", e.Status), true
	case e.Net == "" && errors.Is(err, atlassian.ErrBadResponse) && e.Status >= 300 && e.Status < 400:
		// A redirect to another host, not followed: the URL is wrong
		// for every address alike.
		words, _ := reportcmd.Unreachable(err)
		return strings.TrimSuffix(words, "."), true
	case e.API == atlassian.Admin && e.Code == "ADMIN-400-4":
		// "Invalid resource": about the organisation (not on the new
		// user management experience, or a wrong ID), not the person.
		return fmt.Sprintf("the Admin API refused the organisation's requests as an invalid resource (HTTP %d %s): the organisation may not be on the new user management experience, or ATLASSIAN_ORG_ID is wrong; run lastactive check", e.Status, e.Code), true
	}
	return "", false
}

type jsonProduct struct {
	Key                 string  `json:"key"`
	Name                string  `json:"name"`
	ID                  string  `json:"id"`
	Site                string  `json:"site"`
	Host                string  `json:"host,omitempty"`
	LastActive          *string `json:"last_active"`
	LastActiveTimestamp *string `json:"last_active_timestamp,omitempty"`
	DaysAgo             *int    `json:"days_ago"`
	Verdict             string  `json:"verdict"`
}

type jsonPerson struct {
	Email       string        `json:"email"`
	OK          bool          `json:"ok"`
	AccountID   string        `json:"account_id,omitempty"`
	DisplayName string        `json:"display_name,omitempty"`
	Status      string        `json:"account_status,omitempty"`
	AddedToOrg  *string       `json:"added_to_org"`
	Products    []jsonProduct `json:"products"`
	Error       *jsonError    `json:"error,omitempty"`
}

type jsonError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Cause is the underlying error, for the operator (e.g. "links.next
	// repeats an earlier cursor"); the client keeps secrets out of it.
	Cause string `json:"cause"`
}

// cause is the operator's account of a failed lookup: the error chain as
// the Atlassian client words it (step, path, kind, status, cause), which
// never holds a credential or a query string.
func cause(err error) string { return err.Error() }

func day(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

// addedToOrg is the person's org join date, as the slash command shows it:
// added_to_org, else the day of added_to_org_timestamp; nil when Atlassian
// gives neither (absent or null).
func addedToOrg(a *atlassian.Activity) *string {
	if !a.AddedToOrg.IsZero() {
		return day(a.AddedToOrg)
	}
	return day(a.AddedToOrgTimestamp)
}

func writeJSON(w io.Writer, people []bot.Person, now time.Time, idleDays int, sites atlassian.Sites) error {
	out := make([]jsonPerson, 0, len(people))
	for _, p := range people {
		jp := jsonPerson{Email: p.Query, OK: p.Err == nil, AccountID: p.Account.AccountID, DisplayName: p.Account.DisplayName,
			Status: string(p.Account.Status), Products: []jsonProduct{}}
		if p.Account.Status == atlassian.StatusForDeletion {
			// The machine value stays what it was: Atlassian deactivates
			// an account being deleted at once.
			jp.Status = string(atlassian.StatusDeactivated)
		}
		if p.Err != nil {
			jp.Error = &jsonError{Kind: errorKind(p.Err), Message: personErrorText(p), Cause: clean(cause(p.Err))}
		}
		if p.Activity != nil {
			jp.AddedToOrg = addedToOrg(p.Activity)
			for _, pr := range p.Activity.Products {
				v, days := seat.VerdictFor(pr, now, idleDays)
				if p.Account.Status.NoSeat() {
					// Every product, used or not, as the report's CSV
					// says it: the account holds no seat.
					v = seat.VerdictNoSeat
				}
				// last_active is the day days_ago and the verdict count
				// from, as the table and the Slack reply show it: the later
				// of Atlassian's day and its instant's UTC day
				// (seat.LastDay), whichever was sent. The instant stays as
				// Atlassian sent it.
				jpr := jsonProduct{Key: pr.Key, Name: seat.ProductName(pr.Key), ID: pr.ID, Site: pr.SiteID(),
					LastActive: day(seat.LastDay(pr)), Verdict: string(v)}
				jpr.Host, _ = sites.Host(pr.ID)
				if !pr.LastActiveTimestamp.IsZero() {
					s := pr.LastActiveTimestamp.UTC().Format(time.RFC3339)
					jpr.LastActiveTimestamp = &s
				}
				if pr.Used() {
					jpr.DaysAgo = &days
				}
				jp.Products = append(jp.Products, jpr)
			}
		}
		out = append(out, jp)
	}
	// Names are what their owners typed: written through escapeControls,
	// as audit --json is, so a terminal does not act on them.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(escapeControls(b.Bytes()))
	return err
}

// personErrorText is the slash command's words for a failed lookup, but
// for one stopped by Ctrl-C: on a terminal no bot was restarting.
func personErrorText(p bot.Person) string {
	if errors.Is(p.Err, context.Canceled) {
		return "Interrupted before the lookup finished; run it again."
	}
	if errors.Is(p.Err, errNotLookedUp) {
		return "Not looked up: the lookup stopped at the failure above."
	}
	return plainText(bot.PersonErrorText(p))
}

func errorKind(err error) string {
	if errors.Is(err, errNotLookedUp) {
		return "not looked up"
	}
	k := atlassian.KindOf(err)
	if k == "" && !errors.As(err, &k) { // a bare kind, as fakes return
		return "error"
	}
	switch {
	// The JSON keeps to the coarse kinds; the finer ones (ErrNotOrgAdmin,
	// ErrOrgNotFound) refine these two, and errors.Is matches both.
	case errors.Is(err, atlassian.ErrCredentials):
		return string(atlassian.ErrCredentials)
	case errors.Is(err, atlassian.ErrRejected):
		return string(atlassian.ErrRejected)
	default:
		return string(k)
	}
}

func writeTable(w io.Writer, people []bot.Person, now time.Time, idleDays int, sites atlassian.Sites) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tADDED TO ORG\tPRODUCT\tSITE\tLAST ACTIVE\tDAYS AGO\tVERDICT")
	for _, p := range people {
		who := p.Query
		if p.Account.DisplayName != "" {
			who = fmt.Sprintf("%s <%s>", p.Account.DisplayName, p.Query)
		}
		who = clean(who)
		// The slash command's lookup gives the org join date: so does
		// the table, with "-" when Atlassian has none.
		joined := "-"
		if p.Activity != nil {
			if d := addedToOrg(p.Activity); d != nil {
				joined = *d
			}
		}
		who += "\t" + joined
		switch {
		case p.Err != nil:
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", who, clean(personErrorText(p)))
		case len(p.Activity.Products) == 0:
			fmt.Fprintf(tw, "%s\t(none)\t-\tno recorded activity\t-\tnever used\n", who)
		default:
			for _, pr := range p.Activity.Products {
				v, days := seat.VerdictFor(pr, now, idleDays)
				last, ago := "never", "-"
				// The day DAYS AGO counts from, as Slack and --json show it.
				if d := day(seat.LastDay(pr)); d != nil {
					last, ago = *d, fmt.Sprint(days)
				}
				verdict := string(v)
				if noSeat(p.Account.Status, v) {
					verdict = "account " + string(p.Account.Status) // holds no seat: not idle
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", who, term.Clean(seat.ProductName(pr.Key)), term.Clean(seat.SiteLabel(sites, pr.ID)), last, ago, verdict)
			}
		}
	}
	return tw.Flush()
}

// clean keeps upstream text from moving the terminal cursor or breaking
// the table.
func clean(s string) string { return term.Clean(s) }

// noSeat says whether a used product of an account with this status holds
// no seat: a suspended, deactivated or closed account is not billed, so its
// products are not idle seats (the report counts them apart as well).
func noSeat(st atlassian.AccountStatus, v seat.Verdict) bool {
	return v != seat.VerdictNever && st.NoSeat()
}

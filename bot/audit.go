package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"lastactive/internal/state"
	"lastactive/seat"
)

// AuditAction is what an audit event records. The values are those of the
// durable audit trail (internal/state's Kind).
type AuditAction string

// The actions the Service records.
const (
	AuditLookup   AuditAction = "lookup"
	AuditShare    AuditAction = "share"
	AuditRefresh  AuditAction = "refresh"
	AuditShortcut AuditAction = "shortcut"
	AuditReport   AuditAction = "report"
	AuditRefusal  AuditAction = "refusal"
	// AuditDigest is a seat digest posted to its channel.
	AuditDigest AuditAction = "digest"
)

// auditSkip is the nudge round's "not asked" entry (state.KindSkip).
const auditSkip AuditAction = "skip"

// CLIActorPrefix starts the actor of what was done from the command line
// (lastactive lookup, report, digest --post), before the OS user.
const CLIActorPrefix = "cli:"

// AuditEvent is one handled request, as the audit trail keeps it: who
// (Actor), whom (Emails, AccountIDs), what (Action, Detail), the outcome and
// when. ReplyKind, Channel, CacheHits and Duration feed the log line.
type AuditEvent struct {
	At         time.Time
	Actor      string // Slack user ID
	Channel    string
	Action     AuditAction
	Outcome    Outcome
	Emails     []string
	AccountIDs []string
	Detail     string // never a secret

	ReplyKind ReplyKind
	CacheHits int
	Duration  time.Duration

	// People is each person's own outcome, for the entries that look
	// people up (lookup, refresh, shortcut) and their refusals: the
	// command's Outcome is "partial" when one of several failed, and each
	// person's trail reads their own (AuditPeople).
	People []state.PersonResult

	// OrgWide marks, in a person's trail, an org-wide report (an idle
	// report or a digest's Full list) that names nobody but lists everyone
	// with a seat, this person too.
	OrgWide bool
}

// IsOrgWideReport reports whether a report entry's detail is one of the
// reports that list everyone with a seat: an idle report, in Slack or from
// the command line, and a digest's Full list (stored with the channel it
// was clicked in after it).
func IsOrgWideReport(detail string) bool {
	return strings.HasPrefix(detail, "idle report") || strings.HasPrefix(detail, "digest full list")
}

// LogAttrs are the fields of the "audit" log line, the same whether the
// Service or a sink writes it. An entry that keeps each person's own
// outcome has them in "people" too: a line with audit_stored=false is all
// the trail keeps of it, and the command's outcome alone ("ok" for a
// lookup of two where one had no account) is not each person's.
func (e AuditEvent) LogAttrs() []any {
	attrs := []any{
		"requester", e.Actor,
		"channel", e.Channel,
		"action", string(e.Action),
		"kind", string(e.ReplyKind),
		"targets", e.Emails,
		"outcome", string(e.Outcome),
		"cache_hits", e.CacheHits,
		"duration_ms", e.Duration.Milliseconds(),
	}
	if len(e.People) > 0 {
		attrs = append(attrs, "people", e.People)
	}
	return attrs
}

// AuditSink stores audit events. Record must not block: it queues the event
// and returns false when it could not (queue full, store down), in which
// case the Service writes the audit line to the log with
// audit_stored=false. A sink that accepts an event owns its log line.
type AuditSink interface {
	Record(e AuditEvent) bool
}

// AuditTrail reads the stored audit trail about one person (an email),
// newest first, from since on. It returns ErrAuditUnavailable when the
// store cannot be read.
type AuditTrail interface {
	Trail(ctx context.Context, email string, since time.Time) ([]AuditEvent, error)
}

// ErrAuditUnavailable: the audit trail cannot be read right now.
var ErrAuditUnavailable = errors.New("audit trail unavailable")

// AuditWindow is how far back `/lastactive audit EMAIL` reads.
const AuditWindow = 90 * 24 * time.Hour

// AuditKeeper is an AuditTrail that says how long it keeps its entries
// (LASTACTIVE_AUDIT_RETENTION). A shorter retention than AuditWindow
// shortens what the view reads and says: "last 90 days" over a trail that
// keeps 30 would tell an auditor that nobody looked a person up for longer
// than the bot knows.
type AuditKeeper interface {
	Kept() time.Duration
}

// auditWindow is how far back the view reads trail: AuditWindow, or less
// when the trail keeps its entries for less.
func auditWindow(trail AuditTrail) time.Duration {
	if k, ok := trail.(AuditKeeper); ok {
		if d := k.Kept(); d > 0 && d < AuditWindow {
			return d
		}
	}
	return AuditWindow
}

// spanWords says a span as the view's head does: whole days from two days
// on, else whole hours, minutes or seconds (rounded down: never more than
// the trail holds).
func spanWords(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	default:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
}

// maxAuditLines bounds one audit reply (Slack allows 50 blocks).
const maxAuditLines = 40

// AuditTrailRead is the most entries an AuditTrail reads of each part of
// a trail (the nudge skips, the rest): a part that fills it may hold more,
// and the reply says "at least".
const AuditTrailRead = 1000

// auditEvent turns a handled request into its audit event. action "" takes
// the action from the reply; an event with no action (help, usage) is
// logged but not stored.
func auditEvent(action AuditAction, req Request, r Reply, start, now time.Time) AuditEvent {
	e := AuditEvent{
		At: now, Actor: req.UserID, Channel: req.ChannelID, Outcome: r.Outcome,
		ReplyKind: r.Kind, CacheHits: r.CacheHits, Duration: now.Sub(start),
	}
	if r.Kind != KindIdle {
		e.Emails = slices.DeleteFunc(slices.Clone(r.Targets), func(t string) bool { return t == "" })
	}
	// A Slack user whose email could not be read (a mention, a shortcut)
	// has no email to stand for them: name them by their Slack user ID.
	var slackUsers []string
	for _, p := range r.People {
		if p.Account.AccountID != "" {
			e.AccountIDs = append(e.AccountIDs, p.Account.AccountID)
		}
		if p.Query == "" && p.UserID != "" {
			slackUsers = append(slackUsers, "Slack user "+p.UserID)
		}
	}
	switch {
	case action != "":
		e.Action = action
		if r.Kind == KindButton && r.Detail != "" { // a keep-or-release click that failed: which button
			e.Detail = "button " + r.Detail
		}
	case r.Kind == KindCommand && r.Outcome == OutcomeRefused:
		e.Action = AuditRefusal
		e.Detail = "not on the allow-lists"
	case r.Kind == KindButton, r.Kind == KindShortcut && r.Outcome == OutcomeRefused:
		e.Action = AuditRefusal
		e.Detail = string(r.Kind)
		if r.Detail != "" { // the button's action ID
			e.Detail += " " + r.Detail
		}
	case r.Kind == KindExempt:
		e.Action, e.Detail = AuditExempt, r.Detail
	case r.Kind == KindLookup:
		e.Action = AuditLookup
	case r.Kind == KindShortcut:
		e.Action = AuditShortcut
	case r.Kind == KindIdle:
		e.Action = AuditReport
		e.Detail = "idle report"
		if len(r.Targets) > 0 {
			e.Detail += ": " + strings.Join(r.Targets, ", ")
		}
	case r.Kind == KindAudit:
		// Reading someone's trail is itself on the record, as a report on them.
		e.Action = AuditReport
		e.Detail = "audit trail"
	case r.Kind == KindDigest:
		// The digest privately, its Full list, Scan now: org-wide reports.
		e.Action = AuditReport
		e.Detail = "seat digest"
		if r.Detail != "" {
			e.Detail = r.Detail
		}
	}
	if (e.Action == AuditLookup || e.Action == AuditShortcut || e.Action == AuditRefresh) &&
		(e.Outcome == OutcomeFailed || e.Outcome == OutcomePartial) {
		// A person who matched several accounts was answered with the
		// list: not a failure, in the trail. A share is left as it is:
		// any person not answered kept it out of the channel (anyFailed),
		// so it failed, or partly, whatever the lookup's answer was.
		var note string
		e.Outcome, note = LookupAuditOutcome(r.People, e.Outcome)
		e.Detail = strings.TrimSpace(e.Detail + " " + note)
	}
	switch e.Action {
	case AuditLookup, AuditShortcut, AuditRefresh:
		// Not a Share: it posts everyone's answer or, if anyone's failed,
		// no one's, and its outcome is already each person's.
		e.People = AuditPeople(r.People)
	}
	if len(slackUsers) > 0 {
		e.Detail = strings.TrimSpace(e.Detail + " " + strings.Join(slackUsers, ", "))
	}
	// An account picked among several for an email is the asker's pairing,
	// not the directory's: one person's trail must not follow it.
	if slices.ContainsFunc(r.People, func(p Person) bool { return p.Chosen && p.Account.AccountID != "" }) {
		e.Detail = strings.TrimSpace(e.Detail + " " + state.DetailChosen)
	}
	if e.Outcome == OutcomeRefused && e.Action != AuditRefusal {
		e.Detail = strings.TrimSpace(string(e.Action) + " " + e.Detail)
		e.Action = AuditRefusal
	}
	if e.Action == AuditRefusal && e.Outcome == OutcomeRefused {
		// Nobody was looked up: each person named was refused.
		e.People = nil
		for _, email := range e.Emails {
			e.People = append(e.People, state.PersonResult{Email: email, Outcome: state.OutcomeRefused})
		}
	}
	return e
}

// AuditPeople is each person's own outcome in the audit entry of a lookup
// of people: "ok" (answered), "not_found" (no Atlassian account with the
// email), "ambiguous" (several matched, listed) or "failed" with the
// failure's class as Reason ("unavailable", "rate_limited", "too_slow", …:
// their PersonOutcome). A person known by neither email nor account (a
// Slack user whose email could not be read, named in the detail) has no
// record: nothing would find it.
func AuditPeople(people []Person) []state.PersonResult {
	var out []state.PersonResult
	for _, p := range people {
		// The email as the entry's Emails name it (the reply's Targets).
		r := state.PersonResult{Email: p.Query, AccountID: p.Account.AccountID, Outcome: state.OutcomeOK}
		if r.Email == "" && r.AccountID == "" {
			continue
		}
		switch o := personOutcome(p); o {
		case PersonAnswer:
		case PersonNotFound:
			r.Outcome = state.Outcome(OutcomeNotFound)
		case PersonAmbiguous:
			r.Outcome = state.Outcome(OutcomeAmbiguous)
		case PersonFailed:
			r.Outcome = state.OutcomeFailed
		default:
			r.Outcome, r.Reason = state.OutcomeFailed, string(o)
		}
		out = append(out, r)
	}
	return out
}

// LookupAuditOutcome is the audit trail's outcome of a lookup of people
// whose reply's outcome was o. A person who matched several Atlassian
// accounts was answered, with the list of them, and one whose email has
// no Atlassian account was answered "no account": they count as answered,
// not as failed (an outage's word). Every person listed: OutcomeAmbiguous;
// every person without an account: OutcomeNotFound. Some of them among
// others: the outcome of the others, and a note for the entry's detail
// saying how many emails got a list and how many had no account.
// Outcomes other than failed and partial are returned as they are.
func LookupAuditOutcome(people []Person, o Outcome) (Outcome, string) {
	if o != OutcomeFailed && o != OutcomePartial {
		return o, ""
	}
	answered, listed, missing, failed := 0, 0, 0, 0
	for _, p := range people {
		switch {
		case p.Err == nil:
			answered++
		case failureOutcome(p.Err) == PersonAmbiguous:
			listed++
		case failureOutcome(p.Err) == PersonNotFound:
			missing++
		default:
			failed++
		}
	}
	switch {
	case listed == 0 && missing == 0:
		return o, ""
	case answered == 0 && failed == 0 && missing == 0:
		return OutcomeAmbiguous, ""
	case answered == 0 && failed == 0 && listed == 0:
		return OutcomeNotFound, ""
	}
	var notes []string
	if listed > 0 {
		notes = append(notes, "several accounts listed for "+seat.Count(listed, "email", "emails"))
	}
	if missing > 0 {
		notes = append(notes, "no Atlassian account for "+seat.Count(missing, "email", "emails"))
	}
	note := strings.Join(notes, "; ")
	if failed == 0 {
		return OutcomeOK, note
	}
	return OutcomePartial, note
}

// refusedAbout is whom a refused request named, for its audit entry, so
// that the attempt is in that person's trail: the emails, and each Slack
// user (a mention, a message's author) as a Person without one. Nothing
// is looked up.
func refusedAbout(targets []Target) (emails []string, people []Person) {
	for _, t := range targets {
		switch {
		case t.UserID != "":
			people = append(people, Person{UserID: t.UserID})
		case t.Email != "":
			emails = append(emails, NormaliseEmail(t.Email))
		}
	}
	return emails, people
}

// parseAudit reads "audit EMAIL".
func parseAudit(args []string) (Command, error) {
	if len(args) != 1 {
		return Command{}, usagef("Name one person: audit ada@example.com.")
	}
	t, ok := auditTarget(args[0])
	if !ok {
		return Command{}, usagef("Name one person by email: audit ada@example.com.")
	}
	return Command{Kind: CmdAudit, Targets: []Target{t}}, nil
}

// auditTarget reads the person of "audit EMAIL": an address the lookup
// takes, or one Atlassian gave a person that the lookup's strict form
// refuses (jörg@, o&connor@: DirectoryAddress), typed or auto-linked by
// Slack. The nudge round, the digest and the org scan record people under
// such addresses, and `lastactive audit` reads their trail; refused here,
// an auditor in Slack could not (TestAuditReadsAddressesTheDirectoryGave).
// Folded as the trail files it (state.LowerASCII).
func auditTarget(w string) (Target, bool) {
	if t, err := parseTarget(w); err == nil {
		return t, t.Email != ""
	}
	for _, s := range []string{w, strings.Trim(w, sentencePunct)} {
		addr := s
		if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
			link, _, _ := strings.Cut(s[1:len(s)-1], "|")
			var ok bool
			if addr, ok = strings.CutPrefix(link, "mailto:"); !ok {
				continue
			}
		}
		if addr = unescapeEntities(addr); DirectoryAddress(addr) {
			return Target{Email: state.LowerASCII(strings.TrimSpace(addr))}, true
		}
	}
	return Target{}, false
}

// DirectoryAddress reports whether s can be an address the audit trail
// files a person under though the lookup's strict form (ParseEmail)
// refuses it: one '@'; a local part with no space, control or invisible
// format character and none of ':' '<' '>' '|'; a domain of two or more
// labels of letters (any script), digits and '-' (so
// "ada@example.com:TOKEN", a pasted basic-auth pair, stays refused and
// unquoted); valid UTF-8 and at most 254 bytes, as an address is. Only
// for reading the trail: nothing is looked up by such an address.
func DirectoryAddress(s string) bool {
	s = strings.TrimSpace(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || !state.Storable(s) ||
		strings.ContainsFunc(local, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || isFormat(r) || strings.ContainsRune(":<>|", r)
		}) {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.ContainsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
			return false
		}
	}
	return true
}

const auditRefusedText = "You are not allowed to read the audit trail: it is only for the people your admins chose. Ask an admin of this bot if you need it."

// auditTrail answers "audit EMAIL" for a report user.
func (s *Service) auditTrail(ctx context.Context, req Request, cmd Command) Reply {
	email := cmd.Targets[0].Email
	r := Reply{Kind: KindAudit, Targets: []string{email}}
	if !s.cfg.Gate.MayReport(req.UserID) {
		r.Outcome = OutcomeRefused
		r.Message = RenderNoticeKind(NoticeRefused, auditRefusedText)
		return r
	}
	if s.cfg.AuditTrail == nil {
		r.Outcome = OutcomeFailed
		r.Message = RenderNoticeKind(NoticeNotSetUp, "The audit trail is not kept on this bot (no database is set up).")
		return r
	}
	now := s.cfg.Now()
	window := auditWindow(s.cfg.AuditTrail)
	events, err := s.cfg.AuditTrail.Trail(ctx, email, now.Add(-window))
	if err != nil {
		s.log.Warn("audit trail unavailable", "requester", req.UserID, "err", err)
		r.Outcome = OutcomeFailed
		r.Message = RenderNoticeKind(NoticeUnavailable, "The audit trail is unavailable right now: the bot cannot reach its database. Lookups still work; try the audit again later.")
		return r
	}
	r.Outcome = OutcomeOK
	r.Message = renderAuditTrail(email, events, now, window)
	return r
}

// RenderAuditTrail lists who looked email up, shared, refreshed or reported
// on them, newest first, for the last AuditWindow.
func RenderAuditTrail(email string, events []AuditEvent, now time.Time) Message {
	return renderAuditTrail(email, events, now, AuditWindow)
}

// renderAuditTrail is RenderAuditTrail over the last window.
func renderAuditTrail(email string, events []AuditEvent, now time.Time, window time.Duration) Message {
	head := fmt.Sprintf("*Audit trail for %s* (last %s, newest first)", EscapeMrkdwn(email), spanWords(window))
	if len(events) == 0 {
		t := head + "\nNobody looked this person up, shared or reported on them in that time, and no org-wide report ran."
		return Message{Text: t, Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("audit"))}}
	}
	// A nudge round writes a skip for every idle person it does not ask:
	// months of them would push who looked the person up out of view.
	// They are one line here; lastactive audit lists each.
	skips := 0
	var orgWide []AuditEvent // newest first, as events are
	kept := events[:0:0]
	for _, e := range events {
		switch {
		case e.OrgWide:
			orgWide = append(orgWide, e)
			continue
		case e.Action == auditSkip:
			skips++
			continue
		}
		kept = append(kept, e)
	}
	events = kept
	var lines []string
	if n := len(orgWide); n > 0 {
		// Reports of everyone name nobody: said here, or the person's
		// trail would say nobody had reported on them.
		count := fmt.Sprintf("%d org-wide reports", n)
		switch {
		case n >= AuditTrailRead:
			count = "At least " + count
		case n == 1:
			count = "1 org-wide report"
		}
		latest := orgWide[0]
		lines = append(lines, fmt.Sprintf("%s (idle reports and Full lists, which list everyone with a seat in the products they cover) ran in this time, the latest by %s on <!date^%d^{date_short_pretty}|%s>: `lastactive audit` lists each.",
			count, auditWho(latest.Actor), latest.At.Unix(), latest.At.UTC().Format(time.DateOnly)))
	}
	if skips > 0 {
		times := fmt.Sprintf("%d times", skips)
		switch {
		case skips >= AuditTrailRead:
			times = "at least " + times
		case skips == 1:
			times = "once"
		}
		lines = append(lines, fmt.Sprintf("Nudge rounds passed this person over %s (asked recently, exempt, active again…): `lastactive audit %s` lists each.",
			times, EscapeMrkdwn(email)))
	}
	// Past some 12,000 characters of text in all Slack answers
	// msg_blocks_too_long (messageBudget): a dry run's "would ask about"
	// every idle product each weekday filled forty lines with twice that.
	// The lines stop there too, and the rest is counted.
	used := utf8.RuneCountInString(head)
	for _, l := range lines {
		used += utf8.RuneCountInString(l) + 1
	}
	const moreRoom = 200 // the "…and N more" line, and the section breaks
	for i, e := range events {
		more := func() {
			n := fmt.Sprintf("%d", len(events)-i)
			if len(events) >= AuditTrailRead {
				n = "at least " + n // the read stopped there
			}
			lines = append(lines, fmt.Sprintf("…and %s more: `lastactive audit %s` prints them all.", n, EscapeMrkdwn(email)))
		}
		if i == maxAuditLines {
			more()
			break
		}
		who := auditWho(e.Actor)
		at := e.At.UTC()
		line := fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s> %s · %s",
			at.Unix(), at.Format("2006-01-02 15:04 UTC"), who, auditVerb(e.Action))
		// A refusal's verb says its outcome already. An entry of several
		// people says this person's own (an entry stored before they were
		// kept, the command's).
		outcome := auditOutcome(e.Outcome)
		if p, ok := (state.AuditEntry{People: e.People}).PersonResult(email); ok {
			outcome = auditOutcome(Outcome(p.Outcome))
			if p.Reason != "" {
				outcome += " (" + auditReason(PersonOutcome(p.Reason)) + ")"
			}
		}
		if e.Action != AuditRefusal || e.Outcome != OutcomeRefused {
			line += " · " + outcome
		}
		if e.Detail != "" {
			line += " · " + auditDetail(e.Detail)
		}
		if used += utf8.RuneCountInString(line) + 1; used > messageBudget-moreRoom {
			more()
			break
		}
		lines = append(lines, line)
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(head), nil, nil, slack.SectionBlockOptionBlockID("audit"))}
	text := head
	// Section text is capped at 3,000 characters: pack lines into sections.
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn(cur.String()), nil, nil))
			cur.Reset()
		}
	}
	// The fallback, for notifications, is held to maxTextRunes as a
	// lookup's is: forty lines of long details made it 100,000 characters.
	full := false
	for _, l := range lines {
		if cur.Len()+len(l)+1 > 2900 {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(l)
		switch {
		case full:
		case len(text)+1+len(l) > maxTextRunes-10:
			text, full = text+"\n…", true
		default:
			text += "\n" + l
		}
	}
	flush()
	return Message{Text: text, Blocks: blocks}
}

func auditVerb(a AuditAction) string {
	switch a {
	case AuditLookup:
		return "looked up"
	case AuditShare:
		return "shared"
	case AuditRefresh:
		return "refreshed"
	case AuditShortcut:
		return "looked up (shortcut)"
	case AuditReport:
		return "reported on"
	case AuditRefusal:
		return "was refused"
	}
	return EscapeMrkdwn(string(a))
}

// auditOutcome says an entry's outcome in a reader's words; the stored
// codes ("rate_limited", "usage") stay for lastactive audit --json.
func auditOutcome(o Outcome) string {
	switch o {
	case OutcomeUsage:
		return "not understood"
	case OutcomeRateLimited:
		return "rate limited"
	case OutcomeStale:
		return "button too old"
	case OutcomeForged:
		return "button not from this bot"
	case OutcomeIgnored:
		return "nothing to do"
	case OutcomeUndelivered:
		return "answer not delivered"
	case OutcomeUnconfirmed:
		return "sent; Slack's answer was lost"
	case OutcomePartial:
		return "partly failed"
	case OutcomeAmbiguous:
		return "several accounts matched, listed"
	case OutcomeNotFound:
		return "no Atlassian account with this email"
	case Outcome(state.OutcomeDryRun): // a nudge round's, stored by the nudge engine
		return "dry run, nothing sent"
	}
	return EscapeMrkdwn(string(o))
}

// auditReason says the class of one person's failure (a PersonOutcome,
// as their entry keeps it) in a reader's words.
func auditReason(o PersonOutcome) string {
	switch o {
	case PersonCredentials:
		return "Atlassian refused the bot's credentials"
	case PersonRateLimited:
		return "Atlassian rate limited"
	case PersonTooSlow:
		return "Atlassian too slow"
	case PersonStopped:
		return "the bot was stopping"
	case PersonUnavailable:
		return "Atlassian unavailable"
	case PersonBadResponse:
		return "Atlassian's answer unreadable"
	case PersonRejected:
		return "Atlassian refused the request"
	case PersonNoEmail:
		return "no email in Slack"
	case PersonSlackTokenRejected, PersonSlackRateLimited, PersonSlackUnavailable, PersonSlackMissingScope, PersonSlackRefused:
		return "Slack " + strings.ReplaceAll(strings.TrimPrefix(string(o), "slack_"), "_", " ")
	case PersonUsage:
		return "not understood"
	}
	return EscapeMrkdwn(strings.ReplaceAll(string(o), "_", " "))
}

// auditChannel is the part of a stored detail that says where a request
// was made ("channel C0123ABCDEF", as the trail keeps it).
var auditChannel = regexp.MustCompile(`^channel ([CGD][A-Z0-9]{2,30})$`)

// auditDetail escapes an entry's detail for mrkdwn, naming the channel it
// was asked in as a channel link, so that Slack shows the channel's name
// rather than its bare ID. A direct message (D…) has no name a link could
// show (Slack renders it as a private-channel placeholder): it is said in
// words.
func auditDetail(d string) string {
	parts := strings.Split(d, " · ")
	for i, p := range parts {
		if m := auditChannel.FindStringSubmatch(p); m != nil {
			parts[i] = "in <#" + m[1] + ">"
			if strings.HasPrefix(m[1], "D") {
				parts[i] = "in a direct message"
			}
			continue
		}
		parts[i] = EscapeMrkdwn(p)
	}
	return strings.Join(parts, " · ")
}

// auditWho names an entry's actor: a Slack mention, the OS user of the
// command line, or the bot.
func auditWho(actor string) string {
	if user, ok := strings.CutPrefix(actor, CLIActorPrefix); ok {
		return EscapeMrkdwn(user) + " (command line)"
	}
	if actor != "" {
		return "<@" + EscapeMrkdwn(actor) + ">"
	}
	return "the bot"
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"lastactive/atlassian"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"lastactive/seat"
)

// CmdExempt is `/lastactive exempt …`: keep nudges away from a person's
// products (report users only).
const CmdExempt CommandKind = 100

// KindExempt labels the exempt command in metrics and the audit line.
const KindExempt ReplyKind = "exempt"

// AuditExempt records an exemption added or removed.
const AuditExempt AuditAction = "exempt"

// The three forms of the exempt command.
type ExemptOp int

const (
	ExemptAdd    ExemptOp = iota + 1 // exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON
	ExemptList                       // exempt list
	ExemptRemove                     // exempt remove EMAIL PRODUCT…
)

// ExemptArgs is a parsed exempt command.
type ExemptArgs struct {
	Op       ExemptOp
	Email    string
	Products []string  // canonical keys, deduplicated, in order
	Until    time.Time // ExemptAdd: zero for ever, else the end of that UTC day
	Reason   string
}

// maxExemptReason bounds the reason kept in the store and the audit trail.
const maxExemptReason = 300

// maxExemptionsText bounds the exemption list in bytes, under Slack's
// 3,000 characters for a section.
const maxExemptionsText = 2900

const exemptUsage = "Use: exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON, exempt list, or exempt remove EMAIL PRODUCT…"

// parseExempt reads the words after "exempt"; from(k) is the text as typed
// from the k-th of them on, for the reason. A date already past is refused
// by the Service, which knows the time.
func parseExempt(args []string, from func(i, j int) string) (Command, error) {
	if len(args) == 0 {
		return Command{}, usagef("%s", exemptUsage)
	}
	switch strings.ToLower(args[0]) {
	case "list":
		if len(args) != 1 {
			return Command{}, usagef("exempt list takes nothing more.")
		}
		return Command{Kind: CmdExempt, Exempt: ExemptArgs{Op: ExemptList}}, nil
	case "remove":
		a, rest, err := exemptWho(args[1:])
		if err != nil {
			return Command{}, err
		}
		if len(rest) > 0 {
			return Command{}, usagef("%s is not a product key.%s %s", quote(unescapeEntities(rest[0])), didYouMean(rest[0]), exemptUsage)
		}
		a.Op = ExemptRemove
		return Command{Kind: CmdExempt, Exempt: a, Targets: []Target{{Email: a.Email}}}, nil
	}
	a, rest, err := exemptWho(args)
	if err != nil {
		return Command{}, err
	}
	a.Op = ExemptAdd
	if len(rest) >= 1 && strings.EqualFold(rest[0], "until") {
		if len(rest) == 1 {
			return Command{}, usagef("until needs a date: exempt %s %s until YYYY-MM-DD REASON.", a.Email, a.Products[0])
		}
		d, err := parseExemptDate(rest[1])
		if err != nil {
			return Command{}, usagef("%s is not a date: write it as YYYY-MM-DD.", quote(unescapeEntities(rest[1])))
		}
		a.Until = d.Add(24 * time.Hour) // the whole day named
		rest = rest[2:]
		// "until D1 until D2 REASON": which date was meant is not ours to
		// pick, nor is the second one words of the reason.
		// "until 2nd shift returns" is words: only a date is a second one.
		if len(rest) >= 2 && strings.EqualFold(rest[0], "until") && dateLike(rest[1]) {
			return Command{}, usagef("until twice: name the date once, before the reason: exempt %s %s until YYYY-MM-DD REASON.", a.Email, a.Products[0])
		}
	}
	first := len(args) - len(rest) // the reason's first word, in args
	// "on leave until 2027-01-31": a date after the reason is the date, not
	// words of a reason kept for good ("until March" stays words). With a
	// date before, a second one is refused even with no reason between.
	if n := len(rest); (n >= 3 || n == 2 && !a.Until.IsZero()) && strings.EqualFold(rest[n-2], "until") && strings.ContainsAny(rest[n-1], "0123456789") {
		if !a.Until.IsZero() {
			return Command{}, usagef("until twice: name the date once, before the reason: exempt %s %s until YYYY-MM-DD REASON.", a.Email, a.Products[0])
		}
		d, err := parseExemptDate(rest[n-1])
		if err != nil {
			return Command{}, usagef("%s is not a date: write it as YYYY-MM-DD.", quote(unescapeEntities(rest[n-1])))
		}
		a.Until = d.Add(24 * time.Hour)
		rest = rest[:n-2]
	}
	// Slack sends & < > as entities: keep what was typed (replies escape it).
	reason := sanitize(unescapeEntities(from(first, first+len(rest))), maxExemptReason)
	// Its words, quotes dropped, must say something: "" is no reason.
	if strings.TrimSpace(reason) == "" || strings.TrimSpace(strings.Join(rest, "")) == "" {
		return Command{}, usagef("Say why, so the next person knows: exempt %s %s on leave until March.", a.Email, a.Products[0])
	}
	// A token or key pasted by mistake would be kept as the reason: quoted
	// back, written to the trail and shown by every `exempt list`. It is
	// refused, and not repeated (TestExemptReasonWithAPastedTokenIsRefused).
	if holdsCredential(reason) {
		return Command{}, usagef("The reason looks like it holds a token or key pasted by mistake (not repeated here), so nothing was kept. Say why in words: exempt %s %s on leave until March.", a.Email, a.Products[0])
	}
	a.Reason = reason
	return Command{Kind: CmdExempt, Exempt: a, Targets: []Target{{Email: a.Email}}}, nil
}

// credentialPrefixes start Slack's tokens and Atlassian's API tokens and
// keys: the one list the bot and the command line (CredentialPrefix) read.
var credentialPrefixes = []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxe", "xapp-", "ATATT", "ATCTT"}

// CredentialPrefix reports whether w starts as a Slack token or an
// Atlassian API token or key does. No email, product key, organisation ID
// or flag does.
func CredentialPrefix(w string) bool {
	for _, p := range credentialPrefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// holdsCredential reports whether s has, anywhere (after a colon, inside
// quotes), a credential prefix followed by a token's characters,
// minSecretRunes in all: a Slack token or an Atlassian key. Only these:
// a reason's long words, links and IDs are a reason's.
func holdsCredential(s string) bool {
	tokenChar := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_.=+/~", c) >= 0
	}
	for _, p := range credentialPrefixes {
		for rest := s; ; {
			i := strings.Index(rest, p)
			if i < 0 {
				break
			}
			j := i
			for j < len(rest) && tokenChar(rest[j]) {
				j++
			}
			if j-i >= minSecretRunes {
				return true
			}
			rest = rest[i+len(p):]
		}
	}
	return false
}

// parseExemptDate reads an until date, YYYY-MM-DD. Punctuation after it is
// the sentence's ("on leave until 2027-01-31.", "until 2027-01-31: on
// leave"), as after an address: it was refused as "“2027-01-31.” is not a
// date" (TestExemptDateBeforePunctuation).
func parseExemptDate(word string) (time.Time, error) {
	return time.Parse(time.DateOnly, strings.TrimRight(word, ".,;:!?"))
}

// dateLike reports whether word is written as a date ("2027-03-01",
// "01/03/2027,"): digits and date separators, not "2nd" or "3pm".
func dateLike(word string) bool {
	w := strings.TrimRight(word, ".,;:!?")
	return strings.ContainsAny(w, "0123456789") && strings.Trim(w, "0123456789-/.") == ""
}

// exemptWho reads EMAIL PRODUCT… and returns the words after the products.
func exemptWho(args []string) (ExemptArgs, []string, error) {
	if len(args) == 0 {
		return ExemptArgs{}, nil, usagef("%s", exemptUsage)
	}
	t, err := parseTarget(args[0])
	if err != nil || t.Email == "" {
		return ExemptArgs{}, nil, usagef("Name the person by email first. %s", exemptUsage)
	}
	a := ExemptArgs{Email: t.Email}
	i := 1
	for ; i < len(args); i++ {
		k := strings.ToLower(args[i])
		if !seat.Known(k) {
			break
		}
		if c := seat.Canonical(k); !contains(a.Products, c) {
			if len(a.Products) == maxProducts {
				// Not silently the first word of the reason.
				return a, nil, usagef("Name at most %d products at once.", maxProducts)
			}
			a.Products = append(a.Products, c)
		}
	}
	if len(a.Products) == 0 {
		if i < len(args) {
			return a, nil, usagef("%s is not a product I know.%s Product keys: %s.", quote(unescapeEntities(args[i])), didYouMean(args[i]), seat.KnownProducts())
		}
		return a, nil, usagef("Name at least one product after the email. %s", exemptUsage)
	}
	return a, args[i:], nil
}

// Exemption is one stored exemption, as the exempt command shows it.
type Exemption struct {
	Email, Product string
	Until          time.Time // zero: for ever
	Reason, By     string
	Created        time.Time
}

// ExemptionStore keeps exemptions (the durable store; wire adapts it).
// ErrAuditUnavailable means it cannot be reached now; ErrExemptionRefused
// that the database answered and refused the exemption for its text.
type ExemptionStore interface {
	PutExemption(ctx context.Context, e Exemption) error
	Exemptions(ctx context.Context, at time.Time) ([]Exemption, error)
	RemoveExemption(ctx context.Context, email, product string) (bool, error)
}

// ErrExemptionRefused: the database refused an exemption's statement for
// its data (a character or a length it cannot store); the store is up.
var ErrExemptionRefused = errors.New("the database refused the exemption's text")

const exemptRefusedText = "You are not allowed to exempt people from nudges: only the people your admins chose for org-wide reports may. Ask your Slack admin."

// exempt answers the exempt command; the caller has checked the allow-lists.
func (s *Service) exempt(ctx context.Context, req Request, cmd Command) Reply {
	r := Reply{Kind: KindExempt, Targets: []string{cmd.Exempt.Email}}
	if cmd.Exempt.Op == ExemptList {
		r.Targets = nil
	}
	if !s.cfg.Gate.MayReport(req.UserID) {
		r.Outcome, r.Message = OutcomeRefused, RenderNoticeKind(NoticeRefused, exemptRefusedText)
		return r
	}
	if s.cfg.Exemptions == nil {
		r.Outcome, r.Message = OutcomeFailed, RenderNoticeKind(NoticeNotSetUp, "Exemptions need the database, which is not set up on this bot.")
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	a := cmd.Exempt
	now := s.cfg.Now()
	failed := func(err error) Reply {
		s.log.Warn("exempt: store", "err", err)
		if errors.Is(err, ErrExemptionRefused) {
			// The database answered: trying again later fails the same way.
			r.Detail = "store refused the exemption's text"
			text := "The database refused this request's text, so nothing was changed."
			if a.Op == ExemptAdd {
				text = "The database refused this exemption's text, so nothing was kept. Try again with a plainer reason."
			}
			r.Outcome, r.Message = OutcomeFailed, RenderNoticeKind(NoticeUnavailable, text)
			return r
		}
		r.Detail = "store unavailable"
		r.Outcome, r.Message = OutcomeFailed, RenderNoticeKind(NoticeUnavailable, "The exemptions cannot be read or written right now (the database is unavailable). Try again later.")
		return r
	}
	switch a.Op {
	case ExemptList:
		list, err := s.cfg.Exemptions.Exemptions(ctx, now)
		if err != nil {
			return failed(err)
		}
		var shown int
		r.Message, shown = renderExemptions(list)
		r.Outcome = OutcomeOK
		r.Detail = "listed " + seat.Count(len(list), "exemption", "exemptions")
		// The list shows each person's email and reason: their trails
		// say who saw it. Only the lines shown: the list is cut at Slack's
		// 3,000 characters, often before maxAuditLines, and the first 40
		// named people whose lines nobody saw
		// (TestExemptListNamesOnlyWhomItShowed).
		r.Targets = nil
		for _, e := range list[:shown] {
			if !slices.Contains(r.Targets, e.Email) {
				r.Targets = append(r.Targets, e.Email)
			}
		}
		return r
	case ExemptRemove:
		var gone, none []string
		for _, p := range a.Products {
			ok, err := s.cfg.Exemptions.RemoveExemption(ctx, a.Email, p)
			if err != nil {
				return failed(err)
			}
			if ok {
				gone = append(gone, p)
			} else {
				none = append(none, p)
			}
		}
		r.Outcome = OutcomeOK
		r.Detail = "removed: " + strings.Join(gone, ", ")
		if len(gone) == 0 {
			r.Detail = "removed nothing"
			r.Message = renderEscapedNotice(NoticeDone, fmt.Sprintf("%s had no exemption for %s.", EscapeMrkdwn(a.Email), productNames(a.Products)))
			return r
		}
		text := fmt.Sprintf("%s may be nudged again about %s.", EscapeMrkdwn(a.Email), productNames(gone))
		if len(none) > 0 {
			// Said, or the asker takes the others for removed too.
			r.Detail += "; none for " + strings.Join(none, ", ")
			text += fmt.Sprintf(" They had no exemption for %s.", productNames(none))
		}
		r.Message = renderEscapedNotice(NoticeDone, text)
		return r
	}
	if !a.Until.IsZero() && !a.Until.After(now) {
		r.Outcome, r.Message = OutcomeUsage, RenderNoticeKind(NoticeUsage, "That date has passed: name a day from today on.")
		r.Detail = "refused: date in the past"
		return r
	}
	for _, p := range a.Products {
		if err := s.cfg.Exemptions.PutExemption(ctx, Exemption{Email: a.Email, Product: p, Until: a.Until, Reason: a.Reason, By: req.UserID, Created: now}); err != nil {
			return failed(err)
		}
	}
	until := "for good"
	if !a.Until.IsZero() {
		until = "until " + a.Until.Add(-24*time.Hour).Format(time.DateOnly)
	}
	r.Outcome = OutcomeOK
	r.Detail = fmt.Sprintf("%s %s: %s", strings.Join(a.Products, ", "), until, a.Reason)
	shown := until
	if !a.Until.IsZero() {
		shown += " (UTC)" // the day ends at midnight UTC, not the reader's
	}
	// Each piece escaped on its own: the whole escaped at once was cut at
	// EscapeMrkdwn's 500 characters, which a reason near its 300 passed,
	// losing the end of the reason and the note below
	// (TestExemptConfirmationKeepsALongReasonAndItsNote).
	text := fmt.Sprintf("%s will not be nudged about %s %s. Reason kept: %s", EscapeMrkdwn(a.Email), productNames(a.Products), shown, EscapeMrkdwn(a.Reason))
	if s.nobodyHas(ctx, req.UserID, a.Email) {
		text += "\nNote: nobody in this organisation has that address now (a typo?). The exemption is kept, and holds if someone with it joins."
	}
	r.Message = renderEscapedNotice(NoticeDone, text)
	return r
}

// nobodyHas reports whether Atlassian says no one in the organisation has
// email, now (a cached answer will do): an exemption for a typo would
// otherwise be taken for one that holds. A failure or a slow answer says
// nothing either way; so does an empty bucket: the check is a lookup of
// one person, and takes user's token as one does.
func (s *Service) nobodyHas(ctx context.Context, user, email string) bool {
	if s.cfg.Lookups == nil {
		return false
	}
	if ok, _ := s.cfg.Gate.Take(user, 1); !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	p := s.cfg.Lookups.Lookup(ctx, email, false)
	// Not found names nobody, or an account (found by Jira) that is not a
	// member here (notMember): no one in the organisation either way.
	return errors.Is(p.Err, atlassian.ErrNotFound)
}

// productNames names the products of keys, escaped for mrkdwn.
func productNames(keys []string) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = EscapeMrkdwn(seat.ProductName(k))
	}
	return strings.Join(names, ", ")
}

// reasonQuotes makes a reason's curly double quotes straight.
var reasonQuotes = strings.NewReplacer("“", `"`, "”", `"`)

// RenderExemptions lists the exemptions in force.
func RenderExemptions(list []Exemption) Message {
	m, _ := renderExemptions(list)
	return m
}

// renderExemptions is RenderExemptions, with how many of list's first
// exemptions it shows.
func renderExemptions(list []Exemption) (Message, int) {
	if len(list) == 0 {
		return RenderNoticeKind(NoticeDone, "Nobody is exempt from nudges."), 0
	}
	shown := len(list)
	// One exemption a line, cut between whole lines (each piece is escaped
	// and on one line already): a cut inside a line could split an entity
	// or a mention.
	text := "Exempt from nudges:"
	for i, e := range list {
		until := "for good"
		if !e.Until.IsZero() {
			until = "until " + e.Until.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
		}
		// The reason is the requester's words, quoted: bare, "Nobody is
		// exempt from nudges." read as the bot's. Its own curly quotes go
		// straight, or one of them would close the list's quote early.
		line := fmt.Sprintf("• %s · %s %s · reason: “%s” (by <@%s>)", EscapeMrkdwn(e.Email), EscapeMrkdwn(seat.ProductName(e.Product)),
			until, EscapeMrkdwn(reasonQuotes.Replace(e.Reason)), EscapeMrkdwn(e.By))
		if i == maxAuditLines || len(text)+len(line)+len("\n\n… and 1000 more") > maxExemptionsText {
			text += fmt.Sprintf("\n… and %d more", len(list)-i)
			shown = i
			break
		}
		text += "\n" + line
	}
	return Message{Text: "Exemptions from nudges", Blocks: []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID("exemptions")),
	}}, shown
}

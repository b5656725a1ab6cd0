package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/seat"
)

// Person is one lookup result, ready to render.
type Person struct {
	Query     string              // the email asked about (normalised), or resolved from a mention
	UserID    string              // Slack user ID when the target came from a mention, else ""
	Account   atlassian.Account   // zero when Err is set before the account was found
	Activity  *atlassian.Activity // nil when Err != nil
	FetchedAt time.Time           // when the upstream answer was fetched
	Cached    bool                // the answer came from the cache
	Err       error               // non-nil: render this person's failure words instead
}

// View is what a rendering needs besides the results.
type View struct {
	Now      time.Time // "N days ago" is computed in UTC against this
	IdleDays int       // LASTACTIVE_IDLE_DAYS; 0 means DefaultIdleDays
	OrgID    string    // for the link to the person in Atlassian Administration
	Buttons  bool      // private replies carry Share/Refresh; the shared version does not
	SharedBy string    // Slack user ID of who shared it; adds "Shared by <@U…>"
	// Seal signs the value of the Share and Refresh buttons as they are
	// made (the Service passes its ButtonSigner's Sign); nil leaves it plain.
	Seal func(value string) string
}

// Message is a rendered reply. Its JSON is the body for a response_url or
// chat.postMessage, minus response_type.
type Message struct {
	Text   string        `json:"text"` // fallback for notifications; escaped like mrkdwn
	Blocks []slack.Block `json:"blocks"`
}

// DefaultIdleDays is LASTACTIVE_IDLE_DAYS when it is not set.
const DefaultIdleDays = seat.DefaultIdleDays

// Action IDs of the reply's buttons, for the interaction handler.
const (
	ActionShare   = "lastactive_share"
	ActionRefresh = "lastactive_refresh"
	ActionAdmin   = "lastactive_admin" // a URL button; its click is acked and ignored
)

// Limits that keep any reply inside Slack's Block Kit limits (notes/slack.md
// §4): at most 10 people make 3 blocks each plus 3 more, well under 50; a
// section holds at most 3,000 characters; and the whole message aims at
// 12,000 characters, under the ~13k where Slack starts to answer
// msg_blocks_too_long.
const (
	maxNameRunes    = 60  // display names, cut before escaping
	maxEmailRunes   = 100 // emails as shown; the button value keeps them whole
	maxProductRunes = 40  // unknown product keys
	maxSectionChars = 2900
	messageBudget   = 12000
	maxButtonValue  = 2000 // Slack's limit for a button value
	// ButtonValue stays this far under it so a signature can be appended.
	buttonValueRoom = 100
	maxTextRunes    = 3000 // the plain fallback
)

func agoText(days int) string {
	switch days {
	case 0:
		return "today"
	case 1:
		return "yesterday"
	}
	return fmt.Sprintf("%d days ago", days)
}

// productName is a product's readable name for a reply: seat's name, or
// the unknown key cleaned and cut (not escaped: callers escape).
func productName(key string) string {
	if k := sanitize(seat.ProductName(key), maxProductRunes); k != "" {
		return k
	}
	return "(unnamed product)"
}

// RenderLookup renders the answer for one or more people (at most
// MaxTargets are shown). Each person gets a section with their name, email
// and one line per product (or their failure), an admin link button when
// the account is known, and a context line with the org join date and the
// age of a cached answer.
func RenderLookup(people []Person, v View) Message {
	if v.IdleDays <= 0 {
		v.IdleDays = DefaultIdleDays
	}
	if len(people) == 0 {
		return RenderNotice("There was nobody to look up.")
	}
	shown := people[:min(len(people), MaxTargets)]
	// Many people share the message budget: fewer product lines each.
	linesEach := min(max(80/len(shown), 8), 30)
	// 1,000 characters are kept for the footer and the context lines.
	charsEach := min(maxSectionChars, (messageBudget-1000)/len(shown))

	var blocks []slack.Block
	if v.SharedBy != "" {
		blocks = append(blocks, slack.NewContextBlock("shared_by", mrkdwn("Shared by "+userRef(v.SharedBy, true))))
	}
	for i, p := range shown {
		if i > 0 {
			d := slack.NewDividerBlock()
			d.BlockID = fmt.Sprintf("divider_%d", i)
			blocks = append(blocks, d)
		}
		blocks = append(blocks, personBlocks(i, p, v, linesEach, charsEach)...)
	}

	footer := fmt.Sprintf("Atlassian's activity data can lag by up to 24 hours. Idle means not used for %d days or more.", v.IdleDays)
	if cut := len(people) - len(shown); cut > 0 {
		footer = fmt.Sprintf("%d more people were not shown: look up at most %d at once. ", cut, MaxTargets) + footer
	}
	blocks = append(blocks, slack.NewContextBlock("footer", mrkdwn(footer)))

	if v.Buttons {
		emails := make([]string, 0, len(shown))
		for _, p := range shown {
			emails = append(emails, p.Query)
		}
		if value := ButtonValue(emails); value != "" {
			if v.Seal != nil {
				value = v.Seal(value)
			}
			blocks = append(blocks, slack.NewActionBlock("actions",
				slack.NewButtonBlockElement(ActionShare, value, plain("Share in channel")),
				slack.NewButtonBlockElement(ActionRefresh, value, plain("Refresh")),
			))
		}
	}
	return Message{Text: lookupFallback(shown, v), Blocks: blocks}
}

// personBlocks renders one person: a section, and a context block when
// there is a join date or a cache age to tell.
func personBlocks(i int, p Person, v View, maxLines, maxChars int) []slack.Block {
	email := EscapeMrkdwn(sanitize(p.Query, maxEmailRunes))
	if email == "" {
		email = EscapeMrkdwn(sanitize(p.Account.Email, maxEmailRunes))
	}
	head := personHead(p, email, v)

	var lines []string
	var accessory *slack.Accessory
	var meta []string
	switch {
	case p.Err != nil || p.Activity == nil:
		err := p.Err
		if err == nil {
			err = errors.New("no activity and no error")
		}
		who := email
		if who == "" {
			who = "this person"
		}
		words := errorText(err, who, maxCandidates)
		if utf8.RuneCountInString(head)+utf8.RuneCountInString(words) > maxChars-20 {
			// Short of room: the head already names the person.
			words = errorText(err, "", 0)
		}
		lines = []string{":warning: " + words}
		// Failure words must never be cut mid-sentence; the short form
		// always fits.
		maxChars = maxSectionChars
	default:
		lines = productLines(p.Activity.Products, v)
		if len(lines) == 0 {
			lines = []string{":white_circle: No recorded activity in any product. (New accounts can take up to 24 hours to show any.)"}
		}
		if d := addedDay(p.Activity); !d.IsZero() {
			meta = append(meta, "Added to the org on "+d.Format(time.DateOnly))
		}
	}
	if p.Err == nil && p.Cached {
		meta = append(meta, cachedText(p.FetchedAt, v.Now))
	}
	if u := adminURL(v.OrgID, p.Account.AccountID); u != "" {
		accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActionAdmin, "", plain("Open in Admin")).WithURL(u))
	}

	section := slack.NewSectionBlock(mrkdwn(joinLines(head, lines, maxLines, maxChars)), nil, accessory,
		slack.SectionBlockOptionBlockID(fmt.Sprintf("person_%d", i)))
	blocks := []slack.Block{section}
	if len(meta) > 0 {
		blocks = append(blocks, slack.NewContextBlock(fmt.Sprintf("person_%d_meta", i), mrkdwn(strings.Join(meta, " · "))))
	}
	return blocks
}

// personHead is the first line of a person's section: the display name in
// bold and the email, or whatever of them is known.
func personHead(p Person, email string, v View) string {
	name := EscapeMrkdwn(sanitize(p.Account.DisplayName, maxNameRunes))
	switch {
	case name != "" && email != "":
		return "*" + name + "* · " + email
	case email != "":
		return "*" + email + "*"
	case name != "":
		return "*" + name + "*"
	case p.UserID != "":
		// A mention in a private reply notifies nobody; once shared in
		// a channel it would ping the person being checked on.
		return "*" + userRef(p.UserID, v.SharedBy == "") + "*"
	default:
		return "*Unknown person*"
	}
}

// userRef renders a Slack user: a mention when allowed and the ID is well
// formed, else the escaped ID as text.
func userRef(id string, mention bool) string {
	if mention && validUserID(id) {
		return "<@" + id + ">"
	}
	return "Slack user " + EscapeMrkdwn(sanitize(id, 30))
}

// productLines renders one line per product, in Atlassian's order, with a
// site hint where one product key appears on several sites.
func productLines(products []atlassian.ProductActivity, v View) []string {
	hints := siteHints(products)
	lines := make([]string, 0, len(products))
	for i, pa := range products {
		label := "*" + EscapeMrkdwn(productName(pa.Key)) + "*"
		if hints[i] != "" {
			label += " (site " + EscapeMrkdwn(hints[i]) + ")"
		}
		verdict, days := seat.VerdictFor(pa, v.Now, v.IdleDays)
		switch verdict {
		case seat.VerdictNever:
			lines = append(lines, ":white_circle: "+label+": never used")
		case seat.VerdictIdle:
			lines = append(lines, fmt.Sprintf(":large_orange_circle: %s: %s, %s · idle", label, seat.LastDay(pa).Format(time.DateOnly), agoText(days)))
		default:
			lines = append(lines, fmt.Sprintf(":large_green_circle: %s: %s, %s · active", label, seat.LastDay(pa).Format(time.DateOnly), agoText(days)))
		}
	}
	return lines
}

// siteHints returns, per product, a short site ID when its key appears more
// than once: 8 characters, or the whole ID where 8 do not tell them apart.
func siteHints(products []atlassian.ProductActivity) []string {
	count := make(map[string]int, len(products))
	for _, pa := range products {
		count[pa.Key]++
	}
	hints := make([]string, len(products))
	short := make(map[string]int, len(products)) // key + short hint → uses
	for i, pa := range products {
		if count[pa.Key] > 1 {
			hints[i] = clipRunes(sanitize(pa.SiteID(), 64), 8)
			short[pa.Key+"\x00"+hints[i]]++
		}
	}
	for i, pa := range products {
		if hints[i] != "" && short[pa.Key+"\x00"+hints[i]] > 1 {
			hints[i] = sanitize(pa.SiteID(), 64)
		}
	}
	return hints
}

func addedDay(a *atlassian.Activity) time.Time {
	if !a.AddedToOrg.IsZero() {
		return a.AddedToOrg.UTC()
	}
	return a.AddedToOrgTimestamp.UTC()
}

func cachedText(fetched, now time.Time) string {
	age := now.Sub(fetched)
	switch {
	case fetched.IsZero() || age < 0:
		return "cached answer"
	case age < time.Minute:
		return "cached just now"
	case age < time.Hour:
		return fmt.Sprintf("cached %d min ago", int(age/time.Minute))
	case age < 48*time.Hour:
		return fmt.Sprintf("cached %d h ago", int(age/time.Hour))
	}
	return fmt.Sprintf("cached %d days ago", int(age/(24*time.Hour)))
}

// adminURL links to the person in Atlassian Administration, or is empty
// when the org or account is unknown or not plausibly an ID.
func adminURL(orgID, accountID string) string {
	if !plausibleID(orgID) || !plausibleID(accountID) {
		return ""
	}
	return "https://admin.atlassian.com/o/" + url.PathEscape(orgID) + "/users/" + url.PathEscape(accountID)
}

func plausibleID(s string) bool {
	return s != "" && len(s) <= 128 && sanitize(s, 128) == s && !strings.ContainsAny(s, " /?#")
}

// joinLines puts head and as many lines as fit maxLines and maxChars on
// separate lines, and says how many were left out.
func joinLines(head string, lines []string, maxLines, maxChars int) string {
	const reserve = 80 // room for the "not shown" line
	var b strings.Builder
	b.WriteString(head)
	n := utf8.RuneCountInString(head)
	shown := 0
	for _, l := range lines {
		ln := utf8.RuneCountInString(l) + 1
		last := shown == len(lines)-1
		if shown >= maxLines || (n+ln > maxChars-reserve && !(last && n+ln <= maxChars)) {
			break
		}
		b.WriteString("\n")
		b.WriteString(l)
		n += ln
		shown++
	}
	if cut := len(lines) - shown; cut > 0 {
		fmt.Fprintf(&b, "\n_…and %d more not shown, to keep within Slack's message limits._", cut)
	}
	return b.String()
}

// lookupFallback is the plain summary Slack shows in notifications.
func lookupFallback(people []Person, v View) string {
	var b strings.Builder
	b.WriteString("Last active dates from Atlassian")
	if len(people) > 1 {
		fmt.Fprintf(&b, " for %d people", len(people))
	}
	b.WriteString(":")
	for _, p := range people {
		line := "\n" + personSummary(p, v)
		if b.Len()+len(line) > maxTextRunes-10 {
			b.WriteString("\n…")
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

func personSummary(p Person, v View) string {
	who := EscapeMrkdwn(sanitize(p.Query, maxEmailRunes))
	if who == "" {
		who = EscapeMrkdwn(sanitize(p.Account.DisplayName, maxNameRunes))
	}
	if who == "" && p.UserID != "" {
		who = userRef(p.UserID, v.SharedBy == "")
	}
	if who == "" {
		who = "someone"
	}
	switch {
	case p.Err != nil || p.Activity == nil:
		return who + ": " + firstSentence(errorText(p.Err, "", 0))
	case len(p.Activity.Products) == 0:
		return who + ": no recorded activity in any product"
	}
	var parts []string
	for i, pa := range p.Activity.Products {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(p.Activity.Products)-3))
			break
		}
		verdict, _ := seat.VerdictFor(pa, v.Now, v.IdleDays)
		part := EscapeMrkdwn(productName(pa.Key)) + " " + string(verdict)
		if verdict != seat.VerdictNever {
			part += " (" + seat.LastDay(pa).Format(time.DateOnly) + ")"
		}
		parts = append(parts, part)
	}
	return who + ": " + strings.Join(parts, ", ")
}

// firstSentence keeps a notification short.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// RenderHelp renders the usage, with an example of each form.
func RenderHelp() Message {
	examples := strings.Join([]string{
		"*One person:* `/lastactive ada@example.com`",
		fmt.Sprintf("*Several people* (up to %d): `/lastactive ada@example.com grace@example.com`", MaxTargets),
		"*A Slack user:* `/lastactive @Ada` (pick them from the @ menu, so Slack sends a mention)",
		"*Skip the cache:* `/lastactive ada@example.com --fresh`",
		"*Idle seats report* (report users only): `/lastactive idle 90 jira-software confluence`: who has not used each product for 90 days, with a CSV in your DMs",
		"*This help:* `/lastactive help`",
	}, "\n")
	return Message{
		Text: "How to use /lastactive: /lastactive EMAIL [EMAIL …] [--fresh], /lastactive @person, /lastactive idle [DAYS] [PRODUCT …], /lastactive help",
		Blocks: []slack.Block{
			slack.NewHeaderBlock(plain("How to use /lastactive"), slack.HeaderBlockOptionBlockID("help_header")),
			slack.NewSectionBlock(mrkdwn("Shows when someone last used each Atlassian product, and whether their seat is active, idle or never used."), nil, nil,
				slack.SectionBlockOptionBlockID("help_intro")),
			slack.NewSectionBlock(mrkdwn(examples), nil, nil, slack.SectionBlockOptionBlockID("help_examples")),
			slack.NewContextBlock("help_notes", mrkdwn("Answers are visible only to you until you press *Share in channel*. Atlassian's data can lag by up to 24 hours.")),
		},
	}
}

// shortUsage is the reminder under an error.
const shortUsage = "Usage: `/lastactive EMAIL [EMAIL …] [--fresh]`, `/lastactive @person`, or `/lastactive help` for examples."

// RenderUsage renders what was wrong with a command and a short usage.
// A *UsageError's Reason is escaped; any other error goes through ErrorText.
func RenderUsage(err error) Message {
	var reason string
	var ue *UsageError
	if errors.As(err, &ue) {
		reason = EscapeMrkdwn(ue.Reason)
	} else {
		reason = ErrorText(err)
	}
	if reason == "" {
		reason = "That command was not understood."
	}
	return Message{
		Text: "That didn't work: " + reason,
		Blocks: []slack.Block{
			slack.NewSectionBlock(mrkdwn(":warning: "+reason), nil, nil, slack.SectionBlockOptionBlockID("usage_error")),
			slack.NewContextBlock("usage_help", mrkdwn(shortUsage)),
		},
	}
}

// RenderNotice renders a short notice of ours (a refusal, "not allowed",
// "rate limited"). It is escaped all the same, as it may quote something.
func RenderNotice(text string) Message {
	t := EscapeMrkdwn(text)
	if t == "" {
		t = "Nothing to show."
	}
	return Message{
		Text:   t,
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("notice"))},
	}
}

// ButtonValue is what Share and Refresh carry: the valid emails among
// emails, normalised, deduplicated, at most MaxTargets, space-separated, and
// at most 1,900 bytes, which leaves room under Slack's 2,000-byte limit for
// a signature to be appended. It is empty when none is valid.
func ButtonValue(emails []string) string {
	var b strings.Builder
	seen := make(map[string]bool, len(emails))
	for _, e := range emails {
		e, ok := normaliseEmail(e)
		if !ok || seen[e] || len(seen) == MaxTargets || b.Len()+1+len(e) > maxButtonValue-buttonValueRoom {
			continue
		}
		seen[e] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e)
	}
	return b.String()
}

// ParseButtonValue checks a value from a button click as strictly as it
// was made: 1 to MaxTargets distinct, normalised, valid emails separated by
// single spaces, at most 2,000 bytes. The value comes back from the client,
// so a tampered one must fail rather than be repaired.
func ParseButtonValue(v string) ([]string, error) {
	if v == "" || len(v) > maxButtonValue {
		return nil, errors.New("button value: empty or too long")
	}
	emails := strings.Split(v, " ")
	if len(emails) > MaxTargets {
		return nil, errors.New("button value: too many emails")
	}
	seen := make(map[string]bool, len(emails))
	for _, e := range emails {
		if !validEmail(e) {
			return nil, errors.New("button value: not a normalised email")
		}
		if seen[e] {
			return nil, errors.New("button value: duplicate email")
		}
		seen[e] = true
	}
	return emails, nil
}

func mrkdwn(s string) *slack.TextBlockObject {
	// verbatim: Slack must not turn names or emails into links or mentions.
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

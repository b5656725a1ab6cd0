package bot

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
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
	// Chosen: the account was picked from several candidates ("This one"),
	// so the email alone does not lead back to it.
	Chosen bool
	Err    error // non-nil: render this person's failure words instead
}

// View is what a rendering needs besides the results.
type View struct {
	Now      time.Time // "N days ago" is computed in UTC against this
	IdleDays int       // LASTACTIVE_IDLE_DAYS; 0 means DefaultIdleDays
	OrgID    string    // for the links to people in Atlassian Administration
	Buttons  bool      // private replies carry Share/Refresh; the shared version does not
	SharedBy string    // Slack user ID of who shared it; adds "Shared by <@U…>"
	// Sites names sites by host; the zero value shows each by its ID with
	// "(unknown site)".
	Sites atlassian.Sites
	// NotLookedUp are the targets past MaxTargets in the command, named in
	// the footer so that nobody is dropped silently.
	NotLookedUp []Target
	// Skipped are the lines of a pasted table with nobody in them (a
	// header row), named in the footer for the same reason.
	Skipped []SkippedLine
	// MoreNotLookedUp and MoreSkipped count those past the ones listed
	// above, which a Refresh button had no room to carry (RefreshValue).
	MoreNotLookedUp, MoreSkipped int
	// Seal signs the value of the Share, Refresh and "This one" buttons as
	// they are made (the Service passes its ButtonSigner's Sign); nil leaves
	// it plain.
	Seal func(value string) string
}

// seal is v.Seal(value), or value when there is no Seal.
func (v View) seal(value string) string {
	if v.Seal == nil {
		return value
	}
	return v.Seal(value)
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
	// ActionChoose is "This one" under several matching accounts: it
	// answers for that account (its value: ChooseValue, sealed).
	ActionChoose = "lastactive_choose"
	// ActionChooseShare and ActionChooseRefresh are Share and Refresh
	// under the answer for a chosen account: they carry the account (a
	// ChooseValue), not the email, which names several.
	ActionChooseShare   = ActionChoose + "_share"
	ActionChooseRefresh = ActionChoose + "_refresh"
)

// Limits that keep any reply inside Slack's Block Kit limits (notes/slack.md
// §4): at most 10 people make one section each plus a footer and the
// buttons, 12 blocks; a section holds at most 3,000 characters; and the
// whole message aims at 12,000 characters, under the ~13k where Slack
// starts to answer msg_blocks_too_long.
const (
	maxNameRunes    = 60  // display names, cut before escaping
	maxEmailRunes   = 100 // emails as shown; the button value keeps them whole
	maxProductRunes = 40  // unknown product keys
	maxSiteRunes    = 80  // site hosts, or IDs with "(unknown site)"
	maxSectionChars = 2900
	messageBudget   = 12000
	maxButtonValue  = 2000 // Slack's limit for a button value
	// ButtonValue stays this far under it so a signature can be appended.
	buttonValueRoom = 100
	maxTextRunes    = 3000 // the plain fallback
	// chooseUpTo: "This one" buttons (one actions block per ambiguous
	// person) are offered when a reply names at most this many people, so
	// that ten people still fit in 12 blocks.
	chooseUpTo = 3
)

func agoText(days int) string {
	switch days {
	case 0:
		return "today"
	case 1:
		return "yesterday"
	}
	return strconv.Itoa(days) + " days ago"
}

// appendAgo appends agoText(days) to b.
func appendAgo(b []byte, days int) []byte {
	switch days {
	case 0:
		return append(b, "today"...)
	case 1:
		return append(b, "yesterday"...)
	}
	return append(strconv.AppendInt(b, int64(days), 10), " days ago"...)
}

// dateToken is a day as a Slack date token, which each reader sees in
// their own time zone and words ("yesterday", "Nov 24"), with the ISO date
// as the fallback for clients that cannot render it. A day without a time
// is placed at noon UTC, so that readers from UTC-11 to UTC+11 see the day
// Atlassian recorded rather than its neighbour.
func dateToken(day, instant time.Time) string {
	return string(appendDateToken(make([]byte, 0, 64), day, instant))
}

// appendDateToken appends dateToken(day, instant) to b: a reply's lines
// are built in one buffer each, not from a dozen small strings.
func appendDateToken(b []byte, day, instant time.Time) []byte {
	t := instant
	if noon := day.UTC().Truncate(24 * time.Hour).Add(12 * time.Hour); t.IsZero() ||
		!day.IsZero() && (t.Before(noon.Add(-12*time.Hour)) || !t.Before(noon.Add(12*time.Hour))) {
		// No instant, or one on another day than Atlassian's day (never
		// seen), which Slack would show beside a count from the day.
		t = noon
	}
	b = append(b, "<!date^"...)
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, "^{date_short_pretty}|"...)
	if day.IsZero() {
		b = t.UTC().AppendFormat(b, time.DateOnly)
	} else {
		b = day.UTC().AppendFormat(b, time.DateOnly)
	}
	return append(b, '>')
}

// asOfToken is the instant the data was read, as a date token with the
// time; the fallback is in UTC.
func asOfToken(t time.Time) string {
	b := make([]byte, 0, 80)
	b = append(b, "<!date^"...)
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, "^{date_short_pretty} at {time}|"...)
	b = t.UTC().AppendFormat(b, "2006-01-02 15:04 UTC")
	return string(append(b, '>'))
}

// productName is a product's readable name for a reply: seat's name, or
// the unknown key cleaned and cut (not escaped: callers escape).
func productName(key string) string {
	if k := sanitize(seat.ProductName(key), maxProductRunes); k != "" {
		return k
	}
	return "(unnamed product)"
}

// siteName is a site's host, or its ID with "(unknown site)", cleaned and
// escaped for mrkdwn.
func siteName(s atlassian.Sites, productID string) string {
	return EscapeMrkdwn(sanitize(seat.SiteLabel(s, productID), maxSiteRunes))
}

// notSharedText heads the private answer to a Share whose lookup failed.
const notSharedText = ":lock: Not shared in the channel: not every lookup succeeded. Only you can see this."

func anyFailed(people []Person) bool {
	for _, p := range people {
		if p.Err != nil {
			return true
		}
	}
	return false
}

// RenderLookup renders the answer for one or more people (at most
// MaxTargets are shown). Each person gets one section: their name linked to
// Atlassian Administration, a summary line (last active anywhere, account
// status), one line per product (or their failure), and an admin link
// button. A lone person gets a context line with the org join date and the
// age of a cached answer; several people carry it in their section, so ten
// of them fit in 12 blocks. The footer says when the data was read.
func RenderLookup(people []Person, v View) Message {
	if v.IdleDays <= 0 {
		v.IdleDays = DefaultIdleDays
	}
	if len(people) == 0 {
		return RenderNoticeKind(NoticeUsage, "There was nobody to look up.")
	}
	shown := people[:min(len(people), MaxTargets)]
	// Many people share the message budget: fewer product lines each. A
	// lone person's lines go on in further sections (lonePersonSections).
	linesEach := min(max(80/len(shown), 8), 30)
	if len(shown) == 1 {
		linesEach = 80
	}
	// 1,000 characters are kept for the footer and the context lines.
	charsEach := min(maxSectionChars, (messageBudget-1000)/len(shown))
	choose := v.Buttons && len(shown) <= chooseUpTo

	var blocks []slack.Block
	if v.SharedBy != "" && anyFailed(shown) {
		// A failure (not found, a refused key, an outage) is for the one
		// who clicked Share, not for the channel: the answer goes back to
		// them alone, saying so.
		v.SharedBy = ""
		blocks = append(blocks, slack.NewContextBlock("not_shared", mrkdwn(notSharedText)))
	}
	if v.SharedBy != "" {
		blocks = append(blocks, slack.NewContextBlock("shared_by", mrkdwn("Shared by "+userRef(v.SharedBy, true))))
	}
	for i, p := range shown {
		blocks = append(blocks, personBlocks(i, p, v, len(shown) == 1, choose, linesEach, charsEach)...)
	}

	footer := fmt.Sprintf("Atlassian's activity data can lag by up to 24 hours. Idle means not used for %s or more.", seat.Count(v.IdleDays, "day", "days"))
	if t := asOf(shown, v.Now); !t.IsZero() && t.Unix() > 0 {
		footer = "Data as of " + asOfToken(t) + ". " + footer
	}
	var skipped []string
	for _, p := range people[len(shown):] {
		skipped = append(skipped, who(p.Query, p.UserID, v))
	}
	// An address past ten that a mention among them was found to have was
	// looked up (distinctPeople showed it once): it is not named as not
	// looked up, as RefreshValue does not carry it.
	answered := make(map[string]bool, len(shown))
	for _, p := range shown {
		if p.Query != "" {
			answered[NormaliseEmail(p.Query)] = true
		}
	}
	for _, t := range v.NotLookedUp {
		if t.Email != "" && answered[NormaliseEmail(t.Email)] {
			continue
		}
		skipped = append(skipped, who(t.Email, t.UserID, v))
	}
	// The notes, bold in the blocks, plain in the fallback text: a
	// notification or a screen reader says them too.
	var notes, plainNotes []string
	if len(v.Skipped) > 0 || v.MoreSkipped > 0 {
		notes = append(notes, "*Skipped* "+skippedLines(v.Skipped, v.MoreSkipped))
		plainNotes = append(plainNotes, "Skipped "+skippedLines(v.Skipped, v.MoreSkipped))
	}
	if len(skipped) > 0 || v.MoreNotLookedUp > 0 {
		notes = append(notes, "*Not looked up* "+notLookedUp(skipped, v.MoreNotLookedUp))
		plainNotes = append(plainNotes, "Not looked up "+notLookedUp(skipped, v.MoreNotLookedUp))
	}
	if len(notes) > 0 {
		footer = strings.Join(notes, " ") + " " + footer
	}
	blocks = append(blocks, slack.NewContextBlock("footer", mrkdwn(footer)))

	if v.Buttons {
		var all, ok []string
		for _, p := range shown {
			if p.Query == "" && p.UserID != "" {
				// A Slack user whose email could not be read: Refresh
				// reads their profile again rather than dropping them.
				all = append(all, "@"+p.UserID)
				continue
			}
			all = append(all, p.Query)
			if p.Err == nil && p.Activity != nil && !p.Chosen {
				ok = append(ok, p.Query)
			}
		}
		var elems []slack.BlockElement
		if anyChosen(shown) {
			elems = chosenButtons(shown, v)
		}
		// An error is nothing to share; Refresh stays, to try again.
		if value := ButtonValue(ok); value != "" {
			elems = append(elems, slack.NewButtonBlockElement(ActionShare, v.seal(value), plain("Share in channel")))
		}
		if value := RefreshValue(all, v); value != "" && !anyChosen(shown) {
			elems = append(elems, slack.NewButtonBlockElement(ActionRefresh, v.seal(value), plain("Refresh")))
		}
		if len(elems) > 0 {
			blocks = append(blocks, slack.NewActionBlock("actions", elems...))
		}
	}
	return Message{Text: lookupFallback(shown, v, plainNotes), Blocks: blocks}
}

// chosenButtons are Share and Refresh for the one chosen account of a
// reply ("This one"): by email they would meet the same several accounts,
// so they carry the account. An error is nothing to share.
func chosenButtons(shown []Person, v View) []slack.BlockElement {
	if len(shown) != 1 || !shown[0].Chosen {
		return nil
	}
	p := shown[0]
	value := ChooseValue(p.Query, p.Account.AccountID)
	if value == "" {
		return nil
	}
	var elems []slack.BlockElement
	if p.Err == nil && p.Activity != nil {
		elems = append(elems, slack.NewButtonBlockElement(ActionChooseShare, v.seal(value), plain("Share in channel")))
	}
	return append(elems, slack.NewButtonBlockElement(ActionChooseRefresh, v.seal(value), plain("Refresh")))
}

func anyChosen(people []Person) bool {
	for _, p := range people {
		if p.Chosen {
			return true
		}
	}
	return false
}

// asOf is when the oldest answer shown was read from Atlassian: a shared
// or cached reply must not look fresher than its data.
func asOf(people []Person, now time.Time) time.Time {
	t := now
	for _, p := range people {
		if p.Err == nil && !p.FetchedAt.IsZero() && p.FetchedAt.Before(t) {
			t = p.FetchedAt
		}
	}
	return t
}

// who names a target in a footer: the escaped email, or the Slack user.
func who(email, userID string, v View) string {
	if e := EscapeMrkdwn(sanitize(email, maxEmailRunes)); e != "" {
		return e
	}
	if userID != "" {
		return userRef(userID, v.SharedBy == "")
	}
	return "someone"
}

// notLookedUp names the people past MaxTargets, as many as fit in 600
// characters (each name is already escaped and cut), then counts the rest
// and more: the words after "Not looked up", which the caller sets bold or
// plain.
func notLookedUp(names []string, more int) string {
	const maxChars = 600
	var b strings.Builder
	named := 0
	for _, n := range names {
		if named > 0 && b.Len()+len(n) > maxChars {
			break
		}
		if named > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
		named++
	}
	if more += len(names) - named; more > 0 {
		if named > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "%d more", more)
	}
	return fmt.Sprintf("(at most %d at once): %s.", MaxTargets, b.String())
}

// skippedLines names the lines of a pasted table that held nobody, the
// first maxSkippedNamed of them, then counts the rest.
// A line carried by a Refresh button has no Text: it is named by its number.
// These are the words after "Skipped", which the caller sets bold or plain.
func skippedLines(lines []SkippedLine, more int) string {
	var b strings.Builder
	named := min(len(lines), maxSkippedNamed)
	for i, l := range lines[:named] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "line %d", l.Line)
		if l.Text != "" {
			b.WriteString(" ")
			b.WriteString(EscapeMrkdwn(sanitize(l.Text, maxQuoted+4)))
		}
	}
	if more += len(lines) - named; more > 0 {
		if named > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "%s more", seat.Count(more, "line", "lines"))
	}
	return fmt.Sprintf("(no email address in them): %s.", b.String())
}

// maxSkippedNamed is how many skipped lines a reply names.
const maxSkippedNamed = 5

// personBlocks renders one person: a section, whose block_id names the
// person's index and outcome (personBlockID), then, when alone, a context
// block with the join date or cache age, and "This one" buttons when the
// email matched several accounts and choose is allowed.
func personBlocks(i int, p Person, v View, alone, choose bool, maxLines, maxChars int) []slack.Block {
	email := EscapeMrkdwn(sanitize(p.Query, maxEmailRunes))
	if email == "" {
		email = EscapeMrkdwn(sanitize(p.Account.Email, maxEmailRunes))
	}
	head := personHead(p, email, v)

	var lines []string
	var meta []string
	var chooser slack.Block
	switch {
	case p.Err != nil || p.Activity == nil:
		err := p.Err
		if err == nil {
			err = errors.New("no activity and no error")
		}
		whom := email
		if whom == "" {
			whom = "this person"
		}
		var cands []atlassian.Account
		if ae := (*atlassian.Error)(nil); errors.As(err, &ae) && errors.Is(err, atlassian.ErrAmbiguous) {
			cands = ae.Candidates
		}
		if len(cands) > 0 {
			shownCands := cands[:min(len(cands), maxCandidates)]
			lines = candidateLines(whom, shownCands, len(cands), v, choose && p.Query != "")
			if choose && p.Query != "" {
				chooser = chooseBlock(i, p.Query, shownCands, v.seal)
			}
		} else if notMember(p) {
			lines = []string{":warning: " + notMemberText(whom)}
		} else {
			words := errorText(err, whom, maxCandidates)
			lines = []string{":warning: " + words}
		}
		if utf8.RuneCountInString(head)+utf8.RuneCountInString(strings.Join(lines, "\n")) > maxChars-20 {
			// Short of room: the head already names the person.
			lines = []string{":warning: " + errorText(err, "", 0)}
			if notMember(p) {
				lines = []string{":warning: " + notMemberText("")}
			}
		}
		// Failure words must never be cut mid-sentence; the short form
		// always fits.
		maxChars = maxSectionChars
	default:
		lines = append([]string{summaryLine(p, v)}, productLines(p.Activity.Products, p.Account.Status, addedDay(p.Activity), v)...)
		if len(p.Activity.Products) == 0 {
			lines = append(lines, ":white_circle: No recorded activity in any product. (New accounts can take up to 24 hours to show any.)")
		}
		if d := addedDay(p.Activity); !d.IsZero() {
			meta = append(meta, "Added to the org on "+dateToken(d, time.Time{}))
		}
	}
	switch {
	case p.Err == nil && p.Cached:
		meta = append(meta, cachedText(p.FetchedAt, v.Now))
	case p.Cached && errors.Is(p.Err, atlassian.ErrNotFound):
		// "Not found" is remembered briefly: someone added to the org
		// since is still "not found" until then, unless searched again.
		when := strings.TrimPrefix(cachedText(p.FetchedAt, v.Now), "cached ")
		if when == "answer" { // no time kept
			when = "a moment ago"
		}
		meta = append(meta, "Not found in a search "+when+", remembered briefly; `--fresh` or Refresh searches again")
	}
	var accessory *slack.Accessory
	if u := personAdminURL(p, v); u != "" {
		accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActionAdmin, "", plain("Open in Admin")).WithURL(u))
	}
	if !alone && len(meta) > 0 {
		lines = append(lines, "_"+strings.Join(meta, " · ")+"_")
	}

	// A person alone with an answer (most replies) goes on in further
	// sections; anyone else in one. Only the text shown is built.
	var texts []string
	if alone && p.Err == nil && p.Activity != nil {
		texts = splitLines(head, lines, maxLines, maxChars, messageBudget-1000)
	} else {
		texts = []string{joinLines(head, lines, maxLines, maxChars)}
	}
	section := slack.NewSectionBlock(mrkdwn(texts[0]), nil, accessory,
		slack.SectionBlockOptionBlockID(personBlockID(i, personOutcome(p))))
	blocks := []slack.Block{section}
	for k, more := range texts[1:] {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(more), nil, nil,
			slack.SectionBlockOptionBlockID(fmt.Sprintf("person_%d_more_%d", i, k+1))))
	}
	if alone && len(meta) > 0 {
		blocks = append(blocks, slack.NewContextBlock(fmt.Sprintf("person_%d_meta", i), mrkdwn(strings.Join(meta, " · "))))
	}
	if chooser != nil {
		blocks = append(blocks, chooser)
	}
	return blocks
}

// personHead is the first line of a person's section: the display name in
// bold, linked to the person in Atlassian Administration, and the email, or
// whatever of them is known.
func personHead(p Person, email string, v View) string {
	name := EscapeMrkdwn(sanitize(p.Account.DisplayName, maxNameRunes))
	if u := personAdminURL(p, v); u != "" && name != "" {
		name = "<" + u + "|" + name + ">"
	}
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

// summaryLine is the line under the name: where and when the person was
// last active anywhere, and the account's status when it is known. A
// suspended, deactivated or closed account holds no seat, so it is never
// called idle.
func summaryLine(p Person, v View) string {
	var last atlassian.ProductActivity
	for _, pa := range p.Activity.Products {
		if pa.Used() && pa.Last().After(last.Last()) {
			last = pa
		}
	}
	var parts []string
	if last.Used() {
		_, days := seat.VerdictFor(last, v.Now, v.IdleDays)
		b := make([]byte, 0, 160)
		b = append(b, "Last active anywhere: "...)
		b = append(b, EscapeMrkdwn(productName(last.Key))...)
		b = append(b, " on "...)
		b = append(b, siteName(v.Sites, last.ID)...)
		b = append(b, ", "...)
		// The day the count is from, as the product's own line shows it
		// (seat.LastDay): not Atlassian's day when its instant is later.
		b = appendDateToken(b, seat.LastDay(last), last.LastActiveTimestamp)
		b = append(b, " ("...)
		b = appendAgo(b, days)
		parts = append(parts, string(append(b, ')')))
	} else {
		parts = append(parts, "Never active in any product")
	}
	switch st := p.Account.Status; {
	case st == atlassian.StatusActive:
		parts = append(parts, "account active")
	case st.NoSeat():
		return ":no_entry: *Account " + string(st) + "*: it holds no seat, so it is not counted as idle. " + strings.Join(parts, " · ")
	}
	return strings.Join(parts, " · ")
}

// candidateLines lists the accounts that match one email, each linked to
// Atlassian Administration, with the end of its account ID (enough to
// tell two "Ada Lovelace"s apart) and its status when known.
func candidateLines(whom string, cands []atlassian.Account, total int, v View, choose bool) []string {
	intro := fmt.Sprintf(":warning: Several Atlassian accounts match %s.", whom)
	if choose {
		intro += " Choose *This one* below to see that account's activity."
	} else {
		intro += " Check them in Atlassian Administration."
	}
	lines := []string{intro}
	for _, c := range cands {
		name := EscapeMrkdwn(sanitize(c.DisplayName, maxCandidateRunes))
		if name == "" {
			name = "(no name)"
		}
		if u := adminURL(v.OrgID, c.AccountID); u != "" {
			name = "<" + u + "|" + name + ">"
		}
		line := "• " + name
		if id := sanitize(c.AccountID, 200); id != "" {
			line += " (account …" + EscapeMrkdwn(lastRunes(id, 6)) + ")"
		}
		if c.Status != "" {
			line += " · " + EscapeMrkdwn(string(c.Status))
		}
		lines = append(lines, line)
	}
	if more := total - len(cands); more > 0 {
		lines = append(lines, fmt.Sprintf("…and %d more.", more))
	}
	return lines
}

// chooseBlock is one "This one" button per candidate; each value names the
// email and the account, sealed as it is made.
func chooseBlock(i int, email string, cands []atlassian.Account, seal func(string) string) slack.Block {
	var elems []slack.BlockElement
	for j, c := range cands {
		value := ChooseValue(email, c.AccountID)
		if value == "" {
			continue
		}
		label := "This one"
		if n := plainLabel(c.DisplayName, 40); n != "" {
			label += ": " + n
		}
		btn := slack.NewButtonBlockElement(fmt.Sprintf("%s_%d", ActionChoose, j), seal(value), plain(label))
		elems = append(elems, btn)
	}
	if len(elems) == 0 {
		return nil
	}
	return slack.NewActionBlock(fmt.Sprintf("person_%d_choose", i), elems...)
}

// plainLabel makes outside text fit a plain_text label: cleaned, cut, and
// without the three characters Slack would read as entities.
func plainLabel(s string, n int) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '&':
			return -1
		}
		return r
	}, sanitize(s, n))
}

// productLines renders one line per product, in Atlassian's order, with
// the site's host where the person's products span several sites. For an
// account that holds no seat the line says so instead of a verdict.
//
// A product never used by someone added to the org less than the idle
// period ago is "never used · new", as the report counts it (seat.Judge):
// a manager reading the lookup of last week's joiner should not take the
// seat for one to reclaim. added is zero when Atlassian gives no join date.
func productLines(products []atlassian.ProductActivity, status atlassian.AccountStatus, added time.Time, v View) []string {
	multi := false
	for _, pa := range products {
		if atlassian.CloudID(pa.ID) != atlassian.CloudID(products[0].ID) {
			multi = true
			break
		}
	}
	lines := make([]string, 0, len(products))
	// Each line is built in b, reused: one string a line.
	b := make([]byte, 0, 192)
	for _, pa := range products {
		verdict, days := seat.VerdictFor(pa, v.Now, v.IdleDays)
		switch {
		case verdict == seat.VerdictNever:
			b = append(b[:0], ":white_circle: "...)
		case status.NoSeat():
			b = append(b[:0], ":no_entry: "...)
		case verdict == seat.VerdictIdle:
			b = append(b[:0], ":large_orange_circle: "...)
		default:
			b = append(b[:0], ":large_green_circle: "...)
		}
		b = append(b, '*')
		b = append(b, EscapeMrkdwn(productName(pa.Key))...)
		b = append(b, '*')
		if multi {
			b = append(b, " ("...)
			b = append(b, siteName(v.Sites, pa.ID)...)
			b = append(b, ')')
		}
		b = append(b, ": "...)
		if verdict == seat.VerdictNever {
			b = append(b, "never used"...)
			if joined := seat.DaysBetween(added, v.Now); !added.IsZero() && !status.NoSeat() && joined < v.IdleDays {
				b = append(b, " · new: added to the org "...)
				b = appendAgo(b, joined)
			}
			lines = append(lines, string(b))
			continue
		}
		b = appendDateToken(b, seat.LastDay(pa), pa.LastActiveTimestamp)
		b = append(b, ", "...)
		b = appendAgo(b, days)
		switch {
		case status.NoSeat():
			b = append(b, " · account "...)
			b = append(b, status...)
		case verdict == seat.VerdictIdle:
			b = append(b, " · idle"...)
		default:
			b = append(b, " · active"...)
		}
		lines = append(lines, string(b))
	}
	return lines
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

// personAdminURL is adminURL for p's account, or empty when the
// organisation does not hold that account (its page there does not exist).
func personAdminURL(p Person, v View) string {
	if notMember(p) {
		return ""
	}
	return adminURL(v.OrgID, p.Account.AccountID)
}

// adminURL links to the person in Atlassian Administration, or is empty
// when the org or account is unknown or not plausibly an ID.
func adminURL(orgID, accountID string) string {
	if !plausibleID(orgID) || !plausibleID(accountID) {
		return ""
	}
	return "https://admin.atlassian.com/o/" + url.PathEscape(orgID) + "/users/" + url.PathEscape(accountID)
}

// plausibleID accepts IDs that are safe in a URL path and inside a Slack
// link (<url|label>): no spaces, slashes, query or fragment marks, and
// none of the characters that end a link or an entity.
func plausibleID(s string) bool {
	return s != "" && len(s) <= 128 && sanitize(s, 128) == s && !strings.ContainsAny(s, " /?#|<>&")
}

// joinLines puts head and as many lines as fit maxLines and maxChars on
// separate lines, and says how many were left out.
func joinLines(head string, lines []string, maxLines, maxChars int) string {
	var b strings.Builder
	b.WriteString(head)
	shown := shownLines(head, lines, maxLines, maxChars)
	for _, l := range lines[:shown] {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if cut := len(lines) - shown; cut > 0 {
		fmt.Fprintf(&b, "\n_…and %d more not shown, to keep within Slack's message limits._", cut)
	}
	return b.String()
}

// joinMostUnused is joinLines for lines of product and site counts: when
// more than maxLines are given, those left out are the last in rank's
// order (rank compares two lines' indexes, the one with more unused seats
// first), not the last given; those shown keep their order. A summary is
// where a manager looks for waste, and the lines that sort last (Jira
// Software, after Compass and Confluence on every site) were where most
// of it was.
func joinMostUnused(head string, lines []string, rank func(i, j int) int, maxLines, maxChars int) string {
	if len(lines) <= maxLines {
		return joinLines(head, lines, maxLines, maxChars)
	}
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, rank)
	order = order[:maxLines]
	slices.Sort(order)
	kept := make([]string, 0, maxLines)
	for _, i := range order {
		kept = append(kept, lines[i])
	}
	// shownLines leaves 80 characters for its own "not shown" line; this
	// one is longer by what it adds.
	const cutNote = "\n_…and %d more not shown, to keep within Slack's message limits: those shown have the most idle and never-used seats._"
	shown := shownLines(head, kept, maxLines, maxChars-(len(cutNote)-60))
	var b strings.Builder
	b.WriteString(head)
	for _, l := range kept[:shown] {
		b.WriteString("\n")
		b.WriteString(l)
	}
	fmt.Fprintf(&b, cutNote, len(lines)-shown)
	return b.String()
}

// shownLines is how many of lines, from the first, joinLines shows.
func shownLines(head string, lines []string, maxLines, maxChars int) int {
	const reserve = 80 // room for the "not shown" line
	n := utf8.RuneCountInString(head)
	shown := 0
	for _, l := range lines {
		ln := utf8.RuneCountInString(l) + 1
		last := shown == len(lines)-1
		if shown >= maxLines || (n+ln > maxChars-reserve && !(last && n+ln <= maxChars)) {
			break
		}
		n += ln
		shown++
	}
	return shown
}

// splitLines is joinLines for a person alone in a reply: the lines that do
// not fit the first section of maxChars go on in further sections, each
// as long at most, until maxLines lines or total characters in all; what
// is still left out is said at the end.
func splitLines(head string, lines []string, maxLines, maxChars, total int) []string {
	const reserve = 80 // room for the "not shown" line
	var texts []string
	var b strings.Builder
	b.WriteString(head)
	n := utf8.RuneCountInString(head)
	used, shown := n, 0
	for _, l := range lines {
		ln := utf8.RuneCountInString(l) + 1
		if shown >= maxLines || used+ln > total-reserve {
			break
		}
		if n+ln > maxChars-reserve {
			texts = append(texts, b.String())
			b.Reset()
			n, ln = 0, ln-1
		} else {
			b.WriteString("\n")
		}
		b.WriteString(l)
		n += ln
		used += ln
		shown++
	}
	if cut := len(lines) - shown; cut > 0 {
		fmt.Fprintf(&b, "\n_…and %d more not shown, to keep within Slack's message limits._", cut)
	}
	return append(texts, b.String())
}

// lookupFallback is the plain summary Slack shows in notifications: ISO
// dates (no date tokens) and when the data was read, in UTC.
func lookupFallback(people []Person, v View, notes []string) string {
	// The notes come after the people and are never cut: the people's
	// lines make room for them (each note is at most ~700 bytes).
	room := maxTextRunes - 10
	for _, n := range notes {
		room -= 1 + len(n)
	}
	var b strings.Builder
	b.WriteString("Last active dates from Atlassian")
	if len(people) > 1 {
		fmt.Fprintf(&b, " for %d people", len(people))
	}
	fmt.Fprintf(&b, " (as of %s):", asOf(people, v.Now).UTC().Format("2006-01-02 15:04 UTC"))
	for _, p := range people {
		line := personSummary(p, v)
		if b.Len()+1+len(line) > room {
			b.WriteString("\n…")
			break
		}
		b.WriteByte('\n')
		b.WriteString(line)
	}
	for _, n := range notes {
		b.WriteByte('\n')
		b.WriteString(n)
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
	case notMember(p):
		return who + ": " + firstSentence(notMemberText(""))
	case errors.Is(p.Err, atlassian.ErrAmbiguous):
		// The reply lists them (with This one when it can): "check them in
		// Atlassian Administration" told the reader of the notification
		// something else than the message it opens.
		return who + ": Several Atlassian accounts match this email; the reply lists them."
	case p.Err != nil || p.Activity == nil:
		return who + ": " + firstSentence(errorText(p.Err, "", 0))
	case len(p.Activity.Products) == 0:
		return who + ": no recorded activity in any product"
	}
	// One buffer for the whole line: built part by part and joined, it
	// was three or four strings a product.
	var b strings.Builder
	b.Grow(len(who) + 2 + 48*min(len(p.Activity.Products), 4))
	b.WriteString(who)
	b.WriteString(": ")
	sep := ""
	if p.Account.Status.NoSeat() {
		b.WriteString("account ")
		b.WriteString(string(p.Account.Status))
		sep = ", "
	}
	for i, pa := range p.Activity.Products {
		b.WriteString(sep)
		sep = ", "
		if i == 3 {
			b.WriteString(strconv.Itoa(len(p.Activity.Products) - 3))
			b.WriteString(" more")
			break
		}
		verdict, _ := seat.VerdictFor(pa, v.Now, v.IdleDays)
		word := string(verdict)
		if p.Account.Status.NoSeat() && verdict != seat.VerdictNever {
			word = "last used"
		}
		b.WriteString(EscapeMrkdwn(productName(pa.Key)))
		b.WriteByte(' ')
		b.WriteString(word)
		if verdict != seat.VerdictNever {
			b.WriteString(" (")
			b.Write(seat.LastDay(pa).AppendFormat(make([]byte, 0, 10), time.DateOnly))
			b.WriteByte(')')
		}
	}
	return b.String()
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
		"*Who looked someone up* (report users only): `/lastactive audit ada@example.com`: lookups, shares, reports, nudges and releases of the last 90 days",
		"*Seat digest now* (report users only): `/lastactive digest`",
		"*Never nudge someone* (report users only): `/lastactive exempt ada@example.com confluence until 2030-01-31 on leave` (without `until`: for good)",
		"*Exemptions* (report users only): `/lastactive exempt list`, and `/lastactive exempt remove ada@example.com confluence` to end one",
		"*This help:* `/lastactive help`",
	}, "\n")
	return Message{
		Text: "How to use /lastactive: /lastactive EMAIL [EMAIL …] [--fresh], /lastactive @person, /lastactive help; report users also: idle [DAYS] [PRODUCT …], audit EMAIL, digest, exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON, exempt list, exempt remove EMAIL PRODUCT…",
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
	usage := shortUsage
	var ue *UsageError
	if errors.As(err, &ue) {
		reason = EscapeMrkdwn(ue.Reason)
		if ue.Form != "" {
			usage = "Usage: " + ue.Form + ", or `/lastactive help` for examples."
		}
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
			slack.NewContextBlock("usage_help", mrkdwn(usage)),
		},
	}
}

// RenderNotice renders a short notice of ours that has no kind (its
// block_id is "notice"). It is escaped all the same, as it may quote
// something. Replies to commands and clicks use RenderNoticeKind.
func RenderNotice(text string) Message { return renderNotice(noticeBlockID, text) }

// RenderNoticeKind renders a short notice of ours (a refusal, "not
// allowed", "rate limited") whose block_id, "notice.<kind>", names what it
// says (NoticeOf reads it back). It is escaped all the same, as it may
// quote something.
func RenderNoticeKind(kind NoticeKind, text string) Message {
	return renderNotice(noticeBlockID+"."+string(kind), text)
}

// renderEscapedNotice is RenderNoticeKind for text already safe in mrkdwn,
// each piece from outside escaped by the caller: escaping it whole would
// cut it at EscapeMrkdwn's 500 characters and make its line breaks spaces.
// The caller keeps it within a section's 3,000 characters.
func renderEscapedNotice(kind NoticeKind, text string) Message {
	return Message{
		Text:   text,
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(noticeBlockID+"."+string(kind)))},
	}
}

func renderNotice(blockID, text string) Message {
	t := EscapeMrkdwn(text)
	if t == "" {
		t = "Nothing to show."
	}
	return Message{
		Text:   t,
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID(blockID))},
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

// RefreshValue is the value of a Refresh button: ButtonValue(emails), then
// "@U…" for each Slack user of emails whose email could not be read (a
// mention), then, when the answer names people it did not look up or lines
// it skipped, "|", the people (emails, "@U…" for a Slack user) and "|", the
// numbers of the skipped lines, each list ending in "+N" for those past the
// room: Refresh names them again instead of dropping them. A value without
// "|" (a button made before) is ButtonValue's.
func RefreshValue(emails []string, v View) string {
	value := ButtonValue(emails)
	n := strings.Count(value, " ") + 1
	if value == "" {
		n = 0
	}
	mentioned := make(map[string]bool)
	for _, e := range emails {
		if !strings.HasPrefix(e, "@") || !validUserID(e[1:]) || mentioned[e] || n == MaxTargets ||
			len(value)+1+len(e) > maxButtonValue-buttonValueRoom {
			continue
		}
		mentioned[e] = true
		if value != "" {
			value += " "
		}
		value += e
		n++
	}
	if value == "" || len(v.NotLookedUp) == 0 && len(v.Skipped) == 0 && v.MoreNotLookedUp == 0 && v.MoreSkipped == 0 {
		return value
	}
	room := maxButtonValue - buttonValueRoom - len(value)
	// The counts, each "|+N" at most, and the skipped lines are kept room
	// for first; the people fill what is left.
	room -= 2 * len("|+99999")
	var lines strings.Builder
	carried := 0
	for _, l := range v.Skipped {
		n := strconv.Itoa(l.Line)
		if carried == maxSkippedCarried || l.Line < 1 || carried > 0 && l.Line <= v.Skipped[carried-1].Line {
			break
		}
		if carried > 0 {
			lines.WriteByte(' ')
		}
		lines.WriteString(n)
		carried++
	}
	room -= lines.Len()
	looked := make(map[string]bool)
	for _, e := range strings.Split(value, " ") {
		looked[e] = true
	}
	var people strings.Builder
	more := v.MoreNotLookedUp
	for i, t := range v.NotLookedUp {
		w := t.Email
		if t.UserID != "" {
			w = "@" + t.UserID
		}
		if looked[w] {
			continue // a Slack user looked up by mention, named by email here
		}
		looked[w] = true
		if !validEmail(w) && !(strings.HasPrefix(w, "@") && validUserID(w[1:])) || people.Len()+1+len(w) > room {
			more += len(v.NotLookedUp) - i
			break
		}
		if people.Len() > 0 {
			people.WriteByte(' ')
		}
		people.WriteString(w)
	}
	skippedMore := v.MoreSkipped + len(v.Skipped) - carried
	if people.Len() == 0 && more == 0 && lines.Len() == 0 && skippedMore == 0 {
		// Everyone named was looked up after all (by mention): no empty
		// lists, which ParseRefreshValue refuses as forged.
		return value
	}
	b := strings.Builder{}
	b.WriteString(value)
	b.WriteString(refreshSep)
	b.WriteString(withCount(people.String(), more))
	b.WriteString(refreshSep)
	b.WriteString(withCount(lines.String(), skippedMore))
	return b.String()
}

// withCount is list with " +n" after it when n > 0 ("+n" alone for none).
func withCount(list string, n int) string {
	if n <= 0 {
		return list
	}
	n = min(n, 99999)
	if list == "" {
		return "+" + strconv.Itoa(n)
	}
	return list + " +" + strconv.Itoa(n)
}

const (
	refreshSep = "|"
	// maxSkippedCarried is how many skipped lines a Refresh button carries
	// by number; the reply names maxSkippedNamed of them.
	maxSkippedCarried = maxSkippedNamed
)

// ParseRefreshValue reads a Refresh button's value as strictly as
// RefreshValue made it: the emails to look up again, and the View fields
// that name whom the answer did not look up.
//
// emails holds "@U…" for each Slack user to look up by their profile
// again (their email was not read), after the emails.
func ParseRefreshValue(value string) (emails []string, extra View, err error) {
	head, tail, found := strings.Cut(value, refreshSep)
	if emails, err = parseRefreshHead(head); err != nil || !found {
		return emails, View{}, err
	}
	bad := errors.New("button value: bad list of people not looked up")
	people, lines, ok := strings.Cut(tail, refreshSep)
	if !ok || strings.Contains(lines, refreshSep) {
		return nil, View{}, bad
	}
	seen := make(map[Target]bool)
	for _, e := range emails {
		if strings.HasPrefix(e, "@") {
			seen[Target{UserID: e[1:]}] = true
		} else {
			seen[Target{Email: e}] = true
		}
	}
	words, more, ok := splitCount(people)
	if !ok {
		return nil, View{}, bad
	}
	for _, w := range words {
		t, ok := Target{Email: w}, validEmail(w)
		if strings.HasPrefix(w, "@") {
			t, ok = Target{UserID: w[1:]}, validUserID(w[1:])
		}
		if !ok || seen[t] {
			return nil, View{}, bad
		}
		seen[t] = true
		extra.NotLookedUp = append(extra.NotLookedUp, t)
	}
	extra.MoreNotLookedUp = more
	words, more, ok = splitCount(lines)
	if !ok || len(words) > maxSkippedCarried {
		return nil, View{}, bad
	}
	for _, w := range words {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || strconv.Itoa(n) != w || len(extra.Skipped) > 0 && n <= extra.Skipped[len(extra.Skipped)-1].Line {
			return nil, View{}, bad
		}
		extra.Skipped = append(extra.Skipped, SkippedLine{Line: n})
	}
	extra.MoreSkipped = more
	if len(extra.NotLookedUp) == 0 && extra.MoreNotLookedUp == 0 && len(extra.Skipped) == 0 && extra.MoreSkipped == 0 {
		return nil, View{}, bad // RefreshValue adds no empty lists
	}
	return emails, extra, nil
}

// parseRefreshHead reads the people of a Refresh value before any "|":
// ParseButtonValue's emails, then "@U…" for each Slack user whose email
// was not read, as RefreshValue writes them.
func parseRefreshHead(head string) ([]string, error) {
	words := strings.Split(head, " ")
	i := slices.IndexFunc(words, func(w string) bool { return strings.HasPrefix(w, "@") })
	if i < 0 {
		return ParseButtonValue(head)
	}
	var emails []string
	if i > 0 {
		var err error
		if emails, err = ParseButtonValue(strings.Join(words[:i], " ")); err != nil {
			return nil, err
		}
	}
	if len(head) > maxButtonValue || len(words) > MaxTargets {
		return nil, errors.New("button value: too long or too many people")
	}
	seen := make(map[string]bool)
	for _, w := range words[i:] {
		if !strings.HasPrefix(w, "@") || !validUserID(w[1:]) || seen[w] {
			return nil, errors.New("button value: not a Slack user ID")
		}
		seen[w] = true
		emails = append(emails, w)
	}
	return emails, nil
}

// splitCount splits a list of RefreshValue into its words and the count
// after them ("+N"); "" is no words and no count.
func splitCount(list string) (words []string, more int, ok bool) {
	if list == "" {
		return nil, 0, true
	}
	words = strings.Split(list, " ")
	if last := words[len(words)-1]; strings.HasPrefix(last, "+") {
		n, err := strconv.Atoi(last[1:])
		if err != nil || n < 1 || n > 99999 || strconv.Itoa(n) != last[1:] {
			return nil, 0, false
		}
		words, more = words[:len(words)-1], n
	}
	for _, w := range words {
		if w == "" {
			return nil, 0, false
		}
	}
	return words, more, true
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

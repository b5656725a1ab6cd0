package bot

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lastactive/internal/state"
	"lastactive/seat"
)

// CommandKind says what a /lastactive command asks for.
type CommandKind int

// The kinds of command.
const (
	CmdHelp   CommandKind = iota // "help" or nothing at all
	CmdLookup                    // one or more people
	CmdIdle                      // the org-wide idle seat report
	CmdAudit                     // who looked one person up (report users)
	CmdDigest                    // the seat digest, now, privately
)

// MaxTargets is how many people one command may look up: enough for a
// support case, few enough for one message and for Atlassian's rate limits.
const MaxTargets = 10

// Limits on what ParseCommand accepts.
const (
	// Slack's mailto form doubles each email: a column of 40 addresses of
	// 40 characters pasted from a spreadsheet arrives as 3,600 runes, 100
	// of them as 9,000 (the first ten are looked up, the rest named).
	// Anything past 10,000 is not a list of people.
	maxCommandRunes = 10000
	maxIdleDays     = seat.MaxIdleDays
	maxProducts     = seat.MaxProductFilter
	maxQuoted       = 40 // runes of a bad token quoted back in an error
)

// Command is a parsed /lastactive command text.
type Command struct {
	Kind    CommandKind
	Targets []Target // CmdLookup: 1..MaxTargets, deduplicated, in order
	// NotLookedUp are the distinct targets past MaxTargets, in order: the
	// reply names them rather than refusing the whole list.
	NotLookedUp []Target
	// Skipped are the lines of a pasted table with no address in them (a
	// header row, a name without its email), named in the reply (parseRows).
	Skipped  []SkippedLine
	Fresh    bool     // "--fresh" anywhere in the text: bypass the cache
	IdleDays int      // CmdIdle: 0 means the configured default
	Products []string // CmdIdle: known product keys, canonical (seat.Canonical), deduplicated

	Exempt ExemptArgs // CmdExempt (exempt.go)
}

// Target is one person to look up: by email, or by Slack user, whose email
// the bot resolves later.
type Target struct {
	Email  string // normalised (trimmed, lower case); empty when UserID is set
	UserID string // from a mention <@U123ABC> or <@U123ABC|name>
}

// SkippedLine is a line of a pasted table that held nobody to look up.
type SkippedLine struct {
	Line int    // 1 for the first line of the text
	Text string // the line, quoted and cleaned as quote does: plain text, to be escaped
}

// UsageError says what was wrong with a command text. Reason is plain text
// for a person; it may quote a short, cleaned piece of the input, so
// renderers must escape it (RenderUsage does). Form, when set, is the
// usage of the subcommand that was mistyped (mrkdwn of ours, no input), shown
// in place of the lookup's.
type UsageError struct {
	Reason, Form string
	// Slash marks a Reason that names the slash command's own words (a
	// subcommand meant by a mistyped word: commandTypo), which a terminal
	// reading the same text as a list of emails has no use for.
	Slash bool
}

func (e *UsageError) Error() string { return "usage: " + e.Reason }

func usagef(format string, args ...any) error {
	return &UsageError{Reason: fmt.Sprintf(format, args...)}
}

// ParseCommand parses the text of a /lastactive command as Slack sends it:
// typed '&', '<' and '>' arrive as entities, and real '<…>' are Slack's own
// control sequences (mentions, channels, links, mailto). Any error is a
// *UsageError naming the first thing that was wrong.
func ParseCommand(text string) (Command, error) {
	if !utf8.ValidString(text) {
		return Command{}, usagef("The command contains bytes that are not text.")
	}
	if n := utf8.RuneCountInString(text); n > maxCommandRunes {
		// Not echoed: nobody needs a thousand characters quoted back.
		return Command{}, usagef("The command is too long (%d characters; at most %d). Look up at most %d people at once.", n, maxCommandRunes, MaxTargets)
	}
	for _, r := range text {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return Command{}, usagef("The command contains control characters; type the email addresses again.")
		}
	}
	// Addresses pasted from web pages and mail clients carry invisible
	// format characters (zero-width space, BOM, soft hyphen, bidi marks):
	// not part of what the person sees, nor of any address, so dropped.
	if strings.IndexFunc(text, isFormat) >= 0 {
		text = strings.Map(func(r rune) rune {
			if isFormat(r) {
				return -1
			}
			return r
		}, text)
	}
	tokens, err := tokenize(text)
	if err != nil {
		return Command{}, err
	}

	var cmd Command
	words := tokens[:0]
	for _, t := range tokens {
		if t.kind == tokWord && isFresh(t.text) {
			cmd.Fresh = true
			continue
		}
		if rest, ok := cutFresh(t.text); ok && t.kind == tokWord {
			cmd.Fresh, t.text = true, rest
		}
		words = append(words, t)
	}
	// The help shows each example with the command's name: pasted whole
	// after the slash command, or into the demo, the name comes again.
	if len(words) > 0 && words[0].kind == tokWord && strings.EqualFold(words[0].text, "/lastactive") {
		words = words[1:]
	}
	if len(words) == 0 {
		if cmd.Fresh {
			return Command{}, usagef("--fresh needs at least one email, e.g. ada@example.com --fresh.")
		}
		return Command{Kind: CmdHelp}, nil
	}
	// A table pasted from a spreadsheet whose first cell is "Idle" or
	// "Audit" (a status column, a header row) is a paste, not that
	// subcommand, when people are on several of its lines (pastedTable),
	// or on one under a header that the subcommand refuses or that is
	// "Help". Typed by hand (no tab), or a single row, it is the subcommand.
	// A subcommand that parses is a paste only when its first word is a
	// cell (firstCell): an exemption whose reason holds a tab, with an
	// address on its next line, was read as a lookup of both people
	// (TestExemptionWithATabInItsReasonIsKept).
	if sub, isSub := parseSubcommand(text, words, cmd.Fresh); isSub {
		n := pastedTable(text, words)
		if sub.err == nil && !firstCell(text, words) {
			n = 0
		}
		switch {
		case n >= 2:
		case n == 1 && (sub.err != nil || sub.cmd.Kind == CmdHelp):
			if _, _, table, err := parseRows(text, words); !table || err != nil {
				return sub.cmd, sub.err
			}
		default:
			return sub.cmd, sub.err
		}
	}

	cmd.Kind = CmdLookup
	targets, skipped, table, rowErr := parseRows(text, words)
	if !table || rowErr != nil {
		var err error
		if targets, err = parseTargets(words); err != nil {
			if typo := commandTypo(words[0]); typo != nil && rowErr == nil {
				return Command{}, typo
			}
			return Command{}, cmp.Or(rowErr, err)
		}
		skipped = nil
	}
	cmd.Skipped = skipped
	seen := make(map[Target]bool, len(targets))
	for _, t := range targets {
		if seen[t] {
			continue
		}
		seen[t] = true
		if len(cmd.Targets) == MaxTargets {
			cmd.NotLookedUp = append(cmd.NotLookedUp, t)
			continue
		}
		// A copy of its own: the lookup cache keys its answer by the
		// address for the TTL, and a slice would keep the whole text.
		t.Email, t.UserID = strings.Clone(t.Email), strings.Clone(t.UserID)
		cmd.Targets = append(cmd.Targets, t)
	}
	return cmd, nil
}

// subcommand is what parseSubcommand read: the command, or its refusal.
type subcommand struct {
	cmd Command
	err error
}

func result(cmd Command, err error) (subcommand, bool) { return subcommand{cmd, err}, true }

// parseSubcommand reads words, the command's text less --fresh, as help or
// one of the report users' subcommands, and reports whether its first word
// names one.
func parseSubcommand(text string, words []token, fresh bool) (subcommand, bool) {
	// A "?" with an address after it is the punctuation dropped beside
	// that address, as it was before "?" alone meant help.
	if words[0].kind == tokWord && isHelp(words[0].text) &&
		(len(words) == 1 || strings.Trim(words[0].text, sentencePunct) != "") {
		return subcommand{cmd: Command{Kind: CmdHelp}}, true
	}
	switch strings.ToLower(words[0].text) {
	case "idle":
		return result(withForm(idleForm)(parseIdle(texts(words[1:]), fresh)))
	case "audit":
		return result(withForm(auditForm)(parseAudit(texts(words[1:]))))
	case "digest":
		return result(withForm(digestForm)(parseDigest(texts(words[1:]), fresh)))
	case "exempt":
		// The reason is kept as typed, commas and quotes included.
		args := words[1:]
		// from(i, j) is the text of words i to j-1 as typed, without the
		// separators after the last.
		from := func(i, j int) string {
			if i >= len(args) || i >= j {
				return ""
			}
			if j >= len(args) {
				return text[args[i].start:]
			}
			// Up to the next word, less the spaces and comma between.
			return strings.TrimRightFunc(text[args[i].start:args[j].start], func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
		}
		return result(withForm(exemptForm)(parseExempt(texts(args), from)))
	}
	return subcommand{}, false
}

// pastedTable is, for a text pasted from a spreadsheet (a tab in it: Slack's
// box does not type one; or a first word that is a CSV cell, firstCell; and
// words on more than one line), how many of its lines hold a cell that
// claims to be a person (claimsAddress); for any other text, 0.
func pastedTable(text string, words []token) int {
	if len(words) == 0 || !strings.ContainsRune(text, '\t') && !firstCell(text, words) {
		return 0
	}
	lines := lineStarts(text)
	if lineOf(lines, words[0].start) == lineOf(lines, words[len(words)-1].start) {
		return 0
	}
	n, last := 0, -1
	for _, w := range words {
		if l := lineOf(lines, w.start); l != last && claimsAddress(w) {
			n, last = n+1, l
		}
	}
	return n
}

// firstCell reports whether the first of words is a cell of a pasted
// table: a tab, or a comma alone (a CSV row: `Idle,ada@x.com`), between it
// and the next word. Comma-separated rows led by a subcommand word were
// read as that subcommand where the same rows with tabs were a paste
// (TestCSVRowsWhoseFirstCellIsASubcommand); typed by hand, a comma has a
// space after it, or the text is one line.
func firstCell(text string, words []token) bool {
	if len(words) < 2 || words[0].kind != tokWord {
		return false
	}
	sep := text[words[0].start+len(words[0].text) : words[1].start]
	return strings.ContainsRune(sep, '\t') || sep == ","
}

// The usage of each subcommand, shown under a mistake in it.
const (
	idleForm   = "`/lastactive idle [DAYS] [PRODUCT …]` (report users only), e.g. `/lastactive idle 90 confluence`"
	auditForm  = "`/lastactive audit EMAIL` (report users only), e.g. `/lastactive audit ada@example.com`"
	digestForm = "`/lastactive digest` (report users only)"
	exemptForm = "`/lastactive exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON`, `/lastactive exempt list` or `/lastactive exempt remove EMAIL PRODUCT…` (report users only)"
)

// withForm sets form on the UsageError a subcommand's parser returns.
func withForm(form string) func(Command, error) (Command, error) {
	return func(cmd Command, err error) (Command, error) {
		var ue *UsageError
		if errors.As(err, &ue) && ue.Form == "" {
			ue.Form = form
		}
		return cmd, err
	}
}

// The kinds of token in a command text.
const (
	tokWord    = iota // a run of text between separators
	tokControl        // Slack's own "<…>": a mention, a mailto link, a channel
	tokQuoted         // "…" or “…”: a display name pasted from a mail client
)

type token struct {
	kind  int
	text  string
	start int // byte offset of the token in the text, its opening quote included
}

// tokenize splits text on white space, commas and semicolons (people paste
// lists from mail clients), keeping each Slack control sequence "<…>"
// whole (a link's label may contain spaces), each quoted display name
// whole (it may contain a comma), and each entity (&amp; &lt; &gt;) whole,
// so that the semicolon ending it is not taken for a separator.
func tokenize(text string) ([]token, error) {
	var tokens []token
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isSeparator(r):
			i += size
			continue
		case r == '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return nil, usagef("%s is not an email address.", quote(text[i:]))
			}
			tokens = append(tokens, token{tokControl, text[i : i+end+1], i})
			i += end + 1
			continue
		case r == '"' || r == '“':
			rest := text[i+size:]
			end := strings.IndexAny(rest, "\"”")
			if end < 0 {
				end = len(rest)
			}
			tokens = append(tokens, token{tokQuoted, rest[:end], i})
			i += size + end
			if i < len(text) {
				_, q := utf8.DecodeRuneInString(text[i:])
				i += q
			}
			continue
		}
		j := i
		for j < len(text) {
			if e := entityAt(text[j:]); e > 0 {
				j += e
				continue
			}
			r, size := utf8.DecodeRuneInString(text[j:])
			if isSeparator(r) || r == '<' || r == '"' || r == '“' {
				break
			}
			j += size
		}
		tokens = append(tokens, token{tokWord, text[i:j], i})
		i = j
	}
	return tokens, nil
}

// entityAt returns the length of the entity s starts with, or 0.
func entityAt(s string) int {
	for _, e := range []string{"&amp;", "&lt;", "&gt;"} {
		if strings.HasPrefix(s, e) {
			return len(e)
		}
	}
	return 0
}

// isSeparator: white space, commas and semicolons, with the full-width
// comma and semicolon and the ideographic comma that Chinese and Japanese
// input methods type.
func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == ',' || r == ';' || r == '，' || r == '；' || r == '、'
}

// parseTargets reads the tokens of a lookup. Mail clients paste addresses
// with display names: `Ada Lovelace <ada@x.com>`, `"Lovelace, Ada"
// <ada@x.com>`; Slack sends the typed brackets as &lt; &gt;, often around
// its own mailto link. Words and quoted names are held until an address in
// brackets follows, which they then name; if none follows, the first of
// them is the error.
func parseTargets(tokens []token) ([]Target, error) {
	var targets []Target
	var pending []token // a display name waiting for its <address>
	open := false       // inside "&lt; … &gt;" split by a mailto link
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		t := pending[0]
		if t.kind == tokQuoted {
			if err := quotedListErr(t.text); err != nil {
				return err
			}
			return usagef("%s is a name, not an email address; paste it with its address, e.g. \"Lovelace, Ada\" <ada@example.com>.", quote(unescapeEntities(t.text)))
		}
		_, err := parseTarget(t.text)
		return err
	}
	tokens = dropComments(tokens)
	for _, t := range tokens {
		if t.kind == tokWord && strings.Trim(unescapeEntities(t.text), sentencePunct) == "" {
			continue // a full stop or bracket Slack left beside the address it linked
		}
		if t.kind == tokQuoted && strings.TrimSpace(t.text) == "" {
			continue // the “ that closes a German „…“ opens an empty quote
		}
		if t.kind == tokQuoted {
			// An address in quotes is that address, as it is without them.
			found, err := parseTarget(strings.TrimSpace(t.text))
			list := []Target{found}
			if err != nil {
				if list = quotedList(t.text); list == nil {
					pending = append(pending, t)
					continue
				}
			}
			if err := flush(); err != nil {
				return nil, err
			}
			pending = nil
			targets = append(targets, list...)
			continue
		}
		text, bracketed := t.text, open
		if t.kind == tokWord {
			// The brackets are read inside a sentence's punctuation:
			// "Ada &lt;ada@x.com&gt;." and "(&lt;ada@x.com&gt;)"; the
			// full-width ＜ ＞ of an East Asian input method are brackets.
			plain := strings.Trim(halfWidthAngles(unescapeEntities(text)), sentencePunct)
			switch {
			case plain == "<":
				open = true
				continue
			case plain == ">":
				open = false
				continue
			case strings.HasPrefix(plain, "<") && strings.HasSuffix(plain, ">") && len(plain) > 2:
				// "&lt;ada@x.com&gt;": an address Slack did not link.
				text, bracketed = plain[1:len(plain)-1], true
			case strings.HasPrefix(plain, "<"):
				text, open, bracketed = plain[1:], true, true
			case strings.HasSuffix(plain, ">"):
				text, open = plain[:len(plain)-1], false
			}
		} else if inner := t.text[1 : len(t.text)-1]; strings.Contains(inner, "@") && !strings.HasPrefix(inner, "@") &&
			!strings.HasPrefix(inner, "mailto:") && !strings.ContainsRune(inner, '|') {
			// A raw "<ada@x.com>", as a terminal passes it.
			bracketed = true
		}
		target, err := parseTarget(text)
		if err != nil {
			if bracketed {
				if t.kind == tokWord {
					_, err = parseTarget(t.text) // quote what was typed
				}
				return nil, err
			}
			pending = append(pending, t)
			continue
		}
		if !bracketed {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		pending = nil
		targets = append(targets, target)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, usagef("There is no email address in that command; try /lastactive help.")
	}
	return targets, nil
}

// dropComments leaves out of tokens each bracketed comment that follows a
// word claiming to be an address (claimsAddress): RFC 5322's comment, as
// some mail clients copy an address with its name, `ada@x.com (Ada
// Lovelace)`, which was refused as "“(Ada” is not an email address"
// (TestAddressWithACommentAfterIt). A comment runs from a word that opens
// with "(" to the first that closes with ")", less a sentence's full stop
// after it; one that holds an '@' (an address in brackets) or that nothing
// closes is no comment, and stays to be read.
func dropComments(tokens []token) []token {
	var out []token // nil until a comment is found: then the tokens kept
	for i := 0; i < len(tokens); i++ {
		t, kept := tokens[i], out
		if out == nil {
			kept = tokens[:i]
		}
		if t.kind == tokWord && strings.HasPrefix(t.text, "(") && len(kept) > 0 && claimsAddress(kept[len(kept)-1]) {
			if n := commentEnd(tokens[i:]); n > 0 {
				if out == nil {
					out = slices.Clone(tokens[:i])
				}
				i += n - 1
				continue
			}
		}
		if out != nil {
			out = append(out, t)
		}
	}
	if out == nil {
		return tokens
	}
	return out
}

// commentEnd is, for tokens starting with a word that opens "(", how many
// of them the comment takes, or 0 when they hold no comment.
func commentEnd(tokens []token) int {
	for i, t := range tokens {
		if t.kind != tokWord || strings.ContainsAny(t.text, "@＠") {
			return 0
		}
		if strings.HasSuffix(strings.TrimRight(t.text, ".:;!?。"), ")") {
			return i + 1
		}
	}
	return 0
}

// parseRows reads a list pasted from a spreadsheet, a table of one or more
// columns: text of several lines, or cells separated by tabs. Each line is a
// row, read as a command of its own (parseTargets); a row that is not one
// loses its cells that hold no '@' and are no Slack link (a name column:
// `Ada Lovelace<TAB>ada@x.com`, `Lovelace,ada@x.com`), and a row left with
// nothing (a header: `email`, `name,email`; a name without its address) is
// skipped, to be named in the reply. A cell that claims to be an address
// and is not one is the error: it is never dropped unsaid. table is false
// when text is no table, or has no address in any row.
func parseRows(text string, words []token) (targets []Target, skipped []SkippedLine, table bool, err error) {
	if len(words) == 0 || !strings.ContainsAny(text, "\n\r\t") {
		return nil, nil, false, nil
	}
	lines := lineStarts(text)
	multi := false
	for i := 0; i < len(words); {
		line := lineOf(lines, words[i].start)
		j := i + 1
		for j < len(words) && lineOf(lines, words[j].start) == line {
			j++
		}
		row := words[i:j]
		if i > 0 || j < len(words) {
			multi = true
		}
		i = j
		found, err := parseTargets(row)
		if err != nil {
			var cells []token
			for _, t := range row {
				if claimsAddress(t) {
					cells = append(cells, t)
				}
			}
			if len(cells) == 0 {
				skipped = append(skipped, SkippedLine{Line: line + 1, Text: quoteLine(text[lines[line]:lineEnd(text, lines, line)])})
				continue
			}
			if found, err = parseTargets(cells); err != nil {
				return nil, nil, true, err
			}
		}
		targets = append(targets, found...)
	}
	if len(targets) == 0 || !multi && !strings.ContainsRune(text, '\t') {
		return nil, nil, false, nil
	}
	return targets, skipped, true, nil
}

// lineStarts returns the byte offset at which each line of text starts:
// lines end at "\n", "\r\n" or a lone "\r".
func lineStarts(text string) []int {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		case '\n':
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineOf is the index of the line that holds the byte at offset.
func lineOf(starts []int, offset int) int {
	i, _ := slices.BinarySearch(starts, offset+1)
	return i - 1
}

// lineEnd is the offset of the end of line i, its line break excluded.
func lineEnd(text string, starts []int, i int) int {
	if i+1 < len(starts) {
		return len(strings.TrimRight(text[:starts[i+1]], "\r\n"))
	}
	return len(text)
}

// claimsAddress reports whether a token of a row is meant as a person: it
// holds an '@' (or a full-width one), or is a Slack link or mention.
func claimsAddress(t token) bool {
	return t.kind == tokControl || strings.ContainsAny(t.text, "@＠")
}

// quoteLine quotes a skipped line as quote does, and not at all when any
// of it looks like a secret pasted by mistake: quote looks only at the
// first maxQuoted runes, where a token at their end would be cut short
// enough to pass.
func quoteLine(line string) string {
	if HasPastedSecret(line) {
		return "That text"
	}
	return quote(strings.TrimSpace(line))
}

// quotedList reads the inside of quotes as a list of people ("ada@x.com,
// grace@x.com", a cell copied from a CSV file), or returns nil when any
// word of it is not one: then the quotes hold a name. A display name with
// its address in brackets ("Lovelace, Ada <ada@x.com>", a CSV cell) is
// that address, as the same text without quotes is (quotedTargets).
func quotedList(text string) []Target {
	tokens, err := tokenize(text)
	if err != nil {
		return nil
	}
	var list []Target
	for _, t := range tokens {
		if strings.TrimSpace(strings.Trim(t.text, sentencePunct)) == "" {
			continue // a full stop, or the quotes of a German „…“
		}
		target, err := parseTarget(t.text)
		if err != nil {
			list, _ = quotedTargets(tokens)
			return list
		}
		list = append(list, target)
	}
	return list
}

// quotedTargets reads the tokens of the inside of quotes as parseTargets
// reads a command's: display names before bracketed addresses, Slack's
// &lt; &gt; and mailto links. Not when they hold quotes of their own (a
// “ inside "…"): each level would read the next again, twice.
func quotedTargets(tokens []token) ([]Target, error) {
	for _, t := range tokens {
		if t.kind == tokQuoted {
			return nil, errNestedQuotes
		}
	}
	return parseTargets(tokens)
}

// errNestedQuotes is quotedTargets' refusal of quotes within quotes.
var errNestedQuotes = errors.New("quotes within quotes")

// quotedListErr is, for the inside of quotes that quotedList refused and
// whose first word is an address (a list of addresses, a CSV cell), the
// refusal of its first word that is not one; nil when the first word is no
// address: then the quotes hold a name.
func quotedListErr(text string) error {
	tokens, err := tokenize(text)
	if err != nil {
		return nil
	}
	first := true
	for _, t := range tokens {
		if strings.TrimSpace(strings.Trim(t.text, sentencePunct)) == "" {
			continue // as quotedList skips them
		}
		_, err := parseTarget(t.text)
		if first && err != nil {
			return nil
		}
		if err != nil {
			return err
		}
		first = false
	}
	return nil
}

// isHelp accepts "help" as people ask for it: "?" alone, "help?" or
// "Help!", and the "—help" that phones make of a typed "--help".
func isHelp(w string) bool {
	w = strings.ToLower(w)
	switch w {
	case "-h", "--help", "—help", "–help":
		return true
	}
	if t := strings.TrimRight(w, "?？!."); t == "help" || t == "" && strings.ContainsAny(w, "?？") {
		return true
	}
	return false
}

// cutFresh returns an address typed with --fresh after it and no space
// between ("ada@example.com--fresh"), less the --fresh. The whole was
// read as an address whose domain ends in "com--fresh", looked up and not
// found (TestFreshAsPeopleTypeIt); no top-level domain ends so.
func cutFresh(w string) (string, bool) {
	for _, f := range []string{"--fresh", "—fresh", "–fresh"} {
		if len(w) > len(f) && strings.EqualFold(w[len(w)-len(f):], f) && strings.Contains(w[:len(w)-len(f)], "@") {
			return w[:len(w)-len(f)], true
		}
	}
	return "", false
}

// freshTypo reports a word meant as --fresh: "-fresh", "fresh",
// "--refresh", "-f", "--no-cache".
func freshTypo(w string) bool {
	bare := strings.TrimLeft(strings.ToLower(w), "-—–")
	switch bare {
	case "fresh", "refresh":
		return true
	case "f", "nocache", "no-cache", "force":
		return bare != w
	}
	return false
}

// isFresh accepts "--fresh" and the em/en dash that phones and macOS put in
// place of a typed "--".
func isFresh(t string) bool {
	switch strings.ToLower(t) {
	case "--fresh", "—fresh", "–fresh":
		return true
	}
	return false
}

func parseIdle(args []string, fresh bool) (Command, error) {
	cmd := Command{Kind: CmdIdle, Fresh: fresh}
	afterDays := false // the word before was the number of days
	for _, a := range args {
		a = strings.ToLower(a)
		wasDays := afterDays
		afterDays = false
		// "30 days", "1 day", "45 d": the unit of the number just read.
		if dayUnit(a) && wasDays {
			continue
		}
		// "30d", "30days", as --since and the retention are written.
		if num := strings.TrimRight(a, "abcdefghijklmnopqrstuvwxyz"); num != a && isDigits(num) {
			if !dayUnit(a[len(num):]) {
				return Command{}, usagef("Give the idle time as a number of days, e.g. idle 90 or idle 90d: %s is not read as days.", quote(unescapeEntities(a)))
			}
			a = num
		}
		if otherUnit(a) || dayUnit(a) {
			return Command{}, usagef("Give the idle time as a number of days, e.g. idle 90 or idle 90d: %s is not read as days.", quote(unescapeEntities(a)))
		}
		if isDigits(a) {
			afterDays = true
			if cmd.IdleDays != 0 {
				return Command{}, usagef("Give the number of days only once (idle %d).", cmd.IdleDays)
			}
			n, err := strconv.Atoi(a)
			if err != nil || n < 1 || n > maxIdleDays || len(a) > 6 {
				return Command{}, usagef("The number of days must be between 1 and %d, e.g. idle 90.", maxIdleDays)
			}
			cmd.IdleDays = n
			continue
		}
		if !seat.Known(a) {
			return Command{}, usagef("%s is neither a number of days (1 to %d) nor a product key I know.%s Product keys: %s.",
				quote(unescapeEntities(a)), maxIdleDays, didYouMean(a), seat.KnownProducts())
		}
		// jira and jira-software are one product: named once, counted once.
		if c := seat.Canonical(a); !contains(cmd.Products, c) {
			cmd.Products = append(cmd.Products, c)
		}
		if len(cmd.Products) > maxProducts {
			return Command{}, usagef("Name at most %d products.", maxProducts)
		}
	}
	return cmd, nil
}

// dayUnit reports a word that says "days" after a number: the idle report
// reads "idle 30d", "idle 30 days" as "idle 30"
// (TestIdleDaysWrittenWithTheirUnit).
func dayUnit(w string) bool { return w == "d" || w == "day" || w == "days" }

// otherUnit reports a unit of time other than days: not guessed at (a
// month of 30 or 31 days? "m" for minutes?), the reply asks for days.
func otherUnit(w string) bool {
	switch w {
	case "h", "hr", "hrs", "hour", "hours", "w", "wk", "wks", "week", "weeks",
		"m", "mo", "mos", "month", "months", "y", "yr", "yrs", "year", "years":
		return true
	}
	return false
}

// subcommandNames are the words that start a subcommand, for commandTypo.
var subcommandNames = []string{"idle", "audit", "digest", "exempt", "help"}

// commandTypo is, for the first word of a command that is no lookup, the
// refusal that names the command it was probably meant to be: a near miss
// of a subcommand ("idel", "adit", as didYouMean judges a product key), or
// a verb of the command line typed after the slash command ("lookup",
// "report"); nil for any other word. "“idel” is not an email address" said
// nothing of the command meant (TestMistypedCommandIsNamed).
func commandTypo(first token) error {
	if first.kind != tokWord || strings.ContainsAny(first.text, "@＠") {
		return nil
	}
	w := strings.ToLower(first.text)
	switch w {
	case "lookup":
		return slashOnly(usagef("There is no “lookup” word in Slack: type the addresses right after the command, e.g. /lastactive ada@example.com grace@example.com."))
	case "report":
		return slashOnly(usagef("The idle seats report is /lastactive idle [DAYS] [PRODUCT…] in Slack (report is the command line's word), e.g. /lastactive idle 90."))
	}
	n := utf8.RuneCountInString(w)
	if n < 3 || n > 12 {
		return nil
	}
	most := 1
	if n >= 5 {
		most = 2
	}
	best, bestD := "", most+1
	for _, name := range subcommandNames {
		if d := editDistance(w, name); d < bestD {
			best, bestD = name, d
		}
	}
	if best == "" {
		return nil
	}
	return slashOnly(usagef("%s is not an email address or a command I know. Did you mean “%s”? Try /lastactive help.", quote(first.text), best))
}

// slashOnly marks err, a *UsageError, as the slash command's own words.
func slashOnly(err error) error {
	err.(*UsageError).Slash = true
	return err
}

// DidYouMean is didYouMean for the configuration's warnings, which name a
// mistyped product key in LASTACTIVE_SEAT_PRICES as a typed command does.
func DidYouMean(word string) string { return didYouMean(word) }

// didYouMean names the product key a mistyped word was probably meant to
// be (" Did you mean “confluence”?"), or returns "" when none is close:
// one letter off, or two in a word of five or more, a swap counting as one.
func didYouMean(word string) string {
	word = strings.ToLower(word)
	n := utf8.RuneCountInString(word)
	if n < 3 || n > 40 {
		return ""
	}
	most := 1
	if n >= 5 {
		most = 2
	}
	best, bestD := "", most+1
	for _, k := range seat.Keys() {
		if d := editDistance(word, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " Did you mean “" + best + "”?"
}

// editDistance counts the letters to insert, delete, change or swap with
// the next one to make a into b.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sentencePunct is what a sentence or a document puts around an address:
// quotes (English, German and French), brackets, a full stop or a colon
// after it, a question mark; and the full-width forms an East Asian input
// method types (its full stop 。, brackets and corner quotes).
const sentencePunct = `.:!?()[]{}'"‘’“”„‚«»‹›。：！？（）「」『』【】`

// parseTarget reads one word of a lookup: an email, Slack's mailto or user
// mention form, or else says what the word is instead. A word that is not
// one of those, but is once the punctuation around it is dropped
// ("ada@example.com.", "(ada@example.com)"), is what it holds.
func parseTarget(w string) (Target, error) {
	t, err := parseWord(w)
	if err == nil && strings.HasPrefix(t.Email, "'") {
		// A quote opened before the address ('ada@x.com grace@x.com'),
		// closed after another: no address people use begins with one.
		t, err = Target{}, invalidEmail(unescapeEntities(w))
	}
	if err != nil {
		if bare := strings.Trim(w, sentencePunct); bare != w && bare != "" {
			if t, e := parseWord(bare); e == nil {
				return t, nil
			}
		}
	}
	return t, err
}

// parseWord is parseTarget without the punctuation around the word.
func parseWord(w string) (Target, error) {
	if len(w) >= 2 && w[0] == '<' && w[len(w)-1] == '>' {
		return parseControl(w[1 : len(w)-1])
	}
	plain := unescapeEntities(w)
	switch {
	case strings.Contains(plain, "@") && !strings.HasPrefix(plain, "@"):
		// A link copied as text, "mailto:ada@x.com", is its address.
		addr := plain
		if len(addr) > len("mailto:") && strings.EqualFold(addr[:len("mailto:")], "mailto:") {
			addr = addr[len("mailto:"):]
		}
		if e, ok := normaliseEmail(addr); ok {
			return Target{Email: e}, nil
		}
		return Target{}, invalidEmail(plain)
	case strings.HasPrefix(plain, "@"):
		return Target{}, usagef("%s is plain text, not a Slack mention: choose the person from the @ menu, or type their email.", quote(plain))
	case strings.HasPrefix(plain, "#"):
		return Target{}, usagef("%s is a channel, not a person; type an email address.", quote(plain))
	case strings.ContainsRune(plain, '＠'):
		return Target{}, usagef("%s has a full-width ＠; type the address with a plain @.", quote(plain))
	case freshTypo(plain):
		return Target{}, usagef("%s is not an option I know: to look again without the cache, add --fresh (two hyphens), e.g. ada@example.com --fresh.", quote(plain))
	default:
		return Target{}, usagef("%s is not an email address; try /lastactive help.", quote(plain))
	}
}

// parseControl reads the inside of a Slack control sequence "<…>".
func parseControl(inner string) (Target, error) {
	target, label, _ := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if id := target[1:]; validUserID(id) {
			return Target{UserID: id}, nil
		}
		return Target{}, usagef("That mention is not a Slack user I can look up.")
	case strings.HasPrefix(target, "mailto:"):
		addr := strings.TrimPrefix(target, "mailto:")
		if e, ok := normaliseEmail(unescapeEntities(addr)); ok {
			return Target{Email: e}, nil
		}
		return Target{}, invalidEmail(unescapeEntities(addr))
	case strings.HasPrefix(target, "#"):
		if label == "" {
			return Target{}, usagef("That is a channel, not a person; type an email address.")
		}
		return Target{}, usagef("%s is a channel, not a person; type an email address.", quote("#"+unescapeEntities(label)))
	case strings.HasPrefix(target, "!subteam^"):
		return Target{}, usagef("A user group can't be looked up; name the people in it.")
	case strings.HasPrefix(target, "!"):
		name := strings.TrimPrefix(target, "!")
		switch name {
		case "channel", "here", "everyone":
			return Target{}, usagef("@%s is a special mention, not a person; type an email address.", name)
		}
		return Target{}, usagef("That is a special Slack mention, not a person; type an email address.")
	case label == "" && strings.Contains(target, "@"):
		// "<ada@x.com>" typed in a terminal, or pasted with a display name.
		if e, ok := normaliseEmail(unescapeEntities(target)); ok {
			return Target{Email: e}, nil
		}
		return Target{}, invalidEmail(unescapeEntities(target))
	default:
		return Target{}, usagef("%s is a link, not an email address.", quote(unescapeEntities(inner)))
	}
}

// invalidEmail refuses addr, which is no address the bot looks up. One
// with a letter outside ASCII (an umlaut, a non-Latin domain, a look-alike
// such as a Kelvin sign for a K) says so, naming the letter: the bot
// looks up ASCII addresses only (validEmail), an internationalised domain
// in its xn-- form, and a bare "not a valid email address" sent people looking for a
// typo in "ada@exämple.com".
func invalidEmail(addr string) error {
	at := strings.LastIndexByte(addr, '@')
	for i, r := range addr {
		if r <= unicode.MaxASCII || !unicode.IsLetter(r) {
			continue
		}
		shown, letter := quote(addr), quote(string(r))
		if !strings.Contains(shown, string(r)) {
			// The quote does not show the letter (it is past the cut, or
			// the address is withheld): show where it is.
			letter += " (" + whereIn(addr, i) + ")"
		}
		if at >= 0 && i > at {
			return usagef("%s is not a valid email address: %s is not plain ASCII, as Atlassian account emails are. Type the domain in its ASCII form (xn--…).", shown, letter)
		}
		return usagef("%s is not a valid email address: %s is not plain ASCII, as Atlassian account emails are.", shown, letter)
	}
	return usagef("%s is not a valid email address.", quote(addr))
}

// whereIn tells where the letter at byte i of addr is, for a refusal
// whose quote of addr does not show it: the part of addr around it, quoted
// as quote would, from the '@' when the letter is in the domain and at most
// letterContext*3/2 characters after it, else from letterContext
// characters before the letter; or, when quote withholds that part or any
// word of addr (a long run with no '@', like a pasted token: a part of a
// word is too short to be judged as the word is), the letter's place,
// counting the characters a person sees.
func whereIn(addr string, i int) string {
	if !HasPastedSecret(sanitize(addr, utf8.RuneCountInString(addr))) {
		start := i
		for n := 0; n < letterContext && start > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(addr[:start])
			start -= size
		}
		if at := strings.LastIndexByte(addr[:i], '@'); at >= 0 && utf8.RuneCountInString(addr[at:i]) <= letterContext*3/2 {
			start = at
		}
		r, _ := utf8.DecodeRuneInString(addr[i:])
		if q := quote(addr[start:]); strings.HasPrefix(q, "“") && strings.ContainsRune(q, r) {
			if start > 0 {
				q = "“…" + strings.TrimPrefix(q, "“")
			}
			return "in " + q
		}
	}
	n := 1
	for _, r := range addr[:i] {
		if !invisible(r) {
			n++
		}
	}
	return fmt.Sprintf("character %d", n)
}

// letterContext is how many characters before a letter whereIn quotes.
const letterContext = 20

// validUserID accepts Slack user IDs: U or W (Enterprise Grid), then upper
// case letters and digits.
func validUserID(id string) bool {
	if len(id) < 2 || len(id) > 21 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// unescapeEntities undoes the three entities Slack uses for typed text.
// halfWidthAngles makes the angle brackets a Chinese or Japanese input
// method types around an address ("＜ada@x.com＞") the ASCII ones.
func halfWidthAngles(s string) string {
	if !strings.ContainsAny(s, "＜＞") {
		return s
	}
	return fullWidthAngles.Replace(s)
}

var fullWidthAngles = strings.NewReplacer("＜", "<", "＞", ">")

var entityReplacer = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// A text without '&' (nearly every command) is returned as it is: the
// Replacer copies it twice even when nothing matches.
func unescapeEntities(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return entityReplacer.Replace(s)
}

// isFormat reports an invisible format character (Unicode category Cf).
func isFormat(r rune) bool { return r >= 0x80 && unicode.Is(unicode.Cf, r) }

// quote returns a short, cleaned copy of user input between curly quotes,
// for a UsageError's Reason. It is still plain text; renderers escape it.
// A long word with no '@' is not repeated, alone or among others (a
// quoted "Bearer xoxb-…", an unclosed "<" before it): that is what a token
// or key pasted by mistake looks like, and the reply would carry it.
func quote(s string) string {
	q := sanitize(s, maxQuoted)
	if HasPastedSecret(shownWords(s, q)) {
		return "That text"
	}
	return "“" + q + "”"
}

// shownWords is the words of s that q, s sanitized and cut, shows, each
// whole: a token whose start is among the 40 characters quoted is judged
// by all of it, not by the few characters left before the cut, which are
// too few to look like one.
func shownWords(s, q string) string {
	kept, cut := strings.CutSuffix(q, "…")
	if !cut || len(q) >= len(s) {
		return q
	}
	words := strings.Fields(sanitize(s, utf8.RuneCountInString(s)))
	return strings.Join(words[:min(len(strings.Fields(kept)), len(words))], " ")
}

// HasPastedSecret reports whether s, typed text, has a word that looks
// like a token or key pasted by mistake: a word of minSecretRunes or more
// with no '@' in it, or such a part of a word with one, cut at every
// character a token is not made of ("ada@example.com:ATATT…", Atlassian's
// basic auth pair; once with '/' as a cut, once without, for a base64
// key). An address's own parts are not cut at '@': a long email is quoted.
func HasPastedSecret(s string) bool {
	for _, w := range strings.Fields(s) {
		if !strings.Contains(w, "@") {
			if utf8.RuneCountInString(w) >= minSecretRunes {
				return true
			}
			continue
		}
		for _, keep := range []string{"@", "@/"} {
			parts := strings.FieldsFunc(w, func(r rune) bool {
				return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
					strings.ContainsRune("-_.=+~", r) || strings.ContainsRune(keep, r))
			})
			for _, p := range parts {
				if !strings.Contains(p, "@") && utf8.RuneCountInString(p) >= minSecretRunes {
					return true
				}
			}
		}
	}
	return false
}

// minSecretRunes is the length from which a word quoted back could be a
// credential: Slack's tokens and Atlassian's keys are far longer, and no
// word of a command that is not an address is this long.
const minSecretRunes = 20

// normaliseEmail trims and lower-cases s and reports whether it is an email
// address we accept. An address cut out of a longer text (trimmed) is a
// copy of its own: the profile cache and a nudge round keep it, and a slice
// would keep all of a padded answer (up to MaxSlackAnswer).
func normaliseEmail(s string) (string, bool) {
	e := state.LowerASCII(strings.TrimSpace(s))
	ok := validEmail(e)
	if ok && len(e) < len(s) {
		e = strings.Clone(e)
	}
	return e, ok
}

// validEmail is deliberately stricter than RFC 5322: one '@'; a local part
// of letters, digits and . _ % + ' - (no leading, trailing or double dots);
// a domain of at least two DNS labels with a top level of two or more
// characters, not all digits; ASCII lower case only; at most 254 bytes.
// Every address an Atlassian admin deals with fits, and nothing in it can
// act as mrkdwn or a Slack control sequence.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || len(local) == 0 || len(local) > 64 || strings.Contains(domain, "@") {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isLowerAlnum(c) && !strings.ContainsRune("._%+'-", rune(c)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isLowerAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return len(tld) >= 2 && !isDigits(tld)
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// texts is the text of each token, for the subcommands (idle, audit) that
// take plain words.
func texts(tokens []token) []string {
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, t.text)
	}
	return out
}

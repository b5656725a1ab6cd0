package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lastactive/seat"
)

// CommandKind says what a /lastactive command asks for.
type CommandKind int

// The kinds of command.
const (
	CmdHelp   CommandKind = iota // "help" or nothing at all
	CmdLookup                    // one or more people
	CmdIdle                      // the org-wide idle seat report
	CmdDigest                    // the seat digest, now, privately
)

// MaxTargets is how many people one command may look up: enough for a
// support case, few enough for one message and for Atlassian's rate limits.
const MaxTargets = 10

// Limits on what ParseCommand accepts.
const (
	// Slack's mailto form doubles each email: ten 45-character addresses
	// already take 1,000 runes. Anything past 2,000 is not a list of people.
	maxCommandRunes = 2000
	maxIdleDays     = seat.MaxIdleDays
	maxProducts     = seat.MaxProductFilter
	maxQuoted       = 40 // runes of a bad token quoted back in an error
)

// Command is a parsed /lastactive command text.
type Command struct {
	Kind     CommandKind
	Targets  []Target // CmdLookup: 1..MaxTargets, deduplicated, in order
	Fresh    bool     // "--fresh" anywhere in the text: bypass the cache
	IdleDays int      // CmdIdle: 0 means the configured default
	Products []string // CmdIdle: known product keys, lower case, deduplicated
}

// Target is one person to look up: by email, or by Slack user, whose email
// the bot resolves later.
type Target struct {
	Email  string // normalised (trimmed, lower case); empty when UserID is set
	UserID string // from a mention <@U123ABC> or <@U123ABC|name>
}

// UsageError says what was wrong with a command text. Reason is plain text
// for a person; it may quote a short, cleaned piece of the input, so
// renderers must escape it (RenderUsage does).
type UsageError struct{ Reason string }

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
	tokens, err := tokenize(text)
	if err != nil {
		return Command{}, err
	}

	var cmd Command
	words := tokens[:0]
	for _, t := range tokens {
		if isFresh(t) {
			cmd.Fresh = true
			continue
		}
		words = append(words, t)
	}
	if len(words) == 0 {
		if cmd.Fresh {
			return Command{}, usagef("--fresh needs at least one email, e.g. ada@example.com --fresh.")
		}
		return Command{Kind: CmdHelp}, nil
	}
	switch strings.ToLower(words[0]) {
	case "help", "-h", "--help":
		return Command{Kind: CmdHelp}, nil
	case "idle":
		return parseIdle(words[1:], cmd.Fresh)
	case "digest":
		return parseDigest(words[1:], cmd.Fresh)
	}

	cmd.Kind = CmdLookup
	seen := make(map[Target]bool, len(words))
	for _, w := range words {
		t, err := parseTarget(w)
		if err != nil {
			return Command{}, err
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		cmd.Targets = append(cmd.Targets, t)
	}
	if len(cmd.Targets) > MaxTargets {
		return Command{}, usagef("That is %d people; look up at most %d at once.", len(cmd.Targets), MaxTargets)
	}
	return cmd, nil
}

// tokenize splits text on white space and commas (people paste lists; not
// semicolons, which end Slack's entities), keeping each Slack control sequence "<…>" whole: a link's label
// may contain spaces.
func tokenize(text string) ([]string, error) {
	var tokens []string
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isSeparator(r) {
			i += size
			continue
		}
		if r == '<' {
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return nil, usagef("%s is not an email address.", quote(text[i:]))
			}
			tokens = append(tokens, text[i:i+end+1])
			i += end + 1
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if isSeparator(r) || r == '<' {
				break
			}
			j += size
		}
		tokens = append(tokens, text[i:j])
		i = j
	}
	return tokens, nil
}

func isSeparator(r rune) bool { return unicode.IsSpace(r) || r == ',' }

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
	for _, a := range args {
		a = strings.ToLower(a)
		if isDigits(a) {
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
			return Command{}, usagef("%s is neither a number of days (1 to %d) nor a product key I know. Product keys: %s.",
				quote(unescapeEntities(a)), maxIdleDays, seat.KnownProducts())
		}
		if !contains(cmd.Products, a) {
			cmd.Products = append(cmd.Products, a)
		}
		if len(cmd.Products) > maxProducts {
			return Command{}, usagef("Name at most %d products.", maxProducts)
		}
	}
	return cmd, nil
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

// parseTarget reads one word of a lookup: an email, Slack's mailto or user
// mention form, or else says what the word is instead.
func parseTarget(w string) (Target, error) {
	if len(w) >= 2 && w[0] == '<' && w[len(w)-1] == '>' {
		return parseControl(w[1 : len(w)-1])
	}
	plain := unescapeEntities(w)
	switch {
	case strings.Contains(plain, "@") && !strings.HasPrefix(plain, "@"):
		if e, ok := normaliseEmail(plain); ok {
			return Target{Email: e}, nil
		}
		return Target{}, usagef("%s is not a valid email address.", quote(plain))
	case strings.HasPrefix(plain, "@"):
		return Target{}, usagef("%s is plain text, not a Slack mention: choose the person from the @ menu, or type their email.", quote(plain))
	case strings.HasPrefix(plain, "#"):
		return Target{}, usagef("%s is a channel, not a person; type an email address.", quote(plain))
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
		return Target{}, usagef("%s is not a valid email address.", quote(unescapeEntities(addr)))
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
	default:
		return Target{}, usagef("%s is a link, not an email address.", quote(unescapeEntities(inner)))
	}
}

// validUserID accepts Slack user IDs: U or W (Enterprise Grid), then upper
// case letters and digits.
func validUserID(id string) bool {
	if len(id) < 3 || len(id) > 21 || (id[0] != 'U' && id[0] != 'W') {
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
var entityReplacer = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

func unescapeEntities(s string) string { return entityReplacer.Replace(s) }

// quote returns a short, cleaned copy of user input between curly quotes,
// for a UsageError's Reason. It is still plain text; renderers escape it.
func quote(s string) string { return "“" + sanitize(s, maxQuoted) + "”" }

// normaliseEmail trims and lower-cases s and reports whether it is an email
// address we accept.
func normaliseEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, validEmail(s)
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

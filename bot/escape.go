package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEcho caps, in runes, any single string from outside that EscapeMrkdwn
// lets into a reply. It is chosen so that even a string of nothing but '&'
// (five characters each once escaped) stays under Slack's 3,000-character
// text limit.
const maxEcho = 500

// EscapeMrkdwn makes a string from outside (a display name, an email, a
// product key, a quoted piece of a command) safe to put inside mrkdwn.
//
//   - '&', '<' and '>' become entities, so nothing can open a Slack control
//     sequence: no <!channel>, no <@U…> ping, no <http…|disguised link>.
//   - Control characters, and invisible format characters that can reorder
//     or hide text (bidi overrides, zero-width spaces), are removed; line
//     breaks and tabs become spaces, so a value can never start a new line
//     of its own (a "> quote", or a fake line of our reply).
//   - Slack has no escape for formatting, so '*', '~' and '`' are replaced
//     by look-alikes (∗ ∼ ˋ) that never format. '_' is kept between two
//     letters or digits, where Slack never reads it as italics, so that
//     emails like first_last@example.com stay exact and copyable; elsewhere
//     it becomes 'ˍ'.
//   - Anything longer than 500 runes is cut with "…".
//
// Invalid UTF-8 becomes U+FFFD. Our own words never go through here; only
// what came from a user, Slack or Atlassian.
func EscapeMrkdwn(s string) string {
	s = sanitize(s, maxEcho)
	// Most strings (emails without '_', names, product keys) have nothing
	// to escape: the loop below would copy them rune by rune unchanged.
	if !strings.ContainsAny(s, mrkdwnSpecial) {
		return s
	}
	return escapeRunes(s)
}

// escapeWithin is EscapeMrkdwn(s), cut with "…" before escaping so that
// it is at most room characters once escaped: for a string from outside
// that shares a section with others, where 500 runes of '&' (2,500
// characters) would not leave the rest their room. "" when room has no
// space for even one rune and its ellipsis.
func escapeWithin(s string, room int) string {
	for n := maxEcho; n > 0; {
		e := EscapeMrkdwn(sanitize(s, n))
		over := utf8.RuneCountInString(e) - room
		if over <= 0 {
			return e
		}
		// Each rune cut takes 1 to 5 characters away (5 for '&').
		n = min(n, utf8.RuneCountInString(sanitize(s, n))) - max(1, over/5)
	}
	return ""
}

// mrkdwnSpecial is every character escapeRunes changes.
const mrkdwnSpecial = "&<>*~`_"

// escapeRunes is EscapeMrkdwn's escaping of a sanitized s.
func escapeRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '*':
			b.WriteRune('∗')
		case '~':
			b.WriteRune('∼')
		case '`':
			b.WriteRune('ˋ')
		case '_':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if isAlnum(prev) && isAlnum(next) {
				b.WriteByte('_')
			} else {
				b.WriteRune('ˍ')
			}
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// sanitize returns s as valid UTF-8 on one line, without control or
// invisible format characters, with runs of white space collapsed and the
// ends trimmed, cut to at most max runes (the last one then being "…").
// It does not escape anything: the result is plain text.
func sanitize(s string, max int) string {
	if isSanitized(s, max) {
		return s
	}
	return sanitizeRunes(s, max)
}

// isSanitized reports whether s is already what sanitize makes of it: printable
// ASCII, at most max bytes, no space at either end and none doubled. Most
// strings are (emails, product keys, site hosts), and are then not copied.
func isSanitized(s string, max int) bool {
	if len(s) > max {
		return false
	}
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e:
			return false
		case c == ' ' && s[i+1] == ' ': // s[i+1] exists: s does not end in ' '
			return false
		}
	}
	return true
}

// sanitizeRunes is sanitize rune by rune.
func sanitizeRunes(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(min(len(s), 4*max+4))
	n := 0 // runes written
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = n > 0
			continue
		case invisible(r):
			continue
		}
		if n >= max {
			// One rune too many: drop the last one kept for the ellipsis.
			return clipRunes(b.String(), max-1) + "…"
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n >= max {
				return clipRunes(b.String(), max-1) + "…"
			}
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// clipRunes returns the first n runes of s.
func clipRunes(s string, n int) string {
	for i := range s {
		if n <= 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// invisible reports characters that must never reach a reply: controls,
// and format characters (Unicode Cf: bidi overrides, zero-width spaces and
// joiners, the BOM) that could hide or reorder what the reader sees.
func invisible(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// Package flagerr words the flag package's errors for stderr without the
// values they quote: a token pasted after a flag's = ("--post=xoxb-…")
// would otherwise go whole to the log.
package flagerr

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lastactive/bot"
)

// shown is the longest value still quoted: "maybe", "abc", "ninety".
const shown = 10

// quotedValue is how the flag package quotes what it could not read:
// `invalid value "X" for flag -n: …` and `invalid boolean value "X" for -b: …`.
var quotedValue = regexp.MustCompile(`(invalid (?:boolean )?value )("(?:[^"\\]|\\.)*")( for )`)

// Hide returns err with a quoted value longer than ten characters replaced
// by its length. Other errors are returned as they are.
func Hide(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := quotedValue.ReplaceAllStringFunc(msg, func(m string) string {
		p := quotedValue.FindStringSubmatch(m)
		v, uerr := strconv.Unquote(p[2])
		if uerr == nil && len([]rune(v)) <= shown {
			return m
		}
		return fmt.Sprintf("%s(%d characters, not shown)%s", p[1], len(v), p[3])
	})
	// "bad flag syntax: ---post=xoxb-…" (a third dash, or "-=…") quotes
	// the whole argument, unquoted: what follows its first = is the value.
	if arg, ok := strings.CutPrefix(out, "bad flag syntax: "); ok {
		if name, v, ok := strings.Cut(arg, "="); ok && len([]rune(v)) > shown {
			out = fmt.Sprintf("bad flag syntax: %s=(%d characters, not shown)", name, len(v))
		}
	}
	// "flag provided but not defined: -xoxb-…": a token typed as a flag's
	// name (the "=" forgotten) is the name the flag package quotes.
	if name, ok := strings.CutPrefix(out, "flag provided but not defined: -"); ok && hasSecret(name) {
		out = "flag provided but not defined: " + counted(name)
	}
	if out == msg {
		return err
	}
	return hidden{msg: out, err: err}
}

// hidden keeps the original error for errors.Is (flag.ErrHelp) while its
// words leave the value out.
type hidden struct {
	msg string
	err error
}

func (h hidden) Error() string { return h.msg }
func (h hidden) Unwrap() error { return h.err }

// Quote quotes an argument the program did not expect (a stray argument,
// an unknown subcommand or flag) for an error message: by what comes
// before any "=" (SLACK_BOT_TOKEN=xoxb-…, --token=…), cut at 40 bytes;
// a URL without its password, query or fragment; a word that looks like a
// credential is counted, not shown.
func Quote(arg string) string {
	if i := strings.Index(arg, "://"); i > 0 && !strings.Contains(arg[:i], "=") {
		// White space ends a URL: what follows (libpq's keyword form,
		// "password=…") is no part of it, though the parser takes it
		// for the path. A password with a space in it is hidden first.
		if strings.ContainsFunc(arg, unicode.IsSpace) {
			s := arg[:i+3] + withoutPassword(arg[i+3:])
			j := strings.IndexFunc(s, unicode.IsSpace)
			if j < 0 { // the space was the password's
				return Quote(s)
			}
			q := Quote(s[:j])
			if strings.HasSuffix(q, `"`) {
				q = strings.TrimSuffix(q, `"`) + ` …"`
			}
			return q
		}
		// A URL (migrate postgres://user:password@db/…): without its
		// password, query or fragment.
		u, err := url.Parse(arg)
		if err != nil {
			// Where the password ends is not known: the scheme alone.
			return strconv.Quote(arg[:i] + "://…")
		}
		// A password with an unescaped '/', '?', '#' or '@' in it
		// (postgres://ada:5432/pw@db, ada:123?pw@db, ada:p@ss/pw@db)
		// ends the authority early: the parser shows the rest as a path,
		// or drops it as a query and shows the digits before it as a
		// port. A URL inside another scheme's (jdbc:postgresql://…)
		// parses opaque, which Redacted does not look into, and one
		// whose scheme is no scheme ("0/://…") as a path. Whenever an
		// '@' follows the authority, the password ends at the last '@',
		// and the query is cut after it is hidden.
		rest := arg[i+3:]
		if u.Opaque != "" || u.Scheme == "" || strings.Contains(u.Path, "@") || strings.Contains(rest[strings.IndexFunc(rest+"/", isAuthorityEnd):], "@") {
			rest, _, _ = strings.Cut(withoutPassword(rest), "?")
			rest, _, _ = strings.Cut(rest, "#")
			if hasSecret(rest) {
				return strconv.Quote(arg[:i] + "://…")
			}
			return strconv.Quote(clip(arg[:i+3]+rest, 40))
		}
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
		// A token as the user (https://TOKEN@host, as git takes one) or
		// in the path (http://host/api/xoxb-…): Redacted hides only a
		// password.
		if u.User != nil && hasSecret(u.User.Username()) {
			u.User = nil
		}
		if hasSecret(u.Path) {
			u.Path, u.RawPath = "", ""
			return strconv.Quote(clip(u.Redacted()+"/…", 40))
		}
		return strconv.Quote(clip(u.Redacted(), 40))
	}
	// The password goes first: one with "=" in it (base64's padding) was
	// cut there and its first part quoted.
	name, _, _ := strings.Cut(withoutPassword(arg), "=")
	if hasSecret(name) {
		return counted(name)
	}
	return strconv.Quote(clip(name, 40))
}

// HasPassword reports whether arg holds a password Quote would hide:
// user:password@ in one word, a URL or a connection string without its
// scheme (no email address has a ':' before its '@'), or a "password="
// word of libpq's keyword form ("password=… host=db"), which Quote names
// by what comes before its first '='.
func HasPassword(arg string) bool {
	for _, w := range strings.Fields(arg) {
		if len(w) >= len("password=") && strings.EqualFold(w[:len("password=")], "password=") {
			return true
		}
	}
	return !strings.ContainsFunc(arg, unicode.IsSpace) && withoutPassword(arg) != arg
}

// isAuthorityEnd reports whether r ends a URL's authority.
func isAuthorityEnd(r rune) bool { return r == '/' || r == '?' || r == '#' }

// withoutPassword hides the password of a connection string written
// without its scheme (user:password@host/db, as psql and many DSNs take
// one), as url.Redacted does for a URL; an address after "mailto:" has
// none. The password ends at the last "@": one with "/" in it (base64)
// was taken for the path and shown whole.
func withoutPassword(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	c := strings.IndexByte(s[:at], ':')
	if c < 0 || c == at-1 || strings.EqualFold(s[:c], "mailto") {
		return s
	}
	return s[:c+1] + "xxxxx" + s[at:]
}

// counted is what stands for a word not shown.
func counted(w string) string {
	return fmt.Sprintf("(%d characters, not shown)", utf8.RuneCountInString(w))
}

// minSecret is the length from which a word of a token's characters with a
// digit in it is taken for one: the slash command's own threshold
// (bot.minSecretRunes). No flag, subcommand or product key is this long
// with a digit; a URL, a path with ':' or an email has other characters.
const minSecret = 20

// Secret reports whether w, typed where a flag, a subcommand or an
// argument was expected (leading dashes aside), looks like a credential:
// it starts as a Slack token or an Atlassian key does, or it is a long word
// of the characters tokens are made of (letters, digits, - _ . = + / ~)
// with a digit in it.
func Secret(w string) bool {
	w = strings.TrimLeft(w, "-")
	if bot.CredentialPrefix(w) {
		return true
	}
	if utf8.RuneCountInString(w) < minSecret {
		return false
	}
	digit := false
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', strings.ContainsRune("-_.=+/~", r):
		default:
			return false
		}
	}
	return digit
}

// hasSecret reports whether a word of s looks like a credential (Secret):
// words are cut at every character a token is not made of but '@' (an
// email, as in bot.quote, is one word), so that "email:token", as
// Atlassian's basic auth joins them, or a shell-quoted "Bearer xoxb-…" is
// not shown either; and cut at '/' too, a URL's path being words between
// them, though a base64 token may have one.
func hasSecret(s string) bool {
	if Secret(s) {
		return true
	}
	for _, sep := range []string{"@", "@/"} {
		words := strings.FieldsFunc(s, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
				strings.ContainsRune("-_.=+~", r) || strings.ContainsRune(sep, r))
		})
		for _, w := range words {
			if Secret(w) {
				return true
			}
		}
	}
	return false
}

// clip cuts s at n bytes, between characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

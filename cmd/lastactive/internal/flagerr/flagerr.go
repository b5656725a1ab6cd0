// Package flagerr words the flag package's errors for stderr without the
// values they quote: a token pasted after a flag's = ("--post=xoxb-…")
// would otherwise go whole to the log.
package flagerr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
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

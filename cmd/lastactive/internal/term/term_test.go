package term

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"Ada Lovelace":   "Ada Lovelace",
		"a\tb\nc":        "a b c",
		"\x1b[2Jx":       " [2Jx",
		"del\x7f":        "del ",
		"c1\u0085":       "c1 ",
		"Zoë":            "Zoë",
		"a\u202eb\u202c": "ab",
		"x\u200by\ufeff": "xy",
		"\u2066i\u2069":  "i",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzClean: whatever upstream sends, nothing Clean lets through can move
// the cursor, break a line or a table cell, or reorder what the reader sees
// (a right-to-left override in a display name shows the rest of its row
// backwards); text without any of that is kept as it is.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Ada Lovelace", "a\tb\nc", "\x1b[2Jx", "del\x7f", "c1\u0085", "Zoë", "\xff\xfe",
		"Mallory\u202e evitca", "ltr\u200e", "iso\u2066late\u2069", "arabic\u061cmark", "zero\u200bwidth", "\ufeffbom"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Clean(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Clean(%q) = %q, not valid UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("Clean(%q) = %q, holds %U", s, out, r)
			}
		}
		if utf8.RuneCountInString(out) > utf8.RuneCountInString(s) {
			t.Fatalf("Clean(%q) = %q, longer than its input", s, out)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) && out != s {
			t.Fatalf("Clean(%q) = %q, changed text with nothing to clean", s, out)
		}
	})
}

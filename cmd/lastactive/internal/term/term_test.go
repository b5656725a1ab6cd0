package term

import "testing"

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

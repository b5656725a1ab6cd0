package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"lastactive/seat"
)

// FuzzDidYouMean: the hint names a product key the word is one letter from
// (two in a word of five or more), or nothing; it is short, and the distance
// behind it is a distance (zero only for the same word, the same both ways,
// never more than the longer word).
func FuzzDidYouMean(f *testing.F) {
	for _, s := range []string{"confluance", "jira-sofware", "jria", "CONFLUENCE", "x", "ab", "loom", "zzzzzzzz",
		"\u212Aira", strings.Repeat("j", 41), "jirа", "confluence\xff"} {
		f.Add(s, "jira-software")
	}
	f.Fuzz(func(t *testing.T, word, other string) {
		if len(word) > 200 || len(other) > 200 {
			t.Skip()
		}
		hint := didYouMean(word)
		w := strings.ToLower(word)
		n := utf8.RuneCountInString(w)
		most := 1
		if n >= 5 {
			most = 2
		}
		close := false
		for _, k := range seat.Keys() {
			if n >= 3 && n <= 40 && editDistance(w, k) <= most {
				close = true
			}
		}
		if hint == "" {
			if close {
				t.Fatalf("%q is close to a key, but no key is named", word)
			}
		} else {
			k, ok := strings.CutPrefix(hint, " Did you mean “")
			k, ok2 := strings.CutSuffix(k, "”?")
			if !ok || !ok2 || !seat.Known(k) || !close || editDistance(w, k) > most {
				t.Fatalf("didYouMean(%q) = %q", word, hint)
			}
		}
		a, b := []rune(word), []rune(other)
		d := editDistance(word, other)
		if d != editDistance(other, word) || (d == 0) != (string(a) == string(b)) || d > max(len(a), len(b)) || d < max(len(a), len(b))-min(len(a), len(b)) {
			t.Fatalf("editDistance(%q, %q) = %d", word, other, d)
		}
	})
}

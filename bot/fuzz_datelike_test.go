package bot

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzDateLike: a word with a letter in it ("2nd", "3pm", "March") is never
// taken for a date, so "until 2nd shift returns" stays words of a reason;
// a date as the usage writes it, with a sentence's punctuation after it, is
// always one.
func FuzzDateLike(f *testing.F) {
	for _, s := range []string{"2027-03-01", "01/03/2027,", "2nd", "3pm", "March", "2027-03-01.", "--", "1", "", "٢٠٢٧-٠١-٠١", "2027-01-01\u00a0"} {
		f.Add(s, int64(1800000000))
	}
	f.Fuzz(func(t *testing.T, word string, unix int64) {
		if dateLike(word) && strings.IndexFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsSpace(r) }) >= 0 {
			t.Fatalf("%q, with a letter or a space, read as a date", word)
		}
		if dateLike(word) && !strings.ContainsAny(word, "0123456789") {
			t.Fatalf("%q, without a digit, read as a date", word)
		}
		d := time.Unix(unix%(1<<35), 0).UTC().Format(time.DateOnly)
		for _, p := range []string{"", ".", ",", ";", ":", "!", "?"} {
			if !dateLike(d + p) {
				t.Fatalf("%q not read as a date", d+p)
			}
		}
	})
}

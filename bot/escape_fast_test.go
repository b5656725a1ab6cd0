package bot

import "testing"

// FuzzEscapeFastPaths: the shortcuts of sanitize and EscapeMrkdwn give
// what the rune-by-rune paths give, for any string and any cap.
func FuzzEscapeFastPaths(f *testing.F) {
	for _, s := range []string{"", " ", "a", "ada@example.com", "first_last@example.com", "a  b", " a", "a ", "a\tb",
		"Zoë", "x\x7fy", "<!here>", "**bold**", "a&b", "\xff", "jira-software", "ari:cloud:confluence::site/1"} {
		f.Add(s, 3)
		f.Add(s, maxEcho)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 4*maxEcho {
			max = maxEcho
		}
		if got, want := sanitize(s, max), sanitizeRunes(s, max); got != want {
			t.Fatalf("sanitize(%q, %d) = %q, rune by rune %q", s, max, got, want)
		}
		clean := sanitizeRunes(s, maxEcho)
		if got, want := EscapeMrkdwn(s), escapeRunes(clean); got != want {
			t.Fatalf("EscapeMrkdwn(%q) = %q, rune by rune %q", s, got, want)
		}
	})
}

package digest

import (
	"slices"
	"strings"
	"testing"
)

// FuzzWithoutEmails: whatever Atlassian names an account (its email when
// nobody named it, an address in brackets, stray white space), the name the
// channel digest shows holds no '@' (nor its full-width or small forms,
// which a reader takes for one), and keeps every other word in order.
func FuzzWithoutEmails(f *testing.F) {
	for _, s := range []string{"Mia Krystof", "mia@example.com", "Finn (finn@example.com)", "a@b c@d", "  x  @  y ",
		"Zoë\u00a0zoe@example.com", "line\nbreak@x", "\xff@\xfe", "@", "", "trailing@",
		"mia\uff20example.com", "Finn (finn\ufe6bexample.com)"} { // the full-width and small at signs read as one

		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		out := withoutEmails(name)
		if strings.ContainsAny(out, atSigns) {
			t.Fatalf("withoutEmails(%q) = %q, still holds an address", name, out)
		}
		if !strings.ContainsAny(name, atSigns) {
			if out != name {
				t.Fatalf("withoutEmails(%q) = %q, changed a name without an address", name, out)
			}
			return
		}
		var want []string
		for _, w := range strings.Fields(name) {
			if !strings.ContainsAny(w, atSigns) {
				want = append(want, w)
			}
		}
		if got := strings.Fields(out); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("withoutEmails(%q) = %q, want the words %q", name, out, want)
		}
	})
}

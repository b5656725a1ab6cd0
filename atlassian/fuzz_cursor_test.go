package atlassian

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzCursorOf: a links.next that is a URL gives its cursor parameter,
// never itself: the cursor is sent back to the configured host, and a URL
// sent whole as the cursor is a request Atlassian rejects (and would carry
// another host's address). A bare cursor comes back as it is, less the
// spaces around it; an empty one ends the paging.
func FuzzCursorOf(f *testing.F) {
	for _, s := range []string{
		"", "Qh8E1QpVV00ys/xI7pHI7Q..", "/base64/start==", " abc ",
		"https://api.atlassian.com/admin/v1/orgs/o/directory/users/a/last-active-dates?cursor=abc",
		"http://evil.example/x?cursor=abc&cursor=def", "https://api.atlassian.com/x", "https://h/%zz?cursor=a",
		"https://h/?cursor=https%3A%2F%2Fother.example%2F%3Fcursor%3Dx",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		c, err := cursorOf(next)
		trimmed := strings.TrimSpace(next)
		lower := strings.ToLower(trimmed)
		isURL := strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
		if err != nil {
			if !isURL {
				t.Fatalf("bare cursor %q refused: %v", next, err)
			}
			if strings.Contains(err.Error(), trimmed) && trimmed != "" {
				t.Fatalf("error %q repeats links.next", err)
			}
			return
		}
		if !isURL {
			if c != trimmed {
				t.Fatalf("bare cursor %q became %q", next, c)
			}
			return
		}
		// A URL: its cursor parameter, never the URL itself.
		u, perr := url.Parse(trimmed)
		if perr != nil {
			t.Fatalf("%q does not parse as a URL (%v) but gave cursor %q", next, perr, c)
		}
		if c == "" || c != u.Query().Get("cursor") {
			t.Fatalf("cursorOf(%q) = %q, want its cursor parameter %q", next, c, u.Query().Get("cursor"))
		}
	})
}

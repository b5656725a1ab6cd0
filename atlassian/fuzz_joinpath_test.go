package atlassian

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzJoinPath: an ID from a payload (an account or group ID) put into a
// request path stays one segment of it, whatever it holds ("/", "?", "#",
// "%2F"): the request, as sent (its URL written out and parsed again),
// goes to the configured host, under the configured base path, with the
// segments given and no other; nothing panics.
func FuzzJoinPath(f *testing.F) {
	for _, s := range []string{"5b10ac8d82e05b22cc7d4ef5", "a/b", "a?b#c", "%2F..%2F", "..", "a%zz", " ", "\x00", "é/ü", "a;b=c", "@evil.example"} {
		f.Add("https://api.example.com/pre%2Ffix/", s)
		f.Add("http://127.0.0.1:8080", s)
	}
	f.Add("https://api.example.com/a%2F/", "x")
	f.Add("https://api.example.com/%zz", "x")
	f.Fuzz(func(t *testing.T, rawBase, id string) {
		base, err := parseBase("ATLASSIAN_API_URL", rawBase)
		if err != nil {
			return
		}
		u := joinPath(base, "users", id, "role-assignments")
		sent, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("joinPath(%q, %q) = %q, which does not parse: %v", rawBase, id, u.String(), err)
		}
		if sent.Host != base.Host || sent.Scheme != base.Scheme || sent.User != nil || sent.RawQuery != "" || sent.Fragment != "" {
			t.Fatalf("joinPath(%q, %q) is sent as %q", rawBase, id, u.String())
		}
		rest, ok := strings.CutPrefix(sent.EscapedPath(), base.EscapedPath()+"/")
		if !ok {
			t.Fatalf("joinPath(%q, %q) = %q, not under the base path %q", rawBase, id, sent.EscapedPath(), base.EscapedPath())
		}
		segs := strings.Split(rest, "/")
		if len(segs) != 3 {
			t.Fatalf("joinPath(%q, %q) = %q: %d segments after the base, want 3", rawBase, id, sent.EscapedPath(), len(segs))
		}
		if got, err := url.PathUnescape(segs[1]); err != nil || got != id {
			t.Fatalf("joinPath(%q, %q) carries the ID as %q (%q, %v)", rawBase, id, segs[1], got, err)
		}
	})
}

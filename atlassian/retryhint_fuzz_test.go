package atlassian

import (
	"net/http"
	"testing"
	"time"
)

// FuzzRetryHint: whatever upstream puts in Retry-After or X-RateLimit-Reset,
// the wait is never negative and never longer than maxHint, so a hostile
// header can neither spin the retry loop nor park it for days.
func FuzzRetryHint(f *testing.F) {
	for _, seed := range []struct{ retryAfter, reset string }{
		{"1", ""}, {"120", ""}, {"Wed, 21 Oct 2015 07:28:00 GMT", ""}, {"", "2026-11-26T10:00Z"},
		{"", "2026-11-26T10:00:00Z"}, {"-1", "garbage"}, {"99999999999999999999", ""}, {"1.5", ""}, {" 7 ", ""},
	} {
		f.Add(seed.retryAfter, seed.reset, true)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, reset string, rateLimited bool) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-RateLimit-Reset", reset)
		d, ok := retryHint(h, now, rateLimited)
		if d < 0 || d > maxHint {
			t.Fatalf("retryHint(%q, %q) = %v, outside [0, %v]", retryAfter, reset, d, maxHint)
		}
		if !ok && d != 0 {
			t.Fatalf("no hint but a wait of %v", d)
		}
	})
}

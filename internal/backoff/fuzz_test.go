package backoff

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzRetryAfter: whatever upstream puts in Retry-After or X-RateLimit-Reset,
// the wait is never negative and never longer than MaxHint, so a hostile
// header can neither spin a retry loop nor park it for days.
func FuzzRetryAfter(f *testing.F) {
	for _, seed := range []struct{ retryAfter, reset string }{
		{"1", ""}, {"120", ""}, {"Wed, 21 Oct 2015 07:28:00 GMT", ""}, {"", "2026-11-26T10:00Z"},
		{"", "2026-11-26T10:00:00Z"}, {"-1", "garbage"}, {"99999999999999999999", ""}, {"1.5", ""}, {" 7 ", ""},
	} {
		f.Add(seed.retryAfter, seed.reset)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, reset string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-RateLimit-Reset", reset)
		for name, read := range map[string]func(http.Header, time.Time) (time.Duration, bool){
			"RetryAfter": RetryAfter, "RetryAfterHeader": RetryAfterHeader, "RateLimitReset": RateLimitReset,
		} {
			d, ok := read(h, now)
			if d < 0 || d > MaxHint {
				t.Fatalf("%s(%q, %q) = %v, outside [0, %v]", name, retryAfter, reset, d, MaxHint)
			}
			if !ok && d != 0 {
				t.Fatalf("%s: no hint but a wait of %v", name, d)
			}
		}
		// Delay seconds, however many digits, are a hint: one too big for
		// 64 bits is the longest wait, not garbage that lets
		// X-RateLimit-Reset (or nothing) decide.
		if v := strings.TrimSpace(retryAfter); v != "" && strings.Trim(v, "0123456789") == "" {
			if _, ok := RetryAfterHeader(h, now); !ok {
				t.Fatalf("RetryAfterHeader(%q): delay seconds not read as a hint", retryAfter)
			}
		}
	})
}

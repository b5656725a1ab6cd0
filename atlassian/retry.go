package atlassian

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds the retries of one call. Only answers that are safe and
// useful to repeat are retried: 429, 5xx and transport failures of GETs.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 turns retries off. Default 4.
	MaxAttempts int
	// MaxWait caps the total time spent waiting between attempts; a server
	// asking for longer gets an immediate ErrRateLimited carrying its
	// RetryAfter instead. Default 30s.
	MaxWait time.Duration
	// BaseDelay and MaxDelay shape the exponential backoff used when the
	// server gives no hint. Defaults 500ms and 8s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

var defaultRetry = RetryPolicy{
	MaxAttempts: 4,
	MaxWait:     30 * time.Second,
	BaseDelay:   500 * time.Millisecond,
	MaxDelay:    8 * time.Second,
}

func (p RetryPolicy) withDefaults() (RetryPolicy, error) {
	if p.MaxAttempts < 0 || p.MaxWait < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
		return p, errors.New("negative retry setting")
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = defaultRetry.MaxAttempts
	}
	if p.MaxWait == 0 {
		p.MaxWait = defaultRetry.MaxWait
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = defaultRetry.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = max(defaultRetry.MaxDelay, p.BaseDelay)
	}
	if p.BaseDelay > p.MaxDelay {
		return p, errors.New("BaseDelay is larger than MaxDelay")
	}
	return p, nil
}

// backoff returns the wait after failed attempt n (1-based): doubling from
// BaseDelay up to MaxDelay, with "equal jitter" (half fixed, half random) so
// that callers failing together do not retry together.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(d-half+1)
}

// maxHint caps what we believe of a server's wait hint, so a silly value
// cannot overflow a Duration; anything this long exceeds every budget anyway.
const maxHint = 24 * time.Hour

// retryHint reads how long the server asks us to wait: Retry-After (delay
// seconds or an HTTP date) first, then, for a 429, X-RateLimit-Reset (an
// ISO-8601 instant, as Jira and the Admin API send it). The reset header is
// ignored on other statuses because it describes the quota, not the outage.
// ok is false when no header gives a usable value.
func retryHint(h http.Header, now time.Time, rateLimited bool) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
			if secs > uint64(maxHint/time.Second) {
				return maxHint, true
			}
			return time.Duration(secs) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return until(now, t), true
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" && rateLimited {
		// Jira documents the reset as yyyy-MM-ddTHH:mmZ, without seconds.
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
			if t, err := time.Parse(layout, v); err == nil {
				return until(now, t), true
			}
		}
	}
	return 0, false
}

func until(now, t time.Time) time.Duration {
	return min(max(t.Sub(now), 0), maxHint)
}

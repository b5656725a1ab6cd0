// Package backoff is the one retry policy of lastactive's outbound calls: how
// long to wait before the next attempt and when to stop.
//
// A server's own hint wins: RetryAfter reads Retry-After (delay seconds or
// an HTTP date) and, for rate limits, X-RateLimit-Reset (an ISO-8601
// instant, as Jira and the Atlassian Admin API send it). Without a hint,
// Policy.Delay gives a capped exponential backoff with "equal jitter" (half
// fixed, half random), so that callers failing together do not retry
// together. Policy also bounds the attempts and the total time spent
// waiting, and Sleep waits on a context with an injectable Clock, so tests
// never sleep and a cancelled caller never waits.
//
// The Atlassian client uses it today; the Slack reply sender and the Socket
// Mode reconnect loop are meant to use the same policy rather than keep
// loops of their own.
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxHint caps what we believe of a server's wait hint, so a silly value
// cannot overflow a Duration; anything this long exceeds every budget anyway.
const MaxHint = 24 * time.Hour

// Policy bounds the retries of one call. The zero value of a field takes its
// default from Default (see WithDefaults).
type Policy struct {
	// Base is the wait after the first failure; it doubles per attempt.
	Base time.Duration
	// Max caps one wait computed by Delay (not a server's hint).
	Max time.Duration
	// Attempts counts the first try; 1 turns retries off.
	Attempts int
	// Budget caps the total time spent waiting between attempts.
	Budget time.Duration
}

// Default is the policy of the Atlassian client: at most 4 attempts and 30 s
// of waiting, backing off from 500 ms up to 8 s.
var Default = Policy{Base: 500 * time.Millisecond, Max: 8 * time.Second, Attempts: 4, Budget: 30 * time.Second}

// WithDefaults fills zero fields from Default and checks the result: no
// negative values, and Base no larger than Max. A Max left zero becomes at
// least Base.
func (p Policy) WithDefaults() (Policy, error) {
	if p.Attempts < 0 || p.Budget < 0 || p.Base < 0 || p.Max < 0 {
		return p, errors.New("negative retry setting")
	}
	if p.Attempts == 0 {
		p.Attempts = Default.Attempts
	}
	if p.Budget == 0 {
		p.Budget = Default.Budget
	}
	if p.Base == 0 {
		p.Base = Default.Base
	}
	if p.Max == 0 {
		p.Max = max(Default.Max, p.Base)
	}
	if p.Base > p.Max {
		return p, errors.New("Base is larger than Max")
	}
	return p, nil
}

// Delay returns the wait after failed attempt n (1-based): Base doubled n-1
// times, capped at Max, of which the upper half is random. rnd supplies the
// randomness (seed one for repeatable tests); nil uses math/rand/v2's global
// source, which is safe for concurrent use.
func (p Policy) Delay(n int, rnd *rand.Rand) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 0 {
		return 0
	}
	half := d / 2
	span := int64(d - half + 1)
	if rnd != nil {
		return half + time.Duration(rnd.Int64N(span))
	}
	return half + time.Duration(rand.Int64N(span))
}

// Exhausted reports whether a call must stop after failed attempt n instead
// of waiting next: no attempts left, or the wait would overrun the budget
// given what was already waited.
func (p Policy) Exhausted(n int, waited, next time.Duration) bool {
	return n >= p.Attempts || waited+next > p.Budget
}

// RetryAfter reads how long a rate-limited server asks us to wait:
// Retry-After (delay seconds or an HTTP date) first, then X-RateLimit-Reset.
// ok is false when no header gives a usable value. The wait is never
// negative (a date in the past is 0) and never longer than MaxHint.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if d, ok := RetryAfterHeader(h, now); ok {
		return d, true
	}
	return RateLimitReset(h, now)
}

// RetryAfterHeader reads the Retry-After header alone: for answers such as
// a 503, where X-RateLimit-Reset describes the quota, not the outage.
func RetryAfterHeader(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseUint(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Only digits, but more than 64 bits hold: the longest wait, not
		// garbage (which would let X-RateLimit-Reset decide instead).
		return MaxHint, true
	}
	if err == nil {
		if secs > uint64(MaxHint/time.Second) {
			return MaxHint, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return until(now, t), true
	}
	return 0, false
}

// RateLimitReset reads X-RateLimit-Reset, an ISO-8601 instant. Jira
// documents it as yyyy-MM-ddTHH:mmZ, without seconds; both forms are read.
func RateLimitReset(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return 0, false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return until(now, t), true
		}
	}
	return 0, false
}

func until(now, t time.Time) time.Duration {
	return min(max(t.Sub(now), 0), MaxHint)
}

// Clock is the time source of the waits; tests replace it so they never
// sleep.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// System is the real clock.
var System Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits d on clk, or until ctx is done, whichever comes first; it
// returns ctx.Err() in the second case. A nil clk is System.
func Sleep(ctx context.Context, clk Clock, d time.Duration) error {
	if clk == nil {
		clk = System
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-clk.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

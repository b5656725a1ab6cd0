// Package backofftest holds a clock for tests of code that waits through
// internal/backoff: it never sleeps, and it remembers every wait asked of
// it, so retry and pacing waits are visible without making a test slow.
package backofftest

import (
	"slices"
	"sync"
	"time"

	"lastactive/internal/backoff"
)

var _ backoff.Clock = (*Clock)(nil)

// Clock is a backoff.Clock whose waits end at once. The zero value reads
// the real time; set At to fix it. Safe for concurrent use.
type Clock struct {
	At time.Time // what Now returns; zero: time.Now()
	// Advance makes each wait move Now forward by its length, as real time
	// would: code that remembers when a wait ends (a rate limit shared by
	// several calls) then sees it over once it was waited out.
	Advance bool

	mu     sync.Mutex
	waits  []time.Duration
	waited time.Duration // the waits' sum, when Advance
}

// Now returns At, or the real time when At is zero, plus the waits so far
// when Advance is set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	waited := c.waited
	c.mu.Unlock()
	if c.At.IsZero() {
		return time.Now().Add(waited)
	}
	return c.At.Add(waited)
}

// After records d and returns a channel that already holds the time.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	if c.Advance && d > 0 {
		c.waited += d
	}
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

// Waits returns the waits asked so far, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

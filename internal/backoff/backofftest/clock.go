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

	mu    sync.Mutex
	waits []time.Duration
}

// Now returns At, or the real time when At is zero.
func (c *Clock) Now() time.Time {
	if c.At.IsZero() {
		return time.Now()
	}
	return c.At
}

// After records d and returns a channel that already holds the time.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
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

package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"lastactive/internal/schedule"
)

// scriptedLease is a database whose claim renewals go as its script says,
// in the test's bubble time: a renewal dates its lease from the moment it
// is asked, as the store does (its now is read before the statement runs).
type scriptedLease struct {
	mu      sync.Mutex
	script  []func(ctx context.Context) error // one per claim of the lease, the first one's too
	asked   int
	expires time.Time // when the holder's lease ends
}

func (c *scriptedLease) Claim(ctx context.Context, _, _ string, ttl time.Duration) (bool, error) {
	start := time.Now()
	c.mu.Lock()
	step := func(context.Context) error { return nil }
	if ttl == schedule.Lease {
		if c.asked < len(c.script) {
			step = c.script[c.asked]
		}
		c.asked++
	}
	c.mu.Unlock()
	if err := step(ctx); err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ttl == schedule.Lease {
		c.expires = start.Add(ttl)
	}
	return true, nil
}

func (c *scriptedLease) Release(context.Context, string, string) error { return nil }

// TestLoopStopsTheWorkBeforeItsLeaseEnds: the database is slow, then
// gone. A claim that took most of its deadline succeeds, with a lease dated
// from when it was asked; the next tries fail at once (connection refused)
// or hang to their deadline. The slot's work must be stopped before its
// lease ends, for another replica takes the slot then and runs it too.
// Before, the renewer counted the lease from when the slow claim answered
// and looked only after a failed try: the work ran on for up to 20 s after
// the lease had ended.
func TestLoopStopsTheWorkBeforeItsLeaseEnds(t *testing.T) {
	refused := errors.New("connection refused")
	slow := func(d time.Duration) func(context.Context) error {
		return func(ctx context.Context) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	refuse := func(context.Context) error { return refused }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	for name, script := range map[string][]func(context.Context) error{
		"a renewal answered after 19 s":       {slow(0), slow(19 * time.Second), refuse, refuse, hang, hang, hang},
		"the first claim answered after 25 s": {slow(25 * time.Second), refuse, hang, hang, hang},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testLeaseEnds(t, script) })
		})
	}
}

func testLeaseEnds(t *testing.T, script []func(context.Context) error) {
	claims := &scriptedLease{script: script}
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	var stopped time.Time
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: "a",
		Clock: &fakeClock{now: monday9.Add(time.Second), maxSleeps: 0, cancel: cancel}, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Run: func(ctx context.Context, _ time.Time) error {
			<-ctx.Done() // a long digest, stopped only by its context
			stopped = time.Now()
			return ctx.Err()
		}}
	_ = l.Serve(ctx)
	claims.mu.Lock()
	expires := claims.expires
	claims.mu.Unlock()
	if stopped.IsZero() {
		t.Fatalf("the work was never stopped; logs:\n%s", logs.String())
	}
	if !stopped.Before(expires) {
		t.Errorf("the work was stopped %v after its lease had ended (another replica may have run the slot meanwhile); logs:\n%s",
			stopped.Sub(expires), logs.String())
	}
}

// releaseFails is a Claimer whose Release fails while the database blips.
type releaseFails struct {
	clockClaims
	fails int
}

func (c *releaseFails) Release(ctx context.Context, slot, holder string) error {
	c.mu.Lock()
	if c.fails > 0 {
		c.fails--
		c.mu.Unlock()
		return errors.New("connection reset by peer")
	}
	c.mu.Unlock()
	return c.clockClaims.Release(ctx, slot, holder)
}

// TestLoopRetriesASlotWhoseClaimWasNotGivenBack: Monday's digest fails with
// ErrNotDone (Atlassian down) and giving its claim back fails too (the
// database blipped). The log said the slot "runs again once the claim
// lapses", but only another process could have run it: this one had given
// the slot up, so a single replica (SQLite is one process) had no digest
// that week. It holds the claim itself, so its next try a minute later
// takes it again and runs the slot.
func TestLoopRetriesASlotWhoseClaimWasNotGivenBack(t *testing.T) {
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{now: monday9.Add(time.Second), maxSleeps: 5, cancel: cancel}
	claims := &releaseFails{clockClaims: clockClaims{now: clock.Now, slots: map[string]clockClaim{}, dead: map[string]bool{}}, fails: 1}
	var logs bytes.Buffer
	tries, done := 0, 0
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: "a", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Run: func(_ context.Context, slot time.Time) error {
			if !slot.Equal(monday9) {
				return nil
			}
			if tries++; tries == 1 {
				return fmt.Errorf("%w: org report: upstream unavailable (HTTP 503)", schedule.ErrNotDone)
			}
			done++
			return nil
		}}
	_ = l.Serve(ctx)
	if done != 1 {
		t.Errorf("Monday's slot was tried %d times and done %d, want done once after its failed try; logs:\n%s", tries, done, logs.String())
	}
}

package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"lastactive/internal/schedule"
)

// steppedClock is a wall clock that an NTP step sets back by back while the
// loop sleeps: Sleep lasts what was asked (as a timer does, on the
// monotonic clock), but the wall clock it wakes to reads back earlier.
type steppedClock struct {
	mu        sync.Mutex
	now       time.Time
	back      time.Duration // taken off once, during the first sleep
	sleeps    int
	maxSleeps int
	cancel    context.CancelFunc
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *steppedClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	stop := c.sleeps > c.maxSleeps
	if !stop {
		c.now = c.now.Add(d - c.back)
		c.back = 0
	}
	c.mu.Unlock()
	if stop {
		c.cancel()
	}
	return ctx.Err()
}

// TestLoopRunsNoSlotBeforeItsTime: the clock stepped back an hour (an NTP
// correction, a VM's clock set from its host) while the loop slept until
// Monday 09:00, and the timer woke it at 08:00 by the clock: the 09:00
// digest was posted at 08:00, its slot's time still ahead. The loop now
// sleeps again until the slot's time has come.
func TestLoopRunsNoSlotBeforeItsTime(t *testing.T) {
	t.Parallel()
	sched, err := schedule.Parse("CRON_TZ=UTC 0 9 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &steppedClock{now: monday9.Add(-3 * time.Hour), back: time.Hour, maxSleeps: 2, cancel: cancel}
	var (
		mu  sync.Mutex
		ran = map[time.Time]time.Time{} // slot: the clock when it ran
	)
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "a", Clock: clock,
		Run: func(_ context.Context, slot time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			ran[slot] = clock.Now()
			return nil
		}}
	_ = l.Serve(ctx)
	mu.Lock()
	defer mu.Unlock()
	at, ok := ran[monday9]
	if !ok {
		t.Fatalf("the 09:00 slot did not run: %v", ran)
	}
	if at.Before(monday9) {
		t.Errorf("the 09:00 slot ran at %v by the clock, before its time", at.Format(time.TimeOnly))
	}
}

// TestRealSleepFollowsTheWallClock: the real clock slept on one timer,
// which counts the monotonic clock: a clock stepped forward meanwhile (an
// NTP correction), or hours the machine spent suspended (which Linux's
// monotonic clock does not count), woke the loop that much after the slot.
// Two hours of it and the Monday digest, with the process up all along,
// was skipped as "missed while no replica ran", more than an hour late.
// The sleep now wakes at least once a minute to read the wall clock.
func TestRealSleepFollowsTheWallClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	wall, slept := start, time.Duration(0)
	const step = 2 * time.Hour
	stepAt := 24 * time.Hour // of sleep: the clock jumps ahead then
	now := func() time.Time { return wall }
	after := func(d time.Duration) <-chan time.Time {
		// The timer fires after d of monotonic time; the wall clock moves
		// as much, and jumps once on the way.
		if slept < stepAt && slept+d >= stepAt {
			wall = wall.Add(step)
		}
		slept += d
		wall = wall.Add(d)
		c := make(chan time.Time, 1)
		c <- wall
		return c
	}
	want := start.Add(72 * time.Hour) // Monday 09:00
	if err := schedule.SleepWall(context.Background(), 72*time.Hour, now, after); err != nil {
		t.Fatal(err)
	}
	if late := wall.Sub(want); late > time.Minute {
		t.Errorf("woke at %v by the clock, %v after the time slept to (%v)", wall, late, want)
	}
	if wall.Before(want) {
		t.Errorf("woke at %v by the clock, before the time slept to (%v)", wall, want)
	}
}

package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/internal/schedule"
	"lastactive/internal/state"
)

func TestParse(t *testing.T) {
	from := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // a Tuesday
	for _, c := range []struct {
		expr string
		want time.Time
	}{
		{"0 9 * * MON", time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)},
		{"CRON_TZ=Europe/Berlin 0 9 * * MON", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		{"30 12 * * *", time.Date(2026, 12, 1, 12, 30, 0, 0, time.Local)},
		{"@every 2s", from.Add(2 * time.Second)},
		{"@every 1h", from.Add(time.Hour)},
		{"@weekly", time.Date(2026, 12, 6, 0, 0, 0, 0, time.Local)},
	} {
		t.Run(c.expr, func(t *testing.T) {
			s, err := schedule.Parse(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(from.In(time.Local)); !got.Equal(c.want) {
				t.Errorf("Next(%v) = %v, want %v", from, got, c.want)
			}
		})
	}
}

// TestParseDSTOncePerDay: in a time zone with summer time, a daily slot in
// the hour the clocks go back was run twice (02:30 CEST, then 02:30 CET:
// two digests that morning), and one in the hour they skip not at all (a
// weekly Sunday 02:30 digest lost a whole week). Each wall-clock time now
// runs once, and a slot that falls in the skipped hour runs when the clocks
// jump (03:00 summer time).
func TestParseDSTOncePerDay(t *testing.T) {
	utc := func(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }
	for _, c := range []struct {
		expr string
		from time.Time
		want []time.Time
	}{
		{"CRON_TZ=Europe/Berlin 30 2 * * *", utc(time.March, 27, 12, 0), // clocks jump 02:00 → 03:00 on the 29th
			[]time.Time{utc(time.March, 28, 1, 30), utc(time.March, 29, 1, 0), utc(time.March, 30, 0, 30)}},
		{"CRON_TZ=Europe/Berlin 30 2 * * SUN", utc(time.March, 23, 12, 0),
			[]time.Time{utc(time.March, 29, 1, 0), utc(time.April, 5, 0, 30)}},
		{"CRON_TZ=Europe/Berlin 30 2 * * *", utc(time.October, 24, 12, 0), // clocks go back 03:00 → 02:00 on the 25th
			[]time.Time{utc(time.October, 25, 0, 30), utc(time.October, 26, 1, 30), utc(time.October, 27, 1, 30)}},
		{"CRON_TZ=Europe/Berlin 0 2 * * *", utc(time.March, 28, 12, 0),
			[]time.Time{utc(time.March, 29, 1, 0), utc(time.March, 30, 0, 0)}},
		{"CRON_TZ=Europe/Berlin */30 * * * *", utc(time.March, 29, 0, 15),
			[]time.Time{utc(time.March, 29, 0, 30), utc(time.March, 29, 1, 0), utc(time.March, 29, 1, 30)}},
		{"CRON_TZ=Europe/Berlin 0 9 * * *", utc(time.October, 24, 12, 0),
			[]time.Time{utc(time.October, 25, 8, 0), utc(time.October, 26, 8, 0)}},
		{"CRON_TZ=America/New_York 30 1 * * *", utc(time.October, 31, 12, 0), // 01:00–02:00 twice on 1 November
			[]time.Time{utc(time.November, 1, 5, 30), utc(time.November, 2, 6, 30)}},
		// Clocks that go back two hours (03:00 → 01:00 on 25 October): the
		// first 02:30 runs, and the day is not lost.
		{"CRON_TZ=Antarctica/Troll 30 2 * * *", utc(time.October, 24, 23, 0),
			[]time.Time{utc(time.October, 25, 0, 30), utc(time.October, 26, 2, 30), utc(time.October, 27, 2, 30)}},
		// Half an hour back (02:00 → 01:30 on 5 April): every midnight runs.
		{"CRON_TZ=Australia/Lord_Howe 0 0 * * *", utc(time.April, 3, 12, 0),
			[]time.Time{utc(time.April, 3, 13, 0), utc(time.April, 4, 13, 0), utc(time.April, 5, 13, 30), utc(time.April, 6, 13, 30)}},
		// A jump at midnight (00:00 → 01:00 on Sunday 29 March): 01:15 exists.
		{"CRON_TZ=Asia/Beirut 15 1 * * SUN", utc(time.March, 23, 12, 0),
			[]time.Time{utc(time.March, 28, 22, 15), utc(time.April, 4, 22, 15)}},
	} {
		s, err := schedule.Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		for n := c.from; len(got) < len(c.want); {
			n = s.Next(n)
			got = append(got, n.UTC())
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s from %v:\n got %v\nwant %v", c.expr, c.from, got, c.want)
		}
		if last, ok := schedule.Latest(s, c.from, c.want[len(c.want)-1]); !ok || !last.Equal(c.want[len(c.want)-1]) {
			t.Errorf("%s: Latest = %v, %v", c.expr, last, ok)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ expr, reason string }{
		{"", "empty"},
		{"0 9 * *", "has 4 fields, not 5"},
		{"0 9 * * MON *", "has 6 fields, not 5"},
		{"61 9 * * MON", "is above 59"},
		{"0 9 * * FUNDAY", "“FUNDAY” is neither a number nor a name"},
		{"CRON_TZ=Mars/Olympus 0 9 * * MON", "“Mars/Olympus” is not a time zone"},
		// Zone names are case-sensitive; a lower-case one got no hint.
		{"CRON_TZ=europe/berlin 0 9 * * MON", "“europe/berlin” is not a time zone: zone names are case-sensitive, did you mean Europe/Berlin?"},
		{"CRON_TZ=america/new_york 0 9 * * MON", "did you mean America/New_York?"},
		{"TZ=utc 0 9 * * MON", "did you mean UTC?"},
		{"CRON_TZ=EUROPE/LONDON 0 9 * * MON", "did you mean Europe/London?"},
		{"@every", "is not a schedule"},
		{"@every soon", "Go duration"},
		{"@every 500ms", "whole number of seconds"},
		{"@every -1h", "whole number of seconds"},
		{"@every 2562047h", "at most"}, // its second slot would overflow to 1969
		{"@every 87601h", "at most"},
		{"@fortnightly", "“@fortnightly” is not a schedule"},
		// No slot ever: 31 February, 30 February.
		{"0 9 31 2 *", "never fires"},
		{"0 10 30 2 *", "never fires"},
		// A time zone and nothing after it (robfig's parser panics on these).
		{"CRON_TZ=UTC", "time zone"},
		{"CRON_TZ=UTC ", "time zone"},
		{"CRON_TZ=", "time zone"},
		{"TZ=", "time zone"},
		{"TZ=Europe/Paris", "time zone"},
		// A prefix naming no zone was read as UTC: CRON_TZ=$ZONE with
		// ZONE unset ran every slot in UTC, silently.
		{"CRON_TZ= 0 9 * * MON", "names no time zone"},
		{"TZ= 0 9 * * MON", "names no time zone"},
		{"CRON_TZ=  30 8 * * *", "names no time zone"},
		// @every has no time zone (its slots count from the epoch): the
		// reason said to write what was written, "@every" and a duration.
		{"CRON_TZ=Europe/Paris @every 1h", "@every takes no time zone"},
		{"TZ=Europe/Paris @every 1h", "write @every 1h without TZ="},
		{"CRON_TZ=Europe/Paris  @every 30m", "write @every 30m without CRON_TZ="},
		// A range missing a side named nothing: "“” is neither a number…".
		{"0 9 * * MON-", "a range such as MON-FRI lacks its first or last value"},
		{"0 9 -5 * *", "a range such as MON-FRI lacks its first or last value"},
	} {
		t.Run(c.expr, func(t *testing.T) {
			_, err := schedule.Parse(c.expr)
			if !errors.Is(err, schedule.ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, want ErrInvalid", c.expr, err)
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Errorf("Parse(%q) = %q, want it to say %q", c.expr, err, c.reason)
			}
		})
	}
}

// Replicas started at different moments agree on @every slots.
func TestEveryIsAlignedToTheEpoch(t *testing.T) {
	s, err := schedule.Parse("@every 2s")
	if err != nil {
		t.Fatal(err)
	}
	a := s.Next(time.Unix(1000, 300_000_000))
	b := s.Next(time.Unix(1001, 900_000_000))
	if !a.Equal(time.Unix(1002, 0)) || !b.Equal(a) {
		t.Errorf("Next = %v and %v, want both %v", a, b, time.Unix(1002, 0))
	}
	s7, _ := schedule.Parse("@every 7s")
	if got := s7.Next(time.Unix(1000, 0)); got.Unix()%7 != 0 {
		t.Errorf("Next = %d, not a multiple of 7 s since the epoch", got.Unix())
	}
}

// fakeClock moves only when the loop sleeps; after maxSleeps it cancels.
type fakeClock struct {
	mu        sync.Mutex
	now       time.Time
	sleeps    int
	maxSleeps int
	cancel    context.CancelFunc
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	stop := c.sleeps > c.maxSleeps
	if !stop {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	if stop {
		c.cancel()
	}
	return ctx.Err()
}

func openStore(t *testing.T) *state.Store {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

type runs struct {
	mu    sync.Mutex
	slots map[time.Time][]string
}

func (r *runs) record(holder string) func(context.Context, time.Time) error {
	return func(_ context.Context, slot time.Time) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.slots[slot] = append(r.slots[slot], holder)
		return nil
	}
}

func loop(name, holder string, sched schedule.Schedule, st *state.Store, clock *fakeClock, r *runs, log *slog.Logger) *schedule.Loop {
	return &schedule.Loop{Name: name, Schedule: sched, Claims: st, Holder: holder, Clock: clock, Logger: log, Run: r.record(holder)}
}

func TestLoopRunsEachSlotOnceAcrossReplicas(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("@every 2s")
	start := time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC)
	r := &runs{slots: map[time.Time][]string{}}
	var wg sync.WaitGroup
	for _, holder := range []string{"replica-a", "replica-b", "replica-c"} {
		ctx, cancel := context.WithCancel(context.Background())
		clock := &fakeClock{now: start, maxSleeps: 5, cancel: cancel}
		l := loop("digest", holder, sched, st, clock, r, nil)
		wg.Go(func() {
			if err := l.Serve(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("Serve = %v, want context.Canceled", err)
			}
		})
	}
	wg.Wait()
	// The slot at 09:00:00 (1 s late at start) and the 5 slots slept to.
	if len(r.slots) != 6 {
		t.Errorf("%d slots ran, want 6: %v", len(r.slots), r.slots)
	}
	for slot, holders := range r.slots {
		if len(holders) != 1 {
			t.Errorf("slot %v ran %d times (%v), want once", slot, len(holders), holders)
		}
		if slot.Unix()%2 != 0 {
			t.Errorf("slot %v is not on the 2 s grid", slot)
		}
	}
}

func TestLoopMissedSlots(t *testing.T) {
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	for _, c := range []struct {
		name     string
		start    time.Time
		ranFirst bool
	}{
		{"under an hour late: run once", monday9.Add(59 * time.Minute), true},
		{"an hour late: skipped", monday9.Add(time.Hour), false},
		{"a day late: skipped", monday9.Add(24 * time.Hour), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			r := &runs{slots: map[time.Time][]string{}}
			ctx, cancel := context.WithCancel(context.Background())
			clock := &fakeClock{now: c.start, maxSleeps: 1, cancel: cancel}
			_ = loop("digest", "a", sched, st, clock, r, log).Serve(ctx)
			if got := len(r.slots[monday9]) == 1; got != c.ranFirst {
				t.Errorf("missed slot ran: %v, want %v", got, c.ranFirst)
			}
			skipped := strings.Contains(logs.String(), "more than an hour late")
			if skipped == c.ranFirst {
				t.Errorf("skip logged: %v, want %v; logs:\n%s", skipped, !c.ranFirst, logs.String())
			}
			next := monday9.AddDate(0, 0, 7)
			if len(r.slots[next]) != 1 {
				t.Errorf("the next slot %v did not run once: %v", next, r.slots)
			}

			// A restart (new holder) finds the slot handled and runs nothing.
			r2 := &runs{slots: map[time.Time][]string{}}
			ctx2, cancel2 := context.WithCancel(context.Background())
			clock2 := &fakeClock{now: c.start, maxSleeps: 0, cancel: cancel2}
			_ = loop("digest", "b", sched, st, clock2, r2, log).Serve(ctx2)
			if len(r2.slots) != 0 {
				t.Errorf("after a restart, slots ran again: %v", r2.slots)
			}
		})
	}
}

// hookClock is a fakeClock that calls onSleep (once per sleep, before the
// time moves) and records how long each sleep was.
type hookClock struct {
	fakeClock
	onSleep func(n int)
	slept   []time.Duration
}

func (c *hookClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	n := len(c.slept)
	c.mu.Unlock()
	if c.onSleep != nil {
		c.onSleep(n)
	}
	return c.fakeClock.Sleep(ctx, d)
}

// TestLoopRollingRestartAtTheSlot: the old process claims Monday's slot,
// is stopped mid-scan (its Run fails with ErrNotDone) and gives the claim
// back; the new one, which found the slot taken when it started, runs it
// at its next try, a minute later. Before, the slot stayed claimed by the
// process that never finished it, and that week had no digest.
func TestLoopRollingRestartAtTheSlot(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	// The old process holds the slot while the new one starts.
	old := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "old", Logger: log}
	slotName := old.SlotName(monday9)
	if won, err := st.Claim(ctx, slotName, "old", time.Hour); err != nil || !won {
		t.Fatalf("old claims: %v, %v", won, err)
	}
	r := &runs{slots: map[time.Time][]string{}}
	clock := &hookClock{}
	clock.onSleep = func(n int) {
		if n != 1 {
			return
		}
		// While the new process waits, the old one is stopped mid-scan:
		// it renews its own claim, its Run fails, it gives the slot back.
		octx, ocancel := context.WithCancel(ctx)
		defer ocancel()
		oldRun := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "old", Logger: log,
			Clock: &fakeClock{now: monday9.Add(20 * time.Second), maxSleeps: 0, cancel: ocancel},
			Run: func(context.Context, time.Time) error {
				return fmt.Errorf("digest: %w: org scan: %w", schedule.ErrNotDone, context.Canceled)
			}}
		_ = oldRun.Serve(octx)
	}
	nctx2, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	clock.fakeClock = fakeClock{now: monday9.Add(10 * time.Second), maxSleeps: 2, cancel: cancel2}
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "new", Clock: clock, Logger: log, Run: r.record("new")}
	_ = l.Serve(nctx2)
	if got := r.slots[monday9]; len(got) != 1 || got[0] != "new" {
		t.Errorf("Monday's slot ran %v, want once by the new process (logs:\n%s)", got, logs.String())
	}
	if len(clock.slept) == 0 || clock.slept[0] != schedule.RetryEvery {
		t.Errorf("the new process slept %v, want a retry after %v first", clock.slept, schedule.RetryEvery)
	}
	if !strings.Contains(logs.String(), "claim given back") {
		t.Errorf("the old process did not say it gave the slot back:\n%s", logs.String())
	}
}

// TestLoopKeepsASlotThatFailedAfterDoingSomething: a Run that fails
// without ErrNotDone (the digest was made, its post failed) keeps the
// claim: another process retrying the slot never runs it, and gives up once
// the slot is an hour late.
func TestLoopKeepsASlotThatFailedAfterDoingSomething(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	ctx := context.Background()
	actx, acancel := context.WithCancel(ctx)
	defer acancel()
	a := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "a",
		Clock: &fakeClock{now: monday9.Add(time.Second), maxSleeps: 0, cancel: acancel},
		Run:   func(context.Context, time.Time) error { return errors.New("post to C1: channel_not_found") }}
	_ = a.Serve(actx)

	r := &runs{slots: map[time.Time][]string{}}
	bctx, bcancel := context.WithCancel(ctx)
	defer bcancel()
	clock := &hookClock{fakeClock: fakeClock{now: monday9.Add(2 * time.Second), maxSleeps: 100, cancel: bcancel}}
	_ = (&schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "b", Clock: clock, Run: r.record("b")}).Serve(bctx)
	if len(r.slots[monday9]) != 0 {
		t.Errorf("the failed slot ran again on b: %v", r.slots)
	}
	retries := 0
	for _, d := range clock.slept {
		if d == schedule.RetryEvery {
			retries++
		}
	}
	if retries == 0 || retries > 60 {
		t.Errorf("b retried %d times (sleeps %v), want some, within the hour", retries, clock.slept)
	}
}

// never is a schedule with no slot, as robfig's gives for 31 February.
type never struct{}

func (never) Next(time.Time) time.Time { return time.Time{} }

// TestLatestWithNoSlot: Latest and Period end for a schedule that never
// fires (a zero Next); before, Latest looped for ever.
func TestLatestWithNoSlot(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if s, ok := schedule.Latest(never{}, now.Add(-time.Hour), now); ok || !s.IsZero() {
		t.Errorf("Latest = %v, %v; want none", s, ok)
	}
}

// TestLoopWithNoSlotWaitsForTheStop: a schedule that never fires runs
// nothing and gives Serve back as soon as it is stopped; before, Serve
// spun on the zero slot and ignored the stop.
func TestLoopWithNoSlotWaitsForTheStop(t *testing.T) {
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC), maxSleeps: 1000, cancel: cancel}
	r := &runs{slots: map[time.Time][]string{}}
	l := loop("digest", "replica-a", never{}, st, clock, r, nil)
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second): // a hang, not a timing: it returns at once when right
		t.Fatal("Serve did not return after the stop")
	}
	if len(r.slots) != 0 {
		t.Errorf("ran %v, want nothing", r.slots)
	}
}

// TestLoopSurvivesAPanickingRun: a slot whose work panics (a bug) fails
// that slot, logged with its stack, and the loop goes on to the next; the
// process and the other schedule live on.
func TestLoopSurvivesAPanickingRun(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("@every 2s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	var ran atomic.Int32
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "a", Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Clock: &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC), maxSleeps: 2, cancel: cancel},
		Run: func(context.Context, time.Time) error {
			ran.Add(1)
			var m map[string]int
			m["boom"]++
			return nil
		}}
	if err := l.Serve(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Serve = %v, want context.Canceled", err)
	}
	if n := ran.Load(); n != 3 {
		t.Errorf("%d slots ran, want 3 (each one panicked)", n)
	}
	if !strings.Contains(logs.String(), "panic") || !strings.Contains(logs.String(), "assignment to entry in nil map") {
		t.Errorf("the panic is not in the log:\n%s", logs.String())
	}
}

// TestLoopSaysWhenItGivesASlotUp: Atlassian is down for the whole hour
// after Monday's slot, so every try of the digest fails with ErrNotDone and
// the loop stops trying. That week has no digest, and the log must say so
// as an error naming the slot. Before, each try logged a warning that the
// claim was given back "for another try", and the last try was followed by
// nothing: the digest was dropped without an error anywhere.
func TestLoopSaysWhenItGivesASlotUp(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tries := 0
	clock := &hookClock{fakeClock: fakeClock{now: monday9.Add(time.Second), maxSleeps: 100, cancel: cancel}}
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "a", Clock: clock, Logger: log,
		Run: func(_ context.Context, slot time.Time) error {
			if slot.Equal(monday9) {
				tries++
			}
			return fmt.Errorf("%w: digest not made: org report: upstream unavailable (HTTP 503)", schedule.ErrNotDone)
		}}
	// The fake clock stops the loop at its 100th sleep, a week on.
	_ = l.Serve(ctx)
	if tries < 2 {
		t.Fatalf("Monday's slot was tried %d times, want retries within the hour", tries)
	}
	var given bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, monday9.Format(time.RFC3339)) &&
			strings.Contains(line, "HTTP 503") {
			given = true
		}
	}
	if !given {
		t.Errorf("Monday's slot was given up after %d tries with no error line naming it and why:\n%s", tries, logs.String())
	}
}

// clockClaims is a Claimer in memory whose claims expire by now (the test's
// fake time), as the database's do by the real one. A holder in dead is a
// killed process: nothing it asks reaches the claims any more.
type clockClaims struct {
	mu     sync.Mutex
	now    func() time.Time
	slots  map[string]clockClaim
	dead   map[string]bool
	errDie error
}

type clockClaim struct {
	holder  string
	expires time.Time
}

func (c *clockClaims) Claim(_ context.Context, slot, holder string, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead[holder] {
		return false, c.errDie
	}
	now := c.now()
	if cl, ok := c.slots[slot]; ok && cl.holder != holder && now.Before(cl.expires) {
		return false, nil
	}
	c.slots[slot] = clockClaim{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

func (c *clockClaims) Release(_ context.Context, slot, holder string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead[holder] {
		return c.errDie
	}
	if c.slots[slot].holder == holder {
		delete(c.slots, slot)
	}
	return nil
}

// TestLoopSlotOfAKilledReplicaRunsElsewhere: replica a claims Monday's
// slot and is killed (SIGKILL, OOM, a lost node) in the middle of the
// work: it neither finishes nor gives the claim back. Replica b, retrying
// every minute, runs the slot once a's claim lapses, well within the hour.
// Before, the claim was taken for 8 days up front, so the killed replica
// held the slot and that week had no digest (and that day no nudge round).
func TestLoopSlotOfAKilledReplicaRunsElsewhere(t *testing.T) {
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	bctx, bcancel := context.WithCancel(context.Background())
	defer bcancel()
	clock := &hookClock{fakeClock: fakeClock{now: monday9.Add(5 * time.Second), maxSleeps: 100, cancel: bcancel}}
	claims := &clockClaims{now: clock.Now, slots: map[string]clockClaim{}, dead: map[string]bool{}, errDie: errors.New("killed")}

	// a claims the slot and dies in its Run.
	started, unblock := make(chan struct{}), make(chan struct{})
	actx, acancel := context.WithCancel(context.Background())
	aDone := make(chan struct{})
	t.Cleanup(func() { close(unblock); acancel(); <-aDone })
	a := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: "a", Logger: log,
		Clock: &fakeClock{now: monday9.Add(time.Second), maxSleeps: 0, cancel: acancel},
		Run: func(context.Context, time.Time) error {
			claims.mu.Lock()
			claims.dead["a"] = true
			claims.mu.Unlock()
			close(started)
			<-unblock // a killed process does nothing more, not even at its stop
			return nil
		}}
	go func() { defer close(aDone); _ = a.Serve(actx) }()
	<-started

	r := &runs{slots: map[time.Time][]string{}}
	b := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: "b", Clock: clock, Logger: log, Run: r.record("b")}
	_ = b.Serve(bctx)
	if got := r.slots[monday9]; len(got) != 1 {
		t.Errorf("Monday's slot ran %v after its claimer was killed, want once on b (logs:\n%s)", got, logs.String())
	}
}

// stalledClaims is a database that accepted the connection and answers
// nothing (its processes stopped, a network that swallows packets): every
// call waits for its context.
type stalledClaims struct{ calls atomic.Int32 }

func (c *stalledClaims) Claim(ctx context.Context, _, _ string, _ time.Duration) (bool, error) {
	c.calls.Add(1)
	<-ctx.Done()
	return false, ctx.Err()
}

func (c *stalledClaims) Release(ctx context.Context, _, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestLoopClaimHasADeadline: with the database stalled at the slot's time,
// the claim gives up after its deadline, is logged, and is tried again a
// minute later; before, the loop waited on the first claim for as long as
// the database stalled (for ever, here).
func TestLoopClaimHasADeadline(t *testing.T) {
	defer schedule.SetClaimTimeout(50 * time.Millisecond)()
	sched, _ := schedule.Parse("0 9 * * MON")
	monday9 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	claims := &stalledClaims{}
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: "a", Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Clock: &fakeClock{now: monday9.Add(time.Second), maxSleeps: 2, cancel: cancel},
		Run:   func(context.Context, time.Time) error { return nil }}
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Serve(ctx) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // a hang, not a timing: it returns at once when right
		cancel()
		t.Fatalf("the loop is still waiting on a stalled claim (%d claims asked)", claims.calls.Load())
	}
	if n := claims.calls.Load(); n < 2 || !strings.Contains(logs.String(), "cannot claim slot") {
		t.Errorf("%d claims, want a retry after the first gave up; logs:\n%s", n, logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoopSkippedSlotsAreOneLine: work that outlasts many periods (an
// @every 1s digest that took an hour, or a machine suspended for a day)
// skips the slots in between. Each skipped slot was a warning of its own:
// 3,599 lines for that hour, 86,399 for the day. They are one line, saying
// how many and from which slot to which.
func TestLoopSkippedSlotsAreOneLine(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("@every 1s")
	nine := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{now: nine.Add(500 * time.Millisecond), maxSleeps: 1, cancel: cancel}
	var ran []time.Time
	l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: st, Holder: "a", Clock: clock,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Run: func(_ context.Context, slot time.Time) error {
			ran = append(ran, slot.UTC())
			if len(ran) == 1 { // the first digest takes an hour
				clock.mu.Lock()
				clock.now = clock.now.Add(time.Hour)
				clock.mu.Unlock()
			}
			return nil
		}}
	_ = l.Serve(ctx)
	want := []time.Time{nine, nine.Add(time.Hour), nine.Add(time.Hour + time.Second)}
	if fmt.Sprint(ran) != fmt.Sprint(want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	var skips []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "a later one is due") {
			skips = append(skips, line)
		}
	}
	if len(skips) != 1 {
		t.Fatalf("%d log lines about skipped slots, want 1", len(skips))
	}
	for _, part := range []string{`"skipped":3599`, `"first":"2026-12-01T09:00:01Z"`, `"last":"2026-12-01T09:59:59Z"`} {
		if !strings.Contains(skips[0], part) {
			t.Errorf("the skip line does not say %s:\n%s", part, skips[0])
		}
	}
}

// TestLoopShortSlotsDoNotFillTheStore: the claim that records a handled
// slot was kept for eight days whatever the period, so an @every 1s
// schedule kept 691,200 rows in claim_slot (80 MB or so, twice with the
// nudge round on the same period). A slot is only ever tried while it is
// the newest one or under MaxLate late: its record is kept for two periods,
// and at least two hours.
func TestLoopShortSlotsDoNotFillTheStore(t *testing.T) {
	st := openStore(t)
	sched, _ := schedule.Parse("@every 1s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 500_000_000, time.UTC), maxSleeps: 30, cancel: cancel}
	r := &runs{slots: map[time.Time][]string{}}
	_ = loop("digest", "a", sched, st, clock, r, nil).Serve(ctx)
	if len(r.slots) != 31 {
		t.Fatalf("%d slots ran, want 31", len(r.slots))
	}
	// The store's claims expire by its own (real) clock.
	if n, err := st.Sweep(context.Background(), time.Now().Add(2*schedule.MaxLate)); err != nil || n != 31 {
		t.Errorf("two hours on, %d claims expired (err %v), want the 31 slots' records", n, err)
	}
}

// TestLoopRecordOutlivesALongGapAfterASlot: under MON,TUE the Tuesday slot
// is the newest for six days, so a replica started on Sunday still finds
// it handled, rather than taking it as one that no replica ran.
func TestLoopRecordOutlivesALongGapAfterASlot(t *testing.T) {
	sched, _ := schedule.Parse("0 9 * * MON,TUE")
	tuesday9 := time.Date(2026, 12, 8, 9, 0, 0, 0, time.Local)
	var now atomic.Pointer[time.Time]
	claims := &clockClaims{now: func() time.Time { return *now.Load() }, slots: map[string]clockClaim{}}
	r := &runs{slots: map[time.Time][]string{}}
	for _, start := range []time.Time{tuesday9.Add(time.Minute), tuesday9.AddDate(0, 0, 5)} {
		var logs bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		clock := &hookClock{fakeClock: fakeClock{now: start, cancel: cancel}}
		clock.onSleep = func(int) { cancel() }
		now.Store(&start)
		l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: claims, Holder: start.String(), Clock: clock,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Run: r.record(start.String())}
		_ = l.Serve(ctx)
		cancel()
		if strings.Contains(logs.String(), "no replica ran") {
			t.Errorf("started %v: Tuesday's slot taken as missed:\n%s", start, logs.String())
		}
	}
	if len(r.slots) != 1 || len(r.slots[tuesday9]) != 1 {
		t.Errorf("ran %v, want Tuesday's slot once", r.slots)
	}
}

// TestLoopSaysWhenItsFirstSlotComes: a schedule that fires rarely (29
// February) started, and said nothing until its slot, two years on: the
// log did not tell an operator when the digest would come, or that it
// would. The start says when the next slot is.
func TestLoopSaysWhenItsFirstSlotComes(t *testing.T) {
	sched, err := schedule.Parse("CRON_TZ=UTC 0 0 29 2 *")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), cancel: cancel}
	r := &runs{slots: map[time.Time][]string{}}
	_ = loop("digest", "a", sched, openStore(t), clock, r, slog.New(slog.NewJSONHandler(&logs, nil))).Serve(ctx)
	if !strings.Contains(logs.String(), `"next":"2028-02-29T00:00:00Z"`) {
		t.Errorf("the log does not say the next slot is 2028-02-29T00:00:00Z:\n%s", logs.String())
	}
}

// TestLoopLogsReadableDurations: the start's lines said how late a missed
// slot was and how long until the next one as bare nanoseconds
// ("late":10621000000000, "in":594179000000000), which slog's JSON writes
// for a time.Duration; the other lines give a Go duration ("2h57m1s").
func TestLoopLogsReadableDurations(t *testing.T) {
	sched, err := schedule.Parse("CRON_TZ=UTC 0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{now: time.Date(2026, 3, 2, 12, 0, 1, 0, time.UTC), cancel: cancel}
	r := &runs{slots: map[time.Time][]string{}}
	_ = loop("digest", "a", sched, openStore(t), clock, r, slog.New(slog.NewJSONHandler(&logs, nil))).Serve(ctx)
	for _, want := range []string{`"late":"3h0m1s"`, `"in":"20h59m59s"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs.String())
		}
	}
}

// TestLoopFirstStartAfterASlotIsNoAlarm: a process started more than an
// hour after the day's slot, on a database that never saw the schedule (a
// new install, or SQLite on a container's temporary storage, so every
// restart), found that slot unclaimed and logged a WARN "slot missed while
// no replica ran", at every such start: a false alarm an admin would file.
// The start's look back says it at info; a slot missed while the loop ran
// (a suspended machine) still warns, as TestLoopSkippedSlotsAreOneLine shows.
func TestLoopFirstStartAfterASlotIsNoAlarm(t *testing.T) {
	sched, _ := schedule.Parse("0 9 * * *")
	st := openStore(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	r := &runs{slots: map[time.Time][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{now: time.Date(2026, 3, 2, 12, 0, 1, 0, time.Local), maxSleeps: 0, cancel: cancel}
	_ = loop("digest", "a", sched, st, clock, r, log).Serve(ctx)
	if strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("a first start after the day's slot warned:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "more than an hour late") {
		t.Errorf("the skipped slot is not logged at all:\n%s", logs.String())
	}
	if len(r.slots) != 0 {
		t.Errorf("a slot three hours late ran: %v", r.slots)
	}
}

// TestParseNamesAMistypedTimeZonePrefix: a time zone prefix cron does not
// know (lower case, a hyphen, spaces around the =) was counted as one more
// field: "cron_tz=UTC 0 9 * * *" was refused as "has 6 fields, not 5",
// which sends the operator counting fields that are right. The refusal
// names the prefix and how to write it; the prefix written right works.
func TestParseNamesAMistypedTimeZonePrefix(t *testing.T) {
	for _, c := range []struct{ expr, reason string }{
		{"cron_tz=UTC 0 9 * * *", "has its time zone prefix “cron_tz=” not in capitals: write CRON_TZ=UTC"},
		{"Cron_Tz=Europe/Berlin 0 9 * * MON", "not in capitals: write CRON_TZ=Europe/Berlin"},
		{"tz=UTC 0 9 * * *", "not in capitals: write TZ=UTC"},
		{"CRON-TZ=UTC 0 9 * * *", "“CRON-TZ=UTC” is not a time zone prefix"},
		{"CRONTZ=UTC 0 9 * * *", "“CRONTZ=UTC” is not a time zone prefix"},
		{"CRON_TZ = UTC 0 9 * * *", "has a space around the = of CRON_TZ"},
		{"CRON_TZ =Europe/Berlin 0 9 * * *", "has a space around the = of CRON_TZ"},
	} {
		t.Run(c.expr, func(t *testing.T) {
			_, err := schedule.Parse(c.expr)
			if !errors.Is(err, schedule.ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, want ErrInvalid", c.expr, err)
			}
			if !strings.Contains(err.Error(), c.reason) || strings.Contains(err.Error(), "fields, not 5") {
				t.Errorf("Parse(%q) = %q, want it to say %q (and not count fields)", c.expr, err, c.reason)
			}
		})
	}
	for _, ok := range []string{"CRON_TZ=UTC 0 9 * * *", "TZ=Europe/Berlin 0 9 * * MON", "CRON_TZ=Local 0 9 * * *", "0 9 * * *"} {
		if _, err := schedule.Parse(ok); err != nil {
			t.Errorf("Parse(%q) = %v, want it accepted", ok, err)
		}
	}
}

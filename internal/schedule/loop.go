package schedule

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"lastactive/internal/recovered"
)

// Claimer takes a named slot for a holder until ttl has passed, and says
// whether it got it; Release gives up a slot the holder has. *state.Store
// satisfies it.
type Claimer interface {
	Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, slot, holder string) error
}

// ErrNotDone, wrapped in Run's error, says the slot's work is not done and
// may safely run again: it did nothing anyone can see (a digest or a nudge
// round whose scan failed or was cut short by a stop), or nothing it did would be done
// twice (a nudge round stopped part-way asks each person once). The claim
// is given back, and this or another process runs the slot again while it
// is less than MaxLate late.
var ErrNotDone = errors.New("slot not done")

// RetryEvery is how often a slot not yet handled (its claim held by a
// process that may give it back, or not readable) is tried again while it
// is less than MaxLate late. Schedules with shorter periods are not
// retried: their next slot comes first.
const RetryEvery = time.Minute

// releaseTimeout bounds giving a claim back, which happens as a process
// stops too.
const releaseTimeout = 5 * time.Second

// claimTimeout bounds taking a slot's claim: a database that accepted the
// connection and stalls must not hold the loop (the slot is tried again a
// minute later). A variable so that its test does not wait 30 s.
var claimTimeout = 30 * time.Second

// Lease is how long a slot's claim lasts while its work runs, renewed every
// leaseRenewEvery: a process killed mid-slot (SIGKILL, OOM, a lost node)
// holds the slot no longer than this, and another replica's retry runs it.
// Once the work has ended, the claim is kept for long as the record that
// the slot was handled.
const (
	Lease           = 2 * time.Minute
	leaseRenewEvery = 40 * time.Second
)

// errLeaseLost cancels a slot's work whose claim could not be renewed in
// time or was taken by another process: that one may be running it too.
var errLeaseLost = errors.New("the slot's claim was lost")

// Clock is the time the loop sees; tests pass a fake that moves on Sleep.
type Clock interface {
	Now() time.Time
	// Sleep waits until the clock reads d later, or until ctx is done
	// (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

// MaxLate is how late a slot may still be run: a slot missed while no
// replica ran is run once at the next start if less late than this, else
// skipped with a log line.
const MaxLate = time.Hour

// lookback bounds how far back the first start looks for a missed slot.
const lookback = 8 * 24 * time.Hour

// lateAfter is how late a slot may run before its run is logged as late:
// a digest at 09:47 says why.
const lateAfter = time.Minute

// Loop runs Run once per slot of Schedule, across every process sharing
// Claims.
type Loop struct {
	Name     string // the slot name's prefix, e.g. "digest"
	Schedule Schedule
	Claims   Claimer
	Holder   string // this process, e.g. host name and a random suffix
	Clock    Clock  // nil: the real clock
	Logger   *slog.Logger
	// Run does the slot's work; its error is logged, and the slot stays
	// claimed (a half-posted digest is not posted twice).
	Run func(ctx context.Context, slot time.Time) error
}

// SlotName is the claim name of a slot: "digest 2026-12-07T09:00:00Z".
func (l *Loop) SlotName(slot time.Time) string {
	return l.Name + " " + slot.UTC().Format(time.RFC3339)
}

// Serve runs until ctx is done: first the latest slot before now (late, if
// no replica ran it), then each slot as it comes. It returns ctx.Err().
func (l *Loop) Serve(ctx context.Context) error {
	clock := l.Clock
	if clock == nil {
		clock = realClock{}
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := clock.Now()
	last, ok := Latest(l.Schedule, now.Add(-lookback), now)
	if ok {
		l.settle(ctx, clock, log, last, true)
	} else {
		last = now
	}
	told := false
	for {
		next := l.Schedule.Next(last)
		if next.IsZero() {
			// No slot left (Parse refuses such a schedule; this is the
			// guard): nothing to run, and the stop must still be heard.
			log.Error("schedule: no slot will ever come; nothing runs", "schedule", l.Name)
			<-ctx.Done()
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// Slept again while the clock is short of the slot: the sleep is
		// timed on the monotonic clock, and a clock stepped back meanwhile
		// (an NTP correction) would have the 09:00 digest posted at 08:00.
		for said := false; ; said = true {
			wait := next.Sub(clock.Now())
			if wait <= 0 {
				break
			}
			// Said once at start (a 29 February slot may be years away),
			// then only at debug: an @every 1s would say it every second.
			level := slog.LevelDebug
			if !told {
				level, told = slog.LevelInfo, true
			}
			msg := "schedule: next slot"
			if said { // rare: said at info
				level, msg = slog.LevelInfo, "schedule: woke before the slot's time (the clock was set back); sleeping until it"
			}
			log.Log(ctx, level, msg, "schedule", l.Name, "next", next.UTC(), "in", wait.Round(time.Second).String())
			if err := clock.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		// After a long sleep (a suspended machine), only the newest
		// slot is worth running; the ones in between are skipped.
		slot, _ := Latest(l.Schedule, last, clock.Now())
		if slot.IsZero() {
			slot = next
		}
		// One line however many: an @every 1s schedule after an hour's
		// work skips 3,599 slots.
		skipped, lastSkipped := 0, next
		for s := next; s.Before(slot); s = l.Schedule.Next(s) {
			skipped, lastSkipped = skipped+1, s
		}
		if skipped > 0 {
			log.Warn("schedule: slots skipped, a later one is due", "schedule", l.Name, "skipped", skipped,
				"first", next.UTC(), "last", lastSkipped.UTC(), "slot", slot.UTC())
		}
		l.settle(ctx, clock, log, slot, false)
		last = slot
	}
}

// settle handles slot and, while it is not handled, tries again every
// RetryEvery until it is MaxLate late or the next slot is due. A rolling
// restart at the slot's time is the case: the old process claims the slot,
// is stopped mid-scan and gives the claim back, and the new one, which
// found the slot taken when it started, runs it a minute later. A slot
// whose last try here failed is then given up with an error, naming why:
// its work (a digest) will not be done.
// atStart says slot is the one the start's look back found.
func (l *Loop) settle(ctx context.Context, clock Clock, log *slog.Logger, slot time.Time, atStart bool) {
	done, err := l.handle(ctx, clock, log, slot, atStart, false)
	if done {
		return
	}
	if Period(l.Schedule, slot) > RetryEvery {
		next := l.Schedule.Next(slot)
		for {
			at := clock.Now().Add(RetryEvery)
			if at.Sub(slot) >= MaxLate || !at.Before(next) {
				break
			}
			if clock.Sleep(ctx, RetryEvery) != nil {
				return
			}
			if done, err = l.handle(ctx, clock, log, slot, atStart, true); done {
				return
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		log.Error("schedule: slot given up: not done, and too late to try again", "schedule", l.Name, "slot", slot.UTC(), "err", err)
	}
}

// handle claims slot and runs it when this process won the claim. It
// reports whether the slot is settled: run (or failed after doing
// something), or skipped as too late. It is not while another process
// holds the claim, the claim could not be read, or the work did nothing
// (ErrNotDone; the claim is then given back): err then says why, nil when
// another process holds the claim. retry says an earlier try of slot
// did not settle it.
func (l *Loop) handle(ctx context.Context, clock Clock, log *slog.Logger, slot time.Time, atStart, retry bool) (settled bool, err error) {
	if ctx.Err() != nil {
		return true, nil
	}
	// Leased while the work runs; kept after it: the claim is the record
	// that the slot was handled. A slot is tried only while it is the
	// newest one (a restart's lookback finds no older) or less than MaxLate
	// late, so two periods, and at least twice MaxLate, outlive every try:
	// eight days for every slot kept 691,200 records of an @every 1s.
	// The period is the one after this slot (a Tuesday slot of MON,TUE
	// is the newest for six days).
	ttl := lookback + MaxLate
	if next := l.Schedule.Next(slot); !next.IsZero() {
		ttl = max(2*next.Sub(slot), 2*MaxLate)
	}
	leased := time.Now()
	cctx, cancel := context.WithTimeout(ctx, claimTimeout)
	won, err := l.Claims.Claim(cctx, l.SlotName(slot), l.Holder, Lease)
	cancel()
	if err != nil {
		log.Error("schedule: cannot claim slot", "schedule", l.Name, "slot", slot.UTC(), "err", err)
		return false, err
	}
	if !won {
		log.Debug("schedule: slot taken by another replica", "schedule", l.Name, "slot", slot.UTC())
		return false, nil
	}
	if late := clock.Now().Sub(slot); late >= MaxLate {
		// Found by the start's look back, it may be a slot from before
		// the bot ever ran (a new install, SQLite on a container's
		// temporary storage): said, but no alarm at every such start.
		level := slog.LevelWarn
		if atStart {
			level = slog.LevelInfo
		}
		log.Log(ctx, level, "schedule: slot missed while no replica ran; skipped as more than an hour late",
			"schedule", l.Name, "slot", slot.UTC(), "late", late.Round(time.Second).String())
		l.keep(ctx, log, slot, ttl)
		return true, nil
	}
	l.sayLate(ctx, clock, log, slot, atStart, retry)
	err = l.runLeased(ctx, log, slot, leased)
	switch {
	case err == nil:
		l.keep(ctx, log, slot, ttl)
		return true, nil
	case errors.Is(err, ErrNotDone):
		// Given back even when the process is stopping: that is when
		// another process should take it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := l.Claims.Release(rctx, l.SlotName(slot), l.Holder); rerr != nil {
			// Still this process's claim: its next try takes it again
			// (another process's, once the lease lapses).
			log.Warn("schedule: slot not done, and its claim not given back; tried again", "schedule", l.Name,
				"slot", slot.UTC(), "err", err, "release_err", rerr)
			return false, err
		}
		log.Warn("schedule: slot not done; claim given back for another try", "schedule", l.Name, "slot", slot.UTC(), "err", err)
		return false, err
	}
	log.Error("schedule: slot failed", "schedule", l.Name, "slot", slot.UTC(), "err", err)
	l.keep(ctx, log, slot, ttl)
	return true, nil
}

// sayLate logs a slot about to run lateAfter or more after its time, with
// how late and why: a warning when the loop fell behind (the slot before
// took longer than the gap, or the machine was suspended), at info when
// the process started after the slot or an earlier try was given back,
// which are said elsewhere or expected.
func (l *Loop) sayLate(ctx context.Context, clock Clock, log *slog.Logger, slot time.Time, atStart, retry bool) {
	late := clock.Now().Sub(slot)
	if late < lateAfter {
		return
	}
	level, reason := slog.LevelWarn, "busy or suspended"
	switch {
	case retry:
		level, reason = slog.LevelInfo, "retry"
	case atStart:
		level, reason = slog.LevelInfo, "started after the slot"
	}
	log.Log(ctx, level, "schedule: slot runs late", "schedule", l.Name, "slot", slot.UTC(),
		"late", late.Round(time.Second).String(), "reason", reason)
}

// keep turns this process's lease on slot into the long claim that
// records it as handled, even while the process stops.
func (l *Loop) keep(ctx context.Context, log *slog.Logger, slot time.Time, ttl time.Duration) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if won, err := l.Claims.Claim(kctx, l.SlotName(slot), l.Holder, ttl); err != nil || !won {
		log.Error("schedule: slot handled, but not recorded as such: another replica may run it again once the claim lapses",
			"schedule", l.Name, "slot", slot.UTC(), "err", err, "still_held", won)
	}
}

// runLeased runs the slot's work while renewing the lease on its claim,
// taken at leased. When the lease has not been renewed for most of its
// length, or another process holds the slot, the work is cancelled: it may
// be running there. A lease is dated from when its claim was asked (the
// store reads its clock before the statement), not from when it answered,
// and the work is stopped at that date plus Lease-leaseRenewEvery whether
// a renewal is on its way or not: the rest is the work's time to stop
// before another process may take the slot.
func (l *Loop) runLeased(ctx context.Context, log *slog.Logger, slot, leased time.Time) error {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(leaseRenewEvery)
		defer t.Stop()
		stopAt := leased.Add(Lease - leaseRenewEvery)
		stop := time.NewTimer(time.Until(stopAt))
		defer stop.Stop()
		var lastErr error
		for {
			select {
			case <-done:
				return
			case <-stop.C:
				log.Error("schedule: slot's claim not renewed in time; its work is stopped", "schedule", l.Name, "slot", slot.UTC(),
					"taken_by_another", false, "err", lastErr)
				cancel(errLeaseLost)
				return
			case <-t.C:
			}
			asked := time.Now()
			deadline := asked.Add(leaseRenewEvery / 2)
			if stopAt.Before(deadline) {
				deadline = stopAt
			}
			cctx, ccancel := context.WithDeadline(rctx, deadline)
			won, err := l.Claims.Claim(cctx, l.SlotName(slot), l.Holder, Lease)
			ccancel()
			switch {
			case err == nil && won:
				stopAt = asked.Add(Lease - leaseRenewEvery)
				stop.Reset(time.Until(stopAt))
			case err == nil:
				log.Error("schedule: slot's claim lost; its work is stopped", "schedule", l.Name, "slot", slot.UTC(),
					"taken_by_another", true)
				cancel(errLeaseLost)
				return
			default:
				lastErr = err
			}
		}
	})
	err := l.run(rctx, log, slot)
	close(done)
	wg.Wait()
	return err
}

// run runs the slot's work; a panic in it (a bug) fails the slot, logged
// with its stack, rather than ending the process and every other schedule.
func (l *Loop) run(ctx context.Context, log *slog.Logger, slot time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered.Log(log, "schedule "+l.Name+" "+slot.UTC().Format(time.RFC3339), r)
		}
	}()
	return l.Run(ctx, slot)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	return sleepWall(ctx, d, time.Now, time.After)
}

// maxNap is the longest the real clock sleeps before it reads the wall
// clock again.
const maxNap = time.Minute

// sleepWall waits until the wall clock reads d later than now, or until
// ctx is done; now and after are the clock's (tests pass fakes). A timer
// counts the monotonic clock, which a clock stepped forward (an NTP
// correction) does not move and Linux does not run while the machine is
// suspended: one timer to a slot days away woke that much after it (two
// hours of it, and the slot was skipped as too late). Naps of at most
// maxNap keep the wake within a minute of the wall clock's time.
func sleepWall(ctx context.Context, d time.Duration, now func() time.Time, after func(time.Duration) <-chan time.Time) error {
	// Round(0) drops the monotonic reading: the times compare by the
	// wall clock.
	at := now().Round(0).Add(d)
	for {
		left := at.Sub(now().Round(0))
		if left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(min(left, maxNap)):
		}
	}
}

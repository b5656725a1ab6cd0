package schedule

import (
	"context"
	"log/slog"
	"time"
)

// Claimer takes a named slot for a holder until ttl has passed, and says
// whether it got it. *state.Store satisfies it.
type Claimer interface {
	Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error)
}

// Clock is the time the loop sees; tests pass a fake that moves on Sleep.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

// MaxLate is how late a slot may still be run: a slot missed while no
// replica ran is run once at the next start if less late than this, else
// skipped with a log line.
const MaxLate = time.Hour

// lookback bounds how far back the first start looks for a missed slot.
const lookback = 8 * 24 * time.Hour

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
		l.handle(ctx, clock, log, last)
	} else {
		last = now
	}
	for {
		next := l.Schedule.Next(last)
		if wait := next.Sub(clock.Now()); wait > 0 {
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
		for s := next; s.Before(slot); s = l.Schedule.Next(s) {
			log.Warn("schedule: slot skipped, a later one is due", "schedule", l.Name, "slot", s.UTC())
		}
		l.handle(ctx, clock, log, slot)
		last = slot
	}
}

// handle claims slot and runs it when this process won the claim.
func (l *Loop) handle(ctx context.Context, clock Clock, log *slog.Logger, slot time.Time) {
	if ctx.Err() != nil {
		return
	}
	// Kept after the work: the claim is the record that the slot was
	// handled. It outlives the lookback of a restart, or two periods.
	ttl := max(2*Period(l.Schedule, slot), lookback+MaxLate)
	won, err := l.Claims.Claim(ctx, l.SlotName(slot), l.Holder, ttl)
	if err != nil {
		log.Error("schedule: cannot claim slot; skipping it", "schedule", l.Name, "slot", slot.UTC(), "err", err)
		return
	}
	if !won {
		log.Debug("schedule: slot taken by another replica", "schedule", l.Name, "slot", slot.UTC())
		return
	}
	if late := clock.Now().Sub(slot); late >= MaxLate {
		log.Warn("schedule: slot missed while no replica ran; skipped as more than an hour late",
			"schedule", l.Name, "slot", slot.UTC(), "late", late.Round(time.Second))
		return
	}
	if err := l.Run(ctx, slot); err != nil {
		log.Error("schedule: slot failed", "schedule", l.Name, "slot", slot.UTC(), "err", err)
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

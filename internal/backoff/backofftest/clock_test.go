package backofftest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"lastactive/internal/backoff"
	"lastactive/internal/backoff/backofftest"
)

// TestClockRecordsWaitsWithoutSleeping: backoff.Sleep returns at once on
// this clock, and every wait asked is remembered in order.
func TestClockRecordsWaitsWithoutSleeping(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	clk := &backofftest.Clock{At: at}
	for _, d := range []time.Duration{time.Second, time.Hour} {
		if err := backoff.Sleep(context.Background(), clk, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := clk.Waits(); !slices.Equal(got, []time.Duration{time.Second, time.Hour}) {
		t.Errorf("waits = %v", got)
	}
	if !clk.Now().Equal(at) {
		t.Errorf("Now = %v, want %v", clk.Now(), at)
	}
}

// TestAdvancingClockMovesOnByEachWait: with Advance, a wait moves Now on by
// its length, so a deadline remembered before it is over after it.
func TestAdvancingClockMovesOnByEachWait(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clk := &backofftest.Clock{At: at, Advance: true}
	for _, d := range []time.Duration{time.Second, time.Minute} {
		if err := backoff.Sleep(context.Background(), clk, d); err != nil {
			t.Fatal(err)
		}
	}
	if want := at.Add(time.Minute + time.Second); !clk.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", clk.Now(), want)
	}
}

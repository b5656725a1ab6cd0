package nudge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestPostPacingForgetsPastRecipients: the pacing of posts per recipient
// (one a PostEvery) is kept per Slack user, for the life of the process.
// Everyone nudged, reminded or told a result over months was kept for
// good, though a recipient last posted to longer than PostEvery ago waits
// no more than one never posted to. What is kept must not grow with the
// number of people posted to: 2N recipients keep about as much as N do.
func TestPostPacingForgetsPastRecipients(t *testing.T) {
	t.Parallel()
	e := New(Config{Messages: &recorder{}, PostEvery: time.Nanosecond})
	kept := func(from, to int) int {
		for i := from; i < to; i++ {
			if _, err := e.post(context.Background(), fmt.Sprintf("U%07d", i), Ask{}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Millisecond) // every pacing above is past (PostEvery is 1 ns)
		e.mu.Lock()
		defer e.mu.Unlock()
		return len(e.lastPost)
	}
	const n = 3 * postersBeforePrune
	afterN := kept(0, n)
	after2N := kept(n, 2*n)
	if after2N-afterN >= n/2 {
		t.Errorf("pacing kept for %d recipients after %d posts, %d after %d: it grows with everyone ever posted to", afterN, n, after2N, 2*n)
	}
}

package backoff_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"lastactive/internal/backoff"
)

// A retry loop: the server's hint when it gives one, else the policy's
// jittered backoff, until the attempts or the waiting budget run out.
func Example() {
	p, err := backoff.Policy{Base: time.Second, Max: 4 * time.Second, Attempts: 4, Budget: 10 * time.Second}.WithDefaults()
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	header := func(k, v string) http.Header {
		h := http.Header{}
		if k != "" {
			h.Set(k, v)
		}
		return h
	}
	answers := []http.Header{
		header("Retry-After", "2"),                          // a 429 that says how long
		header("X-RateLimit-Reset", "2026-11-26T12:00:03Z"), // a 429 with the reset instant
		header("", ""), // a 503 without a hint
		header("", ""), // and another
	}
	rnd := rand.New(rand.NewPCG(1, 1)) // seeded so the example prints the same every run
	var waited time.Duration
	for n, h := range answers {
		attempt := n + 1
		wait, hinted := backoff.RetryAfter(h, now)
		if !hinted {
			wait = p.Delay(attempt, rnd)
		}
		if p.Exhausted(attempt, waited, wait) {
			fmt.Printf("attempt %d failed: giving up\n", attempt)
			return
		}
		// The clock here ends every wait at once; real code passes backoff.System.
		if err := backoff.Sleep(context.Background(), instant{}, wait); err != nil {
			return
		}
		waited += wait
		if hinted {
			fmt.Printf("attempt %d failed: wait %v as the server asked\n", attempt, wait)
		} else {
			ceil := min(p.Base<<(attempt-1), p.Max)
			fmt.Printf("attempt %d failed: wait between %v and %v: %v\n", attempt, ceil/2, ceil, wait >= ceil/2 && wait <= ceil)
		}
	}
	// Output:
	// attempt 1 failed: wait 2s as the server asked
	// attempt 2 failed: wait 3s as the server asked
	// attempt 3 failed: wait between 2s and 4s: true
	// attempt 4 failed: giving up
}

// instant is a clock whose waits end at once, as tests use.
type instant struct{}

func (instant) Now() time.Time { return time.Time{} }

func (instant) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

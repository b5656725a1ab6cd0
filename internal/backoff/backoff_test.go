package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		// want and wantOK are for RetryAfter; header* for RetryAfterHeader.
		want         time.Duration
		wantOK       bool
		headerWant   time.Duration
		headerWantOK bool
	}{
		{"none", nil, 0, false, 0, false},
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true, 7 * time.Second, true},
		{"seconds with spaces", map[string]string{"Retry-After": " 7 "}, 7 * time.Second, true, 7 * time.Second, true},
		{"zero seconds", map[string]string{"Retry-After": "0"}, 0, true, 0, true},
		{"http date", map[string]string{"Retry-After": "Thu, 26 Nov 2026 12:00:30 GMT"}, 30 * time.Second, true, 30 * time.Second, true},
		{"http date in the past", map[string]string{"Retry-After": "Thu, 26 Nov 2026 11:00:00 GMT"}, 0, true, 0, true},
		{"huge", map[string]string{"Retry-After": "99999999999999999"}, MaxHint, true, MaxHint, true},
		// Past 2^64-1 ParseUint fails with ErrRange: still a wait, the longest.
		{"beyond 64 bits", map[string]string{"Retry-After": "99999999999999999999"}, MaxHint, true, MaxHint, true},
		{"beyond 64 bits wins over reset", map[string]string{"Retry-After": "99999999999999999999", "X-RateLimit-Reset": "2026-11-26T12:00:34Z"},
			MaxHint, true, MaxHint, true},
		{"beyond 64 bits, leading zeros", map[string]string{"Retry-After": "000000000000000000000000000000012"}, 12 * time.Second, true, 12 * time.Second, true},
		{"signed", map[string]string{"Retry-After": "+5"}, 0, false, 0, false},
		{"negative", map[string]string{"Retry-After": "-5"}, 0, false, 0, false},
		{"fraction", map[string]string{"Retry-After": "1.5"}, 0, false, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false, 0, false},
		{"reset rfc3339", map[string]string{"X-RateLimit-Reset": "2026-11-26T12:01:00Z"}, time.Minute, true, 0, false},
		{"reset jira minutes", map[string]string{"X-RateLimit-Reset": "2026-11-26T12:02Z"}, 2 * time.Minute, true, 0, false},
		{"reset far future", map[string]string{"X-RateLimit-Reset": "2036-11-26T12:02Z"}, MaxHint, true, 0, false},
		{"reset garbage", map[string]string{"X-RateLimit-Reset": "tomorrow"}, 0, false, 0, false},
		{"garbage retry-after falls back to reset", map[string]string{"Retry-After": "soon", "X-RateLimit-Reset": "2026-11-26T12:02Z"},
			2 * time.Minute, true, 0, false},
		{"retry-after wins", map[string]string{"Retry-After": "3", "X-RateLimit-Reset": "2026-11-26T12:02Z"},
			3 * time.Second, true, 3 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got, ok := RetryAfter(h, now); got != tt.want || ok != tt.wantOK {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
			if got, ok := RetryAfterHeader(h, now); got != tt.headerWant || ok != tt.headerWantOK {
				t.Errorf("RetryAfterHeader = %v, %v; want %v, %v", got, ok, tt.headerWant, tt.headerWantOK)
			}
		})
	}
}

func TestDelayBounds(t *testing.T) {
	t.Parallel()
	p, err := Policy{Base: time.Second, Max: 4 * time.Second}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for n, ceil := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 4 * time.Second, 60: 4 * time.Second} {
		lo, hi := ceil, time.Duration(0)
		for range 200 {
			d := p.Delay(n, rnd)
			if d < ceil/2 || d > ceil {
				t.Fatalf("Delay(%d) = %v, want in [%v, %v]", n, d, ceil/2, ceil)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Jitter: 200 draws over half a second or more never all coincide.
		if lo == hi {
			t.Errorf("Delay(%d) always %v: no jitter", n, lo)
		}
		if d := p.Delay(n, nil); d < ceil/2 || d > ceil {
			t.Errorf("Delay(%d, nil) = %v, want in [%v, %v]", n, d, ceil/2, ceil)
		}
	}
}

func TestDelayRepeatableWithSeed(t *testing.T) {
	t.Parallel()
	p := Default
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for n := 1; n < 6; n++ {
		if x, y := p.Delay(n, a), p.Delay(n, b); x != y {
			t.Fatalf("attempt %d: %v and %v from the same seed", n, x, y)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      Policy
		want    Policy
		wantErr bool
	}{
		{"zero is Default", Policy{}, Default, false},
		{"kept", Policy{Base: time.Second, Max: 2 * time.Second, Attempts: 2, Budget: time.Minute},
			Policy{Base: time.Second, Max: 2 * time.Second, Attempts: 2, Budget: time.Minute}, false},
		{"max follows a large base", Policy{Base: 20 * time.Second}, Policy{Base: 20 * time.Second, Max: 20 * time.Second,
			Attempts: Default.Attempts, Budget: Default.Budget}, false},
		{"negative", Policy{Attempts: -1}, Policy{}, true},
		{"base above max", Policy{Base: 2 * time.Second, Max: time.Second}, Policy{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.in.WithDefaults()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExhausted(t *testing.T) {
	t.Parallel()
	p := Policy{Attempts: 3, Budget: 10 * time.Second}
	tests := []struct {
		n            int
		waited, next time.Duration
		want         bool
	}{
		{1, 0, time.Second, false},
		{2, 5 * time.Second, 5 * time.Second, false}, // exactly the budget is allowed
		{2, 5 * time.Second, 6 * time.Second, true},
		{3, 0, 0, true},
		{1, 0, 11 * time.Second, true},
	}
	for _, tt := range tests {
		if got := p.Exhausted(tt.n, tt.waited, tt.next); got != tt.want {
			t.Errorf("Exhausted(%d, %v, %v) = %v, want %v", tt.n, tt.waited, tt.next, got, tt.want)
		}
	}
}

// stepClock fires every wait at once and records it.
type stepClock struct {
	now   time.Time
	waits []time.Duration
	never bool // the wait never ends: only ctx can end Sleep
}

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	if c.never {
		return nil
	}
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func TestSleep(t *testing.T) {
	t.Parallel()
	clk := &stepClock{}
	if err := Sleep(context.Background(), clk, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(clk.waits) != 1 || clk.waits[0] != 3*time.Second {
		t.Errorf("waits = %v, want [3s]", clk.waits)
	}

	// A context ended before the wait: no wait starts.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clk = &stepClock{}
	if err := Sleep(ctx, clk, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(clk.waits) != 0 {
		t.Errorf("waits = %v after a cancelled context", clk.waits)
	}

	// A wait that never ends is ended by the deadline.
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := Sleep(ctx, &stepClock{never: true}, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestSleepSystemClock(t *testing.T) {
	t.Parallel()
	if err := Sleep(context.Background(), nil, 0); err != nil {
		t.Fatal(err)
	}
}

package credentials_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/internal/credentials"
)

// countingBot answers auth.test and counts the calls.
type countingBot struct{ calls atomic.Int64 }

func (b *countingBot) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	b.calls.Add(1)
	return &slack.AuthTestResponse{Team: "T", User: "bot"}, nil
}

// TestWatchPoke: a component that sees a credential refused (a lookup's
// users.info answering invalid_auth) pokes the watch, which checks again at
// once instead of at the next interval (an hour here), so readiness follows
// within one round trip.
func TestWatchPoke(t *testing.T) {
	bot := &countingBot{}
	w := credentials.NewWatch(&credentials.Checker{SlackBot: bot}, credentials.WatchOptions{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	waitFor := func(n int64) {
		t.Helper()
		for i := 0; i < 2000 && bot.calls.Load() < n; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		if got := bot.calls.Load(); got < n {
			t.Fatalf("auth.test calls = %d, want %d", got, n)
		}
	}
	waitFor(1) // the check at start
	w.Poke()
	w.Poke() // pokes while one is pending coalesce: never block the caller
	waitFor(2)
}

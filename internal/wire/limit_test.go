package wire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot/bottest"
)

// TestLimitDirectoryBoundsConcurrency starts many more calls than slots,
// each held until the test lets go, and checks that no more than the limit
// ever ran at once, and that the limit was reached.
func TestLimitDirectoryBoundsConcurrency(t *testing.T) {
	t.Parallel()
	const limit, callers = 4, 40
	var now, peak atomic.Int64
	arrived := make(chan struct{}, callers)
	release := make(chan struct{})
	enter := func() {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		now.Add(-1)
	}
	fake := &bottest.Directory{
		ResolveFunc: func(context.Context, string) (atlassian.Account, atlassian.Via, error) {
			enter()
			return atlassian.Account{AccountID: "a"}, atlassian.ViaJira, nil
		},
		LastActiveFunc: func(context.Context, string) (*atlassian.Activity, error) {
			enter()
			return &atlassian.Activity{}, nil
		},
		DirectoryUserFunc: func(context.Context, string) (atlassian.DirectoryUser, error) {
			enter()
			return atlassian.DirectoryUser{}, nil
		},
	}
	dir := LimitDirectory(fake, limit)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, _, err = dir.Resolve(ctx, fmt.Sprintf("p%d@example.com", i))
			case 1:
				_, err = dir.LastActive(ctx, "a")
			default:
				_, err = dir.DirectoryUser(ctx, "a")
			}
			errs <- err
		})
	}
	// The first `limit` calls get in; then none may until one leaves.
	for range limit {
		<-arrived
	}
	select {
	case <-arrived:
		t.Fatalf("a call got past the limit of %d", limit)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for range callers - limit {
		<-arrived
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("call failed: %v", err)
		}
	}
	if got := peak.Load(); got != limit {
		t.Errorf("peak concurrent calls = %d, want %d", got, limit)
	}
	if n := fake.ResolveCalls.Load() + fake.LastActiveCalls.Load() + fake.DirectoryUserCalls.Load(); n != callers {
		t.Errorf("calls reaching the directory = %d, want %d", n, callers)
	}
}

// TestLimitDirectoryWaiterGivesUp fills the only slot, then checks that a
// caller waiting for it returns its context's error without calling the
// directory, and that the slot is usable again once freed.
func TestLimitDirectoryWaiterGivesUp(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	fake := &bottest.Directory{
		LastActiveFunc: func(ctx context.Context, id string) (*atlassian.Activity, error) {
			if id == "holder" {
				close(entered)
				<-release
			}
			return &atlassian.Activity{AccountID: id}, nil
		},
	}
	dir := LimitDirectory(fake, 1)
	held := make(chan error, 1)
	go func() {
		_, err := dir.LastActive(context.Background(), "holder")
		held <- err
	}()
	<-entered

	ctx, cancel := context.WithCancel(t.Context())
	waited := make(chan error, 1)
	go func() {
		_, err := dir.LastActive(ctx, "waiter")
		waited <- err
	}()
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting caller: err = %v, want context.Canceled", err)
	}
	if n := fake.LastActiveCalls.Load(); n != 1 {
		t.Fatalf("directory called %d times, want 1 (the waiter must not get in)", n)
	}

	close(release)
	if err := <-held; err != nil {
		t.Fatalf("holder: %v", err)
	}
	if _, err := dir.LastActive(t.Context(), "after"); err != nil {
		t.Fatalf("after the slot was freed: %v", err)
	}
}

func TestLimitDirectoryDefault(t *testing.T) {
	t.Parallel()
	if got := cap(LimitDirectory(&bottest.Directory{}, 0).slots); got != DefaultMaxAtlassianCalls {
		t.Errorf("default slots = %d, want %d", got, DefaultMaxAtlassianCalls)
	}
}

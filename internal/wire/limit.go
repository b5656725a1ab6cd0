package wire

import (
	"context"
	"fmt"

	"lastactive/atlassian"
	"lastactive/bot"
)

// DefaultMaxAtlassianCalls bounds the Atlassian calls the lookups make at
// once, as the worker pool before issue 13 did (about 64 workers): each
// acked command now runs in a goroutine of its own, up to
// bot.BotConfig.MaxInFlight, and without a bound a burst of distinct people
// would open that many connections to Atlassian at once.
const DefaultMaxAtlassianCalls = 64

// LimitedDirectory is a bot.Directory that lets at most n calls of the
// Directory it wraps run at once. A caller waits for a slot as long as its
// context allows, and gives up with the context's error.
type LimitedDirectory struct {
	dir   bot.Directory
	slots chan struct{}
}

var _ bot.Directory = (*LimitedDirectory)(nil)

// LimitDirectory wraps dir so that at most n of its calls run at once;
// n <= 0 takes DefaultMaxAtlassianCalls.
func LimitDirectory(dir bot.Directory, n int) *LimitedDirectory {
	if n <= 0 {
		n = DefaultMaxAtlassianCalls
	}
	return &LimitedDirectory{dir: dir, slots: make(chan struct{}, n)}
}

func (l *LimitedDirectory) acquire(ctx context.Context) error {
	// A context already done takes no slot, even when one is free.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wait for an Atlassian call slot: %w", err)
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for an Atlassian call slot: %w", ctx.Err())
	}
}

func (l *LimitedDirectory) release() { <-l.slots }

// Resolve calls the wrapped Resolve once a slot is free.
func (l *LimitedDirectory) Resolve(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	if err := l.acquire(ctx); err != nil {
		return atlassian.Account{}, "", err
	}
	defer l.release()
	return l.dir.Resolve(ctx, email)
}

// LastActive calls the wrapped LastActive once a slot is free.
func (l *LimitedDirectory) LastActive(ctx context.Context, accountID string) (*atlassian.Activity, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.dir.LastActive(ctx, accountID)
}

// DirectoryUser calls the wrapped DirectoryUser once a slot is free.
func (l *LimitedDirectory) DirectoryUser(ctx context.Context, accountID string) (atlassian.DirectoryUser, error) {
	if err := l.acquire(ctx); err != nil {
		return atlassian.DirectoryUser{}, err
	}
	defer l.release()
	return l.dir.DirectoryUser(ctx, accountID)
}

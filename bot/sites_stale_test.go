package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/seat"
)

// stuckWorkspaces answers its first read, then holds every later one until
// release is closed (or the read's context ends), as a workspaces read
// held up by a 429's Retry-After or a slow Admin API would.
type stuckWorkspaces struct {
	reads   atomic.Int64
	release chan struct{}
	held    atomic.Bool // a later read returned because its context ended
}

func (s *stuckWorkspaces) Workspaces(ctx context.Context) ([]atlassian.Workspace, error) {
	if s.reads.Add(1) > 1 {
		select {
		case <-s.release:
		case <-ctx.Done():
			s.held.Store(true)
			return nil, ctx.Err()
		}
	}
	return []atlassian.Workspace{{CloudID: "58d24034-e3ec-11ed-b5ea-0242ac120002", Host: benchHost}}, nil
}

// TestLookupDoesNotWaitForTheHourlySitesRead: once the site names are
// known, a lookup (here a cached one, which calls nobody) is answered with
// them while the hourly workspaces read is still under way, rather than
// waiting for that read: at 9am on a Monday the read is the digest scan's,
// and a 429 it meets (Retry-After 30) or a slow page held every lookup of
// that minute up to the read's 20 s timeout. The read still happens, and
// the next lookup after it shows what it found.
func TestLookupDoesNotWaitForTheHourlySitesRead(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ws := &stuckWorkspaces{release: make(chan struct{})}
	book := seat.NewSiteBook(ws, seat.SiteBookOptions{Now: clock, Timeout: 5 * time.Second})
	svc := bot.NewService(bot.ServiceConfig{
		Lookups: bot.NewLookups(benchDir{now: time.Now()}, bot.LookupOptions{TTL: 2 * time.Hour}),
		Gate:    bot.NewGate(bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}),
		Sites:   book,
	})
	ask := func() bot.Reply {
		t.Helper()
		r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}, nil)
		if r.Outcome != bot.OutcomeOK {
			t.Fatalf("outcome %s", r.Outcome)
		}
		return r
	}
	ask() // reads the sites, and caches Ada

	mu.Lock()
	now = now.Add(time.Hour + time.Minute) // the hourly read is due
	mu.Unlock()
	r := ask()
	held := ws.held.Load()
	close(ws.release)
	if held {
		t.Fatalf("a cached lookup waited for the workspaces read until it gave up")
	}
	blocks, _ := json.Marshal(r.Message.Blocks)
	if !strings.Contains(string(blocks), benchHost) {
		t.Errorf("the reply does not name the site %s it knew:\n%s", benchHost, blocks)
	}
	book.Sites(context.Background()) // the read under way ends
	if got := ws.reads.Load(); got != 2 {
		t.Errorf("%d workspaces reads, want 2: the due read must still be made", got)
	}
}

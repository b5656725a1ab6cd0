package bot_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestAskerWhoGivesUpLeavesTheFlightToTheOthers: two agents ask about one
// person while Atlassian is stuck. The first gives up (closes Slack, or
// the bot stops its command): it is answered at once with its own
// cancellation, while the read it started is still stuck; the read goes
// on for the second, whose answer is whole, and is kept for the next.
func TestAskerWhoGivesUpLeavesTheFlightToTheOthers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var upstream atomic.Int32
	var cancelledUpstream atomic.Bool
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return atlassian.Account{AccountID: "acc", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(ctx context.Context, id string) (*atlassian.Activity, error) {
			upstream.Add(1)
			<-release
			if ctx.Err() != nil {
				cancelledUpstream.Store(true)
				return nil, ctx.Err()
			}
			return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
	defer l.Close()
	first, giveUp := context.WithCancel(context.Background())
	firstDone := make(chan bot.Person, 1)
	go func() { firstDone <- l.Lookup(first, "ada@example.com", false) }()
	for upstream.Load() == 0 {
		time.Sleep(time.Millisecond) // until the first asker's read is upstream
	}
	secondDone := make(chan bot.Person, 1)
	go func() { secondDone <- l.Lookup(context.Background(), "Ada@Example.com", false) }()
	giveUp()
	// Atlassian is still stuck: the first asker must not wait for it.
	if p := <-firstDone; !errors.Is(p.Err, context.Canceled) {
		t.Errorf("the asker who gave up got err %v, want %v", p.Err, context.Canceled)
	}
	close(release)
	p := <-secondDone
	if p.Err != nil || p.Account.AccountID != "acc" || cancelledUpstream.Load() {
		t.Errorf("the asker who waited got err %v, account %q (upstream cancelled: %v); want the answer",
			p.Err, p.Account.AccountID, cancelledUpstream.Load())
	}
	if n := upstream.Load(); n != 1 {
		t.Errorf("%d reads of the activity, want 1 shared", n)
	}
	if again := l.Lookup(t.Context(), "ada@example.com", false); !again.Cached || !again.FetchedAt.Equal(p.FetchedAt) {
		t.Errorf("next lookup: cached %v, data as of %v; want the shared read's, as of %v", again.Cached, again.FetchedAt, p.FetchedAt)
	}
}

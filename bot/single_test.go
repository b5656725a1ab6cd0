package bot_test

import (
	"context"
	"errors"
	"testing"

	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestLookupOnePersonPastDeadline: a command about one person whose
// deadline has already passed gets what a person still waiting for a turn
// gets in a longer command (the error, with the query or the user), and
// costs no call upstream.
func TestLookupOnePersonPastDeadline(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text, query, user string
	}{
		{" Ada@Example.com", "ada@example.com", ""},
		{"<@U123ABC>", "", "U123ABC"},
	} {
		dir, users := &bottest.Directory{}, &bottest.Users{}
		svc := bot.NewService(bot.ServiceConfig{
			Lookups: bot.NewLookups(dir, bot.LookupOptions{}),
			Users:   users,
			Gate:    bot.NewGate(bot.GateConfig{}),
		})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := svc.Answer(ctx, bot.Request{UserID: "U1", ChannelID: "C1", Text: c.text}, nil)
		if r.Outcome != bot.OutcomeFailed || len(r.People) != 1 {
			t.Fatalf("%q: outcome %s, %d people", c.text, r.Outcome, len(r.People))
		}
		if p := r.People[0]; p.Query != c.query || p.UserID != c.user || !errors.Is(p.Err, context.Canceled) {
			t.Errorf("%q: query %q, user %q, err %v; want %q, %q, %v", c.text, p.Query, p.UserID, p.Err, c.query, c.user, context.Canceled)
		}
		if n := dir.ResolveCalls.Load() + users.Calls.Load(); n != 0 {
			t.Errorf("%q: %d calls upstream past the deadline", c.text, n)
		}
	}
}

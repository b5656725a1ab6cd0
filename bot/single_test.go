package bot_test

import (
	"context"
	"errors"
	"testing"

	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestLookupPastDeadline: a command whose deadline has already passed gets,
// for each person, the error with the query or the user, and costs no call
// upstream: for one person (answered inline) and for several (each waiting
// for a turn), every time (a select between a free turn and a done ctx
// picks either).
func TestLookupPastDeadline(t *testing.T) {
	t.Parallel()
	type want struct{ query, user string }
	for _, c := range []struct {
		text   string
		people []want
	}{
		{" Ada@Example.com", []want{{"ada@example.com", ""}}},
		{"<@U123ABC>", []want{{"", "U123ABC"}}},
		{"ada@example.com <@U123ABC> grace@example.com", []want{{"ada@example.com", ""}, {"", "U123ABC"}, {"grace@example.com", ""}}},
	} {
		for range 20 {
			dir, users := &bottest.Directory{}, &bottest.Users{}
			svc := bot.NewService(bot.ServiceConfig{
				Lookups: bot.NewLookups(dir, bot.LookupOptions{}),
				Users:   users,
				Gate:    bot.NewGate(bot.GateConfig{}),
			})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			r := svc.Answer(ctx, bot.Request{UserID: "U1", ChannelID: "C1", Text: c.text}, nil)
			if r.Outcome != bot.OutcomeFailed || len(r.People) != len(c.people) {
				t.Fatalf("%q: outcome %s, %d people", c.text, r.Outcome, len(r.People))
			}
			for i, w := range c.people {
				if p := r.People[i]; p.Query != w.query || p.UserID != w.user || !errors.Is(p.Err, context.Canceled) {
					t.Fatalf("%q, person %d: query %q, user %q, err %v; want %q, %q, %v", c.text, i, p.Query, p.UserID, p.Err, w.query, w.user, context.Canceled)
				}
			}
			if n := dir.ResolveCalls.Load() + users.Calls.Load(); n != 0 {
				t.Fatalf("%q: %d calls upstream past the deadline", c.text, n)
			}
		}
	}
}

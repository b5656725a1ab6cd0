package slacktest_test

import (
	"testing"

	"github.com/slack-go/slack/socketmode"

	"lastactive/bot/slacktest"
)

// TestResendAll: one envelope goes to every open connection with the same
// envelope_id, and each connection's ack is counted.
func TestResendAll(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	a := connectedBot(ctx, t, s)
	b := startBot(t, s)
	if err := s.Wait(ctx, func() bool { return s.Deliverable() == 2 }); err != nil {
		t.Fatalf("second connection: %v", err)
	}
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.ResendAll(ctx, env)
	if err != nil || n != 2 {
		t.Fatalf("ResendAll = %d, %v; want 2 connections", n, err)
	}
	// Three deliveries in all: the first on one connection, then one on each.
	got := map[*bot]int{}
	for range 3 {
		var evt socketmode.Event
		var from *bot
		select {
		case evt = <-a.events:
			from = a
		case evt = <-b.events:
			from = b
		case <-ctx.Done():
			t.Fatalf("deliveries: %v so far", got)
		}
		if evt.Request == nil || evt.Request.EnvelopeID != env.ID {
			t.Fatalf("delivery %s %+v, want envelope %s", evt.Type, evt.Request, env.ID)
		}
		got[from]++
		if err := from.sm.Ack(*evt.Request); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Wait(ctx, func() bool { return s.Acks(env.ID) == 3 }); err != nil {
		t.Errorf("acks = %d, want 3: %v", s.Acks(env.ID), err)
	}
	if got[a] < 1 || got[b] < 1 {
		t.Errorf("deliveries per connection = %d and %d, want at least one each", got[a], got[b])
	}
	if _, err := s.ResendAll(ctx, &slacktest.Envelope{ID: "never-sent"}); err == nil {
		t.Error("ResendAll of an envelope never sent did not fail")
	}
}

package nudge

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// noEmptyUpdates fails when a message was updated with no place to update.
func noEmptyUpdates(t *testing.T, h *harness) {
	t.Helper()
	for _, u := range h.msgs.updated() {
		if u.Ref.Channel == "" || u.Ref.TS == "" {
			t.Errorf("chat.update with no message place: %+v", u.Ref)
		}
	}
}

// remindersTo and approvalsAbout count the reminders sent to user, and
// the approval copies about email's seats.
func remindersTo(h *harness, user string) (n, seats int) {
	for _, p := range h.notes("reminder") {
		if p.To == user {
			n++
			seats += len(p.Note.(Ask).Items)
		}
	}
	return n, seats
}

func approvalsAbout(h *harness, email string) int {
	n := 0
	for _, p := range h.notes("approval") {
		if p.Note.(Approval).Person.Email == email {
			n++
		}
	}
	return n
}

// approversBut is how many approvers get a copy of a request about user.
func approversBut(h *harness, user string) int {
	n := 0
	for _, ap := range h.cfg.Approvers {
		if ap != user {
			n++
		}
	}
	return n
}

// TestUnplacedNudgeIsRemindedThenEscalated: a nudge whose message place
// was never stored (its round killed while Slack took the message, or a
// send whose outcome is unknown: counted as asked, it may have been
// posted) left the keep-or-release flow for good: no reminder, no
// escalation, and no new nudge for 30 days. It gets its reminder after
// the wait, and its escalation after another, like any other.
func TestUnplacedNudgeIsRemindedThenEscalated(t *testing.T) {
	t.Run("killed", func(t *testing.T) {
		h := newHarness(t, true)
		ctx := context.Background()
		cfg := h.cfg
		cfg.Messages = dieAtPost{h.msgs}
		killed := make(chan struct{})
		go func() { defer close(killed); _, _ = New(cfg).Round(ctx, "nudge r1", false) }()
		<-killed
		sent := h.msgs.sent()
		if len(sent) != 1 {
			t.Fatalf("%d messages before the kill, want 1", len(sent))
		}
		user, email := sent[0].To, sent[0].Note.(Ask).Person.Email
		seats := len(sent[0].Note.(Ask).Items)
		followUpAfter(t, h, user, email, seats)
	})
	t.Run("outcome unknown", func(t *testing.T) {
		h := newHarness(t, true)
		ctx := context.Background()
		cfg := h.cfg
		cfg.Messages = &failingPosts{recorder: h.msgs, err: errors.New("slack chat.postMessage: connection reset")}
		sum, err := New(cfg).Round(ctx, "nudge r1", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Asked) == 0 {
			t.Fatal("nobody counted as asked")
		}
		p := sum.Asked[0]
		followUpAfter(t, h, p.Person.SlackUser, p.Person.Email, len(p.Items))
	})
}

// followUpAfter runs the follow-ups of a wait and of two, and checks that
// user got one reminder naming their seats, and then that the approvers
// got the escalation of each.
func followUpAfter(t *testing.T, h *harness, user, email string, seats int) {
	t.Helper()
	ctx := context.Background()
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, s := remindersTo(h, user); n != 1 || s != seats {
		t.Fatalf("%s (%s) got %d reminders naming %d seats, want 1 naming %d: the unanswered nudge left the flow", email, user, n, s, seats)
	}
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := approvalsAbout(h, email), seats*approversBut(h, user); got != want {
		t.Errorf("%d approval copies about %s, want %d: silence after a reminder goes to the approvers", got, email, want)
	}
	if n, _ := remindersTo(h, user); n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
	noEmptyUpdates(t, h)
}

// TestUnplacedNudgeNotRemindedWhileItsRoundMayPost: with a wait shorter
// than a round's claim, a nudge with no stored place may still be on its
// way (its round alive); it is reminded only once the claim has lapsed.
// A nudge Slack surely refused is forgotten, and never reminded.
func TestUnplacedNudgeNotRemindedWhileItsRoundMayPost(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	h.cfg.Wait = time.Minute
	h.e = New(h.cfg)
	cfg := h.cfg
	cfg.Messages = dieAtPost{h.msgs}
	killed := make(chan struct{})
	go func() { defer close(killed); _, _ = New(cfg).Round(ctx, "nudge r1", false) }()
	<-killed
	user := h.msgs.sent()[0].To
	h.clock.Add(2 * time.Minute)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := remindersTo(h, user); n != 0 {
		t.Fatalf("reminded while the round that asked may still be posting: %d reminders", n)
	}
	h.clock.Add(RoundClaimTTL)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := remindersTo(h, user); n != 1 {
		t.Fatalf("%d reminders once the round's claim lapsed, want 1", n)
	}

	r := newHarness(t, true)
	cfg = r.cfg
	cfg.Messages = &failingPosts{recorder: r.msgs, err: fmt.Errorf("slack chat.postMessage: slack refused the call (cannot_dm_bot): %w", ErrNotSent)}
	if _, err := New(cfg).Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(RoundClaimTTL + r.cfg.Wait)
	if err := r.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.notes("reminder"); len(got) != 0 {
		t.Errorf("a nudge Slack refused was reminded: %+v", got)
	}
}

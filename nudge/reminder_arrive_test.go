package nudge

import (
	"context"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// answerGate is a store whose first AnswerNudge waits, once it is
// entered (the nudge read before), until goOn is closed.
type answerGate struct {
	Store
	once    sync.Once
	entered chan struct{}
	goOn    chan struct{}
}

func (s *answerGate) AnswerNudge(ctx context.Context, id, answer string, at time.Time) (bool, error) {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.entered)
		<-s.goOn
	}
	return s.Store.AnswerNudge(ctx, id, answer, at)
}

// postHook is a Messenger that calls onPost before each post.
type postHook struct {
	*recorder
	onPost func(to string, n Note)
}

func (m postHook) Post(ctx context.Context, to string, n Note) (Ref, error) {
	m.onPost(to, n)
	return m.recorder.Post(ctx, to, n)
}

// TestKeepClickedAsTheReminderArrivesIsShownInIt: Keep clicked in the
// reminder as it arrived, the click reading the nudge before the reminder's
// place was stored and storing its answer after the follow-up looked for
// answers made meanwhile: the reminder must still be updated to say kept
// (before, neither side updated it: its buttons stayed live, and a second
// click was told "you have answered already").
func TestKeepClickedAsTheReminderArrivesIsShownInIt(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	nudgeID := h.askOf(t, atlassiantest.ReleaseDirectEmail).Items[0].NudgeID
	gate := &answerGate{Store: h.store, entered: make(chan struct{}), goOn: make(chan struct{})}
	clicked := make(chan error, 1)
	var once sync.Once
	cfg := h.cfg
	cfg.Store = func() Store { return gate }
	var e *Engine
	cfg.Messages = postHook{recorder: h.msgs, onPost: func(to string, n Note) {
		if a, ok := n.(Ask); !ok || !a.Reminder || to != uFrances {
			return
		}
		once.Do(func() {
			go func() { clicked <- e.Answer(ctx, uFrances, nudgeID, true) }()
			<-gate.entered
		})
	}}
	e = New(cfg)
	h.clock.Add(time.Hour)
	err := e.FollowUp(ctx)
	close(gate.goOn)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-clicked; err != nil {
		t.Fatalf("Keep: %v", err)
	}
	var reminder post
	for _, p := range h.notes("reminder") {
		if p.To == uFrances {
			reminder = p
		}
	}
	if reminder.Ref.TS == "" {
		t.Fatal("Frances got no reminder")
	}
	for _, u := range h.msgs.updated() {
		if a, ok := u.Note.(Ask); ok && u.Ref == reminder.Ref && len(a.Items) == 1 && a.Items[0].Answer == state.AnswerKeep {
			return
		}
	}
	t.Errorf("the reminder Keep was clicked in was never updated to say kept: %+v", h.msgs.updated())
}

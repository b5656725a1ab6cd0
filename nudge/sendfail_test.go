package nudge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
	"lastactive/internal/testlog"
)

// failingPosts is a Messenger whose posts fail with err while it is set,
// and otherwise go to the recorder; a post on an ended context fails, as
// Slack's client does.
type failingPosts struct {
	*recorder
	err error
}

func (m *failingPosts) Post(ctx context.Context, to string, n Note) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, fmt.Errorf("slack chat.postMessage: slack unavailable: %w", err)
	}
	if m.err != nil {
		return Ref{}, m.err
	}
	return m.recorder.Post(ctx, to, n)
}

func askedEmails(sum Summary) []string {
	var out []string
	for _, p := range sum.Asked {
		out = append(out, p.Person.Email)
	}
	sort.Strings(out)
	return out
}

// TestRefusedNudgeIsAskedAgain: a nudge Slack refused (user_not_found,
// cannot_dm_bot, a 429 past the retries: nothing was posted) reached
// nobody: the next round asks the person again, and meanwhile no reminder
// and no escalation is made about a question nobody received. Before, the
// stored nudge counted as "asked in the last 30 days", so the person was
// neither asked nor reminded for a month.
func TestRefusedNudgeIsAskedAgain(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	refusing := &failingPosts{recorder: h.msgs, err: fmt.Errorf("slack chat.postMessage: slack refused the call (cannot_dm_bot): %w", ErrNotSent)}
	cfg := h.cfg
	cfg.Messages = refusing
	sum, err := New(cfg).Round(ctx, "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	for _, sk := range sum.Skipped {
		if sk.Reason == SkipNotSent {
			first = append(first, sk.Person.Email)
		}
	}
	sort.Strings(first)
	if len(first) == 0 || len(sum.Asked) != 0 || len(h.msgs.sent()) != 0 {
		t.Fatalf("round 1 counted %v asked, %v not sent, and %d messages went; want none asked, some not sent, none sent",
			askedEmails(sum), first, len(h.msgs.sent()))
	}
	for _, email := range first {
		tr := h.trail(t, email)
		if !slices.ContainsFunc(tr, func(e state.AuditEntry) bool { return e.Kind == state.KindNudge && e.Outcome == state.OutcomeFailed }) {
			t.Errorf("the refused nudge to %s is not in the audit trail as failed: %+v", email, tr)
		}
	}
	// Two waits later: nothing to remind of, nothing to escalate.
	for range 2 {
		h.clock.Add(h.cfg.Wait)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r, a := len(h.notes("reminder")), len(h.notes("approval")); r != 0 || a != 0 {
		t.Errorf("%d reminders and %d approval requests about questions nobody received", r, a)
	}
	if reqs, _ := h.store.PendingRequests(ctx); len(reqs) != 0 {
		t.Errorf("%d release requests escalated about questions nobody received", len(reqs))
	}
	// Slack takes messages again: the next round asks the same people.
	sum, err = h.e.Round(ctx, "nudge r2", false)
	if err != nil {
		t.Fatal(err)
	}
	if again := askedEmails(sum); !slices.Equal(again, first) {
		t.Errorf("the next round asked %v, want %v again (their nudges were refused); skipped: %+v", again, first, sum.Skipped)
	}
	if n := len(h.notes("ask")); n != len(first) {
		t.Errorf("%d nudges sent by the next round, want %d", n, len(first))
	}
}

// TestUnknownSendIsCountedAndSaidSo: a nudge whose post has no known
// outcome (a timeout, a 5xx: Slack may have posted it) counts as asked, so
// nobody is asked twice, and the log says that it was counted.
func TestUnknownSendIsCountedAndSaidSo(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	logs := &testlog.Buffer{}
	cfg := h.cfg
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	cfg.Messages = &failingPosts{recorder: h.msgs, err: errors.New("slack chat.postMessage: slack unavailable (HTTP 503)")}
	sum, err := New(cfg).Round(ctx, "nudge r1", false)
	if err != nil || len(sum.Asked) == 0 {
		t.Fatalf("round 1: %d asked, %v", len(sum.Asked), err)
	}
	if !strings.Contains(logs.String(), "counted as asked") {
		t.Errorf("the log does not say the unknown sends were counted as asked:\n%s", logs)
	}
	sum, err = h.e.Round(ctx, "nudge r2", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Asked) != 0 || len(h.msgs.sent()) != 0 {
		t.Errorf("the next round asked %v again, though Slack may have posted their nudges", askedEmails(sum))
	}
}

// stopAtPutNudge is the store of a process told to stop (SIGTERM) just as
// its round stored a nudge, before the message went.
type stopAtPutNudge struct {
	Store
	stop   context.CancelFunc
	stored *[]string // the emails of the nudges stored
}

func (s stopAtPutNudge) PutNudge(ctx context.Context, n state.Nudge) (state.Nudge, bool, error) {
	n, won, err := s.Store.PutNudge(ctx, n)
	*s.stored = append(*s.stored, n.Email)
	s.stop()
	return n, won, err
}

// TestRoundStoppedBeforeTheSendAsksLater: a round stopped between storing
// a nudge and sending it is run again by the next process (the same slot),
// which sends that nudge. Before, the stored nudge made the rerun take the
// person for asked ("this round asked already") and the next rounds for
// asked in the last 30 days: nobody ever asked them.
func TestRoundStoppedBeforeTheSendAsksLater(t *testing.T) {
	h := newHarness(t, true)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	msgs := &failingPosts{recorder: h.msgs}
	cfg := h.cfg
	cfg.Messages = msgs
	var stored []string
	cfg.Store = func() Store { return stopAtPutNudge{Store: h.store, stop: stop, stored: &stored} }
	if _, err := New(cfg).Round(ctx, "nudge r1", false); err == nil {
		t.Fatal("the stopped round said it was done")
	}
	if n := len(h.msgs.sent()); n != 0 || len(stored) == 0 {
		t.Fatalf("%d messages sent and %d nudges stored by the stopped round; the test needs none and some", n, len(stored))
	}
	// The next process runs the slot again.
	sum, err := h.e.Round(context.Background(), "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, p := range h.notes("ask") {
		sent[p.Note.(Ask).Person.Email] = true
	}
	for _, email := range append(askedEmails(sum), stored...) {
		if !sent[email] {
			t.Errorf("%s is counted as asked, but no message went", email)
		}
	}
	if n := len(h.notes("ask")); n != len(sent) {
		t.Errorf("%d nudges sent to %d people: someone was asked twice", n, len(sent))
	}
}

// TestRefusedReminderIsSentBeforeAnEscalation: a reminder Slack refused
// (nothing was posted) is sent again at the next follow-up, and the seat
// goes to the approvers only a wait after a reminder that went. Before,
// the seat was marked reminded whatever the send did, and escalated a wait
// later as "no answer after a reminder" nobody received.
func TestRefusedReminderIsSentBeforeAnEscalation(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	asked := len(h.notes("ask"))
	refusing := h.cfg
	refusing.Messages = &failingPosts{recorder: h.msgs, err: fmt.Errorf("slack chat.postMessage: slack refused the call (is_archived): %w", ErrNotSent)}
	h.clock.Add(h.cfg.Wait)
	if err := New(refusing).FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.notes("reminder")); n != 0 {
		t.Fatalf("%d reminders went while Slack refused them; the test needs none", n)
	}
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r, a := len(h.notes("reminder")), len(h.notes("approval")); r != asked || a != 0 {
		t.Fatalf("after the refused reminders: %d reminders and %d approval requests, want %d reminders and no escalation", r, a, asked)
	}
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, _ := h.store.PendingRequests(ctx); len(reqs) != asked {
		t.Errorf("%d release requests a wait after the reminders went, want %d", len(reqs), asked)
	}
}

// TestReminderRefusedForAMonthIsEscalated: a reminder Slack keeps refusing
// (the person's Slack account is gone) is not tried for ever: once the
// nudge is 30 days old, the seat goes to the approvers.
func TestReminderRefusedForAMonthIsEscalated(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	asked := len(h.notes("ask"))
	cfg := h.cfg
	cfg.Messages = &failingPosts{recorder: h.msgs, err: fmt.Errorf("slack chat.postMessage: slack refused the call (user_not_found): %w", ErrNotSent)}
	refusing := New(cfg)
	start := h.clock.Now()
	for day := 1; day <= 40; day++ {
		h.clock.Add(24 * time.Hour)
		if err := refusing.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
		reqs, err := h.store.PendingRequests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) == 0 {
			continue
		}
		if age := h.clock.Now().Sub(start); len(reqs) != asked || age < AskedWindow {
			t.Fatalf("%d release requests after %s of refused reminders, want %d once the nudges are 30 days old", len(reqs), age, asked)
		}
		return
	}
	t.Fatal("after 40 days of refused reminders, nothing went to the approvers")
}

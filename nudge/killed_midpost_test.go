package nudge

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// dieAtPost posts, then ends the goroutine of the round, as a replica
// killed (SIGKILL, the OOM killer) while Slack answered would: the person
// has the message, and nothing after the post runs (but the defers).
type dieAtPost struct{ *recorder }

func (d dieAtPost) Post(ctx context.Context, to string, n Note) (Ref, error) {
	_, _ = d.recorder.Post(ctx, to, n)
	runtime.Goexit()
	return Ref{}, nil
}

// nudgeEntries is the nudge entries of email's trail.
func nudgeEntries(t *testing.T, h *harness, email string) []state.AuditEntry {
	t.Helper()
	var out []state.AuditEntry
	for _, e := range h.trail(t, email) {
		if e.Kind == state.KindNudge {
			out = append(out, e)
		}
	}
	return out
}

// TestNudgeOfAKilledRoundIsAudited: a round killed between its post and
// Slack's answer left a nudge with no message stored and no audit entry,
// though the person has the message; every later round skips them as
// asked, and nothing ever wrote that they were. A follow-up once the
// round's claim has lapsed writes one entry for it, however many
// follow-ups (and replicas) run, and none while the round may be alive.
func TestNudgeOfAKilledRoundIsAudited(t *testing.T) {
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
	email := ""
	for e, u := range h.people {
		if u == sent[0].To {
			email = e
		}
	}
	if got := nudgeEntries(t, h, email); len(got) != 0 {
		t.Fatalf("audited before the follow-up: %+v", got)
	}
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := nudgeEntries(t, h, email); len(got) != 0 {
		t.Fatalf("audited while the round may still be answering: %+v", got)
	}
	h.clock.Add(RoundClaimTTL + time.Minute)
	for _, e := range []*Engine{h.e, New(h.cfg), h.e} {
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := nudgeEntries(t, h, email)
	if len(got) != 1 || !strings.Contains(got[0].Detail, "nudge r1") || !strings.Contains(got[0].Detail, "may have arrived") {
		t.Errorf("%s was sent the nudge of a killed round; its entries: %+v, want one saying it may have arrived", email, got)
	}
	// The round run again does not ask them again, and adds no entry.
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	if got := nudgeEntries(t, h, email); len(got) != 1 {
		t.Errorf("after the round ran again: %d nudge entries, want 1: %+v", len(got), got)
	}
}

// TestNudgeAuditedOnceWhateverTheSend: a nudge the round audited itself (sent,
// not sent and forgotten, or sent with no known outcome) gets no second
// entry from the follow-ups.
func TestNudgeAuditedOnceWhateverTheSend(t *testing.T) {
	for name, err := range map[string]error{
		"sent":    nil,
		"refused": fmt.Errorf("slack chat.postMessage: slack refused the call (cannot_dm_bot): %w", ErrNotSent),
		"unknown": errors.New("slack chat.postMessage: connection reset"),
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, true)
			ctx := context.Background()
			cfg := h.cfg
			cfg.Messages = &failingPosts{recorder: h.msgs, err: err}
			sum, rerr := New(cfg).Round(ctx, "nudge r1", false)
			if rerr != nil {
				t.Fatal(rerr)
			}
			h.clock.Add(RoundClaimTTL + time.Minute)
			if err := h.e.FollowUp(ctx); err != nil {
				t.Fatal(err)
			}
			people := map[string]bool{}
			for _, p := range sum.Asked {
				people[p.Person.Email] = true
			}
			for _, sk := range sum.Skipped {
				if sk.Reason == SkipNotSent {
					people[sk.Person.Email] = true
				}
			}
			if len(people) == 0 {
				t.Fatal("nobody was asked")
			}
			for email := range people {
				if got := nudgeEntries(t, h, email); len(got) != 1 {
					t.Errorf("%s: %d nudge entries, want 1: %+v", email, len(got), got)
				}
			}
		})
	}
}

// markFailsSecond fails the second MarkNudgeAudited (a store blip).
type markFailsSecond struct {
	Store
	calls int
}

func (m *markFailsSecond) MarkNudgeAudited(ctx context.Context, id string) (bool, error) {
	if m.calls++; m.calls == 2 {
		return false, errors.New("state store: mark nudge audited: connection reset")
	}
	return m.Store.MarkNudgeAudited(ctx, id)
}

// TestStoppedNudgesAuditedDespiteAMarkFailing: the follow-up claimed
// (marked) the stopped nudges one by one and wrote their entries after; a
// mark failing (or a stop) part way returned before any entry, and the
// nudges it had claimed already were never audited by anyone.
func TestStoppedNudgesAuditedDespiteAMarkFailing(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	asked := h.clock.Now()
	emails := []string{atlassiantest.ReleaseDirectEmail, atlassiantest.ReleaseGroupEmail}
	for _, email := range emails {
		if _, _, err := h.store.PutNudge(ctx, state.Nudge{Round: "nudge r1", AccountID: h.account(t, email).AccountID, Email: email,
			Product: atlassiantest.ConfluenceMain, ProductKey: "confluence", SlackUser: h.people[email], Asked: asked}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Add(RoundClaimTTL + time.Minute)
	cfg := h.cfg
	cfg.Store = func() Store { return &markFailsSecond{Store: h.store} }
	_ = New(cfg).FollowUp(ctx) // fails part way
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, email := range emails {
		if got := nudgeEntries(t, h, email); len(got) != 1 {
			t.Errorf("%s: %d nudge entries, want 1: %+v", email, len(got), got)
		}
	}
}

package nudge

import (
	"context"
	"strings"
	"testing"
	"time"
)

// slowRound posts; the first post takes longer than a round's claim (a
// long round: hundreds of people at Slack's pace), and before each later
// post another replica's follow-up runs.
type slowRound struct {
	*recorder
	h     *harness
	posts int
	t     *testing.T
}

func (s *slowRound) Post(ctx context.Context, to string, n Note) (Ref, error) {
	s.posts++
	if s.posts == 1 {
		s.h.clock.Add(RoundClaimTTL + time.Minute)
	} else if err := New(s.h.cfg).FollowUp(ctx); err != nil {
		s.t.Error(err)
	}
	return s.recorder.Post(ctx, to, n)
}

// TestNudgeOfALongRoundIsNotAuditedAsStopped: a nudge carried the round's
// start as its time, so a round that ran longer than its claim stored
// nudges that looked older than it at once: a follow-up meanwhile audited
// the nudge being posted as the round of a stopped process ("the message
// may have arrived", failed), and the round then wrote its own entry: two
// entries, one wrong. A nudge is as old as its storing.
func TestNudgeOfALongRoundIsNotAuditedAsStopped(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	cfg := h.cfg
	slow := &slowRound{recorder: h.msgs, h: h, t: t}
	cfg.Messages = slow
	sum, err := New(cfg).Round(ctx, "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Asked) < 2 {
		t.Fatalf("%d people asked, want at least 2", len(sum.Asked))
	}
	for _, p := range sum.Asked {
		got := nudgeEntries(t, h, p.Person.Email)
		if len(got) != 1 || strings.Contains(got[0].Detail, "stopped") {
			t.Errorf("%s: nudge entries %+v, want one, the round's", p.Person.Email, got)
		}
	}
}

package nudge

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// refusingOne is a Messenger that refuses every post to the first
// recipient it is asked to post to (cannot_dm_bot, user_disabled: nothing
// posted) and sends the others; it counts the posts tried per recipient.
type refusingOne struct {
	*recorder
	mu      sync.Mutex
	refused string
	tries   map[string]int
}

func (m *refusingOne) Post(ctx context.Context, to string, n Note) (Ref, error) {
	m.mu.Lock()
	if m.tries == nil {
		m.tries = map[string]int{}
	}
	m.tries[to]++
	if m.refused == "" {
		m.refused = to
	}
	refuse := m.refused == to
	m.mu.Unlock()
	if refuse {
		return Ref{}, fmt.Errorf("slack chat.postMessage: slack refused the call (cannot_dm_bot): %w", ErrNotSent)
	}
	return m.recorder.Post(ctx, to, n)
}

// TestRefusedNudgeFreesItsPlaceUnderTheCap: LASTACTIVE_NUDGE_MAX bounds the
// people asked in a round, and a nudge Slack refused asked nobody (it is
// forgotten, the person asked again at the next round). Before, the place
// was taken before the send, so with a cap of 1 and the first message
// refused nobody was asked that round and the next person waited a week.
// The refused person is still in the summary and the trail as not sent,
// and is tried once, not again in the same round.
func TestRefusedNudgeFreesItsPlaceUnderTheCap(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	m := &refusingOne{recorder: h.msgs}
	cfg := h.cfg
	cfg.Max = 1
	cfg.Messages = m
	sum, err := New(cfg).Round(ctx, "nudge capped", false)
	if err != nil {
		t.Fatal(err)
	}
	if m.refused == "" {
		t.Fatal("no message was tried")
	}
	if len(sum.Asked) != 1 || len(h.msgs.sent()) != 1 {
		t.Fatalf("asked %v, %d messages sent; want one person asked in the place the refused message left (skipped: %+v)",
			askedEmails(sum), len(h.msgs.sent()), sum.Skipped)
	}
	if sum.Asked[0].Person.SlackUser == m.refused {
		t.Fatalf("the refused person %s counted as asked", m.refused)
	}
	var notSent []Skipped
	for _, sk := range sum.Skipped {
		if sk.Reason == SkipNotSent {
			notSent = append(notSent, sk)
		}
	}
	if len(notSent) == 0 || notSent[0].Person.SlackUser != "" && notSent[0].Person.SlackUser != m.refused {
		t.Fatalf("the refused message is not in the summary as not sent: %+v", sum.Skipped)
	}
	if n := m.tries[m.refused]; n != 1 {
		t.Errorf("the refused message was tried %d times in one round, want once", n)
	}
	tr := h.trail(t, notSent[0].Person.Email)
	if !slices.ContainsFunc(tr, func(e state.AuditEntry) bool { return e.Kind == state.KindNudge && e.Outcome == state.OutcomeFailed }) {
		t.Errorf("the refused nudge to %s is not in the trail as failed: %+v", notSent[0].Person.Email, tr)
	}
}

// TestSlackRefusingEveryNudgeIsTriedTwiceTheCap: the places refused
// messages give back are bounded, so a Slack that refuses every message
// (a revoked token) costs twice the cap's tries, not one per idle person.
func TestSlackRefusingEveryNudgeIsTriedTwiceTheCap(t *testing.T) {
	h := newHarness(t, true)
	m := &countingRefusals{}
	cfg := h.cfg
	cfg.Max = 1
	cfg.Messages = m
	sum, err := New(cfg).Round(context.Background(), "nudge refused", false)
	if err != nil {
		t.Fatal(err)
	}
	stopped := slices.ContainsFunc(sum.Skipped, func(s Skipped) bool { return s.Reason == SkipRefusedStop })
	if m.n != 2 || len(sum.Asked) != 0 || !stopped {
		t.Errorf("%d messages tried, %d asked, the rest not tried %v; want 2 tried, none asked, the rest not tried", m.n, len(sum.Asked), stopped)
	}
}

// countingRefusals refuses every post and counts them.
type countingRefusals struct {
	recorder
	mu sync.Mutex
	n  int
}

func (m *countingRefusals) Post(context.Context, string, Note) (Ref, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return Ref{}, fmt.Errorf("slack chat.postMessage: slack refused the call (invalid_auth): %w", ErrNotSent)
}

// TestSlackRefusingEveryNudgeDoesNotSayCapReached: when a Slack that
// refuses every message stops the round at twice the cap's tries, the
// people left were said to be past "round cap reached
// (LASTACTIVE_NUDGE_MAX)", in the summary and in the round's audit entry,
// though nobody was asked: an admin reading it would raise the cap, which
// only buys more refused tries. They are skipped as Slack refusing.
func TestSlackRefusingEveryNudgeDoesNotSayCapReached(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	cfg := h.cfg
	cfg.Max = 1
	cfg.Messages = &countingRefusals{}
	sum, err := New(cfg).Round(ctx, "nudge refused", false)
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	for _, s := range sum.Skipped {
		switch s.Reason {
		case SkipCap:
			t.Errorf("%s %s skipped as %q with nobody asked", s.Person.Email, s.Key, s.Reason)
		case SkipRefusedStop:
			stopped++
		}
	}
	if stopped == 0 {
		t.Fatalf("no seat skipped as %q: %+v", SkipRefusedStop, sum.Skipped)
	}
	entries, err := h.store.Audit(ctx, state.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.Contains(en.Detail, "round cap") {
			t.Errorf("the trail says the cap was reached: %q", en.Detail)
		}
	}
	if !slices.ContainsFunc(entries, func(en state.AuditEntry) bool {
		return len(en.Emails) == 0 && strings.Contains(en.Detail, "Slack refused") && strings.Contains(en.Detail, fmt.Sprint(stopped))
	}) {
		t.Errorf("no round entry says Slack refused the messages and names the %d seats not tried", stopped)
	}
}

// acceptingFirst sends its first n posts and refuses every one after
// (a token revoked mid-round).
type acceptingFirst struct {
	*recorder
	mu    sync.Mutex
	n     int
	tries int
}

func (m *acceptingFirst) Post(ctx context.Context, to string, n Note) (Ref, error) {
	m.mu.Lock()
	m.tries++
	refuse := m.tries > m.n
	m.mu.Unlock()
	if refuse {
		return Ref{}, fmt.Errorf("slack chat.postMessage: slack refused the call (token_revoked): %w", ErrNotSent)
	}
	return m.recorder.Post(ctx, to, n)
}

// TestRefusedStopSaysWhatStoppedTheRound: a round stops once it has tried
// twice LASTACTIVE_NUDGE_MAX messages with fewer than the cap asked. With a
// cap of 10, 5 people asked and 15 messages refused, the round's entry said
// "Slack refused 15 messages (twice LASTACTIVE_NUDGE_MAX=10)" and each
// person left "Slack refused twice LASTACTIVE_NUDGE_MAX messages": neither
// is what happened. The entry now gives the tries, the rule, the refused
// and the asked; the reason, the rule and that most tries were refused
// (true whenever it stops the round: fewer than the cap asked).
func TestRefusedStopSaysWhatStoppedTheRound(t *testing.T) {
	for _, c := range []struct {
		accepted   int
		wantDetail string
	}{
		{5, "nudge refused: stopped after 20 messages tried, twice LASTACTIVE_NUDGE_MAX=10: Slack refused 15 and 5 people were asked: 5 idle seats of 5 people not tried this round"},
		{0, "nudge refused: stopped after 20 messages tried, twice LASTACTIVE_NUDGE_MAX=10: Slack refused 20 and 0 people were asked: 5 idle seats of 5 people not tried this round"},
	} {
		t.Run(fmt.Sprint(c.accepted, " accepted"), func(t *testing.T) {
			// 20 more idle Confluence seats, each with a Slack user: 25
			// people can be asked, so 5 are left when the round stops.
			people := map[string]string{}
			h := newHarnessOrg(t, true, func(o *atlassiantest.Org) {
				for i := range 20 {
					email := fmt.Sprintf("idle%02d@example.com", i)
					o.Users = append(o.Users, atlassiantest.User{AccountID: fmt.Sprintf("712020:0a1b2c3d-0000-4000-8000-0000000100%02d", i),
						DisplayName: fmt.Sprintf("Idle %02d", i), Email: email, AddedToOrg: time.Now().AddDate(-2, 0, 0),
						Products: []atlassiantest.Product{{Key: "confluence", SiteID: atlassiantest.SiteMain, LastActive: time.Now().AddDate(0, 0, -100-i)}}})
					people[email] = fmt.Sprintf("U0IDLE%02d", i)
				}
			})
			ctx := context.Background()
			maps.Copy(people, h.people)
			m := &acceptingFirst{recorder: h.msgs, n: c.accepted}
			cfg := h.cfg
			cfg.Max = 10
			cfg.People = slackPeople(people)
			cfg.Messages = m
			sum, err := New(cfg).Round(ctx, "nudge refused", false)
			if err != nil {
				t.Fatal(err)
			}
			if m.tries != 20 || len(sum.Asked) != c.accepted {
				t.Fatalf("%d messages tried, %d asked; want 20 tried, %d asked", m.tries, len(sum.Asked), c.accepted)
			}
			const wantReason = "not tried: the round stopped at twice LASTACTIVE_NUDGE_MAX messages tried, most refused by Slack"
			stopped := 0
			for _, s := range sum.Skipped {
				if s.Reason == SkipRefusedStop {
					stopped++
				}
			}
			if stopped != 5 || SkipRefusedStop != wantReason {
				t.Errorf("%d seats skipped as %q; want 5 as %q", stopped, SkipRefusedStop, wantReason)
			}
			entries, err := h.store.Audit(ctx, state.AuditQuery{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var round []string
			for _, en := range entries {
				if en.Kind == state.KindSkip && len(en.Emails) == 0 {
					round = append(round, en.Detail)
				}
			}
			if len(round) != 1 || round[0] != c.wantDetail {
				t.Errorf("the round's entry:\n%q\nwant\n%q", round, c.wantDetail)
			}
		})
	}
}

package bot

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestRefusalsNameWhomTheyWereAbout: someone outside the allow-lists who
// asks about a person, by the command, a Share or Refresh of a reply that
// reached them, a "This one" button or the author shortcut, is refused and
// nothing is looked up; the refusal is in the trail of the person they
// asked about (its emails, or the Slack user), so that "audit EMAIL" shows
// the attempt. A value the bot did not seal names nobody.
func TestRefusalsNameWhomTheyWereAbout(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	out := Request{UserID: "U1", ChannelID: "COTHER"} // not an allowed channel
	lookup := out
	lookup.Text = "ada@example.com, Grace@example.com"
	svc.Answer(ctx, lookup, nil)
	mention := out
	mention.Text = "<@UGRACE>"
	svc.Answer(ctx, mention, nil)
	sealed := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	svc.Click(ctx, out, ActionShare, sealed, nil)
	svc.Click(ctx, out, ActionRefresh, sealed, nil)
	svc.Click(ctx, out, ActionChoose+"_0", auditSigner.Sign(ChooseValue("ada@example.com", "acc-ada-1")), nil)
	svc.Shortcut(ctx, out, ShortcutAuthor, "UGRACE", nil)
	svc.Click(ctx, out, ActionShare, "mallory@example.com~1~forged", nil)

	want := []struct {
		emails []string
		detail string
	}{
		{[]string{"ada@example.com", "grace@example.com"}, ""},
		{nil, "Slack user UGRACE"},
		{[]string{"ada@example.com"}, ""},
		{[]string{"ada@example.com"}, ""},
		{[]string{"ada@example.com"}, ""},
		{nil, "Slack user UGRACE"},
		{nil, ""},
	}
	if len(sink.got) != len(want) {
		t.Fatalf("%d audit events, want %d: %+v", len(sink.got), len(want), sink.got)
	}
	for i, w := range want {
		g := sink.got[i]
		if g.Action != AuditRefusal || g.Outcome != OutcomeRefused {
			t.Errorf("event %d: %s %s, want a refusal", i, g.Action, g.Outcome)
		}
		if !slices.Equal(g.Emails, w.emails) && len(g.Emails)+len(w.emails) > 0 {
			t.Errorf("event %d (%s): emails %q, want %q", i, g.Detail, g.Emails, w.emails)
		}
		if w.detail != "" && !strings.Contains(g.Detail, w.detail) {
			t.Errorf("event %d: detail %q, want it to name %q", i, g.Detail, w.detail)
		}
		if len(g.AccountIDs) > 0 {
			t.Errorf("event %d: account IDs %q: a refusal looks nobody up", i, g.AccountIDs)
		}
		// Each person named reads refused in their own trail, not only
		// by the entry's outcome (migration 15's people).
		var people []state.PersonResult
		for _, e := range w.emails {
			people = append(people, state.PersonResult{Email: e, Outcome: state.OutcomeRefused})
		}
		if !slices.Equal(g.People, people) {
			t.Errorf("event %d: people %+v, want %+v", i, g.People, people)
		}
	}
	if strings.Contains(logs.String(), "mallory") {
		t.Errorf("an unsealed value's email reached the log:\n%s", logs.String())
	}
}

// TestStaleButtonsNameWhomTheyWereAbout: a Share, Refresh or "This one"
// refused as too old was still sealed by the bot, so, like a refusal by the
// allow-lists, its entry names the person the button was about and shows in
// their trail. Before, a stale click named nobody, whoever clicked it.
func TestStaleButtonsNameWhomTheyWereAbout(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	// The same key as auditSigner, sealing two hours ago (its max age is one).
	old := NewButtonSigner("audit-test", time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	stale := old.Sign(ButtonValue([]string{"ada@example.com"}))
	in := Request{UserID: "U1", ChannelID: "C1"}
	out := Request{UserID: "U1", ChannelID: "COTHER"}
	svc.Click(ctx, in, ActionShare, stale, nil)
	svc.Click(ctx, in, ActionRefresh, stale, nil)
	svc.Click(ctx, out, ActionShare, stale, nil)
	svc.Click(ctx, in, ActionChoose+"_0", old.Sign(ChooseValue("ada@example.com", "acc-ada-1")), nil)
	if len(sink.got) != 4 {
		t.Fatalf("%d audit events, want 4: %+v", len(sink.got), sink.got)
	}
	for i, g := range sink.got {
		if g.Action != AuditRefusal || (g.Outcome != OutcomeStale && g.Outcome != OutcomeRefused) {
			t.Errorf("event %d: %s %s, want a stale or refused refusal", i, g.Action, g.Outcome)
		}
		if !slices.Equal(g.Emails, []string{"ada@example.com"}) {
			t.Errorf("event %d (%s %s): emails %q, want the person the bot sealed the button about", i, g.Outcome, g.Detail, g.Emails)
		}
		if len(g.AccountIDs) > 0 {
			t.Errorf("event %d: account IDs %q: a refusal looks nobody up", i, g.AccountIDs)
		}
	}
}

// TestShareOfTwoPeopleInOneSecondPostsBoth: two people who asked about the
// same person in the same channel within one second hold Share buttons of
// the same value (the emails and the second they were sealed). Each Share
// is posted, saying who shared it; only the same person's second click is
// a double click. Before, the second person was told the answer had been
// shared a moment ago, and the channel never saw that they shared it.
func TestShareOfTwoPeopleInOneSecondPostsBoth(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	svc := auditService(t, &recordingSink{}, nil, &logs)
	ctx := context.Background()
	v := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	for _, c := range []struct {
		user string
		want ReplyMode
	}{{"U1", Public}, {"U2", Public}, {"U2", Private}} {
		resp, ok := svc.Click(ctx, Request{UserID: c.user, ChannelID: "C1"}, ActionShare, v, nil)
		if !ok || resp.Mode != c.want {
			t.Errorf("Share by %s: mode %v (%s), want %v", c.user, resp.Mode, resp.Message.Text, c.want)
		}
	}
}

// TestUndeliveredSecondShareIsAShare: the notice answering a second click
// on Share ("shared a moment ago") that never reaches Slack is in the trail
// as an undelivered share, as its first entry is. Before, it was filed as
// a refusal nobody had made.
func TestUndeliveredSecondShareIsAShare(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	req := Request{UserID: "U1", ChannelID: "C1"}
	v := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	svc.Click(ctx, req, ActionShare, v, nil)
	resp, _ := svc.Click(ctx, req, ActionShare, v, nil)
	svc.UndeliveredAs(resp.Audited, req, resp.Reply)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if n := len(sink.got); n != 3 {
		t.Fatalf("%d audit events, want 3 (share, ignored share, undelivered): %+v", n, sink.got)
	}
	if e := sink.got[2]; e.Action != AuditShare || e.Outcome != OutcomeUndelivered {
		t.Errorf("the undelivered notice of a second Share is audited %s %s (%s), want share undelivered", e.Action, e.Outcome, e.Detail)
	}
}

// TestChosenAccountIsMarkedInTheTrail: an account the asker picked among
// several that matched an email ("This one", its Share and Refresh) is
// their pick, not the directory's pairing of that email with that account;
// its entry says so (state.DetailChosen), so that one person's trail does
// not take a wrongly clicked account's entries as theirs. A lookup the
// directory answered is not marked.
func TestChosenAccountIsMarkedInTheTrail(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	in := Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
	svc.Answer(ctx, in, nil)
	value := auditSigner.Sign(ChooseValue("ada@example.com", atlassiantest.AdaAccountID))
	svc.Click(ctx, in, ActionChoose+"_0", value, nil)
	svc.Click(ctx, in, ActionChooseShare, value, nil)
	svc.Click(ctx, in, ActionChooseRefresh, value, nil)
	if len(sink.got) != 4 {
		t.Fatalf("%d audit events, want 4: %+v", len(sink.got), sink.got)
	}
	for i, g := range sink.got {
		if g.Outcome != OutcomeOK || !slices.Equal(g.AccountIDs, []string{atlassiantest.AdaAccountID}) {
			t.Fatalf("event %d: %s %s, account IDs %q: want an answer about Ada's account", i, g.Action, g.Outcome, g.AccountIDs)
		}
		if chosen := strings.Contains(g.Detail, state.DetailChosen); chosen != (i > 0) {
			t.Errorf("event %d (%s): detail %q; marked as chosen %v, want %v", i, g.Action, g.Detail, chosen, i > 0)
		}
	}
}

// TestUndeliveredLookupKeepsNoPersonsOutcome: a lookup's entry keeps each
// person's own outcome; the second entry of a reply that never reached
// Slack keeps none, so that the person's trail reads "answer not
// delivered" there, not the "ok" of an answer nobody saw.
func TestUndeliveredLookupKeepsNoPersonsOutcome(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	req := Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
	r := svc.Answer(context.Background(), req, nil)
	svc.Undelivered(req, r)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if n := len(sink.got); n != 2 {
		t.Fatalf("%d audit events, want 2 (lookup, undelivered): %+v", n, sink.got)
	}
	want := []state.PersonResult{{Email: "ada@example.com", AccountID: atlassiantest.AdaAccountID, Outcome: state.OutcomeOK}}
	if got := sink.got[0].People; !slices.Equal(got, want) {
		t.Errorf("lookup's people %+v, want %+v", got, want)
	}
	if e := sink.got[1]; e.Outcome != OutcomeUndelivered || e.People != nil {
		t.Errorf("undelivered entry: %s, people %+v; want undelivered and none", e.Outcome, e.People)
	}
	m := RenderAuditTrail("ada@example.com", []AuditEvent{sink.got[1]}, time.Now())
	if !strings.Contains(m.Text, "looked up · answer not delivered") {
		t.Errorf("the undelivered entry reads:\n%s", m.Text)
	}
}

// TestUnconfirmedReplyIsAuditedAsMaybeShown: a reply sent whole whose
// answer was lost (ErrReplyUnconfirmed) was audited as one that "could not
// be posted to Slack", though Slack most likely showed it; its second
// entry is "unconfirmed" and says it may not have been shown.
func TestUnconfirmedReplyIsAuditedAsMaybeShown(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	req := Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
	r := svc.Answer(context.Background(), req, nil)
	svc.NotPostedAs("", req, r, fmt.Errorf("post reply: %w", ErrReplyUnconfirmed))
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if n := len(sink.got); n != 2 {
		t.Fatalf("%d audit events, want 2 (lookup, unconfirmed): %+v", n, sink.got)
	}
	if e := sink.got[1]; e.Outcome != OutcomeUnconfirmed || strings.Contains(e.Detail, "could not be posted") || !strings.Contains(e.Detail, "may not have been shown") {
		t.Errorf("the second entry: %s, detail %q", e.Outcome, e.Detail)
	}
}

// TestRateLimitedAttemptsNameWhomTheyWereAbout: a lookup refused by the
// requester's rate limit looks nobody up, but it is an attempt on the
// people it asked about, as a refusal by the allow-lists is: by the
// command (emails and a mention), Refresh, Share, "This one" and the
// author shortcut, its entry names them, so that "who tried to look up
// Grace?" finds it. Before, a rate-limited entry named nobody and was in
// no one's trail.
func TestRateLimitedAttemptsNameWhomTheyWereAbout(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	svc.cfg.Gate = NewGate(GateConfig{AllowedChannels: []string{"C1"}, PerUserBurst: 1, PerUserEvery: time.Hour})
	ctx := context.Background()
	in := Request{UserID: "U1", ChannelID: "C1"}
	first := in
	first.Text = "ada@example.com" // the bucket's one token
	svc.Answer(ctx, first, nil)
	lookup := in
	lookup.Text = "grace@example.com <@UBOB>"
	svc.Answer(ctx, lookup, nil)
	sealed := auditSigner.Sign(ButtonValue([]string{"grace@example.com"}))
	svc.Click(ctx, in, ActionRefresh, sealed, nil)
	svc.Click(ctx, in, ActionShare, sealed, nil)
	svc.Click(ctx, in, ActionChoose+"_0", auditSigner.Sign(ChooseValue("grace@example.com", "acc-grace-1")), nil)
	svc.Shortcut(ctx, in, ShortcutAuthor, "UGRACE", nil)

	want := []struct {
		emails []string
		detail string
	}{
		{[]string{"grace@example.com"}, "Slack user UBOB"},
		{[]string{"grace@example.com"}, ""},
		{[]string{"grace@example.com"}, ""},
		{[]string{"grace@example.com"}, ""},
		{nil, "Slack user UGRACE"},
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != 1+len(want) {
		t.Fatalf("%d audit events, want %d: %+v", len(sink.got), 1+len(want), sink.got)
	}
	for i, w := range want {
		g := sink.got[1+i]
		if g.Outcome != OutcomeRateLimited {
			t.Errorf("event %d: %s %s, want rate limited", i, g.Action, g.Outcome)
		}
		if !slices.Equal(g.Emails, w.emails) {
			t.Errorf("event %d (%s): emails %q, want %q", i, g.Action, g.Emails, w.emails)
		}
		if w.detail != "" && !strings.Contains(g.Detail, w.detail) {
			t.Errorf("event %d (%s): detail %q, want it to name %q", i, g.Action, g.Detail, w.detail)
		}
		if len(g.AccountIDs) > 0 {
			t.Errorf("event %d: account IDs %q: nobody was looked up", i, g.AccountIDs)
		}
	}
	m := RenderAuditTrail("grace@example.com", sink.got[2:3], time.Now())
	if !strings.Contains(m.Text, "rate limited") {
		t.Errorf("Grace's trail of the rate-limited Refresh reads:\n%s", m.Text)
	}
}

// TestRefusedRefreshNamesItsSlackUser: a Refresh carrying a Slack user
// whose email was not read ("@U…"), refused by the allow-lists or as too
// old, names that user in its entry as the command's refusal would.
func TestRefusedRefreshNamesItsSlackUser(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	value := RefreshValue([]string{"ada@example.com", "@U0GRACE"}, View{})
	old := NewButtonSigner("audit-test", time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	svc.Click(ctx, Request{UserID: "U1", ChannelID: "COTHER"}, ActionRefresh, auditSigner.Sign(value), nil)
	svc.Click(ctx, Request{UserID: "U1", ChannelID: "C1"}, ActionRefresh, old.Sign(value), nil)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != 2 {
		t.Fatalf("%d audit events, want 2: %+v", len(sink.got), sink.got)
	}
	for i, g := range sink.got {
		if !slices.Equal(g.Emails, []string{"ada@example.com"}) || !strings.Contains(g.Detail, "Slack user U0GRACE") {
			t.Errorf("event %d (%s): emails %q, detail %q; want Ada and the Slack user U0GRACE", i, g.Outcome, g.Emails, g.Detail)
		}
	}
}

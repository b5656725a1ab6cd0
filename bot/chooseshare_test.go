package bot

import (
	"context"
	"sync"
	"testing"
	"time"
)

// countingClaims is a ShareClaimer that grants every claim and counts them:
// each call stands for a write to the store.
type countingClaims struct {
	mu    sync.Mutex
	calls int
}

func (c *countingClaims) ClaimShare(context.Context, string, time.Duration) (bool, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return true, func() {}, nil
}

func (c *countingClaims) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// TestChooseShareChecksBeforeClaiming: the Share of a chosen account
// (ActionChooseShare) is refused by the allow-lists, and a value the bot
// did not seal (or sealed too long ago) is turned away, before any claim is
// written through ShareClaims, as a plain Share is; the answer is the one a
// plain Share gives in the same case. An allowed click still claims, once.
func TestChooseShareChecksBeforeClaiming(t *testing.T) {
	t.Parallel()
	at := now
	clock := func() time.Time { return at }
	signer := NewButtonSigner("secret", time.Hour, clock)
	claims := &countingClaims{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(&choiceDir{}, LookupOptions{Now: clock}),
		Gate:  NewGate(GateConfig{AllowedUsers: []string{"U1"}, PerUserBurst: 100}),
		OrgID: orgID, Now: clock, Buttons: signer, ShareClaims: claims})
	ctx := context.Background()
	chosen := signer.Sign(ChooseValue("sam@example.com", "acct-2"))
	plain := signer.Sign(ButtonValue([]string{"sam@example.com"}))
	outsider := Request{UserID: "U9", ChannelID: "C1"}
	allowed := Request{UserID: "U1", ChannelID: "C1"}

	for _, tc := range []struct {
		name          string
		req           Request
		choose, share string // the values clicked: ActionChooseShare's, ActionShare's
		want          Outcome
	}{
		{"not on the allow-list, sealed value", outsider, chosen, plain, OutcomeRefused},
		{"not on the allow-list, forged value", outsider, "x", "x", OutcomeRefused},
		{"allowed, forged value", allowed, "x", "x", OutcomeForged},
		{"allowed, value sealed by another key", allowed,
			NewButtonSigner("other", time.Hour, clock).Sign(ChooseValue("sam@example.com", "acct-2")),
			NewButtonSigner("other", time.Hour, clock).Sign(ButtonValue([]string{"sam@example.com"})), OutcomeForged},
	} {
		before := claims.count()
		resp, ok := svc.Click(ctx, tc.req, ActionChooseShare, tc.choose, nil)
		if n := claims.count() - before; n != 0 {
			t.Errorf("%s: choose Share made %d claims in the store, want 0", tc.name, n)
		}
		ref, refOK := svc.Click(ctx, tc.req, ActionShare, tc.share, nil)
		if n := claims.count() - before; n != 0 {
			t.Errorf("%s: plain Share made %d claims in the store, want 0", tc.name, n)
		}
		if !ok || resp.Mode != Private || resp.Reply.Outcome != tc.want {
			t.Errorf("%s: choose Share: ok %v, mode %v, outcome %q; want a private %q", tc.name, ok, resp.Mode, resp.Reply.Outcome, tc.want)
		}
		if !refOK || ref.Mode != resp.Mode || ref.Reply.Outcome != resp.Reply.Outcome {
			t.Errorf("%s: plain Share gives %v %q, choose Share %v %q: want the same", tc.name, ref.Mode, ref.Reply.Outcome, resp.Mode, resp.Reply.Outcome)
		}
	}

	// Too old: turned away as stale by both, without a claim.
	old := signer.Sign(ChooseValue("sam@example.com", "acct-2"))
	oldPlain := signer.Sign(ButtonValue([]string{"sam@example.com"}))
	at = at.Add(2 * time.Hour)
	resp, _ := svc.Click(ctx, allowed, ActionChooseShare, old, nil)
	ref, _ := svc.Click(ctx, allowed, ActionShare, oldPlain, nil)
	if n := claims.count(); n != 0 {
		t.Errorf("stale: %d claims in the store, want 0", n)
	}
	if resp.Reply.Outcome != OutcomeStale || ref.Reply.Outcome != OutcomeStale || resp.Mode != Private {
		t.Errorf("stale: choose Share %v %q, plain Share %q; want private, stale for both", resp.Mode, resp.Reply.Outcome, ref.Reply.Outcome)
	}

	// An allowed click on a good value claims, once, and is posted.
	fresh := signer.Sign(ChooseValue("sam@example.com", "acct-2"))
	resp, ok := svc.Click(ctx, allowed, ActionChooseShare, fresh, nil)
	if n := claims.count(); n != 1 {
		t.Errorf("allowed Share: %d claims in the store, want 1", n)
	}
	if !ok || resp.Mode != Public || resp.Reply.Outcome != OutcomeOK {
		t.Errorf("allowed Share: ok %v, mode %v, outcome %q; want a public answer", ok, resp.Mode, resp.Reply.Outcome)
	}
	// Its double click is not posted again, nor claimed again in the store.
	resp, _ = svc.Click(ctx, allowed, ActionChooseShare, fresh, nil)
	if n := claims.count(); n != 1 || resp.Mode != Private {
		t.Errorf("second click: %d claims, mode %v; want 1, private", n, resp.Mode)
	}
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// TestTenPeopleFitTwelveBlocks: one section per person, then the footer
// and the buttons, whatever mix of answers and failures.
func TestTenPeopleFitTwelveBlocks(t *testing.T) {
	t.Parallel()
	var people []Person
	for i := range MaxTargets {
		p := ada()
		p.Query = fmt.Sprintf("user%d@example.com", i)
		p.Cached = true
		switch i % 3 {
		case 1:
			p = failed(p.Query, &atlassian.Error{Kind: atlassian.ErrAmbiguous, Candidates: []atlassian.Account{{AccountID: "a1", DisplayName: "One"}, {AccountID: "a2", DisplayName: "Two"}}})
		case 2:
			p = failed(p.Query, atlassian.ErrNotFound)
		}
		people = append(people, p)
	}
	shared := private
	shared.Buttons, shared.SharedBy = false, "U0SHARER"
	for name, v := range map[string]View{"private": private, "shared": shared} {
		m := RenderLookup(people, v)
		mustCheck(t, m)
		if n := len(m.Blocks); n > 12 {
			t.Errorf("%s: ten people take %d blocks, want at most 12", name, n)
		}
	}
}

// TestDateTokens: a day is placed at noon UTC, an instant is kept; the
// fallback is the ISO day.
func TestDateTokens(t *testing.T) {
	t.Parallel()
	d := day("2026-11-24")
	if got, want := dateToken(d, time.Time{}), fmt.Sprintf("<!date^%d^{date_short_pretty}|2026-11-24>", d.Add(12*time.Hour).Unix()); got != want {
		t.Errorf("day: %q, want %q", got, want)
	}
	ts := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	if got, want := dateToken(d, ts), fmt.Sprintf("<!date^%d^{date_short_pretty}|2026-11-24>", ts.Unix()); got != want {
		t.Errorf("instant: %q, want %q", got, want)
	}
	// An instant on another day than Atlassian's day (never seen; the day is
	// what the days-ago count and the verdict read) is not shown: Slack
	// would render its date beside a count from the day.
	for _, odd := range []time.Time{time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 1, 0, time.UTC)} {
		if got, want := dateToken(d, odd), fmt.Sprintf("<!date^%d^{date_short_pretty}|2026-11-24>", d.Add(12*time.Hour).Unix()); got != want {
			t.Errorf("instant %v on another day: %q, want %q", odd, got, want)
		}
	}
	if got := asOfToken(now); got != fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|2026-11-26 15:04 UTC>", now.Unix()) {
		t.Errorf("as of: %q", got)
	}
	shared := private
	shared.Buttons, shared.SharedBy = false, "U0SHARER"
	old := ada()
	old.FetchedAt = now.Add(-50 * time.Minute)
	if all := joined(t, RenderLookup([]Person{grace(), old}, shared)); !strings.Contains(all, asOfToken(old.FetchedAt)) {
		t.Errorf("a shared reply must be dated by its oldest answer:\n%s", all)
	}
}

func TestChooseValue(t *testing.T) {
	t.Parallel()
	v := ChooseValue("Sam@Example.com", "712020:abc")
	if v != "pick sam@example.com 712020:abc" {
		t.Fatalf("ChooseValue = %q", v)
	}
	e, id, err := ParseChooseValue(v)
	if err != nil || e != "sam@example.com" || id != "712020:abc" {
		t.Fatalf("ParseChooseValue = %q %q %v", e, id, err)
	}
	for _, bad := range []string{"", "sam@example.com", "pick sam@example.com", "pick sam@example.com a b", "pick not-an-email 1",
		"pick sam@example.com a|b", "pick sam@example.com a/../b", "PICK sam@example.com a", "pick  sam@example.com a"} {
		if _, _, err := ParseChooseValue(bad); err == nil {
			t.Errorf("ParseChooseValue(%q) accepted", bad)
		}
	}
	if ChooseValue("not an email", "a") != "" || ChooseValue("a@b.co", "../x") != "" {
		t.Error("ChooseValue made a value from bad parts")
	}
	// A This one value is never a Share value, nor the reverse.
	if _, err := ParseButtonValue(v); err == nil {
		t.Error("a This one value opens as Share/Refresh")
	}
}

// choiceDir is a Directory for Service.Choose: it knows one account and
// counts what it is asked.
type choiceDir struct{ resolves, users, activity int }

func (d *choiceDir) Resolve(context.Context, string) (atlassian.Account, atlassian.Via, error) {
	d.resolves++
	return atlassian.Account{}, atlassian.ViaJira, atlassian.ErrNotFound
}

func (d *choiceDir) DirectoryUser(_ context.Context, id string) (atlassian.DirectoryUser, error) {
	d.users++
	if id != "acct-2" {
		return atlassian.DirectoryUser{}, atlassian.ErrNotFound
	}
	return atlassian.DirectoryUser{AccountID: id, Name: "Sam Two", Email: "sam@example.com", Status: atlassian.StatusSuspended}, nil
}

func (d *choiceDir) LastActive(context.Context, string) (*atlassian.Activity, error) {
	d.activity++
	return &atlassian.Activity{Products: []atlassian.ProductActivity{product("confluence", site1, "2026-01-02")}}, nil
}

func TestServiceChoose(t *testing.T) {
	t.Parallel()
	dir := &choiceDir{}
	clock := func() time.Time { return now }
	signer := NewButtonSigner("secret", time.Hour, clock)
	svc := NewService(ServiceConfig{Lookups: NewLookups(dir, LookupOptions{Now: clock}), Gate: NewGate(GateConfig{AllowedUsers: []string{"U1"}, PerUserBurst: 100}),
		OrgID: orgID, Now: clock, Buttons: signer})
	req := Request{UserID: "U1", ChannelID: "C1"}

	r := svc.Choose(context.Background(), req, signer.Sign(ChooseValue("sam@example.com", "acct-2")))
	all := joined(t, r.Message)
	if r.Outcome != "ok" || !strings.Contains(all, "Sam Two") || !strings.Contains(all, "Account suspended") {
		t.Fatalf("outcome %q:\n%s", r.Outcome, all)
	}
	// Share and Refresh carry the account, never the email alone (which
	// names several accounts).
	got := map[string]string{}
	for _, b := range r.Message.Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					got[btn.ActionID] = btn.Value
				}
			}
		}
	}
	if len(got) != 2 || got[ActionChooseShare] == "" || got[ActionChooseRefresh] == "" {
		t.Fatalf("buttons %v: want Share and Refresh for the chosen account only", got)
	}
	for id, sealed := range got {
		v, err := signer.unseal(sealed)
		if e, acct, perr := ParseChooseValue(v); err != nil || perr != nil || e != "sam@example.com" || acct != "acct-2" {
			t.Errorf("%s carries %q (%v, %v): want Sam's email and acct-2, sealed", id, v, err, perr)
		}
	}
	if dir.resolves != 0 || dir.users != 1 || dir.activity != 1 {
		t.Errorf("calls: resolve %d, user %d, activity %d; want 0, 1, 1", dir.resolves, dir.users, dir.activity)
	}

	// Refresh answers for the same account again, privately, in place;
	// Share posts it in the channel without buttons, saying who shared it.
	resp, ok := svc.Click(context.Background(), req, ActionChooseRefresh, got[ActionChooseRefresh], nil)
	if all := joined(t, resp.Reply.Message); !ok || resp.Mode != PrivateReplace || !strings.Contains(all, "Sam Two") {
		t.Errorf("refresh: ok %v, mode %v:\n%s", ok, resp.Mode, all)
	}
	resp, ok = svc.Click(context.Background(), req, ActionChooseShare, got[ActionChooseShare], nil)
	all = joined(t, resp.Reply.Message)
	if !ok || resp.Mode != Public || !strings.Contains(all, "Sam Two") || !strings.Contains(all, "Shared by") {
		t.Errorf("share: ok %v, mode %v, outcome %q, %d blocks:\n%s", ok, resp.Mode, resp.Reply.Outcome, len(resp.Reply.Message.Blocks), all)
	}
	for _, b := range resp.Reply.Message.Blocks {
		if _, isActions := b.(*slack.ActionBlock); isActions {
			t.Errorf("the shared answer carries buttons")
		}
	}
	if dir.resolves != 0 || dir.users != 3 || dir.activity != 3 {
		t.Errorf("after refresh and share: resolve %d, user %d, activity %d; want 0, 3, 3 (by account each time)", dir.resolves, dir.users, dir.activity)
	}

	for name, tt := range map[string]struct {
		req   Request
		value string
		want  Outcome
	}{
		"forged":      {req, ChooseValue("sam@example.com", "acct-2") + "~1~x", "forged"},
		"share value": {req, signer.Sign("sam@example.com"), "forged"},
		"other key":   {req, NewButtonSigner("other", time.Hour, clock).Sign(ChooseValue("sam@example.com", "acct-2")), "forged"},
		"not allowed": {Request{UserID: "U2", ChannelID: "C1"}, signer.Sign(ChooseValue("sam@example.com", "acct-2")), "refused"},
		"stale":       {req, NewButtonSigner("secret", time.Hour, func() time.Time { return now.Add(-2 * time.Hour) }).Sign(ChooseValue("sam@example.com", "acct-2")), "stale"},
	} {
		before := dir.users + dir.activity
		if r := svc.Choose(context.Background(), tt.req, tt.value); r.Outcome != tt.want {
			t.Errorf("%s: outcome %q, want %q", name, r.Outcome, tt.want)
		}
		if dir.users+dir.activity != before {
			t.Errorf("%s: upstream calls made", name)
		}
	}
}

// TestLookupsReportResolver: each account found is counted by the search
// that found it; Jira's inactive flag becomes a deactivated status.
func TestLookupsReportResolver(t *testing.T) {
	t.Parallel()
	var vias []atlassian.Via
	dir := &viaDir{}
	l := NewLookups(dir, LookupOptions{TTL: time.Hour, Resolved: func(v atlassian.Via) { vias = append(vias, v) }})
	p := l.Lookup(context.Background(), "gone@example.com", false)
	l.Lookup(context.Background(), "gone@example.com", false) // cached: not counted again
	if len(vias) != 1 || vias[0] != atlassian.ViaJira {
		t.Errorf("resolver reports %v, want [jira]", vias)
	}
	if p.Account.Status != atlassian.StatusDeactivated {
		t.Errorf("status %q, want deactivated from Jira's active=false", p.Account.Status)
	}
	if _, err := l.dir.DirectoryUser(context.Background(), "x"); !errors.Is(err, atlassian.ErrNotFound) {
		t.Errorf("viaDir.DirectoryUser: %v", err)
	}
}

type viaDir struct{}

func (viaDir) Resolve(context.Context, string) (atlassian.Account, atlassian.Via, error) {
	return atlassian.Account{AccountID: "gone", DisplayName: "Gone", Active: false}, atlassian.ViaJira, nil
}
func (viaDir) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	return atlassian.DirectoryUser{}, atlassian.ErrNotFound
}
func (viaDir) LastActive(context.Context, string) (*atlassian.Activity, error) {
	return &atlassian.Activity{}, nil
}

// FuzzParseChooseValue: whatever a client sends back, an accepted value
// is exactly one ChooseValue would make.
func FuzzParseChooseValue(f *testing.F) {
	for _, s := range []string{"pick ada@example.com 712020:abc", "pick ada@example.com", "", "pick a@b.co a|b", "pick A@B.CO x", "pick a@b.co x~1~y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		e, id, err := ParseChooseValue(v)
		if err != nil {
			return
		}
		if ChooseValue(e, id) != v {
			t.Fatalf("accepted %q, which ChooseValue makes as %q", v, ChooseValue(e, id))
		}
	})
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"lastactive/bot/slacktest"
)

// TestRunMentionMix: the mention mix names about half of its commands'
// people by Slack mention; the bot reads each mentioned person's email
// with one users.info call on the fake Slack (with the bot token, about
// that user), and every reply, by mention or by email, answers about the
// person Atlassian knows by that email.
func TestRunMentionMix(t *testing.T) {
	o := Options{N: 40, Concurrency: 5, Mix: MixMention, Latency: time.Millisecond, Users: 300,
		InProcess: true, Timeout: time.Minute}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.defaults(); err != nil {
		t.Fatal(err)
	}
	byMention := mentions(o)
	want := 0
	for _, m := range byMention {
		if m {
			want++
		}
	}
	if want < o.N/4 || want > 3*o.N/4 {
		t.Fatalf("%d of %d commands by mention: not about half", want, o.N)
	}
	if r.Mentions != want || r.ExpectedUsersInfo != want {
		t.Errorf("%d commands by mention about %d people, want %d and %d (each mentioned person is new)",
			r.Mentions, r.ExpectedUsersInfo, want, want)
	}
	if r.UsersInfoCalls != want || r.UsersInfoBad != 0 {
		t.Errorf("%d users.info calls, %d refused or wrong: want %d and none", r.UsersInfoCalls, r.UsersInfoBad, want)
	}
	if r.Sent != o.N || r.Received != r.Sent || r.Lost != 0 || r.Wrong != 0 {
		t.Errorf("sent %d, received %d, lost %d, wrong %d: want %d right replies", r.Sent, r.Received, r.Lost, r.Wrong, o.N)
	}
	if !r.OneChainEach || r.DistinctPeople != o.N {
		t.Errorf("%d people, %d Jira searches, %d Admin calls (want %d and %d Admin): a lookup was repeated",
			r.DistinctPeople, r.JiraCalls, r.AdminCalls, o.N, r.ExpectedAdmin)
	}
}

// TestMentionMixKeepsTheDistinctPeople: the mention mix asks about the
// distinct mix's people in its order, and the other mixes name nobody by
// mention, so their figures stay comparable with the earlier passes'.
func TestMentionMixKeepsTheDistinctPeople(t *testing.T) {
	d := plan(Options{N: 100, Mix: MixDistinct, Seed: 3}, 500)
	m := plan(Options{N: 100, Mix: MixMention, Seed: 3}, 500)
	for i := range d {
		if d[i] != m[i] {
			t.Fatalf("ask %d: the mention mix asks about %d, the distinct mix about %d", i, m[i], d[i])
		}
	}
	for _, mix := range []string{MixDistinct, MixZipf, MixSame} {
		if got := mentions(Options{N: 100, Mix: mix, Seed: 3}); got != nil {
			t.Errorf("the %s mix names people by mention", mix)
		}
	}
}

// TestCheckUsersInfo: a users.info call the fake refused, with the wrong
// token, or about a user nobody mentioned counts against the run.
func TestCheckUsersInfo(t *testing.T) {
	mentioned := map[string]bool{"UMENT0000001": true}
	call := func(user string, tokenOK bool, status int, code string) slacktest.Call {
		return slacktest.Call{Method: "users.info", Params: url.Values{"user": {user}, "token": {"REDACTED"}},
			TokenOK: tokenOK, Status: status, Error: code}
	}
	for _, c := range []struct {
		name string
		call slacktest.Call
		bad  int
	}{
		{"right", call("UMENT0000001", true, http.StatusOK, ""), 0},
		{"wrong token", call("UMENT0000001", false, http.StatusOK, "invalid_auth"), 1},
		{"user not mentioned", call("UMENT0000002", true, http.StatusOK, "user_not_found"), 1},
		{"requester instead", call("ULOAD000001", true, http.StatusOK, ""), 1},
		{"rate limited", call("UMENT0000001", true, http.StatusTooManyRequests, "ratelimited"), 1},
	} {
		if n, bad := checkUsersInfo([]slacktest.Call{c.call}, mentioned); n != 1 || bad != c.bad {
			t.Errorf("%s: %d calls, %d bad; want 1 and %d", c.name, n, bad, c.bad)
		}
	}
}

// TestReferenceResolvesMentions: against the mention mix, the reference
// reads each mentioned person's email with users.info, as the bot does, so
// bot ÷ reference compares the same Slack work; and its replies are right.
func TestReferenceResolvesMentions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bare acker")
	}
	r, err := Run(context.Background(), Options{N: 30, Concurrency: 5, Mix: MixMention, Latency: time.Millisecond,
		Users: 300, Target: TargetReference, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mentions == 0 || r.UsersInfoCalls != r.ExpectedUsersInfo || r.UsersInfoBad != 0 {
		t.Errorf("%d commands by mention: %d users.info calls for %d people, %d refused or wrong; want one each and none wrong",
			r.Mentions, r.UsersInfoCalls, r.ExpectedUsersInfo, r.UsersInfoBad)
	}
	if r.Received != 30 || r.Lost != 0 || r.Wrong != 0 {
		t.Errorf("reference: %d replies, %d lost, %d wrong; want 30 right replies", r.Received, r.Lost, r.Wrong)
	}
}

// TestMentionedUserRecordIsSlackSized: the fake's users.info answer for a
// mentioned person is as large as Slack's (some 1.9 KB), not the fake's
// bare 200 B record, so that reading it costs the bot what Slack's would.
func TestMentionedUserRecordIsSlackSized(t *testing.T) {
	s := slacktest.NewServer()
	defer s.Close()
	s.AddUser(slackUser(7, person{email: "ada@example.com", name: "Ada Lovelace"}))
	resp, err := http.PostForm(s.APIURL()+"users.info", url.Values{"token": {slacktest.BotToken}, "user": {slackUserID(7)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK   bool `json:"ok"`
		User struct {
			ID      string `json:"id"`
			Profile struct {
				Email string `json:"email"`
			} `json:"profile"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &got); err != nil || !got.OK || got.User.ID != slackUserID(7) || got.User.Profile.Email != "ada@example.com" {
		t.Fatalf("users.info answered %s (%v)", body, err)
	}
	t.Logf("users.info: %d bytes", len(body))
	if len(body) < 1200 {
		t.Errorf("users.info answered %d bytes, want a record as large as Slack's:\n%s", len(body), body)
	}
}

package slacktest_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot/slacktest"
)

func TestResponseURLChaos(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := slashEnvelope(t, s)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)
	post := func() error {
		_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText("hi", false))
		return err
	}

	var mu sync.Mutex
	var seen []int
	s.SetResponseURLChaos(func(id string, attempt int) (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if id != env.ID {
			t.Errorf("chaos asked about %q, want %q", id, env.ID)
		}
		seen = append(seen, attempt)
		return http.StatusServiceUnavailable, attempt == 1
	})
	var sc slack.StatusCodeError
	if err := post(); !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
		t.Fatalf("first post: %v, want 503", err)
	}
	if err := post(); err != nil {
		t.Fatalf("second post: %v", err)
	}
	s.SetResponseURLChaos(nil)
	if err := post(); err != nil {
		t.Fatalf("after removing the chaos: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
		t.Errorf("chaos saw attempts %v, want [1 2] and nothing after its removal", seen)
	}
	if n := len(s.Replies(env.ID)); n != 2 {
		t.Errorf("%d replies, want 2: a failed post is not a reply", n)
	}
	if att := s.ResponseAttempts(env.ID); len(att) != 3 || att[0].Status != http.StatusServiceUnavailable {
		t.Errorf("attempts = %+v, want 3, the first refused with 503", att)
	}
}

// FailResponseURL comes first: the chaos is not even asked about a post it
// fails.
func TestResponseURLChaosAfterFail(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := slashEnvelope(t, s)
	api := webClient(s, slacktest.BotToken)
	asked := 0
	s.SetResponseURLChaos(func(string, int) (int, bool) { asked++; return 0, false })
	s.FailResponseURL(1, http.StatusInternalServerError)
	for range 2 {
		_, _, _ = api.PostMessageContext(testContext(t), "", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText("hi", false))
	}
	if asked != 1 {
		t.Errorf("chaos asked %d times, want 1 (the post FailResponseURL let through)", asked)
	}
	if n := len(s.Replies(env.ID)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/internal/backoff/backofftest"
)

// TestMentionEmailFromSlackIsChecked: the email a users.info answer gives
// for a mention is checked as a typed one is. An address that is not one
// (a bare prefix, one holding a newline or mrkdwn) must not reach the
// Jira search, which matches prefixes and takes a lone hidden-email
// account as the person; nor may the profile of another user than the one
// mentioned.
func TestMentionEmailFromSlackIsChecked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id, email string
		want            string // "" means refused as ErrSlackUserNoEmail
	}{
		{name: "plain", id: "U0ADA", email: "ada@example.com", want: "ada@example.com"},
		{name: "upper case and spaces", id: "U0ADA", email: " Ada@Example.COM ", want: "ada@example.com"},
		{name: "a prefix, not an address", id: "U0ADA", email: "a"},
		{name: "a newline and mrkdwn", id: "U0ADA", email: "ada@example.com\n*<!channel>*"},
		{name: "a control character", id: "U0ADA", email: "ada@example.com\x00"},
		{name: "two addresses", id: "U0ADA", email: "ada@example.com bob@example.com"},
		{name: "another user's profile", id: "U0BOB", email: "bob@example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{
					"id": c.id, "name": "x", "profile": map[string]any{"email": c.email}}})
			}))
			defer srv.Close()
			users := bot.SlackUsers{API: &bot.SlackAPI{
				Client: slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(srv.Client())),
				Clock:  &backofftest.Clock{},
			}}
			got, err := users.EmailOf(context.Background(), "U0ADA")
			if c.want == "" {
				if !errors.Is(err, bot.ErrSlackUserNoEmail) {
					t.Errorf("EmailOf = %q, %v; want ErrSlackUserNoEmail", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("EmailOf = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

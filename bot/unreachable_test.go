package bot

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/nudge"
)

// unreachableSlack is a SlackAPI whose address refuses every connection.
func unreachableSlack(t *testing.T) *SlackAPI {
	t.Helper()
	apiURL := "http://" + atlassiantest.RefusedAddr(t) + "/api/" // every connection is refused
	return &SlackAPI{
		Client: slack.New("xoxb-test", slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(SlackHTTP(&http.Client{Timeout: time.Minute}))),
		URL:    apiURL,
	}
}

// TestDigestSlackUnreachableIsNotMade: Slack could not be reached at the
// slot's time (its address refused the connection: a network outage, a
// proxy restarting, DNS down), so the post certainly never left; the slot
// was kept as handled all the same ("slot failed"), and that week had no
// digest. A post whose connection was never made is ErrDigestNotMade: the
// slot is given back and tried again a minute later, within its hour.
func TestDigestSlackUnreachableIsNotMade(t *testing.T) {
	src := &markingSource{}
	_, _, err := NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: SlackChat{API: unreachableSlack(t)}}).PostNamed(context.Background())
	if err == nil {
		t.Fatal("a post to an unreachable Slack reported as posted")
	}
	if !errors.Is(err, ErrDigestNotMade) {
		t.Errorf("PostNamed = %v, want ErrDigestNotMade (nothing reached Slack: the slot is tried again)", err)
	}
	if len(src.marked) != 0 {
		t.Errorf("snapshots marked posted: %v, want none", src.marked)
	}
}

// TestNudgeSlackUnreachableIsNotSent: a nudge whose post could not reach
// Slack (the connection refused) was counted as asked, "it may have been
// posted": the person, who never saw a question, was reminded a week later
// and then escalated to the approvers as silent. A post whose connection
// was never made certainly did not go: nudge.ErrNotSent, so the person
// stays askable and nothing follows up on it.
func TestNudgeSlackUnreachableIsNotSent(t *testing.T) {
	notes := SlackNotes{API: unreachableSlack(t), Seal: NewButtonSigner("secret", time.Hour, nil)}
	_, err := notes.Post(context.Background(), "U1", nudge.Ask{Person: nudge.Person{AccountID: "a1", SlackUser: "U1"},
		Items: []nudge.Item{{NudgeID: "n1", Key: "jira-software", Site: "acme.atlassian.net"}}})
	if err == nil {
		t.Fatal("a post to an unreachable Slack reported as posted")
	}
	if !errors.Is(err, nudge.ErrNotSent) {
		t.Errorf("Post = %v, want nudge.ErrNotSent (nothing reached Slack)", err)
	}
}

package bot_test

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/nudge"
)

// TestInvitedNeverJoinedIsNotNudged: a member users.list marks
// is_invited_user (invited to Slack, never signed in) cannot read a direct
// message, so a round skips them as having no Slack user, as it does
// someone Slack does not know. Before, they were nudged, never answered,
// and were escalated to the approvers as "no answer after a nudge and a
// reminder".
func TestInvitedNeverJoinedIsNotNudged(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer()
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0FRANCES", Name: "frances", Email: atlassiantest.ReleaseDirectEmail,
		Extra: map[string]any{"is_invited_user": true}})
	fake.AddUser(slacktest.User{ID: "U0JOHN", Name: "john", Email: atlassiantest.ReleaseGroupEmail})
	app, logs := nudgeApp(t, org, atl, fake, nudge.On)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sum, err := app.Nudge.Round(ctx, "nudge invited", false)
	if err != nil {
		t.Fatalf("round: %v\n%s", err, logs.String())
	}
	var why []string
	for _, s := range sum.Skipped {
		if s.Person.Email == atlassiantest.ReleaseDirectEmail {
			why = append(why, s.Reason)
		}
	}
	if len(why) == 0 || why[0] != nudge.SkipNoSlack {
		t.Errorf("Frances (invited, never joined) skipped as %q, want %q", why, nudge.SkipNoSlack)
	}
	if n := len(fake.Messages("U0FRANCES")); n != 0 {
		t.Errorf("%d messages went to Frances, who never joined Slack", n)
	}
	if n := len(fake.Messages("U0JOHN")); n != 1 {
		t.Errorf("%d nudges reached John, a member, want 1", n)
	}
}

package bot_test

import (
	"encoding/json"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// postsTo counts the chat.postMessage calls to channel, refused ones too.
func postsTo(fake *slacktest.Server, channel string) int {
	n := 0
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Params.Get("channel") == channel {
			n++
		}
	}
	return n
}

// requestsAbout is the release requests approver got about email, as the
// JSON of their blocks.
func requestsAbout(fake *slacktest.Server, approver, email string) []string {
	var out []string
	for _, m := range fake.Messages(approver) {
		if strings.HasPrefix(m.Text, "Release request:") && strings.Contains(m.Text, email) {
			b, _ := json.Marshal(m.Blocks)
			out = append(out, string(b))
		}
	}
	return out
}

// TestReminderToADeactivatedAccountEscalatesAtOnce: someone nudged whose
// Slack account is deactivated afterwards has their reminder refused. The
// follow-up reads the account (users.info) and, deleted, escalates at once
// with the true reason, instead of sending the reminder again at each
// follow-up for a month and then escalating as "no answer after a nudge
// and a reminder". A refused reminder to an account Slack still has is
// sent again as before.
func TestReminderToADeactivatedAccountEscalatesAtOnce(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	// Frances's account is deactivated; both reminders are refused.
	b.fake.AddUser(slacktest.User{ID: "U0FRANCES", Name: "U0FRANCES", Email: atlassiantest.ReleaseDirectEmail, Deleted: true})
	b.fake.FailMethodError("chat.postMessage", 2, "channel_not_found")
	b.remind(t)

	for _, ap := range []string{"U0APP1", "U0APP2"} {
		reqs := requestsAbout(b.fake, ap, atlassiantest.ReleaseDirectEmail)
		if len(reqs) != 1 {
			t.Fatalf("%s got %d release requests about Frances after her reminder was refused and her account deactivated, want 1 at once\n%s",
				ap, len(reqs), b.logs.String())
		}
		if !strings.Contains(reqs[0], "Slack account was deactivated") || strings.Contains(reqs[0], "No answer after a nudge and a reminder") {
			t.Errorf("%s's request about Frances does not give the true reason: %s", ap, reqs[0])
		}
		if n := len(requestsAbout(b.fake, ap, atlassiantest.ReleaseGroupEmail)); n != 0 {
			t.Errorf("%s got %d requests about John, whose account is live: his reminder is to be sent again", ap, n)
		}
	}
	b.remind(t)
	if n := postsTo(b.fake, "U0FRANCES"); n != 2 {
		t.Errorf("%d posts to Frances's deactivated account, want 2 (the nudge and the one refused reminder)", n)
	}
	if ms := b.fake.Messages("U0JOHN"); len(ms) != 2 || !strings.HasPrefix(ms[1].Text, "Reminder:") {
		t.Errorf("John, whose reminder was refused while his account is live, got %d messages, want his nudge and the reminder sent again", len(ms))
	}
}

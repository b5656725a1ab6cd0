package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
)

// remind moves the clock one wait on and runs the follow-up: the first
// call sends the reminders, the second escalates.
func (b *toldBot) remind(t *testing.T) {
	t.Helper()
	b.clock.Add(time.Hour)
	if err := b.app.Nudge.FollowUp(b.ctx); err != nil {
		t.Fatal(err)
	}
}

// reminderButton is the value of actionID on user's reminder (their
// second direct message).
func (b *toldBot) reminderButton(t *testing.T, user, actionID string) string {
	t.Helper()
	ms := b.fake.Messages(user)
	if len(ms) < 2 || !strings.HasPrefix(ms[1].Text, "Reminder:") {
		t.Fatalf("%s got no reminder: %d messages", user, len(ms))
	}
	return buttonValue(ms[1], actionID)
}

// sees waits until the newest update of user's reminder (reminder) or of
// their nudge (!reminder) says want, and returns its blocks.
func (b *toldBot) sees(t *testing.T, user string, reminder bool, want string) string {
	t.Helper()
	var last string
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	err := b.fake.Wait(ctx, func() bool {
		for _, c := range b.fake.Calls("chat.update") {
			if c.Error == "" && c.Params.Get("channel") == user && strings.HasPrefix(c.Params.Get("text"), "Reminder:") == reminder {
				last = c.Params.Get("blocks")
			}
		}
		return strings.Contains(last, want)
	})
	if err != nil {
		which := "nudge"
		if reminder {
			which = "reminder"
		}
		t.Fatalf("%s's %s never said %q; last update: %s\n%s", user, which, want, last, b.logs.String())
	}
	return last
}

// TestKeepInTheReminderUpdatesIt: Keep clicked in the reminder is told
// where it was clicked (the reminder loses its buttons), and in the nudge.
func TestKeepInTheReminderUpdatesIt(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	b.remind(t)
	b.click(t, "U0FRANCES", bot.ActionNudgeKeep, b.reminderButton(t, "U0FRANCES", bot.ActionNudgeKeep))
	noNudgeButtons(t, b.sees(t, "U0FRANCES", true, "Kept, thank you"))
	noNudgeButtons(t, b.sees(t, "U0FRANCES", false, "Kept, thank you"))
}

// TestReminderSaysWhatTheApproversDid: after an escalation, and after an
// approver's decision, the reminder says so as the nudge does, without
// buttons that would only answer "You have answered already".
func TestReminderSaysWhatTheApproversDid(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	b.remind(t)
	b.remind(t)
	noNudgeButtons(t, b.sees(t, "U0FRANCES", true, "the approvers decide"))
	b.decide(t, atlassiantest.ReleaseDirectEmail, bot.ActionReleaseKeep)
	noNudgeButtons(t, b.sees(t, "U0FRANCES", true, "An approver kept it"))
	noNudgeButtons(t, b.sees(t, "U0FRANCES", false, "An approver kept it"))
}

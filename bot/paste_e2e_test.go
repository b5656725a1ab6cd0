package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestPastedTableNamesItsSkippedLines: two columns copied from a
// spreadsheet, a header row and a name cell before each address, were
// refused whole ("“Name” is not an email address"). Each address is now
// looked up, and the reply names the lines it looked nobody up for, so the
// header (or a name without its address) is never dropped unsaid.
func TestPastedTableNamesItsSkippedLines(t *testing.T) {
	h := startBot(t, harnessOpts{})
	paste := "Name\tEmail\r\nAda Lovelace\tada@example.com\r\nGrace Hopper\t<mailto:grace@example.com|grace@example.com>\r\nCharles Babbage\t\r\n"
	got := text(h.ask("U1", "C1", paste))
	for _, want := range []string{"Ada Lovelace", "grace@example.com", "Skipped", "line 1 “Name Email”", "line 4 “Charles Babbage”"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "is not an email address") {
		t.Errorf("the paste was refused:\n%s", got)
	}
}

// TestRefreshKeepsWhoWasNotLookedUp: a pasted list of more than ten people
// is answered for the first ten, the rest named as not looked up, and the
// lines with nobody in them named as skipped. Refresh read the ten again
// and replaced the reply with one that said neither: the manager lost the
// only list of whom to paste again.
func TestRefreshKeepsWhoWasNotLookedUp(t *testing.T) {
	// Three lookups of ten people: more than the rate limit lets by.
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}})
	lines := []string{"Email address", "ada@example.com"}
	for i := 2; i <= 12; i++ {
		lines = append(lines, fmt.Sprintf("firstname.lastname%02d@example-corp.com", i))
	}
	lines = append(lines, "<@U0GRACE>", "Grace Hopper")
	first := h.ask("U1", "C1", strings.Join(lines, "\n"))
	wants := []string{"Not looked up", "firstname.lastname11@example-corp.com", "firstname.lastname12@example-corp.com", "<@U0GRACE>",
		"Skipped", "line 1", "line 15"}
	for _, want := range wants {
		if got := text(first); !strings.Contains(got, want) {
			t.Fatalf("the first answer lacks %q:\n%s", want, got)
		}
	}
	refresh := buttons(t, first)[bot.ActionRefresh]
	if refresh == nil {
		t.Fatal("no Refresh button")
	}
	again := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})[0]
	got := text(again)
	if !strings.Contains(got, "Ada Lovelace") {
		t.Fatalf("Refresh did not answer again:\n%s", got)
	}
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("the refreshed answer lacks %q:\n%s", want, got)
		}
	}
	// And again: the refreshed answer's own Refresh keeps them too.
	again = h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: buttons(t, again)[bot.ActionRefresh]["value"].(string)})[0]
	if got := text(again); !strings.Contains(got, "firstname.lastname12@example-corp.com") || !strings.Contains(got, "line 15") {
		t.Errorf("the second Refresh lost them:\n%s", got)
	}
}

// TestRefreshWhoseOnlyNotLookedUpWasLookedUpByMention: the one person past
// ten was a Slack user's address whom a mention among the ten had already
// looked up. RefreshValue leaves such a person out, and so wrote an empty
// list ("…||"), which ParseRefreshValue rightly refuses: the Refresh button
// under the answer was refused as forged. It now opens and answers again.
func TestRefreshWhoseOnlyNotLookedUpWasLookedUpByMention(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	words := []string{"<@U0GRACE>", "ada@example.com"}
	for i := 3; i <= 10; i++ {
		words = append(words, fmt.Sprintf("firstname.lastname%02d@example-corp.com", i))
	}
	words = append(words, "grace@example.com")
	first := h.ask("U1", "C1", strings.Join(words, " "))
	if got := text(first); !strings.Contains(got, "Grace Hopper") || strings.Contains(got, "Not looked up") {
		// Grace was looked up, by her mention: nobody is left unanswered
		// (TestNotLookedUpLeavesOutWhomAMentionLookedUp).
		t.Fatalf("the first answer does not answer Grace, or names her as not looked up:\n%s", got)
	}
	refresh := buttons(t, first)[bot.ActionRefresh]
	if refresh == nil {
		t.Fatal("no Refresh button")
	}
	again := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})[0]
	if got := text(again); !strings.Contains(got, "Ada Lovelace") {
		t.Errorf("Refresh did not answer again:\n%s", got)
	}
}

// TestNotLookedUpLeavesOutWhomAMentionLookedUp: a person named twice, by
// a mention among the first ten and by their address past ten, was
// answered (by the mention) and named under "Not looked up" all the same,
// so the asker pasted them again or thought them skipped. Only those
// really not looked up are named, in the first answer and after Refresh.
func TestNotLookedUpLeavesOutWhomAMentionLookedUp(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	words := []string{"<@U0GRACE>", "ada@example.com"}
	for i := 3; i <= 10; i++ {
		words = append(words, fmt.Sprintf("firstname.lastname%02d@example-corp.com", i))
	}
	words = append(words, "Grace@example.com", "zed@example.com")
	first := h.ask("U1", "C1", strings.Join(words, " "))
	const footer = "*Not looked up* (at most 10 at once): zed@example.com."
	if got := text(first); !strings.Contains(got, "Grace Hopper") || !strings.Contains(got, footer) {
		t.Fatalf("the first answer does not answer Grace and name only zed@example.com as not looked up:\n%s", got)
	}
	refresh := buttons(t, first)[bot.ActionRefresh]
	if refresh == nil {
		t.Fatal("no Refresh button")
	}
	again := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})[0]
	if got := text(again); !strings.Contains(got, "Grace Hopper") || !strings.Contains(got, footer) {
		t.Errorf("the refreshed answer does not answer Grace and name only zed@example.com as not looked up:\n%s", got)
	}
}

// TestRefreshKeepsAMentionWhoseEmailWasNotRead: a mentioned Slack user
// whose email could not be read is answered with why, under the others;
// the Refresh button carried only emails, so it dropped them, and the
// refreshed answer no longer said a word of them, though Slack might
// answer for them now. The button carries them as "@U…": Refresh reads
// their profile again.
func TestRefreshKeepsAMentionWhoseEmailWasNotRead(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace"}) // no email the bot can read
	for _, ask := range []string{"ada@example.com <@U0GRACE>", "<@U0GRACE>"} {
		first := h.ask("U1", "C1", ask)
		if got := text(first); !strings.Contains(got, "<@U0GRACE>") {
			t.Fatalf("%s: the first answer does not name the Slack user:\n%s", ask, got)
		}
		refresh := buttons(t, first)[bot.ActionRefresh]
		if refresh == nil {
			t.Fatalf("%s: no Refresh button", ask)
		}
		again := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})[0]
		if got := text(again); !strings.Contains(got, "<@U0GRACE>") {
			t.Errorf("%s: the refreshed answer dropped the Slack user whose email was not read:\n%s", ask, got)
		}
	}
	// Slack has her email now: Refresh answers for her.
	first := h.ask("U1", "C1", "ada@example.com <@U0GRACE>")
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	again := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: buttons(t, first)[bot.ActionRefresh]["value"].(string)})[0]
	if got := text(again); !strings.Contains(got, "Grace Hopper") || !strings.Contains(got, "Ada Lovelace") {
		t.Errorf("Refresh does not answer for the Slack user whose email is readable now:\n%s", got)
	}
}

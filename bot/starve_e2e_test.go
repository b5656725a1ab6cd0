package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// hangAdmin makes every Admin API request about accountID wait until the
// returned release is called (or the client gives up), as an Admin API
// that hangs for one person would. The Cleanup releases it too, before the
// fakes close.
func hangAdmin(t *testing.T, atl *atlassiantest.Server, accountID string) (release func()) {
	t.Helper()
	ch := make(chan struct{})
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if strings.Contains(r.URL.Path, accountID) {
			select {
			case <-ch:
			case <-r.Context().Done():
			}
		}
		return atlassiantest.Failure{}, false
	})
	var closed bool
	release = func() {
		if !closed {
			closed = true
			close(ch)
		}
	}
	t.Cleanup(release)
	return release
}

// TestSlowPersonStarvesNobody: with one person whose Admin API lookup hangs
// and 80 people asking about them, help and a lookup of a healthy person
// are answered while the 80 are all still waiting; when Atlassian answers,
// each of the 80 gets the answer.
func TestSlowPersonStarvesNobody(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserBurst: 1000}})
	release := hangAdmin(t, h.atl, atlassiantest.AdaAccountID)

	var slow []*slacktest.Envelope
	for i := range 80 {
		slow = append(slow, h.send(fmt.Sprintf("U%05d", i), "C1", "ada@example.com"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, e := range slow {
		if _, err := h.slack.WaitAck(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	pendingFinal := func() int {
		n := 0
		for _, e := range slow {
			for _, r := range h.slack.Replies(e.ID) {
				if strings.Contains(text(r), "Ada Lovelace") || strings.Contains(text(r), "took too long") {
					n++
				}
			}
		}
		return n
	}

	help := h.reply(h.send("UHELP", "C1", "help"))
	if !strings.Contains(text(help), "/lastactive") {
		t.Errorf("help reply: %q", help.Text)
	}
	grace := h.reply(h.send("UGRACE", "C1", "grace@example.com"))
	if !strings.Contains(text(grace), "Grace Hopper") {
		t.Errorf("healthy lookup reply: %q", grace.Text)
	}
	if n := pendingFinal(); n != 0 {
		t.Fatalf("%d of the 80 slow lookups were finished before help and the healthy lookup were answered; want them still pending", n)
	}

	release()
	for _, e := range slow {
		replies, err := h.slack.WaitReplies(ctx, e.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		last := replies[len(replies)-1]
		if !strings.Contains(text(last), "Ada Lovelace") {
			t.Fatalf("slow lookup's final reply: %q", last.Text)
		}
	}
}

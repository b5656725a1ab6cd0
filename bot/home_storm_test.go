package bot

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

// heldViews is views.publish as Slack answers it in a storm of App Home
// opens: each publish waits (rate limited, retried) until released or
// given up; it counts the publishes under way and those published.
type heldViews struct {
	mu        sync.Mutex
	inFlight  int
	published map[string]int
	arrived   chan string
	finished  chan string
	release   chan struct{}
}

func (v *heldViews) PublishHome(ctx context.Context, user string, _ slack.HomeTabViewRequest) error {
	v.mu.Lock()
	v.inFlight++
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		v.inFlight--
		v.mu.Unlock()
	}()
	v.arrived <- user
	select {
	case <-v.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	v.mu.Lock()
	v.published[user]++
	v.mu.Unlock()
	v.finished <- user
	return nil
}

// TestHomeStormLeavesRoomForCommands: thousands of people opening App Home
// at once (a link in an announcement) while Slack rate-limits views.publish
// took every one of the MaxInFlight slots the commands and clicks share,
// each held for as long as its publish was retried: a slash command then
// got "The bot is very busy", and past the busy replies' bound no answer
// at all. App Home opens now have a bounded lane of their own: opens past
// it are dropped (the Home tab keeps its last view, and the next open
// publishes again), a command is answered, and an open once the storm has
// passed is published.
func TestHomeStormLeavesRoomForCommands(t *testing.T) {
	const slots = 8
	views := &heldViews{published: map[string]int{}, arrived: make(chan string, 10*slots), finished: make(chan string, 10*slots),
		release: make(chan struct{})}
	u := startUnit(t, 1, BotConfig{MaxInFlight: slots}, ServiceConfig{
		StillLooking: -1, Digests: NewDigests(DigestConfig{Source: storedHistory{}, Home: views})})
	for i := range 4 * slots {
		u.sockets[0].put(homeOpened(fmt.Sprintf("H%03d", i), fmt.Sprintf("U%06d", i)))
	}
	// The storm has taken what it may: at least one publish is under way
	// and the envelopes are all taken.
	<-views.arrived
	u.log.waitFor(t, "every open taken", func(l []string) bool { return countLines(l, "taken a H") == 4*slots })
	u.command(0, "E1", "UREAL", "help")
	u.log.waitFor(t, "the command's answer", hasLine("reply /E1 "))
	if u.log.count("reply /E1 ephemeral new The bot is very busy") > 0 {
		t.Errorf("a command during an App Home storm was told the bot is busy")
	}
	views.mu.Lock()
	held := views.inFlight
	views.mu.Unlock()
	if held >= slots {
		t.Errorf("%d App Home publishes at once, as many as the %d slots of every request", held, slots)
	}
	close(views.release)
	// Each publish gives its slot back just after it returns.
	for len(u.bot.homeSlots) > 0 {
		runtime.Gosched()
	}
	for len(views.finished) > 0 {
		<-views.finished
	}
	// Once the storm has passed, an open is published.
	u.sockets[0].put(homeOpened("LATE", "ULATE"))
	if user := <-views.finished; user != "ULATE" {
		t.Errorf("published for %s, want ULATE", user)
	}
}

package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"lastactive/internal/testlog"
)

// userViews counts the Home tabs published per user.
type userViews struct {
	mu   sync.Mutex
	n    map[string]int
	last map[string]time.Time
}

func (v *userViews) PublishHome(_ context.Context, user string, _ slack.HomeTabViewRequest) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n[user]++
	v.last[user] = time.Now()
	return nil
}

func (v *userViews) count(user string) (int, time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.n[user], v.last[user]
}

// runHomeBot runs a bot whose App Home publishes views counts, on one fake
// socket; cancel stops it, and done closes when Run has returned.
func runHomeBot() (views *userViews, sock *fakeSocket, b *Bot, cancel context.CancelFunc, done chan struct{}) {
	views = &userViews{n: map[string]int{}, last: map[string]time.Time{}}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
		Digests: NewDigests(DigestConfig{Source: storedHistory{}, Home: views})})
	sock = newFakeSocket("a", newEventLog())
	b = NewBot(Transport{Sockets: []Socket{sock}, Responder: NewResponder(http.DefaultClient, "http://127.0.0.1:1")}, svc, BotConfig{}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	return views, sock, b, cancel, done
}

func homeOpened(envelopeID, user string) socketmode.Event {
	return socketmode.Event{
		Type: socketmode.EventTypeEventsAPI,
		Data: slackevents.EventsAPIEvent{Type: slackevents.CallbackEvent, InnerEvent: slackevents.EventsAPIInnerEvent{
			Type: "app_home_opened", Data: &slackevents.AppHomeOpenedEvent{Type: "app_home_opened", User: user, Tab: "home"}}},
		Request: &socketmode.Request{EnvelopeID: envelopeID, Type: "events_api"},
	}
}

// TestHomeOpensArePacedPerUser: someone (or a script) opening App Home 100
// times a second costs a few publishes, not one store read and one
// views.publish per open; the last open is still answered, after it, and
// another person's open is answered at once. Before, each of the 100 opens
// published.
func TestHomeOpensArePacedPerUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		views, sock, _, cancel, done := runHomeBot()

		var lastOpen time.Time
		for i := range 100 {
			time.Sleep(10 * time.Millisecond)
			lastOpen = time.Now()
			sock.put(homeOpened(fmt.Sprintf("H%03d", i), "UFLOOD"))
		}
		sock.put(homeOpened("OTHER", "UOTHER"))
		synctest.Wait()
		if n, _ := views.count("UOTHER"); n != 1 {
			t.Errorf("another person's open published %d Home tabs, want 1 at once", n)
		}
		time.Sleep(time.Minute) // every open waiting for its turn has had it
		synctest.Wait()
		n, last := views.count("UFLOOD")
		if n > 3 {
			t.Errorf("100 opens in one second published %d Home tabs, want at most 3", n)
		}
		if last.Before(lastOpen) {
			t.Errorf("the last Home tab was published at %v, before the last open at %v", last, lastOpen)
		}
		cancel()
		<-done
	})
}

// TestOversizedHomeOpenIsIgnored: an app_home_opened event whose user is
// far longer than any Slack ID (a hostile or broken Socket Mode peer) is
// not published and leaves no pacing entry keyed by the whole ID, as a
// slash command or click with such an ID is refused
// (TestOversizedSlackIDsAreNotServed). A real user's open beside it is
// still published.
func TestOversizedHomeOpenIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		views, sock, b, cancel, done := runHomeBot()

		long := "U" + strings.Repeat("X", 100<<10)
		sock.put(homeOpened("HUGE", long))
		sock.put(homeOpened("REAL", "UREAL"))
		synctest.Wait()
		if n, _ := views.count(long); n != 0 {
			t.Errorf("an open by a %d-byte user ID published %d Home tabs, want none", len(long), n)
		}
		if n, _ := views.count("UREAL"); n != 1 {
			t.Errorf("a real user's open published %d Home tabs, want 1", n)
		}
		b.homes.mu.Lock()
		_, kept := b.homes.users[long]
		b.homes.mu.Unlock()
		if kept {
			t.Error("the oversized user ID was kept as an App Home pacing key")
		}
		cancel()
		<-done
	})
}

// TestHomeOpenWithoutAUserIsRefused: an app_home_opened event without a
// user (or with a blank one) has nobody to publish to. "" was dropped at
// DEBUG, uncounted; " " was published to user " " (a views.publish Slack
// refuses, logged as an ERROR). Each is refused as a command or click
// without a user is (TestRequestsWithoutARequesterAreRefused): one WARN
// line, counted as an ignored interaction, nothing published or kept.
func TestHomeOpenWithoutAUserIsRefused(t *testing.T) {
	t.Parallel()
	views := &userViews{n: map[string]int{}, last: map[string]time.Time{}}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
		Digests: NewDigests(DigestConfig{Source: storedHistory{}, Home: views})})
	m := NewMetrics(prometheus.NewRegistry())
	logs := &testlog.Buffer{}
	b := NewBot(Transport{}, svc, BotConfig{}, slog.New(slog.NewJSONHandler(logs, nil)), m)
	var tasks sync.WaitGroup
	rc := runCtx{work: t.Context(), posts: t.Context(), tasks: &tasks}
	blank := []string{"", " ", "\t"}
	for i, user := range append(blank, "UREAL") {
		b.event(rc, 0, homeOpened(fmt.Sprintf("H%d", i), user), func() {})
	}
	tasks.Wait()
	for _, user := range blank {
		if n, _ := views.count(user); n != 0 {
			t.Errorf("an open by user %q published %d Home tabs, want none", user, n)
		}
	}
	if n, _ := views.count("UREAL"); n != 1 {
		t.Errorf("a real user's open published %d Home tabs, want 1", n)
	}
	b.homes.mu.Lock()
	kept := len(b.homes.users)
	b.homes.mu.Unlock()
	if kept != 1 {
		t.Errorf("%d App Home pacing keys, want 1 (the real user's)", kept)
	}
	if got := testutil.ToFloat64(m.commands.WithLabelValues("interaction", "ignored")); got != float64(len(blank)) {
		t.Errorf("counted %v ignored interactions, want %d", got, len(blank))
	}
	if n := strings.Count(logs.String(), `"level":"WARN","msg":"app home: an open without a user ID; refused"`); n != len(blank) {
		t.Errorf("%d WARN lines for %d opens without a user, want one each:\n%s", n, len(blank), logs.String())
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("an ERROR line:\n%s", logs.String())
	}
}

package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack/slackevents"
)

// homeTimeout bounds publishing one Home tab; Scan now waits for the scan.
const homeTimeout = 30 * time.Second

// eventsAPI answers Events API envelopes (already acked): app_home_opened
// publishes the opener's Home tab from stored data. Other events need
// nothing but the ack.
func (b *Bot) eventsAPI(rc runCtx, j job) {
	ev, ok := j.event.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok {
		b.log.Debug("events api: ignored", "type", j.event.InnerEvent.Type)
		return
	}
	if ev.Tab != "" && ev.Tab != "home" { // the Messages tab
		return
	}
	if strings.TrimSpace(ev.User) == "" {
		// Nobody to publish to: " " was published to user " ". Refused as
		// a command or click without a user is (socket.go, noRequester).
		b.metrics.Command("interaction", string(OutcomeIgnored))
		b.log.Warn("app home: an open without a user ID; refused", "envelope_id", j.id)
		return
	}
	if oddSlackIDs(ev.User) {
		// Not a Slack ID: published to no one, and not kept whole as a
		// pacing key (as a command or click with one is refused).
		b.log.Warn("app home: an open by a user ID longer than any Slack ID; ignored", "envelope_id", j.id)
		return
	}
	wait, ok := b.homes.admit(ev.User, time.Now())
	if !ok {
		b.log.Debug("app home: open answered by the publish waiting for it", "user", ev.User)
		return
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-rc.work.Done():
			t.Stop()
		}
		b.homes.woke(ev.User)
		if rc.work.Err() != nil {
			return
		}
	}
	pctx, cancel := context.WithTimeout(rc.work, homeTimeout)
	defer cancel()
	if err := b.svc.HomeOpened(pctx, ev.User); err != nil {
		b.log.Error("app home not published", "user", ev.User, "err", err)
	}
}

// homeEvery is how often one person's opens of App Home publish it at
// most. Each publish costs store reads and a views.publish; someone (or a
// script) opening the tab again and again gets one publish now and one
// more at the end of the interval, which every open meanwhile waits for.
const homeEvery = time.Second

// homeOpens paces App Home publishes per user. The zero value is ready.
type homeOpens struct {
	mu    sync.Mutex
	users map[string]*homeOpen
}

type homeOpen struct {
	next    time.Time // no publish for this user before next
	waiting bool      // an open waits for next, on behalf of every open after it
}

// admit reports how long an open of user's Home tab must wait before it
// publishes, or !ok when an open already waiting will publish for it.
func (h *homeOpens) admit(user string, now time.Time) (wait time.Duration, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users == nil {
		h.users = map[string]*homeOpen{}
	}
	e := h.users[user]
	if e == nil {
		if len(h.users) >= 10_000 {
			for id, o := range h.users {
				if !o.waiting && now.After(o.next) {
					delete(h.users, id)
				}
			}
		}
		e = &homeOpen{}
		h.users[user] = e
	}
	switch {
	case e.waiting:
		return 0, false
	case now.Before(e.next):
		wait = e.next.Sub(now)
		e.waiting = true
		e.next = e.next.Add(homeEvery)
		return wait, true
	}
	e.next = now.Add(homeEvery)
	return 0, true
}

// woke ends user's wait: the next open after this one waits anew.
func (h *homeOpens) woke(user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.users[user]; e != nil {
		e.waiting = false
	}
}

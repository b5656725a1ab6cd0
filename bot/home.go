package bot

import (
	"context"
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
	if !ok || ev.User == "" {
		b.log.Debug("events api: ignored", "type", j.event.InnerEvent.Type)
		return
	}
	if ev.Tab != "" && ev.Tab != "home" { // the Messages tab
		return
	}
	pctx, cancel := context.WithTimeout(rc.work, homeTimeout)
	defer cancel()
	if err := b.svc.PublishHome(pctx, ev.User); err != nil {
		b.log.Error("app home not published", "user", ev.User, "err", err)
	}
}

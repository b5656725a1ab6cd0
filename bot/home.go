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
func (b *Bot) eventsAPI(ctx context.Context, j job) {
	ev, ok := j.event.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || ev.User == "" {
		b.log.Debug("events api: ignored", "type", j.event.InnerEvent.Type)
		return
	}
	if ev.Tab != "" && ev.Tab != "home" { // the Messages tab
		return
	}
	pctx, cancel := context.WithTimeout(ctx, homeTimeout)
	defer cancel()
	if err := b.svc.PublishHome(pctx, ev.User); err != nil {
		b.log.Error("app home not published", "user", ev.User, "err", err)
	}
}

// digestClick answers the digest's "Full list" and App Home's "Scan now".
func (b *Bot) digestClick(ctx context.Context, j job, req Request, actionID string) {
	switch actionID {
	case ActionDigestFullList:
		r := b.svc.DigestFullList(ctx, req)
		b.post(ctx, j.responseURL(), r.Message, Private, j.received)
	case ActionScanNow:
		// A Home tab click has no response_url: the answer is the Home tab.
		if err := b.svc.ScanNow(ctx, req.UserID); err != nil {
			b.log.Error("scan now: app home not published", "user", req.UserID, "err", err)
		}
	}
}

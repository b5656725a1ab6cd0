package bot

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"
)

// ShortcutAuthor is the callback ID of the message shortcut that looks up
// the author of a message.
const ShortcutAuthor = "lastactive_author"

// interaction answers button clicks and shortcuts. Each passes the same
// authorisation and rate limit as the command; a click we cannot trust gets
// a short private refusal and causes no lookup.
func (b *Bot) interaction(ctx context.Context, j job) {
	cb := j.action
	req := Request{UserID: cb.User.ID, ChannelID: cb.Channel.ID}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return
		}
		act := cb.ActionCallback.BlockActions[0]
		switch act.ActionID {
		case ActionShare, ActionRefresh:
			b.click(ctx, j, req, act)
		case ActionDigestFullList, ActionScanNow:
			b.digestClick(ctx, j, req, act.ActionID)
		default:
			// The link button (ActionAdmin) opens a URL in the browser;
			// Slack still sends its click, which needs only the ack.
			b.svc.cfg.Metrics.Command(string(KindButton), string(OutcomeIgnored))
		}
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID != ShortcutAuthor {
			return
		}
		b.shortcut(ctx, j, req)
	}
}

func (b *Bot) click(ctx context.Context, j job, req Request, act *slack.BlockAction) {
	url := j.responseURL()
	refuse := func(outcome Outcome, text string) {
		b.svc.audit(req, Reply{Kind: KindButton, Outcome: outcome}, time.Now())
		b.post(ctx, url, RenderNotice(text), Private, j.received)
	}
	if !b.svc.cfg.Gate.Allowed(req.UserID, req.ChannelID) {
		refuse(OutcomeRefused, "You are not allowed to use /lastactive here. Ask your Slack admin if you need it.")
		return
	}
	emails, err := b.svc.cfg.Buttons.Open(act.Value)
	switch {
	case errors.Is(err, ErrStaleButton):
		refuse(OutcomeStale, "This button is too old. Run /lastactive again.")
		return
	case err != nil:
		refuse(OutcomeForged, "This button could not be checked. Run /lastactive again.")
		return
	}
	targets := make([]Target, len(emails))
	for i, e := range emails {
		targets[i] = Target{Email: e}
	}
	if act.ActionID == ActionRefresh {
		r := b.svc.Lookup(ctx, req, targets, true, View{Buttons: true})
		b.post(ctx, url, r.Message, PrivateReplace, j.received)
		return
	}
	r := b.svc.Lookup(ctx, req, targets, false, View{SharedBy: req.UserID})
	if r.Outcome == OutcomeRateLimited || r.Outcome == OutcomeRefused {
		b.post(ctx, url, r.Message, Private, j.received)
		return
	}
	b.post(ctx, url, r.Message, Public, j.received)
}

func (b *Bot) shortcut(ctx context.Context, j job, req Request) {
	cb := j.action
	var targets []Target
	if cb.Message.User != "" {
		targets = []Target{{UserID: cb.Message.User}}
	}
	var msg Message
	switch {
	case !b.svc.cfg.Gate.Allowed(req.UserID, req.ChannelID):
		b.svc.audit(req, Reply{Kind: KindShortcut, Outcome: OutcomeRefused}, time.Now())
		msg = RenderNotice("You are not allowed to use /lastactive here. Ask your Slack admin if you need it.")
	case len(targets) == 0:
		b.svc.audit(req, Reply{Kind: KindShortcut, Outcome: OutcomeUsage}, time.Now())
		msg = RenderNotice("That message was not written by a person, so there is nobody to look up.")
	default:
		msg = b.svc.Lookup(ctx, req, targets, false, View{Buttons: true}).Message
	}
	if url := j.responseURL(); url != "" {
		b.post(ctx, url, msg, Private, j.received)
		return
	}
	// A shortcut used where Slack gives no response_url: an ephemeral
	// message from the bot (needs chat:write and the bot in the channel).
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := b.sm.PostEphemeralContext(pctx, req.ChannelID, req.UserID,
		slack.MsgOptionBlocks(msg.Blocks...), slack.MsgOptionText(msg.Text, false))
	b.metrics.replied(time.Since(j.received), err)
	if err != nil {
		b.log.Error("shortcut reply not delivered", "err", err)
	}
}

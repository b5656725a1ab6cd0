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

// Response is a Reply and how it is to be posted.
type Response struct {
	Reply
	// ResponseType is Ephemeral (only the asker sees it) or InChannel.
	ResponseType string
	// Replace replaces the message the click came from.
	Replace bool
}

// Texts of refusals shared by every entry point.
const (
	notAllowedText = "You are not allowed to use /lastactive here. Ask your Slack admin if you need it."
	staleText      = "This button is too old. Run /lastactive again."
	forgedText     = "This button could not be checked. Run /lastactive again."
	noAuthorText   = "That message was not written by a person, so there is nobody to look up."
)

// Click answers a click on Share or Refresh. It passes the same
// authorisation and rate limit as the command; a value the Service did not
// seal gets a short private refusal and causes no lookup. ok is false for a
// click that needs no answer (the Admin link button, unknown actions).
// progress, when not nil, receives an interim message if Atlassian is slow.
func (s *Service) Click(ctx context.Context, req Request, actionID, value string, progress func(Message)) (resp Response, ok bool) {
	if actionID != ActionShare && actionID != ActionRefresh {
		// The link button (ActionAdmin) opens a URL in the browser; Slack
		// still sends its click, which needs only the ack.
		s.cfg.Metrics.Command("button", "ignored")
		return Response{}, false
	}
	start := s.cfg.Now()
	refuse := func(outcome, text string) (Response, bool) {
		r := Reply{Kind: "button", Outcome: outcome, Message: RenderNotice(text)}
		s.audit(req, r, start)
		return Response{Reply: r, ResponseType: Ephemeral}, true
	}
	if !s.cfg.Gate.Allowed(req.UserID, req.ChannelID) {
		return refuse("refused", notAllowedText)
	}
	emails, err := s.cfg.Buttons.Open(value)
	switch {
	case errors.Is(err, ErrStaleButton):
		return refuse("stale", staleText)
	case err != nil:
		return refuse("forged", forgedText)
	}
	targets := make([]Target, len(emails))
	for i, e := range emails {
		targets[i] = Target{Email: e}
	}
	var r Reply
	defer func() { s.audit(req, r, start) }()
	if actionID == ActionRefresh {
		r = s.lookup(ctx, req, targets, true, View{Buttons: true}, progress)
		return Response{Reply: r, ResponseType: Ephemeral, Replace: true}, true
	}
	// Share posts in the channel: an interim "still looking" there would be
	// noise, so it gets none.
	r = s.lookup(ctx, req, targets, false, View{SharedBy: req.UserID}, nil)
	if r.Outcome == "rate_limited" || r.Outcome == "refused" {
		return Response{Reply: r, ResponseType: Ephemeral}, true
	}
	return Response{Reply: r, ResponseType: InChannel}, true
}

// Shortcut answers a message shortcut used on a message written by
// authorID (empty for a message no person wrote). ok is false for a
// shortcut that is not ours.
func (s *Service) Shortcut(ctx context.Context, req Request, callbackID, authorID string, progress func(Message)) (resp Response, ok bool) {
	if callbackID != ShortcutAuthor {
		return Response{}, false
	}
	start := s.cfg.Now()
	var r Reply
	defer func() { s.audit(req, r, start) }()
	switch {
	case !s.cfg.Gate.Allowed(req.UserID, req.ChannelID):
		r = Reply{Kind: "shortcut", Outcome: "refused", Message: RenderNotice(notAllowedText)}
	case authorID == "":
		r = Reply{Kind: "shortcut", Outcome: "usage", Message: RenderNotice(noAuthorText)}
	default:
		r = s.lookup(ctx, req, []Target{{UserID: authorID}}, false, View{Buttons: true}, progress)
	}
	return Response{Reply: r, ResponseType: Ephemeral}, true
}

// interaction hands a click or a shortcut to the Service and posts its
// answer.
func (b *Bot) interaction(rc runCtx, j job) {
	cb := j.action
	req := Request{UserID: cb.User.ID, ChannelID: cb.Channel.ID}
	url := j.responseURL()
	progressed := false
	var progress func(Message)
	if url != "" {
		progress = func(m Message) {
			progressed = true
			b.post(rc, url, m, Ephemeral, false, time.Time{})
		}
	}
	var resp Response
	var ok bool
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return
		}
		act := cb.ActionCallback.BlockActions[0]
		resp, ok = b.svc.Click(rc.work, req, act.ActionID, act.Value, progress)
	case slack.InteractionTypeMessageAction:
		resp, ok = b.svc.Shortcut(rc.work, req, cb.CallbackID, cb.Message.User, progress)
	}
	if !ok {
		return
	}
	msg := resp.Message
	if rc.work.Err() != nil {
		msg = RenderNotice(restartingText)
		resp.ResponseType = Ephemeral
	}
	if url != "" {
		b.post(rc, url, msg, resp.ResponseType, resp.Replace || progressed, j.received)
		return
	}
	b.ephemeral(rc, req, msg, j.received)
}

// ephemeral answers where Slack gave no response_url (a shortcut used in
// some surfaces): a message from the bot only the asker sees (needs
// chat:write and the bot in the channel).
func (b *Bot) ephemeral(rc runCtx, req Request, msg Message, received time.Time) {
	if b.tr.Ephemeral == nil {
		b.log.Error("reply not delivered: no response_url and no chat.postEphemeral")
		b.metrics.replied(time.Since(received), errNoReplyPath)
		return
	}
	pctx, cancel := context.WithTimeout(rc.posts, 10*time.Second)
	defer cancel()
	_, err := b.tr.Ephemeral.PostEphemeralContext(pctx, req.ChannelID, req.UserID,
		slack.MsgOptionBlocks(msg.Blocks...), slack.MsgOptionText(msg.Text, false))
	b.metrics.replied(time.Since(received), err)
	if err != nil {
		b.log.Error("shortcut reply not delivered", "err", err)
	}
}

var errNoReplyPath = errors.New("no way to reply")

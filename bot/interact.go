package bot

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
)

// ShortcutAuthor is the callback ID of the message shortcut that looks up
// the author of a message.
const ShortcutAuthor = "lastactive_author"

// Response is a Reply and how it is to be posted: privately or in the
// channel, as a new message or in place of the one the click came from.
type Response struct {
	Reply
	Mode ReplyMode
	// Audited is the action the answer was audited under, when it is not
	// the one its reply kind implies (Share, Refresh): a reply that cannot
	// be posted is audited again under it, as undelivered (or
	// unconfirmed: sent, but Slack's answer was lost).
	Audited AuditAction
}

// Texts of refusals shared by every entry point.
const (
	notAllowedText = "You are not allowed to use /lastactive here. Ask your Slack admin if you need it."
	// The two allow-lists refuse differently: a person not on
	// LASTACTIVE_ALLOWED_USERS is refused in every channel, a channel not
	// on LASTACTIVE_ALLOWED_CHANNELS to everyone. Each says which, so the
	// refused person does not try again elsewhere, or gives up where
	// another channel would do. The first says what App Home says to them.
	userNotAllowedText    = "You are not allowed to use /lastactive in any channel: you are not on the list of people who may use it. Ask your Slack admin if you need it."
	channelNotAllowedText = "You are not allowed to use /lastactive here: it works only in the channels its admins chose, and this is not one of them. Ask your Slack admin which channels it works in."
	staleText             = "This button is too old. Run /lastactive again."
	forgedText            = "This button could not be checked. Run /lastactive again."
	noAuthorText          = "That message was not written by a person, so there is nobody to look up."
	// A Share sent whole whose answer from Slack was lost
	// (ErrReplyUnconfirmed): it is not posted again, and its claim holds
	// for shareWindow.
	// A Share without a response_url: only the clicker would see it.
	noResponseURLShareText = "This answer was not shared: Slack sent the click without a way to post in the channel. Run /lastactive in the channel and share from its answer."
	shareUnconfirmedText   = "Your Share was sent to the channel, but Slack's answer was lost, so the bot cannot tell whether it was posted. It is not posted again: look in the channel, and share it again in a minute if it is not there."
)

// Click answers a click on Share, Refresh or "This one". It passes the
// same authorisation and rate limit as the command; a value the Service did
// not seal gets a short private refusal and causes no lookup. ok is false
// for a click that needs no answer (the Admin link button, unknown actions).
// progress, when not nil, receives an interim message if Atlassian is slow.
func (s *Service) Click(ctx context.Context, req Request, actionID, value string, progress func(Message)) (resp Response, ok bool) {
	if resp, ok := s.releaseClick(ctx, req, actionID, value); ok || IsReleaseAction(actionID) {
		return resp, ok // keep or release (keep.go)
	}
	if IsChooseAction(actionID) {
		if actionID == ActionChooseShare {
			return s.chooseShare(ctx, req, value), true
		}
		action := AuditAction("")
		if actionID == ActionChooseRefresh {
			action = AuditRefresh
		}
		r := s.choose(ctx, req, value, action)
		mode := Private
		if r.Outcome == OutcomeOK || r.Outcome == OutcomeFailed {
			mode = PrivateReplace // the answer takes the place of the list, or of itself
		}
		return Response{Reply: r, Mode: mode, Audited: action}, true
	}
	switch actionID {
	case ActionDigestFullList:
		return Response{Reply: s.DigestFullList(ctx, req), Mode: Private}, true
	case ActionScanNow:
		// A Home tab click has no response_url: the answer is the Home tab.
		if err := s.ScanNow(ctx, req.UserID); err != nil {
			s.log.Error("scan now: app home not published", "user", req.UserID, "err", err)
		}
		return Response{}, false
	}
	if actionID != ActionShare && actionID != ActionRefresh {
		// The link button (ActionAdmin) opens a URL in the browser; Slack
		// still sends its click, which needs only the ack.
		s.cfg.Metrics.Command(string(KindButton), string(OutcomeIgnored))
		return Response{}, false
	}
	start := s.cfg.Now()
	refuse := func(outcome Outcome, kind NoticeKind, text string) (Response, bool) {
		r := Reply{Kind: KindButton, Outcome: outcome, Message: RenderNoticeKind(kind, text)}
		s.audit(req, r, start)
		return Response{Reply: r, Mode: Private}, true
	}
	if !s.allowed(ctx, req) {
		// Whom the button was about, if the bot sealed it: the attempt
		// belongs in their trail.
		r := Reply{Kind: KindButton, Outcome: OutcomeRefused, Message: RenderNoticeKind(NoticeRefused, s.notAllowed(req))}
		r.Targets, r.People = s.cfg.Buttons.about(value)
		s.audit(req, r, start)
		return Response{Reply: r, Mode: Private}, true
	}
	var emails []string
	var extra View // a Refresh's people not looked up and lines skipped
	var err error
	if actionID == ActionRefresh {
		emails, extra, err = s.cfg.Buttons.OpenRefresh(value)
	} else {
		emails, err = s.cfg.Buttons.Open(value)
	}
	switch {
	case errors.Is(err, ErrStaleButton):
		// Too old, but sealed by the bot: the attempt is in the trail of
		// whom it was about, as a refusal by the allow-lists is.
		r := Reply{Kind: KindButton, Outcome: OutcomeStale, Message: RenderNoticeKind(NoticeStale, staleText)}
		r.Targets, r.People = s.cfg.Buttons.about(value)
		s.audit(req, r, start)
		return Response{Reply: r, Mode: Private}, true
	case err != nil:
		return refuse(OutcomeForged, NoticeForged, forgedText)
	}
	targets := make([]Target, len(emails))
	for i, e := range emails {
		targets[i] = Target{Email: e}
		if strings.HasPrefix(e, "@") { // a Refresh's Slack user whose email was not read
			targets[i] = Target{UserID: e[1:]}
		}
	}
	var r Reply
	if actionID == ActionRefresh {
		defer func() { s.auditAs(AuditRefresh, req, r, start) }()
		// The answer it replaces named whom it did not look up: so does this one.
		view := View{Buttons: true, NotLookedUp: extra.NotLookedUp, MoreNotLookedUp: extra.MoreNotLookedUp,
			Skipped: extra.Skipped, MoreSkipped: extra.MoreSkipped}
		r = s.lookup(ctx, req, targets, true, view, progress)
		if r.Outcome == OutcomeRateLimited {
			// Nothing was read again: the answer clicked under stays,
			// with its buttons, and the notice comes beside it.
			return Response{Reply: r, Mode: Private, Audited: AuditRefresh}, true
		}
		return Response{Reply: r, Mode: PrivateReplace, Audited: AuditRefresh}, true
	}
	defer func() { s.auditAs(AuditShare, req, r, start) }()
	if req.NoResponseURL {
		r = notShared(emails)
		return Response{Reply: r, Mode: Private, Audited: AuditShare}, true
	}
	// One post a button, clicker and channel: a double click is two envelopes.
	key, first, held := s.claimShare(ctx, req.ChannelID, req.UserID, value)
	if !first {
		r = sharedAlready(emails, held)
		return Response{Reply: r, Mode: Private, Audited: AuditShare}, true
	}
	// Share posts in the channel: an interim "still looking" there would be
	// noise, so it gets none.
	r = s.lookup(ctx, req, targets, false, View{SharedBy: req.UserID}, nil)
	if r.Outcome != OutcomeOK {
		// A refusal, a rate limit or a failed lookup is the clicker's to
		// see, not the channel's (RenderLookup then says it was not shared).
		s.unclaimShare(key)
		return Response{Reply: r, Mode: Private, Audited: AuditShare}, true
	}
	r.shareKey = key
	return Response{Reply: r, Mode: Public, Audited: AuditShare}, true
}

// sharedAlready answers the second click of a Share (about emails) within
// shareWindow: nothing is posted again. What it says, and its entry, is
// what became of the first (held): only a post Slack confirmed is "shared".
func sharedAlready(emails []string, held shareState) Reply {
	detail, text := "already shared in this channel a moment ago",
		"This answer was shared in this channel a moment ago; it is not posted twice."
	switch held {
	case sharePosting:
		detail = "not posted again: the first click's Share of it was still being posted"
		text = "This answer is being shared in this channel by your click a moment ago; it is not posted twice."
	case shareUnconfirmed:
		detail = "not posted again: the first click's Share of it was sent but not confirmed by Slack, so it may or may not be in the channel"
		text = "Your Share of this answer a moment ago was sent to Slack, but Slack did not confirm it, so the bot cannot tell whether it was shared in this channel. " +
			"It is not posted again now: look in the channel, and share it again in a minute if it is not there."
	case shareElsewhere:
		detail = "not posted again: another replica holds its claim (shared or being shared)"
		text = "This answer was shared in this channel a moment ago, or is being shared; it is not posted twice."
	}
	return Reply{Kind: KindButton, Outcome: OutcomeIgnored, Targets: emails, Detail: detail, Message: RenderNotice(text)}
}

// notShared refuses a Share (about emails) that came without a
// response_url: posted with chat.postEphemeral, it reached the clicker alone
// while the trail said it was shared. Nothing is looked up; the trail says
// it was refused and why.
func notShared(emails []string) Reply {
	return Reply{Kind: KindButton, Outcome: OutcomeRefused, Targets: emails,
		Detail:  "not posted: the click came without a response_url, so only the clicker could have seen it",
		Message: RenderNoticeKind(NoticeRefused, noResponseURLShareText)}
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
	switch {
	case !s.allowed(ctx, req):
		r = Reply{Kind: KindShortcut, Outcome: OutcomeRefused, Message: RenderNoticeKind(NoticeRefused, s.notAllowed(req))}
		if validUserID(authorID) {
			r.People = []Person{{UserID: authorID}}
		}
		s.audit(req, r, start)
	case !validUserID(authorID):
		// No person wrote it (a bot's message has no user), or the payload
		// names no Slack user: nothing to ask users.info about.
		r = Reply{Kind: KindShortcut, Outcome: OutcomeUsage, Message: RenderNoticeKind(NoticeUsage, noAuthorText)}
		s.audit(req, r, start)
	default:
		r = s.lookup(ctx, req, []Target{{UserID: authorID}}, false, View{Buttons: true}, progress)
		s.auditAs(AuditShortcut, req, r, start)
	}
	// Audited: the answer's kind is a lookup's, but an undelivered one is
	// the shortcut's, as its first entry is.
	return Response{Reply: r, Mode: Private, Audited: AuditShortcut}, true
}

// interaction hands a click or a shortcut to the Service and posts its
// answer.
func (b *Bot) interaction(rc runCtx, j job) {
	cb := j.action
	// The clicker's own workspace, user.team_id (in an Enterprise Grid,
	// their organisation's E… ID). The payload's team and enterprise are
	// the app's, whoever clicked (someone of another company in a Slack
	// Connect channel too): they stand in only when the user's is absent.
	team, enterprise := cb.User.TeamID, ""
	if team == "" {
		team, enterprise = cb.Team.ID, cmp.Or(cb.Enterprise.ID, cb.Team.EnterpriseID)
	}
	url := j.responseURL()
	req := Request{UserID: cb.User.ID, ChannelID: cb.Channel.ID, TeamID: team, EnterpriseID: enterprise, NoResponseURL: url == ""}
	var progressed atomic.Bool // progress may run on the Service's timer goroutine
	var progress func(Message)
	if url != "" {
		// A click's response_url replaces the message that holds the
		// button (Refresh): the interim takes its place, as the answer
		// will, rather than staying under it for good. A shortcut's
		// message is someone else's: the interim is a new one.
		interim := Private
		if cb.Type == slack.InteractionTypeBlockActions {
			interim = PrivateReplace
		}
		progress = func(m Message) {
			progressed.Store(true)
			b.post(rc, url, m, interim, time.Time{}, nil)
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
		if resp, ok = b.svc.Shortcut(rc.work, req, cb.CallbackID, cb.Message.User, progress); !ok {
			b.notAnswered(j.id, cb)
		}
	default:
		b.notAnswered(j.id, cb)
	}
	if !ok {
		return
	}
	msg := resp.Message
	restarting := cutByStop(rc, resp.Outcome)
	if restarting {
		msg = RenderNoticeKind(NoticeRestarting, restartingText)
		resp.Mode = Private
	}
	if url != "" {
		mode := resp.Mode
		if mode == Private && progressed.Load() {
			mode = PrivateReplace // in place of the "still looking" notice
		}
		err := b.post(rc, url, msg, mode, j.received, &req)
		if err == nil && !restarting {
			b.svc.Posted(resp.Reply) // a Share's claim now says it was shared
		}
		if err != nil || restarting { // stopping too, as for commands
			b.svc.NotPostedAs(resp.Audited, req, resp.Reply, answerPostErr(err, restarting))
			if mode == Public && errors.Is(err, ErrReplyUnconfirmed) {
				// It may be in the channel, and its claim is kept: the
				// sharer, who may see nothing there, is told why a
				// second click does not post it.
				b.post(rc, url, RenderNotice(shareUnconfirmedText), Private, time.Time{}, &req)
			}
		}
		return
	}
	if err := b.ephemeral(rc, req, msg, j.received); err != nil || restarting {
		b.svc.NotPostedAs(resp.Audited, req, resp.Reply, answerPostErr(err, restarting))
	}
}

// notAnswered logs and counts an interaction the bot has no answer for: a
// global shortcut or a view submission (the app has neither a global
// shortcut nor a modal), or a message shortcut of another callback ID, one
// an admin added in the app's settings. It gets the ack alone, and the
// person sees nothing happen: the line tells the admin why.
func (b *Bot) notAnswered(envelopeID string, cb *slack.InteractionCallback) {
	callback := cb.CallbackID
	if cb.Type == slack.InteractionTypeViewSubmission || cb.Type == slack.InteractionTypeViewClosed {
		callback = cb.View.CallbackID
	}
	b.metrics.Command("interaction", string(OutcomeIgnored))
	b.log.Info("socket mode: an interaction this bot has no answer for; acked only (the app has no global shortcut or modal, "+
		"and its one message shortcut is "+ShortcutAuthor+")",
		"envelope_id", envelopeID, "type", clipRunes(string(cb.Type), 64), "callback_id", clipRunes(callback, 64))
}

// ephemeral answers where Slack gave no response_url (a shortcut used in
// some surfaces), or one that is gone: a message from the bot only the
// asker sees (needs chat:write and the bot in the channel).
func (b *Bot) ephemeral(rc runCtx, req Request, msg Message, received time.Time) error {
	if b.tr.Ephemeral == nil {
		b.log.Error("reply not delivered: no response_url and no chat.postEphemeral")
		b.metrics.replied(time.Since(received), errNoReplyPath)
		return errNoReplyPath
	}
	pctx, cancel := context.WithTimeout(rc.posts, 10*time.Second)
	defer cancel()
	_, err := b.tr.Ephemeral.PostEphemeralContext(pctx, req.ChannelID, req.UserID,
		slack.MsgOptionBlocks(msg.Blocks...), slack.MsgOptionText(msg.Text, false))
	if se := (*SlackError)(nil); errors.As(err, &se) && blocksRefused(se.Code) && len(msg.Blocks) > 0 {
		// As for a response_url: the answer must not vanish for a block
		// Slack refuses; its plain-text fallback says the same.
		b.log.Warn("Slack refused the reply's blocks; sending its text alone", "err", err)
		_, err = b.tr.Ephemeral.PostEphemeralContext(pctx, req.ChannelID, req.UserID, slack.MsgOptionText(msg.Text, false))
	}
	if se := (*SlackError)(nil); errors.As(err, &se) && (se.Code == "not_in_channel" || se.Code == "channel_not_found") && b.tr.Direct != nil {
		// A channel the bot is not in (a private one, a DM between
		// others): the answer goes where only the asker reads it, the
		// direct messages with the app, rather than nowhere.
		b.log.Info("shortcut answered in a direct message: the bot cannot post in its channel", "err", err)
		err = b.tr.Direct.PostMessage(pctx, req.UserID, directAnswer(msg))
	}
	b.metrics.replied(time.Since(received), err)
	if err != nil {
		b.log.Error("reply not delivered", "via", "chat.postEphemeral", "err", err)
	}
	return err
}

var errNoReplyPath = errors.New("no way to reply")

// notInChannelText heads a shortcut's answer sent to the asker's direct
// messages because the bot could not answer in the channel.
const notInChannelText = "I am not in that channel, so I could not answer there: here is the answer, only for you."

// directAnswer is msg headed by why it came as a direct message.
func directAnswer(msg Message) Message {
	blocks := append([]slack.Block{slack.NewContextBlock("not_in_channel", mrkdwn(notInChannelText))}, msg.Blocks...)
	return Message{Text: notInChannelText + "\n" + msg.Text, Blocks: blocks}
}

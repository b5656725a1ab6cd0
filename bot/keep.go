package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/nudge"
	"lastactive/seat"
)

// The action IDs of keep or release.
const (
	ActionNudgeKeep      = "nudge_keep"
	ActionNudgeRelease   = "nudge_release"
	ActionReleaseApprove = "release_approve"
	ActionReleaseKeep    = "release_keep"
	ActionReleaseUndo    = "release_undo"
)

// ReleaseButtonMaxAge is how long keep-or-release buttons stay usable: a
// nudge waits LASTACTIVE_NUDGE_WAIT twice before escalation, and an Undo
// may be wanted weeks later.
const ReleaseButtonMaxAge = 60 * 24 * time.Hour

// ReleaseFlow acts on the keep-or-release buttons (*nudge.Engine). A
// refusal is a *nudge.Refused whose text is shown to the clicker.
type ReleaseFlow interface {
	Answer(ctx context.Context, user, nudgeID string, keep bool) error
	Decide(ctx context.Context, user, requestID string, approve bool) error
	Undo(ctx context.Context, user, releaseID string) error
}

var _ ReleaseFlow = (*nudge.Engine)(nil)

// KeepRelease is the keep-or-release part of the Service: the flow and
// the signer that seals its buttons' values (the IDs they act on).
type KeepRelease struct {
	Flow ReleaseFlow
	Seal *ButtonSigner
	// Records reads what report users' App Home shows of keep or release;
	// nil: App Home does not show it.
	Records KeepReleaseRecords
	// DryRun is LASTACTIVE_NUDGE=dry-run: App Home shows the last dry run.
	DryRun bool
}

// KeepReleaseRecords reads keep or release's records from the store, for
// App Home (*state.Store; wire.NudgeRecords, which follows the store
// through outages).
type KeepReleaseRecords interface {
	// Unanswered is the nudges sent, not answered and not escalated.
	Unanswered(ctx context.Context) ([]state.Nudge, error)
	// PendingRequests is the release requests nobody decided.
	PendingRequests(ctx context.Context) ([]state.ReleaseRequest, error)
	// LastDryRun is the newest dry run's record; state.ErrNotFound when none.
	LastDryRun(ctx context.Context) (state.DryRun, error)
}

var _ KeepReleaseRecords = (*state.Store)(nil)

// releaseClickTimeout bounds one click's work: a release reads, writes and
// reads back a few times.
const releaseClickTimeout = 60 * time.Second

// releaseClick answers a keep-or-release button; ok is false for other
// actions. The flow checks who may click what (the person asked, the
// approvers), not the allow-lists: a nudged person need not be allowed to
// run the command. On success the flow has updated the messages, so there
// is no reply.
func (s *Service) releaseClick(ctx context.Context, req Request, actionID, value string) (Response, bool) {
	switch actionID {
	case ActionNudgeKeep, ActionNudgeRelease, ActionReleaseApprove, ActionReleaseKeep, ActionReleaseUndo:
	default:
		return Response{}, false
	}
	kr := s.cfg.Release
	start := s.cfg.Now()
	// refuse answers a click not acted on, refused or failed: like a
	// refused Share, it goes to the audit trail (who clicked what on whose
	// seat), unless the flow put it there already, with whom it was about.
	// about, when the flow's refusal says it, is whose seat: the entry
	// names them, so that the attempt is in their trail.
	var about nudge.Refused
	refuse := func(o Outcome, kind NoticeKind, text string, audited bool) (Response, bool) {
		r := Reply{Kind: KindButton, Outcome: o, Message: RenderNoticeKind(kind, text), Detail: actionID}
		if about.Email != "" {
			r.Targets = []string{about.Email}
		}
		if about.AccountID != "" {
			r.People = []Person{{Query: about.Email, Account: atlassian.Account{AccountID: about.AccountID}}}
		}
		switch {
		case audited:
			s.cfg.Metrics.Command(string(KindButton), string(o))
		case o == OutcomeFailed:
			// Nothing refused the clicker: it is the answer, decision or
			// undo that failed, under its own kind.
			s.auditAs(clickAction(actionID), req, r, start)
		default:
			s.audit(req, r, start)
		}
		return Response{Reply: r, Mode: Private}, true
	}
	if kr == nil || kr.Flow == nil || kr.Seal == nil {
		return refuse(OutcomeFailed, NoticeNotSetUp, "Keep or release is not set up on this bot.", false)
	}
	id, err := kr.Seal.unseal(value)
	switch {
	case errors.Is(err, ErrStaleButton):
		return refuse(OutcomeStale, NoticeStale, staleReleaseText(actionID), false)
	case err != nil || id == "":
		return refuse(OutcomeForged, NoticeForged, forgedText, false)
	}
	ctx, cancel := context.WithTimeout(ctx, releaseClickTimeout)
	defer cancel()
	switch actionID {
	case ActionNudgeKeep, ActionNudgeRelease:
		err = kr.Flow.Answer(ctx, req.UserID, id, actionID == ActionNudgeKeep)
	case ActionReleaseApprove, ActionReleaseKeep:
		err = kr.Flow.Decide(ctx, req.UserID, id, actionID == ActionReleaseApprove)
	case ActionReleaseUndo:
		err = kr.Flow.Undo(ctx, req.UserID, id)
	}
	var refused *nudge.Refused
	var unsent *nudge.Unsent
	switch {
	case errors.As(err, &refused):
		about = *refused
		return refuse(OutcomeRefused, NoticeRefused, refused.Text, refused.Audited)
	case errors.As(err, &unsent):
		// Done and audited, but Slack refused the result message: the
		// clicker sees it here, with its Undo.
		s.cfg.Metrics.Command(string(KindButton), string(OutcomeOK))
		// Undelivered too, it is the click's action, not a refusal.
		return Response{Reply: Reply{Kind: KindButton, Outcome: OutcomeOK, Message: RenderNote(unsent.Note, kr.Seal.Sign), Detail: actionID},
			Mode: Private, Audited: clickAction(actionID)}, true
	case err != nil:
		s.log.Error("keep or release: click failed", "action", actionID, "user", req.UserID, "err", err)
		return refuse(OutcomeFailed, NoticeUnavailable, "That did not work: the database or Atlassian is unavailable. Try again later.", false)
	}
	s.cfg.Metrics.Command(string(KindButton), string(OutcomeOK))
	return Response{}, false
}

// staleReleaseText refuses a keep-or-release button past
// ReleaseButtonMaxAge. The person nudged can ask an approver; an approver
// told that would be told to ask themselves, so they are sent to where the
// seat can still be changed.
func staleReleaseText(actionID string) string {
	switch actionID {
	case ActionReleaseApprove, ActionReleaseKeep:
		return "This request is too old to decide here: release or keep the seat in Atlassian Administration."
	case ActionReleaseUndo:
		return "This button is too old to undo the release: give the access back in Atlassian Administration if it is needed."
	}
	return "This button is too old; ask an approver."
}

// clickAction is the audit action of a keep-or-release button.
func clickAction(actionID string) AuditAction {
	switch actionID {
	case ActionNudgeKeep, ActionNudgeRelease:
		return AuditAction(state.KindAnswer)
	case ActionReleaseUndo:
		return AuditAction(state.KindUndo)
	}
	return AuditAction(state.KindApproval)
}

// RenderNote renders a keep-or-release message; seal seals button values.
func RenderNote(n nudge.Note, seal func(string) string) Message {
	switch n := n.(type) {
	case nudge.Ask:
		return renderAsk(n, seal)
	case nudge.Approval:
		return renderApproval(n, seal)
	case nudge.Result:
		return renderResult(n, seal)
	}
	return RenderNotice("Nothing to show.")
}

func itemLine(it nudge.Item) string {
	last := "never"
	if !it.LastActive.IsZero() {
		last = dateToken(it.LastActive, time.Time{})
	}
	return fmt.Sprintf("*%s* on %s · last active %s", EscapeMrkdwn(productName(it.Key)), askSite(it), last)
}

// askSite is an item's site as a keep-or-release message shows it: cleaned,
// cut and escaped as replies show sites (siteName), so that 20 items of
// long names keep the message within its budget.
func askSite(it nudge.Item) string {
	return EscapeMrkdwn(sanitize(it.Site, maxSiteRunes))
}

func contactLine(contact string) string {
	var ids []string
	for id := range strings.SplitSeq(contact, ",") {
		if id = strings.TrimSpace(id); validUserID(id) {
			ids = append(ids, "<@"+id+">")
		}
	}
	if len(ids) == 0 {
		return "your Slack admins"
	}
	return strings.Join(ids, ", ")
}

func renderAsk(a nudge.Ask, seal func(string) string) Message {
	intro := "You have not used these for a while. Each seat costs the company every month."
	if a.Reminder {
		intro = "Reminder: you have not answered about these yet. Without an answer the approvers decide."
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(intro+" Do you still need them?"), nil, nil, slack.SectionBlockOptionBlockID("nudge_intro")),
	}
	// open are the products still waiting for an answer, done what the
	// others came to: the message updated with an outcome says it in its
	// text too (notifications and screen readers read the text).
	var open, done []string
	for i, it := range a.Items {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(itemLine(it)), nil, nil, slack.SectionBlockOptionBlockID(fmt.Sprintf("nudge_item_%d", i))))
		// The text is mrkdwn too (Slack shows it in notifications).
		name := EscapeMrkdwn(productName(it.Key)) + " on " + askSite(it)
		id := fmt.Sprintf("nudge_answer_%d", i)
		if line := askOutcome(it); line != "" {
			blocks = append(blocks, slack.NewContextBlock(id, mrkdwn(line)))
			done = append(done, name+": "+line)
			continue
		}
		open = append(open, name)
		keep := slack.NewButtonBlockElement(ActionNudgeKeep, seal(it.NudgeID), plain("Keep"))
		keep.Style = slack.StylePrimary
		rel := slack.NewButtonBlockElement(ActionNudgeRelease, seal(it.NudgeID), plain("Release"))
		blocks = append(blocks, slack.NewActionBlock(id, keep, rel))
	}
	blocks = append(blocks, slack.NewContextBlock("nudge_why", mrkdwn("Release gives the seat back to the company, so it can go to someone who needs it; "+
		contactLine(a.Contact)+" approve releases and can answer questions. You can ask for access again at any time.")))
	return Message{Text: askText(a.Reminder, open, done), Blocks: blocks}
}

// askText is a nudge's plain text: the products still open, then what the
// others came to. It is held to maxTextRunes, as the other fallbacks are
// (lookupFallback): 20 products of long names made some 16,000
// characters; what does not fit is counted instead of named.
func askText(reminder bool, open, done []string) string {
	const ask = "? Answer Keep or Release."
	room := maxTextRunes - 40 // for the counts of those left out
	var b strings.Builder
	n := 0
	write := func(s string) {
		b.WriteString(s)
		n += utf8.RuneCountInString(s)
	}
	if reminder {
		write("Reminder: ")
	}
	if len(open) > 0 {
		write("Do you still need ")
		shown := 0
		for _, name := range open {
			sep := ""
			if shown > 0 {
				sep = ", "
			}
			if n+len(sep)+utf8.RuneCountInString(name)+len(ask) > room {
				break
			}
			write(sep + name)
			shown++
		}
		switch left := len(open) - shown; {
		case left > 0 && shown == 0:
			write(fmt.Sprintf("%d products", left))
		case left > 0:
			write(fmt.Sprintf(" and %d more", left))
		}
		write(ask)
	}
	for i, d := range done {
		sep := " "
		if i == 0 && len(open) == 0 {
			sep = "" // first, or after "Reminder: "
		}
		if n+len(sep)+utf8.RuneCountInString(d) > room {
			write(fmt.Sprintf("%s…and %d more answered.", sep, len(done)-i))
			break
		}
		write(sep + d)
	}
	return b.String()
}

// askOutcome is what a nudge's product line says once it is answered,
// escalated or settled (no buttons then); "" while it waits for an answer.
func askOutcome(it nudge.Item) string {
	switch it.Settled {
	case state.SettledReleased:
		on := ""
		if !it.SettledAt.IsZero() {
			on = " on " + dateToken(it.SettledAt, time.Time{})
		}
		return "Released by an approver" + on + ": the seat is free."
	case state.SettledApproved:
		return "Release approved by an approver: an admin removes the access in Atlassian Administration."
	case state.SettledKept:
		return "An approver kept it."
	case state.SettledUsed:
		return "Kept: you used it again."
	case state.SettledRestored:
		return "Restored by an approver."
	case state.SettledGone:
		return "You no longer have it: nothing to answer."
	case state.SettledOrgAdmin:
		return "You are an org admin now, whose access the bot never changes: nothing to answer."
	case state.SettledSynced:
		return "Your account is managed by your identity provider now: nothing to answer here."
	case state.SettledExpired:
		return "No approver decided in time: you keep it for now, and may be asked again later."
	case state.SettledExempt:
		return "Kept: you are exempt from these questions now."
	case state.SettledNoApprover:
		return "Nobody but you approves releases (LASTACTIVE_APPROVERS), and nobody decides about their own seat: remove it in Atlassian Administration if it should go."
	}
	switch {
	case it.Answer == state.AnswerKeep:
		return "Kept, thank you. Nobody will ask again for 90 days."
	case it.Answer == state.AnswerRelease:
		return "Release requested, thank you: an approver will confirm."
	case it.Escalated:
		return "No answer in time: the approvers decide now."
	}
	return ""
}

// noteWho names the person a release message is about: their display name
// (anyone sets their own in Atlassian) and email cut as replies cut them.
func noteWho(p nudge.Person) string {
	who := EscapeMrkdwn(sanitize(p.Email, maxEmailRunes))
	if n := EscapeMrkdwn(sanitize(p.Name, maxNameRunes)); n != "" {
		who = n + " (" + who + ")"
	}
	return who
}

func renderApproval(a nudge.Approval, seal func(string) string) Message {
	who := noteWho(a.Person)
	why := "No answer after a nudge and a reminder."
	switch {
	case a.Unreachable:
		why = "Their Slack account was deactivated after the nudge: no reminder could reach them."
	case a.Requester != "":
		why = "Requested by <@" + a.Requester + ">."
	}
	lines := []string{"*Release request:* " + who, itemLine(a.Item)}
	// A copy closed by the decision is rebuilt from the request, which
	// does not keep how the access was given: nothing is said of it then.
	var saves string
	if a.HasPrice {
		saves = "Saves " + EscapeMrkdwn(seat.Money(a.MonthlySaving, a.Currency)) + " a month from the next billing cycle"
	}
	if a.Grant != "" || a.DecidedBy == "" {
		// The groups it came by (names set by admins) get the room the
		// other lines leave in the section.
		const given = "Access given: "
		room := maxSectionChars - utf8.RuneCountInString(strings.Join(lines, "\n")+"\n"+given+"\n"+saves+"\n"+why)
		lines = append(lines, given+escapeWithin(orDash(a.Grant), room))
	}
	if saves != "" {
		lines = append(lines, saves)
	}
	lines = append(lines, why)
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(strings.Join(lines, "\n")), nil, nil, slack.SectionBlockOptionBlockID("release_request"))}
	text := "Release request: " + EscapeMrkdwn(seat.ProductName(a.Item.Key)) + " for " + EscapeMrkdwn(a.Person.Email)
	if a.Decision == state.DecisionExpired {
		// Closed by the follow-up, not by an approver: nobody to name.
		const line = "Nobody decided in time: the request expired and the seat stays; a later round may ask again."
		blocks = append(blocks, slack.NewContextBlock("release_decided", mrkdwn(line)))
		text += ": " + line
	} else if a.DecidedBy != "" {
		verb := "kept the seat"
		if a.Decision == "approve" {
			verb = "approved the release"
		}
		blocks = append(blocks, slack.NewContextBlock("release_decided", mrkdwn("<@"+a.DecidedBy+"> "+verb+".")))
		text += ": <@" + a.DecidedBy + "> " + verb + "."
	} else {
		approve := slack.NewButtonBlockElement(ActionReleaseApprove, seal(a.RequestID), plain("Approve"))
		approve.Style = slack.StyleDanger
		approve.Confirm = slack.NewConfirmationBlockObject(plain("Release this seat?"),
			plain(plainLabel(seat.ProductName(a.Item.Key)+" for "+a.Person.Email+" is removed the way it was given; Undo restores it.", 290)),
			plain("Release"), plain("Cancel"))
		keep := slack.NewButtonBlockElement(ActionReleaseKeep, seal(a.RequestID), plain("Keep"))
		blocks = append(blocks, slack.NewActionBlock("release_decide", approve, keep))
	}
	return Message{Text: text, Blocks: blocks}
}

func renderResult(r nudge.Result, seal func(string) string) Message {
	text := fmt.Sprintf("*%s* on %s for %s: ", EscapeMrkdwn(productName(r.Item.Key)), askSite(r.Item), noteWho(r.Person))
	// What the release did names groups (set by admins): it gets the room
	// left in the section.
	text += escapeWithin(r.Text, maxSectionChars-utf8.RuneCountInString(text))
	var els []slack.BlockElement
	if r.AdminURL != "" {
		els = append(els, slack.NewButtonBlockElement(ActionAdmin, "", plain("Open in Admin")).WithURL(r.AdminURL))
	}
	if r.Undo {
		els = append(els, slack.NewButtonBlockElement(ActionReleaseUndo, seal(r.ReleaseID), plain("Undo")))
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID("release_result"))}
	if len(els) > 0 {
		blocks = append(blocks, slack.NewActionBlock("release_result_actions", els...))
	}
	return Message{Text: EscapeMrkdwn(seat.ProductName(r.Item.Key)) + " for " + EscapeMrkdwn(r.Person.Email) + ": " + EscapeMrkdwn(r.Text), Blocks: blocks}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// SlackNotes sends the keep-or-release messages (nudge.Messenger) as direct
// messages from the bot: chat.postMessage to a user ID opens the app's DM
// with them, and chat.update changes a message in place (scope chat:write).
type SlackNotes struct {
	API  *SlackAPI
	Seal *ButtonSigner
}

var _ nudge.Messenger = SlackNotes{}

// Post implements nudge.Messenger. A 5xx is not repeated: the message may
// have been posted, and a person asked twice is worse than once late. An
// answer that says nothing was posted wraps nudge.ErrNotSent.
func (s SlackNotes) Post(ctx context.Context, to string, n nudge.Note) (nudge.Ref, error) {
	m := RenderNote(n, s.Seal.Sign)
	ctx, cancel := context.WithTimeout(ctx, slackPostTimeout)
	defer cancel()
	var ref nudge.Ref
	err := s.API.call(ctx, "chat.postMessage", false, func(ctx context.Context) (err error) {
		ref.Channel, ref.TS, err = s.API.Client.PostMessageContext(ctx, to, slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionText(m.Text, false))
		return err
	})
	if notPosted(err) {
		return ref, fmt.Errorf("%w: %w", nudge.ErrNotSent, err)
	}
	return ref, err
}

// notPosted reports whether Slack's answer says a post was not made: an
// ok:false answer with an error code (but fatal_error and the like, after
// which part of it may have been done) or a 4xx, a 429 included; or there
// was no answer because no connection to Slack was made (neverConnected).
// A timeout, a lost connection, a 5xx or an answer nobody could read leave
// it unknown.
func notPosted(err error) bool {
	if neverConnected(err) {
		return true
	}
	var se *SlackError
	if !errors.As(err, &se) || se.Kind == ErrSlackUnavailable {
		return false
	}
	return se.Code != "" || se.Status >= 400 && se.Status < 500
}

// Update implements nudge.Messenger; an update is idempotent, so a 5xx is retried.
func (s SlackNotes) Update(ctx context.Context, ref nudge.Ref, n nudge.Note) error {
	m := RenderNote(n, s.Seal.Sign)
	ctx, cancel := context.WithTimeout(ctx, slackPostTimeout)
	defer cancel()
	return s.API.call(ctx, "chat.update", true, func(ctx context.Context) error {
		_, _, _, err := s.API.Client.UpdateMessageContext(ctx, ref.Channel, ref.TS, slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionText(m.Text, false))
		return err
	})
}

// SlackPeople finds Slack users by email (nudge.People): a round reads the
// whole workspace with users.list (scope users:read; the emails need
// users:read.email), one person is looked up with users.lookupByEmail.
type SlackPeople struct{ API *SlackAPI }

var (
	_ nudge.People    = SlackPeople{}
	_ nudge.OnePerson = SlackPeople{}
)

// usersListPage is the page size of users.list: Slack recommends at most
// 200 (https://docs.slack.dev/reference/methods/users.list).
const usersListPage = 200

// maxUsersListPages stops a cursor that never ends: 1,000 pages are
// 200,000 members, past any workspace the bot serves.
const maxUsersListPages = 1000

// SlackUsers implements nudge.People: users.list, page by page (cursor,
// 200 a page), each page through the retry policy (a 429 waits out its
// Retry-After and asks for the same page again). Deleted users, bots,
// members invited who never joined (is_invited_user: nobody reads their
// direct messages), members without an email the bot accepts and IDs no
// user has are left out.
func (s SlackPeople) SlackUsers(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	p := s.API.Client.GetUsersPaginated(slack.GetUsersOptionLimit(usersListPage), slack.GetUsersOptionIncludeLocale(false))
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if page > maxUsersListPages {
			return nil, fmt.Errorf("slack users.list: more than %d pages; stopped", maxUsersListPages)
		}
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, slackUsersTimeout)
			defer cancel()
			return s.API.call(ctx, "users.list", true, func(ctx context.Context) error {
				next, err := p.Next(ctx)
				if err == nil {
					p = next
				}
				return err
			})
		}()
		if err != nil {
			return nil, err
		}
		for _, u := range p.Users {
			// Checked as a typed address is, folding ASCII case only: a
			// look-alike (a Kelvin sign for the K) must not take the
			// place of the person it imitates.
			// An ID no Slack user has (a broken or hostile answer) is no
			// one to send a direct message to.
			if email, ok := normaliseEmail(u.Profile.Email); ok && reachable(u) && validUserID(u.ID) {
				out[email] = u.ID
			}
		}
		if p.Cursor == "" {
			return out, nil
		}
		if seen[p.Cursor] {
			return nil, errors.New("slack users.list: a cursor came back twice; stopped")
		}
		seen[p.Cursor] = true
	}
}

// SlackUserByEmail finds one person's Slack user (users.lookupByEmail,
// scope users:read.email); nudge.ErrNoSlackUser when there is none, or only
// a deleted user, a bot or a member invited who never joined.
func (s SlackPeople) SlackUserByEmail(ctx context.Context, email string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, slackUsersTimeout)
	defer cancel()
	var u *slack.User
	err := s.API.call(ctx, "users.lookupByEmail", true, func(ctx context.Context) (err error) {
		u, err = s.API.Client.GetUserByEmailContext(ctx, email)
		return err
	})
	// "users_not_found" per the method's reference; older documentation
	// says "user_not_found". Either means nobody has that email.
	if se := (*SlackError)(nil); errors.As(err, &se) && (se.Code == "users_not_found" || se.Code == "user_not_found") {
		return "", nudge.ErrNoSlackUser
	}
	if err != nil {
		return "", err
	}
	// An ID no Slack user has (a broken or hostile answer) is no one to
	// send a direct message to, as in SlackUsers.
	if !reachable(*u) || !validUserID(u.ID) {
		return "", nudge.ErrNoSlackUser
	}
	return u.ID, nil
}

// SlackUserGone implements nudge.People: users.info of one user, read
// fresh. A deleted user, a bot, a member invited who never joined, or an ID
// Slack does not know (user_not_found) is gone; user_not_visible, or a
// call that fails, says nothing of the account, and is not taken for gone.
func (s SlackPeople) SlackUserGone(ctx context.Context, user string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, slackUsersTimeout)
	defer cancel()
	var u *slack.User
	err := s.API.call(ctx, "users.info", true, func(ctx context.Context) (err error) {
		u, err = s.API.Client.GetUserInfoContext(ctx, user)
		return err
	})
	if se := (*SlackError)(nil); errors.As(err, &se) && se.Code == "user_not_found" {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return !reachable(*u), nil
}

// reachable reports whether u can read a direct message from the bot: not
// deleted, not a bot, and not invited without having joined (such a member
// never answers, and was escalated as silent).
func reachable(u slack.User) bool {
	return !u.Deleted && !u.IsBot && !u.IsInvitedUser
}

// IsReleaseAction reports whether actionID is a keep-or-release button.
func IsReleaseAction(actionID string) bool {
	switch actionID {
	case ActionNudgeKeep, ActionNudgeRelease, ActionReleaseApprove, ActionReleaseKeep, ActionReleaseUndo:
		return true
	}
	return false
}

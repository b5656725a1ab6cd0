package nudge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Refused is a click the engine will not act on, with the words for the
// person who clicked. Callers show Text privately. Audited says the engine
// put the refusal in the audit trail itself; otherwise the caller does.
type Refused struct {
	Text    string
	Audited bool
	// Email and AccountID name whose seat the click was about, when the
	// refusal knows: the caller's audit entry names them, so that the
	// attempt is in that person's trail.
	Email, AccountID string
}

func (r *Refused) Error() string { return r.Text }

func refused(format string, a ...any) error { return &Refused{Text: fmt.Sprintf(format, a...)} }

// refusedAbout is a refusal of a click on the seat of email and accountID
// by someone it was not for (someone else's question, a decision or an
// undo by someone who is no approver): an attempt that belongs in that
// person's trail. A click too late (decided or answered already) by whom
// it was for names nobody: two approvers at once are no attempt.
func refusedAbout(email, accountID, text string) error {
	return &Refused{Text: text, Email: email, AccountID: accountID}
}

// Unsent is what a click did when Slack refused its result message
// (nothing was posted): the release or undo is made and audited, and the
// caller shows Note to the clicker another way (the click's private
// reply), or they would never hear of it, nor get its Undo.
type Unsent struct{ Note Note }

func (u *Unsent) Error() string { return "the result message was not sent (Slack refused it)" }

// Answer records user's Keep (keep) or Release on one nudge. Only the
// person asked may answer; a second answer changes nothing.
func (e *Engine) Answer(ctx context.Context, user, nudgeID string, keep bool) error {
	s, err := e.store()
	if err != nil {
		return err
	}
	n, err := s.GetNudge(ctx, nudgeID)
	if errors.Is(err, state.ErrNotFound) {
		return refused("This question is no longer open.")
	}
	if err != nil {
		return err
	}
	if n.SlackUser != user {
		return refusedAbout(n.Email, n.AccountID, "This question was for someone else.")
	}
	if n.Answer == "" && n.Settled != "" {
		// Settled silently (used again, or the access went another way):
		// a seat no longer held is not sent to the approvers.
		return refused("This question is closed: there is nothing left to answer. Thank you.")
	}
	answer := state.AnswerRelease
	if keep {
		answer = state.AnswerKeep
	}
	now := e.cfg.Now()
	won, err := s.AnswerNudge(ctx, nudgeID, answer, now)
	if err != nil {
		return err
	}
	if won {
		if n.TS == "" || !n.Reminded.IsZero() && n.ReminderTS == "" {
			// Read before its message, or its reminder, was stored
			// (clicked as it arrived): where it went may be known by now,
			// and the reminder's sender looked for answers before this
			// one was stored.
			if m, err := s.GetNudge(ctx, nudgeID); err == nil {
				n = m
			}
		}
		n.Answer, n.Answered = answer, now
		e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindAnswer,
			Outcome: state.OutcomeOK, Detail: answer + ": " + e.seatName(ctx, n.ProductKey, n.Product)})
	} else {
		retry, err := e.unrequested(ctx, s, nudgeID, keep)
		if err != nil {
			return err
		}
		if retry.ID == "" {
			return refused("You have answered already (or the question went to the approvers). Thank you.")
		}
		n = retry
	}
	p := Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser}
	if !keep {
		// The request before the message says "Release requested": a
		// click that fails first leaves the buttons, and clicking Release
		// again makes the request.
		if err := e.request(ctx, s, n, user); err != nil {
			return err
		}
	}
	e.refreshAsk(ctx, s, n, p)
	return nil
}

// unrequested returns nudge id when Release is clicked again on it after
// a click that stored the answer but failed before its request was made
// (a request is made once); the zero Nudge otherwise.
func (e *Engine) unrequested(ctx context.Context, s Store, id string, keep bool) (state.Nudge, error) {
	if keep {
		return state.Nudge{}, nil
	}
	n, err := s.GetNudge(ctx, id)
	if err != nil {
		return state.Nudge{}, err
	}
	if n.Answer != state.AnswerRelease || !n.Escalated.IsZero() || n.Settled != "" {
		// Settled: the click's request found someone a round would not
		// ask (request), and the question is closed, not to be made
		// again by a second click.
		return state.Nudge{}, nil
	}
	reqs, err := s.RequestsAbout(ctx, n.AccountID, n.Product, n.Answered)
	if err != nil || slices.ContainsFunc(reqs, func(q state.ReleaseRequest) bool { return q.NudgeID == n.ID }) {
		return state.Nudge{}, err
	}
	return n, nil
}

// refreshAsk updates the nudge's message with every answer of its round,
// and its reminder, if one went, with every answer of the seats it named:
// a reminder left as sent keeps live-looking buttons.
func (e *Engine) refreshAsk(ctx context.Context, s Store, n state.Nudge, p Person) {
	e.refreshNudge(ctx, s, n, p)
	e.refreshReminder(ctx, s, n, p)
}

// refreshNudge updates the nudge's message with every answer of its round.
func (e *Engine) refreshNudge(ctx context.Context, s Store, n state.Nudge, p Person) {
	if n.TS == "" || e.cfg.Messages == nil {
		return
	}
	all, err := s.NudgesOfRound(ctx, n.Round, n.AccountID)
	if err != nil {
		e.log.Warn("nudge: read round for update", "err", err)
		return
	}
	var items []Item
	for _, m := range all {
		if m.TS != n.TS {
			continue
		}
		items = append(items, e.item(ctx, m))
	}
	if err := e.cfg.Messages.Update(ctx, Ref{Channel: n.Channel, TS: n.TS}, Ask{Person: p, Items: items, Contact: strings.Join(e.cfg.Approvers, ",")}); err != nil {
		e.log.Warn("nudge: update message", "err", err)
	}
}

// refreshReminder updates the nudge's reminder, rebuilt from every nudge it
// named (of one round or several), each with its own state. An update
// Slack refuses is logged: the next change of one of its seats tries again.
func (e *Engine) refreshReminder(ctx context.Context, s Store, n state.Nudge, p Person) {
	if n.ReminderTS == "" || e.cfg.Messages == nil {
		return
	}
	all, err := s.NudgesOfReminder(ctx, n.AccountID, n.ReminderChannel, n.ReminderTS)
	if err != nil {
		e.log.Warn("nudge: read reminder for update", "err", err)
		return
	}
	if len(all) == 0 {
		return
	}
	items := make([]Item, 0, len(all))
	for _, m := range all {
		items = append(items, e.item(ctx, m))
	}
	ask := Ask{Person: p, Items: items, Reminder: true, Contact: strings.Join(e.cfg.Approvers, ",")}
	if err := e.cfg.Messages.Update(ctx, Ref{Channel: n.ReminderChannel, TS: n.ReminderTS}, ask); err != nil {
		e.log.Warn("nudge: update reminder", "err", err)
	}
}

func (e *Engine) item(ctx context.Context, n state.Nudge) Item {
	return Item{NudgeID: n.ID, Key: n.ProductKey, ProductID: n.Product, Site: e.site(ctx, n.Product), LastActive: n.LastActive, Answer: n.Answer,
		Escalated: !n.Escalated.IsZero(), Settled: n.Settled, SettledAt: n.SettledAt}
}

// site names the site of productID as the messages do: its host, or its
// cloud ID and "(unknown site)". The site book reads the workspaces once
// per TTL, shared by every caller, so naming a site costs no call of its
// own.
func (e *Engine) site(ctx context.Context, productID string) string {
	if e.cfg.Sites == nil {
		return seat.SiteLabel(atlassian.Sites{}, productID)
	}
	return seat.SiteLabel(e.cfg.Sites.Sites(ctx), productID)
}

// seatName names a product for the audit trail as the nudge entry does,
// by its key and site ("confluence on acme.atlassian.net"), not by its
// ID, which tells an auditor no site; the site alone when the key is not
// known (its request swept by retention).
func (e *Engine) seatName(ctx context.Context, key, productID string) string {
	if key == "" {
		return e.site(ctx, productID)
	}
	return key + " on " + e.site(ctx, productID)
}

// settleAsk records how nudge id ended for the person asked (a
// state.Settled… value) and updates their nudge message to say it: a
// release decided, dropped or undone is told where they asked for it, with
// no new message. A failure is logged; the outcome stays audited.
func (e *Engine) settleAsk(ctx context.Context, s Store, id, settled string, at time.Time) {
	if id == "" {
		return
	}
	octx := ctx
	ctx, cancel := detached(ctx)
	defer cancel()
	if err := s.SettleNudge(ctx, id, settled, at); err != nil {
		e.log.Warn("nudge: record how a nudge ended", "err", err)
		return
	}
	n, err := s.GetNudge(ctx, id)
	cancel()
	if err != nil {
		e.log.Warn("nudge: read nudge for update", "err", err)
		return
	}
	// Each message within its own bound: a slow update of the nudge
	// message must not leave its reminder as it was.
	p := Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser}
	for _, refresh := range []func(context.Context, Store, state.Nudge, Person){e.refreshNudge, e.refreshReminder} {
		rctx, cancel := detached(octx)
		refresh(rctx, s, n, p)
		cancel()
	}
}

// request makes the release request of nudge n (requester "" for an
// escalation) and sends it to every approver but the requester, once.
func (e *Engine) request(ctx context.Context, s Store, n state.Nudge, requester string) error {
	// Nobody decides their own seat nor their own request (sendCopies): when
	// the person is the only approver, no copy would go anywhere, and the
	// request would wait until it expired while their message said an
	// approver would confirm. Said at once, in the trail and their message.
	if !e.anyApprover(requester, n.SlackUser) {
		e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindSkip,
			Outcome: state.OutcomeRefused, Detail: e.seatName(ctx, n.ProductKey, n.Product) +
				": release not requested: no approver but the person themselves (LASTACTIVE_APPROVERS); remove it in Atlassian Administration if it should go"})
		if err := s.SettleNudge(ctx, n.ID, state.SettledNoApprover, e.cfg.Now()); err != nil {
			return err
		}
		return nil
	}
	// The facts are read again before any message: anyone a round would
	// not ask today (active again, holding the product no longer, gone
	// from the organisation, an org admin or a synced account now, whose
	// release the bot refuses) is dropped with no request, as the
	// follow-ups drop them (settledFor), and the approvers see the last
	// activity and how the access was given.
	u, uerr := e.cfg.Directory.UserAccess(ctx, n.AccountID)
	settled := ""
	switch {
	case atlassian.KindOf(uerr) == atlassian.ErrNotFound:
		settled = state.SettledGone
	case uerr == nil:
		settled = e.settledFor(u, n.Product)
	}
	if settled != "" {
		e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindSkip,
			Outcome: state.OutcomeOK, Detail: e.seatName(ctx, n.ProductKey, n.Product) + ": release not requested: " + settledWhy[settled]})
		// The caller updates the message: it says why, not requested.
		if err := s.SettleNudge(ctx, n.ID, settled, e.cfg.Now()); err != nil {
			e.log.Warn("nudge: record how a nudge ended", "err", err)
		}
		return nil
	}
	req, isNew, err := s.PutRequest(ctx, state.ReleaseRequest{NudgeID: n.ID, AccountID: n.AccountID, Email: n.Email,
		Product: n.Product, ProductKey: n.ProductKey, Requester: requester, Created: e.cfg.Now()})
	if err != nil {
		return err
	}
	if !isNew && req.DecidedBy != "" {
		return nil
	}
	return e.sendCopies(ctx, s, req, n, e.approval(ctx, req, n, u, uerr), nil)
}

// approval is request req of nudge n as the approvers see it, with the
// account u as read (uerr when it could not be).
func (e *Engine) approval(ctx context.Context, req state.ReleaseRequest, n state.Nudge, u atlassian.DirectoryUser, uerr error) Approval {
	a := Approval{RequestID: req.ID, Person: Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser},
		Item: e.item(ctx, n), Requester: req.Requester, Unreachable: unreachable(req, n), Currency: e.cfg.Currency}
	a.MonthlySaving, a.HasPrice = e.cfg.Prices.Of(n.ProductKey)
	if uerr == nil {
		a.Person.Name = u.Name
		if p, ok := product(u, n.Product); ok {
			a.Item.LastActive = seat.LastDay(p)
		}
		a.Grant = e.grant(ctx, u, n.Product)
	} else {
		a.Grant = "unknown: the account could not be read"
	}
	return a
}

// sendCopies sends a to every approver but the requester and the person
// whose seat it is, each once: a copy Slack refused is forgotten, for the
// follow-up to send again. refused is nil at the request; in the follow-up
// that sends copies again (each copy sent is then audited) it holds the
// approvers Slack refused in this run, who are not tried again before the
// next, and gets those refused here.
func (e *Engine) sendCopies(ctx context.Context, s Store, req state.ReleaseRequest, n state.Nudge, a Approval, refused map[string]bool) error {
	resend := refused != nil
	for _, ap := range e.cfg.Approvers {
		if ap == req.Requester || ap == n.SlackUser || refused[ap] {
			continue // nobody decides their own request, nor their own seat
		}
		won, err := s.PutApprovalMessage(ctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap})
		if err != nil {
			return err
		}
		if !won {
			continue
		}
		// Decided while an earlier copy was on its way (clicked as it
		// arrived): this one goes saying who decided, with no buttons.
		if now, err := s.GetRequest(ctx, req.ID); err == nil && now.DecidedBy != "" {
			a.DecidedBy, a.Decision = now.DecidedBy, now.Decision
		}
		ref, err := e.post(ctx, ap, a)
		switch {
		case errors.Is(err, ErrNotSent):
			// Nobody was told: the copy is forgotten, and the follow-up
			// sends it (the request would wait for an approver who never
			// saw it, and keep the person from being asked again).
			fctx, cancel := detached(ctx)
			_, ferr := s.ForgetApprovalMessage(fctx, req.ID, ap)
			cancel()
			detail := fmt.Sprintf("%s: release request not sent to approver %s (%s); sent again at a later follow-up", e.seatName(ctx, req.ProductKey, req.Product), ap, notSentWhy(err))
			if ferr != nil {
				detail = fmt.Sprintf("%s: release request not sent to approver %s (%s), and not sent again either", e.seatName(ctx, req.ProductKey, req.Product), ap, notSentWhy(err))
			}
			if resend {
				refused[ap] = true
			}
			e.log.Warn("nudge: approval copy not sent", "approver", ap, "err", err, "forget_err", ferr)
			e.audit(ctx, s, state.AuditEntry{Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindEscalation,
				Outcome: state.OutcomeFailed, Detail: detail})
			continue
		case err != nil:
			e.log.Warn("nudge: send approval", "approver", ap, "err", err)
			continue
		}
		// Stored even when the click or the run is stopping: the copy
		// went, and a decision must be able to close it. An answer naming
		// a channel or ts no row can hold (a NUL, invalid UTF-8) is not
		// stored: the copy went, and the other approvers get theirs.
		if !state.Storable(ref.Channel, ref.TS) {
			e.log.Warn("nudge: Slack's answer to the approval copy holds a NUL or invalid UTF-8: where it went is not stored, and a decision does not close it", "approver", ap)
		} else {
			sctx, cancel := detached(ctx)
			err = s.SetApprovalMessage(sctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap, Channel: ref.Channel, TS: ref.TS})
			cancel()
			if err != nil {
				return err
			}
		}
		if resend {
			e.audit(ctx, s, state.AuditEntry{Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindEscalation,
				Outcome: state.OutcomeOK, Detail: fmt.Sprintf("%s: release request sent again to approver %s", e.seatName(ctx, req.ProductKey, req.Product), ap)})
		}
		// Decided while this copy was on its way: closeCopies may have
		// missed it (it had no ts yet), so close it here.
		if now, err := s.GetRequest(ctx, req.ID); err == nil && now.DecidedBy != "" {
			closed := a
			closed.DecidedBy, closed.Decision = now.DecidedBy, now.Decision
			if err := e.cfg.Messages.Update(ctx, ref, closed); err != nil {
				e.log.Warn("nudge: update approval copy", "approver", ap, "err", err)
			}
		}
	}
	return nil
}

// grant says how u holds product: directly, by which groups, or why it
// is not known.
func (e *Engine) grant(ctx context.Context, u atlassian.DirectoryUser, productID string) string {
	switch {
	case u.Synced():
		return "managed by an identity provider (synced): change it there"
	case u.OrgAdmin():
		return "org admin: never changed by the bot"
	case !e.cfg.Directory.HasWriteKey():
		return "not read (no ATLASSIAN_ADMIN_WRITE_KEY)"
	}
	f, err := e.cfg.Directory.ReleaseFacts(ctx, u.AccountID, productID, nil)
	if err != nil {
		return "unknown: the role assignments could not be read"
	}
	var ways []string
	for _, a := range f.Assignments {
		if a.ResourceID != productID || !atlassian.IsSeatRole(a.Role) {
			continue
		}
		if a.Has(atlassian.MethodDirect) {
			ways = append(ways, "directly")
		}
		if a.Has(atlassian.MethodInferred) {
			ways = append(ways, "inferred from another role")
		}
	}
	for _, g := range f.Groups {
		w := "by group " + g.Name
		if g.Resources > 1 {
			w += fmt.Sprintf(" (which gives %d products)", g.Resources)
		}
		ways = append(ways, w)
	}
	if len(ways) == 0 {
		return "no seat role found"
	}
	return strings.Join(slices.Compact(ways), ", ")
}

func (e *Engine) isApprover(user string) bool { return slices.Contains(e.cfg.Approvers, user) }

// anyApprover reports whether an approver other than requester and owner
// (the person whose seat it is) can decide a release.
func (e *Engine) anyApprover(requester, owner string) bool {
	return slices.ContainsFunc(e.cfg.Approvers, func(ap string) bool { return ap != requester && ap != owner })
}

// Decide records an approver's decision on a request: the first decision
// closes it for everyone, and approving releases the seat.
func (e *Engine) Decide(ctx context.Context, user, requestID string, approve bool) error {
	if !e.isApprover(user) {
		// Whose seat it was is read if it can be, for the audit entry:
		// the attempt belongs in that person's trail.
		var q state.ReleaseRequest
		if s, err := e.store(); err == nil {
			if got, err := s.GetRequest(ctx, requestID); err == nil {
				q = got
			}
		}
		return refusedAbout(q.Email, q.AccountID, "Only the approvers (LASTACTIVE_APPROVERS) decide releases.")
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	decision := state.DecisionKeep
	if approve {
		decision = state.DecisionApprove
	}
	// Nobody decides about their own seat (an escalation has no requester
	// for the store to refuse): read whose seat it is first. A read that
	// fails stops the decision; only a nudge that is gone (swept by
	// retention) leaves the owner unknown.
	q, err := s.GetRequest(ctx, requestID)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return refused("This request is no longer open.")
	case err != nil:
		return fmt.Errorf("read the release request: %w", err)
	}
	switch owner, err := seatOwner(ctx, s, q.NudgeID); {
	case err != nil:
		return err
	case owner == user:
		e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{q.Email}, AccountIDs: []string{q.AccountID},
			Kind: state.KindApproval, Outcome: state.OutcomeRefused, Detail: "an approver cannot decide about their own seat"})
		return &Refused{Text: "This seat is yours, so another approver decides.", Audited: true}
	}
	req, err := s.Decide(ctx, requestID, user, decision, e.cfg.Now())
	switch {
	case errors.Is(err, state.ErrOwnRequest):
		e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{req.Email}, AccountIDs: []string{req.AccountID},
			Kind: state.KindApproval, Outcome: state.OutcomeRefused, Detail: "the requester cannot decide their own release"})
		return &Refused{Text: "You asked for this release, so another approver decides it.", Audited: true}
	case errors.Is(err, state.ErrDecided) && req.Decision == state.DecisionExpired:
		return refused("This request has expired: " + expiredText + ".")
	case errors.Is(err, state.ErrDecided) && req.DecidedBy == user:
		// A double click is two envelopes: the second is the clicker's
		// own decision come back, not someone else's to look for.
		return refused("You decided this already; nothing more was done.")
	case errors.Is(err, state.ErrDecided):
		return refused("Another approver decided this already: the request above says who.")
	case errors.Is(err, state.ErrNotFound):
		return refused("This request is no longer open.")
	case err != nil:
		return err
	}
	// The decision is stored: it is audited whatever happens next.
	e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{req.Email}, AccountIDs: []string{req.AccountID},
		Kind: state.KindApproval, Outcome: state.OutcomeOK, Detail: decision + ": " + e.seatName(ctx, req.ProductKey, req.Product)})
	rel := state.Release{ID: req.ID, AccountID: req.AccountID, Email: req.Email, Product: req.Product, State: state.ReleaseRunning}
	won := false
	if approve {
		// Claimed at once, before the copies' updates or a stop can cut
		// the click short: a claimed release that is abandoned is settled
		// by the follow-up (settleInterrupted), an approval without one
		// would hang unseen, its Approve refused as decided already.
		sctx, cancel := detached(ctx)
		won, err = s.ClaimRelease(sctx, rel)
		cancel()
		if err != nil {
			return err
		}
	}
	e.closeCopies(ctx, s, req)
	if !approve {
		e.settleAsk(ctx, s, req.NudgeID, state.SettledKept, req.Decided)
	}
	if !won {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err // nothing changed yet: left running, for the follow-up to settle and tell
	}
	return e.release(ctx, s, req, rel, user)
}

// seatOwner is the Slack user asked about the seat of nudge nudgeID, read
// by Decide and Undo, which nobody runs on their own seat; "" when the
// nudge is gone (swept by retention) and the owner is unknown.
func seatOwner(ctx context.Context, s Store, nudgeID string) (string, error) {
	n, err := s.GetNudge(ctx, nudgeID)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read whose seat it is: %w", err)
	}
	return n.SlackUser, nil
}

// closeCopies updates every approver's copy to say who decided.
func (e *Engine) closeCopies(ctx context.Context, s Store, req state.ReleaseRequest) {
	msgs, err := s.ApprovalMessages(ctx, req.ID)
	if err != nil {
		e.log.Warn("nudge: read approval copies", "err", err)
		return
	}
	n := state.Nudge{ID: req.NudgeID, Product: req.Product, ProductKey: req.ProductKey}
	if got, err := s.GetNudge(ctx, req.NudgeID); err == nil {
		n = got
	}
	a := Approval{RequestID: req.ID, Person: Person{AccountID: req.AccountID, Email: req.Email}, Item: e.item(ctx, n),
		Requester: req.Requester, Unreachable: unreachable(req, n), DecidedBy: req.DecidedBy, Decision: req.Decision, Currency: e.cfg.Currency}
	a.MonthlySaving, a.HasPrice = e.cfg.Prices.Of(req.ProductKey)
	for _, m := range msgs {
		if m.TS == "" {
			continue
		}
		if err := e.cfg.Messages.Update(ctx, Ref{Channel: m.Channel, TS: m.TS}, a); err != nil {
			e.log.Warn("nudge: update approval copy", "approver", m.Approver, "err", err)
		}
	}
}

// release removes the access of an approved request, whose release rel
// this call claimed, and tells the approver what happened.
func (e *Engine) release(ctx context.Context, s Store, req state.ReleaseRequest, rel state.Release, by string) error {
	n, _ := s.GetNudge(ctx, req.NudgeID)
	n.ID, n.Product, n.ProductKey = req.NudgeID, req.Product, req.ProductKey
	res := Result{ReleaseID: req.ID, Person: Person{AccountID: req.AccountID, Email: req.Email}, Item: e.item(ctx, n), AdminURL: e.AdminURL(req.AccountID)}
	// settled is how the person's nudge ends, when not as settledBy says.
	settled := ""
	finish := func(st, detail string, o state.Outcome, steps []atlassian.Step) error {
		rel.State, rel.Detail, rel.Done = st, detail, e.cfg.Now()
		rel.Steps = stepsJSON(steps)
		if st == state.ReleaseManual {
			rel.CheckDue = rel.Done.Add(CheckAfter)
		}
		// Saved even when the click's context has ended (a stop abandons
		// a release part-way): what was removed must stay undoable.
		sctx, cancel := detached(ctx)
		defer cancel()
		if err := s.SaveRelease(sctx, rel); err != nil {
			return err
		}
		e.audit(ctx, s, state.AuditEntry{Actor: by, Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindRelease,
			Outcome: o, Detail: fmt.Sprintf("%s: %s: %s", e.seatName(ctx, req.ProductKey, req.Product), st, detail)})
		if settled == "" {
			settled = settledBy[st]
		}
		if settled != "" {
			e.settleAsk(ctx, s, req.NudgeID, settled, rel.Done)
		}
		res.Text = detail
		if _, err := e.post(ctx, by, res); err != nil {
			e.log.Warn("nudge: send release result", "err", err)
			if errors.Is(err, ErrNotSent) {
				return &Unsent{Note: res}
			}
		}
		return nil
	}
	// Read again just before the change: anyone active again keeps it.
	// A seat freed another way meanwhile is free: nothing to change, and
	// nothing for an admin to do (it read as refused, failed or to be
	// removed by hand).
	u, err := e.cfg.Directory.UserAccess(ctx, req.AccountID)
	if atlassian.KindOf(err) == atlassian.ErrNotFound {
		settled = state.SettledGone
		return finish(state.ReleaseDropped, "the person is no longer in the organisation, so nothing was changed: the seat is free", state.OutcomeOK, nil)
	}
	if err != nil {
		return finish(state.ReleaseFailed, "the account could not be read, so nothing was changed", state.OutcomeFailed, nil)
	}
	res.Person.Name = u.Name
	p, holds := product(u, req.Product)
	switch {
	case !holds:
		settled = state.SettledGone
		return finish(state.ReleaseDropped, "the access was already removed another way, so nothing was changed: the seat is free", state.OutcomeOK, nil)
	case u.Status != atlassian.StatusActive:
		settled = state.SettledGone
		return finish(state.ReleaseDropped, "the account is deactivated or suspended and holds no seat, so nothing was changed", state.OutcomeOK, nil)
	}
	if v, _ := seat.VerdictFor(p, e.cfg.Now(), e.cfg.IdleDays); v == seat.VerdictActive {
		return finish(state.ReleaseDropped, "the person used the product again, so it was kept", state.OutcomeOK, nil)
	}
	// An escalation is the bot's doing, not the person's: an exemption made
	// since (on leave, say) means the bot leaves them alone, and the
	// approver's click on the copy already sent must not take the seat.
	// A release the person asked for themselves goes ahead.
	if req.Requester == "" {
		ex, err := s.Exempt(ctx, req.Email, req.ProductKey, e.cfg.Now())
		if err != nil {
			return finish(state.ReleaseFailed, "the exemptions could not be read, so nothing was changed", state.OutcomeFailed, nil)
		}
		if ex {
			settled = state.SettledExempt
			return finish(state.ReleaseDropped, "the person was exempted from these questions after the escalation, so nothing was changed: they keep it", state.OutcomeOK, nil)
		}
	}
	if !e.cfg.Directory.HasWriteKey() {
		return finish(state.ReleaseManual, "no write key is configured: remove the access in Atlassian Administration; the bot checks tomorrow whether it is gone",
			state.OutcomeOK, nil)
	}
	var used []string
	for _, q := range u.Products {
		if q.ID == req.Product {
			continue
		}
		if v, _ := seat.VerdictFor(q, e.cfg.Now(), e.cfg.IdleDays); v == seat.VerdictActive {
			used = append(used, q.ID)
		}
	}
	facts, err := e.cfg.Directory.ReleaseFacts(ctx, req.AccountID, req.Product, used)
	if err != nil {
		return finish(state.ReleaseFailed, "how the access was given could not be read, so nothing was changed", state.OutcomeFailed, nil)
	}
	plan, err := facts.Plan(req.Product)
	if err != nil {
		reason := string(atlassian.ReasonOf(err))
		if reason == "" {
			reason = "the release could not be planned"
		}
		return finish(state.ReleaseRefused, "refused: "+reason+"; change it in Atlassian Administration if it should go", state.OutcomeRefused, nil)
	}
	// One read-back context for every read of this release: after a stop,
	// all of them share readBackTimeout, so that the stop ends in time.
	rctx, cancel := readBackContext(ctx)
	defer cancel()
	done, unread, err := e.applyReadBack(ctx, rctx, plan.Steps)
	e.changed(req.Email, req.AccountID)
	if err != nil {
		detail := "the change failed part-way; Undo restores what was done"
		switch {
		case errors.Is(err, atlassian.ErrWriteUnknown):
			detail = "Atlassian did not confirm the change and it does not read back as made"
			if unread != nil {
				detail = "Atlassian did not confirm the change and it could not be read back"
			}
			if len(done) > 0 {
				detail += ", so the release stopped there (Undo restores what was done)"
			}
			detail += "; check the person in Atlassian Administration"
		case len(done) == 0 && errors.Is(err, atlassian.ErrCredentials):
			detail = "nothing was changed: Atlassian refused ATLASSIAN_ADMIN_WRITE_KEY (it must be an org admin's key without scopes); remove the access in Atlassian Administration"
		case len(done) == 0:
			detail = "nothing was changed: Atlassian refused the change or could not be reached; remove the access in Atlassian Administration"
		}
		res.Undo = len(done) > 0
		return finish(state.ReleaseFailed, detail, state.OutcomeFailed, done)
	}
	// Read even when a stop ended the click's context once the writes
	// were answered: the seat may well be free.
	held, err := e.cfg.Directory.SeatHeld(rctx, req.AccountID, req.Product)
	if err != nil {
		res.Undo = true
		return finish(state.ReleaseFailed, "the change was made but the seat could not be read back; check in Atlassian Administration", state.OutcomeFailed, done)
	}
	if held {
		res.Undo = true
		return finish(state.ReleaseFailed, "the change was made but the seat still reads as taken; check in Atlassian Administration", state.OutcomeFailed, done)
	}
	res.Undo = true
	return finish(state.ReleaseDone, "released: "+describe(done)+"; read back, the seat is free", state.OutcomeOK, done)
}

// applyReadBack makes steps in order as Directory.Apply does, and reads
// back a step whose answer was lost (ErrWriteUnknown): the write may have
// been made. It reads that step (not the seat, which a later step may
// still hold), never sends it again, and reads even when the answer was
// lost to a stop (the click's context has ended), on rctx (readBackContext
// of ctx). Made, it is done, and must be undoable: the next steps follow.
// Not made, or unread (unread is the read's error), it stops there with
// ErrWriteUnknown.
func (e *Engine) applyReadBack(ctx, rctx context.Context, steps []atlassian.Step) (done []atlassian.Step, unread, err error) {
	done, err = e.cfg.Directory.Apply(ctx, steps...)
	for errors.Is(err, atlassian.ErrWriteUnknown) && len(done) < len(steps) {
		step := steps[len(done)]
		made, rerr := e.cfg.Directory.StepMade(rctx, step)
		if rerr != nil || !made {
			return done, rerr, err
		}
		done, err = append(done, step), nil
		if len(done) == len(steps) {
			break
		}
		if cerr := ctx.Err(); cerr != nil {
			return done, nil, fmt.Errorf("%s: %w", steps[len(done)], cerr)
		}
		var more []atlassian.Step
		more, err = e.cfg.Directory.Apply(ctx, steps[len(done):]...)
		done = append(done, more...)
	}
	return done, nil, err
}

// settledBy is what a release's state tells the person whose seat it was;
// a release refused or failed is left as requested (an admin looks).
var settledBy = map[string]string{
	state.ReleaseDone: state.SettledReleased, state.ReleaseDropped: state.SettledUsed, state.ReleaseManual: state.SettledApproved,
}

func describe(steps []atlassian.Step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		switch s.Kind {
		case atlassian.StepRevokeRole:
			parts[i] = "direct role revoked"
		case atlassian.StepRemoveMembership:
			parts[i] = "removed from group " + s.GroupName
			switch {
			case s.AlsoRemoves == 1:
				parts[i] += " (with the 1 other product it gave, unused; Undo restores it)"
			case s.AlsoRemoves > 1:
				parts[i] += fmt.Sprintf(" (with the %d other products it gave, unused; Undo restores them)", s.AlsoRemoves)
			case s.AlsoRemoves < 0:
				parts[i] += " (with any other product it gave, unused; Undo restores them)"
			}
		case atlassian.StepAssignRole:
			parts[i] = "direct role assigned again"
		case atlassian.StepAddMembership:
			parts[i] = "added to group " + s.GroupName + " again"
		default:
			parts[i] = s.String()
		}
	}
	return strings.Join(parts, ", ")
}

// Undo restores exactly what a release removed, once.
func (e *Engine) Undo(ctx context.Context, user, releaseID string) error {
	if !e.isApprover(user) {
		// Whose seat it was, for the audit entry, as Decide reads it.
		var rel state.Release
		if s, err := e.store(); err == nil {
			if got, err := s.GetRelease(ctx, releaseID); err == nil {
				rel = got
			}
		}
		return refusedAbout(rel.Email, rel.AccountID, "Only the approvers (LASTACTIVE_APPROVERS) undo releases.")
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	rel, err := s.GetRelease(ctx, releaseID)
	if errors.Is(err, state.ErrNotFound) {
		// Undo is offered only with a release record: one not found was
		// deleted by the retention sweep, with what it removed.
		return refused("This release is no longer on record (older than the retention), so Undo cannot restore it: give the access back in Atlassian Administration if it is needed.")
	}
	if err != nil {
		return err
	}
	// Nobody restores their own released seat: it is the Keep Decide
	// refuses them. Whose seat it is comes from the nudge, as in Decide;
	// a read that fails stops the Undo, and only a nudge that is gone
	// (swept by retention) leaves the owner unknown.
	q, err := s.GetRequest(ctx, releaseID)
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("read the release request: %w", err)
	}
	if err == nil {
		switch owner, err := seatOwner(ctx, s, q.NudgeID); {
		case err != nil:
			return err
		case owner == user:
			e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{rel.Email}, AccountIDs: []string{rel.AccountID},
				Kind: state.KindUndo, Outcome: state.OutcomeRefused, Detail: "an approver cannot undo the release of their own seat"})
			return &Refused{Text: "This seat is yours, so another approver decides whether to undo its release.", Audited: true}
		}
	}
	now := e.cfg.Now()
	won, err := s.ClaimUndo(ctx, releaseID, now)
	if err != nil {
		return err
	}
	if !won {
		return refused("This release was undone already, or there is nothing to undo.")
	}
	// Read again once claimed: another Undo that failed part-way may have
	// saved what is left to restore since the read above, and what it
	// restored must not be sent again.
	if rel, err = s.GetRelease(ctx, releaseID); err != nil {
		return e.unclaimUndo(ctx, s, releaseID, now, err)
	}
	var done []atlassian.Step
	if err := json.Unmarshal([]byte(rel.Steps), &done); err != nil {
		return e.unclaimUndo(ctx, s, releaseID, now, fmt.Errorf("nudge: undo %s: stored steps: %w", releaseID, err))
	}
	req, _ := s.GetRequest(ctx, releaseID)
	n, _ := s.GetNudge(ctx, req.NudgeID)
	n.Product, n.ProductKey = rel.Product, req.ProductKey
	res := Result{ReleaseID: releaseID, Person: Person{AccountID: rel.AccountID, Email: rel.Email}, Item: e.item(ctx, n), AdminURL: e.AdminURL(rel.AccountID)}
	// A write whose answer was lost is read back, as in the release: one
	// that was made is restored, not sent again by another Undo.
	rctx, cancel := readBackContext(ctx)
	restored, _, err := e.applyReadBack(ctx, rctx, atlassian.Undo(done))
	cancel()
	e.changed(rel.Email, rel.AccountID)
	if err != nil {
		// Keep what is left to restore, for another try.
		left := done[:len(done)-len(restored)]
		rel.Steps, rel.Undone = stepsJSON(left), time.Time{}
		sctx, cancel := detached(ctx)
		defer cancel()
		if serr := s.SaveRelease(sctx, rel); serr != nil {
			return serr
		}
		res.Text, res.Undo = "the undo failed: "+explain(err), true
		e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{rel.Email}, AccountIDs: []string{rel.AccountID}, Kind: state.KindUndo,
			Outcome: state.OutcomeFailed, Detail: e.seatName(ctx, req.ProductKey, rel.Product) + ": " + explain(err)})
	} else {
		res.Text = "restored: " + describe(restored)
		e.audit(ctx, s, state.AuditEntry{Actor: user, Emails: []string{rel.Email}, AccountIDs: []string{rel.AccountID}, Kind: state.KindUndo,
			Outcome: state.OutcomeOK, Detail: e.seatName(ctx, req.ProductKey, rel.Product) + ": " + res.Text})
		e.settleAsk(ctx, s, req.NudgeID, state.SettledRestored, now)
	}
	if _, err := e.post(ctx, user, res); err != nil {
		e.log.Warn("nudge: send undo result", "err", err)
		if errors.Is(err, ErrNotSent) {
			return &Unsent{Note: res}
		}
	}
	return nil
}

// unclaimUndo gives back the undo claim of an Undo that failed before it
// restored anything, and returns err: kept, the claim would tell every
// later Undo "undone already" while the seat stays released.
func (e *Engine) unclaimUndo(ctx context.Context, s Store, releaseID string, at time.Time, err error) error {
	sctx, cancel := detached(ctx)
	defer cancel()
	if uerr := s.UnclaimUndo(sctx, releaseID, at); uerr != nil {
		e.log.Error("nudge: undo claim not given back: later Undos are refused as done", "release", releaseID, "err", uerr)
	}
	return err
}

// changed tells Config.Changed of a person whose access a release or an
// undo may have changed.
func (e *Engine) changed(email, accountID string) {
	if e.cfg.Changed != nil {
		e.cfg.Changed(email, accountID)
	}
}

// saveTimeout bounds a record saved after the flow's context ended.
const saveTimeout = time.Second

// readBackTimeout bounds reading back a release's writes (answered, or
// whose answer was lost) once the flow's context has ended: every read of
// one release or undo together. A click is abandoned 6 s into a stop and
// the bot leaves what still runs 1.5 s later (bot.BotConfig): 1 s lets a
// release read back, then save what it removed (for Undo) before that.
const readBackTimeout = time.Second

// readBackContext is the context of a release's read-back: the flow's own
// deadline while the flow lives (an Admin API waiting out a 429 may take
// seconds), and readBackTimeout more once a stop or that deadline ends it,
// since what the writes removed must be proved to be undoable.
func readBackContext(ctx context.Context) (context.Context, context.CancelFunc) {
	var rctx context.Context
	var cancel context.CancelFunc
	if dl, ok := ctx.Deadline(); ok {
		// A write's answer lost to the flow's own deadline is read back
		// too: readBackTimeout past it.
		rctx, cancel = context.WithDeadline(context.WithoutCancel(ctx), dl.Add(readBackTimeout))
	} else {
		rctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			time.AfterFunc(readBackTimeout, cancel)
		}
	})
	return rctx, func() { stop(); cancel() }
}

// detached is ctx without its end, bounded by saveTimeout: for the record
// of a change already made, which a stop must not lose, nor wait on long.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
}

func explain(err error) string {
	switch {
	case errors.Is(err, atlassian.ErrSeatLimit):
		return "the product's seat limit is full (someone took the freed seat): free a seat or raise the limit, then Undo again"
	case errors.Is(err, atlassian.ErrWriteUnknown):
		return "Atlassian did not confirm the change; check the person in Atlassian Administration"
	}
	return "Atlassian refused or was unavailable; try again later"
}

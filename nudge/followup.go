package nudge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// FollowUp does what silence and time ask for: one reminder Config.Wait
// after a nudge nobody answered, an escalation to the approvers (as a
// release request) Config.Wait after the reminder, and the check a day
// after a release an admin was to make by hand. The round loop calls it at
// each slot; every step is recorded once, so replicas and repeats are safe.
func (e *Engine) FollowUp(ctx context.Context) error {
	s, err := e.store()
	if err != nil {
		return err
	}
	if e.cfg.Messages == nil {
		return nil
	}
	now := e.cfg.Now()
	open, err := s.Unanswered(ctx)
	if err != nil {
		return err
	}
	// Reminders are gathered per person (someone asked about several seats
	// in one message gets one reminder naming them all), then sent, also
	// when the loop stops early: each gathered seat is marked reminded.
	reminders, err := e.remindersAndEscalations(ctx, s, open, now)
	sctx := ctx
	if ctx.Err() != nil {
		// Stopping: the seats gathered are marked reminded; send within
		// a bound rather than not at all.
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), remindersGrace)
		defer cancel()
	}
	for _, r := range reminders {
		ref, perr := e.post(sctx, r.person.SlackUser, Ask{Person: r.person, Items: r.items, Reminder: true,
			Contact: strings.Join(e.cfg.Approvers, ",")})
		if perr == nil {
			e.remember(sctx, s, r, ref)
		}
		if errors.Is(perr, ErrNotSent) && e.slackGone(sctx, r.person) {
			// Their Slack account is gone: the reminder would be refused
			// at every follow-up for a month, then escalated as silence.
			if gerr := e.escalateUnreachable(sctx, s, r, now); gerr != nil {
				e.log.Warn("nudge: escalate the seats of someone whose Slack account is gone", "account", r.person.AccountID, "err", gerr)
			}
			continue
		}
		o, note := state.OutcomeOK, ""
		switch {
		case errors.Is(perr, ErrNotSent) && now.Sub(r.nudges[0].Asked) < AskedWindow:
			// Nobody received it: sent again at the next follow-up, and
			// no escalation counts from it. Not for ever: a month after
			// the nudge, the approvers have the seat.
			o, note = state.OutcomeFailed, "; not sent (Slack refused it), sent again at the next follow-up"
			if kept := e.unmarkReminded(ctx, s, r.nudges, now); kept > 0 {
				note = "; not sent (Slack refused it), yet counted as sent"
			}
			e.log.Warn("nudge: reminder not sent"+note, "account", r.person.AccountID, "err", perr)
		case perr != nil:
			o = state.OutcomeFailed
			e.log.Warn("nudge: send reminder failed; counted as sent, the escalation follows", "account", r.person.AccountID, "err", perr)
		}
		for _, n := range r.nudges {
			e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindReminder,
				Outcome: o, Detail: fmt.Sprintf("%s: no answer since %s%s", e.seatName(ctx, n.ProductKey, n.Product), n.Asked.UTC().Format("2006-01-02"), note)})
		}
	}
	if err != nil {
		return err
	}
	if err := e.requestEscalated(ctx, s, now); err != nil {
		return err
	}
	if err := e.expireRequests(ctx, s, now); err != nil {
		return err
	}
	if err := e.resendCopies(ctx, s, now); err != nil {
		return err
	}
	if err := e.settleInterrupted(ctx, s, now); err != nil {
		return err
	}
	if err := e.auditStopped(ctx, s, now); err != nil {
		return err
	}
	return e.checkManual(ctx, s)
}

// RequestExpiry is how long a release request waits for an approver's
// decision: past it, the follow-up closes it (DecisionExpired), and the
// seat stays with the person until a later round asks again.
const RequestExpiry = 60 * 24 * time.Hour

// maxExpiries bounds the requests one follow-up closes (each updates every
// approver's copy); the rest are closed by the next.
const maxExpiries = 50

// expiredText is what an expired request says, in the trail and to a late
// Approve or Keep.
const expiredText = "nobody decided within 60 days, so the request was closed and the seat kept for now; a later round may ask again"

// expireRequests closes the requests nobody decided within RequestExpiry,
// once across replicas: each approver's copy says so in place (no buttons
// left), the person's nudge says they keep the seat for now, and the trail
// has an entry. Left open, a request kept its buttons live, its seat
// listed as waiting, and its person never asked again.
func (e *Engine) expireRequests(ctx context.Context, s Store, now time.Time) error {
	old, err := s.UndecidedBefore(ctx, now.Add(-RequestExpiry), maxExpiries)
	if err != nil {
		return err
	}
	for _, req := range old {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		won, err := s.ExpireRequest(ctx, req.ID, now)
		if err != nil {
			return err
		}
		if !won {
			continue // decided meanwhile, or closed by another replica
		}
		req.DecidedBy, req.Decision, req.Decided = state.ExpiredBy, state.DecisionExpired, now
		e.audit(ctx, s, state.AuditEntry{Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindApproval,
			Outcome: state.OutcomeOK, Detail: fmt.Sprintf("%s: %s: %s", state.DecisionExpired, e.seatName(ctx, req.ProductKey, req.Product), expiredText)})
		e.closeCopies(ctx, s, req)
		e.settleAsk(ctx, s, req.NudgeID, state.SettledExpired, now)
	}
	return nil
}

// interruptedAfter is how long after its approval a release still marked
// running is taken for one whose process died (a release takes seconds).
const interruptedAfter = time.Hour

// interruptedText is what an interrupted release says: what it did is not
// known, so there is nothing to undo, and an admin must look.
const interruptedText = "interrupted: the bot stopped while making this release, so what it changed is not known; check the person in Atlassian Administration"

// settleInterrupted settles the releases whose process died between their
// claim and their record: the request reads as decided and Undo has nothing
// to restore, so without this nobody would ever hear of them. Each is
// marked failed, audited, and its approver told, once across replicas.
func (e *Engine) settleInterrupted(ctx context.Context, s Store, now time.Time) error {
	before := now.Add(-interruptedAfter)
	// Approvals whose release was never claimed: nothing was changed.
	orphans, err := s.ApprovedUnclaimed(ctx, before)
	if err != nil {
		return err
	}
	for _, req := range orphans {
		// Claimed settled, never running: another replica's follow-up
		// in between would take a running one for interrupted part-way.
		rel := state.Release{ID: req.ID, AccountID: req.AccountID, Email: req.Email, Product: req.Product,
			State: state.ReleaseFailed, Detail: notMadeText, Done: now}
		won, err := s.ClaimRelease(ctx, rel)
		if err != nil {
			return err
		}
		if won {
			e.tell(ctx, s, rel, notMadeText)
		}
	}
	stale, err := s.InterruptedReleases(ctx, before)
	if err != nil {
		return err
	}
	for _, rel := range stale {
		if err := e.settle(ctx, s, rel, interruptedText, now); err != nil {
			return err
		}
	}
	return nil
}

// auditStopped writes the entries of the nudges whose round stopped before
// writing them: a process killed (SIGKILL, the OOM killer, a node lost)
// while Slack took the message, or whose database failed at that moment.
// The person may have the message, and every later round skips them as
// asked. A live round writes its entry within seconds of storing a nudge,
// so only nudges older than a round's claim are taken; each is claimed
// (marked audited) before its entry, so that replicas write it once, and
// one entry names the seats of one message.
func (e *Engine) auditStopped(ctx context.Context, s Store, now time.Time) error {
	stale, err := s.UnauditedNudges(ctx, now.Add(-RoundClaimTTL))
	if err != nil {
		return err
	}
	type message struct {
		n     state.Nudge
		items []Item
	}
	var order []*message
	byMessage := map[string]*message{}
	// The nudges claimed already get their entries also when the loop
	// stops early (a stop, a mark failing): nobody else would write them.
	for _, n := range stale {
		if err = ctx.Err(); err != nil {
			break
		}
		var won bool
		if won, err = s.MarkNudgeAudited(ctx, n.ID); err != nil {
			break
		}
		if !won {
			continue
		}
		key := n.Round + "\x00" + n.AccountID + "\x00" + n.TS
		m := byMessage[key]
		if m == nil {
			m = &message{n: n}
			byMessage[key] = m
			order = append(order, m)
		}
		m.items = append(m.items, e.item(ctx, n))
	}
	for _, m := range order {
		o, why := state.OutcomeFailed, "the process that asked stopped before Slack answered; the message may have arrived"
		if m.n.TS != "" {
			o, why = state.OutcomeOK, "recorded late: the process that asked stopped before its entry"
		}
		e.audit(ctx, s, state.AuditEntry{Emails: []string{m.n.Email}, AccountIDs: []string{m.n.AccountID}, Kind: state.KindNudge,
			Outcome: o, Detail: m.n.Round + " asked about " + itemList(m.items) + " (" + why + ")"})
	}
	return err
}

// notMadeText is what an approval whose release was never started says.
const notMadeText = "not made: the bot's database failed (or the bot stopped) right after the approval, before the release started; nothing was changed. Release it in Atlassian Administration if it is still wanted"

// settle marks a running release failed with text, once across replicas,
// audits it and tells its approver.
func (e *Engine) settle(ctx context.Context, s Store, rel state.Release, text string, now time.Time) error {
	won, err := s.SettleRunning(ctx, rel.ID, state.ReleaseFailed, text, now)
	if err != nil || !won {
		return err
	}
	e.tell(ctx, s, rel, text)
	return nil
}

// tell audits a release settled as failed with text, and tells its
// approver.
func (e *Engine) tell(ctx context.Context, s Store, rel state.Release, text string) {
	req, _ := s.GetRequest(ctx, rel.ID)
	e.audit(ctx, s, state.AuditEntry{Actor: req.DecidedBy, Emails: []string{rel.Email}, AccountIDs: []string{rel.AccountID},
		Kind: state.KindRelease, Outcome: state.OutcomeFailed, Detail: e.seatName(ctx, req.ProductKey, rel.Product) + ": " + text})
	if req.DecidedBy == "" {
		return
	}
	n, _ := s.GetNudge(ctx, req.NudgeID)
	n.Product, n.ProductKey = rel.Product, req.ProductKey
	res := Result{ReleaseID: rel.ID, Person: Person{AccountID: rel.AccountID, Email: rel.Email}, Item: e.item(ctx, n),
		AdminURL: e.AdminURL(rel.AccountID), Text: text}
	if _, err := e.post(ctx, req.DecidedBy, res); err != nil {
		e.log.Warn("nudge: send interrupted release", "err", err)
	}
}

// requestEscalated makes the release requests of escalations whose request
// failed (a database error, a stop between marking and requesting): the
// escalation was audited as sent to the approvers, so it must reach them.
// Escalations older than escalationRetry are let go; those whose person is
// active again (or who hold it no longer) are settled silently, as the
// reminder and the escalation settle them, and not read again.
func (e *Engine) requestEscalated(ctx context.Context, s Store, now time.Time) error {
	lost, err := s.EscalatedUnrequested(ctx, now.Add(-escalationRetry))
	if err != nil {
		return err
	}
	for _, n := range lost {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ex, err := e.exempt(ctx, s, n, now); err != nil {
			return err
		} else if ex {
			continue
		}
		if settled := e.usedAgain(ctx, n); settled != "" {
			e.settleAsk(ctx, s, n.ID, settled, now)
			continue
		}
		if err := e.request(ctx, s, n, ""); err != nil {
			return err
		}
	}
	return nil
}

// exempt reports whether n's person is exempt from nudges about n's
// product now: an exemption made after the nudge holds its reminder and
// its escalation back too.
func (e *Engine) exempt(ctx context.Context, s Store, n state.Nudge, now time.Time) (bool, error) {
	ex, err := s.Exempt(ctx, n.Email, n.ProductKey, now)
	if err != nil {
		return false, fmt.Errorf("nudge follow-up: read exemptions: %w", err)
	}
	return ex, nil
}

// escalationRetry is how long an escalation whose request failed is tried
// again, at each follow-up.
const escalationRetry = 30 * 24 * time.Hour

// maxResends bounds the release requests whose missing copies one
// follow-up sends: an approver Slack keeps refusing (they left, a 429
// burst) is tried once a run, never in a storm, and does not hold back
// the copies of the approvers Slack takes.
const maxResends = 20

// copyGivenUp is what a copy not sent within escalationRetry says.
const copyGivenUp = "release request not sent to approver %s within 30 days; no longer tried (App Home lists the request as waiting)"

// resendCopies sends the copies of undecided requests that a current
// approver has none of: one Slack refused, or an approver added to
// LASTACTIVE_APPROVERS since. A request older than escalationRetry is let
// go: its missing copies are stored unsent, so it is audited once and not
// tried again. An approver Slack refuses is left out of the rest of the
// run, and the requests are read again without them: the oldest requests
// missing only their copies would otherwise take every run's share.
func (e *Engine) resendCopies(ctx context.Context, s Store, now time.Time) error {
	refused := map[string]bool{}
	for budget := maxResends; budget > 0; {
		var approvers []string
		for _, ap := range e.cfg.Approvers {
			if !refused[ap] {
				approvers = append(approvers, ap)
			}
		}
		reqs, err := s.RequestsMissingCopies(ctx, approvers, budget)
		if err != nil {
			return err
		}
		before := len(refused)
		for _, req := range reqs {
			if err := e.resendRequest(ctx, s, req, now, refused); err != nil {
				return err
			}
			budget--
			if len(refused) > before {
				break // read again without the approver refused
			}
		}
		if len(refused) == before {
			return nil // all sent, or the run's share is
		}
	}
	return nil
}

// resendRequest sends req's missing copies, or lets them go once req is
// older than escalationRetry.
func (e *Engine) resendRequest(ctx context.Context, s Store, req state.ReleaseRequest, now time.Time, refused map[string]bool) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	n, err := s.GetNudge(ctx, req.NudgeID)
	switch {
	case errors.Is(err, state.ErrNotFound):
		n = state.Nudge{ID: req.NudgeID, AccountID: req.AccountID, Email: req.Email, Product: req.Product, ProductKey: req.ProductKey}
	case err != nil:
		return err
	}
	if now.Sub(req.Created) >= escalationRetry {
		for _, ap := range e.cfg.Approvers {
			if ap == req.Requester || ap == n.SlackUser {
				continue
			}
			won, err := s.PutApprovalMessage(ctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap})
			if err != nil {
				return err
			}
			if won {
				e.log.Warn("nudge: approval copy given up", "request", req.ID, "approver", ap)
				e.audit(ctx, s, state.AuditEntry{Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindEscalation,
					Outcome: state.OutcomeFailed, Detail: fmt.Sprintf("%s: "+copyGivenUp, e.seatName(ctx, req.ProductKey, req.Product), ap)})
			}
		}
		return nil
	}
	u, uerr := e.cfg.Directory.UserAccess(ctx, req.AccountID)
	// Read again before the message, as at the request: someone a round
	// would not ask today (active again, no longer holding the seat, gone
	// from the organisation) is dropped silently, the copies still missing
	// are not sent.
	if settled := e.settledRead(u, uerr, req.Product); settled != "" {
		return e.dropCopies(ctx, s, req, n, settled, now)
	}
	return e.sendCopies(ctx, s, req, n, e.approval(ctx, req, n, u, uerr), refused)
}

// dropCopies lets go the missing copies of req, whose person used the
// product again or holds it no longer (settled), so that no follow-up
// sends them; it audits that once and tells the person in their nudge.
// An approver who has a copy may still decide it (a release reads the
// account again and keeps a seat in use).
func (e *Engine) dropCopies(ctx context.Context, s Store, req state.ReleaseRequest, n state.Nudge, settled string, now time.Time) error {
	dropped := false
	for _, ap := range e.cfg.Approvers {
		if ap == req.Requester || ap == n.SlackUser {
			continue
		}
		won, err := s.PutApprovalMessage(ctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap})
		if err != nil {
			return err
		}
		dropped = dropped || won
	}
	if !dropped {
		return nil
	}
	why := settledWhy[settled]
	e.audit(ctx, s, state.AuditEntry{Emails: []string{req.Email}, AccountIDs: []string{req.AccountID}, Kind: state.KindSkip,
		Outcome: state.OutcomeOK, Detail: e.seatName(ctx, req.ProductKey, req.Product) + ": release request not sent again: " + why})
	e.settleAsk(ctx, s, n.ID, settled, now)
	return nil
}

// remindersGrace bounds sending the reminders already marked when the
// process is stopping (the rest of the stop waits for it).
const remindersGrace = 3 * time.Second

// remindersAndEscalations walks the unanswered nudges: it escalates those
// reminded a wait ago, and marks and gathers per person those due a
// reminder. On an error (or a stop) it returns what it gathered so far.
func (e *Engine) remindersAndEscalations(ctx context.Context, s Store, open []state.Nudge, now time.Time) ([]*reminder, error) {
	var reminders []*reminder
	byPerson := map[string]*reminder{}
	// The messages (nudges and reminders) of the nudges escalated or
	// dropped, each updated once at the end: their buttons give way to
	// saying the approvers decide now, or that the seat is used again.
	changed, changedReminders := map[string]state.Nudge{}, map[string]state.Nudge{}
	defer func() {
		for _, n := range changed {
			e.refreshNudge(ctx, s, n, Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser})
		}
		for _, n := range changedReminders {
			e.refreshReminder(ctx, s, n, Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser})
		}
	}()
	refresh := func(n state.Nudge) {
		if n.TS != "" { // a nudge with no stored place has only its reminder
			changed[n.Channel+"\x00"+n.TS] = n
		}
		if n.ReminderTS != "" {
			changedReminders[n.ReminderChannel+"\x00"+n.ReminderTS] = n
		}
	}
	// drop settles a nudge whose person a round would not ask today (used
	// the product again, holds it no longer, an org admin or synced
	// account now), silently: no new message (the nudge and its reminder
	// say it in place), and no follow-up reads their account for it again (it would stay unanswered for good, read again
	// at every follow-up, ahead of the nudges still waiting).
	drop := func(n state.Nudge, settled string) error {
		if err := s.SettleNudge(ctx, n.ID, settled, now); err != nil {
			return err
		}
		refresh(n)
		// The trail says why the person heard no more, and the approvers
		// nothing.
		e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindSkip,
			Outcome: state.OutcomeOK, Detail: fmt.Sprintf("%s: not followed up: %s", e.seatName(ctx, n.ProductKey, n.Product), settledWhy[settled])})
		return nil
	}
	for _, n := range open {
		if ctx.Err() != nil {
			return reminders, ctx.Err()
		}
		switch {
		case n.Reminded.IsZero() && n.TS == "" && now.Sub(n.Asked) < RoundClaimTTL:
			// No message place stored: a round that may still be
			// posting it is left alone (its reminder would come first).
		case n.Reminded.IsZero() && now.Sub(n.Asked) >= e.cfg.Wait:
			if ex, err := e.exempt(ctx, s, n, now); err != nil {
				return reminders, err
			} else if ex {
				continue // silently: it waits for the exemption's end
			}
			if settled := e.usedAgain(ctx, n); settled != "" {
				if err := drop(n, settled); err != nil {
					return reminders, err
				}
				continue // silently: nothing to remind of
			}
			won, err := s.MarkReminded(ctx, n.ID, now)
			if err != nil {
				return reminders, err
			}
			if !won {
				continue
			}
			key := n.SlackUser + "\x00" + n.AccountID
			r := byPerson[key]
			if r == nil || len(r.items) == MaxAskItems {
				// One message per person, but no more products than one
				// message holds (two rounds' worth may be due at once).
				r = &reminder{person: Person{AccountID: n.AccountID, Email: n.Email, SlackUser: n.SlackUser}}
				byPerson[key] = r
				reminders = append(reminders, r)
			}
			r.items = append(r.items, e.item(ctx, n))
			r.nudges = append(r.nudges, n)
		case !n.Reminded.IsZero() && now.Sub(n.Reminded) >= e.cfg.Wait:
			if ex, err := e.exempt(ctx, s, n, now); err != nil {
				return reminders, err
			} else if ex {
				continue
			}
			if settled := e.usedAgain(ctx, n); settled != "" {
				if err := drop(n, settled); err != nil {
					return reminders, err
				}
				continue
			}
			won, err := s.MarkEscalated(ctx, n.ID, now)
			if err != nil {
				return reminders, err
			}
			if !won {
				continue
			}
			to := "; sent to the approvers"
			if !e.anyApprover("", n.SlackUser) {
				to = "" // request says why not
			}
			e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindEscalation,
				Outcome: state.OutcomeOK, Detail: e.seatName(ctx, n.ProductKey, n.Product) + ": no answer after a reminder" + to})
			refresh(n)
			if err := e.request(ctx, s, n, ""); err != nil {
				return reminders, err
			}
		}
	}
	return reminders, nil
}

// SlackGoneText is why the seats of someone whose Slack account went away
// after the nudge were escalated at once, for the audit trail.
const SlackGoneText = "their Slack account was deactivated, so Slack refused the reminder and no answer can come"

// slackGone reports whether the Slack account p was nudged at is gone
// (People.SlackUserGone); false when that is not known.
func (e *Engine) slackGone(ctx context.Context, p Person) bool {
	if e.cfg.People == nil || p.SlackUser == "" {
		return false
	}
	gone, err := e.cfg.People.SlackUserGone(ctx, p.SlackUser)
	if err != nil {
		e.log.Warn("nudge: read the Slack account of a refused reminder; sent again at the next follow-up", "account", p.AccountID, "err", err)
		return false
	}
	return gone
}

// escalateUnreachable escalates at once the seats of reminder r, which
// Slack refused because the person's Slack account is gone: the reminder
// is taken back (so the nudge reads as escalated without one, which the
// approvers' copies say: unreachable), the trail says why, and each seat
// is requested as an escalation is. The person's old messages are left:
// nobody can read them.
func (e *Engine) escalateUnreachable(ctx context.Context, s Store, r *reminder, now time.Time) error {
	e.unmarkReminded(ctx, s, r.nudges, now)
	for _, n := range r.nudges {
		seatName := e.seatName(ctx, n.ProductKey, n.Product)
		e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindReminder,
			Outcome: state.OutcomeFailed, Detail: fmt.Sprintf("%s: no answer since %s; not sent: %s", seatName, n.Asked.UTC().Format("2006-01-02"), SlackGoneText)})
		won, err := s.MarkEscalated(ctx, n.ID, now)
		if err != nil {
			return err
		}
		if !won {
			continue // answered, or escalated by another replica
		}
		if m, err := s.GetNudge(ctx, n.ID); err == nil {
			n = m
		} else {
			n.Reminded, n.Escalated = time.Time{}, now
		}
		e.audit(ctx, s, state.AuditEntry{Emails: []string{n.Email}, AccountIDs: []string{n.AccountID}, Kind: state.KindEscalation,
			Outcome: state.OutcomeOK, Detail: seatName + ": " + SlackGoneText + "; sent to the approvers"})
		if err := e.request(ctx, s, n, ""); err != nil {
			return err
		}
	}
	return nil
}

// unreachable reports whether request req of nudge n was escalated at
// once, without a reminder, because the person's Slack account was gone
// (escalateUnreachable): escalated, never reminded, nobody requested it.
func unreachable(req state.ReleaseRequest, n state.Nudge) bool {
	return req.Requester == "" && !n.Escalated.IsZero() && n.Reminded.IsZero()
}

// unmarkReminded takes back the reminder of nudges whose reminder did not
// go, also when stopping, within a bound; it returns how many stay marked.
func (e *Engine) unmarkReminded(ctx context.Context, s Store, nudges []state.Nudge, at time.Time) int {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	kept := 0
	for _, n := range nudges {
		if _, err := s.UnmarkReminded(uctx, n.ID, at); err != nil {
			kept++
		}
	}
	return kept
}

// reminder is one person's reminder: the seats they have not answered for.
type reminder struct {
	person Person
	items  []Item
	nudges []state.Nudge
}

// remember records where r went on each nudge it names, so that an answer,
// an escalation or a decision updates it as it does the nudge message. A
// seat answered (in the nudge message) while the reminder was on its way
// is shown so at once: the reminder must not offer its buttons again.
func (e *Engine) remember(ctx context.Context, s Store, r *reminder, ref Ref) {
	if ref.TS == "" {
		return
	}
	// Stored even when the follow-up is stopping: the reminder went.
	ctx, cancel := detached(ctx)
	defer cancel()
	for _, n := range r.nudges {
		if err := s.SetNudgeReminder(ctx, n.ID, ref.Channel, ref.TS); err != nil {
			e.log.Warn("nudge: store where the reminder went; it is not updated later", "account", n.AccountID, "err", err)
			return
		}
	}
	for _, n := range r.nudges {
		now, err := s.GetNudge(ctx, n.ID)
		if err != nil {
			return
		}
		if now.Answer != "" || !now.Escalated.IsZero() || now.Settled != "" {
			e.refreshReminder(ctx, s, now, r.person)
			return
		}
	}
}

// usedAgain re-reads n's account before a follow-up of n (a reminder, an
// escalation, an approval copy sent again): "" while a round would still
// ask about n's product (idle, held, by someone it asks) or the account
// could not be read; otherwise how n ends (settledFor), and someone no
// longer in the organisation has no seat left to give back.
func (e *Engine) usedAgain(ctx context.Context, n state.Nudge) string {
	u, err := e.cfg.Directory.UserAccess(ctx, n.AccountID)
	return e.settledRead(u, err, n.Product)
}

// settledRead is usedAgain's answer for the account read as u, or not
// read (err).
func (e *Engine) settledRead(u atlassian.DirectoryUser, err error, productID string) string {
	switch {
	case atlassian.KindOf(err) == atlassian.ErrNotFound:
		return state.SettledGone
	case err != nil:
		return ""
	}
	return e.settledFor(u, productID)
}

// settledFor is usedAgain's answer for account u as read: what a round
// would skip today ends the follow-ups too. state.SettledGone when the
// account holds the product no longer (or no seat at all: deactivated,
// suspended), state.SettledOrgAdmin and state.SettledSynced for an account
// the bot never changes now, state.SettledUsed when the person used it
// again.
func (e *Engine) settledFor(u atlassian.DirectoryUser, productID string) string {
	p, ok := product(u, productID)
	switch {
	case !ok || u.Status != atlassian.StatusActive:
		return state.SettledGone // no access left: nothing to ask about
	case u.OrgAdmin():
		return state.SettledOrgAdmin
	case u.Synced():
		return state.SettledSynced
	}
	if v, _ := seat.VerdictFor(p, e.cfg.Now(), e.cfg.IdleDays); v == seat.VerdictActive {
		return state.SettledUsed
	}
	return ""
}

// settledWhy is why a follow-up closed a nudge (settledFor), for the audit
// trail: the round's skip reason where there is one.
var settledWhy = map[string]string{
	state.SettledUsed:     SkipActiveAgain,
	state.SettledGone:     "the access is gone",
	state.SettledOrgAdmin: SkipOrgAdmin,
	state.SettledSynced:   SkipSynced,
}

// checkManual reports, a day after, whether an admin removed the access of
// a release approved without the write key.
func (e *Engine) checkManual(ctx context.Context, s Store) error {
	due, err := s.ChecksDue(ctx, e.cfg.Now())
	if err != nil {
		return err
	}
	for _, rel := range due {
		u, err := e.cfg.Directory.UserAccess(ctx, rel.AccountID)
		// Someone no longer in the organisation holds no seat: an admin
		// removing them is one way of removing the access. Taken for a
		// failed read, it was tried again at every follow-up for good,
		// and the approver never heard.
		gone := atlassian.KindOf(err) == atlassian.ErrNotFound
		if err != nil && !gone {
			continue // tried again at the next slot
		}
		won, err := s.MarkChecked(ctx, rel.ID, e.cfg.Now())
		if err != nil {
			return err
		}
		if !won {
			continue
		}
		req, _ := s.GetRequest(ctx, rel.ID)
		text := "checked a day later: an admin removed the access, the seat is free"
		p, holds := product(u, rel.Product)
		// A deactivated or suspended account keeps its product entries but
		// holds no seat, as release reads it: it read "still has the
		// access; remove it".
		holds = holds && !gone && u.Status == atlassian.StatusActive
		switch {
		case gone:
			text = "checked a day later: the person is no longer in the organisation, the seat is free"
		case !holds && u.Status != atlassian.StatusActive:
			text = "checked a day later: the account is deactivated or suspended and holds no seat, the seat is free"
		case holds && inUse(p, e.cfg.Now(), e.cfg.IdleDays):
			// Read again before the message, as before any change:
			// someone who used the product again keeps it, as a release
			// with the write key keeps it. It read "remove it" of a seat
			// in use.
			text = "checked a day later: the person used the product again since, so it stays; nothing to remove"
		case holds:
			text = "checked a day later: the person still has the access; remove it in Atlassian Administration"
		}
		e.audit(ctx, s, state.AuditEntry{Actor: req.DecidedBy, Emails: []string{rel.Email}, AccountIDs: []string{rel.AccountID},
			Kind: state.KindRelease, Outcome: state.OutcomeOK, Detail: e.seatName(ctx, req.ProductKey, rel.Product) + ": " + text})
		switch {
		case !holds:
			e.settleAsk(ctx, s, req.NudgeID, state.SettledReleased, e.cfg.Now())
		case inUse(p, e.cfg.Now(), e.cfg.IdleDays):
			e.settleAsk(ctx, s, req.NudgeID, state.SettledUsed, e.cfg.Now())
		}
		n, _ := s.GetNudge(ctx, req.NudgeID)
		n.Product, n.ProductKey = rel.Product, req.ProductKey
		res := Result{ReleaseID: rel.ID, Person: Person{AccountID: rel.AccountID, Email: rel.Email, Name: u.Name}, Item: e.item(ctx, n),
			AdminURL: e.AdminURL(rel.AccountID), Text: text}
		if req.DecidedBy != "" {
			if _, err := e.post(ctx, req.DecidedBy, res); err != nil {
				e.log.Warn("nudge: send check result", "err", err)
			}
		}
	}
	return nil
}

// inUse reports whether p was used within the idle period: the seat
// is in use again.
func inUse(p atlassian.ProductActivity, now time.Time, idleDays int) bool {
	v, _ := seat.VerdictFor(p, now, idleDays)
	return v == seat.VerdictActive
}

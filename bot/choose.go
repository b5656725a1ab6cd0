package bot

import (
	"context"
	"errors"
	"strings"

	"lastactive/atlassian"
)

// chooseTag starts every "This one" value, so that it can never be read
// as a Share or Refresh value (which are only emails), nor one as the other.
const chooseTag = "pick"

// ChooseValue is the value of a "This one" button: the email asked about
// and the chosen account, or "" when either is not fit to carry.
func ChooseValue(email, accountID string) string {
	e, ok := normaliseEmail(email)
	if !ok || !plausibleID(accountID) {
		return ""
	}
	v := chooseTag + " " + e + " " + accountID
	if len(v) > maxButtonValue-buttonValueRoom {
		return ""
	}
	return v
}

// ParseChooseValue reads a value made by ChooseValue, as strictly as it
// was made: the value comes back from the client.
func ParseChooseValue(v string) (email, accountID string, err error) {
	parts := strings.Split(v, " ")
	if len(parts) != 3 || parts[0] != chooseTag || !validEmail(parts[1]) || !plausibleID(parts[2]) || strings.ContainsRune(parts[2], '~') {
		return "", "", errors.New("choose value: not one we made")
	}
	return parts[1], parts[2], nil
}

// IsChooseAction reports whether actionID is one of the "This one"
// buttons (ActionChoose followed by the candidate's number).
func IsChooseAction(actionID string) bool {
	return strings.HasPrefix(actionID, ActionChoose+"_")
}

// Choose answers a "This one" click: the activity of the chosen account,
// after the same authorisation and rate limit as a command. The reply
// replaces the one with the candidates; its Share and Refresh buttons carry
// the account (ActionChooseShare, ActionChooseRefresh), because by email
// they would meet the same several accounts.
func (s *Service) Choose(ctx context.Context, req Request, sealed string) Reply {
	return s.choose(ctx, req, sealed, "")
}

// choose answers for the account in sealed: as "This one" (action ""),
// Refresh (AuditRefresh: private, with buttons) or Share (AuditShare: the
// version for the channel, without buttons).
func (s *Service) choose(ctx context.Context, req Request, sealed string, action AuditAction) (r Reply) {
	start := s.cfg.Now()
	defer func() { s.auditAs(action, req, r, start) }()
	email, accountID, r, ok := s.checkChoose(ctx, req, sealed)
	if !ok {
		return r
	}
	return s.chosen(ctx, req, email, accountID, action)
}

// chooseShare answers the Share of a chosen account (ActionChooseShare):
// posted in the channel, once a button, clicker and channel.
func (s *Service) chooseShare(ctx context.Context, req Request, sealed string) Response {
	start := s.cfg.Now()
	// The allow-lists and the seal are checked before the Share is
	// claimed, as a plain Share's are: a claim is written to the store
	// (ShareClaims), and one written first would let anyone in the
	// workspace, or any forged value, cause writes that are then refused.
	email, accountID, r, ok := s.checkChoose(ctx, req, sealed)
	if !ok {
		s.auditAs(AuditShare, req, r, start)
		return Response{Reply: r, Mode: Private, Audited: AuditShare}
	}
	if req.NoResponseURL {
		r := notShared([]string{email})
		s.auditAs(AuditShare, req, r, start)
		return Response{Reply: r, Mode: Private, Audited: AuditShare}
	}
	// A Share as well: one post a button, clicker and channel.
	key, first, held := s.claimShare(ctx, req.ChannelID, req.UserID, sealed)
	if !first {
		r := sharedAlready([]string{email}, held)
		s.auditAs(AuditShare, req, r, s.cfg.Now())
		return Response{Reply: r, Mode: Private, Audited: AuditShare}
	}
	r = s.chosen(ctx, req, email, accountID, AuditShare)
	s.auditAs(AuditShare, req, r, start)
	if r.Outcome == OutcomeOK {
		r.shareKey = key
		return Response{Reply: r, Mode: Public, Audited: AuditShare}
	}
	s.unclaimShare(key)
	return Response{Reply: r, Mode: Private, Audited: AuditShare} // nothing to share
}

// checkChoose reads the account in sealed, for a click req may make: ok
// is false, with the refusal to give, when the allow-lists refuse req or
// the value is stale or not the bot's.
func (s *Service) checkChoose(ctx context.Context, req Request, sealed string) (email, accountID string, r Reply, ok bool) {
	if !s.allowed(ctx, req) {
		r = Reply{Kind: KindButton, Outcome: OutcomeRefused,
			Message: RenderNoticeKind(NoticeRefused, s.notAllowed(req))}
		if email, _, err := ParseChooseValue(s.cfg.Buttons.sealedValue(sealed)); err == nil { // whom it was about, if the bot sealed it
			r.Targets = []string{email}
		}
		return "", "", r, false
	}
	value, err := s.cfg.Buttons.unseal(sealed)
	if errors.Is(err, ErrStaleButton) {
		r = Reply{Kind: KindButton, Outcome: OutcomeStale, Message: RenderNoticeKind(NoticeStale, "This button is too old. Run /lastactive again.")}
		if email, _, err := ParseChooseValue(s.cfg.Buttons.sealedValue(sealed)); err == nil { // too old, but the bot's
			r.Targets = []string{email}
		}
		return "", "", r, false
	}
	if err == nil {
		email, accountID, err = ParseChooseValue(value)
	}
	if err != nil {
		return "", "", Reply{Kind: KindButton, Outcome: OutcomeForged, Message: RenderNoticeKind(NoticeForged, forgedText)}, false
	}
	return email, accountID, Reply{}, true
}

// chosen answers for accountID, read from a value checkChoose accepted.
func (s *Service) chosen(ctx context.Context, req Request, email, accountID string, action AuditAction) Reply {
	if ok, wait := s.cfg.Gate.Take(req.UserID, 1); !ok {
		// In the trail of whom it was about, as a refusal is.
		return Reply{Kind: KindLookup, Outcome: OutcomeRateLimited, Message: RenderNoticeKind(NoticeRateLimited, tryAgain(wait)), Targets: []string{email}}
	}
	sites := s.sitesAsync(ctx)
	p := s.cfg.Lookups.LookupAccount(ctx, email, accountID)
	r := Reply{Kind: KindLookup, Outcome: OutcomeOK, People: []Person{p}, Targets: []string{email}}
	if p.Err != nil {
		r.Outcome = OutcomeFailed
	}
	view := View{Buttons: true, Now: s.cfg.Now(), IdleDays: s.cfg.IdleDays, OrgID: s.cfg.OrgID, Sites: sites(), Seal: s.cfg.Buttons.Sign}
	if action == AuditShare {
		view.Buttons, view.SharedBy, view.Seal = false, req.UserID, nil
	}
	r.Message = RenderLookup(r.People, view)
	return r
}

// LookupAccount answers for one account chosen among several that match
// email: its name and status (one Admin request) and its last active dates.
// It is not cached: the cache is keyed by email, which names several.
func (l *Lookups) LookupAccount(ctx context.Context, email, accountID string) Person {
	ctx, cancel := context.WithTimeout(ctx, l.opt.Timeout)
	defer cancel()
	p := Person{Query: NormaliseEmail(email), Chosen: true}
	du, err := l.dir.DirectoryUser(ctx, accountID)
	if err != nil {
		p.Err = err
		if errors.Is(err, atlassian.ErrNotFound) {
			// The organisation does not hold the account chosen (it was one
			// of several Jira found): say that of the account, not that no
			// account uses the email, which the list before it disproved.
			p.Account.AccountID = accountID
		}
		l.observe(p, false)
		return p
	}
	p.Account = du.Account()
	act, err := l.dir.LastActive(ctx, accountID)
	if err != nil {
		p.Err = err
	} else {
		p.Activity, p.FetchedAt = mergedActivity(act), l.opt.Now()
	}
	l.observe(p, false)
	return p
}

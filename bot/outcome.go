package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// PersonOutcome names how the lookup of one person in a reply ended, for
// machines rather than people: it is the end of the block_id of that
// person's section ("person_3.not_found"), which Slack never shows. The
// load tool's soak counts replies by it instead of reading their words.
type PersonOutcome string

// The outcomes of one person's lookup. Every failure the words of
// ErrorText tell apart has one of its own; PersonFailed is the rest, worded
// as "something went wrong".
const (
	PersonAnswer      PersonOutcome = "answer"       // their last active dates
	PersonNotFound    PersonOutcome = "not_found"    // atlassian.ErrNotFound
	PersonAmbiguous   PersonOutcome = "ambiguous"    // atlassian.ErrAmbiguous: the candidates are listed
	PersonCredentials PersonOutcome = "credentials"  // atlassian.ErrCredentials and its finer kinds
	PersonRateLimited PersonOutcome = "rate_limited" // atlassian.ErrRateLimited
	PersonTooSlow     PersonOutcome = "too_slow"     // context.DeadlineExceeded
	PersonStopped     PersonOutcome = "stopped"      // context.Canceled: the bot was stopping
	PersonUnavailable PersonOutcome = "unavailable"  // atlassian.ErrUnavailable, ErrWriteUnknown
	PersonBadResponse PersonOutcome = "bad_response" // atlassian.ErrBadResponse
	PersonRejected    PersonOutcome = "rejected"     // atlassian.ErrRejected and its finer kinds
	PersonNoEmail     PersonOutcome = "slack_no_email"
	// The Slack user of a mention could not be read (a *SlackError, by its
	// SlackKind).
	PersonSlackTokenRejected PersonOutcome = "slack_token_rejected"
	PersonSlackRateLimited   PersonOutcome = "slack_rate_limited"
	PersonSlackUnavailable   PersonOutcome = "slack_unavailable"
	PersonSlackMissingScope  PersonOutcome = "slack_missing_scope"
	PersonSlackRefused       PersonOutcome = "slack_refused"
	PersonUsage              PersonOutcome = "usage"  // a *UsageError
	PersonFailed             PersonOutcome = "failed" // any other failure
)

// PersonOutcomeValues returns every PersonOutcome, PersonAnswer first.
func PersonOutcomeValues() []PersonOutcome {
	return []PersonOutcome{PersonAnswer, PersonNotFound, PersonAmbiguous, PersonCredentials, PersonRateLimited,
		PersonTooSlow, PersonStopped, PersonUnavailable, PersonBadResponse, PersonRejected, PersonNoEmail,
		PersonSlackTokenRejected, PersonSlackRateLimited, PersonSlackUnavailable, PersonSlackMissingScope,
		PersonSlackRefused, PersonUsage, PersonFailed}
}

// Valid reports whether o is one of the outcomes.
func (o PersonOutcome) Valid() bool {
	for _, v := range PersonOutcomeValues() {
		if o == v {
			return true
		}
	}
	return false
}

// personOutcome is how p's lookup ended.
func personOutcome(p Person) PersonOutcome {
	switch {
	case p.Err != nil:
		return failureOutcome(p.Err)
	case p.Activity == nil:
		return PersonFailed // rendered as "something went wrong"
	}
	return PersonAnswer
}

var slackOutcomes = map[SlackKind]PersonOutcome{
	ErrSlackTokenRejected: PersonSlackTokenRejected,
	ErrSlackRateLimited:   PersonSlackRateLimited,
	ErrSlackUnavailable:   PersonSlackUnavailable,
	ErrSlackMissingScope:  PersonSlackMissingScope,
	ErrSlackRefused:       PersonSlackRefused,
}

// failureOutcome names err's failure in the order errorText and
// seat.Explain pick their words, so that the id and the words agree: a rate
// limit that ran out of time is a rate limit, an outage that did is too slow.
func failureOutcome(err error) PersonOutcome {
	var se *SlackError
	switch {
	case errors.As(err, new(*UsageError)):
		return PersonUsage
	case errors.Is(err, ErrSlackUserNoEmail):
		return PersonNoEmail
	case errors.As(err, &se):
		if o, ok := slackOutcomes[se.Kind]; ok {
			return o
		}
		return PersonSlackRefused
	}
	k := atlassian.KindOf(err)
	if k == "" {
		errors.As(err, &k) // a bare kind, as fakes return
	}
	switch k {
	case atlassian.ErrNotFound:
		return PersonNotFound
	case atlassian.ErrAmbiguous:
		return PersonAmbiguous
	case atlassian.ErrCredentials, atlassian.ErrNotOrgAdmin, atlassian.ErrNoWriteKey:
		return PersonCredentials
	case atlassian.ErrRateLimited:
		return PersonRateLimited
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return PersonTooSlow
	case errors.Is(err, context.Canceled):
		return PersonStopped
	}
	switch k {
	case atlassian.ErrUnavailable, atlassian.ErrWriteUnknown:
		return PersonUnavailable
	case atlassian.ErrBadResponse:
		return PersonBadResponse
	case atlassian.ErrRejected, atlassian.ErrOrgNotFound, atlassian.ErrConflict, atlassian.ErrSeatLimit:
		return PersonRejected
	}
	return PersonFailed
}

// upstreamFault reports whether a person's lookup failed by Atlassian's
// or the bot's configuration's doing (an outage, a refused key, an
// unreadable answer), as opposed to the asker's (nobody, or several
// people, with that email), Slack's, or a stop: the failures the operator
// is told about.
func upstreamFault(err error) bool {
	if err == nil {
		// Every answered lookup asks: failureOutcome's targets for
		// errors.As would be allocated only to find nothing.
		return false
	}
	switch failureOutcome(err) {
	case PersonCredentials, PersonRateLimited, PersonTooSlow, PersonUnavailable, PersonBadResponse, PersonRejected:
		return true
	}
	return false
}

// personBlockPrefix starts the block_id of person i's section:
// "person_<i>.<outcome>". The index keeps the ids of one message unique.
const personBlockPrefix = "person_"

func personBlockID(i int, o PersonOutcome) string {
	return personBlockPrefix + strconv.Itoa(i) + "." + string(o)
}

// PersonOutcomes reads, from the blocks of a lookup reply, how each
// person's lookup ended, by their index in the reply (0 for the first).
// Blocks that are not a person's section, or whose outcome it does not
// know, are skipped; a reply that names nobody gives an empty map.
func PersonOutcomes(blocks []slack.Block) map[int]PersonOutcome {
	out := map[int]PersonOutcome{}
	for _, b := range blocks {
		if b == nil {
			continue
		}
		rest, ok := strings.CutPrefix(b.ID(), personBlockPrefix)
		if !ok {
			continue
		}
		n, o, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 0 || strconv.Itoa(i) != n || !PersonOutcome(o).Valid() {
			continue
		}
		out[i] = PersonOutcome(o)
	}
	return out
}

// NoticeKind names what a notice of ours says, for machines: the block_id
// of its section is "notice.<kind>" (RenderNoticeKind). A notice made by
// RenderNotice has no kind and the block_id "notice".
type NoticeKind string

// The kinds of notice.
const (
	NoticeBusy         NoticeKind = "busy"          // no room to take the command now
	NoticeRestarting   NoticeKind = "restarting"    // stopped before the answer was ready
	NoticeRateLimited  NoticeKind = "rate_limited"  // the requester asked about many people
	NoticeStillLooking NoticeKind = "still_looking" // interim: the answer will replace it
	NoticeRefused      NoticeKind = "refused"       // not allowed (allow-lists, report users)
	NoticeUsage        NoticeKind = "usage"         // nothing to act on in what was asked
	NoticeStale        NoticeKind = "stale"         // a button too old to trust
	NoticeForged       NoticeKind = "forged"        // a button value the bot did not sign
	NoticeNotSetUp     NoticeKind = "not_set_up"    // the feature is off on this bot
	NoticeUnavailable  NoticeKind = "unavailable"   // the database (or Atlassian) failed the action
	NoticeDone         NoticeKind = "done"          // a confirmation or a listing
)

// NoticeKindValues returns every NoticeKind.
func NoticeKindValues() []NoticeKind {
	return []NoticeKind{NoticeBusy, NoticeRestarting, NoticeRateLimited, NoticeStillLooking, NoticeRefused,
		NoticeUsage, NoticeStale, NoticeForged, NoticeNotSetUp, NoticeUnavailable, NoticeDone}
}

// Valid reports whether k is one of the kinds.
func (k NoticeKind) Valid() bool {
	for _, v := range NoticeKindValues() {
		if k == v {
			return true
		}
	}
	return false
}

// noticeBlockID is the block_id of a notice's section.
const noticeBlockID = "notice"

// NoticeOf reads the kind of the notice in blocks: ok is false when blocks
// hold no notice, and the kind is "" for a notice without one (RenderNotice)
// or of a kind it does not know.
func NoticeOf(blocks []slack.Block) (kind NoticeKind, ok bool) {
	for _, b := range blocks {
		if b == nil {
			continue
		}
		id := b.ID()
		if id == noticeBlockID {
			return "", true
		}
		if k, found := strings.CutPrefix(id, noticeBlockID+"."); found {
			if !NoticeKind(k).Valid() {
				return "", true
			}
			return NoticeKind(k), true
		}
	}
	return "", false
}

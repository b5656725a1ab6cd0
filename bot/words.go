package bot

import (
	"errors"
	"fmt"
	"strings"

	"lastactive/atlassian"
	"lastactive/seat"
)

// ErrSlackUserNoEmail means a mentioned Slack user has no email the bot can
// read: a bot, a deleted account, or a profile without one (or the app lacks
// the users:read.email scope), so there is nothing to look up in Atlassian.
var ErrSlackUserNoEmail = errors.New("slack user has no email address")

// ErrSlackUserLeft means a mentioned Slack user, or a message's author,
// has left the workspace (users.info: deleted). It is an
// ErrSlackUserNoEmail, classed and kept as one; its words say what is
// true of the person rather than guess at why there is no email
// (TestAuthorWhoLeftSlackIsSaidToHaveLeft).
var ErrSlackUserLeft = fmt.Errorf("%w: the user has left the workspace", ErrSlackUserNoEmail)

// An ambiguity reply names at most maxCandidates accounts, each name cut to
// maxCandidateRunes, so that even ten of them fit one message.
const (
	maxCandidates     = 5
	maxCandidateRunes = 40
)

// ErrorText turns any error from a lookup into short words for the person
// who asked. It is the one place where errors become words: it names no
// paths, tokens or internal detail, and never includes err.Error(). The
// result is safe inside mrkdwn; anything in it from outside is escaped.
func ErrorText(err error) string { return errorText(err, "", maxCandidates) }

// PersonErrorText is ErrorText for the failed lookup of p, as its reply
// words it: an account found that the organisation does not hold is not a
// member here, rather than an email no account uses.
func PersonErrorText(p Person) string {
	if notMember(p) {
		return notMemberText("")
	}
	return ErrorText(p.Err)
}

// errorText is ErrorText for one person; who, when not empty, is the
// already escaped email that the words are about, and an ambiguity names at
// most maxCands of the accounts (RenderLookup asks for none when the
// message is short of room).
func errorText(err error, who string, maxCands int) string {
	var ae *atlassian.Error
	errors.As(err, &ae)
	var ue *UsageError

	switch {
	case err == nil:
		return ""
	case errors.As(err, &ue):
		return EscapeMrkdwn(ue.Reason)
	case errors.Is(err, ErrSlackUserLeft):
		return "This person has left the Slack workspace (their Slack account is deactivated), so the bot does not look them up by their Slack account. If you know their email address, look that up instead."
	case errors.Is(err, ErrSlackUserNoEmail):
		return "This Slack user has no email address the bot can read (a bot, a deactivated account, or a profile without an email), so there is nothing to look up. Try their email address instead."
	case errors.As(err, new(*SlackError)):
		t, _ := slackFailureText(err, "read this Slack user's profile (their email address would work instead)")
		return t
	case errors.Is(err, atlassian.ErrNotFound):
		if who == "" {
			return "This email was not found (or deactivated): no active Atlassian account in this organisation uses that email. Check the address for a typo."
		}
		return who + " was not found (or deactivated): no active Atlassian account in this organisation uses that email. Check the address for a typo."
	case errors.Is(err, atlassian.ErrAmbiguous):
		var cands []atlassian.Account
		if ae != nil {
			cands = ae.Candidates
		}
		return ambiguousText(who, cands[:min(len(cands), maxCands)], len(cands))
	default:
		// Every other failure is worded once, in seat, for every medium;
		// those words are our own and safe in mrkdwn.
		return seat.Explain(err)
	}
}

// ambiguousText lists the matching accounts by display name, with only the
// end of each account ID: enough to tell two "Ada Lovelace"s apart in
// Atlassian Administration, without pasting raw IDs into a channel.
func ambiguousText(who string, cands []atlassian.Account, total int) string {
	if who == "" {
		who = "this email"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Several Atlassian accounts match %s", who)
	if len(cands) == 0 {
		b.WriteString("; check them in Atlassian Administration.")
		return b.String()
	}
	b.WriteString(": ")
	for i, c := range cands {
		if i > 0 {
			b.WriteString(", ")
		}
		name := sanitize(c.DisplayName, maxCandidateRunes)
		if name == "" {
			name = "(no name)"
		}
		b.WriteString(EscapeMrkdwn(name))
		// The status too, as the Slack list gives it: of two accounts
		// with one name, the CLI's words must tell which is deactivated.
		var st string
		if c.Status != "" {
			st = EscapeMrkdwn(string(c.Status))
		}
		switch id := sanitize(c.AccountID, 200); {
		case len(id) > 0 && st != "":
			fmt.Fprintf(&b, " (account …%s, %s)", EscapeMrkdwn(lastRunes(id, 6)), st)
		case len(id) > 0:
			fmt.Fprintf(&b, " (account …%s)", EscapeMrkdwn(lastRunes(id, 6)))
		case st != "":
			fmt.Fprintf(&b, " (%s)", st)
		}
	}
	if more := total - len(cands); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	b.WriteString(". Check them in Atlassian Administration.")
	return b.String()
}

// notMember reports a person whose account was found (by Jira's search)
// but whom the Admin API does not know as a member of the organisation:
// someone of another organisation, or who has left this one. Saying that
// no account uses the email would contradict the name shown above it.
func notMember(p Person) bool {
	return p.Account.AccountID != "" && errors.Is(p.Err, atlassian.ErrNotFound)
}

// notMemberText is what a reply says of a person for whom notMember holds;
// who, when not empty, is the already escaped email.
func notMemberText(who string) string {
	if who == "" {
		who = "This email"
	}
	return who + " was not found in this organisation: it has an Atlassian account, but that account is not a member here, so there is no activity to show (someone from another organisation, or who has left this one)."
}

// lastRunes returns the last n runes of s.
func lastRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[len(r)-n:])
}

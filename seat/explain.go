package seat

import (
	"context"
	"errors"
	"time"

	"lastactive/atlassian"
)

// Explain turns a failure to read Atlassian into short words for a person:
// what happened and what to do. It is plain text made only of our own
// words (no upstream text, no err.Error()), so it is safe in any medium;
// the Slack renderers and the terminal both use it. Errors that need to
// name someone (not found, ambiguous) are worded by the caller, who knows
// how to quote a name in its medium.
func Explain(err error) string {
	var ae *atlassian.Error
	errors.As(err, &ae)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, atlassian.ErrCredentials):
		if ae != nil && ae.API == atlassian.Admin && (ae.Kind == atlassian.ErrNotOrgAdmin || ae.Status == 403) {
			// Read and refused: renewing the key would not help.
			return "The Atlassian Admin API key works but may not read this organisation (its owner is not an organisation admin, or the key was made for another organisation). Ask your Slack admin to check the key and ATLASSIAN_ORG_ID."
		}
		if ae != nil && ae.API == atlassian.Admin {
			return "The Atlassian Admin API key was rejected — it has probably expired (keys last a week unless another date was chosen). Ask your Slack admin to renew it."
		}
		return "The Jira API token was rejected — it has probably expired or been revoked. Ask your Slack admin to renew it."
	case errors.Is(err, atlassian.ErrRateLimited):
		var wait time.Duration
		if ae != nil {
			wait = ae.RetryAfter
		}
		return "Atlassian is rate limiting us; try again " + RetryIn(wait) + "."
	case ae != nil && ae.Kind == atlassian.ErrUnavailable && ae.Net == atlassian.NetTimeout:
		// No connection made in time (not a server that was slow to
		// answer): most often a firewall or proxy dropping the bot's
		// packets, which no wait mends and lastactive check names, but a
		// blip of the network can be; one more try, then the admin.
		return "The bot could not connect to " + apiName(ae.API) + " in time; try again in a minute, and if it happens again, ask your Slack admin to run lastactive check: a firewall or proxy may be blocking the bot."
	case errors.Is(err, context.DeadlineExceeded):
		return "Atlassian took too long to answer; try again in a minute."
	case errors.Is(err, context.Canceled):
		return "This was stopped before it finished (the bot may be restarting); try again in a minute."
	case unreachable(ae) != "":
		// About the bot's configuration or network, not the person nor an
		// outage: waiting mends none of it. The host and the variable to
		// check are for the admin, whom lastactive check tells.
		return "The bot cannot reach " + apiName(ae.API) + " (" + unreachable(ae) + "): a problem in the bot's configuration or network, which waiting will not mend. Ask your Slack admin to run lastactive check, which says what to fix."
	case errors.Is(err, atlassian.ErrUnavailable):
		return "Atlassian is unavailable right now; try again in a few minutes."
	case errors.Is(err, atlassian.ErrBadResponse):
		return "Atlassian sent an answer the bot could not read; try again later, and tell your Slack admin if it keeps happening."
	case errors.Is(err, atlassian.ErrRejected):
		if ae != nil && ae.API == atlassian.Jira {
			return "Jira refused the request, which points to a problem in the bot's configuration (such as the Jira site address). Ask your Slack admin to check it."
		}
		if ae != nil && ae.API == atlassian.Admin && ae.Code == "ADMIN-400-4" {
			// "Invalid resource": most often an organisation not yet moved
			// to the user management the last-active dates need, which no
			// retry mends.
			return "Atlassian refused the request as an invalid resource: the organisation may not be on Atlassian's new user management experience, which these dates need, or ATLASSIAN_ORG_ID is wrong. Ask your Slack admin to run lastactive check."
		}
		return "Atlassian refused the request, which points to a problem in the bot's configuration (such as the organisation ID). Ask your Slack admin to check it."
	default:
		return "Something went wrong while reading from Atlassian; try again, and tell your Slack admin if it keeps happening."
	}
}

// unreachable says, in a few words of our own, why the bot could not talk
// to an API at all when no wait would mend it: the host name does not
// resolve, nothing takes the connection, the TLS handshake fails, or the
// address redirects to another host (which the client does not follow, so
// that a credential never goes elsewhere). "" for anything else: an outage,
// a stuck server, a connection reset, an unreadable answer.
func unreachable(ae *atlassian.Error) string {
	if ae == nil {
		return ""
	}
	switch {
	case ae.Kind == atlassian.ErrUnavailable && ae.Net == atlassian.NetDNS:
		return "its host name was not found"
	case ae.Kind == atlassian.ErrUnavailable && ae.Net == atlassian.NetRefused:
		return "the connection was refused"
	case ae.Kind == atlassian.ErrUnavailable && ae.Net == atlassian.NetTLS:
		return "the secure connection failed"
	case ae.Kind == atlassian.ErrBadResponse && ae.Net == "" && ae.Status >= 300 && ae.Status < 400:
		return "its address redirects to another host, which the bot does not follow"
	}
	return ""
}

// apiName is how a sentence for a person names an API.
func apiName(api atlassian.API) string {
	switch api {
	case atlassian.Admin:
		return "the Atlassian Admin API"
	case atlassian.Jira:
		return "Jira"
	}
	return "Atlassian"
}

package credentials

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/backoff"
	"lastactive/internal/slackcode"
)

// This file is the one place that turns a failed check into words: what
// happened (Detail) and what to do (Fix). It never quotes upstream text
// beyond a Slack error code, and never a credential.

// slackRefusals are the Slack error codes that mean the token itself is
// refused, as opposed to Slack being unwell.
var slackRefusals = map[string]bool{
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
	"account_inactive": true, "not_allowed_token_type": true, "ekm_access_denied": true,
	"team_access_not_granted": true, "no_permission": true, "missing_scope": true,
}

func slackFailure(r Result, err error, variable, fix string) Result {
	r.Status = Fail
	var (
		rl     *slack.RateLimitedError
		apiErr slack.SlackErrorResponse
		status slack.StatusCodeError
	)
	switch {
	case errors.As(err, &rl):
		return slackRateLimited(r, rl.RetryAfter)
	case errors.As(err, &apiErr):
		code := apiErr.Err
		if code == "ratelimited" || code == "rate_limited" {
			// Slack's rate limit with HTTP 200, as bot/slackcall.go reads it.
			return slackRateLimited(r, 0)
		}
		if !slackcode.Valid(code) {
			code = "an unknown error"
		}
		if slackRefusals[code] {
			r.Rejected = true
			r.Detail = fmt.Sprintf("Slack refused %s (%s)", variable, code)
			r.Fix = fix
			switch {
			case code == "missing_scope" && variable == "SLACK_APP_TOKEN":
				// apps.connections.open needs one scope, and an app-level
				// token gets its scopes where it is made, not from
				// installing the app: the app token's own fix says where.
				r.Detail += ": the app-level token lacks connections:write"
			case code == "missing_scope":
				r.Fix = "the token lacks a scope: reinstall the app from its manifest (deploy/slack-app-manifest.yaml) and copy the new token into " + variable
			}
			return r
		}
		r.Detail = "Slack answered " + code
		r.Fix = "run the check again; if it persists, look up " + code + " in Slack's API documentation"
	case errors.As(err, &status) && status.Code == http.StatusTooManyRequests:
		// slack-go makes a RateLimitedError only when Retry-After is a
		// number; a 429 without one is a rate limit all the same.
		return slackRateLimited(r, 0)
	case errors.As(err, &status):
		r.Detail = fmt.Sprintf("Slack answered HTTP %d", status.Code)
		if status.Code == 401 || status.Code == 403 {
			r.Rejected = true
			r.Fix = fix
			return r
		}
		if status.Code == http.StatusNotFound {
			// Slack answers a refused token or an unknown method with 200
			// and a code: a 404 is the address (a wrong path, a proxy).
			r.Detail = "SLACK_API_URL answered HTTP 404: no Slack Web API there"
			r.Fix = "check SLACK_API_URL (default https://slack.com/api/) and any proxy in between"
			return r
		}
		r.Fix = "Slack may be having trouble (status.slack.com): run the check again later; if SLACK_API_URL is set, check it"
	default:
		if what, host, ok := netProblem(err); ok {
			return unreachable(r, err, what, host, "SLACK_API_URL")
		}
		r.Detail = "Slack's answer could not be read"
		r.Fix = "check that SLACK_API_URL (default https://slack.com/api/) is Slack's Web API"
	}
	return r
}

// stopped reports whether a check failed because its caller stopped it
// (Ctrl-C or SIGTERM during `lastactive check`, serve shutting down), not
// because of its own deadline or anything upstream.
func stopped(ctx context.Context, err error) bool {
	return err != nil && errors.Is(ctx.Err(), context.Canceled)
}

// Interrupted words a check its caller stopped before service answered:
// nothing was proven, and neither the service, the network nor the
// credential is to blame (the outage words sent admins to a status page).
// `check` words its database line so too.
func Interrupted(r Result, service string) Result {
	r.Status, r.Rejected = Fail, false
	r.Detail = "interrupted before " + service + " answered: nothing was proven"
	r.Fix = "run lastactive check again and let it finish"
	return r
}

// halfAdmin words an Admin API configured by half: unset is the variable
// missing beside the other, which is set (never shown: one is a secret).
func halfAdmin(r Result, unset string) Result {
	r.Status = Fail
	set := "ATLASSIAN_API_KEY"
	r.Fix = "set ATLASSIAN_ORG_ID to the Organization ID shown next to the key (admin.atlassian.com → Settings → API keys), or unset ATLASSIAN_API_KEY to leave Atlassian out"
	if unset == "ATLASSIAN_API_KEY" {
		set = "ATLASSIAN_ORG_ID"
		r.Fix = "create an Admin API key in admin.atlassian.com → Settings → API keys (an API key without scopes) and put it in ATLASSIAN_API_KEY, or unset ATLASSIAN_ORG_ID to leave Atlassian out"
	}
	r.Detail = set + " is set, but " + unset + " is not: nothing can be checked without both, and serve, lookup and report will not start"
	return r
}

// slackRateLimited words a Slack rate limit: the wait Slack asked for
// (capped at backoff.MaxHint, as every hint is) in the detail, and a fix
// that agrees with it, as the Atlassian one does.
func slackRateLimited(r Result, wait time.Duration) Result {
	r.Status, r.Rejected = Fail, false
	wait = min(wait, backoff.MaxHint)
	r.Detail = "Slack is rate limiting this app"
	if wait > 0 {
		r.Detail += fmt.Sprintf(" (retry after %s)", wait.Round(time.Second))
	}
	r.Fix = "run the check again " + whenAsked(wait, "Slack")
	return r
}

// whenAsked is when to run the check again after a rate limit: in a
// minute, or after the longer wait the service asked for.
func whenAsked(wait time.Duration, service string) string {
	if wait > time.Minute {
		return "in " + wait.Round(time.Second).String() + ", as " + service + " asked"
	}
	return "in a minute"
}

// apiWords are the per-API sentences of an Atlassian failure.
type apiWords struct {
	rejected, rejectedFix string // 401, and 403 outside the Admin API's ADMIN-403-*
	notAdmin, notAdminFix string // 403 ADMIN-403-*
	orgNotFound, orgFix   string // 404 of the organisation
	refused, refusedFix   string // any other 4xx
	urlVar                string // the variable that says where the API is
	name, keyVar          string // the API as a sentence names it; the variable of its secret
}

var jiraWords = apiWords{
	rejected:    "Jira rejected JIRA_EMAIL and JIRA_API_TOKEN",
	rejectedFix: "signed in as the JIRA_EMAIL account, create an API token at id.atlassian.com → Security → API tokens (the plain kind, not \"with scopes\") and put it in JIRA_API_TOKEN; check that JIRA_EMAIL is that account's email",
	refused:     "Jira refused the request",
	refusedFix:  "check that JIRA_BASE_URL is your Jira Cloud site, e.g. https://example.atlassian.net",
	urlVar:      "JIRA_BASE_URL",
	name:        "Jira",
	keyVar:      "JIRA_API_TOKEN",
}

func adminWords(orgID string) apiWords {
	return apiWords{
		rejected: "the Admin API rejected ATLASSIAN_API_KEY: it may have expired or been revoked (Admin API keys expire after one week unless another date was picked), or it is not an Admin API key",
		rejectedFix: "create a new key in admin.atlassian.com → Settings → API keys → Create API key (an API key without scopes; pick an expiry date up to a year ahead and note it), " +
			"then update ATLASSIAN_API_KEY",
		notAdmin:    "the key works, but its owner is not an admin of organisation " + short(orgID),
		notAdminFix: "create the key as an organisation admin of this organisation (admin.atlassian.com → Settings → API keys), or check ATLASSIAN_ORG_ID is the organisation the key was made in",
		orgNotFound: "the Admin API knows no organisation " + short(orgID),
		orgFix:      "set ATLASSIAN_ORG_ID to the Organization ID shown next to the key, also in the address admin.atlassian.com/o/<org ID>/…",
		refused:     "the Admin API refused the request",
		refusedFix:  "check ATLASSIAN_ORG_ID, and that the organisation uses the new user management experience",
		urlVar:      "ATLASSIAN_API_URL",
		name:        "the Admin API",
		keyVar:      "ATLASSIAN_API_KEY",
	}
}

// writeWords are adminWords for ATLASSIAN_ADMIN_WRITE_KEY: the same
// organisation, another key, whose owner must be an organisation admin.
func writeWords(orgID string) apiWords {
	w := adminWords(orgID)
	w.rejected = "the Admin API rejected ATLASSIAN_ADMIN_WRITE_KEY: it may have expired or been revoked (Admin API keys expire after one week unless another date was picked), or it is not an Admin API key"
	w.rejectedFix = "as an organisation admin, create a new key in admin.atlassian.com → Settings → API keys → Create API key (an API key without scopes; pick an expiry date up to a year ahead and note it), " +
		"then update ATLASSIAN_ADMIN_WRITE_KEY; until then approved releases fail"
	w.notAdmin = "the write key works, but its owner is not an admin of organisation " + short(orgID) + ": it may not change access"
	w.notAdminFix = "create ATLASSIAN_ADMIN_WRITE_KEY as an organisation admin of this organisation (admin.atlassian.com → Settings → API keys)"
	w.keyVar = "ATLASSIAN_ADMIN_WRITE_KEY"
	return w
}

func atlassianFailure(r Result, err error, w apiWords) Result {
	r.Status = Fail
	var e *atlassian.Error
	if !errors.As(err, &e) {
		if what, host, ok := netProblem(err); ok {
			return unreachable(r, err, what, host, w.urlVar)
		}
		r.Detail, r.Fix = "the check could not run", "check "+w.urlVar
		return r
	}
	code := e.Code
	if !strings.HasPrefix(code, "ADMIN-") || len(code) > 20 {
		code = ""
	}
	status := fmt.Sprintf(" (HTTP %d)", e.Status)
	if code != "" {
		status = fmt.Sprintf(" (HTTP %d %s)", e.Status, code)
	}
	if e.Status == http.StatusRequestHeaderFieldsTooLarge {
		// The secret is the only header of any size the client sends: a
		// key pasted twice, or with a whole file around it, is what makes
		// them too large. Blaming the org ID or the URL would send an admin
		// the wrong way.
		r.Rejected = true
		r.Detail = w.name + " refused the request's headers as too large" + status
		r.Fix = w.keyVar + " is probably longer than the secret itself: paste the secret again, alone, with nothing before or after it"
		return r
	}
	switch atlassian.KindOf(err) {
	case atlassian.ErrNotOrgAdmin:
		r.Rejected, r.Detail, r.Fix = true, w.notAdmin+status, w.notAdminFix
		if w.notAdmin == "" {
			r.Detail, r.Fix = w.rejected+status, w.rejectedFix
		}
	case atlassian.ErrCredentials:
		r.Rejected, r.Detail, r.Fix = true, w.rejected+status, w.rejectedFix
	case atlassian.ErrOrgNotFound:
		r.Rejected, r.Detail, r.Fix = true, w.orgNotFound+status, w.orgFix
	case atlassian.ErrRejected, atlassian.ErrNotFound:
		r.Rejected, r.Detail, r.Fix = true, w.refused+status, w.refusedFix
	case atlassian.ErrRateLimited:
		r.Detail = "Atlassian is rate limiting these requests"
		r.Fix = "run the check again " + whenAsked(e.RetryAfter, "Atlassian") + " (the limit is shared with every other tool of the organisation)"
	case atlassian.ErrUnavailable:
		if e.Net != "" {
			return unreachable(r, err, string(e.Net), e.Host, w.urlVar)
		}
		r.Detail = "Atlassian answered" + status + " and nothing was proven"
		if e.Status == 0 {
			r.Detail = "Atlassian did not answer, and nothing was proven"
		}
		r.Fix = "Atlassian may be having trouble (status.atlassian.com): run the check again later"
	case atlassian.ErrBadResponse:
		r.Detail, r.Fix = "the answer could not be read", "check that "+w.urlVar+" points at Atlassian"
	default:
		r.Detail, r.Fix = "the check failed", "check "+w.urlVar
	}
	return r
}

// unreachable words a network failure, err: the host and what failed
// (for TLS, which refusal, in atlassian.TLSCause's own words), and
// explicitly not the credential.
func unreachable(r Result, err error, what, host, urlVar string) Result {
	r.Status, r.Rejected = Fail, false
	if host == "" {
		host = "the API"
	}
	failed := what
	if cause := atlassian.TLSCause(err); what == string(atlassian.NetTLS) && cause != "" {
		failed += " — " + cause
	}
	r.Detail = fmt.Sprintf("network: could not reach %s: %s (the credential was not tested)", short(host), failed)
	tcp := "TCP " + portOf(host)
	fix := map[string]string{
		string(atlassian.NetDNS):     "check the host name in " + urlVar + " and this machine's DNS",
		string(atlassian.NetRefused): "check " + urlVar + " and that a proxy or firewall lets " + tcp + " out",
		string(atlassian.NetTimeout): "check that a proxy or firewall lets " + tcp + " out to " + short(host),
		string(atlassian.NetNoAnswer): "the connection was made but nothing answered: the service or a proxy in between is stuck " +
			"(for Atlassian see status.atlassian.com); run the check again later, and check " + urlVar + " if it persists",
		string(atlassian.NetTLS): "check " + urlVar + " uses https with a trusted certificate, or whether a proxy intercepts TLS",
	}[what]
	if fix == "" {
		fix = "check " + urlVar + " and the network, then run the check again"
	}
	r.Fix = fix
	return r
}

// portOf is host's port, or HTTPS's when it names none.
func portOf(host string) string {
	if _, port, err := net.SplitHostPort(host); err == nil && port != "" {
		return port
	}
	return "443"
}

// netProblem names a transport failure of any client (slack-go's too) the
// way atlassian.Net does, with the host from the request's URL.
func netProblem(err error) (what, host string, ok bool) {
	var (
		ue     *url.Error
		dnsErr *net.DNSError
		netErr net.Error
	)
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	switch {
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return string(atlassian.NetDNS), host, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return string(atlassian.NetRefused), host, true
	case atlassian.TLSRefused(err):
		return string(atlassian.NetTLS), host, true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return string(atlassian.TimeoutKind(err)), host, true
	case ue != nil:
		return string(atlassian.NetOther), host, true
	}
	return "", "", false
}

// short bounds upstream text (display names, IDs, hosts) at a word
// boundary: a reader must never see half a word.
func short(s string) string {
	const max = 80
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := string([]rune(s)[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ") + "…"
}

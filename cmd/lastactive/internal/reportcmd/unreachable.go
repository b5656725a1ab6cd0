package reportcmd

import (
	"errors"
	"fmt"
	"net"

	"lastactive/atlassian"
)

// Unreachable words a failure to talk to Atlassian that no wait mends, for
// the operator at a terminal or reading a cron job's mail: the host could
// not be reached (no such name, nothing listening, no connection, a TLS
// handshake refused) or it redirected the request to another host. The
// words name the API, the host, what failed and the variable to check, as
// `lastactive check` does, and never a credential, which was not tested.
// ok is false for anything else (an outage, a stuck server, a refusal),
// which the plain words of seat.Explain fit.
func Unreachable(err error) (words string, ok bool) {
	var e *atlassian.Error
	if err == nil || !errors.As(err, &e) {
		return "", false
	}
	api, urlVar := "the Admin API", "ATLASSIAN_API_URL"
	if e.API == atlassian.Jira {
		api, urlVar = "Jira", "JIRA_BASE_URL"
	}
	at := ""
	if e.Host != "" {
		at = " at " + e.Host
	}
	port := "443"
	if _, p, err := net.SplitHostPort(e.Host); err == nil && p != "" {
		port = p
	}
	var fix string
	switch e.Net {
	case atlassian.NetDNS:
		fix = "check the host name in " + urlVar + " and this machine's DNS"
	case atlassian.NetRefused:
		fix = "check " + urlVar + " and that a proxy or firewall lets TCP " + port + " out"
	case atlassian.NetTimeout:
		fix = "check that a proxy or firewall lets TCP " + port + " out"
		if e.Host != "" {
			fix += " to " + e.Host
		}
	case atlassian.NetTLS:
		fix = "check " + urlVar + " uses https with a trusted certificate, or whether a proxy intercepts TLS"
	case "":
		if errors.Is(err, atlassian.ErrBadResponse) && e.Status >= 300 && e.Status < 400 {
			// The client follows a redirect only within the host (a
			// token must not go elsewhere): a site renamed, http for
			// https, a URL with a typo.
			return fmt.Sprintf("%s redirected the request to another host, which is not followed (HTTP %d); check %s.", api, e.Status, urlVar), true
		}
		return "", false
	default:
		return "", false
	}
	return fmt.Sprintf("cannot reach %s%s: %s; %s.", api, at, NetText(e), fix), true
}

// NetText is e's network failure for an operator: what failed and, for a
// TLS one, which refusal it is (atlassian.TLSCause's own words, as
// lastactive check says it).
func NetText(e *atlassian.Error) string {
	if cause := atlassian.TLSCause(e); e.Net == atlassian.NetTLS && cause != "" {
		return string(e.Net) + " — " + cause
	}
	return string(e.Net)
}

package atlassian

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the category of an error: callers branch on it with errors.Is,
// e.g. errors.Is(err, atlassian.ErrNotFound). The set is small on purpose:
// one place at the edge (the bot) turns each into words for a person.
type Kind string

func (k Kind) Error() string { return string(k) }

// The error kinds. An *Error matches exactly one of them with errors.Is.
const (
	// ErrNotFound: Jira found no matching active account, or the Admin API
	// says the account is not a member of this organisation (ADMIN-404-8).
	ErrNotFound Kind = "not found"
	// ErrAmbiguous: several accounts match one email; Error.Candidates lists them.
	ErrAmbiguous Kind = "several accounts match"
	// ErrCredentials: 401 or 403; Error.API names which credential.
	ErrCredentials Kind = "credentials rejected"
	// ErrRateLimited: 429 after every retry; Error.RetryAfter says how long to wait.
	ErrRateLimited Kind = "rate limited"
	// ErrUnavailable: 5xx or transport failures after every retry.
	ErrUnavailable Kind = "upstream unavailable"
	// ErrBadResponse: an answer that could not be understood (bad JSON, too
	// large, a cursor loop, too many pages).
	ErrBadResponse Kind = "bad response"
	// ErrRejected: a 4xx other than 401/403/404-8/429, such as a wrong org ID
	// (ADMIN-404-2) or an org not on the new user management experience
	// (ADMIN-400-4). Retrying will not help; the configuration needs a look.
	ErrRejected Kind = "request rejected"

	// ErrNotOrgAdmin: the Admin API answered 403 ADMIN-403-*: the key works
	// but its owner may not administer this organisation. It is a finer
	// ErrCredentials: errors.Is matches both.
	ErrNotOrgAdmin Kind = "key owner is not an admin of the organisation"
	// ErrOrgNotFound: the Admin API does not know the organisation ID
	// (ADMIN-404-2, or a 404 from the organisation endpoint). It is a finer
	// ErrRejected: errors.Is matches both.
	ErrOrgNotFound Kind = "organisation not found"

	// ErrNoWriteKey: a release call (RoleAssignments, GroupsGranting,
	// RevokeRole, AssignRole, RemoveFromGroup, AddToGroup) was made without
	// Config.AdminWriteKey. Nothing was sent. It is a finer ErrCredentials.
	ErrNoWriteKey Kind = "no admin write key configured"
	// ErrSeatLimit: Atlassian refused to give access because the product's
	// licence limit is reached (409 ADMIN-UAM-409-3 "Product License Limit
	// Exceeded", or ADMIN-409-3 from the v2 group endpoints): an undo after
	// somebody else took the seat. Error.Code carries the code. It is a
	// finer ErrConflict (and so ErrRejected).
	ErrSeatLimit Kind = "product licence limit exceeded"
	// ErrConflict: any other 409 (ADMIN-409-28 and the like). A finer
	// ErrRejected.
	ErrConflict Kind = "conflict"
	// ErrWriteUnknown: a change (revoke, assign, membership) got a 5xx or
	// a redirect, or lost its connection after it was sent, so Atlassian may or may not
	// have made it. It is not retried: read the state back before deciding.
	// A finer ErrUnavailable.
	ErrWriteUnknown Kind = "outcome of the change unknown"
)

// parent is the coarser kind a finer one refines, so callers written
// against the coarse kinds keep working.
func (k Kind) parent() Kind {
	switch k {
	case ErrNotOrgAdmin:
		return ErrCredentials
	case ErrOrgNotFound, ErrConflict:
		return ErrRejected
	case ErrNoWriteKey:
		return ErrCredentials
	case ErrSeatLimit:
		return ErrConflict
	case ErrWriteUnknown:
		return ErrUnavailable
	}
	return ""
}

// is reports whether k is target or refines it, at any depth.
func (k Kind) is(target Kind) bool {
	for ; k != ""; k = k.parent() {
		if k == target {
			return true
		}
	}
	return false
}

// KindOf returns the Kind of the first *Error in err's chain, or "" when
// there is none (a nil error, a configuration error, a cancelled call that
// never reached the client). Use it to switch over kinds without keeping a
// list of errors.Is calls; it returns the finest kind (ErrNotOrgAdmin, not
// ErrCredentials).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Net names what went wrong on the network when a request got no HTTP
// answer. Error.Net holds it (with Error.Host), and errors.Is(err, NetDNS)
// and the like match it. None of them says anything about a credential.
type Net string

func (n Net) Error() string { return string(n) }

// The network failures.
const (
	// NetDNS: the host name does not resolve.
	NetDNS Net = "host name not found (DNS)"
	// NetRefused: nothing listens at the host and port.
	NetRefused Net = "connection refused"
	// NetTimeout: no connection within the deadline (a firewall that
	// drops packets, a host that is down).
	NetTimeout Net = "timed out"
	// NetNoAnswer: connected, but no answer within the deadline (the
	// server or a proxy in between is stuck).
	NetNoAnswer Net = "connected, but no answer in time"
	// NetTLS: the TLS handshake failed (certificate not trusted, expired,
	// for another name, or not TLS at all).
	NetTLS Net = "TLS handshake failed"
	// NetOther: any other transport failure (connection reset, closed early).
	NetOther Net = "connection failed"
)

// API names the upstream API an error came from.
type API string

// The two upstream APIs.
const (
	Jira  API = "jira"
	Admin API = "admin"
)

// Error is the one error type the client returns for upstream failures.
// Its message names the step and the path, never a token, an Authorization
// header or a query string.
type Error struct {
	Kind   Kind
	API    API
	Op     string // the step, e.g. "search users"
	Path   string // URL path only, never the query
	Status int    // HTTP status; 0 when none (transport error, no match)
	// Code is the Atlassian error code when the body had one ("ADMIN-404-8").
	Code string
	// RetryAfter is how long upstream asked us to wait (rate limits).
	RetryAfter time.Duration
	// Candidates lists the matching accounts for ErrAmbiguous.
	Candidates []Account
	// Net is set when the request got no HTTP answer; Host is then the host
	// (and port, if any) it was sent to, so a fix can name it.
	Net  Net
	Host string
	// Err is the underlying cause, if any.
	Err error
}

// StatusText is " (HTTP status code)" of an answer, the code when
// Atlassian gave one, or "" when no answer came: the part of Error that
// says what Atlassian answered.
func (e *Error) StatusText() string {
	switch {
	case e.Status == 0:
		return ""
	case e.Code != "":
		return fmt.Sprintf(" (HTTP %d %s)", e.Status, e.Code)
	}
	return fmt.Sprintf(" (HTTP %d)", e.Status)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.API, e.Op)
	if e.Path != "" {
		fmt.Fprintf(&b, " %s", e.Path)
	}
	fmt.Fprintf(&b, ": %s", e.Kind)
	if e.Net != "" {
		fmt.Fprintf(&b, ": %s", e.Net)
		if e.Host != "" {
			fmt.Fprintf(&b, " (host %s)", e.Host)
		}
	}
	b.WriteString(e.StatusText())
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause so errors.Is/As reach it (context.Canceled, for one).
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's Kind and the coarser kind it refines (an
// ErrNotOrgAdmin is also ErrCredentials, ErrSeatLimit is also ErrConflict
// and ErrRejected), and its Net failure, if any.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Kind:
		return t != "" && e.Kind.is(t)
	case Net:
		return t != "" && t == e.Net
	}
	return false
}

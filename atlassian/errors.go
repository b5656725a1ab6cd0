package atlassian

import (
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
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.API, e.Op)
	if e.Path != "" {
		fmt.Fprintf(&b, " %s", e.Path)
	}
	fmt.Fprintf(&b, ": %s", e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		b.WriteString(")")
	}
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

// Is matches the error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Package atlassian is the bot's client for the two Atlassian APIs it needs
// to answer "when was this person last active?".
//
// The Jira half turns an email address into an Atlassian account: it calls
// Jira Cloud's user search (GET /rest/api/3/user/search, Basic auth with the
// Jira email and API token) and, because that search matches prefixes of
// names and addresses, filters the result itself: only "atlassian" accounts
// (never apps or portal customers) whose visible address equals the email,
// ignoring case. A person who hides their address is returned by an exact
// search without it, so such an account is accepted as long as it is the only
// one left; several left is ErrAmbiguous, none is ErrNotFound.
//
// The Admin half reads that account's last active dates per product from the
// Atlassian Administration API
// (GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates,
// Bearer API key), following links.next cursors until the list is complete.
// An empty product list is a valid answer: no recorded activity.
//
// The Admin half also proves the key and the organisation ID (Org: GET
// /admin/v1/orgs/{orgId}), names sites by their host (Workspaces, paged,
// and Sites, which matches a product-access ARI to its workspace by the
// cloud ID it ends in, see CloudID), and finds one person by exact email
// with their account status (FindByEmail, through the v2 directory search),
// which needs no Jira at all. Resolve puts the two searches in order: Jira
// first when configured, the Admin search when Jira is absent, finds nobody
// or only hidden addresses; its Via says which one answered. The org-wide
// scan (OrgUsers) is an iterator over every account, paced below the
// organisation's rate limit.
//
// Both halves share one request loop. It gives every attempt a deadline,
// reads bodies through a size limit, refuses redirects to another host (they
// would carry the credentials away), retries only what is safe (429, 5xx and
// transport failures of these idempotent GETs) honouring Retry-After and
// X-RateLimit-Reset within a bounded budget, and turns every failure into an
// *Error whose Kind callers test with errors.Is or read with KindOf. Two
// kinds refine coarser ones (ErrNotOrgAdmin is also ErrCredentials,
// ErrOrgNotFound also ErrRejected), and a request that got no answer names
// its network failure (Error.Net: DNS, refused, timeout, TLS) and host.
// Waits follow lastactive/internal/backoff, the program's one retry policy. Error texts and debug logs
// name the step and the URL path, never a query string, a token or an
// Authorization header; any text repeated from an upstream error body is
// scrubbed of the configured secrets. A cancelled context ends a call at once,
// retry waits included; its error is ErrUnavailable and also matches
// context.Canceled (or context.DeadlineExceeded) with errors.Is.
//
// A Client is safe for concurrent use and starts no goroutines.
package atlassian

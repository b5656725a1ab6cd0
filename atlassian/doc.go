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
// Releases (keep or release an idle seat) use a third credential,
// Config.AdminWriteKey: an org admin's key without scopes, sent only by the
// release calls, which return ErrNoWriteKey and send nothing without it.
// The safe sequence is:
//
//  1. ReleaseFacts reads the account (UserAccess: managementSource, platform
//     roles, product access), its RoleAssignments on the product, the
//     GroupsGranting it with counts.resources and, when a group gives more
//     than one product, which of the person's groups give each product they
//     still use.
//  2. PlanRelease (pure) turns that into a Plan, or refuses with a *Refusal
//     whose Reason says why: synced accounts and org admins are never
//     changed; a direct role is revoked; a group is left only if it gives
//     nothing else the person uses; inferred access is refused.
//  3. Apply makes the steps (RevokeRole, RemoveFromGroup) and returns those
//     done, exactly what Undo(done) restores (AssignRole, AddToGroup).
//  4. SeatHeld reads the role assignments back to prove the seat is free.
//
// An undo after the seat went to someone else fails with ErrSeatLimit (409
// ADMIN-UAM-409-3). Writes are never repeated after a 5xx, a lost
// connection or a redirect (ErrWriteUnknown: read back first); a 429 is waited out, since
// it says the request was not taken. See Example (Release).
//
// Both halves share one request loop. It gives every attempt a deadline,
// reads bodies through a size limit, refuses redirects to another host (they
// would carry the credentials away) and of anything but a GET, retries
// only what is safe (429, 5xx and transport failures of GETs and read-only
// searches) honouring Retry-After and
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

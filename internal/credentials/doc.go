// Package credentials proves each configured credential against the API it
// is for: the Slack bot token (auth.test), the Slack app token
// (apps.connections.open), the Jira API token (/rest/api/3/myself, then a
// user search for its owner, which needs "Browse users and groups") and the
// Admin API key with the organisation ID (GET /admin/v1/orgs/{orgId}).
//
// Each check gives a Result: ok, FAIL or SKIP (not configured, or not
// possible because the check it builds on failed), a detail and a fix for a
// person. A FAIL says whether the credential itself was refused (Rejected)
// or the API could not be reached: a network failure names the host and what
// went wrong (DNS, refused, timeout, TLS) and never blames a token.
//
// `lastactive check` prints Checker.All; `lastactive serve` runs a Watch,
// which proves the credentials at start and every few minutes, exports
// lastactive_credential_ok{api=...} and turns not ready while one is
// rejected, but not while an API is merely unreachable: an Atlassian or
// Slack outage must not take every replica out of service.
//
// No Result, log line or metric ever holds a secret: the texts are built
// from error kinds and hosts, never from upstream or credential text.
package credentials

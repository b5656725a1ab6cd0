// Package atlassiantest is an in-memory fake of the two Atlassian APIs that
// lastactive calls, in the spirit of net/http/httptest: a real HTTP server
// on loopback that speaks the wire format of Jira Cloud's user search and of
// the Atlassian Admin API, checks the credentials and parameters it
// receives, and records every request.
//
// One Server serves both APIs from one base URL:
//
//	GET  /rest/api/3/user/search?query=…                      Jira, Basic auth
//	GET  /rest/api/3/user?accountId=…                         Jira, Basic auth
//	GET  /rest/api/3/myself                                   Jira, Basic auth
//	GET  /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates   Admin, Bearer
//	POST /admin/v2/orgs/{orgId}/directories/{dirId|-}/users/search              Admin, Bearer
//	GET  /admin/v1/orgs/{orgId}                                                 Admin, Bearer
//	POST /admin/v2/orgs/{orgId}/workspaces                                      Admin, Bearer
//
// and, for releases, with AdminWriteKey only (the read key gets 403):
//
//	GET    /admin/v2/orgs/{orgId}/directories/{dirId|-}/users/{accountId}/role-assignments
//	POST   /admin/v2/orgs/{orgId}/directories/{dirId|-}/groups/search
//	POST   /admin/v1/orgs/{orgId}/users/{accountId}/roles/revoke and …/roles/assign
//	POST   /admin/v2/orgs/{orgId}/directories/{dirId|-}/groups/{groupId}/memberships
//	DELETE /admin/v2/orgs/{orgId}/directories/{dirId|-}/groups/{groupId}/memberships/{accountId}
//
// The writes change the fake's state: a revoked role or a removed
// membership takes the product out of last-active-dates, productAccess and
// the role assignments (its last activity comes back with the undo), and
// Org.SeatLimits (or Server.SetSeatLimit) makes an assign or a membership
// that would pass a product's limit answer 409. ReleaseOrg is SampleOrg
// plus people for each case of a release (direct, by group, synced, org
// admin, inferred) and their groups, with Confluence's seats all taken.
//
// Credentials the fake accepted can be refused later with Server.Reject (a
// revoked Jira token, an expired API key, a key whose owner is no longer an
// org admin); a client configured with another organisation ID gets 404
// ADMIN-404-2. Server.CountEndpoint counts the requests per endpoint, the
// exact-email search apart from the org-wide scan.
//
// It is used by the tests of every package, by `lastactive demo` (SampleOrg,
// no credentials, no network) and by load tests (GenerateOrg). Failures
// such as rate limits, outages, malformed bodies and slow answers are
// injected with Server.Fail.
//
// The package deliberately does not import lastactive/atlassian: the
// client's own tests import this package, and it keeps its own wire types
// so that a mistake in the client's types cannot hide in both places.
//
// Usage:
//
//	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))
//	defer srv.Close()
//	// JIRA_BASE_URL = ATLASSIAN_API_URL = srv.URL(),
//	// JIRA_EMAIL = atlassiantest.JiraEmail, JIRA_API_TOKEN = atlassiantest.JiraAPIToken,
//	// ATLASSIAN_ORG_ID = atlassiantest.OrgID, ATLASSIAN_API_KEY = atlassiantest.APIKey.
//	srv.Fail(atlassiantest.Failure{API: "admin", Status: 429, RetryAfter: "1", Times: 1})
//	// ... exercise the code under test, then:
//	n := srv.Count("jira", "/rest/api/3/user/search")
package atlassiantest

package atlassiantest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var goodWrite = "Bearer " + AdminWriteKey

func newRelease(t *testing.T) (*Server, *Org) {
	t.Helper()
	org := ReleaseOrg(testNow)
	s := NewServer(org)
	t.Cleanup(s.Close)
	return s, org
}

func mustID(t *testing.T, org *Org, email string) string {
	t.Helper()
	u, ok := org.Lookup(email)
	if !ok {
		t.Fatalf("no %s", email)
	}
	return u.AccountID
}

func raPath(accountID string, q url.Values) string {
	return "/admin/v2/orgs/" + OrgID + "/directories/-/users/" + url.PathEscape(accountID) + "/role-assignments?" + q.Encode()
}

func rolePath(accountID, verb string) string {
	return "/admin/v1/orgs/" + OrgID + "/users/" + url.PathEscape(accountID) + "/roles/" + verb
}

func memberPath(groupID, accountID string) string {
	p := "/admin/v2/orgs/" + OrgID + "/directories/-/groups/" + groupID + "/memberships"
	if accountID != "" {
		p += "/" + url.PathEscape(accountID)
	}
	return p
}

const groupsSearchPath = "/admin/v2/orgs/" + OrgID + "/directories/-/groups/search"

// ReleaseOrg is SampleOrg plus its own people: the sample is untouched,
// so the bot's goldens keep their counts.
func TestReleaseOrgKeepsSampleOrg(t *testing.T) {
	t.Parallel()
	sample, rel := SampleOrg(testNow), ReleaseOrg(testNow)
	if d := cmp.Diff(sample.Users, rel.Users[:len(sample.Users)], cmpopts.IgnoreUnexported(User{})); d != "" {
		t.Errorf("ReleaseOrg changes SampleOrg's people (-sample +release):\n%s", d)
	}
	if len(sample.Groups) != 0 || sample.SeatLimits != nil {
		t.Error("SampleOrg got groups or seat limits")
	}
	for _, e := range []string{ReleaseDirectEmail, ReleaseGroupEmail, ReleaseSharedGroupEmail, ReleaseIdleGroupEmail,
		ReleaseSyncedEmail, ReleaseOrgAdminEmail, ReleaseInferredEmail, ReleaseSpareEmail} {
		if _, ok := sample.Lookup(e); ok {
			t.Errorf("%s is already in SampleOrg", e)
		}
		if _, ok := rel.Lookup(e); !ok {
			t.Errorf("%s missing from ReleaseOrg", e)
		}
	}
}

func TestReleaseEndpointsNeedTheWriteKey(t *testing.T) {
	t.Parallel()
	s, org := newRelease(t)
	frances, john := mustID(t, org, ReleaseDirectEmail), mustID(t, org, ReleaseGroupEmail)
	role := map[string]string{"role": "atlassian/user", "resource": ConfluenceMain}
	reqs := []struct {
		method, path string
		body         any
		ok           int
	}{
		{http.MethodGet, raPath(frances, url.Values{"resourceIds": {ConfluenceMain}}), nil, 200},
		{http.MethodPost, groupsSearchPath, map[string]any{"accountIds": []string{john}}, 200},
		{http.MethodPost, rolePath(frances, "revoke"), role, 204},
		{http.MethodPost, rolePath(frances, "assign"), role, 204},
		{http.MethodDelete, memberPath(GroupConfluenceUsers, john), nil, 204},
		{http.MethodPost, memberPath(GroupConfluenceUsers, ""), map[string]string{"accountId": john}, 204},
	}
	for _, r := range reqs {
		for auth, want := range map[string]int{goodBearer: 403, "": 401, "Bearer nope": 401, goodBasic: 401} {
			if a := call(t, s, r.method, r.path, auth, r.body); a.status != want {
				t.Errorf("%s %s with %q: %d, want %d: %s", r.method, r.path, auth, a.status, want, a.body)
			}
		}
	}
	if !s.Holds(frances, ConfluenceMain) || !s.IsMember(GroupConfluenceUsers, john) {
		t.Fatal("a refused write changed the state")
	}
	for _, r := range reqs {
		if a := call(t, s, r.method, r.path, goodWrite, r.body); a.status != r.ok {
			t.Errorf("%s %s with the write key: %d, want %d: %s", r.method, r.path, a.status, r.ok, a.body)
		}
	}
	for _, ep := range []Endpoint{EndpointRoleAssignments, EndpointGroupsSearch, EndpointRevokeRole, EndpointAssignRole,
		EndpointRemoveMembership, EndpointAddMembership} {
		if n := s.CountEndpoint(ep); n != 5 {
			t.Errorf("%s counted %d, want 5", ep, n)
		}
	}
	// The read endpoints stay the read key's.
	if a := call(t, s, http.MethodGet, lastActivePath(OrgID, frances), goodWrite, nil); a.status != 401 {
		t.Errorf("last-active-dates with the write key: %d, want 401", a.status)
	}
	// A revoked write key is refused; a revoked read key does not touch writes.
	s.Reject(Rejections{APIKey: true})
	if a := call(t, s, reqs[0].method, reqs[0].path, goodWrite, nil); a.status != 200 {
		t.Errorf("read key rejected, write key request: %d", a.status)
	}
	s.Reject(Rejections{WriteKey: true})
	if a := call(t, s, reqs[0].method, reqs[0].path, goodWrite, nil); a.status != 401 {
		t.Errorf("write key rejected: %d, want 401", a.status)
	}
}

type raAnswer struct {
	Data []struct {
		ResourceID      string `json:"resourceId"`
		ResourceOwner   string `json:"resourceOwner"`
		RoleAssignments []struct {
			Role    string   `json:"role"`
			Methods []string `json:"roleAssignmentMethods"`
		} `json:"roleAssignments"`
	} `json:"data"`
	Links struct{ Next string } `json:"links"`
}

func TestRoleAssignmentsMethodsAndPaging(t *testing.T) {
	t.Parallel()
	s, org := newRelease(t)
	methods := func(email string) []string {
		a := call(t, s, http.MethodGet, raPath(mustID(t, org, email), url.Values{"resourceIds": {ConfluenceMain}}), goodWrite, nil)
		v := decode[raAnswer](t, a)
		if len(v.Data) != 1 || len(v.Data[0].RoleAssignments) != 1 || v.Data[0].RoleAssignments[0].Role != "atlassian/user" {
			t.Fatalf("%s: %s", email, a.body)
		}
		return v.Data[0].RoleAssignments[0].Methods
	}
	for email, want := range map[string][]string{
		ReleaseDirectEmail: {"direct"}, ReleaseGroupEmail: {"group_direct"}, ReleaseInferredEmail: {"inferred"},
	} {
		if got := methods(email); !slices.Equal(got, want) {
			t.Errorf("%s: methods %v, want %v", email, got, want)
		}
	}
	// The org admin: her product and the platform role, over two pages of
	// one; the cursor alone carries the filter.
	leslie := mustID(t, org, ReleaseOrgAdminEmail)
	var got []string
	q := url.Values{"limit": {"1"}}
	for range 5 {
		v := decode[raAnswer](t, call(t, s, http.MethodGet, raPath(leslie, q), goodWrite, nil))
		for _, d := range v.Data {
			got = append(got, d.RoleAssignments[0].Role+"@"+d.ResourceID)
		}
		if v.Links.Next == "" {
			break
		}
		q = url.Values{"cursor": {v.Links.Next}}
	}
	want := []string{"atlassian/user@" + ConfluenceMain, "atlassian/org-admin@ari:cloud:platform::org/" + OrgID}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %v, want %v", got, want)
	}
	if a := call(t, s, http.MethodGet, raPath(leslie, url.Values{"cursor": {"bogus"}}), goodWrite, nil); a.status != 400 {
		t.Errorf("bad cursor: %d", a.status)
	}
}

func TestGroupsSearchFiltersAndCounts(t *testing.T) {
	t.Parallel()
	s, org := newRelease(t)
	type page struct {
		Data []struct {
			ID     string
			Counts *struct{ Resources, Users *int }
		}
		Links struct{ Next string }
	}
	// search follows every page (two groups a page).
	search := func(body map[string]any) []string {
		t.Helper()
		var ids []string
		for range 5 {
			a := call(t, s, http.MethodPost, groupsSearchPath, goodWrite, body)
			if a.status != 200 {
				t.Fatalf("%v: %d %s", body, a.status, a.body)
			}
			p := decode[page](t, a)
			for _, g := range p.Data {
				ids = append(ids, g.ID)
				if _, ok := body["expand"]; ok && (g.Counts == nil || g.Counts.Resources == nil) {
					t.Errorf("no counts.resources with the expand: %s", a.body)
				}
			}
			if p.Links.Next == "" {
				return ids
			}
			body["cursor"] = p.Links.Next
		}
		t.Fatal("more than 5 pages")
		return nil
	}
	radia := mustID(t, org, ReleaseSharedGroupEmail)
	for _, tc := range []struct {
		body map[string]any
		want []string
	}{
		{map[string]any{"accountIds": []string{radia}, "resourceIds": []string{ConfluenceMain}, "roleIds": []string{"atlassian/user"},
			"expand": []string{"counts.resources"}}, []string{GroupAtlassianAll}},
		{map[string]any{"resourceIds": []string{ConfluenceMain}}, []string{GroupConfluenceUsers, GroupAtlassianAll, GroupWikiAndLoom}},
		{map[string]any{"resourceIds": []string{LoomMain}}, []string{GroupWikiAndLoom}},
		{map[string]any{"accountIds": []string{radia}, "resourceIds": []string{LoomMain}}, nil},
		{map[string]any{"roleIds": []string{"atlassian/admin"}}, nil},
		{map[string]any{"groupIds": []string{GroupWikiAndLoom}, "accountIds": []string{radia}}, nil},
	} {
		if got := search(tc.body); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.body, got, tc.want)
		}
	}
	a := call(t, s, http.MethodPost, groupsSearchPath, goodWrite, map[string]any{"resourceIds": []string{ConfluenceMain},
		"expand": []string{"counts.resources"}, "limit": 100})
	for _, g := range decode[page](t, a).Data {
		want := map[string]int{GroupConfluenceUsers: 1, GroupAtlassianAll: 2, GroupWikiAndLoom: 2}[g.ID]
		if *g.Counts.Resources != want {
			t.Errorf("%s: counts.resources %d, want %d", g.ID, *g.Counts.Resources, want)
		}
	}
	for _, bad := range []map[string]any{{"searchTerm": "x"}, {"unknown": 1}, {"roleIds": []string{"atlassian/root"}}, {"limit": 0}} {
		if a := call(t, s, http.MethodPost, groupsSearchPath, goodWrite, bad); a.status != 400 {
			t.Errorf("%v: %d, want 400", bad, a.status)
		}
	}
}

// Changes show in every read: last-active-dates, productAccess, the role
// assignments, the seat count; and the undo brings back the same dates.
func TestWritesChangeTheState(t *testing.T) {
	t.Parallel()
	s, org := newRelease(t)
	donald := mustID(t, org, ReleaseIdleGroupEmail)
	lad := func() string {
		return string(call(t, s, http.MethodGet, lastActivePath(OrgID, donald), goodBearer, nil).body)
	}
	before, seats := lad(), s.Seats(ConfluenceMain)
	if a := call(t, s, http.MethodDelete, memberPath(GroupWikiAndLoom, donald), goodWrite, nil); a.status != 204 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	if got := lad(); got == before || s.Holds(donald, ConfluenceMain) || s.Holds(donald, LoomMain) || s.Seats(ConfluenceMain) != seats-1 {
		t.Errorf("after leaving the group: %s; seats %d", got, s.Seats(ConfluenceMain))
	}
	v2 := decode[v2Page](t, call(t, s, http.MethodPost, "/admin/v2/orgs/"+OrgID+"/directories/-/users/search", goodBearer,
		map[string]any{"accountIds": []string{donald}, "expand": []string{"productAccess", "platformRoles"}}))
	if len(v2.Data) != 1 || len(v2.Data[0].ProductAccess) != 0 || v2.Data[0].PlatformRoles == nil {
		t.Errorf("v2 search after the removal: %+v", v2.Data)
	}
	if a := call(t, s, http.MethodDelete, memberPath(GroupWikiAndLoom, donald), goodWrite, nil); a.status != 404 {
		t.Errorf("second delete: %d, want 404", a.status)
	}
	if a := call(t, s, http.MethodPost, memberPath(GroupWikiAndLoom, ""), goodWrite, map[string]string{"accountId": donald}); a.status != 204 {
		t.Fatalf("add: %d %s", a.status, a.body)
	}
	if got := lad(); got != before {
		t.Errorf("undo changed last-active-dates:\nbefore %s\nafter  %s", before, got)
	}
	a := call(t, s, http.MethodPost, memberPath(GroupWikiAndLoom, ""), goodWrite, map[string]string{"accountId": donald})
	if st, code := appErrorCode(t, a); a.status != 409 || st != "409" || code != "ADMIN-409-28" {
		t.Errorf("add twice: %d %s", a.status, a.body)
	}
	// Inferred access cannot be revoked; org admins are listed as such.
	shafi := mustID(t, org, ReleaseInferredEmail)
	if a := call(t, s, http.MethodPost, rolePath(shafi, "revoke"), goodWrite, map[string]string{"role": "atlassian/user", "resource": ConfluenceMain}); a.status != 400 {
		t.Errorf("revoke inferred: %d", a.status)
	}
	leslie := mustID(t, org, ReleaseOrgAdminEmail)
	v2 = decode[v2Page](t, call(t, s, http.MethodPost, "/admin/v2/orgs/"+OrgID+"/directories/-/users/search", goodBearer,
		map[string]any{"accountIds": []string{leslie}, "expand": []string{"platformRoles"}}))
	if len(v2.Data) != 1 || !slices.Equal(v2.Data[0].PlatformRoles, []string{"atlassian/org-admin"}) {
		t.Errorf("org admin's platformRoles: %+v", v2.Data)
	}
}

func TestSeatLimitAnswers409(t *testing.T) {
	t.Parallel()
	s, org := newRelease(t)
	adele, frances := mustID(t, org, ReleaseSpareEmail), mustID(t, org, ReleaseDirectEmail)
	role := map[string]string{"role": "atlassian/user", "resource": ConfluenceMain}
	a := call(t, s, http.MethodPost, rolePath(adele, "assign"), goodWrite, role)
	if _, code := appErrorCode(t, a); a.status != 409 || code != "ADMIN-UAM-409-3" {
		t.Fatalf("assign on a full product: %d %s", a.status, a.body)
	}
	call(t, s, http.MethodPost, rolePath(frances, "revoke"), goodWrite, role)
	if a := call(t, s, http.MethodPost, rolePath(adele, "assign"), goodWrite, role); a.status != 204 {
		t.Fatalf("assign on a freed seat: %d %s", a.status, a.body)
	}
	if a := call(t, s, http.MethodPost, rolePath(frances, "assign"), goodWrite, role); a.status != 409 {
		t.Errorf("undo after the seat was taken: %d, want 409", a.status)
	}
	s.SetSeatLimit(ConfluenceMain, -1)
	if a := call(t, s, http.MethodPost, rolePath(frances, "assign"), goodWrite, role); a.status != 204 || !s.Holds(frances, ConfluenceMain) {
		t.Errorf("assign without a limit: %d", a.status)
	}
}

func TestSyncedGroupRefusesChanges(t *testing.T) {
	t.Parallel()
	org := &Org{Users: []User{{AccountID: "u1", DisplayName: "U", Email: "u@example.com"}},
		Groups: []Group{{ID: "idp", Name: "idp-group", Grants: []string{ConfluenceMain}, Members: []string{"u1"}, ExternalSynced: true}}}
	s := NewServer(org)
	t.Cleanup(s.Close)
	if !s.Holds("u1", ConfluenceMain) {
		t.Fatal("a group member does not hold the group's product")
	}
	if a := call(t, s, http.MethodDelete, memberPath("idp", "u1"), goodWrite, nil); a.status != 403 {
		t.Errorf("delete from a synced group: %d", a.status)
	}
	if a := call(t, s, http.MethodPost, memberPath("nope", ""), goodWrite, map[string]string{"accountId": "u1"}); a.status != 404 {
		t.Errorf("add to an unknown group: %d", a.status)
	}
}

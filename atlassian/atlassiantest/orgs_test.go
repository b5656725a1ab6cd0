package atlassiantest

import (
	"testing"
)

func TestWorkspacesRequests(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	path := "/admin/v2/orgs/" + OrgID + "/workspaces"
	first := call(t, s, "POST", path, goodBearer, map[string]any{"limit": 100})
	if first.status != 200 {
		t.Fatalf("first page: %d %s", first.status, first.body)
	}
	page := decode[wsPage](t, first)
	if len(page.Data) != 2 || page.Links.Next == "" || page.Meta.Total != 4 {
		t.Fatalf("first page = %+v, want 2 of 4 and a cursor", page)
	}
	tests := []struct {
		name       string
		path, auth string
		body       any
		wantStatus int
		wantCode   string
	}{
		{"next page", path, goodBearer, map[string]any{"cursor": page.Links.Next}, 200, ""},
		{"no body", path, goodBearer, nil, 200, ""},
		{"cursor with limit", path, goodBearer, map[string]any{"cursor": page.Links.Next, "limit": 2}, 400, "ADMIN-400-4"},
		{"bad cursor", path, goodBearer, map[string]any{"cursor": "abc"}, 400, "ADMIN-400-4"},
		{"unimplemented query", path, goodBearer, map[string]any{"query": map[string]any{}}, 400, "ADMIN-400-4"},
		{"limit too big", path, goodBearer, map[string]any{"limit": 1001}, 400, "ADMIN-400-4"},
		{"no auth", path, "", map[string]any{}, 401, ""},
		{"basic auth", path, goodBasic, map[string]any{}, 401, ""},
		{"wrong org", "/admin/v2/orgs/org-x/workspaces", goodBearer, map[string]any{}, 404, "ADMIN-404-2"},
		{"GET", path, goodBearer, nil, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "POST"
			if tt.name == "GET" {
				method = "GET"
			}
			a := call(t, s, method, tt.path, tt.auth, tt.body)
			if a.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.wantStatus)
			}
			if tt.wantCode != "" {
				if _, code := appErrorCode(t, a); code != tt.wantCode {
					t.Errorf("code %s, want %s", code, tt.wantCode)
				}
			}
		})
	}
}

func TestRejectAndCountEndpoint(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	orgPath := "/admin/v1/orgs/" + OrgID
	steps := []struct {
		reject     Rejections
		path, auth string
		wantStatus int
	}{
		{Rejections{}, orgPath, goodBearer, 200},
		{Rejections{APIKey: true}, orgPath, goodBearer, 401},
		{Rejections{KeyNotAdmin: true}, orgPath, goodBearer, 403},
		{Rejections{JiraToken: true}, orgPath, goodBearer, 200},
		{Rejections{JiraToken: true}, "/rest/api/3/myself", goodBasic, 401},
		{Rejections{}, "/rest/api/3/myself", goodBasic, 200},
		{Rejections{}, "/admin/v1/orgs/org-typo", goodBearer, 404},
	}
	for i, st := range steps {
		s.Reject(st.reject)
		if a := call(t, s, "GET", st.path, st.auth, nil); a.status != st.wantStatus {
			t.Errorf("step %d: %s answered %d %s, want %d", i, st.path, a.status, a.body, st.wantStatus)
		}
	}
	call(t, s, "POST", "/admin/v2/orgs/"+OrgID+"/directories/-/users/search", goodBearer, map[string]any{"emails": []string{"hedy@example.com"}})
	call(t, s, "POST", "/admin/v2/orgs/"+OrgID+"/directories/-/users/search", goodBearer, map[string]any{"limit": 10})
	for ep, want := range map[Endpoint]int{EndpointOrg: 5, EndpointJiraMyself: 2, EndpointEmailSearch: 1, EndpointUsersSearch: 1, EndpointWorkspaces: 0} {
		if got := s.CountEndpoint(ep); got != want {
			t.Errorf("CountEndpoint(%q) = %d, want %d", ep, got, want)
		}
	}
}

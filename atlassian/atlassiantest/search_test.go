package atlassiantest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const v2Path = "/admin/v2/orgs/" + OrgID + "/directories/-/users/search"

type v2Answer struct {
	Data []struct {
		AccountID     string
		Name          string
		ProductAccess *[]json.RawMessage
	}
	Links struct{ Next, Self string }
}

// searchAll pages through the v2 search with body as the filters.
func searchAll(t *testing.T, s *Server, body map[string]any) (ids []string, pages int) {
	t.Helper()
	for cursor := ""; ; {
		if cursor != "" {
			body["cursor"] = cursor
		}
		a := call(t, s, "POST", v2Path, goodBearer, body)
		if a.status != 200 {
			t.Fatalf("page %d: %d %s", pages, a.status, a.body)
		}
		page := decode[v2Answer](t, a)
		pages++
		for _, u := range page.Data {
			if (u.ProductAccess != nil) != (body["expand"] != nil) {
				t.Fatalf("%s: productAccess present = %v, expand = %v", u.AccountID, u.ProductAccess != nil, body["expand"])
			}
			ids = append(ids, u.AccountID)
		}
		if page.Links.Self == "" {
			t.Fatal("links.self missing")
		}
		if page.Links.Next == "" {
			return ids, pages
		}
		cursor = page.Links.Next
	}
}

func TestUsersSearchCoversEveryMemberOnce(t *testing.T) {
	t.Parallel()
	org := GenerateOrg(2500, 7, testNow)
	s := NewServer(org)
	t.Cleanup(s.Close)
	tests := []struct {
		name      string
		body      map[string]any
		keep      func(User) bool
		wantPages int // 0: don't check
	}{
		{"all by 100 with products", map[string]any{"limit": 100, "expand": []string{"productAccess"}},
			func(User) bool { return true }, 0},
		{"default limit", map[string]any{}, func(User) bool { return true }, 0},
		{"active accounts by 7", map[string]any{"limit": 7, "accountStatus": []string{"active"}},
			func(u User) bool { return u.AccountStatus == "" || u.AccountStatus == "active" }, 0},
		{"unmanaged", map[string]any{"limit": 100, "claimStatus": "unmanaged"},
			func(u User) bool { return u.ClaimStatus == "unmanaged" }, 0},
		{"by email", map[string]any{"emails": []string{org.Users[10].Email, org.Users[20].Email}, "limit": 1},
			func(u User) bool { return u.Email == org.Users[10].Email || u.Email == org.Users[20].Email }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := map[string]bool{}
			for _, u := range org.Users {
				if !u.NotMember && tt.keep(u) {
					want[u.AccountID] = true
				}
			}
			ids, pages := searchAll(t, s, tt.body)
			got := map[string]bool{}
			for _, id := range ids {
				if got[id] {
					t.Fatalf("%s returned twice", id)
				}
				got[id] = true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if len(want) == 0 || pages < 2 {
				t.Errorf("weak case: %d users in %d pages", len(want), pages)
			}
		})
	}
}

func TestUsersSearchRequests(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	page1 := decode[v2Answer](t, call(t, s, "POST", v2Path, goodBearer, map[string]any{"limit": 2}))
	tests := []struct {
		name       string
		path       string
		body       any
		wantStatus int
		wantCode   string
		wantNames  []string
	}{
		{"ambiguous email", v2Path, map[string]any{"emails": []string{"SAM@example.com"}}, 200, "", []string{"Sam Rivera", "Sam Rivera (contractor)"}},
		{"non-members are not in the directory", v2Path, map[string]any{"emails": []string{"barbara@partner.example"}}, 200, "", nil},
		{"deactivated", v2Path, map[string]any{"accountStatus": []string{"inactive"}}, 200, "", []string{"Ken Thompson"}},
		{"suspended", v2Path, map[string]any{"status": []string{"suspended"}}, 200, "", []string{"Edsger Dijkstra"}},
		{"search term", v2Path, map[string]any{"searchTerm": "hop"}, 200, "", []string{"Grace Hopper"}},
		{"second site", v2Path, map[string]any{"resourceIds": []string{"ari:cloud:confluence::site/" + SiteSecond}}, 200, "", []string{"Alan Turing", "Hedy Lamarr"}},
		{"directory by id", "/admin/v2/orgs/" + OrgID + "/directories/" + DirectoryID + "/users/search", map[string]any{"emails": []string{"ada@example.com"}}, 200, "", []string{"Ada Lovelace"}},
		{"limit too big", v2Path, map[string]any{"limit": 101}, 400, "ADMIN-400-24", nil},
		{"limit zero", v2Path, map[string]any{"limit": 0}, 400, "ADMIN-400-24", nil},
		{"emails and searchTerm", v2Path, map[string]any{"emails": []string{"ada@example.com"}, "searchTerm": "ada"}, 400, "ADMIN-400-24", nil},
		{"unsupported filter", v2Path, map[string]any{"groupIds": []string{"g"}}, 400, "ADMIN-400-24", nil},
		{"unknown expand", v2Path, map[string]any{"expand": []string{"everything"}}, 400, "ADMIN-400-24", nil},
		{"not JSON", v2Path, []byte("limit=5"), 400, "ADMIN-400-24", nil},
		{"no body", v2Path, nil, 400, "ADMIN-400-24", nil},
		{"bad cursor", v2Path, map[string]any{"cursor": "kloHX1ZQVasDAkx_P48NYQ"}, 400, "ADMIN-400-1", nil},
		{"cursor with other filters", v2Path, map[string]any{"cursor": page1.Links.Next, "limit": 2, "accountStatus": []string{"active"}}, 400, "ADMIN-400-1", nil},
		{"cursor with another limit is fine", v2Path, map[string]any{"cursor": page1.Links.Next, "limit": 1}, 200, "", []string{"Dennis Ritchie"}},
		{"wrong org", "/admin/v2/orgs/org-other/directories/-/users/search", map[string]any{}, 404, "ADMIN-404-2", nil},
		{"wrong directory", "/admin/v2/orgs/" + OrgID + "/directories/dir-x/users/search", map[string]any{}, 404, "ADMIN-404-1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "POST", tt.path, goodBearer, tt.body)
			if a.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if _, code := appErrorCode(t, a); code != tt.wantCode {
					t.Errorf("code %s, want %s", code, tt.wantCode)
				}
				return
			}
			var names []string
			for _, u := range decode[v2Answer](t, a).Data {
				names = append(names, u.Name)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsersSearchWireShape(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	ari := func(key string) string { return "ari:cloud:" + key + "::site/" + SiteMain }
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"with productAccess", map[string]any{"emails": []string{"ada@example.com"}, "expand": []string{"productAccess"}}, `[{
			"accountId":"` + AdaAccountID + `","accountType":"atlassian","name":"Ada Lovelace","email":"ada@example.com",
			"accountStatus":"active","membershipStatus":"active","claimStatus":"managed","managementSource":"invited","status":"active",
			"addedToOrg":"2024-06-09T09:14:05.000Z",
			"productAccess":[
				{"id":"` + ari("jira-software") + `","key":"jira-software","lastActiveTimestamp":"2026-11-24T09:14:05Z"},
				{"id":"` + ari("confluence") + `","key":"confluence","lastActiveTimestamp":"2026-11-17T09:14:05Z"},
				{"id":"` + ari("jira-service-desk") + `","key":"jira-service-desk"},
				{"id":"` + ari("compass") + `","key":"compass","lastActiveTimestamp":"2026-10-12T09:14:05Z"}],
			"links":{"self":"` + encodeCursor("user", AdaAccountID, 0) + `"}}]`},
		{"never active, no expand", map[string]any{"emails": []string{"margaret@example.com", "dennis@example.com"}}, `[
			{"accountId":"712020:0a1b2c3d-0000-4000-8000-00000000de15","accountType":"atlassian","name":"Dennis Ritchie","email":"dennis@example.com",
			 "accountStatus":"active","membershipStatus":"active","claimStatus":"managed","managementSource":"invited","status":"active",
			 "links":{"self":"` + encodeCursor("user", dennisID, 0) + `"}},
			{"accountId":"712020:0a1b2c3d-0000-4000-8000-000000009a61","accountType":"atlassian","name":"Margaret Hamilton","email":"margaret@example.com",
			 "accountStatus":"active","membershipStatus":"active","claimStatus":"managed","managementSource":"invited","status":"active",
			 "addedToOrg":"2026-11-23T09:14:05.000Z",
			 "links":{"self":"` + encodeCursor("user", "712020:0a1b2c3d-0000-4000-8000-000000009a61", 0) + `"}}]`},
		{"never active, with expand", map[string]any{"emails": []string{"margaret@example.com"}, "expand": []string{"productAccess"}}, `[
			{"accountId":"712020:0a1b2c3d-0000-4000-8000-000000009a61","accountType":"atlassian","name":"Margaret Hamilton","email":"margaret@example.com",
			 "accountStatus":"active","membershipStatus":"active","claimStatus":"managed","managementSource":"invited","status":"active",
			 "addedToOrg":"2026-11-23T09:14:05.000Z","productAccess":[],
			 "links":{"self":"` + encodeCursor("user", "712020:0a1b2c3d-0000-4000-8000-000000009a61", 0) + `"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "POST", v2Path, goodBearer, tt.body)
			got := decode[struct {
				Data  any
				Links map[string]any
			}](t, a)
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got.Data); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if _, ok := got.Links["next"]; ok || got.Links["self"] == "" {
				t.Errorf("links = %v, want self only", got.Links)
			}
		})
	}
}

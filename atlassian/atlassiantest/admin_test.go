package atlassiantest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	alanID   = "712020:0a1b2c3d-0000-4000-8000-0000000a1a17"
	dennisID = "712020:0a1b2c3d-0000-4000-8000-00000000de15"
)

type ladAnswer struct {
	Data struct {
		ProductAccess []struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"product_access"`
	} `json:"data"`
	Links struct {
		Next *string `json:"next"`
	} `json:"links"`
}

// followPages reads every page the way a client should: the cursor goes
// back through url.Values, which escapes "+", "/" and "=".
func followPages(t *testing.T, s *Server, accountID string) (ids []string, pages int) {
	t.Helper()
	path := lastActivePath(OrgID, accountID)
	for next := ""; ; pages++ {
		q := ""
		if next != "" {
			q = "?" + url.Values{"cursor": {next}}.Encode()
		}
		a := call(t, s, "GET", path+q, goodBearer, nil)
		if a.status != 200 {
			t.Fatalf("page %d: %d %s", pages, a.status, a.body)
		}
		page := decode[ladAnswer](t, a)
		for _, p := range page.Data.ProductAccess {
			ids = append(ids, p.Key+"@"+p.ID[strings.LastIndex(p.ID, "/")+1:])
		}
		if page.Links.Next == nil {
			if !strings.HasSuffix(string(a.body), `"links":{"next":null}}`) {
				t.Errorf("last page should end with a null next: %s", a.body)
			}
			return ids, pages + 1
		}
		next = *page.Links.Next
		if !strings.Contains(next, "+/") || !strings.HasSuffix(next, "=") {
			t.Errorf("cursor %q should need URL encoding", next)
		}
	}
}

func TestLastActivePaging(t *testing.T) {
	t.Parallel()
	alan := []string{"jira-software@" + SiteMain, "jira-software@" + SiteSecond, "confluence@" + SiteMain,
		"confluence@" + SiteSecond, "jira-service-desk@" + SiteMain, "loom@" + SiteMain}
	tests := []struct {
		name      string
		pageSize  int
		account   string
		want      []string
		wantPages int
	}{
		{"six products by 2", 2, alanID, alan, 3},
		{"six products by 4", 4, alanID, alan, 2},
		{"one page", 100, alanID, alan, 1},
		{"never active", 2, "712020:0a1b2c3d-0000-4000-8000-000000009a61", nil, 1},
		{"exactly one full page", 2, "712020:0a1b2c3d-0000-4000-8000-00000006ace1",
			[]string{"jira-software@" + SiteMain, "confluence@" + SiteMain}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSample(t, WithPageSize(tt.pageSize))
			got, pages := followPages(t, s, tt.account)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("products (-want +got):\n%s", diff)
			}
			if pages != tt.wantPages || s.Count("admin", "/admin/v1/") != tt.wantPages {
				t.Errorf("pages = %d, requests = %d, want %d", pages, s.Count("admin", "/admin/v1/"), tt.wantPages)
			}
		})
	}
}

func TestLastActiveErrors(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	first := decode[ladAnswer](t, call(t, s, "GET", lastActivePath(OrgID, alanID), goodBearer, nil))
	cursor := *first.Links.Next
	tests := []struct {
		name, path string
		wantStatus int
		wantCode   string
	}{
		{"wrong org", lastActivePath("org-other", AdaAccountID), 404, "ADMIN-404-2"},
		{"unknown account", lastActivePath(OrgID, "712020:nobody"), 404, "ADMIN-404-8"},
		{"not a member", lastActivePath(OrgID, "712020:0a1b2c3d-0000-4000-8000-00000000ba7b"), 404, "ADMIN-404-8"},
		{"JSM customer", lastActivePath(OrgID, "qm:1a2b3c4d-0000-4000-8000-000000000000:5e6f7a8b-0000-4000-8000-000000000ada"), 404, "ADMIN-404-8"},
		{"cursor not URL-encoded", lastActivePath(OrgID, alanID) + "?cursor=" + cursor, 400, "ADMIN-400-1"},
		{"unknown cursor", lastActivePath(OrgID, alanID) + "?cursor=Qh8E1QpVV00ys%2FxI7pHI7Q..", 400, "ADMIN-400-1"},
		{"empty cursor", lastActivePath(OrgID, alanID) + "?cursor=", 400, "ADMIN-400-1"},
		{"another user's cursor", lastActivePath(OrgID, AdaAccountID) + "?" + url.Values{"cursor": {cursor}}.Encode(), 400, "ADMIN-400-1"},
		{"cursor past the end", lastActivePath(OrgID, alanID) + "?" + url.Values{"cursor": {encodeCursor("lad", alanID, 6)}}.Encode(), 400, "ADMIN-400-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "GET", tt.path, goodBearer, nil)
			if a.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.wantStatus)
			}
			status, code := appErrorCode(t, a)
			if status != strconv.Itoa(tt.wantStatus) || code != tt.wantCode {
				t.Errorf("got status %q code %q, want %d %s", status, code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

// TestLastActiveWireShape pins the exact documented shape: snake_case, dates
// and timestamps in UTC, last_active absent for never-used products,
// added_to_org absent or null when unknown, links.next null at the end.
func TestLastActiveWireShape(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	ari := func(key, site string) string { return "ari:cloud:" + key + "::site/" + site }
	tests := []struct {
		name, account, cursor string
		want                  string
	}{
		{"Ada page 1", AdaAccountID, "", `{"data":{"product_access":[
			{"id":"` + ari("jira-software", SiteMain) + `","key":"jira-software","last_active":"2026-11-24","last_active_timestamp":"2026-11-24T09:14:05Z"},
			{"id":"` + ari("confluence", SiteMain) + `","key":"confluence","last_active":"2026-11-17","last_active_timestamp":"2026-11-17T09:14:05Z"}],
			"added_to_org":"2024-06-09","added_to_org_timestamp":"2024-06-09T09:14:05Z"},
			"links":{"next":"` + encodeCursor("lad", AdaAccountID, 2) + `"}}`},
		{"Ada page 2", AdaAccountID, encodeCursor("lad", AdaAccountID, 2), `{"data":{"product_access":[
			{"id":"` + ari("jira-service-desk", SiteMain) + `","key":"jira-service-desk"},
			{"id":"` + ari("compass", SiteMain) + `","key":"compass","last_active":"2026-10-12","last_active_timestamp":"2026-10-12T09:14:05Z"}],
			"added_to_org":"2024-06-09","added_to_org_timestamp":"2024-06-09T09:14:05Z"},
			"links":{"next":null}}`},
		{"Margaret never active", "712020:0a1b2c3d-0000-4000-8000-000000009a61", "", `{"data":{"product_access":[],
			"added_to_org":"2026-11-23","added_to_org_timestamp":"2026-11-23T09:14:05Z"},"links":{"next":null}}`},
		{"Dennis without join date", dennisID, "", `{"data":{"product_access":[
			{"id":"` + ari("confluence", SiteMain) + `","key":"confluence","last_active":"2026-10-27","last_active_timestamp":"2026-10-27T09:14:05Z"}]},
			"links":{"next":null}}`},
		{"Tim dates only", "712020:0a1b2c3d-0000-4000-8000-00000000071b", "", `{"data":{"product_access":[
			{"id":"` + ari("confluence", SiteMain) + `","key":"confluence","last_active":"2026-11-11"},
			{"id":"` + ari("jira-software", SiteMain) + `","key":"jira-software","last_active":"2026-08-23"}],
			"added_to_org":"2024-09-17","added_to_org_timestamp":"2024-09-17T09:14:05Z"},"links":{"next":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := lastActivePath(OrgID, tt.account)
			if tt.cursor != "" {
				path += "?" + url.Values{"cursor": {tt.cursor}}.Encode()
			}
			a := call(t, s, "GET", path, goodBearer, nil)
			var want, got any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			got = decode[any](t, a)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
				if a.header.Get(h) == "" {
					t.Errorf("missing header %s", h)
				}
			}
		})
	}
}

// TestMissingJoinDateTakesBothForms makes sure clients meet both the absent
// and the null form of added_to_org across users.
func TestMissingJoinDateTakesBothForms(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	forms := map[string]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		s.SetUser(User{AccountID: id, DisplayName: id})
		a := call(t, s, "GET", lastActivePath(OrgID, id), goodBearer, nil)
		data := decode[struct{ Data map[string]any }](t, a).Data
		v, present := data["added_to_org"]
		switch {
		case !present:
			forms["absent"] = true
		case v == nil:
			forms["null"] = true
		default:
			t.Errorf("%s: added_to_org = %v", id, v)
		}
	}
	if len(forms) != 2 {
		t.Errorf("forms seen: %v, want absent and null", forms)
	}
}

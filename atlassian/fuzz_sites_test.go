package atlassian

import (
	"strings"
	"testing"
)

func FuzzDecodeWorkspacesPage(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"58d24034","attributes":{"name":"Acme","type":"jira","hostUrl":"https://acme.atlassian.net","capacity":50}}],"links":{"next":"abc"}}`))
	f.Add([]byte(`{"data":[{"id":"ari:cloud:confluence::site/x","attributes":{"hostUrl":null,"capacity":null}}],"links":{"next":"https://h/admin?cursor=a%2Bb"}}`))
	f.Add([]byte(`{"data":[{"id":"ari:cloud:jira::site/","attributes":{"hostUrl":"user:pw@evil/x"}}]}`))
	f.Add([]byte(`{"data":[{"id":"c","attributes":{"hostUrl":"ex ample.com","capacity":99999999999999}}]}`))
	f.Add([]byte(`{"data":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeWorkspacesPage(b)
		if err != nil {
			return
		}
		for _, w := range p.workspaces {
			if w.ID == "" || w.CloudID == "" || w.CloudID != CloudID(w.ID) {
				t.Fatalf("workspace %+v without a consistent cloud ID", w)
			}
			if w.Capacity < 0 {
				t.Fatalf("negative capacity %d", w.Capacity)
			}
			// A host is shown to people as a site name: a plain DNS name only.
			if strings.ContainsAny(w.Host, "/@: \t\n?#") || w.Host != strings.ToLower(w.Host) {
				t.Fatalf("host %q is not a plain host name", w.Host)
			}
		}
		sites := NewSites(p.workspaces)
		for _, w := range p.workspaces {
			if h, ok := sites.Host(w.ID); w.Host != "" && (!ok || h == "") {
				t.Fatalf("Host(%q) = %q, %v for a workspace with host %q", w.ID, h, ok, w.Host)
			}
		}
	})
}

// FuzzCloudID: the cloud ID of an ARI never contains "/" and an ARI never
// comes back whole; a bare ID comes back trimmed.
func FuzzCloudID(f *testing.F) {
	for _, s := range []string{"ari:cloud:confluence::site/58d24034", "58d24034", "ari:cloud:jira::site/", "ari:", " x ", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := CloudID(s)
		if strings.HasPrefix(strings.TrimSpace(s), "ari:") {
			if strings.Contains(id, "/") {
				t.Fatalf("CloudID(%q) = %q holds a slash", s, id)
			}
			if id != "" && !strings.HasSuffix(strings.TrimSpace(s), "/"+id) {
				t.Fatalf("CloudID(%q) = %q is not the ARI's last segment", s, id)
			}
			return
		}
		if id != strings.TrimSpace(s) {
			t.Fatalf("CloudID(%q) = %q, want the trimmed input", s, id)
		}
	})
}

func FuzzDecodeDirectoryUsers(f *testing.F) {
	addFixtures(f, "admin-v2-users-search")
	f.Add([]byte(`{"data":[{"accountId":"a","accountStatus":"inactive","membershipStatus":"suspended","managementSource":null}]}`))
	f.Add([]byte(`{"data":[{"accountId":"a","accountStatus":"weird"}]}`))
	f.Add([]byte(`{"data":[{"email":"x@y"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		users, err := decodeDirectoryUsers(b)
		if err != nil {
			return
		}
		for _, u := range users {
			if u.AccountID == "" {
				t.Fatal("user without an account ID accepted")
			}
			// Only an account the API calls active may read as active.
			if u.Status == StatusActive && (u.AccountStatus != "active" || u.MembershipStatus == "suspended") {
				t.Fatalf("%+v reads as active", u)
			}
			switch u.Status {
			case "", StatusActive, StatusSuspended, StatusDeactivated, StatusClosed:
			default:
				t.Fatalf("status %q outside the set", u.Status)
			}
		}
	})
}

func FuzzDecodeOrg(f *testing.F) {
	f.Add([]byte(`{"data":{"id":"org-1","type":"orgs","attributes":{"name":"Acme"}}}`))
	f.Add([]byte(`{"data":{"id":"","type":"orgs"}}`))
	f.Add([]byte(`{"data":{"id":"x","type":"users"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := decodeOrg(b)
		if err == nil && o.ID == "" {
			t.Fatal("organisation without an ID accepted")
		}
	})
}

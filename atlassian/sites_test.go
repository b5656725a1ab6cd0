package atlassian_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

func TestWorkspacesAndSites(t *testing.T) {
	t.Parallel()
	c, srv := fakeClient(t, false, nil)
	ws, err := c.Workspaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	main, second := atlassiantest.SiteMain, atlassiantest.SiteSecond
	want := []atlassian.Workspace{
		{ID: main, CloudID: main, Name: "Acme", Type: "jira", Host: "acme.atlassian.net", URL: "https://acme.atlassian.net", Capacity: 50, Status: "online"},
		{ID: "ari:cloud:confluence::site/" + main, CloudID: main, Name: "Acme", Type: "confluence", Host: "acme.atlassian.net", URL: "https://acme.atlassian.net", Status: "online"},
		{ID: "ari:cloud:jira::site/" + second, CloudID: second, Name: "Acme EU", Type: "jira", Host: "acme-eu.atlassian.net", URL: "https://acme-eu.atlassian.net", Status: "online"},
		{ID: second, CloudID: second, Name: "Acme EU", Type: "confluence", Host: "acme-eu.atlassian.net", URL: "https://acme-eu.atlassian.net", Status: "online"},
	}
	if diff := cmp.Diff(want, ws); diff != "" {
		t.Errorf("workspaces (-want +got):\n%s", diff)
	}
	if got := srv.CountEndpoint(atlassiantest.EndpointWorkspaces); got != 2 {
		t.Errorf("%d workspace requests, want 2 (two pages)", got)
	}
	// The second request carries the cursor alone, as the API demands.
	var bodies []map[string]any
	for _, r := range srv.Requests() {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, m)
	}
	if len(bodies) != 2 || bodies[0]["limit"] != float64(100) || len(bodies[1]) != 1 || bodies[1]["cursor"] == "" {
		t.Errorf("request bodies = %v", bodies)
	}

	sites := atlassian.NewSites(ws)
	for _, tt := range []struct {
		id, host string
		ok       bool
	}{
		{main, "acme.atlassian.net", true},
		{"ari:cloud:jira-software::site/" + main, "acme.atlassian.net", true},
		{"ari:cloud:confluence::site/" + second, "acme-eu.atlassian.net", true},
		{"ari:cloud:confluence::site/unknown-cloud", "", false},
		{"", "", false},
	} {
		if host, ok := sites.Host(tt.id); host != tt.host || ok != tt.ok {
			t.Errorf("Host(%q) = %q, %v; want %q, %v", tt.id, host, ok, tt.host, tt.ok)
		}
	}
	if sites.Len() != 2 {
		t.Errorf("Len = %d, want 2", sites.Len())
	}
	if _, ok := (atlassian.Sites{}).Host(main); ok {
		t.Error("the zero Sites knows a site")
	}
}

func TestCloudID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"58d24034-e3ec-11ed-b5ea-0242ac120002", "58d24034-e3ec-11ed-b5ea-0242ac120002"},
		{"ari:cloud:confluence::site/58d24034", "58d24034"},
		{"ari:cloud:jira-software::site/abc", "abc"},
		{" ari:cloud:jira::site/abc ", "abc"},
		{"ari:cloud:jira::site/", ""},
		{"ari:cloud:platform::org", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := atlassian.CloudID(tt.in); got != tt.want {
			t.Errorf("CloudID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWorkspacesLinksNextAsURL: the spec calls links.next a URL; a cursor
// inside one is followed like a bare cursor, and a repeating one stops.
func TestWorkspacesLinksNextAsURL(t *testing.T) {
	t.Parallel()
	var calls int
	srv := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		switch body["cursor"] {
		case "":
			fmt.Fprint(w, `{"data":[{"id":"c1","attributes":{"hostUrl":"one.atlassian.net","capacity":-3}}],
				"links":{"next":"https://api.atlassian.com/admin/v2/orgs/o/workspaces?cursor=abc%2B%2F%3D"}}`)
		case "abc+/=":
			fmt.Fprint(w, `{"data":[{"id":"c2","attributes":{"hostUrl":"https://Two.atlassian.net/","capacity":7}}],"links":{"next":"abc+/="}}`)
		default:
			t.Errorf("unexpected cursor %q", body["cursor"])
		}
	})
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Workspaces(context.Background())
	if !errors.Is(err, atlassian.ErrBadResponse) || calls != 2 {
		t.Fatalf("err = %v after %d calls, want ErrBadResponse (cursor loop) after 2", err, calls)
	}
}

func TestFindByEmail(t *testing.T) {
	t.Parallel()
	const prefix = "712020:0a1b2c3d-0000-4000-8000-"
	tests := []struct {
		email      string
		wantID     string
		wantStatus atlassian.AccountStatus
		wantSource string
		wantKind   atlassian.Kind
	}{
		{email: "ADA@example.com", wantID: atlassiantest.AdaAccountID, wantStatus: atlassian.StatusActive, wantSource: "invited"},
		{email: "edsger@example.com", wantID: prefix + "00000000ed5e", wantStatus: atlassian.StatusSuspended, wantSource: "invited"},
		{email: "ken@example.com", wantID: prefix + "000000000ce2", wantStatus: atlassian.StatusDeactivated, wantSource: "invited"},
		{email: "hedy@example.com", wantID: prefix + "000000004ed1", wantStatus: atlassian.StatusActive, wantSource: "invited"},
		{email: "tim@example.org", wantID: prefix + "00000000071b", wantStatus: atlassian.StatusActive}, // unmanaged: no source
		{email: "sam@example.com", wantKind: atlassian.ErrAmbiguous},
		{email: "barbara@partner.example", wantKind: atlassian.ErrNotFound}, // not a member
		{email: "nobody@example.com", wantKind: atlassian.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			t.Parallel()
			c, srv := fakeClient(t, false, nil)
			du, err := c.FindByEmail(context.Background(), tt.email)
			if atlassian.KindOf(err) != tt.wantKind {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			if srv.CountEndpoint(atlassiantest.EndpointEmailSearch) != 1 || len(srv.Requests()) != 1 {
				t.Errorf("requests = %d, want exactly 1 exact-email search", len(srv.Requests()))
			}
			if tt.wantKind == atlassian.ErrAmbiguous {
				var e *atlassian.Error
				if errors.As(err, &e); len(e.Candidates) != 2 {
					t.Errorf("candidates = %+v, want the two Sams", e.Candidates)
				}
			}
			if tt.wantKind != "" {
				return
			}
			if du.AccountID != tt.wantID || du.Status != tt.wantStatus || du.ManagementSource != tt.wantSource || du.Name == "" {
				t.Errorf("got %+v, want %s %s source %q", du, tt.wantID, tt.wantStatus, tt.wantSource)
			}
			if a := du.Account(); a.Status != tt.wantStatus || a.AccountID != tt.wantID {
				t.Errorf("Account() = %+v", a)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		jira       bool
		email      string
		wantName   string
		wantVia    atlassian.Via
		wantStatus atlassian.AccountStatus
		wantKind   atlassian.Kind
		jiraCalls  int
		adminCalls int // exact-email searches
	}{
		{"jira finds a visible match", true, "ada@example.com", "Ada Lovelace", atlassian.ViaJira, "", "", 1, 0},
		{"jira cannot see her", true, "hedy@example.com", "Hedy Lamarr", atlassian.ViaAdmin, atlassian.StatusActive, "", 1, 1},
		{"hidden email asks the admin search", true, "katherine@example.com", "Katherine Johnson", atlassian.ViaAdmin, atlassian.StatusActive, "", 1, 1},
		{"deactivated: only admin knows", true, "ken@example.com", "Ken Thompson", atlassian.ViaAdmin, atlassian.StatusDeactivated, "", 1, 1},
		{"several visible matches stay ambiguous", true, "sam@example.com", "", atlassian.ViaJira, "", atlassian.ErrAmbiguous, 1, 0},
		{"nobody anywhere", true, "nobody@example.com", "", atlassian.ViaAdmin, "", atlassian.ErrNotFound, 1, 1},
		{"no jira: admin only", false, "ada@example.com", "Ada Lovelace", atlassian.ViaAdmin, atlassian.StatusActive, "", 0, 1},
		{"no jira: suspended", false, "edsger@example.com", "Edsger Dijkstra", atlassian.ViaAdmin, atlassian.StatusSuspended, "", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := fakeClient(t, tt.jira, nil)
			a, via, err := c.Resolve(context.Background(), tt.email)
			if atlassian.KindOf(err) != tt.wantKind {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			if a.DisplayName != tt.wantName || via != tt.wantVia || a.Status != tt.wantStatus {
				t.Errorf("got %q via %q status %q; want %q via %q status %q", a.DisplayName, via, a.Status, tt.wantName, tt.wantVia, tt.wantStatus)
			}
			jira := srv.CountEndpoint(atlassiantest.EndpointJiraSearch)
			admin := srv.CountEndpoint(atlassiantest.EndpointEmailSearch)
			if jira != tt.jiraCalls || admin != tt.adminCalls || len(srv.Requests()) != jira+admin {
				t.Errorf("calls: jira %d, email search %d, all %d; want %d, %d", jira, admin, len(srv.Requests()), tt.jiraCalls, tt.adminCalls)
			}
		})
	}
}

// TestResolveKeepsJiraFailures: a Jira outage or rejected token is not
// hidden behind the Admin search.
func TestResolveKeepsJiraFailures(t *testing.T) {
	t.Parallel()
	c, srv := fakeClient(t, true, nil)
	srv.Reject(atlassiantest.Rejections{JiraToken: true})
	_, via, err := c.Resolve(context.Background(), "hedy@example.com")
	if !errors.Is(err, atlassian.ErrCredentials) || via != atlassian.ViaJira {
		t.Errorf("err = %v via %q, want Jira's ErrCredentials", err, via)
	}
	if n := srv.CountEndpoint(atlassiantest.EndpointEmailSearch); n != 0 {
		t.Errorf("%d admin searches after a Jira failure, want 0", n)
	}
}

// serveHTTP starts a loopback server that the test closes at its end.
func serveHTTP(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestWorkspacesCursorForms: links.next is an opaque cursor, which may
// start with "/" (base64's alphabet has it): it is sent back as it is,
// not read as a URL path with no cursor (which ended paging silently). A
// full URL gives its cursor parameter; one without a cursor is a bad
// answer, not the last page.
func TestWorkspacesCursorForms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, next, wantCursor string
		bad                    bool
	}{
		{"opaque starting with a slash", "/xI7pHI7Q..", "/xI7pHI7Q..", false},
		{"url", "https://api.atlassian.com/admin/v2/orgs/o/workspaces?cursor=abc%2B", "abc+", false},
		{"url without a cursor", "https://api.atlassian.com/admin/v2/orgs/o/workspaces?cursor=", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			var mu sync.Mutex
			srv := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
				var body map[string]string
				json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				got = append(got, body["cursor"])
				mu.Unlock()
				if body["cursor"] == "" {
					fmt.Fprintf(w, `{"data":[{"id":"c1","attributes":{"hostUrl":"one.atlassian.net"}}],"links":{"next":%q}}`, c.next)
					return
				}
				fmt.Fprint(w, `{"data":[{"id":"c2","attributes":{"hostUrl":"two.atlassian.net"}}],"links":{"next":null}}`)
			})
			cl, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			ws, err := cl.Workspaces(context.Background())
			if c.bad {
				if !errors.Is(err, atlassian.ErrBadResponse) {
					t.Fatalf("err = %v (%d workspaces), want ErrBadResponse", err, len(ws))
				}
				return
			}
			if err != nil || len(ws) != 2 || len(got) != 2 || got[1] != c.wantCursor {
				t.Fatalf("%d workspaces, %v; cursors sent %q, want the second %q", len(ws), err, got, c.wantCursor)
			}
		})
	}
}

// TestWorkspacesOddCapacityIsDropped: a capacity that is no positive
// integer (a string, a fraction, a boolean, an object) is dropped, as a
// negative one is, keeping the workspace and its host: it failed the whole
// page, and every site of every reply was then shown by its cloud ID.
func TestWorkspacesOddCapacityIsDropped(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		capacity string
		want     int
	}{
		{`50`, 50},
		{`5e1`, 50},
		{`50.0`, 50},
		{`null`, 0},
		{`-3`, 0},
		{`"50"`, 0},
		{`50.5`, 0},
		{`true`, 0},
		{`{"seats":50}`, 0},
		{`[50]`, 0},
		{`1e400`, 0},
		{`99999999999999999999999`, 0},
	} {
		srv := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":[{"id":"c1","attributes":{"hostUrl":"one.atlassian.net","capacity":%s}}],"links":{}}`, c.capacity)
		})
		cl, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		ws, err := cl.Workspaces(context.Background())
		if err != nil || len(ws) != 1 {
			t.Errorf("capacity %s: %d workspaces, %v", c.capacity, len(ws), err)
			continue
		}
		if ws[0].Host != "one.atlassian.net" || ws[0].Capacity != c.want {
			t.Errorf("capacity %s: host %q, capacity %d, want %d", c.capacity, ws[0].Host, ws[0].Capacity, c.want)
		}
	}
}

// TestWorkspacesOddEntryIsSkipped: one workspace the bot cannot use (no ID,
// an ARI with no cloud ID, an ID past the bound, fields of another type
// than the spec's strings) is left out; the others still name their sites.
// Before, one such entry failed the whole read, and every reply lost the
// names of all sites.
func TestWorkspacesOddEntryIsSkipped(t *testing.T) {
	t.Parallel()
	good := `{"id":"c1","attributes":{"name":"One","hostUrl":"one.atlassian.net"}}`
	long := fmt.Sprintf("%0300d", 1)
	for _, c := range []struct {
		name, entry string
		want        []string // hosts of the workspaces kept, in order
	}{
		{"no id", `{"attributes":{"name":"X","hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"empty id", `{"id":"  ","attributes":{"hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"id null", `{"id":null,"attributes":{"hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"ARI without a cloud ID", `{"id":"ari:cloud:jira::site/","attributes":{"hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"id too long", `{"id":"` + long + `","attributes":{"hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"id a number", `{"id":7,"attributes":{"hostUrl":"x.atlassian.net"}}`, []string{"one.atlassian.net"}},
		{"entry not an object", `"c2"`, []string{"one.atlassian.net"}},
		{"entry null", `null`, []string{"one.atlassian.net"}},
		// Kept: the ID is what product access is matched by; a field of
		// another type is read as empty.
		{"name a number", `{"id":"c2","attributes":{"name":5,"hostUrl":"two.atlassian.net"}}`, []string{"one.atlassian.net", "two.atlassian.net"}},
		{"hostUrl an object", `{"id":"c2","attributes":{"name":"Two","hostUrl":{"u":1}}}`, []string{"one.atlassian.net", ""}},
		{"attributes a list", `{"id":"c2","attributes":[1]}`, []string{"one.atlassian.net", ""}},
	} {
		srv := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":[%s,%s],"links":{}}`, good, c.entry)
		})
		cl, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		ws, err := cl.Workspaces(context.Background())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var hosts []string
		for _, w := range ws {
			hosts = append(hosts, w.Host)
		}
		if diff := cmp.Diff(c.want, hosts); diff != "" {
			t.Errorf("%s: hosts (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestWorkspacesNoReadableEntryIsAnError: a page whose entries all fail is
// an answer whose shape has changed, said as a bad response, not an org
// with no sites.
func TestWorkspacesNoReadableEntryIsAnError(t *testing.T) {
	t.Parallel()
	srv := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":[{"workspaceId":"c1"},{"id":""}],"links":{}}`)
	})
	cl, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := cl.Workspaces(context.Background())
	if !errors.Is(err, atlassian.ErrBadResponse) || len(ws) != 0 {
		t.Fatalf("Workspaces = %v, %v; want a bad response", ws, err)
	}
	if want := "no workspace in the page could be read (2 entries; data[0]: no id)"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

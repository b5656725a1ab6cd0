package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testAccountID = "5b10ac8d82e05b22cc7d4ef5"

var testAdminPath = "/admin/v1/orgs/" + testOrgID + "/directory/users/" + testAccountID + "/last-active-dates"

const site = "58d24034-e3ec-11ed-b5ea-0242ac120002"

func TestLastActiveTutorial(t *testing.T) {
	t.Parallel()
	body := fixture(t, "admin-last-active-dates.200.tutorial.json")
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r, "Bearer "+testAPIKey)
		if r.URL.Path != testAdminPath || r.URL.RawQuery != "" {
			t.Errorf("request %s?%s, want %s", r.URL.Path, r.URL.RawQuery, testAdminPath)
		}
		w.Write(body)
	})
	c, _ := newTestClient(t, srv.URL)

	got, err := c.LastActive(context.Background(), testAccountID)
	if err != nil {
		t.Fatal(err)
	}
	want := &Activity{
		AccountID: testAccountID,
		Products: []ProductActivity{
			{ID: "ari:cloud:jira-software::site/" + site, Key: "jira-software", LastActive: day("2023-01-19")},
			{ID: "ari:cloud:confluence::site/" + site, Key: "confluence", LastActive: day("2023-01-12")},
		},
		AddedToOrg: day("2023-01-11"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LastActive (-want +got):\n%s", diff)
	}
	if got.Products[0].SiteID() != site {
		t.Errorf("SiteID = %q", got.Products[0].SiteID())
	}
}

// TestLastActiveThreePages checks that every page is fetched with its cursor
// intact, even cursors with characters that mean something in a URL.
func TestLastActiveThreePages(t *testing.T) {
	t.Parallel()
	const (
		cursor2 = "Qh8E1QpVV00ys/xI7pHI7Q=="
		cursor3 = "a+b/c=d&e?f%2F g.."
	)
	pages := map[string]string{
		"": `{"data":{"product_access":[{"id":"ari:cloud:jira-software::site/s1","key":"jira-software","last_active":"2026-11-20"}],
		      "added_to_org":"2024-03-04"},"links":{"next":"` + cursor2 + `"}}`,
		cursor2: `{"data":{"product_access":[{"id":"ari:cloud:confluence::site/s1","key":"confluence","last_active":"2026-10-02"},
		      {"id":"ari:cloud:compass::site/s1","key":"compass"}],"added_to_org":"2024-03-04"},"links":{"next":"` + cursor3 + `"}}`,
		cursor3: `{"data":{"product_access":[{"id":"ari:cloud:confluence::site/s2","key":"confluence","last_active":"2025-01-31",
		      "last_active_timestamp":"2025-01-31T23:59:59Z","future_field":{"x":1}}]},"links":{"next":""}}`,
	}
	var (
		mu  sync.Mutex
		got []string
	)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r, "Bearer "+testAPIKey)
		if r.URL.Path != testAdminPath {
			t.Errorf("path = %q, want %q", r.URL.Path, testAdminPath)
		}
		q := r.URL.Query()
		cursor := q.Get("cursor")
		if len(q) > 1 || (len(q) == 1 && cursor == "") {
			t.Errorf("unexpected query %q", r.URL.RawQuery)
		}
		mu.Lock()
		got = append(got, cursor)
		mu.Unlock()
		page, ok := pages[cursor]
		if !ok {
			t.Errorf("unknown cursor %q (raw query %q)", cursor, r.URL.RawQuery)
			http.Error(w, "{}", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, page)
	})
	c, _ := newTestClient(t, srv.URL)

	act, err := c.LastActive(context.Background(), testAccountID)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"", cursor2, cursor3}, got); diff != "" {
		t.Errorf("cursors received (-want +got):\n%s", diff)
	}
	want := &Activity{
		AccountID: testAccountID,
		Products: []ProductActivity{
			{ID: "ari:cloud:jira-software::site/s1", Key: "jira-software", LastActive: day("2026-11-20")},
			{ID: "ari:cloud:confluence::site/s1", Key: "confluence", LastActive: day("2026-10-02")},
			{ID: "ari:cloud:compass::site/s1", Key: "compass"},
			{ID: "ari:cloud:confluence::site/s2", Key: "confluence", LastActive: day("2025-01-31"),
				LastActiveTimestamp: instant("2025-01-31T23:59:59Z")},
		},
		AddedToOrg: day("2024-03-04"),
	}
	if diff := cmp.Diff(want, act); diff != "" {
		t.Errorf("LastActive (-want +got):\n%s", diff)
	}
}

// TestLastActiveSchemaDerived runs every fixture in testdata/schema-derived
// through LastActive (Jira ones are in TestFindAccountSchemaDerived): each
// must decode to the expected value or end in the right kind of error.
func TestLastActiveSchemaDerived(t *testing.T) {
	t.Parallel()
	jiraSW := ProductActivity{ID: "ari:cloud:jira-software::site/" + site, Key: "jira-software"}
	conf := ProductActivity{ID: "ari:cloud:confluence::site/" + site, Key: "confluence"}
	withDay := func(p ProductActivity, d string) ProductActivity { p.LastActive = day(d); return p }

	tests := []struct {
		file     string
		status   int
		want     *Activity // for 200
		wantKind Kind
		wantCode string
	}{
		{file: "admin-error.400.ADMIN-400-4.json", status: 400, wantKind: ErrRejected, wantCode: "ADMIN-400-4"},
		{file: "admin-error.401.ADMIN-401-2.json", status: 401, wantKind: ErrCredentials, wantCode: "ADMIN-401-2"},
		{file: "admin-error.401.proxy.json", status: 401, wantKind: ErrCredentials},
		{file: "admin-error.403.ADMIN-403-3.json", status: 403, wantKind: ErrCredentials, wantCode: "ADMIN-403-3"},
		{file: "admin-error.404.ADMIN-404-8.json", status: 404, wantKind: ErrNotFound, wantCode: "ADMIN-404-8"},
		{file: "admin-error.429.proxy.json", status: 429, wantKind: ErrRateLimited},
		{file: "admin-error.500.ADMIN-500-1.json", status: 500, wantKind: ErrUnavailable, wantCode: "ADMIN-500-1"},
		{file: "admin-last-active-dates.200.never-active.json", status: 200,
			want: &Activity{Products: []ProductActivity{}, AddedToOrg: day("2026-11-25")}},
		{file: "admin-last-active-dates.200.no-added-to-org.json", status: 200,
			want: &Activity{Products: []ProductActivity{withDay(conf, "2025-12-31")}}},
		{file: "admin-last-active-dates.200.page2-of-2.json", status: 200,
			want: &Activity{Products: []ProductActivity{withDay(conf, "2026-10-02")}, AddedToOrg: day("2024-03-04")}},
		{file: "admin-last-active-dates.200.with-timestamps.json", status: 200,
			want: &Activity{
				Products: []ProductActivity{
					{ID: jiraSW.ID, Key: jiraSW.Key, LastActive: day("2026-11-20"), LastActiveTimestamp: instant("2026-11-20T09:14:05Z")},
					{ID: conf.ID, Key: conf.Key, LastActive: day("2026-10-02"), LastActiveTimestamp: instant("2026-10-02T16:40:51Z")},
					{ID: "ari:cloud:jira-servicedesk::site/" + site, Key: "jira-service-desk"},
				},
				AddedToOrg:          day("2024-03-04"),
				AddedToOrgTimestamp: instant("2024-03-04T08:00:00Z"),
			}},
		// Other endpoints' answers ("data" is a list) must not pass for ours.
		{file: "admin-v1-users.200.json", status: 200, wantKind: ErrBadResponse},
		{file: "admin-v2-users-search.200.json", status: 200, wantKind: ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := fixture(t, "schema-derived/"+tt.file)
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				checkAuth(t, r, "Bearer "+testAPIKey)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write(body)
			})
			c, _ := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxAttempts: 2}))
			got, err := c.LastActive(context.Background(), testAccountID)
			if tt.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				tt.want.AccountID = testAccountID
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("LastActive (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			e := asError(t, err)
			if e.API != Admin || e.Code != tt.wantCode || e.Status != tt.status || e.Path != testAdminPath {
				t.Errorf("error = %+v, want API admin, code %q, status %d, path %s", e, tt.wantCode, tt.status, testAdminPath)
			}
		})
	}
}

// TestLastActiveStatusMapping covers statuses that have no fixture, among
// them the two meanings of 404 and bodies that are not JSON.
func TestLastActiveStatusMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind Kind
		wantCode string
		attempts int32
	}{
		{"org not found", 404, `{"errors":[{"status":"404","code":"ADMIN-404-2","title":"Organization not found"}]}`, ErrRejected, "ADMIN-404-2", 1},
		{"route 404 without code", 404, `<html>nope</html>`, ErrRejected, "", 1},
		{"403 html", 403, `<html>forbidden</html>`, ErrCredentials, "", 1},
		{"429 application shape", 429, `{"errors":[{"status":"429","code":"ADMIN-429-1"}]}`, ErrRateLimited, "ADMIN-429-1", 3},
		{"502 gateway page", 502, `<html>Bad gateway</html>`, ErrUnavailable, "", 3},
		{"409", 409, `{}`, ErrRejected, "", 1},
		{"200 not JSON", 200, `<html>login</html>`, ErrBadResponse, "", 1},
		{"200 empty", 200, ``, ErrBadResponse, "", 1},
		{"200 without product_access", 200, `{"data":{}}`, ErrBadResponse, "", 1},
		{"200 product without key", 200, `{"data":{"product_access":[{"id":"x"}]}}`, ErrBadResponse, "", 1},
		{"200 bad date", 200, `{"data":{"product_access":[{"id":"x","key":"k","last_active":"yesterday"}]}}`, ErrBadResponse, "", 1},
		{"redirect elsewhere", 302, ``, ErrBadResponse, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.status == 302 {
					// Another host: following it would carry the API key there.
					w.Header().Set("Location", "http://evil.invalid/steal")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c, _ := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxAttempts: 3}))
			_, err := c.LastActive(context.Background(), testAccountID)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			if e := asError(t, err); e.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", e.Code, tt.wantCode)
			}
			if got := calls.Load(); got != tt.attempts {
				t.Errorf("server saw %d requests, want %d", got, tt.attempts)
			}
		})
	}
}

func TestLastActiveRepeatingCursor(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// Page a points to b, b back to a: a loop a naive client never leaves.
		next := "a"
		if r.URL.Query().Get("cursor") == "a" {
			next = "b"
		}
		fmt.Fprintf(w, `{"data":{"product_access":[]},"links":{"next":%q}}`, next)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "repeats") {
		t.Fatalf("err = %v, want ErrBadResponse about a repeated cursor", err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("server saw %d requests, want 3", got)
	}
}

// TestLastActiveLinksNextAsURL: a links.next sent as the URL of the next
// page (as the spec describes it, and as Workspaces reads it) gives its
// cursor, sent to the configured host; the whole URL sent back as the
// cursor is a request Atlassian rejects.
func TestLastActiveLinksNextAsURL(t *testing.T) {
	t.Parallel()
	var cursors []string
	var mu sync.Mutex
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		c := r.URL.Query().Get("cursor")
		mu.Lock()
		cursors = append(cursors, c)
		mu.Unlock()
		if c == "" {
			fmt.Fprint(w, `{"data":{"product_access":[{"key":"jira"}]},
				"links":{"next":"https://elsewhere.example/admin/v1/orgs/o/directory/users/u/last-active-dates?cursor=abc%2B%2F%3D"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"product_access":[{"key":"confluence"}]},"links":{"next":null}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	act, err := c.LastActive(context.Background(), testAccountID)
	if err != nil || len(act.Products) != 2 {
		t.Fatalf("LastActive = %+v, %v; want both pages", act, err)
	}
	if diff := cmp.Diff([]string{"", "abc+/="}, cursors); diff != "" {
		t.Errorf("cursors sent (-want +got):\n%s", diff)
	}
}

func TestLastActivePageCap(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		fmt.Fprintf(w, `{"data":{"product_access":[{"id":"p%d","key":"k"}]},"links":{"next":"c%d"}}`, n, n)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if got := calls.Load(); got != maxLastActivePages {
		t.Errorf("server saw %d requests, want %d", got, maxLastActivePages)
	}
}

func TestLastActiveOversizedBody(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		// Valid JSON, just too much of it: the limit is on bytes, not syntax.
		fmt.Fprint(w, `{"data":{"product_access":[]},"pad":"`+strings.Repeat("x", 2048)+`"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	c.maxBody = 1024
	_, err := c.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want ErrBadResponse for the size", err)
	}
}

// TestLastActiveEscapesPath: an account ID is one path segment whatever it
// holds, so it cannot address another resource or smuggle a query.
func TestLastActiveEscapesPath(t *testing.T) {
	t.Parallel()
	const id = "qm:1a2b/../x?y=1"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		want := "/admin/v1/orgs/" + testOrgID + "/directory/users/qm:1a2b%2F..%2Fx%3Fy=1/last-active-dates"
		if r.URL.EscapedPath() != want || r.URL.RawQuery != "" {
			t.Errorf("request %s?%s, want %s", r.URL.EscapedPath(), r.URL.RawQuery, want)
		}
		fmt.Fprint(w, `{"data":{"product_access":[]}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	act, err := c.LastActive(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if act.AccountID != id || act.Products == nil || len(act.Products) != 0 {
		t.Errorf("Activity = %+v, want empty non-nil products for %q", act, id)
	}
}

func TestLastActiveArguments(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL.Path)
	})
	c, _ := newTestClient(t, srv.URL)
	for _, id := range []string{"", ".", ".."} {
		if _, err := c.LastActive(context.Background(), id); err == nil {
			t.Errorf("LastActive(%q) succeeded", id)
		}
	}
	jiraOnly, err := New(Config{JiraBaseURL: srv.URL, JiraEmail: testJiraEmail, JiraAPIToken: testJiraToken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jiraOnly.LastActive(context.Background(), testAccountID); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("LastActive without Admin credentials: err = %v, want ErrNotConfigured", err)
	}
}

// TestLastActiveProductCap: the products of every page are kept, so a
// server sending page after page of new products must be stopped by their
// number, not only by the page count: memory is bounded by the cap.
func TestLastActiveProductCap(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		var b strings.Builder
		for i := range 1000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%d-%d","key":"k","last_active":"2026-11-20"}`, n, i)
		}
		fmt.Fprintf(w, `{"data":{"product_access":[%s]},"links":{"next":"c%d"}}`, b.String(), n)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "products") {
		t.Fatalf("err = %v, want ErrBadResponse about too many products", err)
	}
	if got, want := int(calls.Load()), maxLastActiveProducts/1000+1; got > want {
		t.Errorf("server saw %d requests, want at most %d", got, want)
	}
}

// TestLastActiveRepeatedProductKeepsLatest: a product listed twice (on one
// page or two) is one entry with its latest date: keeping the first could
// show a person who used it yesterday as idle.
func TestLastActiveRepeatedProductKeepsLatest(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"data":{"product_access":[
				{"id":"s1","key":"jira-software","last_active":"2020-01-01","last_active_timestamp":"2020-01-01T10:00:00Z"},
				{"id":"s1","key":"confluence","last_active":"2026-11-20"},
				{"id":"s1","key":"confluence","last_active":"2026-11-01"},
				{"id":"s1","key":"trello"}]},"links":{"next":"c2"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"product_access":[
			{"id":"s1","key":"jira-software","last_active":"2026-11-25","last_active_timestamp":"2026-11-25T08:00:00Z"},
			{"id":"s1","key":"trello","last_active":"2026-10-01"}]},"links":{"next":""}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	act, err := c.LastActive(context.Background(), testAccountID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range act.Products {
		got[p.Key] = p.LastActive.Format(time.DateOnly)
		if p.Key == "jira-software" && !p.LastActiveTimestamp.Equal(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("jira-software timestamp %v, want the latest entry's", p.LastActiveTimestamp)
		}
	}
	want := map[string]string{"jira-software": "2026-11-25", "confluence": "2026-11-20", "trello": "2026-10-01"}
	if len(act.Products) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("products %v (%d entries), want %v", got, len(act.Products), want)
	}
}

// TestDecodeLastActiveDatesNotMisread: a date that cannot be read must not
// become "never used" (which reads as an idle seat) nor be dropped where it
// was the only sign of use.
func TestDecodeLastActiveDatesNotMisread(t *testing.T) {
	t.Parallel()
	page := func(product string) []byte {
		return []byte(`{"data":{"product_access":[` + product + `]},"links":{"next":""}}`)
	}
	for _, c := range []struct {
		name, product string
		wantErr       bool
	}{
		{"day and instant", `{"id":"s","key":"k","last_active":"2026-11-20","last_active_timestamp":"2026-11-20T10:00:00Z"}`, false},
		{"instant only", `{"id":"s","key":"k","last_active_timestamp":"2026-11-20T10:00:00Z"}`, false},
		{"never used", `{"id":"s","key":"k"}`, false},
		{"odd instant beside a good day (dropped)", `{"id":"s","key":"k","last_active":"2026-11-20","last_active_timestamp":"yesterday"}`, false},
		{"odd instant and no day", `{"id":"s","key":"k","last_active_timestamp":"2026-11-20T10:00:00.000+0000"}`, true},
		{"garbage instant and no day", `{"id":"s","key":"k","last_active_timestamp":"garbage"}`, true},
		{"year one", `{"id":"s","key":"k","last_active":"0001-01-01"}`, true},
		{"zero instant and no day", `{"id":"s","key":"k","last_active_timestamp":"0001-01-01T00:00:00Z"}`, true},
		{"zero instant beside a good day (dropped)", `{"id":"s","key":"k","last_active":"2026-11-20","last_active_timestamp":"0001-01-01T00:00:00Z"}`, false},
		{"garbage day", `{"id":"s","key":"k","last_active":"soon"}`, true},
		// Go's zero time written with an offset east of UTC is the day
		// before it, year 0; with a local mean time such as Paris's
		// +00:09:21 (written +00:09) a few seconds after it. Each is the
		// zero time, not a use in year 0 or 1 that reads as an idle seat.
		{"zero instant east of UTC and no day", `{"id":"s","key":"k","last_active_timestamp":"0001-01-01T00:00:00+01:00"}`, true},
		{"zero instant in local mean time and no day", `{"id":"s","key":"k","last_active_timestamp":"0001-01-01T00:09:21+00:09"}`, true},
		{"zero day written as an instant east of UTC", `{"id":"s","key":"k","last_active":"0001-01-01T00:00:00+01:00"}`, true},
		{"zero instant east of UTC beside a good day (dropped)", `{"id":"s","key":"k","last_active":"2026-11-20","last_active_timestamp":"0001-01-01T00:00:00+05:00"}`, false},
	} {
		p, err := decodeLastActivePage(page(c.product))
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err %v, want an error: %v", c.name, err, c.wantErr)
			continue
		}
		if err == nil && c.name != "never used" && !p.products[0].Used() {
			t.Errorf("%s: read as never used", c.name)
		}
		if err == nil && p.products[0].Used() && p.products[0].Last().Year() < 2000 {
			t.Errorf("%s: read as used on %v", c.name, p.products[0].Last())
		}
	}
}

// TestLastActiveFutureDates: a last-active date after tomorrow is not
// Atlassian's (its data lags; it never leads): read as it comes, it would
// show an idle seat as active today. It is ErrBadResponse; tomorrow (a UTC
// day ahead of a reader west of Greenwich) is kept.
func TestLastActiveFutureDates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		product string
		bad     bool
	}{
		{`{"id":"s","key":"k","last_active":"2026-11-26"}`, false},
		{`{"id":"s","key":"k","last_active":"2026-11-27","last_active_timestamp":"2026-11-27T01:00:00Z"}`, false},
		{`{"id":"s","key":"k","last_active":"9999-12-31"}`, true},
		{`{"id":"s","key":"k","last_active":"2026-11-29"}`, true},
		{`{"id":"s","key":"k","last_active_timestamp":"2027-01-01T00:00:00Z"}`, true},
	} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":{"product_access":[%s]},"links":{"next":""}}`, c.product)
		})
		cl, _ := newTestClient(t, srv.URL) // now: 2026-11-26 12:00 UTC
		_, err := cl.LastActive(context.Background(), testAccountID)
		if got := errors.Is(err, ErrBadResponse); got != c.bad {
			t.Errorf("%s: err %v, want ErrBadResponse %v", c.product, err, c.bad)
		}
	}
}

// TestLastActiveFutureJoinDate: a lookup drops a join date after tomorrow,
// as the report does, rather than show "added to org 9999-12-31".
func TestLastActiveFutureJoinDate(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":{"product_access":[],"added_to_org":"9999-12-31","added_to_org_timestamp":"2026-11-28T00:00:00Z"},"links":{"next":""}}`)
	})
	cl, _ := newTestClient(t, srv.URL) // now: 2026-11-26 12:00 UTC
	act, err := cl.LastActive(context.Background(), testAccountID)
	if err != nil {
		t.Fatal(err)
	}
	if !act.AddedToOrg.IsZero() || !act.AddedToOrgTimestamp.IsZero() {
		t.Errorf("join date %v, instant %v: want both dropped", act.AddedToOrg, act.AddedToOrgTimestamp)
	}
}

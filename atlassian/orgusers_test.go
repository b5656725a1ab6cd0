package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"lastactive/internal/backoff"
)

var testOrgUsersPath = "/admin/v2/orgs/" + testOrgID + "/directories/-/users/search"

// searchRequest is what the client sent, decoded strictly: an unknown field
// would be a filter the test did not ask for.
type searchRequest struct {
	Limit            int      `json:"limit"`
	Expand           []string `json:"expand"`
	AccountStatus    []string `json:"accountStatus"`
	MembershipStatus []string `json:"membershipStatus"`
	Cursor           string   `json:"cursor"`
}

// readSearch checks method, path and headers of a v2 search request and
// returns its body.
func readSearch(t *testing.T, r *http.Request) searchRequest {
	t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != testOrgUsersPath || r.URL.RawQuery != "" {
		t.Errorf("request %s %s?%s, want POST %s", r.Method, r.URL.Path, r.URL.RawQuery, testOrgUsersPath)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var req searchRequest
	if err := dec.Decode(&req); err != nil {
		t.Errorf("body %s: %v", b, err)
	}
	return req
}

// collect ranges over seq to the end.
func collect(seq func(func(OrgUser, error) bool)) ([]OrgUser, error) {
	var users []OrgUser
	for u, err := range seq {
		if err != nil {
			return users, err
		}
		users = append(users, u)
	}
	return users, nil
}

// TestOrgUsersTwoPages pages with a cursor full of URL-special characters
// (it travels in a JSON body, so it must arrive byte for byte) and decodes
// the schema's own example.
func TestOrgUsersTwoPages(t *testing.T) {
	t.Parallel()
	const cursor2 = "a+b/c=d&e?f%2F g.."
	page1 := fixture(t, "schema-derived/admin-v2-users-search.200.json")
	page1 = []byte(strings.Replace(string(page1), `"next": "kloHX1ZQVasDAkx_P48NYQ"`, `"next": "`+cursor2+`"`, 1))
	page2 := `{"data":[
		{"accountId":"u2","accountType":"atlassian","name":"Grace, \"Amazing\" Hopper","email":"grace@example.com",
		 "accountStatus":"inactive","membershipStatus":"active","claimStatus":"unmanaged","addedToOrg":"2020-05-06T07:08:09Z",
		 "productAccess":[{"id":"ari:cloud:jira-software::site/s1","key":"jira-software"},
		                  {"id":"ari:cloud:jira-software::site/s2","key":"jira-software","lastActiveTimestamp":"2026-01-31T23:59:59.5+02:00"}]},
		{"accountId":"u3","name":"No Access","accountStatus":"active","membershipStatus":"suspended"}],
		"links":{"self":"x","next":null}}`
	var (
		mu   sync.Mutex
		reqs []searchRequest
	)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		req := readSearch(t, r)
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		switch req.Cursor {
		case "":
			w.Write(page1)
		case cursor2:
			fmt.Fprint(w, page2)
		default:
			t.Errorf("unexpected cursor %q", req.Cursor)
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	got, err := collect(c.OrgUsers(context.Background(), UserQuery{AccountStatus: []string{"active", "inactive"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []OrgUser{
		{AccountID: "12345678-1234-1234-1234-123456789012", Name: "John Doe", Email: "email@example.com", AccountType: "atlassian",
			AccountStatus: "active", MembershipStatus: "active", ClaimStatus: "managed", AddedToOrg: instant("2024-01-01T00:00:00Z"),
			Products: []ProductActivity{{ID: "ari:cloud:confluence::site/12345678-1234-1234-1234-123456789012", Key: "confluence",
				LastActive: day("2025-11-06"), LastActiveTimestamp: instant("2025-11-06T23:07:29.936941226Z")}}},
		{AccountID: "u2", Name: `Grace, "Amazing" Hopper`, Email: "grace@example.com", AccountType: "atlassian",
			AccountStatus: "inactive", MembershipStatus: "active", ClaimStatus: "unmanaged", AddedToOrg: instant("2020-05-06T07:08:09Z"),
			Products: []ProductActivity{{ID: "ari:cloud:jira-software::site/s1", Key: "jira-software"},
				// 23:59:59 at +02:00 is 21:59:59 UTC: the day is the UTC one.
				{ID: "ari:cloud:jira-software::site/s2", Key: "jira-software", LastActive: day("2026-01-31"),
					LastActiveTimestamp: instant("2026-01-31T21:59:59.5Z")}}},
		{AccountID: "u3", Name: "No Access", AccountStatus: "active", MembershipStatus: "suspended"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	wantReqs := []searchRequest{
		{Limit: 100, Expand: []string{"productAccess"}, AccountStatus: []string{"active", "inactive"}},
		{Limit: 100, Expand: []string{"productAccess"}, AccountStatus: []string{"active", "inactive"}, Cursor: cursor2},
	}
	if diff := cmp.Diff(wantReqs, reqs); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got[1].HoldsSeat() || got[2].HoldsSeat() || !got[0].HoldsSeat() {
		t.Errorf("HoldsSeat: deactivated and suspended accounts hold no seat, active ones do")
	}
}

// pages serves numbered pages of n users each ("u<page>-<i>"); every page
// but the last points to the next by cursor "c<page+1>".
func pages(t *testing.T, total, last int, mid func(page int, w http.ResponseWriter) bool) (*atomic.Int32, string) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		req := readSearch(t, r)
		page := 1
		if req.Cursor != "" {
			fmt.Sscanf(req.Cursor, "c%d", &page)
		}
		if mid != nil && mid(page, w) {
			return
		}
		var users []string
		for i := range total {
			users = append(users, fmt.Sprintf(`{"accountId":"u%d-%d","name":"N","accountStatus":"active","membershipStatus":"active",`+
				`"productAccess":[{"id":"ari:cloud:confluence::site/s","key":"confluence","lastActiveTimestamp":"2026-11-01T10:00:00Z"}]}`, page, i))
		}
		next := "null"
		if page < last {
			next = fmt.Sprintf(`"c%d"`, page+1)
		}
		fmt.Fprintf(w, `{"data":[%s],"links":{"next":%s}}`, strings.Join(users, ","), next)
	})
	return &calls, srv.URL
}

// TestOrgUsers429MidScan: a rate limit on page 2 is waited out as the
// server asks, and the scan then completes with every user.
func TestOrgUsers429MidScan(t *testing.T) {
	t.Parallel()
	var limited atomic.Bool
	calls, url := pages(t, 100, 3, func(page int, w http.ResponseWriter) bool {
		if page == 2 && limited.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":429,"message":"Rate limit exceeded"}`)
			return true
		}
		return false
	})
	c, clk := newTestClient(t, url, WithAdminRate(1000, 1000))
	got, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 300 {
		t.Errorf("%d users, want 300", len(got))
	}
	if calls.Load() != 4 {
		t.Errorf("%d requests, want 3 pages + 1 retry", calls.Load())
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, clk.Waits()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// TestOrgUsersPacing: with one request a second and no burst to spare,
// every page after the first waits its second on the client's clock.
func TestOrgUsersPacing(t *testing.T) {
	t.Parallel()
	calls, url := pages(t, 2, 4, nil)
	c, clk := newTestClient(t, url, WithAdminRate(1, 1))
	if _, err := collect(c.OrgUsers(context.Background(), UserQuery{})); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 {
		t.Errorf("%d requests, want 4", calls.Load())
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second, time.Second}, clk.Waits()); diff != "" {
		t.Errorf("pacing waits (-want +got):\n%s", diff)
	}
}

// TestOrgUsersPacingHonoursContext: a pace wait longer than the caller's
// deadline is not started.
func TestOrgUsersPacingHonoursContext(t *testing.T) {
	t.Parallel()
	calls, url := pages(t, 1, 5, nil)
	c, _ := newTestClient(t, url, WithAdminRate(0.001, 1), WithClock(backoff.System))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := collect(c.OrgUsers(ctx, UserQuery{}))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping DeadlineExceeded", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests, want 1 (the burst)", calls.Load())
	}
}

func TestOrgUsersStopsWhenTheCallerDoes(t *testing.T) {
	t.Parallel()
	calls, url := pages(t, 3, 10, nil)
	c, _ := newTestClient(t, url)
	for range c.OrgUsers(context.Background(), UserQuery{}) {
		break
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests after stopping at the first user, want 1", calls.Load())
	}
}

func TestOrgUsersPageCap(t *testing.T) {
	t.Parallel()
	calls, url := pages(t, 1, maxOrgUserPages+5, nil)
	c, _ := newTestClient(t, url, WithAdminRate(1e6, 1e6))
	users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "pages") {
		t.Fatalf("err = %v, want ErrBadResponse about pages", err)
	}
	if int(calls.Load()) != maxOrgUserPages || len(users) != maxOrgUserPages {
		t.Errorf("%d requests, %d users; want %d of each", calls.Load(), len(users), maxOrgUserPages)
	}
}

// TestOrgUsersBadPages: each answer that must stop the scan, with the kind
// of error a caller branches on.
func TestOrgUsersBadPages(t *testing.T) {
	t.Parallel()
	user := `{"accountId":"u1","productAccess":[]}`
	cases := []struct {
		name   string
		status int
		pages  map[string]string // cursor → body
		want   Kind
		text   string
		calls  int
	}{
		{name: "cursor loop", pages: map[string]string{
			"":  `{"data":[` + user + `],"links":{"next":"a"}}`,
			"a": `{"data":[],"links":{"next":"b"}}`,
			"b": `{"data":[],"links":{"next":"a"}}`,
		}, want: ErrBadResponse, text: "repeats", calls: 3},
		{name: "same cursor again", pages: map[string]string{
			"":  `{"data":[` + user + `],"links":{"next":"a"}}`,
			"a": `{"data":[],"links":{"next":"a"}}`,
		}, want: ErrBadResponse, text: "repeats", calls: 2},
		{name: "no data", pages: map[string]string{"": `{"links":{}}`}, want: ErrBadResponse, text: "no data", calls: 1},
		{name: "expand ignored", pages: map[string]string{"": `{"data":[{"accountId":"u1"},{"accountId":"u2"}]}`},
			want: ErrBadResponse, text: "productAccess", calls: 1},
		{name: "no account id", pages: map[string]string{"": `{"data":[{"productAccess":[]}]}`}, want: ErrBadResponse, text: "accountId", calls: 1},
		{name: "product without key", pages: map[string]string{"": `{"data":[{"accountId":"u","productAccess":[{"id":"x"}]}]}`},
			want: ErrBadResponse, text: "key", calls: 1},
		{name: "bad timestamp", pages: map[string]string{"": `{"data":[{"accountId":"u","productAccess":[{"key":"k","lastActiveTimestamp":"yesterday"}]}]}`},
			want: ErrBadResponse, text: "lastActiveTimestamp", calls: 1},
		// Go's zero time is "never" to every reader: as a timestamp of use
		// it is as bad as "yesterday", not a seat never used.
		{name: "zero timestamp", pages: map[string]string{"": `{"data":[{"accountId":"u","productAccess":[{"key":"k","lastActiveTimestamp":"0001-01-01T00:00:00Z"}]}]}`},
			want: ErrBadResponse, text: "lastActiveTimestamp", calls: 1},
		// The same zero time written east of UTC (year 0) or in local mean
		// time (seconds after it): not a use in year 0 or 1.
		{name: "zero timestamp east of UTC", pages: map[string]string{"": `{"data":[{"accountId":"u","productAccess":[{"key":"k","lastActiveTimestamp":"0001-01-01T00:00:00+01:00"}]}]}`},
			want: ErrBadResponse, text: "lastActiveTimestamp", calls: 1},
		{name: "zero timestamp in local mean time", pages: map[string]string{"": `{"data":[{"accountId":"u","productAccess":[{"key":"k","lastActiveTimestamp":"0001-01-01T00:09:21+00:09"}]}]}`},
			want: ErrBadResponse, text: "lastActiveTimestamp", calls: 1},
		{name: "long cursor", pages: map[string]string{"": `{"data":[` + user + `],"links":{"next":"` + strings.Repeat("c", maxCursorLen+1) + `"}}`},
			want: ErrBadResponse, text: "longer", calls: 1},
		{name: "truncated", pages: map[string]string{"": `{"data":[{"accountId":"u1","produ`}, want: ErrBadResponse, text: "decoding", calls: 1},
		{name: "key rejected", status: 401, pages: map[string]string{"": `{"code":401,"message":"Unauthorized"}`}, want: ErrCredentials, calls: 1},
		{name: "wrong org", status: 404, pages: map[string]string{"": `{"errors":[{"code":"ADMIN-404-2","title":"Not Found"}]}`}, want: ErrRejected, calls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				req := readSearch(t, r)
				if tc.status != 0 {
					w.WriteHeader(tc.status)
				}
				fmt.Fprint(w, tc.pages[req.Cursor])
			})
			c, _ := newTestClient(t, srv.URL)
			_, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %s mentioning %q", err, tc.want, tc.text)
			}
			if int(calls.Load()) != tc.calls {
				t.Errorf("%d requests, want %d", calls.Load(), tc.calls)
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("the API key leaked into the error")
			}
		})
	}
}

// TestOrgUsersOverlappingPages: an account repeated on the next page (the
// directory changed mid-scan) is yielded once.
func TestOrgUsersOverlappingPages(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if readSearch(t, r).Cursor == "" {
			fmt.Fprint(w, `{"data":[{"accountId":"a","productAccess":[]},{"accountId":"b","productAccess":[]}],"links":{"next":"n"}}`)
			return
		}
		fmt.Fprint(w, `{"data":[{"accountId":"b","productAccess":[]},{"accountId":"c","productAccess":[]}],"links":{}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	got, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u.AccountID)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, ids); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
}

// TestOrgUsersLinksNextAsURL: as TestLastActiveLinksNextAsURL, for the
// org scan: the cursor of a links.next URL is sent, not the URL.
func TestOrgUsersLinksNextAsURL(t *testing.T) {
	t.Parallel()
	var second string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if c := readSearch(t, r).Cursor; c != "" {
			second = c
			fmt.Fprint(w, `{"data":[{"accountId":"b","productAccess":[]}],"links":{}}`)
			return
		}
		fmt.Fprint(w, `{"data":[{"accountId":"a","productAccess":[]}],
			"links":{"next":"https://api.atlassian.com/admin/v2/orgs/o/directories/-/users/search?cursor=n%2B1"}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	got, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil || len(got) != 2 || second != "n+1" {
		t.Fatalf("%d users, %v; second cursor %q, want 2 users and cursor %q", len(got), err, second, "n+1")
	}
}

func TestOrgUsersArguments(t *testing.T) {
	t.Parallel()
	jiraOnly, err := New(Config{JiraBaseURL: "https://x.atlassian.net", JiraEmail: "a@b.c", JiraAPIToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(jiraOnly.OrgUsers(context.Background(), UserQuery{})); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("without the Admin half: err = %v, want ErrNotConfigured", err)
	}
	c, _ := newTestClient(t, "http://127.0.0.1:1")
	if _, err := collect(c.OrgUsers(context.Background(), UserQuery{PageSize: 101})); err == nil {
		t.Errorf("page size 101 accepted")
	}
	if _, err := New(Config{OrgID: "o", APIKey: "k"}, WithAdminRate(0, 1)); err == nil {
		t.Errorf("WithAdminRate(0, 1) accepted")
	}
}

func FuzzDecodeOrgUsersPage(f *testing.F) {
	addFixtures(f, "admin-v2-users-search")
	f.Add([]byte(`{"data":[{"accountId":"u","productAccess":[{"key":"k","lastActiveTimestamp":"2026-02-30T00:00:00Z"}]}]}`))
	f.Add([]byte(`{"data":[{"accountId":"u","addedToOrg":"nonsense","productAccess":null}],"links":{"next":null}}`))
	f.Add([]byte(`{"data":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeOrgUsersPage(b)
		if err != nil {
			return
		}
		for _, u := range p.users {
			if u.AccountID == "" {
				t.Fatal("user without an account ID accepted")
			}
			for _, pa := range u.Products {
				if pa.Key == "" {
					t.Fatal("product without a key accepted")
				}
				if pa.Used() != !pa.LastActive.IsZero() || pa.LastActive.Location() != time.UTC ||
					!pa.LastActive.Equal(pa.LastActive.Truncate(24*time.Hour)) {
					t.Fatalf("LastActive %v does not match timestamp %v", pa.LastActive, pa.LastActiveTimestamp)
				}
			}
		}
	})
}

// TestOrgUsersPageLargerThanAsked: a page holding more users than the limit
// asked for is a broken or hostile server, not a bigger organisation: the
// scan stops there with ErrBadResponse instead of taking them.
func TestOrgUsersPageLargerThanAsked(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		req := readSearch(t, r)
		var b strings.Builder
		for i := range req.Limit + 1 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"accountId":"u%d","accountStatus":"active","membershipStatus":"active","productAccess":[]}`, i)
		}
		fmt.Fprintf(w, `{"data":[%s],"links":{"next":null}}`, b.String())
	})
	c, _ := newTestClient(t, srv.URL)
	got, err := collect(c.OrgUsers(context.Background(), UserQuery{PageSize: 10}))
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "11 users") {
		t.Fatalf("err = %v after %d users, want ErrBadResponse about 11 users", err, len(got))
	}
}

// TestWorkspacesCap: every workspace is kept across pages, so a server
// sending page after page of new ones is stopped by their number.
func TestWorkspacesCap(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		var b strings.Builder
		for i := range 2000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"w%d-%d","attributes":{"hostUrl":"h%d-%d.atlassian.net"}}`, n, i, n, i)
		}
		fmt.Fprintf(w, `{"data":[%s],"links":{"next":"c%d"}}`, b.String(), n)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.Workspaces(context.Background())
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "workspaces") {
		t.Fatalf("err = %v, want ErrBadResponse about too many workspaces", err)
	}
	if got, want := int(calls.Load()), maxWorkspaces/2000+1; got > want {
		t.Errorf("server saw %d requests, want at most %d", got, want)
	}
}

// TestFindByEmailPeopleOnly: the exact-email search finds people: an app
// or a portal customer with that address (or none) is not the person, as
// Jira's matching has it too.
func TestFindByEmailPeopleOnly(t *testing.T) {
	t.Parallel()
	person := `{"accountId":"p1","accountType":"atlassian","name":"Ada","email":"ada@example.com","accountStatus":"active","membershipStatus":"active"}`
	customer := `{"accountId":"qm:1","accountType":"customer","name":"Ada","email":"ada@example.com","accountStatus":"active","membershipStatus":"active"}`
	app := `{"accountId":"app1","accountType":"app","name":"Automation","email":"","accountStatus":"active","membershipStatus":"active"}`
	for _, c := range []struct {
		name   string
		users  string
		wantID string
		want   Kind
	}{
		{"person", person, "p1", ""},
		{"person beside an app", app + "," + person, "p1", ""},
		{"person beside a customer", customer + "," + person, "p1", ""},
		{"customer only", customer, "", ErrNotFound},
		{"app only", app, "", ErrNotFound},
		// One account listed twice (a page repeated by a proxy or the
		// search) is one person, not two to choose between.
		{"person listed twice", person + "," + person, "p1", ""},
	} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":[%s],"links":{"next":null}}`, c.users)
		})
		cl, _ := newTestClient(t, srv.URL)
		du, err := cl.FindByEmail(context.Background(), "ada@example.com")
		if KindOf(err) != c.want || du.AccountID != c.wantID {
			t.Errorf("%s: %q, %v; want %q, kind %q", c.name, du.AccountID, err, c.wantID, c.want)
		}
	}
}

// TestOrgUsersFutureDates: the org scan applies LastActive's rule: a
// last-active date after tomorrow is not Atlassian's and would count an idle
// seat as used today, so the scan stops with ErrBadResponse; tomorrow is
// kept (a UTC day ahead of a reader west of Greenwich).
func TestOrgUsersFutureDates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ts  string
		bad bool
	}{
		{"2026-11-26T10:00:00Z", false},
		{"2026-11-27T23:59:59Z", false},
		{"2026-11-28T00:00:00Z", true},
		{"9999-12-31T00:00:00Z", true},
	} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":[{"accountId":"u1","accountStatus":"active","membershipStatus":"active",
				"productAccess":[{"id":"s","key":"jira-software","lastActiveTimestamp":%q}]}],"links":{"next":null}}`, c.ts)
		})
		cl, _ := newTestClient(t, srv.URL) // now: 2026-11-26 12:00 UTC
		_, err := collect(cl.OrgUsers(context.Background(), UserQuery{}))
		if got := errors.Is(err, ErrBadResponse); got != c.bad {
			t.Errorf("%s: err %v, want ErrBadResponse %v", c.ts, err, c.bad)
		}
	}
}

// TestOrgUsersFutureJoinDate: a join date after tomorrow is not
// Atlassian's (nobody joins in the future); kept, it made a seat never
// used "new" until that date, out of the idle count and its cost. It is
// dropped like any other odd join date, so the seat is judged without it.
func TestOrgUsersFutureJoinDate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		added string
		kept  bool
	}{
		{"2026-11-27T23:59:59.000Z", true},
		{"2026-11-28T00:00:00.000Z", false},
		{"9999-12-31T00:00:00.000Z", false},
		// Go's zero time written east of UTC, or in local mean time: no
		// join date, not one in year 0 or 1.
		{"0001-01-01T00:00:00+01:00", false},
		{"0001-01-01T00:09:21+00:09", false},
	} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":[{"accountId":"u1","accountStatus":"active","membershipStatus":"active","addedToOrg":%q,
				"productAccess":[{"id":"s","key":"jira-software"}]}],"links":{"next":null}}`, c.added)
		})
		cl, _ := newTestClient(t, srv.URL) // now: 2026-11-26 12:00 UTC
		users, err := collect(cl.OrgUsers(context.Background(), UserQuery{}))
		if err != nil || len(users) != 1 {
			t.Fatalf("%s: %d users, %v", c.added, len(users), err)
		}
		if kept := !users[0].AddedToOrg.IsZero(); kept != c.kept {
			t.Errorf("%s: join date kept %v (%v), want %v", c.added, kept, users[0].AddedToOrg, c.kept)
		}
	}
}

// TestOrgUsersShareRepeatedStrings: the strings that repeat from account to
// account (statuses, product IDs and keys) are held once for the whole scan,
// across pages, not once per account: a finished scan is kept for
// LASTACTIVE_CACHE_TTL, and for 50,000 accounts the copies were a third of
// it. Past maxStrings distinct strings the values are kept as they came.
func TestOrgUsersShareRepeatedStrings(t *testing.T) {
	t.Parallel()
	_, url := pages(t, 3, 2, nil)
	c, _ := newTestClient(t, url)
	users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil || len(users) != 6 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	same := func(a, b string) bool { return a == b && unsafe.StringData(a) == unsafe.StringData(b) }
	first, last := users[0], users[len(users)-1]
	if !same(first.AccountStatus, last.AccountStatus) || !same(first.MembershipStatus, last.MembershipStatus) ||
		!same(first.Products[0].ID, last.Products[0].ID) || !same(first.Products[0].Key, last.Products[0].Key) {
		t.Error("the accounts of one scan hold copies of their statuses, product IDs and keys of their own")
	}

	var s Strings
	for i := range maxStrings + 10 {
		u := OrgUser{AccountStatus: fmt.Sprint(i), Products: []ProductActivity{{ID: fmt.Sprint("id", i), Key: "k"}}}
		s.Compact(&u)
		if u.AccountStatus != fmt.Sprint(i) || u.Products[0].ID != fmt.Sprint("id", i) || u.Products[0].Key != "k" {
			t.Fatalf("account %d came out as %+v", i, u)
		}
	}
	if len(s.m) > maxStrings {
		t.Errorf("%d strings kept, at most %d", len(s.m), maxStrings)
	}
}

// TestOrgUsersStatusFromTheComposite: every field of the v2 user is
// optional in the spec. An account that gives its state only in the
// composite status (accountStatus and membershipStatus left out) was read
// as holding no seat whatever it said, so a page of them read as an
// organisation with no seats at all: the composite now fills the two.
func TestOrgUsersStatusFromTheComposite(t *testing.T) {
	t.Parallel()
	p, err := decodeOrgUsersPage([]byte(`{"data":[
		{"accountId":"a","status":"active","productAccess":[]},
		{"accountId":"s","status":"suspended","productAccess":[]},
		{"accountId":"n","status":"not_invited","productAccess":[]},
		{"accountId":"d","status":"deactivated","productAccess":[]},
		{"accountId":"x","accountStatus":"inactive","membershipStatus":"active","status":"active","productAccess":[]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	type st struct{ ID, Account, Membership string }
	var got []st
	for _, u := range p.users {
		got = append(got, st{u.AccountID, u.AccountStatus, u.MembershipStatus})
	}
	want := []st{{"a", "active", "active"}, {"s", "active", "suspended"}, {"n", "active", "no_membership"},
		{"d", "inactive", ""}, {"x", "inactive", "active"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if !p.users[0].HoldsSeat() {
		t.Errorf("an account whose status is active holds no seat")
	}
}

// TestOrgUsersScheduledForDeletionHoldsNoSeat: an account whose composite
// status is for_deletion (a managed account being deleted: deactivated at
// once by Atlassian) or a composite value this client does not know, with
// accountStatus and membershipStatus left out, filled nothing and so,
// read as "not said", held a seat: an idle seat to nudge and release.
func TestOrgUsersScheduledForDeletionHoldsNoSeat(t *testing.T) {
	t.Parallel()
	p, err := decodeOrgUsersPage([]byte(`{"data":[
		{"accountId":"f","status":"for_deletion","productAccess":[{"id":"j","key":"jira-software"}]},
		{"accountId":"g","status":"for_deletion","membershipStatus":"active","productAccess":[]},
		{"accountId":"z","status":"some_new_state","productAccess":[]},
		{"accountId":"a","status":"active","productAccess":[]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range p.users {
		if want := u.AccountID == "a"; u.HoldsSeat() != want {
			t.Errorf("account %s (account status %q, membership %q): HoldsSeat %v, want %v",
				u.AccountID, u.AccountStatus, u.MembershipStatus, u.HoldsSeat(), want)
		}
	}
}

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// searchedFor names the addresses the fake was asked about: in the body
// of an Admin exact-email search, or in the query of a Jira user search.
func searchedFor(f *fakes, addrs []string) map[string]bool {
	seen := map[string]bool{}
	for _, req := range f.atl.Requests() {
		var in string
		switch req.Endpoint {
		case atlassiantest.EndpointEmailSearch:
			in = string(req.Body)
		case atlassiantest.EndpointJiraSearch:
			in = req.Query.Get("query")
		default:
			continue
		}
		for _, a := range addrs {
			if strings.Contains(in, a) {
				seen[a] = true
			}
		}
	}
	return seen
}

// TestLookupStopsWhenAtlassianFailsEveryAddress: `lookup` of many
// addresses stopped at a failure every address would meet (a refused key,
// a host it cannot reach), but not when the Admin API or Jira answered
// 5xx, or 429 with a wait of an hour, to every call: it tried every
// address, each one with its retries (about 3 s an address for a 503, so
// 10,000 addresses took most of a day, while it printed the same failure
// 10,000 times and went on sending an API that asked it to wait an hour a
// request every third of a second). Three addresses in a row that fail
// the same upstream-wide way (unavailable, rate limited, an answer it
// cannot read, from the same API) stop the run: one line names the
// failure and the addresses not looked up, exit 1.
func TestLookupStopsWhenAtlassianFailsEveryAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		setup func(f *fakes) []string
		want  string // in the stop line
	}{
		{"Admin API 503 on every search", func(f *fakes) []string {
			f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: 503})
			return adminOnly(f)
		}, "the Admin API failed for 3 addresses in a row: upstream unavailable (HTTP 503)"},
		{"Admin API 500 on every last-active read", func(f *fakes) []string {
			f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Status: 500})
			return f.env()
		}, "the Admin API failed for 3 addresses in a row: upstream unavailable (HTTP 500 ADMIN-500-1)"},
		{"Jira 502 on every search", func(f *fakes) []string {
			f.atl.Fail(atlassiantest.Failure{API: "jira", Status: 502})
			return f.env()
		}, "Jira failed for 3 addresses in a row: upstream unavailable (HTTP 502)"},
		{"Admin API 429 asking for an hour", func(f *fakes) []string {
			f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: 429, RetryAfter: "3600"})
			return adminOnly(f)
		}, "the Admin API failed for 3 addresses in a row: rate limited (HTTP 429), asked to wait 1h0m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startFakes(t)
			addrs := []string{"ada@example.com", "grace@example.com", "alan@example.com", "dennis@example.com", "margaret@example.com"}
			r := runBinary(t, c.setup(f), "", append([]string{"lookup"}, addrs...)...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			checkStopped(t, r, c.want, addrs[2], addrs[3:])
			seen := searchedFor(f, addrs)
			for _, a := range addrs[3:] {
				if seen[a] {
					t.Errorf("%s was searched for after the stop", a)
				}
			}
			for _, a := range addrs[:3] {
				if !strings.Contains(r.stderr, "lastactive lookup: "+a+":") {
					t.Errorf("%s's own failure is not named:\n%s", a, r.stderr)
				}
			}
		})
	}
}

// TestLookupStopsAtAnOrgWideRefusal: the Admin API's ADMIN-400-4 on a
// last-active read ("invalid resource": the organisation is not on the new
// user management experience, or ATLASSIAN_ORG_ID is wrong) is about the
// organisation, not the person, and every address met it, one after
// another. The first stops the run, naming the code and lastactive check.
func TestLookupStopsAtAnOrgWideRefusal(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Status: 400})
	addrs := []string{"ada@example.com", "grace@example.com", "alan@example.com"}
	r := runBinary(t, f.env(), "", append([]string{"lookup"}, addrs...)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkStopped(t, r, "ADMIN-400-4", addrs[0], addrs[1:])
	if !strings.Contains(r.stderr, "lastactive check") {
		t.Errorf("the stop line does not point at lastactive check:\n%s", r.stderr)
	}
	if n := f.atl.CountEndpoint(atlassiantest.EndpointLastActive); n != 1 {
		t.Errorf("%d last-active reads, want 1", n)
	}
}

// TestLookupGoesOnAfterTransientOutages: a 5xx that is over after one or
// two addresses is not an outage: two addresses in a row failing with 503,
// then one answered, then two more failing, is four failures and no stop.
// Every address is looked up.
func TestLookupGoesOnAfterTransientOutages(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	addrs := []string{"ada@example.com", "grace@example.com", "alan@example.com", "dennis@example.com", "margaret@example.com"}
	for _, a := range []string{"ada@example.com", "grace@example.com", "dennis@example.com", "margaret@example.com"} {
		acc, ok := f.org.Lookup(a)
		if !ok {
			t.Fatalf("no %s in the sample org", a)
		}
		f.atl.Fail(atlassiantest.Failure{API: "admin", AccountID: acc.AccountID, Status: 503})
	}
	r := runBinary(t, f.env(), "", append([]string{"lookup"}, addrs...)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (lookups failed)", r.code)
	}
	if strings.Contains(r.stderr, "stopped") || strings.Contains(r.stdout, "Not looked up") {
		t.Errorf("failures not three in a row stopped the run:\n%s\n%s", r.stderr, r.stdout)
	}
	if !strings.Contains(r.stdout, "Alan Turing") {
		t.Errorf("alan was not answered between the failures:\n%s", r.stdout)
	}
	if seen := searchedFor(f, addrs); len(seen) != len(addrs) {
		t.Errorf("searched for %v, want all of %v", seen, addrs)
	}
}

// TestOutageRun: which runs of per-address failures stop the lookups. Only
// outageAfter in a row of the same kind from the same API do; anything
// else between them (an answer, a person not found, the other API's
// failure, another kind) starts the count again.
func TestOutageRun(t *testing.T) {
	t.Parallel()
	admin503 := &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 503}
	admin500 := &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 500, Code: "ADMIN-500-1"}
	jira503 := &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Jira, Status: 503}
	limited := &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, Status: 429, RetryAfter: time.Hour}
	garbled := &atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Admin, Status: 200}
	reset := &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Jira, Net: atlassian.NetOther}
	notFound := &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Admin}
	for _, c := range []struct {
		name string
		errs []error
		stop bool
		want string
	}{
		{"three 5xx of one API", []error{admin503, admin500, admin503}, true, "the Admin API failed for 3 addresses in a row: upstream unavailable (HTTP 503)"},
		{"two, an answer, two", []error{admin503, admin503, nil, admin503, admin503}, false, ""},
		{"a person not found between", []error{admin503, admin503, notFound, admin503, admin503}, false, ""},
		{"the other API between", []error{admin503, jira503, admin503}, false, ""},
		{"rate limits and 5xx mixed", []error{admin503, limited, admin503}, false, ""},
		{"three rate limits", []error{limited, limited, limited}, true, "rate limited (HTTP 429), asked to wait 1h0m0s"},
		{"three answers it could not read", []error{garbled, garbled, garbled}, true, "bad response (HTTP 200)"},
		{"three connections reset", []error{reset, reset, reset}, true, "Jira failed for 3 addresses in a row: upstream unavailable: connection failed"},
		{"interrupted", []error{context.Canceled, context.Canceled, context.Canceled}, false, ""},
	} {
		var r outageRun
		var got string
		var stop bool
		for _, err := range c.errs {
			got, stop = r.add(err)
			if stop {
				break
			}
		}
		if stop != c.stop || !strings.Contains(got, c.want) {
			t.Errorf("%s: stop %v %q, want %v and %q", c.name, stop, got, c.stop, c.want)
		}
	}
}

// TestLookupStopsAtARedirectToAnotherHost: an ATLASSIAN_API_URL that
// redirects to another host (http for https, a renamed host) is answered
// by a redirect the client does not follow (the key must not go
// elsewhere), for every address alike. The first stops the run, naming
// the redirect and ATLASSIAN_API_URL, where it was called "bad response"
// and every address tried.
func TestLookupStopsAtARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	u, err := url.Parse(f.atl.URL())
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(u.Host, "127.0.0.1", "localhost", 1)
	redirects := 0
	var mu sync.Mutex
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/users/search") {
			mu.Lock()
			redirects++
			mu.Unlock()
		}
		http.Redirect(w, r, "http://"+other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(s.Close)
	r := runBinary(t, adminOnly(f, "ATLASSIAN_API_URL="+s.URL), "", append([]string{"lookup"}, fiveAddresses...)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkStopped(t, r, "the Admin API redirected the request to another host, which is not followed (HTTP 307); check ATLASSIAN_API_URL", fiveAddresses[0], fiveAddresses[1:])
	// The first address's row says what the Slack reply says: not an
	// unreadable answer to try again later, but a configuration problem
	// for the admin; it names no host (the stop line above is for that).
	row := "The bot cannot reach the Atlassian Admin API (its address redirects to another host, which the bot does not follow)"
	if !strings.Contains(r.stdout, row) || strings.Contains(r.stdout, "could not read") || strings.Contains(r.stdout, other) {
		t.Errorf("the table should say %q, and name no host:\n%s", row, r.stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	if redirects != 1 {
		t.Errorf("%d searches redirected, want 1", redirects)
	}
}

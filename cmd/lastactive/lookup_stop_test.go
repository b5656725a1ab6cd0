package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// adminOnly is the environment without Jira: people are found by the
// Admin API's exact-email search, one request per address, which the
// tests count.
func adminOnly(f *fakes, overrides ...string) []string {
	return f.env(append([]string{"JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"}, overrides...)...)
}

var fiveAddresses = []string{"u1@example.com", "u2@example.com", "u3@example.com", "u4@example.com", "u5@example.com"}

// TestLookupStopsAtAFailureEveryAddressWouldMeet: `lookup` of many
// addresses against an Atlassian that refuses connections, or refuses the
// key, tried every address on its own (each with its retries: about 3 s an
// address when refused, 30 s when the server never answers, so 10,000
// addresses took hours) and printed the same failure once per address. A
// failure that every address would meet stops the run after the first:
// one line says what is wrong, another names the addresses not looked up,
// exit 1 (a lookup failed).
func TestLookupStopsAtAFailureEveryAddressWouldMeet(t *testing.T) {
	t.Parallel()
	un := atlassiantest.NewUnreachable(t)
	for _, c := range []struct {
		name   string
		setup  func(f *fakes) []string
		want   string // in the stop line
		counts bool   // the fake saw the requests
	}{
		{"key rejected (401)", func(f *fakes) []string {
			f.atl.Reject(atlassiantest.Rejections{APIKey: true})
			return adminOnly(f)
		}, "ATLASSIAN_API_KEY", true},
		{"key owner not an org admin (403)", func(f *fakes) []string {
			f.atl.Reject(atlassiantest.Rejections{KeyNotAdmin: true})
			return adminOnly(f)
		}, "ATLASSIAN_API_KEY", true},
		{"connection refused", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL=http://"+un.Refused)
		}, "connection refused", false},
		{"TLS handshake failed", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL="+un.TLSURL)
		}, "TLS handshake failed — the certificate is signed by an authority this machine does not trust", false},
		// The other ways a server will not speak TLS with the client: each
		// was "connection failed" after 4 attempts an address, and went on.
		{"plain HTTP behind https", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL="+un.PlainURL)
		}, "at " + hostOf(un.PlainURL) + " cannot be reached: TLS handshake failed — the server does not speak TLS (plain HTTP?)", false},
		{"TLS behind http", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL="+un.HTTPToTLSURL)
		}, "at " + hostOf(un.HTTPToTLSURL) + " cannot be reached: TLS handshake failed — the server speaks TLS: the URL should be https://", false},
		{"TLS 1.0 and 1.1 only", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL="+un.OldTLSURL)
		}, "at " + hostOf(un.OldTLSURL) + " cannot be reached: TLS handshake failed — no TLS version in common", false},
		{"3DES only", func(f *fakes) []string {
			return adminOnly(f, "ATLASSIAN_API_URL="+un.OldCipherURL)
		}, "at " + hostOf(un.OldCipherURL) + " cannot be reached: TLS handshake failed — the server refused the handshake (no cipher suite in common, or it wants a client certificate)", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startFakes(t)
			r := runBinary(t, c.setup(f), "", append([]string{"lookup"}, fiveAddresses...)...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1 (a lookup failed)", r.code)
			}
			if c.counts {
				if n := f.atl.CountEndpoint(atlassiantest.EndpointEmailSearch); n != 1 {
					t.Errorf("%d email searches, want 1: the first failure is one every address would meet", n)
				}
			}
			checkStopped(t, r, c.want, fiveAddresses[0], fiveAddresses[1:])
			if !c.counts && (strings.Contains(r.stderr, "ATLASSIAN_API_KEY") || strings.Contains(r.stderr, "renew")) {
				t.Errorf("a network failure blamed on the key:\n%s", r.stderr)
			}
			// --json names every address too, the ones not looked up
			// with their own kind.
			if c.counts {
				j := runBinary(t, c.setup(f), "", append([]string{"lookup", "--json"}, fiveAddresses...)...)
				if got := strings.Count(j.stdout, `"kind": "not looked up"`); got != 4 {
					t.Errorf("--json: %d people of kind \"not looked up\", want 4:\n%s", got, j.stdout)
				}
			}
		})
	}
}

// hostOf is the host:port of a loopback URL.
func hostOf(u string) string {
	_, hp, _ := strings.Cut(u, "//")
	return hp
}

// checkStopped checks the stderr and stdout of a lookup that stopped after
// first: what went wrong said once, the rest named as not looked up.
func checkStopped(t *testing.T, r result, want, first string, rest []string) {
	t.Helper()
	var stop string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "lastactive lookup: stopped") {
			if stop != "" {
				t.Errorf("two stop lines:\n%s", r.stderr)
			}
			stop = l
		}
	}
	if !strings.Contains(stop, want) {
		t.Errorf("no stop line naming %q:\n%s", want, r.stderr)
	}
	for _, e := range rest {
		if !strings.Contains(stop, e) {
			t.Errorf("the stop line does not name %s as not looked up:\n%s", e, stop)
		}
		if strings.Contains(r.stderr, "lastactive lookup: "+e+":") {
			t.Errorf("%s was looked up (or failed on its own) after the stop:\n%s", e, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "lastactive lookup: "+first+":") {
		t.Errorf("the first address's own failure is not named:\n%s", r.stderr)
	}
	if n := strings.Count(r.stdout, "Not looked up"); n != len(rest) {
		t.Errorf("the table says Not looked up %d times, want %d:\n%s", n, len(rest), r.stdout)
	}
}

// TestLookupStopsWhenAtlassianNeverAnswers: a server that accepts the
// connection and never answers held each address for the lookup's whole
// 30 s; the run stops after the first address, whose searches are the
// only ones the server saw, and the command returns.
func TestLookupStopsWhenAtlassianNeverAnswers(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Delay: time.Hour})
	addrs := fiveAddresses[:3]
	r := runBinary(t, adminOnly(f), "", append([]string{"lookup"}, addrs...)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, req := range f.atl.Requests() {
		if req.Endpoint == atlassiantest.EndpointEmailSearch && !strings.Contains(string(req.Body), addrs[0]) {
			t.Errorf("a search after the first address's: %s", req.Body)
		}
	}
	checkStopped(t, r, "no answer", addrs[0], addrs[1:])
}

// TestLookupGoesOnAfterAPerAddressFailure: a person not found, or an
// answer that failed for one person alone (a 5xx on their activity, after
// every retry), is that address's failure: the next ones are looked up.
func TestLookupGoesOnAfterAPerAddressFailure(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	ada, ok := f.org.Lookup("ada@example.com")
	if !ok {
		t.Fatal("no ada in the sample org")
	}
	f.atl.Fail(atlassiantest.Failure{API: "admin", AccountID: ada.AccountID, Status: 500})
	addrs := []string{"nobody@example.com", "ada@example.com", "grace@example.com"}
	r := runBinary(t, adminOnly(f), "", append([]string{"lookup"}, addrs...)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if n := f.atl.CountEndpoint(atlassiantest.EndpointEmailSearch); n != 3 {
		t.Errorf("%d email searches, want 3 (one per address)", n)
	}
	if strings.Contains(r.stderr, "stopped") || strings.Contains(r.stdout, "Not looked up") {
		t.Errorf("a per-address failure stopped the run:\n%s\n%s", r.stderr, r.stdout)
	}
	if !strings.Contains(r.stdout, "Grace") {
		t.Errorf("grace was not answered after the failures before her:\n%s", r.stdout)
	}
}

// countingDirectory answers every address and counts the calls.
type countingDirectory struct {
	mu    sync.Mutex
	calls int
}

func (d *countingDirectory) count() {
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
}

func (d *countingDirectory) Resolve(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	d.count()
	return atlassian.Account{AccountID: "id-" + email, DisplayName: email, Email: email}, atlassian.ViaAdmin, nil
}

func (d *countingDirectory) LastActive(context.Context, string) (*atlassian.Activity, error) {
	d.count()
	return &atlassian.Activity{}, nil
}

func (d *countingDirectory) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	d.count()
	return atlassian.DirectoryUser{}, errors.New("not used")
}

// TestCLILookupsArePaced: `lookup` of 10,000 addresses sent about 20,000
// Admin API requests in 8 s, where the organisation's limit (about 200 a
// minute) is shared with every other tool. Its calls go through the Admin
// API pace (a token each): with a pace that grants 4 and no more, 10
// addresses make 4 calls, not 20, and every address still gets an answer.
func TestCLILookupsArePaced(t *testing.T) {
	t.Parallel()
	d := &countingDirectory{}
	emails := make([]string, 10)
	for i := range emails {
		emails[i] = string(rune('a'+i)) + "@example.com"
	}
	people, rest, _ := lookupAll(context.Background(), newCLILookups(d, 0, rate.NewLimiter(0, 4)), emails, nil)
	if d.calls != 4 {
		t.Errorf("%d directory calls, want 4 (the pace's tokens)", d.calls)
	}
	if len(people)+len(rest) != len(emails) {
		t.Errorf("%d answered and %d not looked up of %d", len(people), len(rest), len(emails))
	}
}

// TestStopsEveryLookup: which failures stop a run of lookups, and the
// words naming what to fix (a variable, never its value).
func TestStopsEveryLookup(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		stop bool
		want string
	}{
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetDNS, Host: "api.example"}, true, "api.example cannot be reached: host name not found"},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Jira, Net: atlassian.NetRefused}, true, "Jira cannot be reached: connection refused"},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetTimeout}, true, "timed out"},
		{&atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Jira, Status: 401}, true, "Jira refused JIRA_API_TOKEN (HTTP 401)"},
		{&atlassian.Error{Kind: atlassian.ErrNotOrgAdmin, API: atlassian.Admin, Status: 403}, true, "owner of ATLASSIAN_API_KEY is not an admin"},
		{&atlassian.Error{Kind: atlassian.ErrOrgNotFound, API: atlassian.Admin, Status: 404}, true, "ATLASSIAN_ORG_ID"},
		{&atlassian.Error{Kind: atlassian.ErrRejected, API: atlassian.Admin, Status: 400, Code: "ADMIN-400-4"}, true, "(HTTP 400 ADMIN-400-4): the organisation may not be on the new user management experience, or ATLASSIAN_ORG_ID is wrong; run lastactive check"},
		{&atlassian.Error{Kind: atlassian.ErrRejected, API: atlassian.Admin, Status: 400, Code: "ADMIN-400-24"}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Jira, Status: 301}, true, "Jira redirected the request to another host, which is not followed (HTTP 301); check JIRA_BASE_URL"},
		{&atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Admin, Status: 200}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrRejected, API: atlassian.Jira, Status: 400}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetOther}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 503}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, Status: 429}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Admin}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrAmbiguous, API: atlassian.Jira}, false, ""},
		{context.Canceled, false, ""},
		{nil, false, ""},
	} {
		got, stop := stopsEveryLookup(c.err)
		if stop != c.stop || !strings.Contains(got, c.want) {
			t.Errorf("%v: stop %v %q, want %v and %q", c.err, stop, got, c.stop, c.want)
		}
	}
}

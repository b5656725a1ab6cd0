package atlassian

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkDecodeLastActive3Pages decodes three realistic pages (a
// multi-site org: five products each) as one LastActive call would.
func BenchmarkDecodeLastActive3Pages(b *testing.B) {
	var pages [3][]byte
	for i := range pages {
		var items []string
		for j := range 5 {
			items = append(items, fmt.Sprintf(`{"id":"ari:cloud:jira-software::site/58d24034-e3ec-11ed-b5ea-0242ac12%04d","key":"jira-software",`+
				`"last_active":"2026-11-%02d","last_active_timestamp":"2026-11-%02dT09:14:05Z"}`, i*5+j, j+1, j+1))
		}
		next := `"c` + fmt.Sprint(i+1) + `"`
		if i == 2 {
			next = "null"
		}
		pages[i] = []byte(`{"data":{"product_access":[` + strings.Join(items, ",") +
			`],"added_to_org":"2024-03-04","added_to_org_timestamp":"2024-03-04T08:00:00Z"},"links":{"next":` + next + `}}`)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, p := range pages {
			pg, err := decodeLastActivePage(p)
			if err != nil {
				b.Fatal(err)
			}
			n += len(pg.products)
		}
		if n != 15 {
			b.Fatalf("%d products", n)
		}
	}
}

// BenchmarkAttempt runs one full GET through the client (the retry loop, one
// attempt, reading the answer) against a loopback server, as every upstream
// call of a command does. Its allocations include the server's side.
func BenchmarkAttempt(b *testing.B) {
	page := []byte(okPage)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c, err := New(Config{AdminBaseURL: srv.URL, OrgID: testOrgID, APIKey: testAPIKey},
		WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		b.Fatal(err)
	}
	cl := call{api: Admin, op: "read last active dates", auth: c.adminAuth,
		url: pageURL(joinPath(c.adminBase, "admin", "v1", "orgs", testOrgID, "directory", "users", testAccountID, "last-active-dates"), "c1")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		body, err := c.get(ctx, cl)
		if err != nil {
			b.Fatal(err)
		}
		if len(body) != len(page) {
			b.Fatalf("body %q", body)
		}
	}
}

// BenchmarkJoinPath builds the two URLs every uncached lookup asks for: the
// Jira user search and the Admin last-active dates of one account.
func BenchmarkJoinPath(b *testing.B) {
	jira, _ := url.Parse("https://example.atlassian.net")
	admin, _ := url.Parse("https://api.atlassian.com")
	b.ReportAllocs()
	for b.Loop() {
		u := joinPath(jira, "rest", "api", "3", "user", "search")
		v := joinPath(admin, "admin", "v1", "orgs", testOrgID, "directory", "users", "5b10ac8d82e05b22cc7d4ef5", "last-active-dates")
		if u.Path == "" || v.Path == "" {
			b.Fatal("empty path")
		}
	}
}

// BenchmarkAttemptUpstreamClient is BenchmarkAttempt through the client the
// bot gives the Atlassian client (internal/wire.UpstreamHTTP): its own
// Timeout of 30 s, longer than an attempt's deadline.
func BenchmarkAttemptUpstreamClient(b *testing.B) {
	page := []byte(okPage)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c, err := New(Config{AdminBaseURL: srv.URL, OrgID: testOrgID, APIKey: testAPIKey},
		WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
	if err != nil {
		b.Fatal(err)
	}
	cl := call{api: Admin, op: "read last active dates", auth: c.adminAuth,
		url: pageURL(joinPath(c.adminBase, "admin", "v1", "orgs", testOrgID, "directory", "users", testAccountID, "last-active-dates"), "c1")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		body, err := c.get(ctx, cl)
		if err != nil {
			b.Fatal(err)
		}
		if len(body) != len(page) {
			b.Fatalf("body %q", body)
		}
	}
}

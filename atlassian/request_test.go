package atlassian

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wireRequest is one request as the server read it off the connection.
type wireRequest struct {
	Method     string
	RequestURI string // the request line's target: escaped path and raw query
	Host       string
	Proto      string
	Header     http.Header // every header the client sent (Host aside)
	Body       string
}

// recordServer answers every request with answer and keeps what it read.
func recordServer(t *testing.T, answer func(r *http.Request) (int, string)) (*[]wireRequest, string) {
	t.Helper()
	var (
		mu   sync.Mutex
		reqs []wireRequest
	)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, wireRequest{Method: r.Method, RequestURI: r.RequestURI, Host: r.Host,
			Proto: r.Proto, Header: r.Header.Clone(), Body: string(b)})
		mu.Unlock()
		status, body := answer(r)
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	return &reqs, srv.URL
}

// TestRequestOnTheWire pins every byte of the request line and headers the
// client sends for each kind of call: GET with and without a query, a
// paged cursor, escaped path segments, a base URL with a path, POST with a
// JSON body and DELETE. The request-building code can then be changed
// (for speed) without changing what goes out.
func TestRequestOnTheWire(t *testing.T) {
	t.Parallel()
	const weirdID = "a/b?c d%e"
	getHeader := func(auth string) http.Header {
		return http.Header{
			"Accept":          {"application/json"},
			"Accept-Encoding": {"gzip"},
			"Authorization":   {auth},
			"User-Agent":      {userAgent},
		}
	}
	bodyHeader := func(auth string, body string) http.Header {
		h := getHeader(auth)
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		return h
	}
	tests := []struct {
		name   string
		base   string // appended to the server's URL
		answer func(r *http.Request) (int, string)
		do     func(c *Client) error
		want   func(host string) []wireRequest
	}{
		{
			name:   "jira search with a query",
			answer: func(*http.Request) (int, string) { return 200, `[]` },
			do: func(c *Client) error {
				_, err := c.FindAccount(context.Background(), "a+b@example.com")
				if e, ok := err.(*Error); ok && e.Kind == ErrNotFound {
					return nil
				}
				return err
			},
			want: func(host string) []wireRequest {
				return []wireRequest{{Method: "GET", Host: host, Proto: "HTTP/1.1",
					RequestURI: "/rest/api/3/user/search?maxResults=50&query=a%2Bb%40example.com&startAt=0",
					Header:     getHeader(testBasic)}}
			},
		},
		{
			name:   "jira myself",
			answer: func(*http.Request) (int, string) { return 200, `{"accountId":"me"}` },
			do:     func(c *Client) error { _, err := c.Myself(context.Background()); return err },
			want: func(host string) []wireRequest {
				return []wireRequest{{Method: "GET", Host: host, Proto: "HTTP/1.1",
					RequestURI: "/rest/api/3/myself", Header: getHeader(testBasic)}}
			},
		},
		{
			name: "admin pages with a cursor and an escaped account ID",
			answer: func(r *http.Request) (int, string) {
				if r.URL.RawQuery == "" {
					return 200, `{"data":{"product_access":[]},"links":{"next":"n/x+y=="}}`
				}
				return 200, okPage
			},
			do: func(c *Client) error { _, err := c.LastActive(context.Background(), weirdID); return err },
			want: func(host string) []wireRequest {
				path := "/admin/v1/orgs/" + testOrgID + "/directory/users/a%2Fb%3Fc%20d%25e/last-active-dates"
				return []wireRequest{
					{Method: "GET", Host: host, Proto: "HTTP/1.1", RequestURI: path, Header: getHeader("Bearer " + testAPIKey)},
					{Method: "GET", Host: host, Proto: "HTTP/1.1", RequestURI: path + "?cursor=n%2Fx%2By%3D%3D", Header: getHeader("Bearer " + testAPIKey)},
				}
			},
		},
		{
			name:   "base URL with a path",
			base:   "/proxy/",
			answer: func(*http.Request) (int, string) { return 200, okPage },
			do:     func(c *Client) error { _, err := c.LastActive(context.Background(), testAccountID); return err },
			want: func(host string) []wireRequest {
				return []wireRequest{{Method: "GET", Host: host, Proto: "HTTP/1.1",
					RequestURI: "/proxy" + testAdminPath, Header: getHeader("Bearer " + testAPIKey)}}
			},
		},
		{
			name:   "post with a JSON body",
			answer: func(*http.Request) (int, string) { return 200, `{"data":[]}` },
			do: func(c *Client) error {
				_, err := c.DirectoryUser(context.Background(), testAccountID)
				if e, ok := err.(*Error); ok && e.Kind == ErrNotFound {
					return nil
				}
				return err
			},
			want: func(host string) []wireRequest {
				body := `{"limit":10,"accountIds":["` + testAccountID + `"]}`
				return []wireRequest{{Method: "POST", Host: host, Proto: "HTTP/1.1",
					RequestURI: "/admin/v2/orgs/" + testOrgID + "/directories/-/users/search",
					Header:     bodyHeader("Bearer "+testAPIKey, body), Body: body}}
			},
		},
		{
			name:   "delete with the write key",
			answer: func(*http.Request) (int, string) { return 204, "" },
			do:     func(c *Client) error { return c.RemoveFromGroup(context.Background(), "g-1", testAccountID) },
			want: func(host string) []wireRequest {
				return []wireRequest{{Method: "DELETE", Host: host, Proto: "HTTP/1.1",
					RequestURI: "/admin/v2/orgs/" + testOrgID + "/directories/-/groups/g-1/memberships/" + testAccountID,
					Header:     getHeader("Bearer " + testWriteKey)}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reqs, base := recordServer(t, tt.answer)
			c, _ := newTestClient(t, base+tt.base)
			if err := tt.do(c); err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(base)
			if diff := cmp.Diff(tt.want(u.Host), *reqs); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequestFields checks the *http.Request handed to the transport: the
// fields net/http's NewRequestWithContext fills in (a body that can be
// read again for a redirect or a retry, its length, the Host without an
// empty port) must stay as they are.
func TestRequestFields(t *testing.T) {
	t.Parallel()
	var got []*http.Request
	var bodies, again []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r)
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		bodies = append(bodies, string(b))
		if r.GetBody != nil {
			rc, err := r.GetBody()
			if err != nil {
				return nil, err
			}
			b, _ := io.ReadAll(rc)
			again = append(again, string(b))
		}
		answer := okPage
		if r.Method == http.MethodPost {
			answer = `{"data":[]}`
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
			Body: io.NopCloser(strings.NewReader(answer))}, nil
	})}
	// An empty port (":" and nothing) is dropped from the Host, as
	// NewRequest does; the base URL keeps its case and path.
	c, err := New(Config{AdminBaseURL: "https://API.example.com:/p", OrgID: testOrgID, APIKey: testAPIKey},
		WithHTTPClient(hc), WithClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DirectoryUser(context.Background(), testAccountID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("DirectoryUser: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	body := `{"limit":10,"accountIds":["` + testAccountID + `"]}`
	for i, want := range []struct {
		method, url string
		length      int64
		body        string
		getBody     bool
	}{
		{"GET", "https://API.example.com/p" + testAdminPath, 0, "", false},
		{"POST", "https://API.example.com/p/admin/v2/orgs/" + testOrgID + "/directories/-/users/search", int64(len(body)), body, true},
	} {
		r := got[i]
		if r.Method != want.method || r.URL.String() != want.url || r.Host != "API.example.com" || r.URL.Host != "API.example.com" {
			t.Errorf("request %d: %s %s Host %q (URL host %q), want %s %s Host API.example.com",
				i, r.Method, r.URL, r.Host, r.URL.Host, want.method, want.url)
		}
		if r.Proto != "HTTP/1.1" || r.ProtoMajor != 1 || r.ProtoMinor != 1 {
			t.Errorf("request %d: proto %s %d.%d", i, r.Proto, r.ProtoMajor, r.ProtoMinor)
		}
		if r.ContentLength != want.length || bodies[i] != want.body || (r.GetBody != nil) != want.getBody {
			t.Errorf("request %d: ContentLength %d, body %q, GetBody set %v; want %d, %q, %v",
				i, r.ContentLength, bodies[i], r.GetBody != nil, want.length, want.body, want.getBody)
		}
		if r.URL.User != nil || r.URL.Fragment != "" {
			t.Errorf("request %d: URL %#v", i, r.URL)
		}
		if _, ok := r.Context().Deadline(); !ok {
			t.Errorf("request %d: no deadline", i)
		}
	}
	if len(again) != 1 || again[0] != body {
		t.Errorf("GetBody gave %q, want the body once more", again)
	}
}

// TestRequestsIndependent: concurrent requests do not share mutable state:
// a transport that changes one request's headers (which a RoundTripper
// must not, but some do) leaves the next request as it was.
func TestRequestsIndependent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, fmt.Sprint(r.Header["Accept"], r.Header["User-Agent"], r.URL.Path))
		mu.Unlock()
		r.Header.Add("Accept", "text/html")
		r.Header.Set("User-Agent", "changed")
		r.URL.Path = "/elsewhere"
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
			Body: io.NopCloser(bytes.NewReader([]byte(okPage)))}, nil
	})}
	c, _ := newTestClient(t, "https://example.atlassian.net", WithHTTPClient(hc))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want := fmt.Sprint([]string{"application/json"}, []string{userAgent}, testAdminPath)
	for _, s := range seen {
		if s != want {
			t.Errorf("transport saw %s, want %s", s, want)
		}
	}
}

package atlassiantest

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSetChaos(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	q := url.Values{"query": {"ada@example.com"}}

	var asked atomic.Int32
	s.SetChaos(func(r *http.Request) (Failure, bool) {
		asked.Add(1)
		if strings.HasPrefix(r.URL.Path, "/rest/") {
			return Failure{Status: http.StatusServiceUnavailable, RetryAfter: "2"}, true
		}
		return Failure{}, false
	})
	a := call(t, s, http.MethodGet, searchPath(q), goodBasic, nil)
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "2" {
		t.Errorf("with chaos: %d, Retry-After %q; want 503, 2", a.status, a.header.Get("Retry-After"))
	}
	if a := call(t, s, http.MethodGet, lastActivePath(OrgID, "no-such-account"), goodBearer, nil); a.status != http.StatusNotFound {
		t.Errorf("a request the chaos lets through answered %d, want the usual 404", a.status)
	}

	// A Fail that matches wins, and the chaos is not asked.
	remove := s.Fail(Failure{API: "jira", Status: http.StatusTooManyRequests, Times: 1})
	defer remove()
	before := asked.Load()
	if a := call(t, s, http.MethodGet, searchPath(q), goodBasic, nil); a.status != http.StatusTooManyRequests {
		t.Errorf("with a matching Fail: %d, want its 429", a.status)
	}
	if asked.Load() != before {
		t.Error("the chaos was asked about a request a Fail already failed")
	}

	s.SetChaos(nil)
	if a := call(t, s, http.MethodGet, searchPath(q), goodBasic, nil); a.status != http.StatusOK {
		t.Errorf("after removing the chaos: %d, want 200", a.status)
	}
}

func TestSetChaosMalformed(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	s.SetChaos(func(*http.Request) (Failure, bool) { return Failure{Malformed: true}, true })
	a := call(t, s, http.MethodGet, searchPath(url.Values{"query": {"ada@example.com"}}), goodBasic, nil)
	if a.status != http.StatusOK || !strings.HasPrefix(string(a.body), "[") || strings.HasSuffix(string(a.body), "]") {
		t.Errorf("got %d %s, want 200 with truncated JSON", a.status, a.body)
	}
}

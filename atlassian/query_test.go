package atlassian

import (
	"net/url"
	"strconv"
	"testing"
)

// TestQueriesAsEncoded: the user search's and a page's query strings are
// exactly what url.Values.Encode makes of them (keys sorted, values
// escaped), for addresses and cursors with every kind of character, and
// they cost no more than the one string they are (each escaped value its
// own): url.Values built a map, its slices and a sorted key list for
// every request.
func TestQueriesAsEncoded(t *testing.T) {
	values := []string{"", "ada@example.com", "o'brien+tag@example.co.uk", "a b&c=d?e#f/g%h", "ünï@例え.jp",
		"\x00\x7f\xff", "a;b,c:d$e!f*g(h)i~j_k-l.m", "eyJjdXJzb3IiOjEyM30=", "AAEC/+==", "a\tb\nc"}
	for _, v := range values {
		for _, p := range [][2]int{{0, 50}, {50, 50}, {950, 50}, {100000, 1000}, {0, 1}} {
			want := url.Values{"query": {v}, "startAt": {strconv.Itoa(p[0])}, "maxResults": {strconv.Itoa(p[1])}}.Encode()
			if got := searchQuery(v, p[0], p[1]); got != want {
				t.Errorf("searchQuery(%q, %d, %d) = %q, want %q", v, p[0], p[1], got, want)
			}
		}
		if v == "" {
			continue // no cursor: no query at all
		}
		want := url.Values{"cursor": {v}}.Encode()
		if got := pageURL(&url.URL{Scheme: "https", Host: "api.atlassian.com", Path: "/x", RawQuery: "old=1"}, v).RawQuery; got != want {
			t.Errorf("pageURL(%q) query = %q, want %q", v, got, want)
		}
	}
	if got := pageURL(&url.URL{Scheme: "https", Host: "api.atlassian.com", Path: "/x", RawQuery: "old=1"}, "").RawQuery; got != "" {
		t.Errorf("pageURL without a cursor: query %q, want none", got)
	}
	if n := testing.AllocsPerRun(100, func() { searchQuery("ada@example.com", 50, 50) }); n > 2 {
		t.Errorf("searchQuery: %v allocations, want at most 2 (the escaped address and the query)", n)
	}
	if n := testing.AllocsPerRun(100, func() { pageURL(&url.URL{Path: "/x"}, "eyJjdXJzb3IiOjEyM30=") }); n > 3 {
		t.Errorf("pageURL: %v allocations, want at most 3 (the URL, the escaped cursor and the query)", n)
	}
}

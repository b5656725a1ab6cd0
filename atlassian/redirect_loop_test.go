package atlassian

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestSameHostRedirectLoopIsNamed: a site that redirects to itself over
// and over (a proxy's login loop) is given up after a few hops, and the
// error says so; it said "redirected to another host", sending the
// operator after a host that was never named.
func TestSameHostRedirectLoopIsNamed(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.Myself(context.Background())
	e := asError(t, err)
	if e.Kind != ErrBadResponse || e.Status != http.StatusFound {
		t.Fatalf("err = %v, want ErrBadResponse with HTTP 302", err)
	}
	if msg := err.Error(); strings.Contains(msg, "another host") || !strings.Contains(msg, "redirect") {
		t.Errorf("err = %q, want a redirect loop named as such", msg)
	}
}

package atlassian_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
)

// TestWriteRedirectNotFollowed: a release write answered with a redirect
// is not followed. Go turns a POST or DELETE redirected by 301, 302 or 303
// into a GET; its 200 made RevokeRole (and the group calls) report a change
// that was never made, and the release was recorded as done. A 307 or 308
// would send the write again, to a path we did not choose. Either way the
// outcome is unknown: the caller reads back.
func TestWriteRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Method+" "+r.URL.Path)
				mu.Unlock()
				if r.URL.Path == "/elsewhere" {
					w.WriteHeader(http.StatusOK)
					w.Write([]byte(`{}`))
					return
				}
				http.Redirect(w, r, "/elsewhere", code)
			}))
			t.Cleanup(srv.Close)
			c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "org", APIKey: "read-key",
				AdminWriteKey: "write-key"}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for name, write := range map[string]func() error{
				"revoke": func() error { return c.RevokeRole(ctx, "acct", "atlassian/user", "ari:cloud:confluence::site/1") },
				"assign": func() error { return c.AssignRole(ctx, "acct", "atlassian/user", "ari:cloud:confluence::site/1") },
				"remove": func() error { return c.RemoveFromGroup(ctx, "grp", "acct") },
				"add":    func() error { return c.AddToGroup(ctx, "grp", "acct") },
			} {
				err := write()
				var e *atlassian.Error
				if !errors.As(err, &e) || e.Kind != atlassian.ErrWriteUnknown {
					t.Errorf("%s after a %d: err = %v, want ErrWriteUnknown", name, code, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, s := range seen {
				if s[len(s)-len("/elsewhere"):] == "/elsewhere" {
					t.Errorf("redirect followed: %s", s)
				}
			}
		})
	}
}

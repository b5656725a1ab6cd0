package atlassian

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestJiraAnonymousAnswerIsRefusedCredentials: Jira Cloud serves a request
// whose API token it rejects (expired, revoked, mistyped) as an anonymous
// one, where the operation allows that, and says so only in the header
// X-Seraph-LoginReason. The user search then answers 200 with an empty list
// ("anonymous calls ... return empty search results", the contract's
// excerpt), which read as "nobody has this address": every person Jira
// alone can find was "not found", and the CLI's lookup went on through
// every address instead of stopping at the refused token. Such an answer
// is the credentials' refusal (ErrCredentials), whatever its status, and is
// not retried.
func TestJiraAnonymousAnswerIsRefusedCredentials(t *testing.T) {
	t.Parallel()
	for _, reason := range []string{"AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED", "authenticated_failed"} {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Seraph-LoginReason", reason)
				io.WriteString(w, `[]`)
			})
			c, _ := newTestClient(t, srv.URL)
			_, err := c.FindAccount(context.Background(), "ada@example.com")
			if !errors.Is(err, ErrCredentials) {
				t.Fatalf("FindAccount: %v, want ErrCredentials", err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d requests, want 1 (a refused credential is not retried)", n)
			}
			if strings.Contains(err.Error(), testJiraToken) {
				t.Error("the error shows the token")
			}
		})
	}
	// A signed-in answer says OK (or nothing, as a proxy may drop it): a
	// search that finds nobody is still "not found".
	for _, reason := range []string{"OK", ""} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if reason != "" {
				w.Header().Set("X-Seraph-LoginReason", reason)
			}
			io.WriteString(w, `[]`)
		})
		c, _ := newTestClient(t, srv.URL)
		if _, err := c.FindAccount(context.Background(), "ada@example.com"); !errors.Is(err, ErrNotFound) {
			t.Errorf("reason %q: %v, want ErrNotFound", reason, err)
		}
	}
}

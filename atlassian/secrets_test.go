package atlassian

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/internal/testlog"
)

const (
	secretCursor = "CURSOR-SECRET-z9/+="
	lookupEmail  = "ada+private@example.com"
)

// TestNoSecretLeaks drives every failure path, with a server that echoes our
// Authorization header back in its error bodies (as a careless proxy might),
// and checks that no credential form appears in the error text or in the
// debug log. Query strings (the looked-up email, the cursor) must not appear
// either.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(testJiraEmail + ":" + testJiraToken))
	forbidden := []string{testJiraToken, testAPIKey, testWriteKey, b64, testJiraEmail + ":" + testJiraToken, testBasic, secretCursor,
		"query=", "cursor=", lookupEmail, strings.ReplaceAll(lookupEmail, "+", "%2B")}

	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"status":"%d","code":"ADMIN-%d-1","title":%q,"detail":%q}],"errorMessages":[%q],"message":%q}`,
				status, status, auth, strings.TrimPrefix(auth, "Basic "), auth, auth)
		}
	}
	// firstPageThen serves a first page pointing at secretCursor, then h.
	firstPageThen := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("cursor") == "" && strings.Contains(r.URL.Path, "last-active") {
				fmt.Fprintf(w, `{"data":{"product_access":[]},"links":{"next":%q}}`, secretCursor)
				return
			}
			h(w, r)
		}
	}
	hijack := func(w http.ResponseWriter, r *http.Request) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}
	handlers := map[string]http.HandlerFunc{
		"400": echo(400),
		"401": echo(401),
		"403": echo(403),
		"404": echo(404),
		"429": echo(429),
		"500": echo(500),
		"503 html": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			fmt.Fprint(w, "<html>"+r.Header.Get("Authorization"))
		},
		"transport": hijack,
		"bad json":  func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"data":`+r.Header.Get("Authorization")) },
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://evil.invalid/?k="+testAPIKey, 302)
		},
		"empty": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[]`) },
		"ambiguous": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `[{"accountId":"a","accountType":"atlassian"},{"accountId":"b","accountType":"atlassian"}]`)
		},
		"cursor loop": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"data":{"product_access":[]},"links":{"next":%q}}`, secretCursor)
		},
		"oversized":      func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat(" ", 2048)) },
		"401 on page 2":  firstPageThen(echo(401)),
		"500 on page 2":  firstPageThen(echo(500)),
		"transport on 2": firstPageThen(hijack),
	}
	calls := map[string]func(context.Context, *Client) error{
		"FindAccount": func(ctx context.Context, c *Client) error { _, err := c.FindAccount(ctx, lookupEmail); return err },
		"Myself":      func(ctx context.Context, c *Client) error { _, err := c.Myself(ctx); return err },
		"LastActive":  func(ctx context.Context, c *Client) error { _, err := c.LastActive(ctx, testAccountID); return err },
		"Org":         func(ctx context.Context, c *Client) error { _, err := c.Org(ctx); return err },
		"Workspaces":  func(ctx context.Context, c *Client) error { _, err := c.Workspaces(ctx); return err },
		"FindByEmail": func(ctx context.Context, c *Client) error { _, err := c.FindByEmail(ctx, lookupEmail); return err },
		"Resolve":     func(ctx context.Context, c *Client) error { _, _, err := c.Resolve(ctx, lookupEmail); return err },
		// The release calls send the write key: it must not leak either.
		"UserAccess": func(ctx context.Context, c *Client) error { _, err := c.UserAccess(ctx, testAccountID); return err },
		"RoleAssignments": func(ctx context.Context, c *Client) error {
			_, err := c.RoleAssignments(ctx, testAccountID, "ari:cloud:confluence::site/s1")
			return err
		},
		"GroupsGranting": func(ctx context.Context, c *Client) error {
			_, err := c.GroupsGranting(ctx, testAccountID, "ari:cloud:confluence::site/s1")
			return err
		},
		"RevokeRole": func(ctx context.Context, c *Client) error {
			return c.RevokeRole(ctx, testAccountID, RoleUser, "ari:cloud:confluence::site/s1")
		},
		"AssignRole": func(ctx context.Context, c *Client) error {
			return c.AssignRole(ctx, testAccountID, RoleUser, "ari:cloud:confluence::site/s1")
		},
		"RemoveFromGroup": func(ctx context.Context, c *Client) error { return c.RemoveFromGroup(ctx, "g1", testAccountID) },
		"AddToGroup":      func(ctx context.Context, c *Client) error { return c.AddToGroup(ctx, "g1", testAccountID) },
	}
	// A change answered 2xx succeeded whatever the body says.
	writes := map[string]bool{"RevokeRole": true, "AssignRole": true, "RemoveFromGroup": true, "AddToGroup": true}
	okBody := map[string]bool{"bad json": true, "empty": true, "ambiguous": true, "cursor loop": true, "oversized": true}
	for hname, h := range handlers {
		for cname, call := range calls {
			t.Run(hname+"/"+cname, func(t *testing.T) {
				t.Parallel()
				srv := serve(t, h)
				var logs testlog.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c, _ := newTestClient(t, srv.URL, WithLogger(logger), WithRetry(RetryPolicy{MaxAttempts: 2}))
				c.maxBody = 1024
				err := call(context.Background(), c)
				if err == nil && !(writes[cname] && okBody[hname]) {
					t.Fatal("call succeeded; this table is about failures")
				}
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				for _, s := range forbidden {
					if strings.Contains(msg, s) {
						t.Errorf("error leaks %q: %s", s, err)
					}
					if strings.Contains(logs.String(), s) {
						t.Errorf("debug log leaks %q:\n%s", s, logs.String())
					}
				}
				if logs.String() == "" {
					t.Error("no debug log at all: the log check proves nothing")
				}
			})
		}
	}
}

// TestCancelledContextLeaksNothing covers the cancellation path, where the
// transport's own error (which names the full URL) is the cause.
func TestCancelledContextLeaksNothing(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ := newTestClient(t, srv.URL, WithTimeout(time.Minute))
	_, err := c.FindAccount(ctx, lookupEmail)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), "query=") || strings.Contains(err.Error(), "example.com") {
		t.Errorf("error names the query: %s", err)
	}
}

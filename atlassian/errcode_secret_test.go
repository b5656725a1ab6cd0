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

	"lastactive/internal/testlog"
)

// TestNoSecretInErrorCode drives the client against a server whose error
// bodies put one of our own credentials in the "code" field, in both shapes
// that carry a code, for every error status. The code is kept in Error.Code
// and printed by Error(), and so reaches logs and Slack replies: no
// credential may come back in it, whole or in part, nor in the debug log.
func TestNoSecretInErrorCode(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(testJiraEmail + ":" + testJiraToken))
	// Every form of every credential the test client sends. plausibleCode
	// lets a code of letters, digits, '-', '_' and '.' through, which each
	// plain token is; the base64 form holds '=' here and is there to stay
	// refused.
	secrets := map[string]string{
		"jira token":     testJiraToken,
		"admin key":      testAPIKey,
		"write key":      testWriteKey,
		"basic base64":   b64,
		"basic pair":     testJiraEmail + ":" + testJiraToken,
		"basic header":   testBasic,
		"key in a code":  "ADMIN-401-" + testAPIKey,
		"token + suffix": testJiraToken + ".x",
		// A cut echo (a proxy that keeps the first bytes) is part of a
		// credential all the same.
		"key prefix":   testAPIKey[:14],
		"token suffix": testJiraToken[len(testJiraToken)-12:],
	}
	forbidden := []string{testJiraToken, testAPIKey, testWriteKey, b64, testJiraEmail + ":" + testJiraToken, testBasic,
		testAPIKey[:14], testJiraToken[len(testJiraToken)-12:]}
	shapes := map[string]func(status int, code string) string{
		"errors array": func(status int, code string) string {
			return fmt.Sprintf(`{"errors":[{"status":"%d","code":%q,"title":"t","detail":"d"}]}`, status, code)
		},
		"top code": func(status int, code string) string {
			return fmt.Sprintf(`{"code":%q,"message":"m"}`, code)
		},
	}
	calls := map[string]func(context.Context, *Client) error{
		"Myself":      func(ctx context.Context, c *Client) error { _, err := c.Myself(ctx); return err },
		"FindAccount": func(ctx context.Context, c *Client) error { _, err := c.FindAccount(ctx, lookupEmail); return err },
		"Org":         func(ctx context.Context, c *Client) error { _, err := c.Org(ctx); return err },
		"LastActive":  func(ctx context.Context, c *Client) error { _, err := c.LastActive(ctx, testAccountID); return err },
		"RevokeRole": func(ctx context.Context, c *Client) error {
			return c.RevokeRole(ctx, testAccountID, RoleUser, "ari:cloud:confluence::site/s1")
		},
	}
	statuses := []int{400, 401, 403, 404, 409, 429, 500}

	var leaks atomic.Int64
	t.Run("cases", func(t *testing.T) {
		for sname, secret := range secrets {
			for shname, shape := range shapes {
				for _, status := range statuses {
					for cname, call := range calls {
						t.Run(fmt.Sprintf("%s/%s/%d/%s", sname, shname, status, cname), func(t *testing.T) {
							t.Parallel()
							srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
								w.WriteHeader(status)
								fmt.Fprint(w, shape(status, secret))
							})
							var logs testlog.Buffer
							logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
							c, _ := newTestClient(t, srv.URL, WithLogger(logger), WithRetry(RetryPolicy{MaxAttempts: 2}))
							err := call(context.Background(), c)
							if err == nil {
								t.Fatal("call succeeded; this table is about failures")
							}
							var e *Error
							if !errors.As(err, &e) {
								t.Fatalf("err = %T %v, want *Error", err, err)
							}
							if e.Code != "" {
								leaks.Add(1)
								t.Errorf("Error.Code = %q, want empty: the body's code held a credential", e.Code)
							}
							for _, s := range forbidden {
								if strings.Contains(err.Error(), s) {
									leaks.Add(1)
									t.Errorf("error leaks %q: %s", s, err)
								}
								if strings.Contains(logs.String(), s) {
									leaks.Add(1)
									t.Errorf("debug log leaks %q:\n%s", s, logs.String())
								}
							}
						})
					}
				}
			}
		}
	})
	if n := leaks.Load(); n > 0 {
		t.Errorf("%d leaks in all", n)
	}
}

// TestErrorCodeKeptBesideSecrets pins that the credential check drops only
// codes that hold a credential: the codes the client branches on still work
// with every credential configured.
func TestErrorCodeKeptBesideSecrets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status int
		code   string
		kind   Kind
	}{
		{404, "ADMIN-404-2", ErrOrgNotFound},
		{403, "ADMIN-403-3", ErrNotOrgAdmin},
		{400, "ADMIN-400-4", ErrRejected},
		{409, "ADMIN-UAM-409-3", ErrSeatLimit},
	} {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"errors":[{"status":"%d","code":%q}]}`, tt.status, tt.code)
			})
			c, _ := newTestClient(t, srv.URL)
			var err error
			if tt.status == 409 {
				err = c.AssignRole(context.Background(), testAccountID, RoleUser, "ari:cloud:confluence::site/s1")
			} else {
				_, err = c.Org(context.Background())
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %s with code %s", err, tt.kind, tt.code)
			}
		})
	}
}

func TestCodeHoldsSecret(t *testing.T) {
	t.Parallel()
	secrets := []string{testJiraToken, testAPIKey, "Q"}
	for _, tt := range []struct {
		code string
		want bool
	}{
		{"", false},
		{"ADMIN-404-8", false},
		{"ADMIN-UAM-409-3", false},
		{"ADMIN-400-24", false},
		{testAPIKey, true},
		{"x" + testJiraToken + "x", true},
		{testAPIKey[:secretOverlap], true},    // a cut echo
		{testAPIKey[:secretOverlap-1], false}, // too short to be one
		{"ADMIN-Q", true},                     // a short secret, whole (as summarize scrubs it)
		{"ATATT3xFfGF0T4xYz9QwErTy", true},    // token-shaped, though not ours
	} {
		if got := codeHoldsSecret(tt.code, secrets); got != tt.want {
			t.Errorf("codeHoldsSecret(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

package state

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPostgresLockTimeoutFromTheURL: the store's connections wait at most
// 10 s for another session's lock, unless the URL says otherwise, in
// either of PostgreSQL's forms: lock_timeout=… or libpq's
// options=-c lock_timeout=… (as PGOPTIONS gives it too). Before, the
// options form was overridden by the default without a word: the server
// applies the startup packet's own settings after the options.
func TestPostgresLockTimeoutFromTheURL(t *testing.T) {
	t.Parallel()
	base := postgresFixture(t)
	for _, c := range []struct{ param, value, want string }{
		{"", "", "10s"},
		{"lock_timeout", "3s", "3s"},
		{"options", "-c lock_timeout=4s", "4s"},
		{"options", "-c statement_timeout=20s --idle-in-transaction-session-timeout=60s", "10s"},
		{"options", "--lock-timeout=5s", "5s"},
	} {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		if c.param != "" {
			// %20, not Encode's +, as libpq's URIs spell a space.
			u.RawQuery += "&" + c.param + "=" + strings.ReplaceAll(url.QueryEscape(c.value), "+", "%20")
		}
		s := open(t, u.String())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var got string
		if err := s.db.QueryRowContext(ctx, "SHOW lock_timeout").Scan(&got); err != nil {
			t.Fatal(err)
		}
		cancel()
		if got != c.want {
			t.Errorf("%s=%q: lock_timeout %s, want %s", c.param, c.value, got, c.want)
		}
	}
}

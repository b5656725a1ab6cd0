package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedDatabaseURLStopsAtStart: a PostgreSQL URL that cannot be
// parsed (a bad sslmode, a port out of range, a pool parameter that is not
// a number) is as malformed as a mysql:// one: the program stops at start
// with one line naming LASTACTIVE_DATABASE_URL and exit code 2, without the
// password. Before, only the URL's outline was checked: serve started and
// ran without its store for good (the audit trail going to the log only),
// retrying the same URL every 30 s, and migrate failed with exit 1 naming
// no variable.
func TestMalformedDatabaseURLStopsAtStart(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, c := range []struct {
		name, url string
		args      []string
	}{
		{"bad sslmode, serve", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus", []string{"serve"}},
		{"bad sslmode, migrate", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus", []string{"migrate"}},
		{"port out of range", "postgres://u:pw-acc4-secret@127.0.0.1:99999/db", []string{"migrate"}},
		{"connect_timeout not a number", "postgresql://u:pw-acc4-secret@127.0.0.1:1/db?connect_timeout=soon", []string{"audit"}},
		{"pool size not a number", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?pool_max_conns=lots", []string{"lookup", "ada@example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+c.url), "", c.args...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "LASTACTIVE_DATABASE_URL") {
				t.Errorf("stderr does not name the variable: %q", r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("want one line, got %d: %q", n+1, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "pw-acc4-secret") {
				t.Error("the database password was echoed")
			}
		})
	}
	// check prints it as its configuration line, FAIL, as for any variable.
	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus"), "", "check")
	if r.code != 1 || !strings.HasPrefix(r.stdout, "FAIL  configuration: LASTACTIVE_DATABASE_URL") || strings.Contains(r.stdout+r.stderr, "pw-acc4-secret") {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A URL that parses still starts: the database is checked when opened.
	dir := t.TempDir()
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "la.db")}, "", "migrate"); r.code != 0 {
		t.Errorf("migrate on SQLite: %d %q", r.code, r.stderr)
	}
}

package main

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPostgresUnixSocketURL: a database URL naming PostgreSQL's Unix socket
// the way libpq and pgx take it (postgres://USER@/DB?host=/run/postgresql,
// no host before the path) is accepted, and migrate creates the schema
// through the socket. Before, it was refused at start as malformed (exit
// 2): the check wanted a host before the path.
func TestPostgresUnixSocketURL(t *testing.T) {
	db := postgresDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var dirs string
	if err := admin.QueryRowContext(ctx, "SHOW unix_socket_directories").Scan(&dirs); err != nil {
		t.Fatal(err)
	}
	dir, _, _ := strings.Cut(dirs, ",")
	dir = strings.TrimSpace(dir)
	if _, err := os.Stat(dir + "/.s.PGSQL." + u.Port()); dir == "" || err != nil {
		t.Skipf("the test database has no Unix socket here (unix_socket_directories = %q)", dirs)
	}
	q := u.Query()
	q.Set("host", dir)
	q.Set("port", u.Port())
	socketURL := (&url.URL{Scheme: "postgres", User: u.User, Path: u.Path, RawQuery: q.Encode()}).String()

	r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=" + socketURL}, "", "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema created") {
		t.Errorf("migrate through %s: exit %d\n%s%s", socketURL, r.code, r.stdout, r.stderr)
	}
}

// TestPostgresServiceURL: a database URL that takes its host from a
// connection service file (postgres:///?service=NAME, as libpq and pgx
// read it) is accepted, and migrate creates the schema through it. Before,
// it was refused at start as malformed (exit 2): the form check wanted a
// host before the path or a host= parameter.
func TestPostgresServiceURL(t *testing.T) {
	db := postgresDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	services := dir + "/pg_service.conf"
	conf := "[lastactive]\nhost=" + u.Hostname() + "\nport=" + u.Port() + "\ndbname=" + strings.TrimPrefix(u.Path, "/") + "\nuser=" + u.User.Username() + "\n"
	if err := os.WriteFile(services, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("service", "lastactive")
	serviceURL := (&url.URL{Scheme: "postgres", Path: "/", RawQuery: q.Encode()}).String()

	r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "PGSERVICEFILE=" + services, "LASTACTIVE_DATABASE_URL=" + serviceURL}, "", "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema created") {
		t.Errorf("migrate through %s: exit %d\n%s%s", serviceURL, r.code, r.stdout, r.stderr)
	}
}

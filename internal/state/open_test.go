package state

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testPassword = "s3cr3t-Pa55word"

func TestOpenRefusesBadURLs(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"",
		"lastactive.db",
		"mysql://u:" + testPassword + "@localhost/db",
		"sqlite:",
		"sqlite:state.db?mode=ro",
		"sqlite://",
		"postgres://u:" + testPassword + "@host:notaport/db",
		"postgres://u:" + testPassword + "%zz@host/db",
		"postgresql://u:" + testPassword + "@[::1/db",
		"postgres://u@host/db?password=" + testPassword + "&sslmode=bogus",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			s, err := Open(context.Background(), raw)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", raw)
			}
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("Open(%q): %v, want ErrBadURL", raw, err)
			}
			if !strings.Contains(err.Error(), "sqlite:PATH") || !strings.Contains(err.Error(), "postgres://") {
				t.Errorf("error does not name the accepted forms: %v", err)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts connections and never says anything: a PostgreSQL
// that hangs. Its goroutines end at cleanup.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestOpenPostgresErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url string
	}{
		{"nothing listens", "postgres://lastactive:" + testPassword + "@" + closedPort(t) + "/state?sslmode=disable"},
		{"password parameter", "postgresql://lastactive@" + closedPort(t) + "/state?sslmode=disable&password=" + testPassword},
		{"escaped password", "postgres://lastactive:" + url.PathEscape(testPassword+"/@:") + "@" + closedPort(t) + "/state?sslmode=disable"},
		{"server never answers", "postgres://lastactive:" + testPassword + "@" + silentServer(t) + "/state?sslmode=disable&connect_timeout=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded against a server that is not PostgreSQL")
			}
			for _, form := range []string{testPassword, url.PathEscape(testPassword), url.QueryEscape(testPassword)} {
				if strings.Contains(err.Error(), form) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), form) {
					t.Errorf("error shows the password (%q): %v", form, err)
				}
			}
			if !strings.Contains(err.Error(), "lastactive@") {
				t.Errorf("error does not say which database: %v", err)
			}
		})
	}
}

// Open has a deadline of its own: a PostgreSQL that accepts the connection
// and then says nothing fails start-up instead of hanging it. (The default
// is 10 s; the test lowers it so that it does not wait that long.)
func TestOpenPostgresGivesUpOnASilentServer(t *testing.T) {
	addr := silentServer(t)
	saved := openTimeout
	openTimeout = 300 * time.Millisecond
	t.Cleanup(func() { openTimeout = saved })
	s, err := Open(context.Background(), "postgres://u:"+testPassword+"@"+addr+"/db?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded against a silent server")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("Open: %v; want a deadline error", err)
	}
}

func TestStoreNeverPrintsThePassword(t *testing.T) {
	t.Parallel()
	cfg, shown, scrub, err := parsePostgresURL("postgres://lastactive:" + testPassword + "@db.internal:5432/state?sslmode=require&password=" + testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password != testPassword {
		t.Fatalf("parsed password %q: the connection would fail", cfg.Password)
	}
	s := &Store{shown: shown, scrub: scrub}
	for _, out := range []string{
		s.String(), fmt.Sprint(s), fmt.Sprintf("%v %+v %s %#v", s, s, s, s),
		s.wrap("step", errors.New("driver said: password "+testPassword+" rejected")).Error(),
	} {
		if strings.Contains(out, testPassword) {
			t.Errorf("shows the password: %s", out)
		}
	}
	if want := "postgres://lastactive@db.internal:5432/state?sslmode=require"; s.String() != want {
		t.Errorf("String() = %q, want %q", s.String(), want)
	}
}

func TestPostgresStoreNeverPrintsThePassword(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(postgresFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	// The throw-away cluster trusts loopback, so any password connects.
	u.User = url.UserPassword(u.User.Username(), testPassword)
	s := open(t, u.String())
	if err := s.Append(context.Background(), AuditEntry{Kind: KindLookup}); err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%v %+v %s %#v", s, s, s, s); strings.Contains(out, testPassword) || !strings.Contains(out, "postgres://") {
		t.Errorf("a Store printed: %s", out)
	}
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	s := open(t, sqliteFixture(t))
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "foreign_keys": "1", "cache_size": "-512"} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestSQLiteInMemory(t *testing.T) {
	t.Parallel()
	s := open(t, "sqlite::memory:")
	ctx := context.Background()
	if err := s.Append(ctx, AuditEntry{Kind: KindLookup, Emails: []string{"ada@example.com"}}); err != nil {
		t.Fatal(err)
	}
	// One connection holds the one in-memory database: later queries see it.
	got, err := s.Audit(ctx, AuditQuery{Target: "ada@example.com"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Audit: %d entries, %v", len(got), err)
	}
	if s.String() != "sqlite::memory:" {
		t.Errorf("String() = %q", s.String())
	}
}

func TestSQLiteMissingDirectory(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "no", "such", "state.db"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open in a missing directory: %v, want a not-exist error", err)
	}
}

// An operator deletes the database file while the bot runs: calls keep
// working on the open file or return errors (the caller logs them); none
// panics.
func TestSQLiteFileDeletedWhileOpen(t *testing.T) {
	t.Parallel()
	u := sqliteFixture(t)
	s := open(t, u)
	ctx := context.Background()
	if err := s.Append(ctx, AuditEntry{Kind: KindLookup, Emails: []string{"ada@example.com"}}); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(u, "sqlite:")
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	calls := map[string]func() error{
		"Append": func() error { return s.Append(ctx, AuditEntry{Kind: KindLookup, Emails: []string{"ada@example.com"}}) },
		"Audit":  func() error { _, err := s.Audit(ctx, AuditQuery{Target: "ada@example.com"}); return err },
		"FirstDelivery": func() error {
			_, err := s.FirstDelivery(ctx, "env", 0)
			return err
		},
		"Claim":      func() error { _, err := s.Claim(ctx, "slot", "me", time.Minute); return err },
		"PutResult":  func() error { return s.PutResult(ctx, "k", []byte("v"), time.Minute) },
		"Sweep":      func() error { _, err := s.Sweep(ctx, time.Now()); return err },
		"SweepAudit": func() error { _, err := s.SweepAudit(ctx, time.Now()); return err },
		"Ping":       func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s panicked after the file was deleted: %v", name, p)
				}
			}()
			if err := call(); err != nil {
				t.Logf("%s after the file was deleted: %v", name, err)
			}
		}()
	}
}

func TestParseRetention(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"400d", 400 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{" 30d ", 30 * 24 * time.Hour, true},
		{"720h", 720 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"0d", 0, false},
		{"-1d", 0, false},
		{"+5d", 0, false},
		{"05d", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"", 0, false},
		{"0", 0, false},
		{"-5h", 0, false},
		{"400", 400 * 24 * time.Hour, true}, // a number of days, as the contract says
		{"007", 0, false},
		{"-400", 0, false},
		// Every span a Go duration names in hours is taken in days too:
		// 2562047h was taken where 106751d, the same span, was refused.
		{"2562047h", 2562047 * time.Hour, true},
		{"106751d", 106751 * 24 * time.Hour, true},
		{"106751", 106751 * 24 * time.Hour, true},
		{"106752", 0, false},
		{"106752d", 0, false},
		{"99999999999999999999d", 0, false},
	} {
		got, err := ParseRetention(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !tc.ok && (err == nil || !errors.Is(err, ErrInvalid)) {
			t.Errorf("ParseRetention(%q) = %v, %v; want ErrInvalid", tc.in, got, err)
		}
	}
}

func FuzzParseRetention(f *testing.F) {
	for _, seed := range []string{"400d", "1d", "720h", "0d", "-1d", "1.5d", "d", "", "99999999999999999999d", "1h30m", "100000d", "٣d"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseRetention(in)
		if err != nil {
			if d != 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseRetention(%q) = %v, %v: an error must come with 0 and ErrInvalid", in, d, err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseRetention(%q) = %v: not positive", in, d)
		}
		if days, ok := strings.CutSuffix(strings.TrimSpace(in), "d"); ok {
			if want := fmt.Sprintf("%dd", d/(24*time.Hour)); d%(24*time.Hour) != 0 || want != days+"d" {
				t.Fatalf("ParseRetention(%q) = %v: not the whole days written", in, d)
			}
		}
	})
}

// TestUnescapedPasswordIsNotShownAsAPort: a password typed into the URL
// without %-escaping its '#', '?' or '/' ("2024#Winter") is read by pgx
// whole, and the connection works; Go's URL parser ends the host at that
// character instead and takes "lb:2024" for a host and port. The URL shown
// by check, migrate and every error must not carry that piece of the
// password as a port, also when pgx refuses the URL for another reason
// (it once did: "postgres://ada:2024: bad database URL").
func TestUnescapedPasswordIsNotShownAsAPort(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ pw, piece string }{
		{"2024#Winter", "2024"},
		{"8675309?x", "8675309"},
		{"31415/pie", "31415"},
	} {
		// The same URL with a parameter pgx refuses: its error shows the URL
		// as Go's parser read it (host "lb:2024", the rest a fragment or a
		// query, with no '@' or ':' left in the path).
		for _, tail := range []string{"", "?sslmode=bogus"} {
			cfg, shown, _, err := parsePostgresURL("postgres://lb:" + c.pw + "@db.internal:5432/state" + tail)
			if err != nil {
				if strings.Contains(err.Error(), c.piece) {
					t.Errorf("%s%s: the error shows a piece of the password: %v", c.pw, tail, err)
				}
				continue
			}
			if strings.Contains(shown, c.piece) {
				t.Errorf("%s%s: shown URL %q holds a piece of the password (pgx reads the password %q)", c.pw, tail, shown, cfg.Password)
			}
		}
	}
}

// FuzzParsePostgresURL: whatever the URL, the password never shows in what
// may be printed (the error, the shown URL), and a URL that parses keeps
// the password pgx will send.
func FuzzParsePostgresURL(f *testing.F) {
	for _, seed := range []struct{ user, pw, rest string }{
		{"lastactive", "s3cret", "db.internal:5432/state?sslmode=require"},
		{"u", "p@ss:w/rd", "127.0.0.1/db"},
		{"u", "%zz", "host/db"},
		{"", "pw12", "host:bad/db"},
		{"u", "pw34", "[::1/db"},
		{"u", "pw56", "host/db?password=other&connect_timeout=x"},
	} {
		f.Add(seed.user, seed.pw, seed.rest)
	}
	f.Fuzz(func(t *testing.T, user, pw, rest string) {
		// A password of a few characters may legitimately occur elsewhere.
		if len(pw) < 4 || strings.Contains(user+rest, pw) || strings.Contains("postgres://[redacted]", pw) {
			t.Skip()
		}
		raws := []string{
			"postgres://" + url.UserPassword(user, pw).String() + "@" + rest,
			"postgresql://" + url.User(user).String() + "@" + rest + "?password=" + url.QueryEscape(pw),
		}
		if !strings.ContainsAny(user+pw, "/?#@%") {
			// Unescaped, as people type them, when nothing needs escaping.
			raws = append(raws, "postgres://"+user+":"+pw+"@"+rest)
		}
		for _, raw := range raws {
			cfg, shown, _, err := parsePostgresURL(raw)
			if err != nil {
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error shows the password: %v", err)
				}
				continue
			}
			if strings.Contains(shown, pw) {
				t.Fatalf("shown URL %q has the password", shown)
			}
			_ = cfg
		}
	})
}

// TestPostgresSearchPathWithoutASchema: a search_path naming no existing
// schema (a typo, or a schema not created yet) is named as such, not as
// "converting NULL to string is unsupported".
func TestPostgresSearchPathWithoutASchema(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(postgresFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", q.Get("search_path")+"_missing")
	u.RawQuery = q.Encode()
	s, err := Open(context.Background(), u.String())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	err = s.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "search_path") || !strings.Contains(err.Error(), "no schema") ||
		strings.Contains(err.Error(), "NULL") {
		t.Errorf("Migrate = %v, want an error saying search_path names no schema", err)
	}
}

// TestPostgresPoolMaxConns: pool_max_conns in the URL (the parameter pgx's
// pools take, and the way to keep several replicas under a small
// max_connections) caps the store's connections. Before, pgx sent it to
// the server as a setting, and PostgreSQL refused every connection:
// unrecognized configuration parameter "pool_max_conns".
func TestPostgresPoolMaxConns(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(postgresFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "2")
	u.RawQuery = q.Encode()
	s := open(t, u.String())
	if got := s.db.Stats().MaxOpenConnections; got != 2 {
		t.Errorf("at most %d connections, want 2", got)
	}
	if !strings.Contains(s.String(), "pool_max_conns=2") {
		t.Errorf("String() = %s, want the pool size shown", s)
	}
	for _, bad := range []string{"0", "-1", "x"} {
		q.Set("pool_max_conns", bad)
		u.RawQuery = q.Encode()
		if s, err := Open(context.Background(), u.String()); err == nil || !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "pool_max_conns") {
			if s != nil {
				s.Close()
			}
			t.Errorf("pool_max_conns=%s: Open = %v, want a bad URL naming pool_max_conns", bad, err)
		}
	}
}

// TestPostgresPoolParams: the other pool parameters of a pgx pool URL.
// pool_max_conn_lifetime and pool_max_conn_idle_time are read (Go durations,
// above zero); the rest (pool_min_conns, pool_health_check_period, …) are
// refused at open with a line naming the parameter and what is read. Before,
// pgx sent each to the server as a setting, and PostgreSQL refused every
// connection with "unrecognized configuration parameter", which named no fix.
func TestPostgresPoolParams(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(postgresFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	with := func(k, v string) string {
		c := *u
		q := c.Query()
		q.Set(k, v)
		c.RawQuery = q.Encode()
		return c.String()
	}
	for _, ok := range [][2]string{{"pool_max_conn_lifetime", "5m"}, {"pool_max_conn_idle_time", "45s"}} {
		s := open(t, with(ok[0], ok[1]))
		if err := s.db.PingContext(context.Background()); err != nil {
			t.Errorf("%s=%s: %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][2]string{{"pool_min_conns", "2"}, {"pool_health_check_period", "1m"}, {"pool_max_conn_lifetime", "soon"},
		{"pool_max_conn_idle_time", "0s"}, {"pool_max_conn_lifetime", "-1m"}} {
		s, err := Open(context.Background(), with(bad[0], bad[1]))
		if s != nil {
			s.Close()
		}
		if !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: Open = %v, want a bad URL naming %s", bad[0], bad[1], err, bad[0])
		}
	}
}

// TestUnparsableURLIsNotSaidToBeHidden: the error shows the URL, its
// password removed, and then the driver's reason; that reason quoted the
// URL again, which is cut, and the cut read "cannot parse (URL not shown)"
// right after the URL shown.
func TestUnparsableURLIsNotSaidToBeHidden(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "postgres://u:"+testPassword+"@127.0.0.1:5432/db?sslmode=verfy-full")
	if err == nil {
		t.Fatal("a bad sslmode opened")
	}
	msg := err.Error()
	if strings.Contains(msg, "not shown") || !strings.Contains(msg, "postgres://u@127.0.0.1:5432/db") ||
		!strings.Contains(msg, "cannot parse the URL: ") || !strings.Contains(msg, "sslmode") {
		t.Errorf("error %q: want the URL without its password, then \"cannot parse the URL: \" and the reason", msg)
	}
	if strings.Contains(msg, testPassword) {
		t.Errorf("error shows the password: %v", msg)
	}
}

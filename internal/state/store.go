package state

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver: the binary stays static
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors callers can test with errors.Is.
var (
	// ErrBadURL: the database URL is not one of the accepted forms.
	ErrBadURL = errors.New("bad database URL: want sqlite:PATH, sqlite::memory:, postgres://… or postgresql://…")
	// ErrNotFound: nothing stored under that name (or it expired).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a value the store refuses to write (unknown audit kind, empty key, …).
	ErrInvalid = errors.New("invalid value")
	// ErrReadOnly: the database answers but refuses writes.
	ErrReadOnly = errors.New("the database refuses writes")
)

// openTimeout bounds Open when the caller's context has no earlier deadline:
// a PostgreSQL that accepts the connection and never answers must not hang
// start-up. A variable so the test of that case does not wait 10 s.
var openTimeout = 10 * time.Second

type backend int

const (
	sqliteBackend backend = iota + 1
	postgresBackend
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the durable state of the bot: audit trail, report history,
// envelope dedupe, claims and scan results, exemptions. It is safe for
// concurrent use; several Stores (processes, replicas) may share one
// PostgreSQL database.
type Store struct {
	db      *sql.DB
	backend backend
	shown   string              // the URL without its password, for String and errors
	scrub   func(string) string // removes the password from driver messages
	now     func() time.Time    // the clock; tests replace it
	pgCfg   *pgx.ConnConfig     // PostgreSQL: for PingAside's connection of its own

	onWrite atomic.Pointer[func(table string)] // OnWrite's (PostgreSQL)

	stmtMu              sync.Mutex
	insEntry, insTarget *sql.Stmt // appendPrepared's, prepared on first use (SQLite)
	insSeen             *sql.Stmt // FirstDelivery's, prepared on first use (SQLite)
}

// Open connects to the database named by rawURL and checks that it answers.
// Accepted forms: sqlite:PATH (a file, created if missing), sqlite::memory:
// (a private in-memory database, for tests and the demo), postgres://… and
// postgresql://… (any pgx connection URL; its password never appears in an
// error or in String). Open gives up after 10 s if ctx has no earlier
// deadline. It does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	}
	return nil, fmt.Errorf("open state store: %w", ErrBadURL)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "?#\x00") {
		return nil, fmt.Errorf("open state store: sqlite path must be non-empty, without ? or #, not //…: %w", ErrBadURL)
	}
	// busy_timeout makes a writer wait for another process's lock instead of
	// failing with SQLITE_BUSY; _txlock=immediate takes the write lock at BEGIN,
	// so a transaction never fails half-way upgrading a read lock; WAL lets
	// readers go on while one writes. The page cache is 512 KiB (SQLite's
	// default is 2 MiB; the driver's allocator rounds each 4 KiB page up to
	// 8 KiB, so it costs about 1 MB of RSS): the audit writer's batch of
	// random target inserts must fit it with the trail's inner pages. At
	// 128 KiB a batch spilled its dirty pages to the WAL before the commit
	// wrote them again and read evicted pages back, a syscall each
	// (TestAuditBatchStaysInThePageCache). secure_delete overwrites what is deleted:
	// an audit entry swept past its retention (personal data) would
	// otherwise stay readable in the file's free space.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-512)&_pragma=secure_delete(1)&_txlock=immediate"
	shown := "sqlite:" + path
	if path != ":memory:" {
		if dir := filepath.Dir(SQLiteFile(path)); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("open state store %s: directory%s: %w", shown, linkNote(path), err)
			}
		}
		if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
			// SQLite would block opening a pipe it may only read, with no
			// deadline, and name a directory "unable to open".
			if fi.IsDir() {
				return nil, fmt.Errorf("open state store %s: %s is a directory: name a file in it, such as %s",
					shown, path, filepath.Join(path, "lastactive.db"))
			}
			kind := "a device"
			switch {
			case fi.Mode()&os.ModeNamedPipe != 0:
				kind = "a pipe"
			case fi.Mode()&os.ModeSocket != 0:
				kind = "a socket"
			}
			return nil, fmt.Errorf("open state store %s: %s is not a regular file (%s): point the sqlite: URL at a file",
				shown, path, kind)
		}
		if !strings.HasPrefix(path, "file:") {
			// The trail is personal data: a file made here is the owner's
			// only (SQLite would make it 0644, and its -wal and -shm take
			// the file's mode). An existing file keeps the mode it has; any
			// other failure is SQLite's to report.
			// O_EXCL refuses a symbolic link, even one to nothing, which
			// SQLite then followed to make the file 0644: create where the
			// link leads.
			if f, err := os.OpenFile(SQLiteFile(path), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				f.Close()
			}
			// A database every user may read (made before files were
			// created private) loses what others may do with it, with its
			// -wal and -shm, which SQLite makes with the file's mode; the
			// owner's and the group's rights stay as the admin chose them.
			// Only a SQLite database: a URL pointed at another file (by a
			// root admin at /etc/passwd, say) must leave it as it is.
			if isSQLiteFile(path) {
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o007 != 0 {
						_ = os.Chmod(p, fi.Mode().Perm()&^0o007)
					}
				}
			}
		}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w", shown, err)
	}
	// One connection: writes from this process queue in database/sql instead
	// of meeting each other as SQLITE_BUSY, and ":memory:" stays one database
	// (each connection would otherwise get its own). Never closed for idleness.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, backend: sqliteBackend, shown: shown, scrub: func(m string) string { return m }, now: time.Now}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state store %s: %w%s", shown, err, sqliteAdvice(path, err))
	}
	return s, nil
}

// isSQLiteFile reports whether path is a regular file that starts with
// SQLite's header.
func isSQLiteFile(path string) bool {
	// Non-blocking: a pipe put at the path meanwhile must not hang here.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var head [16]byte
	_, err = io.ReadFull(f, head[:])
	return err == nil && string(head[:]) == "SQLite format 3\x00"
}

// SQLiteFile is the file that SQLite opens or creates for path: path
// itself, or where the symbolic links at its end lead (SQLite follows
// them). Its directory is the one that must exist and be writable, not the
// link's. A loop or a chain longer than the kernel's own limit is left as
// far as it got: opening it fails and says so.
func SQLiteFile(path string) string {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path
		}
		target, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return path
}

// linkNote is " (PATH is a link to FILE)" when path is a symbolic link,
// so that an error naming FILE's directory is not read as the link's.
func linkNote(path string) string {
	if f := SQLiteFile(path); f != path {
		return " (" + path + " is a link to " + f + ")"
	}
	return ""
}

// sqliteAdvice turns the SQLite errors that a file unfit for the store
// gives into what to do about it, after ": " (empty for others).
func sqliteAdvice(path string, err error) string {
	var e *sqlite.Error
	if path == ":memory:" || !errors.As(err, &e) {
		return ""
	}
	dir := filepath.Dir(SQLiteFile(path))
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return ": " + path + " is not a SQLite database: point the sqlite: URL at lastactive's database, or at a new file name"
	case sqlite3.SQLITE_CORRUPT:
		return ": " + path + " is damaged (truncated or overwritten): restore it from a backup, or move it aside to start a new one"
	case sqlite3.SQLITE_CANTOPEN:
		return ": cannot open or create " + path + ": its directory " + dir + " must be writable by this user"
	case sqlite3.SQLITE_READONLY:
		return ": " + path + " is read-only here: the file and its directory " + dir + " must be writable by this user (SQLite writes " +
			filepath.Base(path) + "-wal and -shm beside it)"
	case sqlite3.SQLITE_FULL:
		return ": the disk holding " + path + " is full: free space there"
	case sqlite3.SQLITE_IOERR:
		return ": reading or writing " + path + " failed (a full disk, a file size limit, a failing disk or a network filesystem gone): check the disk holding it"
	}
	return ""
}

// Damaged reports whether err says that a SQLite database file is damaged
// (SQLITE_CORRUPT: "database disk image is malformed") or is not a
// database (SQLITE_NOTADB): a file that stays so until it is restored or
// replaced, however often it is tried.
func Damaged(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return errors.Is(err, errDamaged)
	}
	c := e.Code() & 0xff
	return c == sqlite3.SQLITE_CORRUPT || c == sqlite3.SQLITE_NOTADB
}

// DiskFailed reports whether err says that the disk holding a SQLite file
// refused a read or a write (SQLITE_FULL, SQLITE_IOERR: a full volume, a
// file size limit, a failing disk): the file itself is fine, and is usable
// again once the disk is.
func DiskFailed(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	c := e.Code() & 0xff
	return c == sqlite3.SQLITE_FULL || c == sqlite3.SQLITE_IOERR
}

// errDamaged is QuickCheck's finding, for Damaged.
var errDamaged = errors.New("database disk image is malformed")

// QuickCheck reads every page of a SQLite database's tables and indexes
// (PRAGMA quick_check): nil when the file is whole, an error for which
// Damaged is true when it is not. It does nothing on PostgreSQL.
func (s *Store) QuickCheck(ctx context.Context) error {
	if s.backend != sqliteBackend {
		return nil
	}
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return s.wrap("quick check", err)
	}
	if res == "ok" {
		return nil
	}
	path := strings.TrimPrefix(s.shown, "sqlite:")
	return &storeError{msg: "quick check (" + s.shown + "): " + clipRunes(strings.Join(strings.Fields(res), " "), 200) + ": " + path +
		" is damaged (truncated or overwritten): restore it from a backup, or move it aside to start a new one", err: errDamaged}
}

// clipRunes shortens s to at most n runes.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// The pool's limits on PostgreSQL. database/sql closes idle connections
// only when its cleaner runs, every pgMaxIdleTime, so one may stay idle for
// up to twice that: under the 5 minutes after which load balancers and
// proxies commonly drop an idle connection (silently, and the next
// statement on it waits out its deadline). pgMaxLifetime moves every
// connection to where the database's address leads now, after a failover
// that left the old primary answering as a read-only standby.
var (
	pgMaxIdleTime = 2 * time.Minute
	pgMaxLifetime = 30 * time.Minute
)

// CheckURL reports, without connecting, whether Open could use rawURL's
// settings: for a PostgreSQL URL, what pgx and the pool parameters make of
// it (an unknown sslmode, a port out of range, a timeout that is not one).
// Such a URL never opens, however often it is tried, so a caller can refuse
// it at start. Its error, like Open's, never holds the password.
func CheckURL(rawURL string) error {
	if !strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://") {
		return nil
	}
	cfg, shown, _, err := parsePostgresURL(rawURL)
	if err != nil {
		return err
	}
	if _, err := poolParams(cfg.RuntimeParams); err != nil {
		return fmt.Errorf("open state store %s: %w", shown, err)
	}
	return nil
}

func openPostgres(ctx context.Context, rawURL string) (*Store, error) {
	cfg, shown, scrub, err := parsePostgresURL(rawURL)
	if err != nil {
		return nil, err
	}
	pool, err := poolParams(cfg.RuntimeParams)
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w", shown, err)
	}
	// Settings the store needs on each connection, made by SET once it is
	// open rather than sent as startup parameters: a pooler in front of
	// the database (PgBouncer, RDS Proxy) refuses a startup parameter it
	// does not track ("unsupported startup parameter: lock_timeout"), so
	// the store never opened through a default PgBouncer. A session SET
	// outranks the database's and the role's defaults as the startup
	// parameter did. It holds for the session: with a direct connection,
	// or a pooler in session mode, which gives this connection one server
	// connection until it closes and resets it then (DISCARD ALL). Not
	// SET LOCAL in each transaction: most of the store's statements run
	// on their own, outside any transaction, and each would need one and
	// an extra round trip; and a pooler in transaction mode breaks the
	// store anyway (the migration's session advisory lock, prepared
	// statements), so it must be pointed at a session-mode pool.
	var set []string
	if _, ok := cfg.RuntimeParams["lock_timeout"]; !ok && !optionsSet(cfg.RuntimeParams["options"], "lock_timeout") {
		// A statement waits at most this long for a lock another session
		// holds (a LOCK TABLE in an open psql, a migration stuck in its
		// transaction): the nudge round, the digest and the audit run
		// with long contexts, and must fail naming the lock, not hang.
		set = append(set, "SET lock_timeout = '"+defaultLockTimeout+"'")
	}
	// The store's statements are written for read committed (claims by
	// INSERT … ON CONFLICT, appends from several replicas at once): a
	// database or role whose default is serializable or repeatable read
	// would fail them with "could not serialize access" (40001), seen
	// as the store down.
	set = append(set, "SET default_transaction_isolation = 'read committed'")
	setAll := strings.Join(set, "; ")
	tracer := &statementTracer{}
	cfg.Tracer = tracer
	db := stdlib.OpenDB(*cfg, stdlib.OptionShouldPing(pingBeforeReuse), stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, setAll) // no arguments: one round trip, simple protocol
		return err
	}))
	db.SetMaxOpenConns(pool.maxConns)
	db.SetMaxIdleConns(min(4, pool.maxConns))
	db.SetConnMaxIdleTime(pool.maxIdleTime)
	db.SetConnMaxLifetime(pool.maxLifetime)
	s := &Store{db: db, backend: postgresBackend, shown: shown, scrub: scrub, now: time.Now, pgCfg: cfg}
	tracer.s = s // before the first connection
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, s.wrap("open state store", err)
	}
	return s, nil
}

// defaultLockTimeout is PostgreSQL's lock_timeout for the store's
// connections when the URL sets none.
const defaultLockTimeout = "10s"

// optionsSet reports whether libpq's options (the URL's options= or
// PGOPTIONS: "-c name=value", "-cname=value" or "--name=value", space
// separated) set the server parameter name. The server applies them
// before the startup packet's own parameters, so a default sent beside
// them would override what the operator wrote.
func optionsSet(options, name string) bool {
	f := strings.Fields(options)
	for i := 0; i < len(f); i++ {
		o := f[i]
		switch {
		case o == "-c" && i+1 < len(f):
			i++
			o = f[i]
		case strings.HasPrefix(o, "--"):
			o = o[2:]
		case strings.HasPrefix(o, "-c"):
			o = o[2:]
		default:
			continue
		}
		k, _, _ := strings.Cut(o, "=")
		if strings.ReplaceAll(strings.ToLower(k), "-", "_") == name {
			return true
		}
	}
	return false
}

// pool is the store's connection pool on PostgreSQL.
type pool struct {
	maxConns                 int
	maxIdleTime, maxLifetime time.Duration
}

// poolParams takes the pool parameters of a pgx pool URL out of params
// (pgx would send them to the server as settings, which PostgreSQL refuses,
// failing every connection): pool_max_conns caps this process's
// connections, so that replicas fit a small max_connections;
// pool_max_conn_lifetime and pool_max_conn_idle_time replace pgMaxLifetime
// and pgMaxIdleTime. Any other pool_ parameter is refused by name: a
// database/sql pool has no such setting.
func poolParams(params map[string]string) (pool, error) {
	p := pool{maxConns: 10, maxIdleTime: pgMaxIdleTime, maxLifetime: pgMaxLifetime}
	for k, v := range params {
		if !strings.HasPrefix(k, "pool_") {
			continue
		}
		delete(params, k)
		switch k {
		case "pool_max_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, fmt.Errorf("pool_max_conns must be a whole number of connections, 1 or more: %w", ErrBadURL)
			}
			p.maxConns = n
		case "pool_max_conn_lifetime", "pool_max_conn_idle_time":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return p, fmt.Errorf("%s must be a Go duration above zero, such as 30m: %w", k, ErrBadURL)
			}
			if k == "pool_max_conn_lifetime" {
				p.maxLifetime = d
			} else {
				p.maxIdleTime = d
			}
		default:
			return p, fmt.Errorf("%s is not read here (pool_max_conns, pool_max_conn_lifetime and pool_max_conn_idle_time are): remove it: %w",
				sanitizeParam(k), ErrBadURL)
		}
	}
	return p, nil
}

// sanitizeParam is a URL parameter's name as it may be shown: a name is
// not a secret, but it is cut and kept to the characters names use.
func sanitizeParam(k string) string {
	k = strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, k)
	if len(k) > 40 {
		k = k[:40]
	}
	return k
}

var (
	quoted      = regexp.MustCompile("`[^`]*`")
	shownParams = map[string]bool{
		"host": true, "port": true, "sslmode": true, "search_path": true, "connect_timeout": true, "application_name": true,
		"target_session_attrs": true, "pool_max_conns": true, "statement_timeout": true,
		"pool_max_conn_lifetime": true, "pool_max_conn_idle_time": true, "lock_timeout": true,
	}
)

var passwordParam = regexp.MustCompile(`(?i)password=([^&?#]*)`)

// parsePostgresURL reads a postgres:// URL into a pgx configuration, the URL
// as it may be shown (no password, neither in the user part nor as a
// password= parameter) and a function that takes the password out of any
// message. No network.
// userInfoSplit tells a URL whose authority Go's parser ended early: an
// '@' after the first '/', '?' or '#' past "//", as an unescaped password
// holding one of them leaves it ("u:2024#Winter@host"). pgx reads such a
// password whole; Go takes its start for a host and port.
func userInfoSplit(rawURL string) bool {
	_, rest, ok := strings.Cut(rawURL, "//")
	if !ok {
		return false
	}
	end := strings.IndexAny(rest, "/?#")
	return end >= 0 && strings.LastIndexByte(rest, '@') > end
}

func parsePostgresURL(rawURL string) (cfg *pgx.ConnConfig, shown string, scrub func(string) string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL, and its reason may quote a piece of the
		// password (a bad %-escape): say neither.
		return nil, "", nil, fmt.Errorf("open state store: malformed postgres URL (not shown: it may hold a password): %w", ErrBadURL)
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw)
	}
	// Every "password=" value, found the blunt way: a malformed query
	// ("sslmode=require?password=…") hides it from url.Query, and pgx quotes
	// the URL in its parse errors.
	for _, m := range passwordParam.FindAllStringSubmatch(rawURL, -1) {
		if m[1] == "" {
			continue
		}
		secrets = append(secrets, m[1])
		if pw, err := url.QueryUnescape(m[1]); err == nil && pw != "" {
			secrets = append(secrets, pw)
		}
	}
	scrub = func(m string) string {
		for _, sec := range secrets {
			for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec), url.UserPassword("", sec).String()[1:]} {
				if form != "" {
					m = strings.ReplaceAll(m, form, "[redacted]")
				}
			}
		}
		return m
	}
	// Shown: only parameters that cannot carry a password.
	q := url.Values{}
	for k, vs := range u.Query() {
		if shownParams[k] {
			q[k] = vs
		}
	}
	shownURL := *u
	shownURL.RawQuery = q.Encode()
	shownURL.Fragment, shownURL.RawFragment = "", "" // no meaning to pgx; may hold anything
	if strings.ContainsAny(u.Path, "@:") || userInfoSplit(rawURL) {
		// A user-info that swallowed a '/' ends up here: "postgres:///:pw@host",
		// and "postgres://u:31415/pie@host" took "u:31415" for host and port;
		// so did "postgres://u:2024#Winter@host", whose '@' went to the fragment.
		shownURL.Path, shownURL.RawPath = "/[redacted]", ""
		shownURL.Host = "[redacted]"
	}
	if u.User != nil {
		shownURL.User = url.User(u.User.Username())
	}
	cfg, err = pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx quotes the URL, and its own redaction misses malformed ones:
		// the URL is shown before, without its password.
		msg := strings.Replace(quoted.ReplaceAllString(err.Error(), "\x00"), "parse \x00", "parse the URL", 1)
		msg = strings.ReplaceAll(msg, "\x00", "(the URL)")
		return nil, "", nil, fmt.Errorf("open state store %s: %w: %s", scrub(shownURL.String()), ErrBadURL, scrub(msg))
	}
	// The password pgx will send, wherever it found it (URL, PGPASSWORD, .pgpass).
	if cfg.Password != "" {
		secrets = append(secrets, cfg.Password)
	}
	if at := strings.IndexAny(afterScheme(rawURL), "@/"); u.User == nil && at >= 0 && afterScheme(rawURL)[at] == '@' {
		// pgx, like libpq, ends the user-info at the last '@' before a '/',
		// so a password with an unescaped '#' or '?' ("2024#Winter") works;
		// Go's parser ended the host there and took "u:2024" for host and
		// port. Show what pgx connects to.
		shownURL = url.URL{Scheme: u.Scheme, User: url.User(cfg.User), Host: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Path: "/" + cfg.Database}
	}
	shown = scrub(shownURL.String())
	if cfg.ConnectTimeout <= 0 || cfg.ConnectTimeout > openTimeout {
		cfg.ConnectTimeout = openTimeout
	}
	return cfg, shown, scrub, nil
}

// afterScheme is rawURL without its "postgres://" or "postgresql://".
func afterScheme(rawURL string) string {
	_, rest, _ := strings.Cut(rawURL, "://")
	return rest
}

// String names the database without its password.
func (s *Store) String() string { return s.shown }

// GoString keeps %#v from printing the fields.
func (s *Store) GoString() string { return "state.Store(" + s.shown + ")" }

// Close closes the connections.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	for _, st := range []*sql.Stmt{s.insEntry, s.insTarget, s.insSeen} {
		if st != nil {
			st.Close()
		}
	}
	s.insEntry, s.insTarget, s.insSeen = nil, nil, nil
	s.stmtMu.Unlock()
	return s.db.Close()
}

// pingBeforeReuse says whether a pooled PostgreSQL connection is pinged
// before it is used again (a failed ping discards it, and database/sql takes
// another or a new one): when it was idle for more than a second, pgx's
// default, and also when the server spoke on it while it was idle. A
// restart, a failover or pg_terminate_backend ends each backend with
// "terminating connection" (57P01) and a close, which wait in the socket:
// the next statement sent on it would fail with them, and one failure marks
// the store down. Looking costs one non-blocking read, no round trip.
func pingBeforeReuse(_ context.Context, p stdlib.ShouldPingParams) bool {
	return p.IdleDuration > time.Second || serverSpoke(p.Conn.PgConn().Conn())
}

// ConnectionLost reports whether err (from a PostgreSQL store) says that
// the statement's connection ended under it, the server shut down,
// restarting or failing over (57P01, 57P02, 57P03), or the network closed
// it, rather than that the database refused the statement or ran out of
// time: another connection may well be answered at once.
func ConnectionLost(err error) bool {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return true // not the server's answer: the connection's end (EOF, reset, closed)
}

// CancelledByServer reports whether err (from a PostgreSQL store) is the
// server cancelling the statement for its own statement_timeout or an
// admin's cancel (57014), or for its lock_timeout (55P03): the database
// answered, and the next statement may well go through. The context's own
// end is not this.
func CancelledByServer(err error) bool {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "57014" || pe.Code == "55P03")
}

// Ping checks that the database answers (for /readyz and the store_ok gauge).
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap("ping", s.db.PingContext(ctx))
}

// PoolBusy reports whether every connection the pool may open is in use:
// a statement or ping asked now waits for one of them, and running out of
// time there says nothing about the database.
func (s *Store) PoolBusy() bool {
	st := s.db.Stats()
	return st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections
}

// PingAside checks that the PostgreSQL server answers on a connection of
// its own, outside the pool: when every pooled connection is busy, a ping
// through the pool waits in the same queue as the statement that ran out of
// time, and cannot tell a loaded server from one that stopped answering
// (whose stuck statements keep every connection busy too). Any answer from
// the server, a refusal included (too many clients, starting up), is an
// answer. On SQLite it is Ping.
func (s *Store) PingAside(ctx context.Context) error {
	if s.pgCfg == nil {
		return s.Ping(ctx)
	}
	c, err := pgx.ConnectConfig(ctx, s.pgCfg)
	if err == nil {
		err = c.Ping(ctx)
		// The goodbye has a deadline of its own, the ping's may be spent.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		c.Close(cctx)
		cancel()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return nil
	}
	return s.wrap("ping", err)
}

// PingWrite is Ping that also writes (SQLite: BEGIN IMMEDIATE, then
// user_version set to the value it has, and COMMIT: nothing changes, but
// the commit appends to the -wal as every write does), so that a file
// another process keeps locked, one that cannot be written, or one on a
// full disk fails here rather than at the next write: taking the lock and
// giving it back needs no space, and a store called available after each
// failed write flapped for as long as the disk stayed full. On PostgreSQL it asks whether this
// session's transactions may write: a read-only standby, or
// default_transaction_read_only on for the database or role, answers
// pings and refuses every write (ErrReadOnly).
func (s *Store) PingWrite(ctx context.Context) error {
	if s.backend != sqliteBackend {
		var ro string
		if err := s.db.QueryRowContext(ctx, "SHOW transaction_read_only").Scan(&ro); err != nil {
			return s.wrap("ping", err)
		}
		if ro == "on" {
			return s.wrap("ping", fmt.Errorf("%w (transaction_read_only is on: a read-only standby, or default_transaction_read_only set for the database or the role)", ErrReadOnly))
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil) // _txlock=immediate
	if err != nil {
		return s.wrap("ping", err)
	}
	var v int64
	if err = tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err == nil {
		_, err = tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.FormatInt(v, 10))
	}
	if err != nil {
		tx.Rollback()
		return s.wrap("ping", err)
	}
	return s.wrap("ping", tx.Commit())
}

// Migrate creates or upgrades the schema to the version embedded in this
// binary; it does nothing when the schema is current. On PostgreSQL it holds
// a session advisory lock while it runs, so replicas starting together
// migrate one after the other.
func (s *Store) Migrate(ctx context.Context) error {
	_, _, err := s.Upgrade(ctx)
	return err
}

// Upgrade is Migrate that says from which schema version to which it went
// (equal when the schema was current; 0 is an empty database).
func (s *Store) Upgrade(ctx context.Context) (from, to int64, err error) {
	if s.backend == postgresBackend {
		// A schema that is current needs no migration lock: read without
		// it, so that a session holding the lock and not ending (a migrate
		// stuck on another host) does not keep every replica's store shut.
		if v, err := s.schemaVersion(ctx); err == nil && v >= KnownVersion() {
			return v, v, nil
		}
	}
	err = s.migrate(ctx, func(p *goose.Provider) error {
		if from, err = p.GetDBVersion(ctx); err != nil {
			return err
		}
		if _, err := p.Up(ctx); err != nil {
			return err
		}
		to, err = p.GetDBVersion(ctx)
		return err
	})
	return from, to, err
}

// KnownVersion is the newest schema version this binary can migrate to. A
// database at a higher version was migrated by a newer lastactive.
func KnownVersion() int64 {
	var v int64
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, n := range names {
		if n, err := goose.NumericComponent(n); err == nil {
			v = max(v, n)
		}
	}
	for _, m := range goMigrations(sqliteBackend) {
		v = max(v, m.Version)
	}
	return v
}

// lastactiveTables are the tables the migrations make (and may alter).
var lastactiveTables = []string{"state_migrations", "audit_entry", "audit_target", "report_scan", "report_row", "envelope_seen",
	"claim_slot", "scan_result", "exemption", "nudge", "release_request", "approval_message", "release_done", "nudge_dry_run",
	"button_key"}

// UpgradeBlocked reports the schema's version and, when it is older than
// KnownVersion, why this store's user cannot upgrade it: on PostgreSQL a
// table it does not own (only an owner may alter one) or a schema it may
// not create tables in, as when an admin migrated and an application user
// serves. blocked is "" when the schema is current or newer, when it can
// be upgraded, and on SQLite. It reads only: no lock, no migration.
func (s *Store) UpgradeBlocked(ctx context.Context) (version int64, blocked string, err error) {
	if s.backend != postgresBackend {
		return 0, "", nil
	}
	if version, err = s.schemaVersion(ctx); err != nil {
		return 0, "", err
	}
	if version >= KnownVersion() {
		return version, "", nil
	}
	var schema sql.NullString
	if err := s.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return version, "", s.wrap("read schema", err)
	}
	if !schema.Valid {
		// NULL: no schema of search_path exists, or none this role may use.
		return version, "no schema that search_path names exists or may be used by this role", nil
	}
	var table sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT MIN(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND NOT pg_has_role(current_user, c.relowner, 'USAGE')`,
		lastactiveTables).Scan(&table)
	if err != nil {
		return version, "", s.wrap("read table owners", err)
	}
	if table.Valid {
		return version, "the table " + table.String + " belongs to another role", nil
	}
	var create bool
	if err := s.db.QueryRowContext(ctx, `SELECT has_schema_privilege(current_schema(), 'CREATE')`).Scan(&create); err != nil {
		return version, "", s.wrap("read schema privileges", err)
	}
	if !create {
		return version, "it may not create tables in the schema", nil
	}
	return version, "", nil
}

// schemaVersion reads the PostgreSQL schema's version (0: none yet)
// without the migration lock.
func (s *Store) schemaVersion(ctx context.Context) (version int64, err error) {
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT to_regclass('state_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, s.wrap("read schema version", err)
	}
	if exists {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM state_migrations WHERE is_applied`).Scan(&version); err != nil {
			return 0, s.wrap("read schema version", err)
		}
	}
	return version, nil
}

// namedLocker is goose's session locker whose failure to take the lock
// says so: goose gives back only the context's "deadline exceeded".
type namedLocker struct{ lock.SessionLocker }

func (l namedLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if err := l.SessionLocker.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("waited for the migration lock, which another session holds (another lastactive migrating this schema, or one stuck: pg_locks names it): %w", err)
	}
	return nil
}

// goMigrations are the migrations written in Go: those that differ by
// backend. Their versions follow the SQL files'.
func goMigrations(b backend) []*goose.Migration {
	return []*goose.Migration{auditWithoutRowID(b), refoldAuditTargets(b)}
}

// migrate runs step with a goose provider for this store, holding the
// migration lock (tests use it to stop at an older version).
func (s *Store) migrate(ctx context.Context, step func(*goose.Provider) error) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName("state_migrations"), goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(goMigrations(s.backend)...),
	}
	dialect := goose.DialectSQLite3
	if s.backend == postgresBackend {
		dialect = goose.DialectPostgres
		// The lock is per database; derive its ID from the schema so that
		// stores in separate schemas of one database (tests) do not queue.
		var schema sql.NullString
		if err := s.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return s.wrap("migrate: read schema", err)
		}
		if !schema.Valid {
			// NULL: no schema of search_path exists.
			return fmt.Errorf("migrate (%s): no schema to create the tables in: create the schema that search_path names, or fix search_path", s.shown)
		}
		id := int64(crc64.Checksum([]byte("lastactive state "+schema.String), crc64.MakeTable(crc64.ECMA)) >> 1)
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 600))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(namedLocker{locker}))
	}
	if s.backend == sqliteBackend {
		// SQLite has no session lock that outlives goose's transactions:
		// take a row lock of our own so two processes (or two Stores) opening
		// one fresh file do not both create the tables.
		unlock, err := s.sqliteMigrateLock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	p, err := goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// p.Close would close s.db; the provider holds nothing else.
	return s.wrap("migrate", step(p))
}

// sqliteMigrateLock takes the migration lock row, waiting (polling, within
// ctx) while another process holds it; a holder that died frees it after a
// minute.
func (s *Store) sqliteMigrateLock(ctx context.Context) (unlock func(), err error) {
	if _, err := s.db.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS state_migrate_lock (id INTEGER PRIMARY KEY, holder TEXT NOT NULL, expires_us BIGINT NOT NULL)`); err != nil {
		return nil, s.wrap("migrate: lock", err)
	}
	holder := newID(s.now())
	for {
		now := s.now()
		res, err := s.db.ExecContext(ctx,
			`INSERT INTO state_migrate_lock (id, holder, expires_us) VALUES (1, $1, $2)
			 ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_us = excluded.expires_us
			 WHERE state_migrate_lock.expires_us <= $3`,
			holder, micros(now.Add(time.Minute)), micros(now))
		got, err := s.won("migrate: lock", res, err)
		if err != nil {
			return nil, err
		}
		if got {
			return func() {
				// Unlock even when the caller's ctx is done, within a bound.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				s.db.ExecContext(ctx, `DELETE FROM state_migrate_lock WHERE id = 1 AND holder = $1`, holder)
			}, nil
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, s.wrap("migrate: wait for lock", ctx.Err())
		case <-t.C:
		}
	}
}

// wrap names the step and takes the password out of the driver's message,
// keeping the cause for errors.Is (context.DeadlineExceeded, ErrNotFound).
func (s *Store) wrap(step string, err error) error {
	if err == nil {
		return nil
	}
	msg := step + " (" + s.shown + "): " + s.scrub(err.Error())
	if s.backend == sqliteBackend {
		msg += sqliteAdvice(strings.TrimPrefix(s.shown, "sqlite:"), err)
	}
	return &storeError{msg: msg, err: err}
}

type storeError struct {
	msg string
	err error
}

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Unwrap() error { return e.err }

// micros and fromMicros are the one place times cross into the database.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"lastactive/internal/credentials"
	"lastactive/internal/state"
)

// sqliteLockWait bounds check's wait for a SQLite file's write lock.
const sqliteLockWait = 3 * time.Second

// checkDatabase opens LASTACTIVE_DATABASE_URL and pings it. It creates
// nothing: a SQLite file that does not exist yet passes when its directory
// is writable (serve creates it). The URL's password never appears.
func checkDatabase(ctx context.Context, c Config) credentials.Result {
	r := credentials.Result{Name: "Database (LASTACTIVE_DATABASE_URL)", API: credentials.Database, Status: credentials.Fail}
	if c.DatabaseURL == "" {
		r.Status, r.Detail = credentials.Skip, "not configured: state is kept in memory"
		return r
	}
	if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			// A link is followed: the file is made where it points.
			if file := state.SQLiteFile(path); dirWritable(file) != nil {
				r.Detail = fmt.Sprintf("SQLite file %s does not exist and its directory cannot be written", path)
				if file != path {
					r.Detail = fmt.Sprintf("SQLite file %s is a link to %s, which does not exist, and whose directory %s is missing or cannot be written",
						path, file, filepath.Dir(file))
				}
				r.Fix = "point LASTACTIVE_DATABASE_URL at a writable directory (the container uses sqlite:/data/lastactive.db on a volume)"
				return r
			}
			r.Status, r.Detail = credentials.OK, fmt.Sprintf("SQLite file %s will be created by serve or lastactive migrate", path)
			return r
		}
		// Reading is not enough: serve writes every audit entry, and
		// SQLite its -wal and -shm beside the file. Opening for writing
		// and a temporary file in the directory change nothing.
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err == nil {
				f.Close()
				err = dirWritable(state.SQLiteFile(path))
			}
			if err != nil {
				r.Detail = fmt.Sprintf("SQLite file %s or its directory cannot be written by this user: serve would keep nothing", path)
				r.Fix = "make the file and its directory writable by the user lastactive runs as (SQLite writes -wal and -shm files beside the database)"
				return r
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := state.Open(ctx, c.DatabaseURL)
	if err == nil {
		defer s.Close()
		err = s.Ping(ctx)
	}
	if err == nil && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		// A ping passes on a server that refuses every write.
		err = s.PingWrite(ctx)
		if errors.Is(err, state.ErrReadOnly) {
			r.Detail = fmt.Sprintf("the database at %s answers but refuses writes (transaction_read_only is on: a read-only standby, or default_transaction_read_only set for the database or the role): serve could not store its state",
				clip(dbHost(c.DatabaseURL), 80))
			r.Fix = "point LASTACTIVE_DATABASE_URL at the primary (add target_session_attrs=read-write to refuse a standby), or turn default_transaction_read_only off for this database and role"
			return r
		}
	}
	if err == nil && strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		// A ping only reads: take the write lock for a moment too. Serve's
		// own writes hold it for milliseconds; waiting longer than
		// sqliteLockWait means another process keeps it.
		wctx, wcancel := context.WithTimeout(ctx, sqliteLockWait)
		werr := s.PingWrite(wctx)
		wcancel()
		if werr != nil && (errors.Is(werr, context.DeadlineExceeded) || strings.Contains(werr.Error(), "SQLITE_BUSY")) {
			r.Detail = "the SQLite file is locked by another process (a second lastactive serve, or a sqlite3 shell in a transaction): serve could not store its state"
			r.Fix = "stop the other process or end its transaction; a SQLite file is for one process (several replicas share a postgres:// database)"
			return r
		}
		err = werr
		if err == nil {
			// Opening reads the first page and the schema: a file damaged
			// further in answers, and serve fails at its first read of the
			// damaged pages. Read every page (a run out of time is no
			// finding).
			// A disk that fails the read is a finding too (its words say
			// to check the disk, not to use another file).
			if qerr := s.QuickCheck(ctx); state.Damaged(qerr) || state.DiskFailed(qerr) {
				err = qerr
			}
		}
	}
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		// Ctrl-C: check's context was cancelled, before this check or
		// during it. Nothing is wrong with the database, and "a new file
		// name" would start an empty trail beside the real one.
		return credentials.Interrupted(r, "the database")
	}
	if what, ok := dbNetProblem(ctx, err); ok && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		// Nothing was asked of the credentials: do not send the admin
		// after a password (the API checks word a network failure so too).
		host := dbHost(c.DatabaseURL)
		r.Detail = fmt.Sprintf("network: could not reach the database at %s: %s (the credentials were not tested)", clip(host, 80), what)
		r.Fix = "check the host and port in LASTACTIVE_DATABASE_URL, that PostgreSQL runs there and listens on that address, and that a firewall lets this machine connect"
		return r
	}
	if err != nil && strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		// The store's words end with what to do about this file; a path
		// can be long, so they get more room than a server's error.
		r.Detail = "cannot open the database: " + clip(err.Error(), 600)
		r.Fix = "point LASTACTIVE_DATABASE_URL=sqlite:PATH at lastactive's own database file, or at a new file name, in a directory this user may write"
		if state.DiskFailed(err) {
			// Another file would start an empty trail beside this one,
			// which only needs its disk back.
			// SQLITE_IOERR is also a network filesystem's lock or a
			// failing disk: the words name those too.
			r.Fix = "free space on the disk holding the SQLite file (or give its volume more room, or lift the file size limit); if it has room, check the disk or network filesystem under it; then check again: the file stays lastactive's database"
		}
		return r
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// The server's own reason, first: the whole message (the URL,
		// the driver's preamble) clipped left only "… (127.0.0.1): fail…".
		r.Detail = fmt.Sprintf("the database at %s refused: %s (SQLSTATE %s)", clip(dbHost(c.DatabaseURL), 80), clip(pe.Message, 200), pe.Code)
		switch {
		case pe.Code == "28P01" || pe.Code == "28000":
			r.Fix = "check the user and password in LASTACTIVE_DATABASE_URL (a '/' or '@' in the password written %2F or %40), and that pg_hba.conf lets this user connect from here"
		case pe.Code == "53300":
			r.Fix = "the server has no connection to spare: raise max_connections, or cap each replica with ?pool_max_conns=N in LASTACTIVE_DATABASE_URL"
		case pe.Code == "08P01" && strings.HasPrefix(pe.Message, "unsupported startup parameter"):
			// A connection pooler (PgBouncer, RDS Proxy) refusing a server
			// setting the URL carries (search_path=, options=, …).
			r.Fix = "a connection pooler in front of the database refuses that setting in LASTACTIVE_DATABASE_URL: remove it from the URL and set it for the role instead (ALTER ROLE … SET name = value), or connect past the pooler"
		default:
			r.Fix = "check the user, password and database name in LASTACTIVE_DATABASE_URL, and that the database accepts connections from here"
		}
		return r
	}
	if err != nil {
		r.Detail = "cannot open the database: " + clip(err.Error(), 200)
		r.Fix = "check the host, port, user, password and database name, and that the database accepts connections from here"
		return r
	}
	// serve upgrades the schema at start: one this user cannot alter
	// (an admin migrated it, an application user serves) leaves serve
	// without its store after the binary is upgraded.
	if v, why, err := s.UpgradeBlocked(ctx); err == nil && why != "" {
		r.Detail = fmt.Sprintf("the schema is at version %d, this lastactive needs version %d, and this user cannot upgrade it (%s): serve would run without its store",
			v, state.KnownVersion(), why)
		r.Fix = "run lastactive migrate once as the role that owns the tables, then start serve"
		if v == 0 {
			r.Fix = "give this user a schema it may create tables in (CREATE SCHEMA … AUTHORIZATION, or GRANT USAGE, CREATE ON SCHEMA) and name it in search_path in LASTACTIVE_DATABASE_URL, then run lastactive migrate"
		}
		return r
	}
	r.Status, r.Detail = credentials.OK, "answers: "+s.String()
	return r
}

// dbHost is the host and port a postgres:// URL connects to, for check's
// lines, as the driver reads it: Go's URL parser ends the host at a '#' or
// '?' that an unescaped password may hold ("u:2024#Winter@db" gave the
// host "u:2024", a piece of the password).
func dbHost(raw string) string {
	if cfg, err := pgconn.ParseConfig(raw); err == nil && cfg.Host != "" {
		return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	return "the database"
}

// dbNetProblem names a failure to reach a PostgreSQL server at all: no
// such host, a refused connection, or one that never answered within
// check's bound (ctx, or the URL's connect_timeout).
func dbNetProblem(ctx context.Context, err error) (string, bool) {
	var (
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case err == nil:
		return "", false
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return "the host name does not resolve", true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused", true
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil, errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time", true
	}
	return "", false
}

// dirWritable reports whether a file can be made in path's directory, by
// making and removing one: nothing is left behind.
func dirWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".lastactive-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

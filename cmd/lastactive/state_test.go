package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
	"lastactive/internal/testlog"
)

// ask sends one slash command to s and waits for n replies.
func ask(t *testing.T, s *slacktest.Server, user, text string, n int) []slacktest.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env, err := s.SlashCommandConnected(ctx, slacktest.Command{UserID: user, ChannelID: "C1", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	replies, err := s.WaitReplies(ctx, env.ID, n)
	if err != nil {
		t.Fatalf("%q: no reply: %v", text, err)
	}
	return replies
}

// stop sends SIGTERM and waits for a clean exit.
func stop(t *testing.T, cmd *exec.Cmd, logs *testlog.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v\n%s", err, logs.String())
	}
}

func metric(base, series string) bool {
	_, body := get(base + "/metrics")
	return strings.Contains(body, series)
}

// TestAuditTrailSurvivesRestart (SQLite): a lookup made before a restart is
// in `/lastactive audit` and `lastactive audit` after it.
func TestAuditTrailSurvivesRestart(t *testing.T) {
	f := startFakes(t)
	env := f.env("LASTACTIVE_REPORT_USERS=UBOSS")
	cmd, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	if !metric(base, "lastactive_store_ok 1") {
		t.Error("lastactive_store_ok is not 1 with a working SQLite file")
	}
	stop(t, cmd, logs)

	r := runBinary(t, env, "", "audit", "--json", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	var line auditJSON
	if err := json.Unmarshal([]byte(strings.Split(r.stdout, "\n")[0]), &line); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, r.stdout)
	}
	if line.Actor != "U1" || line.Kind != "lookup" || line.Outcome != "ok" || len(line.Emails) != 1 || len(line.AccountIDs) != 1 {
		t.Errorf("audit --json first line = %+v", line)
	}
	if r := runBinary(t, env, "", "audit", "grace@example.com"); r.code != 0 || !strings.Contains(r.stdout, "No audit entries") {
		t.Errorf("audit of someone nobody asked about: %d %q", r.code, r.stdout)
	}

	cmd, base, logs = serveProcess(t, env)
	eventually(t, "/readyz 200 after restart", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	reply := ask(t, f.slack, "UBOSS", "audit ada@example.com", 1)[0]
	if !strings.Contains(reply.Text, "<@U1>") || !strings.Contains(reply.Text, "looked up") {
		t.Errorf("/lastactive audit after restart lacks the earlier lookup:\n%s", reply.Text)
	}
	stop(t, cmd, logs)
}

// TestDatabaseFileDeletedWhileServing: lookups go on answering; the store
// is reported down and the audit line goes to the log unstored.
func TestDatabaseFileDeletedWhileServing(t *testing.T) {
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	// The writer is asynchronous: let the first entry land before the file
	// goes, or its write fails too and two errors are counted.
	eventually(t, "the first audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	path := strings.TrimPrefix(f.db, "sqlite:")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	reply := ask(t, f.slack, "U1", "grace@example.com", 1)[0]
	if !strings.Contains(reply.Text, "grace@example.com: Jira") {
		t.Errorf("lookup with the database gone: %q", reply.Text)
	}
	eventually(t, "store errors counted", func() bool {
		return metric(base, `lastactive_store_errors_total{op="audit_write"} 1`)
	})
	if !metric(base, "lastactive_store_ok 0") && !strings.Contains(logs.String(), "state store available again") {
		t.Error("lastactive_store_ok is not 0 after the file was deleted")
	}
	if !strings.Contains(logs.String(), `"audit_stored":false`) || !strings.Contains(logs.String(), "state store unavailable") {
		t.Errorf("no unstored audit line or store error in the logs:\n%s", logs.String())
	}
	if c, _ := get(base + "/readyz"); c != 200 {
		t.Errorf("/readyz = %d with the database gone, want 200 (lookups work)", c)
	}
	stop(t, cmd, logs)
}

// TestStoreUnavailableAtStart: serve runs without its database.
func TestStoreUnavailableAtStart(t *testing.T) {
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_DATABASE_URL=postgres://lastactive:db-secret-pw@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	reply := ask(t, f.slack, "U1", "ada@example.com", 1)[0]
	if !strings.Contains(reply.Text, "ada@example.com: Jira") {
		t.Errorf("lookup without a database: %q", reply.Text)
	}
	if !metric(base, "lastactive_store_ok 0") {
		t.Error("lastactive_store_ok is not 0")
	}
	stop(t, cmd, logs)
	if n := strings.Count(logs.String(), "state store unavailable"); n != 1 {
		t.Errorf("%d store error lines, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "db-secret-pw") {
		t.Error("the database password reached the log")
	}
}

// TestMigrateAndStateConfig: migrate creates the schema; bad values name
// the variable and never echo the URL (it holds a password).
func TestMigrateAndStateConfig(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "la.db")}
	r := runBinary(t, env, "", "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema created (version ") {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "la.db")); err != nil {
		t.Errorf("migrate made no database file: %v", err)
	}
	// The second says so, rather than claiming it did something.
	if r := runBinary(t, env, "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, "schema is current (version ") {
		t.Errorf("second migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, env, "", "audit"); r.code != 0 || !strings.Contains(r.stdout, "No audit entries") {
		t.Errorf("audit of an empty trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct{ env, want string }{
		{"LASTACTIVE_DATABASE_URL=mysql://root:hunter2-secret@db/x", "LASTACTIVE_DATABASE_URL must be"},
		{"LASTACTIVE_AUDIT_RETENTION=forever", "LASTACTIVE_AUDIT_RETENTION must be"},
		{"LASTACTIVE_DATABASE_URL=sqlite:  ", "LASTACTIVE_DATABASE_URL must be"}, // not a file named "  "
	} {
		r := runBinary(t, append(env, c.env), "", "migrate")
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "hunter2") || strings.Contains(r.stderr, "forever") {
			t.Errorf("%s: exit %d, stderr %q", c.env, r.code, r.stderr)
		}
	}
	r = runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "no", "x.db")}, "", "audit")
	if r.code != 1 || !strings.Contains(r.stderr, "unavailable") {
		t.Errorf("audit without a database: %d %q", r.code, r.stderr)
	}
}

// TestCheckDatabaseLine: check says FAIL for a database it cannot reach,
// without its password.
func TestCheckDatabaseLine(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://u:pw-not-shown@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"), "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  Database") || strings.Contains(r.stdout+r.stderr, "pw-not-shown") {
		t.Errorf("check with an unreachable database: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, f.env(), "", "check")
	if !strings.Contains(r.stdout, "ok    Database") {
		t.Errorf("check with a SQLite path: %s", r.stdout)
	}
}

// TestCheckDatabaseNetworkIsNotThePassword: a PostgreSQL that refuses
// connections, or accepts them and never answers, is a network problem:
// check says so, names the host and port, and does not send the admin
// after a password that was never tested (as the API checks do not).
func TestCheckDatabaseNetworkIsNotThePassword(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	un := atlassiantest.NewUnreachable(t)
	refused := strings.TrimPrefix(un.Refused, "http://")
	for _, tc := range []struct{ name, addr string }{{"refused", refused}, {"silent", un.Silent}} {
		r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://u:pw-not-shown@"+tc.addr+"/x?sslmode=disable&connect_timeout=2"), "", "check")
		line := ""
		for l := range strings.Lines(r.stdout) {
			if strings.Contains(l, "Database") {
				line = l
			}
		}
		if r.code != 1 || !strings.Contains(line, "FAIL") || !strings.Contains(line, "network") || !strings.Contains(line, tc.addr) ||
			strings.Contains(strings.ToLower(r.stdout), "password") || strings.Contains(r.stdout+r.stderr, "pw-not-shown") {
			t.Errorf("%s: exit %d, want 1 and a network failure naming %s, not the password:\n%s%s", tc.name, r.code, tc.addr, r.stdout, r.stderr)
		}
	}
}

// TestCheckDatabaseHostIsNotThePassword: a password with an unescaped '#'
// (pgx, like libpq, ends the user-info at the last '@' before the path)
// connects; check's line names the host pgx tried. Before, it named what
// Go's URL parser took for the host, the user and the password's digits
// before the '#': "could not reach the database at lastactive:2024".
func TestCheckDatabaseHostIsNotThePassword(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	un := atlassiantest.NewUnreachable(t)
	refused := strings.TrimPrefix(un.Refused, "http://")
	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://lastactive:2024#Winter@"+refused+"/x?sslmode=disable&connect_timeout=2"), "", "check")
	line := ""
	for l := range strings.Lines(r.stdout) {
		if strings.Contains(l, "Database") {
			line = l
		}
	}
	if r.code != 1 || !strings.Contains(line, "FAIL") || !strings.Contains(line, refused) || strings.Contains(r.stdout+r.stderr, "2024") {
		t.Errorf("exit %d, want 1 and a FAIL line naming %s, and no piece of the password:\n%s%s", r.code, refused, r.stdout, r.stderr)
	}
}

// refusingPostgres is a PostgreSQL server on loopback that answers every
// connection's startup message with one FATAL error, as a server does for a
// wrong password or when max_connections is reached.
func refusingPostgres(t *testing.T, code, message string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				be := pgproto3.NewBackend(c, c)
				if _, err := be.ReceiveStartupMessage(); err != nil {
					return
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: code, Message: message})
				be.Flush()
			})
		}
	})
	return ln.Addr().String()
}

// TestCheckDatabaseRefusedSaysWhy: a PostgreSQL that refuses the
// connection (a wrong password, max_connections reached) gets a FAIL line
// that says the server's reason and what to do about it. Before, the
// line was the driver's message clipped to 200 characters, and the shown
// URL and the driver's own preamble took them all: "… (127.0.0.1): fail…".
func TestCheckDatabaseRefusedSaysWhy(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, tc := range []struct{ code, message, fix string }{
		{"28P01", `password authentication failed for user "lastactive"`, "password"},
		{"53300", "sorry, too many clients already", "pool_max_conns"},
		// A pooler (PgBouncer) refusing a setting the URL carries: no
		// password or database name to check, but where else to set it.
		{"08P01", "unsupported startup parameter: search_path", "ALTER ROLE"},
	} {
		addr := refusingPostgres(t, tc.code, tc.message)
		r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://lastactive:pw-not-shown@"+addr+
			"/lastactive_production?sslmode=disable&application_name=lastactive-bot"), "", "check")
		line := ""
		for l := range strings.Lines(r.stdout) {
			if strings.Contains(l, "Database") {
				line = l
			}
		}
		if r.code != 1 || !strings.HasPrefix(line, "FAIL") || !strings.Contains(line, tc.message) ||
			!strings.Contains(line[strings.Index(line, "Fix:"):], tc.fix) || strings.Contains(r.stdout+r.stderr, "pw-not-shown") {
			t.Errorf("%s: exit %d, want 1 and a FAIL line with %q and a fix naming %q:\n%s%s", tc.code, r.code, tc.message, tc.fix, r.stdout, r.stderr)
		}
	}
}

// TestCheckSQLiteLockedByAnotherProcess: a SQLite file another process
// keeps a write transaction open on (a sqlite3 shell, a stuck second
// serve) makes check FAIL its database line and name the lock. Before,
// check only pinged, which reads, and said ok, while serve on that file ran
// without its store (its migration gives up with SQLITE_BUSY).
func TestCheckSQLiteLockedByAnotherProcess(t *testing.T) {
	f := startFakes(t)
	if r := runBinary(t, f.env(), "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	holder, err := sql.Open("sqlite", strings.TrimPrefix(f.db, "sqlite:")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tx, err := holder.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock, held
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	r := runBinary(t, f.env(), "", "check", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, "locked by another process") {
		t.Errorf("check on a locked SQLite file: exit %d, want 1 and the lock named:\n%s%s", r.code, r.stdout, r.stderr)
	}
	tx.Rollback()
	r = runBinary(t, f.env(), "", "check")
	if !strings.Contains(r.stdout, "ok    Database") {
		t.Errorf("check once the lock is released: %s", r.stdout)
	}
}

// postgresDatabase gives the test a schema of its own in
// LASTACTIVE_TEST_POSTGRES_URL's database, dropped at the end.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LASTACTIVE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("e2e_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestTwoReplicasOnePostgres: two serve processes on one database. idle
// asked on both at once costs one org scan; after both restart, the audit
// command lists the lookups made before.
func TestTwoReplicasOnePostgres(t *testing.T) {
	db := postgresDatabase(t)
	now := time.Now()
	org := atlassiantest.GenerateOrg(250, 7, now)
	ada, ok := atlassiantest.SampleOrg(now).Lookup("ada@example.com")
	if !ok {
		t.Fatal("sample org has no ada")
	}
	org.Users = append(org.Users, ada)
	// Slow pages, so that the two reports overlap.
	atl := atlassiantest.NewServer(org, atlassiantest.WithLatency(150*time.Millisecond))
	t.Cleanup(atl.Close)
	f := &fakes{org: org, atl: atl, slack: slacktest.NewServer(slacktest.WithPingInterval(500 * time.Millisecond)), db: db}
	slack2 := slacktest.NewServer(slacktest.WithPingInterval(500 * time.Millisecond))
	t.Cleanup(func() { f.slack.Close(); slack2.Close() })
	envs := [][]string{
		f.env("LASTACTIVE_REPORT_USERS=UBOSS"),
		f.env("LASTACTIVE_REPORT_USERS=UBOSS", "SLACK_API_URL="+slack2.APIURL()),
	}
	slacks := []*slacktest.Server{f.slack, slack2}
	start := func() ([]*exec.Cmd, []*testlog.Buffer) {
		var cmds []*exec.Cmd
		var logs []*testlog.Buffer
		for i := range 2 {
			cmd, base, l := serveProcess(t, envs[i])
			eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
			cmds, logs = append(cmds, cmd), append(logs, l)
		}
		return cmds, logs
	}
	cmds, logs := start()

	search := "/admin/v2/orgs/" + org.ID + "/directories/-/users/search"
	before := atl.Count("", search)
	var wg sync.WaitGroup
	for i := range 2 {
		// Two replies each: "reading the organisation…", then the summary.
		wg.Go(func() { ask(t, slacks[i], "UBOSS", "idle", 2) })
	}
	wg.Wait()
	pages := (len(org.Users) + 99) / 100
	if got := atl.Count("", search) - before; got != pages {
		t.Errorf("two idle reports on two replicas made %d search calls, want %d (one org scan)", got, pages)
	}
	for i := range 2 {
		ask(t, slacks[i], fmt.Sprintf("U%d", i+1), "ada@example.com", 1)
	}
	for i := range 2 {
		eventually(t, "the audit line stored", func() bool { return strings.Contains(logs[i].String(), `"audit_stored":true`) })
		stop(t, cmds[i], logs[i])
	}

	cmds, logs = start()
	text := ask(t, slack2, "UBOSS", "audit ada@example.com", 1)[0].Text
	for _, want := range []string{"<@U1>", "<@U2>", "looked up"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit after restart lacks %q:\n%s", want, text)
		}
	}
	for i := range 2 {
		stop(t, cmds[i], logs[i])
	}
}

// TestZeroIsNotTheDefault: from the environment, 0 for the nudge cap or
// wait is a choice, not "use the default" (it became 200 people and a
// week without a word); it is refused. A retention under a day is kept,
// as the contract allows any Go duration, but said out loud: "12m" meant
// as months deletes the trail after twelve minutes.
func TestZeroIsNotTheDefault(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "la.db")}
	for _, c := range []struct{ env, want string }{
		{"LASTACTIVE_NUDGE_MAX=0", "LASTACTIVE_NUDGE_MAX must be"},
		{"LASTACTIVE_NUDGE_WAIT=0", "LASTACTIVE_NUDGE_WAIT must be"},
		{"LASTACTIVE_NUDGE_WAIT=0s", "LASTACTIVE_NUDGE_WAIT must be"},
	} {
		r := runBinary(t, append(env, c.env, "LASTACTIVE_NUDGE=dry-run"), "", "migrate")
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.env, r.code, r.stderr, c.want)
		}
		// Refused under dry-run, so dry-run is no way to pause.
		if strings.Contains(r.stderr, "=off or dry-run") {
			t.Errorf("%s under dry-run: stderr %q advises the setting that refused it", c.env, r.stderr)
		}
		// With nudges off the value does nothing: an env file that paused
		// nudges with 0 still starts.
		if r := runBinary(t, append(env, c.env), "", "migrate"); r.code != 0 {
			t.Errorf("%s with nudges off: exit %d, stderr %q; want 0", c.env, r.code, r.stderr)
		}
	}
	r := runBinary(t, append(env, "LASTACTIVE_AUDIT_RETENTION=12m"), "", "migrate")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: LASTACTIVE_AUDIT_RETENTION is 12m0s") {
		t.Errorf("12m: exit %d, stderr %q; want 0 and a warning", r.code, r.stderr)
	}
	if r := runBinary(t, append(env, "LASTACTIVE_AUDIT_RETENTION=400d"), "", "migrate"); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("400d: exit %d, stderr %q; want no warning", r.code, r.stderr)
	}
}

// TestServeSaysWhenNothingIsStored: LASTACTIVE_DATABASE_URL set but empty
// turns the store off (the load tool measures that way), which an admin
// must not learn only from a metric: serve says so once in its log.
func TestServeSaysWhenNothingIsStored(t *testing.T) {
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_DATABASE_URL="))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	stop(t, cmd, logs)
	if n := strings.Count(logs.String(), "no database"); n != 1 {
		t.Errorf("%d lines say there is no database, want 1:\n%s", n, logs.String())
	}
}

// TestCommandLineIsAudited: a lookup or a report run from the terminal is
// in the audit trail as the bot's are ("every lookup … is written"), under
// the command line and the OS user, so an auditor asking who looked up
// whom sees the terminal too.
func TestCommandLineIsAudited(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=operator")
	if r := runBinary(t, env, "", "lookup", "ada@example.com", "nobody@example.com"); r.code != 1 {
		t.Fatalf("lookup: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBinary(t, env, "", "report", "--idle-days", "60"); r.code != 0 {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	r := runBinary(t, env, "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 2 {
		t.Fatalf("%d entries, want the report and the lookup:\n%s", len(got), r.stdout)
	}
	rep, look := got[0], got[1] // newest first
	if rep.Kind != "report" || rep.Actor != "cli:operator" || rep.Outcome != "ok" || !strings.Contains(rep.Detail, "60 days") {
		t.Errorf("report entry %+v", rep)
	}
	// An email with no account is answered, not failed: "ok", the detail
	// saying so (it was "partial": TestNotFoundCommandLineLookupIsNotAFailureInTheTrail).
	if look.Kind != "lookup" || look.Actor != "cli:operator" || look.Outcome != "ok" || look.Detail != "no Atlassian account for 1 email" ||
		strings.Join(look.Emails, " ") != "ada@example.com nobody@example.com" || len(look.AccountIDs) != 1 {
		t.Errorf("lookup entry %+v", look)
	}
}

// TestAmbiguousCommandLineLookupIsNotAFailureInTheTrail: `lastactive
// lookup` of an email several accounts share exits 1, as a person not
// found does, but its audit entry read "failed" though the lookup answered
// with the list of accounts. It is "ambiguous" alone, and among others it
// counts as answered, the detail saying a list was shown.
func TestAmbiguousCommandLineLookupIsNotAFailureInTheTrail(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=operator")
	for _, args := range [][]string{{"sam@example.com"}, {"ada@example.com", "sam@example.com"}} {
		if r := runBinary(t, env, "", append([]string{"lookup"}, args...)...); r.code != 1 {
			t.Fatalf("lookup %s: exit %d, want 1\n%s", args, r.code, r.stderr)
		}
	}
	r := runBinary(t, env, "", "audit", "--json", "sam@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 2 {
		t.Fatalf("%d entries, want the two lookups:\n%s", len(got), r.stdout)
	}
	if both := got[0]; both.Outcome != "ok" || !strings.Contains(both.Detail, "several accounts listed for 1 email") {
		t.Errorf("lookup of Ada and Sam audited %+v, want ok saying a list was shown", both)
	}
	if sam := got[1]; sam.Outcome != "ambiguous" {
		t.Errorf("lookup of Sam alone audited %+v, want ambiguous", sam)
	}
}

// TestNotFoundCommandLineLookupIsNotAFailureInTheTrail: `lastactive
// lookup` of an email with no Atlassian account exits 1, but its audit
// entry read "failed", as an outage's does. It is "not_found"; a real
// failure (Atlassian answering 503) stays "failed".
func TestNotFoundCommandLineLookupIsNotAFailureInTheTrail(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=operator")
	if r := runBinary(t, env, "", "lookup", "nobody@example.com"); r.code != 1 {
		t.Fatalf("lookup: exit %d, want 1\n%s", r.code, r.stderr)
	}
	f.atl.Fail(atlassiantest.Failure{API: "admin", Status: 503})
	if r := runBinary(t, env, "", "lookup", "--fresh", "ada@example.com"); r.code != 1 {
		t.Fatalf("lookup in an outage: exit %d, want 1\n%s", r.code, r.stderr)
	}
	r := runBinary(t, env, "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 2 {
		t.Fatalf("%d entries, want the two lookups:\n%s", len(got), r.stdout)
	}
	if down := got[0]; down.Outcome != "failed" {
		t.Errorf("lookup in an outage audited %+v, want failed", down)
	}
	if gone := got[1]; gone.Outcome != "not_found" {
		t.Errorf("lookup of an unknown email audited %+v, want not_found", gone)
	}
}

// TestDigestsAreAudited: each digest posted, by the schedule or by
// `digest --post`, is a line of the audit trail ("Everything above … is
// written to the audit trail"), the schedule's by the bot, the command
// line's by its user.
func TestDigestsAreAudited(t *testing.T) {
	const channel = "CDIGEST01"
	f := startFakes(t)
	env := f.env("USER=operator", "LASTACTIVE_DIGEST_CHANNEL="+channel, "LASTACTIVE_DIGEST_SCHEDULE=@every 2s")
	cmd, _, logs := serveProcess(t, env)
	// Stopped once the first slot's entry is in the trail: a stop while a
	// post is on its way abandons it, and its entry then says failed even
	// if Slack had it (the bot never heard back).
	eventually(t, "a scheduled digest, audited", func() bool {
		if len(f.slack.Messages(channel)) == 0 {
			return false
		}
		// It names whom it showed: the people idle longest.
		out := runBinary(t, env, "", "audit", "--json").stdout
		return strings.Contains(out, `"outcome":"ok","emails":["grace@example.com","alan@example.com","tim@example.org"],"account_ids":["`) &&
			strings.Contains(out, `"detail":"posted to channel `+channel+` for the slot`)
	})
	stop(t, cmd, logs)
	scheduled := len(f.slack.Messages(channel))
	if r := runBinary(t, env, "", "digest", "--post"); r.code != 0 {
		t.Fatalf("digest --post: exit %d\n%s", r.code, r.stderr)
	}
	r := runBinary(t, env, "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	byBot, byCLI, cut := 0, 0, 0
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var j auditJSON
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("audit --json line %q: %v", l, err)
		}
		if j.Kind != "digest" {
			continue
		}
		if !strings.Contains(j.Detail, channel) {
			t.Errorf("digest entry %+v", j)
		}
		switch {
		case j.Actor == "" && j.Outcome == "failed":
			// A slot that began as the stop came (every 2 s here) is
			// audited as failed: that is the audit being honest.
			cut++
		case j.Outcome != "ok":
			t.Errorf("digest entry %+v", j)
		case j.Actor == "":
			byBot++
		case j.Actor == "cli:operator":
			byCLI++
		default:
			t.Errorf("digest entry by %q", j.Actor)
		}
	}
	// Each message in the channel has its entry: ok, or failed for the one
	// slot the stop may have cut short after Slack had its message.
	if byBot == 0 || byBot > scheduled || byBot+cut < scheduled || byCLI != 1 || cut > 1 {
		t.Errorf("%d scheduled and %d command-line digest entries, want %d and 1:\n%s", byBot, byCLI, scheduled, r.stdout)
	}
}

// TestFirstPostedDigestAfterPrivateOnes: digests made before the channel
// ever had one (`lastactive digest`, `/lastactive digest`, App Home's Scan
// now) are not what the channel saw: its first digest says it is the first
// one, with no change since an earlier digest and no chart, as the second
// one does with the change since the first.
func TestFirstPostedDigestAfterPrivateOnes(t *testing.T) {
	const channel = "CDIGEST01"
	f := startFakes(t)
	env := f.env("LASTACTIVE_DIGEST_CHANNEL=" + channel)
	for range 2 { // printed, not posted
		if r := runBinary(t, env, "", "digest"); r.code != 0 {
			t.Fatalf("digest: exit %d\n%s", r.code, r.stderr)
		}
	}
	for range 2 {
		if r := runBinary(t, env, "", "digest", "--post"); r.code != 0 {
			t.Fatalf("digest --post: exit %d\n%s", r.code, r.stderr)
		}
	}
	msgs := f.slack.Messages(channel)
	if len(msgs) != 2 {
		t.Fatalf("%d digests posted, want 2", len(msgs))
	}
	for i, m := range msgs {
		raw, _ := json.Marshal(m.Blocks)
		text, image := string(raw), strings.Contains(string(raw), `"type":"image"`)
		switch {
		case i == 0 && (image || !strings.Contains(text, "first digest") || strings.Contains(text, "Change since the last digest")):
			t.Errorf("the channel's first digest: want no chart and no change since an earlier one: %s", text)
		case i == 1 && (!image || !strings.Contains(text, "Change since the last digest")):
			t.Errorf("the channel's second digest: want the chart and the change since the first: %s", text)
		}
	}
}

// TestServeDoesNotWaitForTheDatabase: a database that accepts and never
// answers (a stalled PostgreSQL, a replica holding the migration lock)
// does not hold up /healthz, which answers at once, and holds up Slack
// (/readyz, the lookups) only for its first try, at most 5 s, not until
// it gives up. Before, serve waited for the open before starting the
// health server, long enough for a liveness probe to restart the pod in a
// loop.
func TestServeDoesNotWaitForTheDatabase(t *testing.T) {
	f := startFakes(t)
	silent := atlassiantest.NewUnreachable(t).Silent
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_DATABASE_URL=postgres://lastactive:db-secret-pw@"+silent+"/none?sslmode=disable&connect_timeout=60"))
	eventually(t, "/healthz 200", func() bool { c, _ := get(base + "/healthz"); return c == 200 })
	if c, _ := get(base + "/readyz"); c == 200 {
		t.Error("/readyz was ready while the store's first try was still running")
	}
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	reply := ask(t, f.slack, "U1", "ada@example.com", 1)[0]
	// The bot connected to Slack while the open was still waiting (it gives
	// up after 10 s; on a loaded machine the lookup may come after that,
	// which it does not need the store for).
	l := logs.String()
	connected, gaveUp := strings.Index(l, "socket mode connected"), strings.Index(l, "state store unavailable")
	if connected < 0 || (gaveUp >= 0 && gaveUp < connected) {
		t.Fatalf("the bot connected to Slack only once the store's open gave up:\n%s", l)
	}
	if !strings.Contains(reply.Text, "ada@example.com: Jira") {
		t.Errorf("lookup while the database hangs: %q", reply.Text)
	}
	if !metric(base, "lastactive_store_ok 0") {
		t.Error("lastactive_store_ok is not 0")
	}
	stop(t, cmd, logs)
}

// TestCommandLineMakesNoDatabase: run where no bot keeps its database, with
// LASTACTIVE_DATABASE_URL unset, lookup, report and digest do not create
// ./lastactive.db just to audit themselves or keep a snapshot (a trail and
// a history the bot never reads); with the variable set, they write there.
// digest made one in whatever directory it ran in.
func TestCommandLineMakesNoDatabase(t *testing.T) {
	f := startFakes(t)
	var env []string
	for _, e := range f.env() {
		if !strings.HasPrefix(e, "LASTACTIVE_DATABASE_URL=") {
			env = append(env, e)
		}
	}
	for _, args := range [][]string{{"lookup", "ada@example.com"}, {"report"}, {"digest"}} {
		dir := t.TempDir()
		cmd := exec.Command(binary, args...)
		cmd.Env, cmd.Dir = env, dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "lastactive.db")); err == nil {
			t.Errorf("%s created ./lastactive.db", args[0])
		}
	}
}

// TestMigrateOnANewerSchema: a database a newer lastactive migrated is not
// "current" for this binary: migrate says the schema is newer than it knows,
// changes nothing and exits 1.
func TestMigrateOnANewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "la.db")
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO state_migrations (version_id, is_applied) VALUES ((SELECT MAX(version_id) + 1 FROM state_migrations), 1)")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, env, "", "migrate")
	if r.code != 1 || strings.Contains(r.stdout, "current") || !strings.Contains(r.stderr, "newer than this lastactive knows") {
		t.Errorf("migrate on a newer schema: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestServeOnANewerSchemaSaysSo: after a rollback (the newer lastactive
// stopped, this one started on the schema it migrated) serve goes on, as
// an older replica of a rolling update must, but said nothing: the admin
// was not told that what the newer version records (how nudges ended,
// say) is not kept up by this one, nor that the schema stays newer. It now
// logs one warning naming both versions.
func TestServeOnANewerSchemaSaysSo(t *testing.T) {
	f := startFakes(t)
	path := strings.TrimPrefix(f.db, "sqlite:")
	if r := runBinary(t, f.env(), "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO state_migrations (version_id, is_applied) VALUES ((SELECT MAX(version_id) + 1 FROM state_migrations), 1)")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	// Slack is connected once the store's first open was tried.
	eventually(t, "every socket open", func() bool { return f.slack.Deliverable() == 2 })
	stop(t, cmd, logs)
	want := fmt.Sprintf(`"schema_version":%d`, state.KnownVersion()+1)
	if n := countLines([]*testlog.Buffer{logs}, `"level":"WARN"`, "newer", want); n != 1 {
		t.Errorf("serve on a schema a newer lastactive migrated: %d warnings naming it (%s), want 1:\n%s", n, want, logs.String())
	}
}

// TestCheckSchemaThisUserCannotUpgrade: after the binary is upgraded, a
// PostgreSQL schema at an older version whose tables belong to another
// role (migrated by an admin, served by an application user without DDL
// rights) cannot be upgraded by serve, which then runs without its store:
// check says so instead of ok, and names lastactive migrate as the fix.
func TestCheckSchemaThisUserCannotUpgrade(t *testing.T) {
	db := postgresDatabase(t)
	f := startFakes(t)
	if r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+db), "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	admin, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var schema string
	if err := admin.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	role := "app_" + schema
	// Back to version 6, as an older lastactive left it; the tables stay
	// the admin's, the application user may only read and write rows.
	migrateDownTo(ctx, t, admin, 6)
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP OWNED BY "+role)
		admin.ExecContext(ctx, "DROP ROLE "+role)
	})
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	app := f.env("LASTACTIVE_DATABASE_URL=" + u.String())
	if r := runBinary(t, app, "", "migrate"); r.code == 0 {
		t.Fatalf("the application user upgraded the schema: the test proves nothing\n%s", r.stdout)
	}
	r := runBinary(t, app, "", "check")
	line := ""
	for l := range strings.Lines(r.stdout) {
		if strings.Contains(l, "Database") {
			line = l
		}
	}
	if r.code != 1 || !strings.Contains(line, "FAIL") || !strings.Contains(line, "version 6") || !strings.Contains(line, "lastactive migrate") {
		t.Errorf("check on a schema this user cannot upgrade: exit %d, want 1 and a FAIL naming the version and lastactive migrate:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Once the owner has migrated, the application user's check passes.
	if r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+db), "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("upgraded from version 6 to %d", state.KnownVersion())) {
		t.Fatalf("migrate as the owner: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if _, err := admin.ExecContext(ctx, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "+schema+" TO "+role); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, app, "", "check"); !strings.Contains(r.stdout, "ok    Database") {
		t.Errorf("check once the owner migrated: %s", r.stdout)
	}
}

// migrateDownTo takes db's schema back to version v by the migrations' own
// Down sections, newest first, so that a new migration needs no change
// here (a rollback listed by hand missed migration 14, and the test failed
// on every PostgreSQL run). The Go migrations re-index the audit trail's
// rows, which these tests leave empty: they go down as no-ops.
func migrateDownTo(ctx context.Context, t *testing.T, db *sql.DB, v int64) {
	t.Helper()
	fsys := os.DirFS(filepath.Join("..", "..", "internal", "state", "migrations"))
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("the migrations: %v %v", names, err)
	}
	inSQL := map[int64]bool{}
	for _, n := range names {
		if n, err := goose.NumericComponent(n); err == nil {
			inSQL[n] = true
		}
	}
	var goMigrations []*goose.Migration
	for n := int64(1); n <= state.KnownVersion(); n++ {
		if !inSQL[n] {
			goMigrations = append(goMigrations, goose.NewGoMigration(n, nil, nil))
		}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithTableName("state_migrations"),
		goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations...))
	if err != nil {
		t.Fatal(err)
	}
	// p.Close would close db; the provider holds nothing else.
	if _, err := p.DownTo(ctx, v); err != nil {
		t.Fatalf("migrate down to %d: %v", v, err)
	}
}

// TestAuditSaysWhenItStopsShort: `lastactive audit` prints at most 10,000
// entries; a trail holding more (a month of nudge rounds over a large
// organisation) must say that older ones were left out, on stderr so that
// --json stays one entry a line, rather than pass the newest 10,000 off as
// the whole of --since.
func TestAuditSaysWhenItStopsShort(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	now := time.Now()
	const n = 10001
	entries := make([]state.AuditEntry, 0, n)
	for i := range n {
		entries = append(entries, state.AuditEntry{At: now.Add(-time.Duration(n-i) * time.Second), Actor: "U0REPORT",
			Emails: []string{fmt.Sprintf("p%d@example.com", i)}, Kind: state.KindLookup, Outcome: state.OutcomeOK})
	}
	seedTrail(t, f, env, entries)

	for _, args := range [][]string{{"audit", "--since", "30d"}, {"audit", "--json"}} {
		r := runBinary(t, env, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		lines := strings.Count(r.stdout, "\n")
		if args[1] != "--json" {
			lines-- // the table's header
		}
		if lines != 10000 {
			t.Errorf("%v: %d entries printed, want the newest 10,000", args, lines)
		}
		if !strings.Contains(r.stderr, "10,000") || !strings.Contains(r.stderr, "older") {
			t.Errorf("%v: %d of %d entries printed and stderr does not say so: %q", args, lines, n, r.stderr)
		}
		// A shorter --since shows newer entries, never the older ones left
		// out: advice to use one would send the auditor in circles.
		if strings.Contains(r.stderr, "shorter --since") {
			t.Errorf("%v: stderr advises a shorter --since to see older entries: %q", args, r.stderr)
		}
	}
	// Exactly the limit is the whole trail: nothing to say.
	r := runBinary(t, env, "", "audit", "--json", "--since", "30d", "p10000@example.com")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
		t.Errorf("one person: exit %d, %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestReadingOnePersonsTrailIsAudited: `/lastactive audit EMAIL` is itself
// on that person's record (a report on them, "audit trail"); reading the
// same trail from the terminal was not, so an auditor asking who looked at
// whom missed the terminal. It is now recorded as the slash command's is,
// under the OS user, after the entries it printed.
func TestReadingOnePersonsTrailIsAudited(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=operator")
	if r := runBinary(t, env, "", "lookup", "ada@example.com"); r.code != 0 {
		t.Fatalf("lookup: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBinary(t, env, "", "audit", "ada@example.com"); r.code != 0 || strings.Contains(r.stdout, "audit trail") {
		t.Fatalf("audit: exit %d, its own reading in its output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runBinary(t, env, "", "audit", "--json", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 2 {
		t.Fatalf("%d entries, want the reading of the trail and the lookup:\n%s", len(got), r.stdout)
	}
	if e := got[0]; e.Kind != "report" || e.Actor != "cli:operator" || e.Outcome != "ok" || e.Detail != "audit trail" ||
		strings.Join(e.Emails, " ") != "ada@example.com" {
		t.Errorf("reading entry %+v", e)
	}
}

// auditLines reads audit --json's output, one entry a line.
func auditLines(t *testing.T, stdout string) []auditJSON {
	t.Helper()
	var got []auditJSON
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var j auditJSON
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("audit --json line %q: %v", l, err)
		}
		got = append(got, j)
	}
	return got
}

// TestPrintedDigestTellsOfTheChartOnce: `lastactive digest` prints the
// digest and never uploads a chart. With two digests stored it said "The
// trend chart could not be uploaded this time." and then "(The posted
// digest adds a chart …)": two lines at odds, the first untrue.
func TestPrintedDigestTellsOfTheChartOnce(t *testing.T) {
	f := startFakes(t)
	env := f.env("LASTACTIVE_DIGEST_CHANNEL=CDIGEST01")
	for range 2 {
		if r := runBinary(t, env, "", "digest", "--post"); r.code != 0 {
			t.Fatalf("digest --post: exit %d\n%s", r.code, r.stderr)
		}
	}
	r := runBinary(t, env, "", "digest")
	if r.code != 0 {
		t.Fatalf("digest: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "could not be uploaded") || !strings.Contains(r.stdout, "The posted digest adds a chart") {
		t.Errorf("the printed digest's words about its chart:\n%s", r.stdout)
	}
}

// TestPostgresReadOnlyRefusesWrites: a PostgreSQL that answers but refuses
// every write (a read-only standby behind the URL after a failover, or
// default_transaction_read_only = on for the database or the role; here
// for the session, from the URL). Before, check said "ok" and serve called
// the store available: its pings passed, and each failed write was
// followed by "available again" at the next check.
func TestPostgresReadOnlyRefusesWrites(t *testing.T) {
	db := postgresDatabase(t)
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=" + db}, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	ro := db + "&default_transaction_read_only=on"
	r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=" + ro}, "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  Database") || !strings.Contains(r.stdout, "refuses writes") {
		t.Errorf("check on a read-only database: exit %d\n%s", r.code, r.stdout)
	}

	f := startFakes(t)
	f.db = ro
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	eventually(t, "the store called unavailable, saying it refuses writes", func() bool {
		return strings.Contains(logs.String(), "state store unavailable") && strings.Contains(logs.String(), "refuses writes")
	})
	if !metric(base, "lastactive_store_ok 0") {
		t.Error("lastactive_store_ok is not 0 on a database that refuses writes")
	}
	stop(t, cmd, logs)
}

// TestCheckSearchPathNamesNoSchema: a search_path naming a schema that
// does not exist (a typo), or one the role may not use, leaves PostgreSQL
// no schema to put the tables in: migrate and serve's store fail, and
// check said "ok".
func TestCheckSearchPathNamesNoSchema(t *testing.T) {
	u, err := url.Parse(postgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", q.Get("search_path")+"_typo")
	u.RawQuery = q.Encode()
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=" + u.String()}
	r := runBinary(t, env, "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  Database") || !strings.Contains(r.stdout, "search_path") {
		t.Errorf("check with a search_path naming no schema: exit %d\n%s", r.code, r.stdout)
	}
	if r := runBinary(t, env, "", "migrate"); r.code == 0 {
		t.Errorf("migrate with a search_path naming no schema: exit 0\n%s", r.stdout)
	}
}

// TestPrintedDigestIsAudited: `lastactive digest` prints the seat digest,
// which names the people idle longest, as `/lastactive digest` shows it
// privately; that one is a report in the audit trail, and the printed one
// left no trace at all.
func TestPrintedDigestIsAudited(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=operator")
	if r := runBinary(t, env, "", "digest"); r.code != 0 {
		t.Fatalf("digest: exit %d\n%s", r.code, r.stderr)
	}
	r := runBinary(t, env, "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 1 || got[0].Kind != "report" || got[0].Actor != "cli:operator" || got[0].Outcome != "ok" || got[0].Detail != "seat digest" {
		t.Errorf("want one report entry for the printed digest, by cli:operator, got:\n%s", r.stdout)
	}
}

// TestDigestNamesWhomItShowedInTheTrail: a digest names the people idle
// longest (Grace Hopper here), printed or posted; 'lastactive audit
// grace@example.com' must say so, and the trail of someone it did not
// show (Ada, active) must not.
func TestDigestNamesWhomItShowedInTheTrail(t *testing.T) {
	const channel = "CDIGEST01"
	f := startFakes(t)
	env := f.env("USER=operator", "LASTACTIVE_DIGEST_CHANNEL="+channel)
	for _, args := range [][]string{{"digest"}, {"digest", "--post"}} {
		if r := runBinary(t, env, "", args...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	r := runBinary(t, env, "", "audit", "--json", "grace@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	kinds := map[string]int{}
	var lines []auditJSON
	if strings.TrimSpace(r.stdout) != "" {
		lines = auditLines(t, r.stdout)
	}
	for _, j := range lines {
		if j.Actor == "cli:operator" && slices.Contains(j.Emails, "grace@example.com") && len(j.AccountIDs) > 0 {
			kinds[j.Kind]++
		}
	}
	if kinds["report"] != 1 || kinds["digest"] != 1 {
		t.Errorf("grace's trail names the printed and the posted digest %v times, want once each:\n%s", kinds, r.stdout)
	}
	if r := runBinary(t, env, "", "audit", "--json", "ada@example.com"); r.code != 0 || strings.Contains(r.stdout, "digest") {
		t.Errorf("ada, whom no digest showed, has a digest entry: %d\n%s", r.code, r.stdout)
	}
}

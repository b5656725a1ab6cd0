package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestDatabaseFileIsPrivate: the database holds personal data (who looked
// up whom, emails, account IDs), so the file lastactive creates is readable
// by its owner only, whatever the umask lets through.
func TestDatabaseFileIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual default: 0644 files
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "la.db")
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("the database file is %v, want -rw------- (it holds personal data)", mode)
	}
	// A file the admin made (and chose the mode of) is left as it is.
	own := filepath.Join(t.TempDir(), "own.db")
	if err := os.WriteFile(own, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	env = []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + own}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, "schema created") {
		t.Fatalf("migrate on an empty file: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(own); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing file's mode changed: %v %v", fi.Mode(), err)
	}
	// One every user of the machine may read (made by a version before
	// files were created private, with its -wal and -shm) loses what
	// others may do with it; the owner's and group's rights stay.
	older := filepath.Join(t.TempDir(), "older.db")
	env = []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + older}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.stderr)
	}
	for _, p := range []string{older, older + "-wal", older + "-shm"} {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644) // the database itself kept whole
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate on the older file: %d %q", r.code, r.stderr)
	}
	for _, p := range []string{older, older + "-wal", older + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o640 {
			t.Errorf("%s is %v after a start, want -rw-r----- (nothing for other users)", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestDatabaseFileReplacedWhileServing: a database file replaced under a
// running serve (a backup moved into place) is noticed like a deleted one:
// the entries that follow go to the file now at the path, not to the old
// one, which nothing can read once it is unlinked.
func TestDatabaseFileReplacedWhileServing(t *testing.T) {
	f := startFakes(t)
	path := strings.TrimPrefix(f.db, "sqlite:")
	backup := filepath.Join(t.TempDir(), "backup.db")
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + backup}, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate the backup: %d %q", r.code, r.stderr)
	}
	// The backup holds an entry of its own.
	if r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=sqlite:"+backup, "USER=restorer"), "", "lookup", "ada@example.com"); r.code != 0 {
		t.Fatalf("lookup into the backup: %d %q", r.code, r.stderr)
	}
	env := f.env()
	cmd, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the first audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	if err := os.Rename(backup, path); err != nil {
		t.Fatal(err)
	}
	ask(t, f.slack, "U1", "grace@example.com", 1)
	eventually(t, "grace's audit entry written", func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "grace@example.com") && strings.Contains(l, `"audit_stored":true`) {
				return true
			}
		}
		return strings.Contains(logs.String(), "audit entries stored after the store came back")
	})
	stop(t, cmd, logs)
	r := runBinary(t, env, "", "audit")
	if r.code != 0 || !strings.Contains(r.stdout, "grace@example.com") || !strings.Contains(r.stdout, "cli:restorer") {
		t.Errorf("the file at the path lacks the lookup made after the replacement, or the backup's own entry: exit %d\n%s%s\nserve's log:\n%s",
			r.code, r.stdout, r.stderr, logs.String())
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check of the file: %q %v", ok, err)
	}
}

// TestUnusableDatabaseFileSaysWhy: a LASTACTIVE_DATABASE_URL naming a file
// SQLite cannot use ends migrate and audit with exit 1 and a message that
// names the file and what to do, not only the driver's words ("file is
// not a database (26)", "unable to open database file (14)").
func TestUnusableDatabaseFileSaysWhy(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + good}, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.stderr)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	text := write("notes.txt", []byte("LASTACTIVE_DATABASE_URL=sqlite:/data/lastactive.db\n"))
	truncated := write("truncated.db", whole[:len(whole)/3])
	aDir := filepath.Join(dir, "a-directory.db")
	if err := os.Mkdir(aDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{text, []string{"is not a SQLite database"}},
		{truncated, []string{"is damaged", "backup"}},
		{aDir, []string{"is a directory"}},
	} {
		env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + c.path}
		for _, sub := range []string{"migrate", "audit"} {
			r := runBinary(t, env, "", sub)
			ok := r.code == 1 && strings.Contains(r.stderr, c.path)
			for _, w := range c.want {
				ok = ok && strings.Contains(r.stderr, w)
			}
			if !ok {
				t.Errorf("%s on %s: exit %d, stderr %q; want exit 1, the path and %q", sub, filepath.Base(c.path), r.code, r.stderr, c.want)
			}
		}
		// check says the same, whole, and sends nobody after a password.
		r := runBinary(t, env, "", "check", "--json")
		var line string
		for l := range strings.Lines(r.stdout) {
			if strings.Contains(l, `"database"`) {
				line = l
			}
		}
		ok := r.code == 1 && strings.Contains(line, `"status":"FAIL"`) && !strings.Contains(line, "password")
		for _, w := range c.want {
			ok = ok && strings.Contains(line, w)
		}
		if !ok {
			t.Errorf("check on %s: exit %d, database line %q; want FAIL with %q and no password advice", filepath.Base(c.path), r.code, line, c.want)
		}
	}
}

// TestDatabaseDirectoryNotWritableSaysWhy: SQLite writes a -wal and a -shm
// beside the database, so a directory the bot's user cannot write fails
// even for a file it can; the message says so.
func TestDatabaseDirectoryNotWritableSaysWhy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "la.db")
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.stderr)
	}
	bin, cred := asContainerUser(t, filepath.Dir(dir), dir, path)
	// A pipe the user may only read: SQLite, refused read-write, opened it
	// read-only and blocked for ever, past the open's 10 s and SIGTERM.
	fifo := filepath.Join(dir, "pipe.db")
	if err := syscall.Mkfifo(fifo, 0o444); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(fifo, 65532, 65532); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	for _, c := range []struct{ path, sub, want string }{
		{path, "audit", "writable"}, {path, "migrate", "writable"}, {filepath.Join(dir, "new.db"), "migrate", "writable"},
		{fifo, "migrate", "not a regular file"}, {fifo, "audit", "not a regular file"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // only against a hang
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, c.sub)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + c.path}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Errorf("%s on %s hung", c.sub, filepath.Base(c.path))
		} else if err == nil || !strings.Contains(string(out), c.path) || !strings.Contains(string(out), c.want) {
			t.Errorf("%s on %s in a read-only directory: %v %q; want a failure naming the file and %q",
				c.sub, filepath.Base(c.path), err, out, c.want)
		}
	}
}

// asContainerUser gives a binary and the credential to run it with so that
// file permissions apply: as root (who writes anywhere), the container's
// user, 65532, owning paths, with a copy of the binary it may run;
// otherwise the binary and nil (the caller's own user).
func asContainerUser(t *testing.T, paths ...string) (string, *syscall.Credential) {
	t.Helper()
	if os.Geteuid() != 0 {
		return binary, nil
	}
	binDir := t.TempDir()
	bin := filepath.Join(binDir, "lastactive")
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, binDir, filepath.Dir(binDir)) {
		if err := os.Chown(p, 65532, 65532); err != nil {
			t.Skipf("chown: %v", err)
		}
	}
	return bin, &syscall.Credential{Uid: 65532, Gid: 65532}
}

// TestCheckReadOnlyDatabase: check does not pass a SQLite file the user
// may read but not write: serve would keep no audit entry in it.
func TestCheckReadOnlyDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "la.db")
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.stderr)
	}
	bin, cred := asContainerUser(t, filepath.Dir(dir), dir, path)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "check")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.Output()
	if err == nil || !strings.Contains(string(out), "FAIL  Database") || !strings.Contains(string(out), "writable") {
		t.Errorf("check on a read-only database file: %v\n%s", err, out)
	}
}

// TestOtherFilesKeepTheirMode: only a SQLite database loses other users'
// rights at open. A file that is not one (LASTACTIVE_DATABASE_URL pointed
// at the wrong path, such as /etc/passwd by a root admin) is refused as
// not a database and left exactly as it was: the chmod ran before the
// check, and a probe running as root made /etc/passwd unreadable to
// every other user of the machine.
func TestOtherFilesKeepTheirMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(path, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}
	for _, sub := range []string{"migrate", "audit", "check"} {
		r := runBinary(t, env, "", sub)
		if r.code == 0 {
			t.Errorf("%s on a text file: exit 0", sub)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Fatalf("after %s the text file is %v (%v), want -rw-r--r-- as it was", sub, fi.Mode().Perm(), err)
		}
	}
}

// TestCheckDamagedDatabase: a database file damaged past its first pages
// (overwritten in its middle: a failing disk, a bad copy) opens and
// answers pings, and serve fails at its first read of the damaged pages;
// check reads every page and says the file is damaged and what to do,
// and audit, which reads the trail, fails with one clear line.
func TestCheckDamagedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "la.db")
	ctx := context.Background()
	s, err := state.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		var batch []state.AuditEntry
		for j := range 200 {
			now := time.Now()
			batch = append(batch, state.AuditEntry{ID: state.NewAuditID(now), At: now, Actor: "U1", Kind: state.KindLookup,
				Outcome: state.OutcomeOK, Emails: []string{fmt.Sprintf("p%d-%d@example.com", i, j)}})
		}
		if err := s.AppendBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // the last connection: the -wal is checkpointed into the file
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)*3/4; i++ {
		b[i] = byte(i*7 + 3)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + path}
	r := runBinary(t, env, "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  Database") || !strings.Contains(r.stdout, "is damaged") || !strings.Contains(r.stdout, "backup") {
		t.Errorf("check on a damaged database file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, env, "", "audit")
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "is damaged") {
		t.Errorf("audit on a damaged database file: exit %d, stderr %q; want exit 1 and one line saying it is damaged", r.code, r.stderr)
	}
}

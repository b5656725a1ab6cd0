package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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

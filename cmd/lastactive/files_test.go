package main

import (
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

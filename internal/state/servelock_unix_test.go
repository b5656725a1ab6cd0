//go:build unix

package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockServe: a second lock on one SQLite file is refused, under any of
// its names, until the first is released; PostgreSQL and an in-memory
// database take none.
func TestLockServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lastactive.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	release, err := LockServe("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"sqlite:" + path, "sqlite:" + link, "sqlite:file:" + path} {
		if _, err := LockServe(u); !errors.Is(err, ErrServeLockHeld) {
			t.Errorf("%s while locked: %v, want ErrServeLockHeld", u, err)
		}
	}
	if fi, err := os.Stat(path + ".lock"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v; want mode 0600", fi, err)
	}
	release()
	again, err := LockServe("sqlite:" + link)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()

	// Through a linked directory, before the file exists and after.
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "vol")); err != nil {
		t.Fatal(err)
	}
	viaLink := "sqlite:" + filepath.Join(dir, "vol", "new.db")
	release, err = LockServe(viaLink)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "new.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{viaLink, "sqlite:" + filepath.Join(real, "new.db")} {
		if _, err := LockServe(u); !errors.Is(err, ErrServeLockHeld) {
			t.Errorf("%s once made: %v, want ErrServeLockHeld", u, err)
		}
	}
	release()

	for _, u := range []string{"", "sqlite::memory:", "postgres://u:p@127.0.0.1:1/db", "sqlite:" + dir} {
		if p := ServeLockPath(u); p != "" {
			t.Errorf("ServeLockPath(%q) = %q, want none", u, p)
		}
	}
}

// TestLockServeFollowsNoPlantedLink: a lock file that is a symbolic link
// (planted by whoever can write the database's directory) is not followed:
// serve neither creates the file it points to nor opens one that exists
// for writing, and goes on without the lock.
func TestLockServeFollowsNoPlantedLink(t *testing.T) {
	t.Parallel()
	dir, elsewhere := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "lastactive.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(elsewhere, "made-by-serve")
	if err := os.Symlink(victim, path+".lock"); err != nil {
		t.Fatal(err)
	}
	release, err := LockServe("sqlite:" + path)
	if err == nil {
		release()
		t.Error("LockServe through a planted link: no error, want one")
	}
	if _, err := os.Lstat(victim); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was made: %v", err)
	}
}

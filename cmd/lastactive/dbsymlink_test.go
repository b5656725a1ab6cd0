package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabaseSymlinkSaysWhereTheFileGoes: a sqlite: path that is a
// symbolic link (a volume mount point made by hand, a link left from an old
// layout) is followed by SQLite, so what matters is the directory of the
// file it points to, not the link's. A link to a file in a directory that
// does not exist must not pass check as "will be created", and migrate must
// name the missing directory rather than blame the link's own directory,
// which is writable. A link to a new file in an existing directory works.
func TestDatabaseSymlinkSaysWhereTheFileGoes(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "volume-not-mounted")
	dangling := filepath.Join(dir, "dangling.db")
	if err := os.Symlink(filepath.Join(missing, "lastactive.db"), dangling); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + dangling}

	r := runBinary(t, env, "", "check", "--json")
	var line string
	for l := range strings.Lines(r.stdout) {
		if strings.Contains(l, `"database"`) {
			line = l
		}
	}
	if r.code != 1 || !strings.Contains(line, `"status":"FAIL"`) || !strings.Contains(line, missing) {
		t.Errorf("check: exit %d, database line %q; want FAIL naming %s", r.code, line, missing)
	}

	r = runBinary(t, env, "", "migrate")
	if r.code != 1 || !strings.Contains(r.stderr, missing) || strings.Contains(r.stderr, "its directory "+dir+" must be writable") {
		t.Errorf("migrate: exit %d, stderr %q; want exit 1 naming %s, not blaming %s", r.code, r.stderr, missing, dir)
	}

	if err := os.Mkdir(missing, 0o700); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, env, "", "check"); r.code != 0 {
		t.Errorf("check once the directory exists: exit %d\n%s", r.code, r.stdout)
	}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Errorf("migrate once the directory exists: exit %d %q", r.code, r.stderr)
	}
	// The trail is personal data: the file made through the link is the
	// owner's only, as one made directly is (TestDatabaseFileIsPrivate).
	if fi, err := os.Stat(filepath.Join(missing, "lastactive.db")); err != nil {
		t.Errorf("migrate through the link made no file where it points: %v", err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("file made through the link has mode %v, want 0600", fi.Mode().Perm())
	}
}

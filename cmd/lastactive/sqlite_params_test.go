package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLiteURLWithParametersSaysWhy: sqlite:PATH takes the rest as a file
// path, so a URI parameter (?_pragma=busy_timeout(5000), as other SQLite
// front ends take) or a fragment (#x) would name a file no admin expects.
// It is refused at configuration time, as before, but now saying why: no
// URI parameters (the bot sets its own pragmas), no ? or # in the path.
// Before, the refusal was the generic "must be sqlite:PATH or
// postgres://…", which the admin had just written. serve and migrate stop
// with exit 2, check prints its configuration FAIL line and exits 1; no
// file is created, least of all one with ? in its name.
func TestSQLiteURLWithParametersSaysWhy(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, form := range []struct{ name, suffix string }{
		{"query", "?_pragma=foreign_keys(1)"},
		{"fragment", "#x"},
	} {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := f.env("LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "la.db") + form.suffix)
			says := func(t *testing.T, out string) {
				t.Helper()
				for _, want := range []string{"LASTACTIVE_DATABASE_URL", "no URI parameters", "sets its own pragmas", "? or #"} {
					if !strings.Contains(out, want) {
						t.Errorf("output does not say %q:\n%s", want, out)
					}
				}
				if strings.Contains(out, "foreign_keys") {
					t.Errorf("output echoes the parameters (they may hold a secret): %s", out)
				}
			}
			for _, args := range [][]string{{"migrate"}, {"serve"}} {
				r := runBinary(t, env, "", args...)
				if r.code != exitConfig {
					t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", args[0], r.code, exitConfig, r.stdout, r.stderr)
				}
				says(t, r.stderr)
			}
			r := runBinary(t, env, "", "check")
			if r.code != 1 || !strings.HasPrefix(r.stdout, "FAIL  configuration: LASTACTIVE_DATABASE_URL") {
				t.Errorf("check: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			says(t, r.stdout)
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				t.Errorf("created %q in the directory", e.Name())
			}
		})
	}
}

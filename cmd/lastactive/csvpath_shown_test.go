package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCSVPathIsShownOnOneLine: report printed its --csv path as typed, in
// its usage errors on stderr and in the "Wrote … to PATH" line on stdout.
// A path with an escape sequence or a line break (a script's variable, a
// name pasted with its newline) moved the terminal's cursor, or printed a
// line of its own that reads as the program's ("lastactive: …") in a cron
// or CI log. Such a path is shown quoted, escapes and all; a plain path as
// before.
func TestCSVPathIsShownOnOneLine(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	env := a.env("LASTACTIVE_DATABASE_URL=" + mfDatabase(t))
	dir := t.TempDir()
	const injected = "\nlastactive: FAKE LINE\x1b[2J"

	oneLine := func(t *testing.T, what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\r") || strings.Contains(out, "\nlastactive: FAKE") {
			t.Errorf("%s shows the path raw:\n%q", what, out)
		}
	}
	for _, c := range []struct{ name, path string }{
		{"missing directory", filepath.Join(dir, "no"+injected, "x.csv")},
		{"not a regular file", filepath.Join(dir, "pipe"+injected)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "not a regular file" {
				if err := os.Mkdir(c.path, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			r := runBinary(t, env, "", "report", "--csv", c.path)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitUsage, r.stderr)
			}
			oneLine(t, "stderr", r.stderr)
			if !strings.Contains(r.stderr, `FAKE LINE\x1b[2J`) {
				t.Errorf("stderr does not show the path quoted:\n%s", r.stderr)
			}
		})
	}
	t.Run("written", func(t *testing.T) {
		path := filepath.Join(dir, "idle"+injected+".csv")
		r := runBinary(t, env, "", "report", "--csv", path)
		if r.code != exitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("the CSV was not written where asked: %v", err)
		}
		oneLine(t, "stdout", r.stdout)
		if !strings.Contains(r.stdout, "Wrote ") || !strings.Contains(r.stdout, `FAKE LINE\x1b[2J.csv"`) {
			t.Errorf("stdout does not name the file quoted:\n%s", r.stdout)
		}
	})
	t.Run("plain", func(t *testing.T) {
		path := filepath.Join(dir, "idle.csv")
		r := runBinary(t, env, "", "report", "--csv", path)
		if r.code != exitOK || !strings.Contains(r.stdout, " to "+path+"\n") {
			t.Errorf("a plain path is not shown as before: exit %d\n%s", r.code, r.stdout)
		}
	})
}

package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestSecondServeOnOneSQLiteFileIsTold: SQLite is one process's store. Two
// serves on one file both answer an envelope Slack delivers to each (the
// envelope dedupe of a process alone on its file is its memory), so the
// second says so at start, naming the file and PostgreSQL for replicas. It
// still starts: a rolling restart on one volume, or two runs in one working
// directory on the default file, overlap for a while. The other commands
// work beside a running serve, and a serve killed with SIGKILL leaves
// nothing that makes the next one warn.
func TestSecondServeOnOneSQLiteFileIsTold(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	file := strings.TrimPrefix(f.db, "sqlite:")
	env := f.env("LASTACTIVE_REPORT_USERS=UBOSS")
	first, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	eventually(t, "the first serve's sockets open", func() bool { return f.slack.Deliverable() == 2 })

	second, base2, logs2 := serveProcess(t, env)
	eventually(t, "the second serve ready", func() bool { c, _ := get(base2 + "/readyz"); return c == 200 })
	warned := func(logs string) bool {
		for l := range strings.Lines(logs) {
			if strings.Contains(l, `"level":"WARN"`) && strings.Contains(l, "another lastactive serve") &&
				strings.Contains(l, file) && strings.Contains(l, "LASTACTIVE_DATABASE_URL=postgres://") {
				return true
			}
		}
		return false
	}
	if !warned(logs2.String()) {
		t.Errorf("the second serve on %s did not say another serve runs on it and that replicas need PostgreSQL:\n%s", file, logs2.String())
	}
	if warned(logs.String()) {
		t.Errorf("the first serve warned of a second:\n%s", logs.String())
	}
	stop(t, second, logs2)
	// The fake Slack hears of the second's sockets closing a moment after
	// it exits; an envelope sent meanwhile may go to one of them, and no
	// reply comes.
	eventually(t, "the second serve's sockets closed", func() bool { return f.slack.Connections() == 2 })

	// The first goes on serving, and the other commands work beside it.
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	if r := runBinary(t, env, "", "audit", "ada@example.com"); r.code != 0 || !strings.Contains(r.stdout, "ada@example.com") {
		t.Errorf("audit beside a running serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, env, "", "report"); r.code != 0 {
		t.Errorf("report beside a running serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Killed outright, the first serve holds nothing: the next one starts
	// alone, without the warning.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	eventually(t, "the first serve's sockets closed", func() bool { return f.slack.Connections() == 0 })
	third, base3, logs3 := serveProcess(t, env)
	eventually(t, "/readyz 200 after a SIGKILL", func() bool { c, _ := get(base3 + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	stop(t, third, logs3)
	if warned(logs3.String()) {
		t.Errorf("a serve after the first was killed warned of another:\n%s", logs3.String())
	}
	noSecrets(t, logs.String(), logs2.String(), logs3.String())
}

package main

import (
	"bytes"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestSecondServeOnOneSQLiteFileIsRefused: SQLite is one process's store.
// Two serves on one file both answered an envelope Slack delivered to each
// (two replies, two audit entries: the envelope dedupe of a process alone
// on its file is its memory). The second serve now stops at start with one
// line naming the file, the serve that holds it and PostgreSQL for
// replicas; the other commands go on working beside the running serve; a
// serve killed with SIGKILL leaves nothing that blocks the next start.
func TestSecondServeOnOneSQLiteFileIsRefused(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	file := strings.TrimPrefix(f.db, "sqlite:")
	env := f.env("LASTACTIVE_REPORT_USERS=UBOSS")
	first, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	// The second serve: it must exit, not come up serving.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	second := exec.Command(binary, "serve")
	second.Env = append(env, "LASTACTIVE_HTTP_ADDR="+addr)
	var out, errb bytes.Buffer
	second.Stdout, second.Stderr = &out, &errb
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	var exited bool
	var werr error
	eventually(t, "the second serve to exit or serve", func() bool {
		select {
		case werr = <-done:
			exited = true
			return true
		default:
		}
		c, _ := get("http://" + addr + "/readyz")
		return c == 200
	})
	if !exited {
		second.Process.Kill()
		<-done
		t.Fatalf("a second serve on %s came up serving beside the first", file)
	}
	code := 0
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	noSecrets(t, out.String(), errb.String())
	msg := strings.TrimSpace(errb.String())
	if code == 0 || strings.Contains(msg, "\n") || !strings.Contains(msg, file) ||
		!strings.Contains(msg, "another lastactive serve") || !strings.Contains(msg, "LASTACTIVE_DATABASE_URL=postgres://") {
		t.Errorf("second serve: exit %d, stderr %q; want non-zero and one line naming %s, the other serve and PostgreSQL for replicas", code, msg, file)
	}

	// The first goes on serving, and the other commands work beside it.
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	if r := runBinary(t, env, "", "audit", "ada@example.com"); r.code != 0 || !strings.Contains(r.stdout, "ada@example.com") {
		t.Errorf("audit beside a running serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, env, "", "report"); r.code != 0 {
		t.Errorf("report beside a running serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Killed outright, the first serve holds nothing: the next one starts.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	third, base3, logs3 := serveProcess(t, env)
	eventually(t, "/readyz 200 after a SIGKILL", func() bool { c, _ := get(base3 + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	stop(t, third, logs3)
}

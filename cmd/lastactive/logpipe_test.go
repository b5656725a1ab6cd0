package main

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestServeOutlivesItsLogReader: serve's logs piped to a reader that went
// away (`lastactive serve 2>&1 | tee bot.log` whose tee was stopped, a
// log shipper restarted): the next log line, the audit line of a command,
// ended the process with SIGPIPE, mid-command, and the stop that follows
// any signal never ran. Now serve ignores SIGPIPE, as a service manager
// would make it (systemd's IgnoreSIGPIPE): the lost log lines are lost,
// the bot keeps answering, the audit trail keeps every command, and a
// SIGTERM still stops it with exit 0.
func TestServeOutlivesItsLogReader(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	env := f.env()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(env, "LASTACTIVE_HTTP_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	base := "http://" + addr
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	r.Close() // the reader goes away

	ask(t, f.slack, "U1", "ada@example.com", 1)
	ask(t, f.slack, "U1", "grace@example.com", 1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v, want 0 after SIGTERM", err)
	}
	res := runBinary(t, env, "", "audit")
	for _, e := range []string{"ada@example.com", "grace@example.com"} {
		if !strings.Contains(res.stdout, e) {
			t.Errorf("the lookup of %s made after the log reader went away is not in the trail: exit %d\n%s%s", e, res.code, res.stdout, res.stderr)
		}
	}
}

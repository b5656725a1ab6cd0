package main

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestHangupStopsServeCleanly: the terminal `lastactive serve` ran in was
// closed (SIGHUP) while a command was in flight. Go's default for SIGHUP
// ended the process at once: the command's reply was never sent, its
// audit entry never written, and the exit was a signal, not 0. Now a
// hangup stops serve as SIGTERM does: the command in flight is finished
// and the exit code is 0.
func TestHangupStopsServeCleanly(t *testing.T) {
	t.Parallel() // waits on its own process
	if signal.Ignored(syscall.SIGHUP) {
		// This run started with SIGHUP ignored (under nohup, or a runner
		// that ignores it): serve inherits that and keeps it, as under
		// nohup, so the hangup never reaches it and Wait never returns. A
		// handler here, where a hangup was ignored anyway, is reset to the
		// default at exec: serve starts as from a terminal.
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	defer f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Delay: 2 * time.Second})()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := f.atl.CountEndpoint(atlassiantest.EndpointLastActive)
	env, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lookup upstream", func() bool { return f.atl.CountEndpoint(atlassiantest.EndpointLastActive) > n })
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v after SIGHUP, want 0\n%s", err, logs.String())
	}
	if r := f.slack.Replies(env.ID); len(r) != 1 || !strings.Contains(r[0].Text, "ada@example.com") {
		t.Errorf("the command in flight at the hangup was not answered: %+v\n%s", r, logs.String())
	}
	if !strings.Contains(logs.String(), `"audit_stored":true`) {
		t.Errorf("the command in flight at the hangup is not in the audit trail:\n%s", logs.String())
	}
}

// TestNohupServeOutlivesAHangup: started with SIGHUP ignored (nohup, or a
// shell's disown), serve keeps running when the terminal closes.
func TestNohupServeOutlivesAHangup(t *testing.T) {
	t.Parallel() // waits on its own process
	nohup, err := exec.LookPath("nohup")
	if err != nil {
		t.Skip("no nohup")
	}
	f := startFakes(t)
	cmd, base, logs := serveArgv(t, []string{nohup, binary, "serve"}, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	ask(t, f.slack, "U1", "ada@example.com", 1)
	if c, _ := get(base + "/healthz"); c != 200 {
		t.Errorf("/healthz after a hangup under nohup = %d, want 200", c)
	}
	stop(t, cmd, logs)
}

package main

import (
	"bytes"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestLookupInterruptedSaysSo: Ctrl-C while `lastactive lookup` waits for
// Atlassian printed, for the person, the Slack reply's "stopped before it
// finished (the bot may be restarting)": no bot restarts on a terminal.
// The table now says the lookup was interrupted; the exit stays 1.
func TestLookupInterruptedSaysSo(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	arrived := make(chan struct{})
	var once sync.Once
	// The activity request waits until the client gives up on it.
	f.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if !strings.Contains(r.URL.Path, "last-active-dates") {
			return atlassiantest.Failure{}, false
		}
		once.Do(func() { close(arrived) })
		return atlassiantest.Failure{Delay: time.Hour}, true
	})
	cmd := exec.Command(binary, "lookup", "ada@example.com")
	cmd.Env = f.env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	<-arrived
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Errorf("exit %v, want %d\n%s", err, exitFailed, stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, "restarting") || !strings.Contains(strings.ToLower(out), "interrupted") {
		t.Errorf("the table does not say the lookup was interrupted:\n%s", out)
	}
}

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

// TestCheckInterruptedSaysSo: Ctrl-C while the Admin API had not answered
// told the admin "Atlassian may be having trouble (status.atlassian.com)",
// and the database line, checked after with the cancelled context, said
// "cannot open the database: … context canceled. Fix: point
// LASTACTIVE_DATABASE_URL=sqlite:PATH at … a new file name": advice that
// starts an empty audit trail beside a healthy one. Both now say the check
// was interrupted; the exit stays 1, as nothing was proven.
func TestCheckInterruptedSaysSo(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	if r := runBinary(t, f.env(), "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d\n%s", r.code, r.stderr)
	}
	arrived := make(chan struct{})
	var once sync.Once
	f.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if r.URL.Path != "/admin/v1/orgs/"+f.org.ID {
			return atlassiantest.Failure{}, false
		}
		once.Do(func() { close(arrived) })
		return atlassiantest.Failure{Delay: time.Hour}, true
	})
	cmd := exec.Command(binary, "check")
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
	noSecrets(t, stdout.String(), stderr.String())
	lines := checkLines(t, stdout.String())
	for _, name := range []string{"Admin API key and organisation", "Database (LASTACTIVE_DATABASE_URL)"} {
		var line string
		for _, l := range lines {
			if strings.HasPrefix(l, "FAIL  "+name) {
				line = l
			}
		}
		if !strings.Contains(line, "interrupted") || !strings.Contains(line, "run lastactive check again") {
			t.Errorf("no FAIL line for %s saying the check was interrupted:\n%s", name, stdout.String())
		}
		for _, blame := range []string{"trouble", "new file", "could not reach", "context canceled", "no answer in time"} {
			if strings.Contains(line, blame) {
				t.Errorf("%s line blames %q on an interruption: %s", name, blame, line)
			}
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestOrgScanFailureSaidPlainly: with the Admin API down, `report` said
// "lastactive report: Atlassian is unavailable right now; try again in a
// few minutes. (…)", but `digest` said "lastactive: digest: digest: org
// report: admin: …" and `nudge` "lastactive: nudge: nudge round: org scan:
// admin: …": the same failure, in the client's own words only, with its
// prefix twice. Each now says it as report does, naming itself once.
func TestOrgScanFailureSaidPlainly(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: http.StatusServiceUnavailable})
	f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/workspaces", Status: http.StatusServiceUnavailable})
	env := f.env("LASTACTIVE_DIGEST_CHANNEL=C0DIGEST", "LASTACTIVE_NUDGE=on", "LASTACTIVE_SEAT_PRICES=jira-software=8.60",
		"LASTACTIVE_APPROVERS=UAPPROVER1,UAPPROVER2")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "lastactive report: Atlassian is unavailable right now; try again in a few minutes."},
		{[]string{"digest"}, "lastactive digest: Atlassian is unavailable right now; try again in a few minutes."},
		{[]string{"digest", "--post"}, "lastactive digest: Atlassian is unavailable right now; try again in a few minutes. Nothing was posted."},
		{[]string{"nudge", "--dry-run"}, "lastactive nudge: Atlassian is unavailable right now; try again in a few minutes."},
		{[]string{"nudge"}, "lastactive nudge: Atlassian is unavailable right now; try again in a few minutes."},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runBinary(t, env, "", c.args...)
			if r.code != exitFailed {
				t.Errorf("exit %d, want %d", r.code, exitFailed)
			}
			line := failureLine(r.stderr)
			if !strings.HasPrefix(line, c.want) {
				t.Errorf("stderr's failure line\n%s\nwant it to begin\n%s\nstderr:\n%s", line, c.want, r.stderr)
			}
			for _, doubled := range []string{"digest: digest:", "nudge: nudge round:", "lastactive: digest:", "lastactive: nudge:"} {
				if strings.Contains(line, doubled) {
					t.Errorf("the failure line says %q:\n%s", doubled, line)
				}
			}
			// The client's words stay, after the plain ones, for the admin.
			if !strings.Contains(line, "(") || !strings.Contains(line, "HTTP 503") {
				t.Errorf("the failure line lost the detail:\n%s", line)
			}
		})
	}
}

// failureLine is the line of stderr that says the command failed: the one
// after any warnings, and not a JSON log line.
func failureLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "lastactive report:") || strings.HasPrefix(l, "lastactive digest:") ||
			strings.HasPrefix(l, "lastactive nudge:") || strings.HasPrefix(l, "lastactive: digest") || strings.HasPrefix(l, "lastactive: nudge") {
			return l
		}
	}
	return ""
}

// TestOrgScanInterruptedSaysSo: SIGINT or SIGTERM while the org scan of
// `report --csv`, `digest` or `nudge --dry-run` waits for Atlassian. No CSV
// (nor its temporary file) may be left where the report was asked for, and
// the line must say the command was interrupted: report said "The lookup
// was stopped before it finished (the bot may be restarting)", the Slack
// reply's words, and digest and nudge "context canceled".
func TestOrgScanInterruptedSaysSo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		sig  syscall.Signal
		want string
	}{
		{[]string{"report", "--csv", "REPORT"}, syscall.SIGINT, "lastactive report: interrupted before the report was made; no CSV was written; run it again."},
		{[]string{"report", "--csv", "REPORT"}, syscall.SIGTERM, "lastactive report: interrupted before the report was made; no CSV was written; run it again."},
		{[]string{"report"}, syscall.SIGINT, "lastactive report: interrupted before the report was made; run it again."},
		{[]string{"digest"}, syscall.SIGTERM, "lastactive digest: interrupted before it finished; run it again."},
		{[]string{"digest", "--post"}, syscall.SIGINT, "lastactive digest: interrupted before it finished; run it again. Nothing was posted."},
		{[]string{"nudge", "--dry-run"}, syscall.SIGINT, "lastactive nudge: interrupted before it finished; run it again."},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " ")+" "+c.sig.String(), func(t *testing.T) {
			t.Parallel()
			f := startFakes(t)
			arrived := make(chan struct{})
			var once sync.Once
			f.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
				if !strings.Contains(r.URL.Path, "/users/search") {
					return atlassiantest.Failure{}, false
				}
				once.Do(func() { close(arrived) })
				return atlassiantest.Failure{Delay: time.Hour}, true
			})
			dir := t.TempDir()
			args := append([]string(nil), c.args...)
			for i, a := range args {
				if a == "REPORT" {
					args[i] = filepath.Join(dir, "seats.csv")
				}
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = f.env("LASTACTIVE_DIGEST_CHANNEL=C0DIGEST", "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_SEAT_PRICES=jira-software=8.60")
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
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
				t.Errorf("exit %v, want %d\n%s", err, exitFailed, stderr.String())
			}
			noSecrets(t, stdout.String(), stderr.String())
			if line := failureLine(stderr.String()); !strings.HasPrefix(line, c.want) {
				t.Errorf("stderr's failure line\n%s\nwant it to begin\n%s\nstderr:\n%s", line, c.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "restarting") {
				t.Errorf("a command in a terminal speaks of a bot restarting:\n%s", stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("an interrupted command printed a result:\n%s", stdout.String())
			}
			left, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range left {
				t.Errorf("left %s in the CSV's directory", e.Name())
			}
		})
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"lastactive/atlassian/atlassiantest"
)

// rawControl reports the first control character in out that a terminal
// would act on: C0 controls other than newline, DEL, and the C1 controls
// (U+0080 to U+009F; U+009B is a one-character CSI).
func rawControl(out string) (rune, bool) {
	for _, r := range out {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return r, true
		}
	}
	return 0, false
}

// TestNudgeDryRunKeepsUpstreamControlsOffTheTerminal: an email and a site
// host from the Admin API are upstream text; `nudge --dry-run` prints them
// in its table, so they reach the terminal without escape sequences.
func TestNudgeDryRunKeepsUpstreamControlsOffTheTerminal(t *testing.T) {
	now := time.Now()
	org := atlassiantest.SampleOrg(now)
	const site = "0e0e0e0e-0000-4000-8000-00000000e5c1"
	org.Workspaces = append(org.Workspaces, atlassiantest.Workspace{ID: site, Name: "Evil", Type: "jira",
		HostURL: "https://evil\x1b]0;pwned\x07\u009b2J.atlassian.net"})
	org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:0a1b2c3d-0000-4000-8000-00000000e5c1",
		DisplayName: "Mallory", Email: "mal\x1b]0;pwned\x07\u009b2J@example.com", AddedToOrg: now.Add(-400 * 24 * time.Hour),
		Products: []atlassiantest.Product{{Key: "jira-software", SiteID: site, LastActive: now.Add(-200 * 24 * time.Hour)}}})
	f := startFakes(t)
	f.atl.Close()
	f.org, f.atl = org, atlassiantest.NewServer(org)
	t.Cleanup(f.atl.Close)

	r := runBinary(t, f.env("LASTACTIVE_SEAT_PRICES=jira-software=8.60", "LASTACTIVE_NUDGE=dry-run"), "", "nudge", "--dry-run")
	if r.code != 0 {
		t.Fatalf("nudge --dry-run: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "pwned") {
		t.Fatalf("the hostile account is not in the summary:\n%s", r.stdout)
	}
	if c, ok := rawControl(r.stdout); ok {
		t.Errorf("stdout carries the control character %U raw:\n%q", c, r.stdout)
	}
}

// TestAuditTableKeepsStoredControlsOffTheTerminal: what the audit trail
// stores came from others (a Slack user's exemption reason, the USER of a
// terminal run); the audit table prints it without C0 or C1 controls.
func TestAuditTableKeepsStoredControlsOffTheTerminal(t *testing.T) {
	f := startFakes(t)
	env := f.env("USER=eve\x1b]0;pwned\x07\u009b2J")
	if r := runBinary(t, f.env(), "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBinary(t, env, "", "lookup", "ada@example.com"); r.code != 0 {
		t.Fatalf("lookup: exit %d\n%s", r.code, r.stderr)
	}
	r := runBinary(t, env, "", "audit")
	if r.code != 0 || !strings.Contains(r.stdout, "pwned") {
		t.Fatalf("audit: exit %d, the CLI run is not listed:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if c, ok := rawControl(r.stdout); ok {
		t.Errorf("stdout carries the control character %U raw:\n%q", c, r.stdout)
	}
}

// TestOutputThatCannotBeWrittenIsNotOK: a subcommand whose output is lost
// (a full disk, here /dev/full) says so on stderr and exits 1, as lookup,
// report and audit do, instead of exit 0 with nothing written.
func TestOutputThatCannotBeWrittenIsNotOK(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here")
	}
	defer full.Close()
	f := startFakes(t)
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"digest"}},
		{"", []string{"demo", "ada@example.com"}},
		{"ada@example.com\ngrace@example.com\n", []string{"demo"}},
		{"", []string{"version"}},
		{"", []string{"--help"}},
		{"", []string{"lookup", "--help"}},
		{"", []string{"check", "--json"}},
		{"", []string{"check"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, c.args...)
			cmd.Env, cmd.Stdin, cmd.Stdout = f.env(), strings.NewReader(c.stdin), full
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
				t.Errorf("exit %v, want %d\n%s", err, exitFailed, stderr.String())
			}
			if !strings.Contains(stderr.String(), "write output") {
				t.Errorf("stderr does not say the output was lost:\n%s", stderr.String())
			}
		})
	}
}

// TestDemoStopsOnSignalAtThePrompt: a demo waiting for its next line on
// standard input (a terminal, here a pipe nobody writes to) ends on
// SIGINT or SIGTERM, as Ctrl-C is expected to end it, with exit 0.
func TestDemoStopsOnSignalAtThePrompt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			stdinR, stdinW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdinW.Close()
			stdoutR, stdoutW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdoutR.Close()
			cmd := exec.Command(binary, "demo")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			cmd.Stdin, cmd.Stdout = stdinR, stdoutW
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stdinR.Close()
			stdoutW.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			defer func() {
				if cmd.ProcessState == nil {
					cmd.Process.Kill()
					<-done
				}
			}()
			// One answered line proves the demo is up and its signal
			// handling installed; it then waits for the next line.
			if _, err := stdinW.WriteString("help\n"); err != nil {
				t.Fatal(err)
			}
			var seen strings.Builder
			buf := make([]byte, 4096)
			for !strings.Contains(seen.String(), "How to use") {
				n, err := stdoutR.Read(buf)
				if err != nil {
					t.Fatalf("demo output ended before the answer: %v\n%s", err, seen.String())
				}
				seen.Write(buf[:n])
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, stdoutR) // the demo may still write
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("demo after %v: %v, want exit 0", sig, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("demo still waits for input 30 s after %v", sig)
			}
		})
	}
}

// invisibleFormat reports the first Unicode format character (category
// Cf: bidi overrides and isolates, zero-width spaces and joiners) in out.
// A terminal that lays out bidi text reverses the rest of the line after
// U+202E; all of them throw a table's columns out of line.
func invisibleFormat(out string) (rune, bool) {
	for _, r := range out {
		if r >= 0x80 && unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}

// TestTablesKeepBidiAndInvisiblesOffTheTerminal: a display name is what
// anyone makes of their profile. One with a right-to-left override and
// zero-width characters must not reach the lookup table or the report's
// "Idle longest", where it would reverse the rest of its line (the
// product, the dates, the verdict) or hide text.
func TestTablesKeepBidiAndInvisiblesOffTheTerminal(t *testing.T) {
	now := time.Now()
	org := atlassiantest.SampleOrg(now)
	org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:0a1b2c3d-0000-4000-8000-00000000b1d1",
		DisplayName: "Mallory \u202eevitca\u202c \u2066x\u2069\u200b\u200d\ufeff", Email: "mallory@example.com",
		AddedToOrg: now.Add(-400 * 24 * time.Hour),
		Products:   []atlassiantest.Product{{Key: "jira-software", SiteID: atlassiantest.SiteMain, LastActive: now.Add(-200 * 24 * time.Hour)}}})
	f := startFakes(t)
	f.atl.Close()
	f.org, f.atl = org, atlassiantest.NewServer(org)
	t.Cleanup(f.atl.Close)

	for _, args := range [][]string{{"lookup", "mallory@example.com"}, {"report", "--csv", filepath.Join(t.TempDir(), "r.csv")}} {
		r := runBinary(t, f.env(), "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Mallory") {
			t.Fatalf("%s: exit %d, Mallory not shown:\n%s\n%s", args[0], r.code, r.stdout, r.stderr)
		}
		if c, ok := invisibleFormat(r.stdout); ok {
			t.Errorf("%s: stdout carries %U raw:\n%q", args[0], c, r.stdout)
		}
	}
}

// TestSecondInterruptEndsTheCommand: a CLI command stopped with Ctrl-C
// may still wait for work that outlives the stop (the lookup's audit
// entry, given up to 10 s on a database that never answers); a second
// Ctrl-C ends it at once, as in any terminal program. Before, every
// further SIGINT was caught too and ignored. (serve keeps its contract:
// exit 0 on every signal.)
func TestSecondInterruptEndsTheCommand(t *testing.T) {
	f := startFakes(t)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	reached := make(chan struct{}, 1)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
			select {
			case reached <- struct{}{}:
			default:
			}
		}
	}()
	cmd := exec.Command(binary, "lookup", "ada@example.com")
	cmd.Env = f.env("LASTACTIVE_DATABASE_URL=postgres://u@" + silent.Addr().String() + "/x?sslmode=disable")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-reached: // the lookup is made; its audit write waits on the database
	case err := <-done:
		t.Fatalf("lookup ended before its audit write: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the lookup never reached its audit write")
	}
	// Ctrl-C, again and again, as a person does, until it ends.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
				t.Errorf("the lookup ended with %v, want ended by the second SIGINT", cmd.ProcessState)
			}
			return
		case <-tick.C:
		}
	}
}

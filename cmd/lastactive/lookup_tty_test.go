//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLookupProgressOnATerminal: `lookup` of many addresses (paced, so
// 10,000 take hours) printed nothing until the end. With stderr on a
// terminal it shows how many are done on a progress line, and each
// address's failure when it happens, on a line of its own above it; the
// progress line is gone at the end, and stdout keeps the table alone.
func TestLookupProgressOnATerminal(t *testing.T) {
	f := startFakes(t)
	controller, tty := openPTY(t)
	defer controller.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "lookup", "ada@example.com", "nobody@example.com", "grace@example.com")
	cmd.Env = adminOnly(f)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	tty.Close()
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(controller)
		read <- b
	}()
	if err := cmd.Wait(); err == nil {
		t.Errorf("lookup with a person not found: exit 0, want 1")
	}
	out := string(<-read)
	noSecrets(t, out)
	for _, want := range []string{"lastactive lookup: 1 of 3 looked up", "lastactive lookup: 2 of 3 looked up"} {
		if !strings.Contains(out, want) {
			t.Errorf("no progress %q on the terminal:\n%q", want, out)
		}
	}
	// The failure is printed as it happens: before grace's progress.
	fail := strings.Index(out, "lastactive lookup: nobody@example.com:")
	if fail < 0 || fail > strings.Index(out, "2 of 3 looked up") {
		t.Errorf("nobody's failure is not printed when it happens:\n%q", out)
	}
	// What the terminal shows last is not a progress line.
	lines := strings.Split(strings.TrimRight(out, "\r\n"), "\n")
	last := strings.ReplaceAll(lines[len(lines)-1], "\x1b[K", "")
	if shown := last[strings.LastIndex(last, "\r")+1:]; strings.Contains(shown, "looked up") {
		t.Errorf("the progress line is left on the terminal: %q", shown)
	}
	if strings.Contains(stdout.String(), "looked up") || !strings.HasPrefix(stdout.String(), "PERSON") {
		t.Errorf("stdout is not the table alone:\n%s", stdout.String())
	}
}

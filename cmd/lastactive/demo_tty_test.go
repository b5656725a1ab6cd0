//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDemoAtATerminalSaysWhatToType: `lastactive demo` without arguments
// at a terminal waited for a line without a word, and a newcomer saw a
// process that seemed to hang. At a terminal it says what to type and how
// to end on stderr; from a pipe or /dev/null (scripts, tests, CI), whose
// output is read by programs, it says nothing more than before.
func TestDemoAtATerminalSaysWhatToType(t *testing.T) {
	const hint = "Ctrl-D"
	master, slave := openPTY(t)
	defer master.Close()
	defer slave.Close()
	// The person types one command, then Ctrl-D at the start of a line.
	if _, err := master.WriteString("help\n\x04"); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"demo"}, slave, &stdout, &stderr, loadConfig)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), hint) {
		t.Errorf("at a terminal, stderr does not say how to end (%q):\n%s", hint, stderr.String())
	}
	if !strings.Contains(stdout.String(), "/lastactive help") {
		t.Errorf("the typed line was not answered:\n%s", stdout.String())
	}

	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	stdout.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"demo"}, null, &stdout, &stderr, loadConfig); code != exitOK {
		t.Fatalf("demo < /dev/null: exit %d: %s", code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("from /dev/null (a character device, not a terminal) the demo wrote to stderr:\n%s", stderr.String())
	}
}

// TestDemoDoubleDashEndsItsFlags: `--` ends the demo's own flags, as it
// does for every command line; it was answered as command text ("“--” is
// not an email address").
func TestDemoDoubleDashEndsItsFlags(t *testing.T) {
	for _, args := range [][]string{{"demo", "--", "ada@example.com"}, {"demo", "--blocks", "--", "ada@example.com"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, loadConfig); code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
		if out := stdout.String(); !strings.Contains(out, "Ada Lovelace") || strings.Contains(out, "not an email") {
			t.Errorf("%q did not look up Ada:\n%.1500s", args, out)
		}
	}
}

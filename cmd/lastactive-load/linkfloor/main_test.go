package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestRun: the floor opens and writes its database and prints the three
// figures, each a positive number of kB.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	for i, want := range []string{"VmHWM:", "RssAnon:", "RssFile:"} {
		f := strings.Fields(lines[i])
		if len(f) != 3 || f[0] != want || f[2] != "kB" {
			t.Fatalf("line %d = %q, want %s N kB", i, lines[i], want)
		}
		if n, err := strconv.Atoi(f[1]); err != nil || n <= 0 {
			t.Errorf("line %d = %q: not a positive size", i, lines[i])
		}
	}
}

package main

import (
	"os"
	"strings"
	"testing"
)

// TestBadUsageSaysWhatWasWrong: every subcommand given an unknown flag or
// an argument it does not take exits 2 and says what was wrong on stderr,
// not only its usage (digest and nudge printed the usage alone, leaving
// the reader to guess which word was refused).
func TestBadUsageSaysWhatWasWrong(t *testing.T) {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, args := range [][]string{
		{"lookup", "--bogus", "ada@example.com"},
		{"report", "--bogus"},
		{"report", "bogus"},
		{"check", "--bogus"},
		{"check", "bogus"},
		{"audit", "--bogus"},
		{"migrate", "bogus"},
		{"digest", "--bogus"},
		{"digest", "bogus"},
		{"nudge", "--bogus"},
		{"nudge", "bogus"},
		{"serve", "bogus"},
		{"version", "bogus"},
		{"bogus"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runBinary(t, env, "", args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("bad usage wrote to stdout:\n%s", r.stdout)
			}
			if !strings.Contains(r.stderr, "bogus") && !strings.Contains(r.stderr, "takes no arguments") {
				t.Errorf("stderr does not say what was wrong (bogus):\n%s", r.stderr)
			}
		})
	}
}

// TestNudgeWithNothingCoveredIsConfiguration: a round with no covered
// product (neither LASTACTIVE_NUDGE_PRODUCTS nor LASTACTIVE_SEAT_PRICES) is
// a configuration problem: exit 2 as --help says, naming the variables,
// and nothing printed as if a round had run.
func TestNudgeWithNothingCoveredIsConfiguration(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("LASTACTIVE_NUDGE_PRODUCTS", "LASTACTIVE_SEAT_PRICES"), "", "nudge", "--dry-run")
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (configuration)\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "LASTACTIVE_NUDGE_PRODUCTS") || !strings.Contains(r.stderr, "LASTACTIVE_SEAT_PRICES") {
		t.Errorf("stderr does not name the variables:\n%s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

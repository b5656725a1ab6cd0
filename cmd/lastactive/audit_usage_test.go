package main

import (
	"strings"
	"testing"
)

// TestAuditHelpNamesTheAccountIDForm: audit --help and the line a bad
// flag gets give one usage, and both name the account-ID form that
// audit takes in place of EMAIL.
func TestAuditHelpNamesTheAccountIDForm(t *testing.T) {
	t.Parallel()
	env := []string{"LASTACTIVE_DATABASE_URL=sqlite:" + t.TempDir() + "/la.db"}
	help := runBinary(t, env, "", "audit", "--help")
	bad := runBinary(t, env, "", "audit", "--no-such-flag")
	if bad.code != exitUsage {
		t.Fatalf("audit --no-such-flag: exit %d, want %d\n%s", bad.code, exitUsage, bad.stderr)
	}
	first, _, _ := strings.Cut(help.stdout, "\n")
	if !strings.Contains(first, "ACCOUNT_ID") || !strings.Contains(bad.stderr, first) {
		t.Errorf("audit --help says %q; a bad flag gets:\n%s\nwant one usage naming ACCOUNT_ID", first, bad.stderr)
	}
}

package main

import (
	"os"
	"strings"
	"testing"
)

// TestOwnWorkspaceOnlySaysWhatItTakes: LASTACTIVE_OWN_WORKSPACE_ONLY=yes
// stopped the start with "LASTACTIVE_OWN_WORKSPACE_ONLY is malformed",
// which names the variable but not what it takes.
func TestOwnWorkspaceOnlySaysWhatItTakes(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LASTACTIVE_DATABASE_URL=", "LASTACTIVE_OWN_WORKSPACE_ONLY=yes"}
	r := runBinary(t, env, "", "audit")
	if r.code != exitUsage || !strings.Contains(r.stderr, "LASTACTIVE_OWN_WORKSPACE_ONLY must be true or false") {
		t.Errorf("exit %d, want %d and what the variable takes:\n%s", r.code, exitUsage, r.stderr)
	}
}

package main

import (
	"strings"
	"testing"
)

// TestCheckHalfTheAdminPair: an admin who set ATLASSIAN_API_KEY but
// misspelled ATLASSIAN_ORG_ID (or the other way round) got "SKIP … not
// both set" and exit 0, as if Atlassian were left out on purpose; serve,
// lookup and report then refused to start. Two of the three JIRA_* are a
// FAIL; one of the two Admin API variables is one too, naming the missing
// one, while the other checks still run.
func TestCheckHalfTheAdminPair(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, c := range []struct{ unset, set string }{
		{"ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY"},
		{"ATLASSIAN_API_KEY", "ATLASSIAN_ORG_ID"},
	} {
		t.Run("without "+c.unset, func(t *testing.T) {
			r := runBinary(t, f.env(c.unset, "ATLASSIAN_ADMIN_WRITE_KEY"), "", "check")
			lines := checkLines(t, r.stdout)
			if r.code != exitFailed {
				t.Errorf("exit code %d, want %d", r.code, exitFailed)
			}
			if got := statusesOf(lines); got != "ok ok ok ok FAIL ok" {
				t.Errorf("statuses = %s, want the Admin API line alone to fail\n%s", got, r.stdout)
			}
			var line string
			for _, l := range lines {
				if strings.Contains(l, "Admin API key and organisation") {
					line = l
				}
			}
			if !strings.HasPrefix(line, "FAIL") || !strings.Contains(line, c.unset+" is not") || !strings.Contains(line, c.set+" is set") ||
				!strings.Contains(line, "Fix: ") {
				t.Errorf("the Admin API line does not say %s is missing beside %s:\n%s", c.unset, c.set, r.stdout)
			}
		})
	}
}

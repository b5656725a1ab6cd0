package reportcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// TestFailedScanSaysTheCSVIsTheEarlierOne: a report whose scan fails
// writes no CSV, and says so, as an interrupted one does; when --csv
// names a file from an earlier run, it says that file is the earlier
// one, so that a manager at a terminal does not open last quarter's list
// as this one.
func TestFailedScanSaysTheCSVIsTheEarlierOne(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "idle.csv")
	if err := os.WriteFile(old, []byte("last quarter\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fail := atlassiantest.FailingOrgUsers{Err: &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 500}}
	for _, tc := range []struct{ path, want string }{
		{old, "no CSV was written: " + old + " is still the earlier file"},
		{filepath.Join(dir, "new.csv"), "no CSV was written"},
	} {
		var stdout, stderr strings.Builder
		code := Run(context.Background(), Params{Days: 90, CSVPath: tc.path}, Config{Dir: fail, Stdout: &stdout, Stderr: &stderr})
		if code != ExitFailed {
			t.Errorf("%s: exit %d, want %d", tc.path, code, ExitFailed)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: stderr lacks %q:\n%s", tc.path, tc.want, stderr.String())
		}
	}
	if b, err := os.ReadFile(old); err != nil || string(b) != "last quarter\r\n" {
		t.Errorf("the earlier file now holds %q (%v)", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.csv")); err == nil {
		t.Errorf("a failed report left new.csv")
	}
}

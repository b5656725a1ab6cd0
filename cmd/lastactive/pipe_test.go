package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runClosedStdout runs the binary with its standard output a pipe nobody
// reads any more, as `lastactive … | head -1` leaves it once head is done:
// the first write to it ends the process (SIGPIPE), as it should. What
// the run was for must not end with it.
func runClosedStdout(t *testing.T, env []string, args ...string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	if err := cmd.Run(); err == nil {
		t.Fatalf("%v: exit 0 although nothing could be written", args)
	} else if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("run: %v", err)
	}
	noSecrets(t, errb.String())
	if strings.Contains(errb.String(), "goroutine ") {
		t.Errorf("a stack trace on stderr:\n%s", errb.String())
	}
	return errb.String()
}

// TestReportCSVSurvivesAClosedStdout: `report --csv FILE | head -1` ends
// the process at the summary's first line that head no longer reads; the
// CSV the scan was run for must be written all the same (before, the
// summary came first and the file was never written, an old one was left
// in place as if it were this report).
func TestReportCSVSurvivesAClosedStdout(t *testing.T) {
	f := startFakes(t)
	path := filepath.Join(t.TempDir(), "idle.csv")
	if err := os.WriteFile(path, []byte("last week's report\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr := runClosedStdout(t, reportEnv(f), "report", "--csv", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) < 2 || strings.Contains(string(b), "last week") {
		t.Errorf("the CSV is not this report (%v, %d records):\n%s\nstderr:\n%s", err, len(recs), b, stderr)
	}
}

// TestLookupAuditedWhenStdoutIsClosed: a lookup whose output nobody reads
// (`lastactive lookup … | head -1`, `| true`) was made all the same, and
// the audit trail says so (before, the entry was written after the output
// and the process ended at the first write).
func TestLookupAuditedWhenStdoutIsClosed(t *testing.T) {
	f := startFakes(t)
	for _, args := range [][]string{{"lookup", "ada@example.com"}, {"lookup", "--json", "grace@example.com"}} {
		runClosedStdout(t, f.env(), args...)
	}
	r := runBinary(t, f.env(), "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var e struct {
			Kind   string   `json:"kind"`
			Emails []string `json:"emails"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if e.Kind == "lookup" {
			for _, m := range e.Emails {
				got[m] = true
			}
		}
	}
	for _, want := range []string{"ada@example.com", "grace@example.com"} {
		if !got[want] {
			t.Errorf("the lookup of %s is not in the audit trail:\n%s", want, r.stdout)
		}
	}
}

// TestReportAuditedWhenStdoutIsClosed: an org-wide report whose summary
// nobody reads (`lastactive report | head -1`) read every account all the
// same, and the audit trail says so.
func TestReportAuditedWhenStdoutIsClosed(t *testing.T) {
	f := startFakes(t)
	runClosedStdout(t, reportEnv(f), "report", "--csv", filepath.Join(t.TempDir(), "idle.csv"))
	r := runBinary(t, f.env(), "", "audit", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"kind":"report"`) {
		t.Errorf("the report is not in the audit trail (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

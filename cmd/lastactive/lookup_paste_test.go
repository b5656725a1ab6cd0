package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestLookupOfAPastedTableNamesItsSkippedLines: the terminal reads an
// argument with the slash command's parser, which takes a table pasted from
// a spreadsheet (a header row, a name cell before each address) and leaves
// out the lines with nobody in them. The slash command names them in its
// reply; the terminal left them out without a word.
func TestLookupOfAPastedTableNamesItsSkippedLines(t *testing.T) {
	t.Parallel()
	org := atlassiantest.SampleOrg(time.Now())
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	env := []string{"PATH=" + os.Getenv("PATH"), "ATLASSIAN_ORG_ID=" + org.ID, "ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + srv.URL(), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	r := runBinary(t, env, "", "lookup", "Name\tEmail\r\nAda Lovelace\tada@example.com\r\n")
	if r.code != 0 || !strings.Contains(r.stdout, "ada@example.com") {
		t.Fatalf("exit %d, want 0 and Ada's table:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if want := "skipped line 1 “Name Email”: no email address in it"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
}

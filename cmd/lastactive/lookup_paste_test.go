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

// TestLookupArgumentWithAPasswordIsNotEchoed: an argument that is no email
// was quoted back on stderr by the slash command's words, password and all,
// when it was a connection string or URL with one (a database URL pasted
// where an email belongs); stderr often ends up in a CI or cron log. It is
// named as a stray argument is, without its password.
func TestLookupArgumentWithAPasswordIsNotEchoed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ arg, want string }{
		{"postgres://ada:hunter2@db.example.com/x", `"postgres://ada:xxxxx@db.example.com/x" is not an email address`},
		{"ada:hunter2@db.example.com", `"ada:xxxxx@db.example.com" is not an email address`},
		{"https://ada:hunter2@jira.example.com", `"https://ada:xxxxx@jira.example.com" is not an email address`},
		// libpq's keyword form, the password first: its word was quoted.
		{"password=hunter2 host=db", `"password" is not an email address`},
		{"host=db PASSWORD=hunter2", `"host" is not an email address`},
		{"postgres://db/x password=hunter2", `"postgres://db/x …" is not an email address`},
	} {
		_, _, err := parseEmails([]string{"grace@example.com", c.arg})
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseEmails(%q) = %v, want %q and no password", c.arg, err, c.want)
		}
	}
	// An address mistyped is still named with the slash command's reason.
	if _, _, err := parseEmails([]string{"ada@example"}); err == nil || !strings.Contains(err.Error(), "“ada@example” is not a valid email address") {
		t.Errorf("parseEmails(ada@example) = %v", err)
	}
}

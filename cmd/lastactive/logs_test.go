package main

import (
	"encoding/json"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestServeLogsAreJSONLines: everything serve writes on stderr is one JSON
// object per line, so that a log shipper reading JSON lines loses nothing:
// the configuration's warnings too (a JIRA_BASE_URL copied from the
// browser, a channel name where an ID belongs), and a command whose text,
// user and channel carry line breaks and quotes.
func TestServeLogsAreJSONLines(t *testing.T) {
	f := startFakes(t)
	f.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada\n\"x", Email: "ada@example.com"})
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_LOG_LEVEL=debug",
		"JIRA_BASE_URL="+f.atl.URL()+"/jira/your-work?x=1", "LASTACTIVE_ALLOWED_CHANNELS=C1,GENERAL"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	ask(t, f.slack, "U2", "a\"b\n@example.com\r\n<@U0ADA|x\"\ny>", 1)
	stop(t, cmd, logs)

	var warnings []string
	for i, line := range strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n") {
		var entry struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("stderr line %d is not a JSON object (%v): %q", i+1, err, line)
			continue
		}
		if entry.Level == "WARN" {
			warnings = append(warnings, entry.Msg)
		}
	}
	for _, want := range []string{"JIRA_BASE_URL is a page address", "LASTACTIVE_ALLOWED_CHANNELS names GENERAL"} {
		if !strings.Contains(strings.Join(warnings, "\n"), want) {
			t.Errorf("no WARN line says %q; warnings: %q", want, warnings)
		}
	}
}

// TestUserMistakesAreNotWarnings: what a user gets wrong (a mention of
// someone who does not exist or of a bot, an address nobody has, text
// that is no command) is answered and audited, not reported to the
// operator as a warning: at info level serve logs no WARN or ERROR line
// for it.
func TestUserMistakesAreNotWarnings(t *testing.T) {
	f := startFakes(t)
	f.slack.AddUser(slacktest.User{ID: "U0BOT1", Name: "helper", IsBot: true})
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_LOG_LEVEL=info"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	for _, text := range []string{"<@U0NOPE1>", "<@U0BOT1>", "nobody@example.com", "not an email"} {
		ask(t, f.slack, "U1", text, 1)
	}
	stop(t, cmd, logs)
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("a user's mistake logged as a problem: %s", line)
		}
	}
}

// TestAtlassianFailureIsLogged: a lookup that Atlassian fails (an outage,
// a refused key) is answered with words for the asker, and the operator
// reading serve's log at the default level learns which API, path and
// status failed: the audit line alone says only "failed". No secret is in
// that line.
func TestAtlassianFailureIsLogged(t *testing.T) {
	f := startFakes(t)
	f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Status: 401})
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_LOG_LEVEL=info"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	stop(t, cmd, logs)
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "last-active-dates") && strings.Contains(line, "HTTP 401") {
			found = true
		}
	}
	if !found {
		t.Errorf("no WARN line names the failed path and its status:\n%s", logs.String())
	}
	noSecrets(t, logs.String())
}

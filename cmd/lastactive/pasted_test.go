package main

import (
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestPastedIdentifiersAndSecrets: values as admins paste them — a Secret
// made with `echo … | base64` (a trailing newline), an env file written on
// Windows (CR), quotes kept from a .env file, an editor's byte-order mark —
// are the same credential: check proves them all and lookup works, instead
// of a 404 "no organisation org-demo-1 " that shows nothing wrong.
func TestPastedIdentifiersAndSecrets(t *testing.T) {
	f := startFakes(t)
	org := atlassiantest.OrgID
	for _, variant := range []struct {
		name string
		wrap func(string) string
	}{
		{"trailing newline", func(s string) string { return s + "\n" }},
		{"CRLF", func(s string) string { return s + "\r\n" }},
		{"spaces around", func(s string) string { return "  " + s + " " }},
		{"double quotes", func(s string) string { return `"` + s + `"` }},
		{"single quotes", func(s string) string { return "'" + s + "'" }},
		{"byte-order mark", func(s string) string { return "\ufeff" + s }},
	} {
		t.Run(variant.name, func(t *testing.T) {
			env := f.env("ATLASSIAN_ORG_ID="+variant.wrap(org), "ATLASSIAN_API_KEY="+variant.wrap(atlassiantest.APIKey),
				"JIRA_EMAIL="+variant.wrap(atlassiantest.JiraEmail), "JIRA_BASE_URL="+variant.wrap(f.atl.URL()), "JIRA_API_TOKEN="+variant.wrap(atlassiantest.JiraAPIToken),
				"SLACK_BOT_TOKEN="+variant.wrap(slacktest.BotToken), "SLACK_APP_TOKEN="+variant.wrap(slacktest.AppToken))
			r := runBinary(t, env, "", "check")
			if r.code != 0 {
				t.Errorf("check: exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
			}
			r = runBinary(t, env, "", "lookup", "ada@example.com")
			if r.code != 0 || !strings.Contains(r.stdout, "Ada Lovelace") {
				t.Errorf("lookup: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}

	// A look-alike that cannot be safely undone (a typographic dash, a
	// non-breaking space inside, fullwidth digits) is refused at start by
	// name, before any call, instead of a 404 that shows nothing wrong.
	for _, bad := range []string{"org\u2013demo-1", "org-demo\u00a01", "org-demo-\uff11"} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+bad), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_ORG_ID") || strings.Contains(r.stderr, "demo") {
			t.Errorf("ATLASSIAN_ORG_ID=%q: exit %d, want 2 naming the variable without the value:\n%s", bad, r.code, r.stderr)
		}
		r = runBinary(t, f.env("ATLASSIAN_ORG_ID="+bad), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: ATLASSIAN_ORG_ID") {
			t.Errorf("check with ATLASSIAN_ORG_ID=%q: exit %d, want a configuration FAIL:\n%s", bad, r.code, r.stdout)
		}
	}
}

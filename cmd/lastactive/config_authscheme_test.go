package main

import (
	"strings"
	"testing"
)

// TestSecretWithAnAuthSchemeSaysSo: a secret copied from a curl example or
// a request log comes with the header's scheme in front ("Bearer KEY",
// "Authorization: Bearer KEY", "Basic …"). It was refused as having "a
// space or a line break inside it: paste it again, on one line", and
// pasting the same line again fails the same way; the admin is told to
// drop the word, which the bot adds itself. The secret is never shown.
func TestSecretWithAnAuthSchemeSaysSo(t *testing.T) {
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_API_TOKEN", "ATLASSIAN_API_KEY", "ATLASSIAN_ADMIN_WRITE_KEY"} {
		for _, c := range []struct{ value, word string }{
			{"Bearer SECRET-1", "Bearer"},
			{"bearer SECRET-1", "Bearer"},
			{"Authorization: Bearer SECRET-1", "Bearer"},
			{"Basic SECRET-1", "Basic"},
		} {
			cfg := validBase()
			cfg.JiraBaseURL, cfg.JiraEmail, cfg.JiraAPIToken = "https://acme.atlassian.net", "a@b.c", "t"
			field := map[string]*string{"SLACK_APP_TOKEN": &cfg.SlackAppToken, "SLACK_BOT_TOKEN": &cfg.SlackBotToken,
				"JIRA_API_TOKEN": &cfg.JiraAPIToken, "ATLASSIAN_API_KEY": &cfg.APIKey, "ATLASSIAN_ADMIN_WRITE_KEY": &cfg.AdminWriteKey}[name]
			prefix := map[string]string{"SLACK_APP_TOKEN": "xapp-", "SLACK_BOT_TOKEN": "xoxb-"}[name]
			*field = strings.Replace(c.value, "SECRET", prefix+"SECRET", 1)
			err := cfg.validate(needSlack | needAdmin)
			if err == nil {
				t.Errorf("%s=%q accepted", name, c.value)
				continue
			}
			msg := err.Error()
			if !strings.Contains(msg, name+" starts with "+c.word) || strings.Contains(msg, "paste it again, on one line") {
				t.Errorf("%s=%q: %q; want it to say it starts with %s, not to paste it again", name, c.value, msg, c.word)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("%s: the error shows the value: %v", name, msg)
			}
		}
	}
}

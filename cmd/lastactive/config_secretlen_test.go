package main

import (
	"strings"
	"testing"
)

// TestAbsurdlyLongSecretIsRefused: a 100 KB ATLASSIAN_API_KEY (a file's
// contents pasted where the key belongs) was accepted and sent as a
// header, which a real server answers 431 and the operator reads as
// Atlassian failing. A secret longer than any real token is refused at
// start, by name, without its value; a long real one (an Atlassian API
// token is about 190 characters) still passes.
func TestAbsurdlyLongSecretIsRefused(t *testing.T) {
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_API_TOKEN", "ATLASSIAN_API_KEY", "ATLASSIAN_ADMIN_WRITE_KEY"} {
		for _, c := range []struct {
			n  int
			ok bool
		}{{190, true}, {maxSecretLen, true}, {maxSecretLen + 1, false}, {100 << 10, false}} {
			cfg := validBase()
			cfg.JiraBaseURL, cfg.JiraEmail, cfg.JiraAPIToken = "https://acme.atlassian.net", "a@b.c", "t"
			field := map[string]*string{"SLACK_APP_TOKEN": &cfg.SlackAppToken, "SLACK_BOT_TOKEN": &cfg.SlackBotToken,
				"JIRA_API_TOKEN": &cfg.JiraAPIToken, "ATLASSIAN_API_KEY": &cfg.APIKey, "ATLASSIAN_ADMIN_WRITE_KEY": &cfg.AdminWriteKey}[name]
			prefix := map[string]string{"SLACK_APP_TOKEN": "xapp-", "SLACK_BOT_TOKEN": "xoxb-"}[name]
			*field = prefix + strings.Repeat("K", c.n-len(prefix))
			err := cfg.validate(needSlack | needAdmin)
			if c.ok {
				if err != nil {
					t.Errorf("%s of %d characters: %v", name, c.n, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), name+" is ") || !strings.Contains(err.Error(), "characters long") {
				t.Errorf("%s of %d characters: err %v, want it refused by name and length", name, c.n, err)
			} else if strings.Contains(err.Error(), "KKKK") {
				t.Errorf("%s: the error shows the value", name)
			}
			if err != nil && len(err.Error()) > 300 {
				t.Errorf("%s: an error of %d bytes for one long variable", name, len(err.Error()))
			}
		}
	}
}

// TestAbsurdlyLongAPIKeyStopsLookup: through the binary, the 100 KB key
// stops lookup at start with one line naming the variable and exit 2, and
// nothing is sent.
func TestAbsurdlyLongAPIKeyStopsLookup(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "ATLASSIAN_API_KEY="+strings.Repeat("K", 100<<10)), "", "lookup", "ada@example.com")
	if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_API_KEY") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("exit %d, want 2 and one line naming ATLASSIAN_API_KEY; stderr:\n%.500s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "KKKK") {
		t.Errorf("stderr shows the value")
	}
	if n := len(f.atl.Requests()); n != 0 {
		t.Errorf("%d Atlassian calls with a key no server would take", n)
	}
}

package main

import (
	"net/http"
	"strings"
	"testing"

	"lastactive/bot/slacktest"
)

// TestReadyzNamesARefusedAppToken: while Slack refuses SLACK_APP_TOKEN
// (revoked, or a bot token pasted there), /readyz says so and how to fix
// it, as it does for every other credential. Before, its body was only
// "not connected to Slack", the same as for a network outage: the cause
// was in the log alone, and the readiness probe's body (what kubectl
// describe shows) sent nobody to the token.
func TestReadyzNamesARefusedAppToken(t *testing.T) {
	f := startFakes(t)
	f.slack.SetAppTokenValid(false)
	_, base, logs := serveProcess(t, f.env())
	eventually(t, "the refused app token logged", func() bool {
		return strings.Contains(logs.String(), "Slack Socket Mode connection failed")
	})
	code, body := get(base + "/readyz")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with a refused app token = %d, want 503", code)
	}
	for _, want := range []string{"not connected to Slack", "SLACK_APP_TOKEN", "invalid_auth", "connections:write"} {
		if !strings.Contains(body, want) {
			t.Errorf("/readyz body %q lacks %q", body, want)
		}
	}
	if strings.Contains(body, slacktest.AppToken) {
		t.Errorf("/readyz body holds the token: %q", body)
	}

	f.slack.SetAppTokenValid(true)
	eventually(t, "/readyz 200 once the token is accepted", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
}

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSlackAPIURLAnswering404: a SLACK_API_URL with a wrong path (or a
// proxy in between) answers apps.connections.open with HTTP 404, which
// serve logged as "Slack rejected the app-level token (invalid_auth)" and
// "check SLACK_APP_TOKEN", and check as Slack "having trouble". Both now
// say the URL answered 404 and to check SLACK_API_URL.
func TestSlackAPIURLAnswering404(t *testing.T) {
	f := startFakes(t)
	nowhere := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(nowhere.Close)
	env := f.env("SLACK_API_URL=" + nowhere.URL + "/wrong/")

	r := runBinary(t, env, "", "check")
	app := lineWith(r.stdout, "Slack app token")
	if r.code != 1 || !strings.Contains(app, "FAIL") || !strings.Contains(app, "404") || !strings.Contains(app, "check SLACK_API_URL") ||
		strings.Contains(app, "having trouble") {
		t.Errorf("check: exit %d, want the app token's FAIL to name the 404 and SLACK_API_URL:\n%s%s", r.code, r.stdout, r.stderr)
	}

	_, _, logs := serveProcess(t, env)
	eventually(t, "the Socket Mode failure in the log", func() bool {
		return strings.Contains(logs.String(), "Socket Mode connection failed")
	})
	failed := lineWith(logs.String(), "Socket Mode connection failed")
	if !strings.Contains(failed, "404") || !strings.Contains(failed, "check SLACK_API_URL") || strings.Contains(failed, "check SLACK_APP_TOKEN") {
		t.Errorf("serve's log line does not name the 404 and SLACK_API_URL:\n%s", failed)
	}
	if strings.Contains(logs.String(), "rejected the app-level token") {
		t.Errorf("serve logs a 404 as a rejected token:\n%s", logs.String())
	}
}

// lineWith is the first line of out that contains s, or "".
func lineWith(out, s string) string {
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

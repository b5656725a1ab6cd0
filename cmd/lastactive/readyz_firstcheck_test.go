package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestNotReadyBeforeTheFirstCredentialCheck: a pod is not ready until its
// credentials have had their first check, whatever it finds. Before, a pod
// whose Admin API key Atlassian refuses, but slowly, was ready as soon as
// its socket opened: in a rolling update (a rotated key pasted wrong) the
// old pods, whose key works, were stopped for it.
func TestNotReadyBeforeTheFirstCredentialCheck(t *testing.T) {
	f := startFakes(t)
	f.atl.Reject(atlassiantest.Rejections{APIKey: true})
	// The answer (a refusal) comes only when the request is given up:
	// the first check cannot end while the test looks.
	defer f.atl.Fail(atlassiantest.Failure{API: "admin", Delay: time.Hour})()
	_, base, logs := serveProcess(t, f.env())
	eventually(t, "the socket connected", func() bool { return strings.Contains(logs.String(), "socket mode connected") })
	code, body := get(base + "/readyz")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the first credential check ended = %d %q, want 503", code, body)
	}
	if !strings.Contains(body, "credentials") {
		t.Errorf("/readyz body %q does not say the credentials are not checked yet", body)
	}
}

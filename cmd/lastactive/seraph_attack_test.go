package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJiraTokenServedAsAnonymousStopsTheLookup: a Jira that no longer
// takes JIRA_API_TOKEN (expired, revoked) answers its user search as it
// answers anonymous callers, 200 with an empty list and the header
// X-Seraph-LoginReason: AUTHENTICATED_FAILED, and /myself with 401. The
// lookup said each person Jira alone finds "was not found" and went on
// through every address; it now says Jira refused the token, and stops.
func TestJiraTokenServedAsAnonymousStopsTheLookup(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p, people[3].p}, mfWorkspacesDefault)
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		if r.URL.Path == "/rest/api/3/user/search" {
			io.WriteString(w, `[]`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errorMessages":["Client must be authenticated to access this resource."],"errors":{}}`)
	}))
	t.Cleanup(jira.Close)
	env := a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t), "JIRA_BASE_URL="+jira.URL)
	r := runBinary(t, env, "", "lookup", "tut@example.com", "nv@example.com")
	mfNoSecrets(t, r.stdout, r.stderr)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if strings.Contains(r.stdout+r.stderr, "not found") || !strings.Contains(r.stderr, "JIRA_API_TOKEN") ||
		!strings.Contains(r.stderr, "not looked up (1): nv@example.com") {
		t.Errorf("want Jira's refusal of JIRA_API_TOKEN and a stop, got:\n%s\n%s", r.stdout, r.stderr)
	}
}

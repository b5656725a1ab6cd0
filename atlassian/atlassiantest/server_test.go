package atlassiantest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthIsEnforcedPerAPI(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	wrongBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte(JiraEmail+":not-the-token"))
	search := searchPath(map[string][]string{"query": {"ada@example.com"}})
	lastActive := lastActivePath(OrgID, AdaAccountID)
	v2 := "/admin/v2/orgs/" + OrgID + "/directories/-/users/search"

	tests := []struct {
		name, method, path, auth string
		wantStatus               int
		wantBody                 string // substring
		wantAuth                 string
	}{
		{"jira search ok", "GET", search, goodBasic, 200, `"accountId":"` + AdaAccountID, "basic"},
		{"jira search anonymous is empty", "GET", search, "", 200, `[]`, "none"},
		{"jira search wrong token", "GET", search, wrongBasic, 401, `"errorMessages":[`, "bad"},
		{"jira search with admin bearer", "GET", search, goodBearer, 401, `"errorMessages":[`, "bearer"},
		{"jira myself anonymous", "GET", "/rest/api/3/myself", "", 401, `"errorMessages":[`, "none"},
		{"jira myself ok", "GET", "/rest/api/3/myself", goodBasic, 200, `"emailAddress":"bot@example.com"`, "basic"},
		{"admin ok", "GET", lastActive, goodBearer, 200, `"product_access":[`, "bearer"},
		{"admin without header", "GET", lastActive, "", 401, `{"code":401,"message":"Unauthorized"}`, "none"},
		{"admin wrong key", "GET", lastActive, "Bearer wrong-key", 401, `{"code":401,"message":"Unauthorized"}`, "bad"},
		{"admin key in wrong scheme", "GET", lastActive, "Basic " + APIKey, 401, `{"code":401`, "bad"},
		{"admin with jira basic", "GET", lastActive, goodBasic, 401, `{"code":401`, "basic"},
		{"admin key lower-case scheme", "GET", lastActive, "bearer " + APIKey, 401, `{"code":401`, "bad"},
		{"v2 search wrong key", "POST", v2, "Bearer wrong-key", 401, `{"code":401`, "bad"},
		{"v2 search ok", "POST", v2, goodBearer, 200, `"data":[`, "bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = map[string]any{"limit": 1}
			}
			a := call(t, s, tt.method, tt.path, tt.auth, body)
			if a.status != tt.wantStatus || !strings.Contains(string(a.body), tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", a.status, a.body, tt.wantStatus, tt.wantBody)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			reqs := s.Requests()
			var found bool
			for _, r := range reqs {
				if r.Path == strings.Split(tt.path, "?")[0] && r.Auth == tt.wantAuth && r.Status == tt.wantStatus {
					found = true
				}
			}
			if !found {
				t.Errorf("no recorded request with path %s, auth %s, status %d in %+v", tt.path, tt.wantAuth, tt.wantStatus, reqs)
			}
		})
	}
}

func TestUnknownPathsAndMethodsAreAnsweredAndRecorded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, api string
		want                    int
		allow                   string
	}{
		{"jira unknown path", "GET", "/rest/api/3/users/search", "jira", 404, ""},
		{"admin unknown path", "GET", "/admin/v1/orgs/" + OrgID + "/users", "admin", 404, ""},
		{"elsewhere", "GET", "/wiki/rest/api/user", "", 404, ""},
		{"jira search by POST", "POST", "/rest/api/3/user/search?query=ada", "jira", 405, "GET"},
		{"last active by DELETE", "DELETE", lastActivePath(OrgID, AdaAccountID), "admin", 405, "GET"},
		{"v2 search by GET", "GET", "/admin/v2/orgs/" + OrgID + "/directories/-/users/search", "admin", 405, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSample(t)
			a := call(t, s, tt.method, tt.path, goodBearer, nil)
			if a.status != tt.want || a.header.Get("Allow") != tt.allow {
				t.Errorf("got %d Allow=%q, want %d Allow=%q", a.status, a.header.Get("Allow"), tt.want, tt.allow)
			}
			if !json.Valid(a.body) || a.header.Get("Content-Type") != "application/json" {
				t.Errorf("want a JSON body, got %q %s", a.header.Get("Content-Type"), a.body)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].API != tt.api || reqs[0].Status != tt.want || reqs[0].Method != tt.method {
				t.Errorf("recorded %+v", reqs)
			}
		})
	}
}

func TestRecordingNeverHoldsASecret(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	// Right and wrong credentials, each shaped like the real ones.
	for _, auth := range []string{goodBasic, goodBearer, "Bearer " + APIKey + "x", "Basic " + base64.StdEncoding.EncodeToString([]byte(JiraEmail+":"+JiraAPIToken+"x"))} {
		call(t, s, "GET", searchPath(map[string][]string{"query": {"ada"}}), auth, nil)
		call(t, s, "GET", lastActivePath(OrgID, AdaAccountID), auth, nil)
		call(t, s, "POST", "/admin/v2/orgs/"+OrgID+"/directories/-/users/search", auth, map[string]any{})
	}
	reqs := s.Requests()
	if len(reqs) != 12 {
		t.Fatalf("recorded %d requests, want 12", len(reqs))
	}
	dump, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	text := string(dump) + fmt.Sprintf("%+v %#v", reqs, reqs)
	for _, secret := range []string{JiraAPIToken, APIKey, strings.TrimPrefix(goodBasic, "Basic ")} {
		if strings.Contains(text, secret) {
			t.Errorf("recording contains secret %q", secret)
		}
	}
	if got := reqs[0].Header.Get("Accept"); got != "application/json" {
		t.Errorf("other headers should be kept: Accept = %q", got)
	}
}

func TestFailuresApplyInOrderAndCountDown(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	ada := lastActivePath(OrgID, AdaAccountID)
	grace := lastActivePath(OrgID, "712020:0a1b2c3d-0000-4000-8000-00000006ace1")
	search := searchPath(map[string][]string{"query": {"ada"}})

	s.Fail(Failure{API: "admin", AccountID: AdaAccountID, Times: 2, Status: 429, RetryAfter: "1"})
	s.Fail(Failure{API: "admin", Times: 1, Status: 500})
	removeJira := s.Fail(Failure{API: "jira", PathContains: "/user/search", Status: 503})

	steps := []struct {
		path, auth string
		want       int
	}{
		{ada, goodBearer, 429},    // first failure, 1 left
		{grace, goodBearer, 500},  // not Ada: the second failure, now used up
		{ada, goodBearer, 429},    // first failure used up
		{ada, goodBearer, 200},    // nothing left for admin
		{grace, goodBearer, 200},  //
		{search, goodBasic, 503},  // forever, until removed
		{search, goodBasic, 503},  //
		{"remove", "", 0},         //
		{search, goodBasic, 200},  //
		{ada, "Bearer nope", 401}, // failures gone, normal checks again
	}
	for i, st := range steps {
		if st.path == "remove" {
			removeJira()
			removeJira() // harmless twice
			continue
		}
		a := call(t, s, "GET", st.path, st.auth, nil)
		if a.status != st.want {
			t.Fatalf("step %d: got %d %s, want %d", i, a.status, a.body, st.want)
		}
		if st.want == 429 && a.header.Get("Retry-After") != "1" {
			t.Errorf("step %d: Retry-After = %q", i, a.header.Get("Retry-After"))
		}
	}
	if got := s.Count("admin", "/admin/v1/"); got != 6 {
		t.Errorf("Count(admin) = %d, want 6", got)
	}
	if got := s.Count("jira", "/rest/api/3/user/search"); got != 3 {
		t.Errorf("Count(jira search) = %d, want 3", got)
	}
	s.ResetRequests()
	if got := s.Count("", ""); got != 0 {
		t.Errorf("after reset Count = %d", got)
	}
}

func TestFailureBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		api         string
		f           Failure
		wantStatus  int
		wantType    string
		wantBody    string // exact, or substring when contains
		contains    bool
		wantInvalid bool // body must not parse as JSON
	}{
		{"admin 429 gateway", "admin", Failure{Status: 429}, 429, "application/json", `{"code":429,"message":"Rate limit exceeded"}`, false, false},
		{"admin 401 gateway", "admin", Failure{Status: 401}, 401, "application/json", `{"code":401,"message":"Unauthorized"}`, false, false},
		{"admin 500 application error", "admin", Failure{Status: 500}, 500, "application/json", `"status":"500","code":"ADMIN-500-1"`, true, false},
		{"admin 403", "admin", Failure{Status: 403}, 403, "application/json", `"code":"ADMIN-403-3"`, true, false},
		{"admin 503 gateway page", "admin", Failure{Status: 503}, 503, "text/html; charset=utf-8", `503 Service Unavailable`, true, true},
		{"admin malformed", "admin", Failure{Malformed: true}, 200, "application/json", `{"data":`, true, true},
		{"jira malformed", "jira", Failure{Malformed: true}, 200, "application/json", `[{`, true, true},
		{"jira 429", "jira", Failure{Status: 429, RetryAfter: "7"}, 429, "application/json", `{"errorMessages":["Rate limit exceeded"],"errors":{}}`, false, false},
		{"custom body", "admin", Failure{Status: 429, Body: `{"errors":[{"status":"429","code":"ADMIN-429-1"}]}`}, 429, "application/json", `{"errors":[{"status":"429","code":"ADMIN-429-1"}]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSample(t)
			tt.f.API = tt.api
			s.Fail(tt.f)
			path, auth := lastActivePath(OrgID, AdaAccountID), goodBearer
			if tt.api == "jira" {
				path, auth = searchPath(map[string][]string{"query": {"ada"}}), goodBasic
			}
			a := call(t, s, "GET", path, auth, nil)
			body := string(a.body)
			if a.status != tt.wantStatus || a.header.Get("Content-Type") != tt.wantType {
				t.Errorf("got %d %q, want %d %q", a.status, a.header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.contains && !strings.Contains(body, tt.wantBody) || !tt.contains && body != tt.wantBody {
				t.Errorf("body %s, want %s", body, tt.wantBody)
			}
			if json.Valid(a.body) == tt.wantInvalid {
				t.Errorf("json.Valid(%s) = %v", body, !tt.wantInvalid)
			}
			if tt.f.RetryAfter != "" && a.header.Get("Retry-After") != tt.f.RetryAfter {
				t.Errorf("Retry-After = %q", a.header.Get("Retry-After"))
			}
		})
	}
}

// TestSlowAnswersHonourCancellation proves the handler gives up when the
// client does: were it to keep waiting for its hour, Close in the cleanup
// would block and the test would time out.
func TestSlowAnswersHonourCancellation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  Option
		f    Failure
	}{
		{"latency option", WithLatency(time.Hour), Failure{}},
		{"delay failure", nil, Failure{AccountID: AdaAccountID, Delay: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			arrived := make(chan struct{}, 1)
			opts := []Option{withOnArrive(func(*http.Request) { arrived <- struct{}{} })}
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			s := newSample(t, opts...)
			if tt.f != (Failure{}) {
				s.Fail(tt.f)
			}
			ctx, cancel := context.WithCancel(t.Context())
			req, err := http.NewRequestWithContext(ctx, "GET", s.URL()+lastActivePath(OrgID, AdaAccountID), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", goodBearer)
			errc := make(chan error, 1)
			go func() {
				resp, err := s.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				errc <- err
			}()
			<-arrived
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			s.Close() // returns only once the handler has stopped waiting
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Status != 0 {
				t.Errorf("want one request recorded with status 0, got %+v", reqs)
			}
		})
	}
}

func TestSetUserChangesAnswers(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	lookup := func() int {
		return call(t, s, "GET", lastActivePath(OrgID, "new-1"), goodBearer, nil).status
	}
	if got := lookup(); got != 404 {
		t.Fatalf("before SetUser: %d", got)
	}
	s.SetUser(User{AccountID: "new-1", DisplayName: "Nova", Email: "nova@example.com"})
	if got := lookup(); got != 200 {
		t.Fatalf("after SetUser: %d", got)
	}
	s.SetUser(User{AccountID: "new-1", DisplayName: "Nova", Email: "nova@example.com", NotMember: true})
	if got := lookup(); got != 404 {
		t.Fatalf("after SetUser NotMember: %d", got)
	}
	s.RemoveUser(AdaAccountID)
	if got := call(t, s, "GET", lastActivePath(OrgID, AdaAccountID), goodBearer, nil).status; got != 404 {
		t.Fatalf("after RemoveUser: %d", got)
	}
	s.SetUsers(nil)
	if got := call(t, s, "GET", searchPath(map[string][]string{"query": {"a"}}), goodBasic, nil); string(got.body) != "[]" {
		t.Fatalf("after SetUsers(nil): %s", got.body)
	}
}

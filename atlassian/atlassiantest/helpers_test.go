package atlassiantest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// testNow is the fixed "now" of the tests, so expected dates are literals.
var testNow = time.Date(2026, 11, 26, 15, 30, 0, 0, time.UTC)

var (
	goodBasic  = "Basic " + base64.StdEncoding.EncodeToString([]byte(JiraEmail+":"+JiraAPIToken))
	goodBearer = "Bearer " + APIKey
)

func newSample(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(SampleOrg(testNow), opts...)
	t.Cleanup(s.Close)
	return s
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request; pathAndQuery is appended to the server URL as is,
// so tests control the encoding exactly.
func call(t *testing.T, s *Server, method, pathAndQuery, auth string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+pathAndQuery, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
	return v
}

func lastActivePath(org, accountID string) string {
	return "/admin/v1/orgs/" + org + "/directory/users/" + url.PathEscape(accountID) + "/last-active-dates"
}

func searchPath(q url.Values) string { return "/rest/api/3/user/search?" + q.Encode() }

// appErrorCode returns status and code of an Admin ApplicationErrors body.
func appErrorCode(t *testing.T, a answer) (string, string) {
	t.Helper()
	v := decode[struct {
		Errors []struct{ Status, Code string }
	}](t, a)
	if len(v.Errors) != 1 {
		t.Fatalf("want one error in %s", a.body)
	}
	return v.Errors[0].Status, v.Errors[0].Code
}

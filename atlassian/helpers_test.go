package atlassian

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The credentials every test client uses; the secret tests look for them.
const (
	testJiraEmail = "bot@example.com"
	testJiraToken = "jira-token-SECRET-7f3a"
	testAPIKey    = "admin-key-SECRET-91c2"
	testWriteKey  = "admin-write-key-SECRET-5d0e"
	testOrgID     = "org-1234"
)

var testBasic = "Basic " + base64.StdEncoding.EncodeToString([]byte(testJiraEmail+":"+testJiraToken))

// fakeClock records every wait and returns at once, or hands the wait to
// block when set (to model a wait that never ends).
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	block func(time.Duration) <-chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	block := f.block
	f.now = f.now.Add(d)
	now := f.now
	f.mu.Unlock()
	if block != nil {
		return block(d)
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

func (f *fakeClock) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// serve starts a loopback server that the test closes at its end.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newTestClient builds a client for both halves at baseURL, with a fake clock
// (set before opts, so opts may replace it).
func newTestClient(t *testing.T, baseURL string, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	c, err := New(Config{
		JiraBaseURL:  baseURL,
		JiraEmail:    testJiraEmail,
		JiraAPIToken: testJiraToken,
		AdminBaseURL: baseURL,
		OrgID:        testOrgID,
		APIKey:       testAPIKey,
		// Every test client can release, so the secret tests cover the write key.
		AdminWriteKey: testWriteKey,
	}, append([]Option{WithClock(clk)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, clk
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// checkAuth reports a request without the expected method and headers.
func checkAuth(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != want {
		t.Errorf("%s %s: Authorization = %q, want %q", r.Method, r.URL.Path, got, want)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept = %q, want application/json", r.Method, r.URL.Path, got)
	}
	if r.Method != http.MethodGet {
		t.Errorf("method = %s, want GET", r.Method)
	}
}

// asError returns err as an *Error, failing the test when it is not one.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e
}

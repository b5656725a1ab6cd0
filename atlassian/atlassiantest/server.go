package atlassiantest

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a loopback HTTP server speaking both the Jira and the Admin API
// for one organisation. Create it with NewServer and Close it when done.
type Server struct {
	srv      *httptest.Server
	pageSize int
	latency  time.Duration
	onArrive func(*http.Request) // test hook: runs when a request arrives

	orgName    string      // fixed at NewServer
	workspaces []Workspace // fixed at NewServer
	reject     atomic.Pointer[Rejections]

	idx     atomic.Pointer[index] // replaced whole on every change, read lock-free
	writeMu sync.Mutex            // serialises index rebuilds

	mu       sync.Mutex // guards everything below
	requests []Request
	failures []*failure
	chaos    ChaosFunc // see SetChaos
	window   time.Time // start of the current rate-limit minute
	inWindow int       // Admin requests seen in that minute
}

// Request is one request the fake received. It never holds a secret: the
// Authorization header is reduced to Auth.
type Request struct {
	Method string
	Path   string // unescaped URL path
	Query  url.Values
	// Header holds the request headers without Authorization, Cookie and
	// Proxy-Authorization.
	Header http.Header
	Body   []byte // request body (the v2 search sends JSON)
	// Auth is "basic" or "bearer" for the fake's own credentials in that
	// scheme, "write" for AdminWriteKey as a Bearer token, "none" without an
	// Authorization header, "bad" for anything else.
	Auth string
	// API is "jira" for /rest/..., "admin" for /admin/..., else "".
	API string
	// Endpoint is the endpoint the request addressed ("" for none).
	Endpoint Endpoint
	// Status is the HTTP status answered; 0 when the client went away first.
	Status int
	Time   time.Time // arrival
}

// Option configures a Server.
type Option func(*Server)

// WithPageSize sets how many products one last-active-dates page holds. The
// default is 2, so that most sample users span several pages.
func WithPageSize(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("atlassiantest: page size %d < 1", n))
	}
	return func(s *Server) { s.pageSize = n }
}

// WithLatency makes every answer wait d, or until the client cancels.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = d }
}

// withOnArrive lets in-package tests learn that a request reached the
// handler without polling.
func withOnArrive(f func(*http.Request)) Option {
	return func(s *Server) { s.onArrive = f }
}

// NewServer starts a fake serving a copy of org: changing org afterwards
// does not affect the server; use SetUser or SetUsers for that. An org
// without ID is served as OrgID. The caller must Close the server.
func NewServer(org *Org, opts ...Option) *Server {
	s := &Server{pageSize: 2}
	for _, o := range opts {
		o(s)
	}
	id := org.ID
	if id == "" {
		id = OrgID
	}
	s.idx.Store(buildIndex(id, org.Users, org.Groups, org.SeatLimits))
	s.orgName = org.Name
	if s.orgName == "" {
		s.orgName = "Demo organisation"
	}
	s.workspaces = append([]Workspace(nil), org.Workspaces...)
	s.reject.Store(&Rejections{})
	// Assign before starting: handlers read s.srv.URL.
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Start()
	return s
}

// Close shuts the server down and waits for in-flight requests.
func (s *Server) Close() { s.srv.Close() }

// URL is the base URL of both APIs: Jira under /rest/api/3/..., the Admin
// API under /admin/.... Use it as JIRA_BASE_URL and ATLASSIAN_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server, like httptest.Server.Client.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// OrgID returns the organisation ID the server answers for.
func (s *Server) OrgID() string { return s.idx.Load().orgID }

// SetUser adds u, or replaces the user with the same AccountID. Each change
// rebuilds the search indexes: cheap for test-sized orgs, O(n log n) for big ones.
func (s *Server) SetUser(u User) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old := s.idx.Load()
	users := append([]User(nil), old.users...)
	if i, ok := old.pos[u.AccountID]; ok {
		users[i] = u
	} else {
		users = append(users, u)
	}
	s.idx.Store(buildIndex(old.orgID, users, old.groups, old.seatLimits))
}

// SetUsers replaces every user.
func (s *Server) SetUsers(users []User) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old := s.idx.Load()
	s.idx.Store(buildIndex(old.orgID, users, old.groups, old.seatLimits))
}

// RemoveUser deletes the account, as if it had been deleted upstream.
func (s *Server) RemoveUser(accountID string) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old := s.idx.Load()
	i, ok := old.pos[accountID]
	if !ok {
		return
	}
	users := slices.Delete(append([]User(nil), old.users...), i, i+1)
	s.idx.Store(buildIndex(old.orgID, users, old.groups, old.seatLimits))
}

// Requests returns a copy of every request received since the start or the
// last ResetRequests, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many recorded requests went to api ("" for any) with a
// path starting with pathPrefix.
func (s *Server) Count(api, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (api == "" || r.API == api) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Failure describes an injected failure. The zero value of each filter
// field matches everything; the first failure in the order of Fail calls
// that matches a request applies to it.
type Failure struct {
	API          string // "jira", "admin" or "" for both
	PathContains string
	// AccountID matches the {accountId} of a last-active-dates path, or the
	// accountId query parameter of Jira.
	AccountID string
	// Times is how many requests the failure applies to; 0 means forever.
	Times int
	// Status is the HTTP status to answer with. Zero together with an empty
	// Body and false Malformed leaves the answer alone and only adds Delay.
	Status     int
	RetryAfter string // Retry-After header value, e.g. "1"
	// Body replaces the default body, which is realistic for the status and
	// the API (gateway shape for an Admin 401/429, HTML for 502-504, ...).
	Body string
	// Malformed answers 200 (or Status) with truncated JSON.
	Malformed bool
	// Delay postpones the answer, honouring cancellation.
	Delay time.Duration
	// Made serves the request first, so that a write is made, and only
	// then answers with the failure: a change whose answer was lost.
	Made bool
}

type failure struct {
	Failure
	left int // remaining uses when Times > 0
}

// Fail injects f and returns a function that removes it (safe to call
// after it has run out, and more than once).
func (s *Server) Fail(f Failure) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &failure{Failure: f, left: f.Times}
	s.failures = append(s.failures, e)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.failures = slices.DeleteFunc(s.failures, func(x *failure) bool { return x == e })
	}
}

// takeFailure finds the failure for a request and counts it down.
func (s *Server) takeFailure(api string, r *http.Request, path string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.failures {
		if f.API != "" && f.API != api ||
			f.PathContains != "" && !strings.Contains(path, f.PathContains) ||
			f.AccountID != "" && f.AccountID != requestAccountID(r, path) {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left == 0 {
				s.failures = slices.Delete(s.failures, i, i+1)
			}
		}
		return f.Failure, true
	}
	return Failure{}, false
}

// requestAccountID is the account a request is about, if any.
func requestAccountID(r *http.Request, path string) string {
	if v := r.URL.Query().Get("accountId"); v != "" {
		return v
	}
	if vars, ok := match(lastActivePattern, path); ok {
		return vars[1]
	}
	return ""
}

// reply is a complete answer, built before anything is written so that the
// request is recorded before the client can see the response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, body []byte) reply {
	return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

// maxBody bounds how much of a request body the fake reads.
const maxBody = 1 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Auth:   classifyAuth(r.Header.Get("Authorization")),
		API:    apiOf(r.URL.Path),
		Time:   time.Now(),
	}
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		rec.Header.Del(h)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		rec.Status = 0
		s.record(rec)
		return
	}
	if len(body) > 0 {
		rec.Body = body
	}
	rec.Endpoint = endpointOf(r.Method, rec.Path, body)
	if s.onArrive != nil {
		s.onArrive(r)
	}

	f, failed := s.takeFailure(rec.API, r, rec.Path)
	if !failed {
		f, failed = s.chaosFor(r)
	}
	var rep reply
	if failed && f.Made {
		if _, rejected := s.rejection(rec.API, rec.Auth); !rejected {
			s.route(r, rec.API, rec.Auth, body)
		}
	}
	if failed && (f.Status != 0 || f.Body != "" || f.Malformed) {
		rep = failureReply(rec.API, f)
	} else if rej, ok := s.rejection(rec.API, rec.Auth); ok {
		rep = rej
	} else {
		rep = s.route(r, rec.API, rec.Auth, body)
	}
	if rec.API == "admin" {
		s.rateLimitHeaders(rep.header, rec.Time)
	}

	if d := s.latency + f.Delay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(rec)
			return
		}
	}
	rec.Status = rep.status
	s.record(rec)
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// rateLimitHeaders sets the documented Admin API headers for a limit of
// 200 requests a minute. The fake reports the count but never enforces it;
// inject a 429 Failure to test that.
func (s *Server) rateLimitHeaders(h http.Header, now time.Time) {
	const limit = 200
	s.mu.Lock()
	start := now.UTC().Truncate(time.Minute)
	if !start.Equal(s.window) {
		s.window, s.inWindow = start, 0
	}
	s.inWindow++
	remaining := max(limit-s.inWindow, 0)
	s.mu.Unlock()
	h.Set("X-RateLimit-Limit", fmt.Sprint(limit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
	h.Set("X-RateLimit-Reset", start.Add(time.Minute).Format(time.RFC3339))
}

func apiOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/rest/"):
		return "jira"
	case strings.HasPrefix(path, "/admin/"):
		return "admin"
	}
	return ""
}

var (
	basicHeader  = "Basic " + base64.StdEncoding.EncodeToString([]byte(JiraEmail+":"+JiraAPIToken))
	bearerHeader = "Bearer " + APIKey
	writeHeader  = "Bearer " + AdminWriteKey
)

func classifyAuth(h string) string {
	switch h {
	case "":
		return "none"
	case basicHeader:
		return "basic"
	case bearerHeader:
		return "bearer"
	case writeHeader:
		return "write"
	}
	return "bad"
}

// route dispatches to the endpoint handlers; anything unknown gets a JSON 404.
func (s *Server) route(r *http.Request, api, auth string, body []byte) reply {
	path := r.URL.Path
	idx := s.idx.Load()
	type endpoint struct {
		pattern []string
		method  string
		handle  func(vars []string) reply
	}
	q := r.URL.Query()
	endpoints := []endpoint{
		{userSearchPattern, http.MethodGet, func([]string) reply { return s.jiraUserSearch(idx, q, auth) }},
		{userPattern, http.MethodGet, func([]string) reply { return s.jiraGetUser(idx, q, auth) }},
		{myselfPattern, http.MethodGet, func([]string) reply { return s.jiraMyself(idx, auth) }},
		{lastActivePattern, http.MethodGet, func(v []string) reply { return s.lastActiveDates(idx, v[0], v[1], q, auth) }},
		{usersSearchPattern, http.MethodPost, func(v []string) reply { return s.usersSearchV2(idx, v[0], v[1], body, auth) }},
		{orgPattern, http.MethodGet, func(v []string) reply { return s.getOrg(idx, v[0], auth) }},
		{workspacesPattern, http.MethodPost, func(v []string) reply { return s.workspacesV2(idx, v[0], body, auth) }},
		{roleAssignmentsPattern, http.MethodGet, func(v []string) reply { return s.roleAssignments(idx, v, q, auth) }},
		{groupsSearchPattern, http.MethodPost, func(v []string) reply { return s.groupsSearch(idx, v, body, auth) }},
		{revokePattern, http.MethodPost, func(v []string) reply { return s.changeRole(v, false, body, auth) }},
		{assignPattern, http.MethodPost, func(v []string) reply { return s.changeRole(v, true, body, auth) }},
		{membershipsPattern, http.MethodPost, func(v []string) reply { return s.addMember(v, body, auth) }},
		{membershipPattern, http.MethodDelete, func(v []string) reply { return s.removeMember(v, auth) }},
	}
	for _, e := range endpoints {
		vars, ok := match(e.pattern, path)
		if !ok {
			continue
		}
		if r.Method != e.method {
			rep := errorReply(api, http.StatusMethodNotAllowed, "", "Method "+r.Method+" is not allowed here")
			rep.header.Set("Allow", e.method)
			return rep
		}
		return e.handle(vars)
	}
	return errorReply(api, http.StatusNotFound, "ADMIN-404-1", "No such endpoint in the fake: "+path)
}

// Path patterns; "*" matches one non-empty segment and is returned in vars.
var (
	userSearchPattern  = []string{"rest", "api", "3", "user", "search"}
	userPattern        = []string{"rest", "api", "3", "user"}
	myselfPattern      = []string{"rest", "api", "3", "myself"}
	lastActivePattern  = []string{"admin", "v1", "orgs", "*", "directory", "users", "*", "last-active-dates"}
	usersSearchPattern = []string{"admin", "v2", "orgs", "*", "directories", "*", "users", "search"}
	orgPattern         = []string{"admin", "v1", "orgs", "*"}
	workspacesPattern  = []string{"admin", "v2", "orgs", "*", "workspaces"}

	roleAssignmentsPattern = []string{"admin", "v2", "orgs", "*", "directories", "*", "users", "*", "role-assignments"}
	groupsSearchPattern    = []string{"admin", "v2", "orgs", "*", "directories", "*", "groups", "search"}
	revokePattern          = []string{"admin", "v1", "orgs", "*", "users", "*", "roles", "revoke"}
	assignPattern          = []string{"admin", "v1", "orgs", "*", "users", "*", "roles", "assign"}
	membershipsPattern     = []string{"admin", "v2", "orgs", "*", "directories", "*", "groups", "*", "memberships"}
	membershipPattern      = []string{"admin", "v2", "orgs", "*", "directories", "*", "groups", "*", "memberships", "*"}
)

func match(pattern []string, path string) ([]string, bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) != len(pattern) {
		return nil, false
	}
	var vars []string
	for i, p := range pattern {
		switch {
		case p == "*" && segs[i] != "":
			vars = append(vars, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return vars, true
}

// errorReply builds the error body each API uses for a status: Jira's
// ErrorCollection, the Admin gateway's ProxyError for 401 and 429, or the
// Admin ApplicationErrors with code for everything else.
func errorReply(api string, status int, code, detail string) reply {
	var body string
	switch {
	case api == "jira" || api == "":
		body = fmt.Sprintf(`{"errorMessages":[%q],"errors":{}}`, detail)
	case status == http.StatusUnauthorized || status == http.StatusTooManyRequests:
		body = fmt.Sprintf(`{"code":%d,"message":%q}`, status, detail)
	default:
		if code == "" {
			code = fmt.Sprintf("ADMIN-%d-1", status)
		}
		body = fmt.Sprintf(`{"errors":[{"id":"fake-%s","status":"%d","code":%q,"title":%q,"detail":%q}]}`,
			strings.ToLower(code), status, code, http.StatusText(status), detail)
	}
	return jsonReply(status, []byte(body))
}

// failureReply builds the answer of an injected failure.
func failureReply(api string, f Failure) reply {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	var rep reply
	switch {
	case f.Body != "":
		rep = jsonReply(status, []byte(f.Body))
	case f.Malformed && api == "jira":
		rep = jsonReply(status, []byte(`[{"accountId":"5b10a2844c2016`))
	case f.Malformed:
		rep = jsonReply(status, []byte(`{"data":{"product_access":[{"id":"ari:cloud:jira-soft`))
	case status >= 502 && status <= 504:
		// Gateways in front of both APIs answer these with HTML, not JSON.
		rep = reply{status: status, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			body: fmt.Appendf(nil, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))}
	case status == http.StatusTooManyRequests:
		rep = errorReply(api, status, "", "Rate limit exceeded")
	case status == http.StatusUnauthorized:
		rep = errorReply(api, status, "", "Unauthorized")
	default:
		rep = errorReply(api, status, defaultCodes[status], http.StatusText(status))
	}
	if f.RetryAfter != "" {
		rep.header.Set("Retry-After", f.RetryAfter)
	}
	return rep
}

// defaultCodes are the Admin codes the spec names for last-active-dates.
var defaultCodes = map[int]string{
	400: "ADMIN-400-4",
	403: "ADMIN-403-3",
	404: "ADMIN-404-8",
	500: "ADMIN-500-1",
}

package atlassian

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"lastactive/internal/backoff"
)

// DefaultAdminBaseURL is where the Admin API lives for every organisation.
const DefaultAdminBaseURL = "https://api.atlassian.com"

const (
	defaultTimeout = 10 * time.Second
	// defaultMaxBody bounds what we read of a successful answer; real pages
	// are a few KiB, so anything near this is a broken or hostile upstream.
	defaultMaxBody = 4 << 20
	// maxErrorBody is all we read of an error answer: enough for its code.
	maxErrorBody    = 64 << 10
	defaultJiraPage = 50
	userAgent       = "lastactive"
)

// ErrNotConfigured is returned by calls to the half of the client (Jira or
// Admin API) whose credentials were not in the Config.
var ErrNotConfigured = errors.New("credentials not configured")

// Config holds the two credentials and where to send them. The Jira half
// (JiraBaseURL, JiraEmail, JiraAPIToken) serves FindAccount and Myself; the
// Admin half (OrgID, APIKey) serves LastActive. Each half is all or nothing,
// and at least one must be set, so a report-only tool can leave Jira out.
type Config struct {
	JiraBaseURL  string // the Jira Cloud site, e.g. https://example.atlassian.net
	JiraEmail    string // Basic auth user: the account that owns the API token
	JiraAPIToken string
	AdminBaseURL string // default DefaultAdminBaseURL; requests go to {AdminBaseURL}/admin/v1/...
	OrgID        string
	APIKey       string // Admin API key, sent as a Bearer token
	// AdminWriteKey (ATLASSIAN_ADMIN_WRITE_KEY) is an org admin's key
	// without scopes, sent as a Bearer token only by the release calls
	// (RoleAssignments, GroupsGranting, RevokeRole, AssignRole,
	// RemoveFromGroup, AddToGroup). Optional: without it those calls return
	// ErrNoWriteKey and send nothing. It needs the Admin half (OrgID, APIKey).
	AdminWriteKey string
}

// Client calls Jira Cloud user search and the Atlassian Admin API. It is safe
// for concurrent use and starts no goroutines.
type Client struct {
	jiraBase  *url.URL // nil when the Jira half is not configured
	adminBase *url.URL // nil when the Admin half is not configured
	jiraAuth  string   // full Authorization header values
	adminAuth string
	writeAuth string // "" without Config.AdminWriteKey
	orgID     string
	secrets   []string // every credential form, scrubbed from upstream text

	hc      *http.Client
	retry   RetryPolicy
	log     *slog.Logger
	clock   Clock
	observe func(RequestInfo)
	timeout time.Duration
	maxBody int64
	// maxScanProducts bounds the product entries one OrgUsers scan holds.
	maxScanProducts int
	jiraPageSize    int
	// adminPace is the token bucket of bulk Admin API work (the org-wide
	// scan): the organisation's limit (about 200 a minute) is shared with
	// every other tool, so a scan stays under it rather than lean on 429s.
	// One-person lookups are not paced: people ask them one at a time, the
	// bot's cache and per-user limit keep them few, and a 429 is honoured.
	// Nil: no pacing.
	adminPace *rate.Limiter
}

// Default pace of Admin API requests: 3 a second (180 a minute) with a
// burst of 10, so a handful of lookups never wait and a long report scan
// stays under the organisation's 200 a minute even in its first minute.
const (
	DefaultAdminRate  rate.Limit = 3
	DefaultAdminBurst            = 10
)

// Clock is the time source of the retry waits and the pacing; tests
// replace it so they never sleep. It is backoff.Clock, so one fake clock
// serves every retry loop of the program.
type Clock = backoff.Clock

// Option configures a Client. Options validate their argument, so New
// reports a nil HTTP client or a negative timeout instead of failing later.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client. New works on a copy whose redirect
// policy refuses to leave the original host, so credentials never travel
// to a host they were not meant for.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil client")
		}
		c.hc = hc
		return nil
	}
}

// WithRetry sets the retry policy; zero fields take their defaults.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		p, err := p.withDefaults()
		if err != nil {
			return fmt.Errorf("WithRetry: %w", err)
		}
		c.retry = p
		return nil
	}
}

// WithLogger sets the logger. The client logs at debug level only, and only
// the API, step, path, status, attempt and duration: never a header or query.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithClock replaces the clock used for retry waits.
func WithClock(clk Clock) Option {
	return func(c *Client) error {
		if clk == nil {
			return errors.New("WithClock: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// RequestInfo describes one HTTP attempt, for metrics.
type RequestInfo struct {
	API      API
	Op       string
	Status   int // 0 on a transport error
	Duration time.Duration
	Attempt  int // 1 for the first try
}

// WithObserver registers f to be called after every HTTP attempt, retries
// included. It runs on the caller's goroutine and must be quick. This keeps
// metrics libraries out of this package.
func WithObserver(f func(RequestInfo)) Option {
	return func(c *Client) error {
		if f == nil {
			return errors.New("WithObserver: nil func")
		}
		c.observe = f
		return nil
	}
}

// WithTimeout bounds each HTTP attempt (default 10 s). A shorter deadline on
// the caller's context still wins.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return errors.New("WithTimeout: must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithAdminRate sets the pace of bulk Admin API requests (OrgUsers), retries included: r
// requests a second on average, up to burst at once. rate.Inf turns pacing
// off (tests that measure the client against a fast fake).
func WithAdminRate(r rate.Limit, burst int) Option {
	return func(c *Client) error {
		if r <= 0 || burst < 1 {
			return errors.New("WithAdminRate: rate and burst must be positive")
		}
		c.adminPace = rate.NewLimiter(r, burst)
		return nil
	}
}

// New returns a Client for cfg. It checks that the base URLs are absolute
// http(s) URLs without credentials, query or fragment, and that each
// configured half of cfg is complete. Error messages name fields, never values.
func New(cfg Config, opts ...Option) (*Client, error) {
	def, _ := RetryPolicy{}.withDefaults()
	c := &Client{
		hc:              http.DefaultClient,
		retry:           def,
		log:             slog.New(slog.DiscardHandler),
		clock:           backoff.System,
		timeout:         defaultTimeout,
		maxBody:         defaultMaxBody,
		maxScanProducts: defaultMaxScanProducts,
		jiraPageSize:    defaultJiraPage,
		orgID:           cfg.OrgID,
		adminPace:       rate.NewLimiter(DefaultAdminRate, DefaultAdminBurst),
	}

	jiraSet := cfg.JiraBaseURL != "" || cfg.JiraEmail != "" || cfg.JiraAPIToken != ""
	adminSet := cfg.OrgID != "" || cfg.APIKey != ""
	if !jiraSet && !adminSet {
		return nil, errors.New("atlassian: config: neither Jira nor Admin API credentials are set")
	}
	if jiraSet {
		if err := missing([][2]string{{"JiraBaseURL", cfg.JiraBaseURL}, {"JiraEmail", cfg.JiraEmail}, {"JiraAPIToken", cfg.JiraAPIToken}}); err != nil {
			return nil, err
		}
		u, err := parseBase("JiraBaseURL", cfg.JiraBaseURL)
		if err != nil {
			return nil, err
		}
		c.jiraBase = u
		pair := cfg.JiraEmail + ":" + cfg.JiraAPIToken
		b64 := base64.StdEncoding.EncodeToString([]byte(pair))
		c.jiraAuth = "Basic " + b64
		c.secrets = append(c.secrets, pair, b64, cfg.JiraAPIToken)
	}
	if adminSet {
		if err := missing([][2]string{{"OrgID", cfg.OrgID}, {"APIKey", cfg.APIKey}}); err != nil {
			return nil, err
		}
		if cfg.OrgID == "." || cfg.OrgID == ".." {
			// A dot segment in every path: resolved away by a proxy, it
			// would address another resource.
			return nil, errors.New("atlassian: config: OrgID is not an organisation ID")
		}
		base := cfg.AdminBaseURL
		if base == "" {
			base = DefaultAdminBaseURL
		}
		u, err := parseBase("AdminBaseURL", base)
		if err != nil {
			return nil, err
		}
		c.adminBase = u
		c.adminAuth = "Bearer " + cfg.APIKey
		c.secrets = append(c.secrets, cfg.APIKey)
	}
	if strings.TrimSpace(cfg.AdminWriteKey) != "" {
		if !adminSet {
			return nil, errors.New("atlassian: config: AdminWriteKey needs OrgID and APIKey")
		}
		c.writeAuth = "Bearer " + cfg.AdminWriteKey
		c.secrets = append(c.secrets, cfg.AdminWriteKey)
	}

	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("atlassian: %w", err)
		}
	}

	c.hc = TraceConnections(c.hc)
	c.hc.CheckRedirect = sameHostRedirects
	// A client Timeout no shorter than an attempt's deadline can never end
	// a request first (attempt sets the deadline before Do starts the
	// Timeout's clock), yet behind connTracer, a transport net/http does not
	// know, it costs a goroutine, a timer and a Request.Cancel channel a
	// request (net/http's setRequestCancel). The copy drops it; a shorter
	// one stays and bounds each request as before.
	if c.hc.Timeout >= c.timeout {
		c.hc.Timeout = 0
	}
	return c, nil
}

// OrgID returns the organisation the Admin half works on ("" when unset).
func (c *Client) OrgID() string { return c.orgID }

func missing(fields [][2]string) error {
	var names []string
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			names = append(names, f[0])
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("atlassian: config: %s not set", strings.Join(names, ", "))
	}
	return nil
}

// parseBase never quotes raw in its errors: a URL may carry a password.
func parseBase(field, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("atlassian: config: %s is not a valid URL", field)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("atlassian: config: %s must be an absolute http or https URL", field)
	case u.Host == "":
		return nil, fmt.Errorf("atlassian: config: %s has no host", field)
	case u.User != nil:
		return nil, fmt.Errorf("atlassian: config: %s must not contain credentials", field)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("atlassian: config: %s must not have a query or fragment", field)
	}
	// Paths are appended to the base, so "https://x/" and "https://x" agree.
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// joinPath appends path segments to base, escaping each one: an account ID
// holding "/" or "?" stays one segment and cannot reach another resource.
func joinPath(base *url.URL, segs ...string) *url.URL {
	u := *base
	// One buffer for the whole path: a string concatenated segment by
	// segment was an allocation each, on every upstream call.
	// PathEscape and PathUnescape return their argument when there is
	// nothing to escape, so a plain path costs one allocation.
	prefix := u.EscapedPath()
	esc := make([]string, 0, 16)
	n := len(prefix)
	for _, s := range segs {
		e := url.PathEscape(s)
		esc = append(esc, e)
		n += 1 + len(e)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	for _, e := range esc {
		b.WriteByte('/')
		b.WriteString(e)
	}
	raw := b.String()
	p, err := url.PathUnescape(raw)
	if err != nil {
		// Every piece was escaped by us or validated by url.Parse.
		panic("atlassian: joinPath: " + err.Error())
	}
	u.Path, u.RawPath = p, raw
	u.RawQuery = ""
	return &u
}

// sameHostRedirects stops at the first redirect that changes scheme or host:
// the redirect then surfaces as an unexpected 3xx rather than a request that
// carries our Authorization header elsewhere. Only GETs are followed: Go
// turns a POST or DELETE redirected by 301, 302 or 303 into a GET, whose
// 200 would pass for a release write that was never made, and repeats it
// on a 307 or 308 to a path we did not choose.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 || via[0].Method != http.MethodGet {
		return http.ErrUseLastResponse
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// call is one logical request: the step it belongs to, its full URL (query
// included; never shown) and the Authorization header to send. It is a GET
// unless method says otherwise; a body is sent again on every retry, so
// only requests that are safe to repeat (read-only searches) may have one.
type call struct {
	api    API
	op     string
	url    *url.URL
	auth   string
	method string // "" is GET
	body   []byte // JSON, or nil
	paced  bool   // bulk work that waits for adminPace
	// write: the request changes something upstream, so an attempt whose
	// outcome is unknown (a 5xx, a lost connection) is not repeated; only a
	// 429, which says the request was not taken, is waited out.
	write bool
	// orgScoped: the path names nothing but the organisation (and "-" for
	// all directories), so any 404 means the organisation ID is wrong.
	orgScoped bool
}

// path is the part of the URL that may appear in errors and logs.
func (cl call) path() string { return cl.url.EscapedPath() }

// fail builds the *Error for cl.
func (c *Client) fail(cl call, kind Kind, status int, code string, err error) error {
	return &Error{Kind: kind, API: cl.api, Op: cl.op, Path: cl.path(), Status: status, Code: code, Err: err}
}

// upstreamError is the cause recorded for an error status: what the server
// said, scrubbed and shortened.
type upstreamError struct {
	status  int
	message string
}

func (e *upstreamError) Error() string {
	if e.message == "" {
		return fmt.Sprintf("HTTP %d", e.status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.message)
}

// get performs cl with retries and returns the body of a 2xx answer. Admin
// API attempts of bulk work first wait for the pace (WithAdminRate). Every
// failure is an *Error; a cancelled ctx, even during a wait, ends the call at
// once with ErrUnavailable wrapping ctx.Err(), so errors.Is(err,
// context.Canceled) holds.
func (c *Client) get(ctx context.Context, cl call) ([]byte, error) {
	var waited time.Duration
	policy := c.retry.policy()
	if cl.paced {
		// Bulk work may wait longer than a person at Slack would (see
		// pacedWaitBudget).
		policy.Budget = max(policy.Budget, pacedWaitBudget)
	}
	for attempt := 1; ; attempt++ {
		if err := c.pace(ctx, cl); err != nil {
			return nil, err
		}
		res := c.attempt(ctx, cl, attempt)
		if res.err == nil {
			return res.body, nil
		}
		if !res.retry {
			return nil, res.err
		}
		if cl.write && res.status != http.StatusTooManyRequests {
			return nil, uncertain(res.err.(*Error))
		}
		if ctx.Err() != nil {
			e := c.fail(cl, ErrUnavailable, res.status, res.code, ctx.Err()).(*Error)
			if prev := res.err.(*Error); prev.Net != "" && ctx.Err() == context.DeadlineExceeded {
				// The caller's deadline ended a request that got no answer:
				// still say which host did not answer.
				e.Net, e.Host = prev.Net, prev.Host
			}
			return nil, e
		}

		wait, hinted := res.hint, res.hinted
		if !hinted {
			wait = c.retry.backoff(attempt)
		}
		if policy.Exhausted(attempt, waited, wait) || !fitsDeadline(ctx, wait) {
			// A wait the caller's deadline cannot afford is not begun:
			// it would end in a deadline error, later and less clear.
			e := res.err.(*Error)
			if e.Kind == ErrRateLimited {
				// Without a hint, our own next wait is the best guess we have.
				e.RetryAfter = wait
			}
			e.Err = fmt.Errorf("giving up after %d attempt%s: %w", attempt, plural(attempt), e.Err)
			return nil, e
		}
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.DebugContext(ctx, "atlassian retry", "api", cl.api, "op", cl.op, "path", cl.path(),
				"attempt", attempt, "wait", wait)
		}
		if err := backoff.Sleep(ctx, c.clock, wait); err != nil {
			return nil, c.fail(cl, ErrUnavailable, res.status, res.code, err)
		}
		waited += wait
	}
}

// pacedWaitBudget is the least time bulk work (the org-wide scan, paced
// calls) waits between the attempts of one request. The Admin API counts
// requests per minute, and a scan sharing the organisation's quota with
// another tool may be asked to wait most of one; with the 30-second
// default, such a wait on page 37 of 50 failed the scan, the manager was
// told to try again in 45 s, and the next try read every page again.
// Three minutes is two such waits; a longer ask still fails at once, with
// its wait in the error.
const pacedWaitBudget = 3 * time.Minute

// fitsDeadline reports whether waiting d leaves ctx alive. Deadlines are
// wall-clock times, so this asks the system clock, not c.clock.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// pace waits for an Admin API token on the client's clock, so tests with a
// fake clock never sleep. A wait that ctx cannot afford gives the token back.
func (c *Client) pace(ctx context.Context, cl call) error {
	if !cl.paced || c.adminPace == nil {
		return nil
	}
	now := c.clock.Now()
	r := c.adminPace.ReserveN(now, 1)
	if !r.OK() {
		return c.fail(cl, ErrRateLimited, 0, "", errors.New("admin pace cannot grant a request"))
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Sub(now) < d {
		r.CancelAt(now)
		return c.fail(cl, ErrUnavailable, 0, "", fmt.Errorf("pacing Admin API requests: %w", context.DeadlineExceeded))
	}
	select {
	case <-c.clock.After(d):
		return nil
	case <-ctx.Done():
		r.CancelAt(c.clock.Now())
		return c.fail(cl, ErrUnavailable, 0, "", ctx.Err())
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// result is the outcome of one attempt.
type result struct {
	body   []byte
	err    error // an *Error, or nil
	retry  bool
	status int
	code   string
	hint   time.Duration // the server's wait hint, if hinted
	hinted bool
}

func (c *Client) attempt(ctx context.Context, cl call, n int) (res result) {
	start := time.Now()
	defer func() {
		d := time.Since(start)
		if c.observe != nil {
			c.observe(RequestInfo{API: cl.api, Op: cl.op, Status: res.status, Duration: d, Attempt: n})
		}
		// The arguments are boxed before DebugContext can look at the
		// level: ask first, so that a quiet logger costs nothing.
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.DebugContext(ctx, "atlassian request", "api", cl.api, "op", cl.op, "path", cl.path(),
				"status", res.status, "attempt", n, "duration", d.Round(time.Microsecond).String())
		}
	}()

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	method, body := cl.method, io.Reader(nil)
	if method == "" {
		method = http.MethodGet
	}
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := newRequest(actx, method, cl.url, body)
	if err != nil {
		return result{err: c.fail(cl, ErrRejected, 0, "", errors.New("building the request"))}
	}
	// Canonical keys set directly: Header.Set would canonicalise each key
	// and allocate each value slice anew. The shared value slices are
	// never written through: net/http only reads them (a redirect copies
	// them), and an append by anyone else (Header.Add) reallocates, as
	// each has cap 1.
	h := req.Header
	h["Authorization"] = []string{cl.auth}
	h["Accept"] = jsonValue
	h["User-Agent"] = userAgentValue
	if cl.body != nil {
		h["Content-Type"] = jsonValue
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		e := c.fail(cl, ErrUnavailable, 0, "", transportCause(err)).(*Error)
		if e.Net = classifyNet(err); e.Net != "" {
			e.Host = cl.url.Host
		}
		return result{err: e, retry: transportRetryable(err)}
	}
	defer func() {
		// Drain a little so the connection can be reused, but never read a
		// huge body just to throw it away.
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}()
	res.status = resp.StatusCode

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if cl.api == Jira && servedAnonymously(resp.Header) {
			// Jira serves a request whose token it does not take (expired,
			// revoked) as an anonymous one and says so only here: its user
			// search's empty list means "you are nobody", not "nobody has
			// this address".
			res.err = c.fail(cl, ErrCredentials, res.status, "", errAnonymous)
			return res
		}
		if cl.write {
			// The change is made: its answer's body is not used, and one
			// that is too large, or cut short, must not turn it into a
			// failure that leaves the change unrecorded.
			return res
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
		if err != nil {
			res.err, res.retry = c.fail(cl, ErrUnavailable, res.status, "", fmt.Errorf("reading the answer: %w", transportCause(err))), true
			return res
		}
		if int64(len(body)) > c.maxBody {
			res.err = c.fail(cl, ErrBadResponse, res.status, "", fmt.Errorf("answer larger than %d bytes", c.maxBody))
			return res
		}
		res.body = body
		return res
	}

	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	eb := decodeErrorBody(raw)
	if codeHoldsSecret(eb.code, c.secrets) {
		// The code goes into Error.Code and Error(), and so into logs and
		// Slack replies, unscrubbed: one echoing a credential is dropped.
		eb.code = ""
	}
	res.code = eb.code
	cause := &upstreamError{status: res.status, message: summarize(eb.message, c.secrets)}
	switch s := resp.StatusCode; {
	case s == http.StatusBadRequest && cl.url.Scheme == "http" && plainToTLS(raw):
		// Not the API's answer: the server's TLS layer saying that an
		// http:// URL reached a TLS port. No request got through, so no
		// status of the API's; the URL is wrong for every call alike.
		e := c.fail(cl, ErrUnavailable, 0, "", errPlainToTLS).(*Error)
		e.Net, e.Host = NetTLS, cl.url.Host
		res.err = e
	case s == http.StatusTooManyRequests:
		res.hint, res.hinted = retryHint(resp.Header, c.clock.Now(), true)
		res.err, res.retry = c.fail(cl, ErrRateLimited, s, eb.code, cause), true
	case s >= 500:
		res.hint, res.hinted = retryHint(resp.Header, c.clock.Now(), false)
		res.err, res.retry = c.fail(cl, ErrUnavailable, s, eb.code, cause), true
	case s == http.StatusForbidden && cl.api == Admin && strings.HasPrefix(eb.code, "ADMIN-403"):
		res.err = c.fail(cl, ErrNotOrgAdmin, s, eb.code, cause)
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		res.err = c.fail(cl, ErrCredentials, s, eb.code, cause)
	case s == http.StatusConflict && seatLimitCode(eb.code):
		res.err = c.fail(cl, ErrSeatLimit, s, eb.code, cause)
	case s == http.StatusConflict:
		res.err = c.fail(cl, ErrConflict, s, eb.code, cause)
	case s == http.StatusNotFound && eb.code == "ADMIN-404-8":
		res.err = c.fail(cl, ErrNotFound, s, eb.code, cause)
	case s == http.StatusNotFound && cl.api == Admin && cl.orgScoped && !apiAnswer(raw):
		// A web page, not the API: the base URL is wrong (admin.atlassian.com
		// for api.atlassian.com), not the organisation ID.
		res.err = c.fail(cl, ErrBadResponse, s, "", errors.New("HTTP 404 with a page that is not the Admin API's answer"))
	case s == http.StatusNotFound && cl.api == Admin && (eb.code == "ADMIN-404-2" || cl.orgScoped):
		res.err = c.fail(cl, ErrOrgNotFound, s, eb.code, cause)
	case s >= 400:
		res.err = c.fail(cl, ErrRejected, s, eb.code, cause)
	case s >= 300 && s < 400 && cl.write:
		// A write is never redirected (sameHostRedirects), and the server
		// may have made the change before it redirected (303 "see other"):
		// read back, as after a lost answer.
		res.err = c.fail(cl, ErrWriteUnknown, s, "", errors.New("redirected; not followed"))
	case s >= 300 && s < 400 && req.Method != http.MethodGet:
		res.err = c.fail(cl, ErrBadResponse, s, "", errors.New("redirected; not followed"))
	case s >= 300 && s < 400 && sameHostLocation(resp):
		// sameHostRedirects stopped a chain of redirects on our own host:
		// a loop (a proxy's login page, say), not a host to look for.
		res.err = c.fail(cl, ErrBadResponse, s, "", errors.New("too many redirects; not followed"))
	case s >= 300 && s < 400:
		res.err = c.fail(cl, ErrBadResponse, s, "", errors.New("redirected to another host; not followed"))
	default:
		res.err = c.fail(cl, ErrBadResponse, s, "", errors.New("unexpected status"))
	}
	return res
}

// sameHostLocation reports whether resp's Location stays on the scheme and
// host of the request it answers, as sameHostRedirects allows.
func sameHostLocation(resp *http.Response) bool {
	loc, err := resp.Location()
	return err == nil && resp.Request != nil && resp.Request.URL != nil &&
		loc.Scheme == resp.Request.URL.Scheme && loc.Host == resp.Request.URL.Host
}

// errPlainToTLS is the cause of a TLS server's answer to plain HTTP.
var errPlainToTLS = errors.New("the server expects TLS (https), and answered the plain HTTP request with HTTP 400")

// plainToTLS reports whether a 400's body is a TLS server's answer to a
// plain HTTP request: Go's net/http, nginx and Apache httpd each write
// their own sentence, which is all that tells it from the API's 400.
func plainToTLS(raw []byte) bool {
	return bytes.Contains(raw, []byte("Client sent an HTTP request to an HTTPS server")) ||
		bytes.Contains(raw, []byte("The plain HTTP request was sent to HTTPS port")) ||
		bytes.Contains(raw, []byte("speaking plain HTTP to an SSL-enabled server port"))
}

// apiAnswer reports whether an error body can be the API's own: JSON, or
// nothing at all.
func apiAnswer(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || json.Valid(raw)
}

// Header values shared by every request; see attempt.
var (
	jsonValue      = []string{"application/json"}
	userAgentValue = []string{userAgent}
)

// newRequest is http.NewRequestWithContext(ctx, method, u.String(), body)
// without formatting u only for net/http to parse it again: the request is
// built for the empty URL (whose parse only allocates the empty *url.URL),
// and that *url.URL then becomes a copy of u. Everything else NewRequestWithContext sets (the
// method check, Proto, ContentLength and GetBody of a *bytes.Reader body,
// the context) is its own doing. Our URLs survive the String/Parse round
// trip unchanged: their hosts come from url.Parse, their paths are
// escaped by joinPath (RawPath set) and their queries by url.Values; and
// the one change NewRequestWithContext makes, dropping an empty port
// ("host:"), is made here too: that is all its removeEmptyPort does to a
// host ending in ":".
func newRequest(ctx context.Context, method string, u *url.URL, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, "", body)
	if err != nil {
		return nil, err
	}
	*req.URL = *u
	req.URL.Host = strings.TrimSuffix(u.Host, ":")
	req.Host = req.URL.Host
	return req, nil
}

// transportCause strips the *url.Error wrapper: its text holds the full URL,
// query string included.
func transportCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errAnonymous is the cause of a Jira answer served to an anonymous caller.
var errAnonymous = errors.New("Jira did not accept the credentials and answered as to an anonymous caller (X-Seraph-LoginReason)")

// servedAnonymously reports whether Jira says, in X-Seraph-LoginReason,
// that it refused the request's credentials (AUTHENTICATED_FAILED) or did
// not check them (AUTHENTICATION_DENIED: its CAPTCHA after failed logins).
func servedAnonymously(h http.Header) bool {
	for _, v := range h.Values("X-Seraph-LoginReason") {
		for r := range strings.SplitSeq(v, ",") {
			if r = strings.TrimSpace(r); strings.EqualFold(r, "AUTHENTICATED_FAILED") || strings.EqualFold(r, "AUTHENTICATION_DENIED") {
				return true
			}
		}
	}
	return false
}

package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Credentials the fake accepts. Anything else is refused the way Slack refuses it.
const (
	AppToken = "xapp-1-A0TEST-1-faketoken" // app-level token for apps.connections.open
	BotToken = "xoxb-0000-fake-bot-token"  // bot token for every other Web API method
)

// Identity of the fake workspace and app, as it appears in payloads and auth.test.
const (
	TeamID     = "T0TEST"
	TeamDomain = "fake"
	AppID      = "A0TEST"
	BotUserID  = "U0BOT"
	BotID      = "B0BOT"
)

// ErrClosed is returned by waits and deliveries once the server is closed.
var ErrClosed = errors.New("slacktest: server closed")

const (
	defaultPingInterval = 2 * time.Second
	defaultAckTimeout   = 3 * time.Second
	// writeWait bounds every socket write so a stuck client cannot hold a
	// connection's write lock (and with it Close) forever.
	writeWait = 10 * time.Second
)

// Option configures a Server.
type Option func(*options)

type options struct {
	pingInterval time.Duration
	ackTimeout   time.Duration
	logf         func(string, ...any)
}

// WithPingInterval sets how often the server pings each socket. It must stay
// below the client's ping interval (slack-go: 30 s), or the client's watchdog
// drops the connection. It panics if d is not positive.
func WithPingInterval(d time.Duration) Option {
	if d <= 0 {
		panic("slacktest: WithPingInterval needs a positive duration")
	}
	return func(o *options) { o.pingInterval = d }
}

// WithAckTimeout sets how long an envelope may wait for its ack before it is
// recorded as timed out, like Slack's 3 s. It panics if d is not positive.
func WithAckTimeout(d time.Duration) Option {
	if d <= 0 {
		panic("slacktest: WithAckTimeout needs a positive duration")
	}
	return func(o *options) { o.ackTimeout = d }
}

// WithLogf receives one line per notable event (connections, rejected
// requests). Tokens and tickets are never passed to it.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// Server is a fake Slack: Web API, Socket Mode WebSocket and response_url
// endpoints on one loopback httptest server. All methods are safe for
// concurrent use.
type Server struct {
	opts options
	srv  *httptest.Server

	// wg owns every goroutine the server starts itself (socket handlers
	// after hijacking, pingers); httptest only waits for plain requests.
	wg   sync.WaitGroup
	done chan struct{}

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool

	appTokenValid bool
	botTokenValid bool
	botScopes     string // X-OAuth-Scopes of bot-token answers; "" sends none
	pingsPaused   bool

	tickets map[string]bool // unused tickets
	opens   int
	hellos  int
	pongs   int
	conns   []*wsConn
	rr      int

	envelopes  map[string]*envelopeState
	replies    map[string][]Reply // accepted, by envelope ID
	attempts   map[string][]Reply // every post, by envelope ID
	allReplies []Reply
	failResp   struct {
		n, status int
		code      string
	}
	respChaos ResponseURLChaos // see SetResponseURLChaos
	hold      chan struct{}    // see HoldResponseURL
	held      int
	dropAns   int // see DropResponseURLAnswers
	cutAns    int // see CutResponseURLAnswers

	users    map[string]User
	cursors  map[string]int // users.list cursors handed out → index of the next member (users.go)
	calls    []Call
	failures map[string]*failure
	uploads  []*Upload
	// answerEarly, when above 0, makes the next upload answered "OK"
	// after that many bytes of its body (AnswerUploadEarly).
	answerEarly int
	uploadBase  string     // SetUploadBase
	homes       []HomeView // views.publish, in order (home.go)
	seq         int
}

// NewServer starts a fake Slack on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		opts:          options{pingInterval: defaultPingInterval, ackTimeout: defaultAckTimeout, logf: func(string, ...any) {}},
		done:          make(chan struct{}),
		changed:       make(chan struct{}),
		appTokenValid: true,
		botTokenValid: true,
		botScopes:     "commands,users:read,users:read.email,chat:write,im:write,files:write",
		tickets:       map[string]bool{},
		envelopes:     map[string]*envelopeState{},
		replies:       map[string][]Reply{},
		attempts:      map[string][]Reply{},
		users:         map[string]User{},
		cursors:       map[string]int{},
		failures:      map[string]*failure{},
	}
	for _, o := range opts {
		o(&s.opts)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/response/", s.handleResponse)
	mux.HandleFunc("/upload/", s.handleUpload)
	// Assign before starting: handlers read s.srv.URL.
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Start()
	return s
}

// URL is the server's base URL, http://127.0.0.1:port.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the Web API base for slack.OptionAPIURL. It ends in a slash
// because slack-go appends method names to it.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close disconnects every socket, stops every goroutine the server started
// and shuts the HTTP server down. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := s.conns
	s.conns = nil
	for _, e := range s.envelopes {
		if e.timer != nil {
			e.timer.Stop()
		}
	}
	s.broadcastLocked()
	s.mu.Unlock()

	for _, c := range conns {
		c.ws.Close()
	}
	s.wg.Wait()
	s.srv.Close()
}

// SetAppTokenValid makes apps.connections.open refuse even the right app
// token with invalid_auth (false), as after the token is revoked.
func (s *Server) SetAppTokenValid(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appTokenValid = ok
}

// SetBotScopes sets the bot token's scopes, which every answer to a
// bot-token call names in X-OAuth-Scopes as Slack's do (by default those of
// deploy/slack-app-manifest.yaml); none: the header is not sent.
func (s *Server) SetBotScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botScopes = strings.Join(scopes, ",")
}

// SetBotTokenValid makes every bot-token method refuse even the right token
// with invalid_auth (false).
func (s *Server) SetBotTokenValid(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botTokenValid = ok
}

// Wait blocks until cond returns true, ctx is done or the server is closed.
// cond is called without the server's lock held, so it may call any method
// of s; it is re-evaluated after every change of the server's state.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		// Taking the channel before evaluating cond means no change can slip
		// between the check and the select.
		if cond() {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// broadcastLocked wakes every Wait. s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextIDLocked returns a short unique suffix; s.mu must be held.
func (s *Server) nextIDLocked() int {
	s.seq++
	return s.seq
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// bearer returns the token of an "Authorization: Bearer …" header, if any.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) >= len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):]), true
	}
	return "", false
}

func (s *Server) logf(format string, args ...any) {
	s.opts.logf("slacktest: "+format, args...)
}

// ErrNoConnection is returned for an envelope sent while no Socket Mode
// connection is open: Slack would answer the person "dispatch_failed".
var ErrNoConnection = errorf("no open Socket Mode connection")

func errorf(format string, args ...any) error {
	return fmt.Errorf("slacktest: "+format, args...)
}

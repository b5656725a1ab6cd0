package atlassian

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const okPage = `{"data":{"product_access":[]}}`

func TestRetryAfterThenSuccess(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r, "Bearer "+testAPIKey)
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":429,"message":"Too many requests"}`)
			return
		}
		fmt.Fprint(w, okPage)
	})
	var infos []RequestInfo // the observer runs on the caller's goroutine
	c, clk := newTestClient(t, srv.URL, WithObserver(func(ri RequestInfo) { infos = append(infos, ri) }))
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, clk.Waits()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	for i := range infos {
		infos[i].Duration = 0 // real time, not ours to check
	}
	op := "read last active dates"
	want := []RequestInfo{{API: Admin, Op: op, Status: 429, Attempt: 1}, {API: Admin, Op: op, Status: 200, Attempt: 2}}
	if diff := cmp.Diff(want, infos); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

func TestPersistent500GivesUp(t *testing.T) {
	t.Parallel()
	body := fixture(t, "schema-derived/admin-error.500.ADMIN-500-1.json")
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(body)
	})
	p := RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 150 * time.Millisecond}
	c, clk := newTestClient(t, srv.URL, WithRetry(p))
	_, err := c.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Errorf("err = %q, want it to say how many attempts", err)
	}
	var last *upstreamError
	if !errors.As(err, &last) || last.status != 500 || !strings.Contains(last.message, "Internal error") {
		t.Errorf("err = %v does not wrap the last upstream answer", err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("server saw %d requests, want 3", got)
	}
	waits := clk.Waits()
	if len(waits) != 2 {
		t.Fatalf("waits = %v, want 2", waits)
	}
	// Equal jitter: attempt 1 waits in [50ms,100ms], attempt 2 in [75ms,150ms] (capped).
	if waits[0] < 50*time.Millisecond || waits[0] > 100*time.Millisecond ||
		waits[1] < 75*time.Millisecond || waits[1] > 150*time.Millisecond {
		t.Errorf("waits = %v outside the backoff bounds", waits)
	}
}

func TestTransportErrorRetried(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			// Drop the connection mid-answer, as a crashing proxy would.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		fmt.Fprint(w, okPage)
	})
	c, clk := newTestClient(t, srv.URL)
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if got := len(clk.Waits()); got != 2 {
		t.Errorf("%d waits, want 2", got)
	}

	// And when it never recovers: ErrUnavailable, no status, the cause kept.
	calls.Store(-100)
	var infos []RequestInfo
	c2, _ := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxAttempts: 2}),
		WithObserver(func(ri RequestInfo) { infos = append(infos, ri) }))
	_, err := c2.LastActive(context.Background(), testAccountID)
	if !errors.Is(err, ErrUnavailable) || asError(t, err).Status != 0 || errors.Unwrap(errors.Unwrap(err)) == nil {
		t.Fatalf("err = %v, want ErrUnavailable wrapping the transport error", err)
	}
	if len(infos) != 2 || infos[0].Status != 0 || infos[1].Attempt != 2 {
		t.Errorf("observed %+v, want two attempts with status 0", infos)
	}
}

// TestCancelDuringBackoff: the wait never ends by itself, so only the
// cancellation can end the call.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := newFakeClock()
	clk.block = func(time.Duration) <-chan time.Time {
		cancel()
		return nil // never fires
	}
	c, _ := newTestClient(t, srv.URL, WithClock(clk))
	_, err := c.LastActive(ctx, testAccountID)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(clk.Waits()) != 1 {
		t.Errorf("waits = %v, want exactly one", clk.Waits())
	}
}

func TestRateLimitBeyondBudget(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, clk := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxWait: 30 * time.Second}))
	_, err := c.FindAccount(context.Background(), "ada@example.com")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	e := asError(t, err)
	if e.RetryAfter != 120*time.Second || e.API != Jira || e.Status != 429 {
		t.Errorf("error = %+v, want Jira 429 with RetryAfter 2m", e)
	}
	if calls.Load() != 1 || len(clk.Waits()) != 0 {
		t.Errorf("%d requests, waits %v: want one request and no wait", calls.Load(), clk.Waits())
	}
}

func TestRateLimitResetHeader(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	clk := newFakeClock()
	reset := clk.Now().Add(5 * time.Second).Format(time.RFC3339)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-RateLimit-Reset", reset)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, okPage)
	})
	c, _ := newTestClient(t, srv.URL, WithClock(clk))
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{5 * time.Second}, clk.Waits()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestRetryHint(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		header      map[string]string
		rateLimited bool
		want        time.Duration
		wantOK      bool
	}{
		{"none", nil, true, 0, false},
		{"seconds", map[string]string{"Retry-After": "7"}, true, 7 * time.Second, true},
		{"zero seconds", map[string]string{"Retry-After": "0"}, true, 0, true},
		{"http date", map[string]string{"Retry-After": "Thu, 26 Nov 2026 12:00:30 GMT"}, true, 30 * time.Second, true},
		{"http date in the past", map[string]string{"Retry-After": "Thu, 26 Nov 2026 11:00:00 GMT"}, true, 0, true},
		{"huge", map[string]string{"Retry-After": "99999999999999999"}, true, maxHint, true},
		{"negative", map[string]string{"Retry-After": "-5"}, true, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, true, 0, false},
		{"reset rfc3339", map[string]string{"X-RateLimit-Reset": "2026-11-26T12:01:00Z"}, true, time.Minute, true},
		{"reset jira minutes", map[string]string{"X-RateLimit-Reset": "2026-11-26T12:02Z"}, true, 2 * time.Minute, true},
		{"reset ignored on 5xx", map[string]string{"X-RateLimit-Reset": "2026-11-26T12:02Z"}, false, 0, false},
		{"retry-after wins", map[string]string{"Retry-After": "3", "X-RateLimit-Reset": "2026-11-26T12:02Z"}, true, 3 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := retryHint(h, now, tt.rateLimited)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("retryHint = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	p, err := RetryPolicy{BaseDelay: time.Second, MaxDelay: 4 * time.Second}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for n, ceil := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 4 * time.Second, 60: 4 * time.Second} {
		for range 50 {
			if d := p.backoff(n); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, ceil/2, ceil)
			}
		}
	}
}

// TestRateLimitBeyondTheDeadline: a 429 whose Retry-After is longer than
// the caller has left is not waited out only to end in a deadline error:
// the call fails at once as rate limited, carrying the wait, so a lookup
// (30 s for its whole chain) says "rate limited, try again in 20 s"
// instead of holding its askers until "took too long".
func TestRateLimitBeyondTheDeadline(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{"product_access":[]},"links":{}}`))
	})
	c, clk := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxWait: 30 * time.Second}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.LastActive(ctx, testAccountID)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited at once", err)
	}
	if e := asError(t, err); e.RetryAfter != 20*time.Second {
		t.Errorf("RetryAfter = %v, want 20s", e.RetryAfter)
	}
	if calls.Load() != 1 || len(clk.Waits()) != 0 {
		t.Errorf("%d requests, waits %v: want one request and no wait past the deadline", calls.Load(), clk.Waits())
	}
}

// TestUnknownHostIsNotRetried: a name the DNS says does not exist
// (NXDOMAIN) will not exist a few seconds later, so the call fails at once
// rather than after four attempts and about 3 s of waiting (what `report`
// did); a DNS server failing for now is still retried.
func TestUnknownHostIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		dnsErr    net.DNSError
		wantDials int32
	}{
		{"no such host", net.DNSError{Err: "no such host", Name: "no-such-host.example", IsNotFound: true}, 1},
		{"server misbehaving", net.DNSError{Err: "server misbehaving", Name: "no-such-host.example", IsTemporary: true}, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var dials atomic.Int32
			hc := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
				dials.Add(1)
				e := tt.dnsErr
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &e}
			}}}
			c, clk := newTestClient(t, "http://no-such-host.example:8080", WithHTTPClient(hc))
			_, err := c.LastActive(context.Background(), testAccountID)
			if e := asError(t, err); e.Net != NetDNS || e.Kind != ErrUnavailable {
				t.Fatalf("err = %v (Net %q), want ErrUnavailable of NetDNS", err, e.Net)
			}
			if got := dials.Load(); got != tt.wantDials {
				t.Errorf("%d dials (waits %v), want %d", got, clk.Waits(), tt.wantDials)
			}
		})
	}
}

// TestCertificateFailureIsNotRetried: a certificate the client will not
// accept (signed by an authority it does not know, for another name,
// expired) is the same certificate a few seconds later, so the call fails
// at once as NetTLS rather than after four handshakes and about 3 s of
// waiting, as a host the DNS does not know does.
func TestCertificateFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// client is the TLS configuration the client dials with, given the
		// pool that trusts the test server's certificate.
		client func(trusted *tls.Config) *tls.Config
		host   func(addr string) string // the host:port the client asks for
		cause  string                   // TLSCause
	}{
		{"unknown authority", func(*tls.Config) *tls.Config { return &tls.Config{} }, nil, "the certificate is signed by an authority this machine does not trust"},
		{"hostname mismatch", func(tr *tls.Config) *tls.Config { return tr.Clone() }, func(addr string) string {
			_, port, _ := net.SplitHostPort(addr)
			return "localhost:" + port // the certificate names 127.0.0.1 and example.com
		}, "the certificate is for another host name"},
		{"expired", func(tr *tls.Config) *tls.Config {
			c := tr.Clone()
			c.Time = func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }
			return c
		}, nil, "the certificate has expired or is not valid yet"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hellos atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, okPage)
			}))
			srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				hellos.Add(1)
				return nil, nil
			}}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // each refused handshake is logged
			srv.StartTLS()
			t.Cleanup(srv.Close)
			addr := strings.TrimPrefix(srv.URL, "https://")
			if tt.host != nil {
				addr = tt.host(addr)
			}
			trusted := srv.Client().Transport.(*http.Transport).TLSClientConfig
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tt.client(trusted)}}
			c, clk := newTestClient(t, "https://"+addr, WithHTTPClient(hc))
			_, err := c.LastActive(context.Background(), testAccountID)
			if e := asError(t, err); e.Net != NetTLS || e.Kind != ErrUnavailable {
				t.Fatalf("err = %v (Net %q), want ErrUnavailable of NetTLS", err, e.Net)
			}
			if got := hellos.Load(); got != 1 {
				t.Errorf("%d handshakes (waits %v), want 1", got, clk.Waits())
			}
			if got := TLSCause(err); got != tt.cause {
				t.Errorf("TLSCause = %q, want %q", got, tt.cause)
			}
		})
	}
}

// countingListener counts the connections a test server accepts: one per
// attempt, whatever the server then does with it.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// TestTLSRefusalIsNotRetried: a server that will not speak TLS with the
// client (plain HTTP behind an https:// URL, TLS behind an http:// one, no
// protocol version or cipher suite in common, a client certificate
// demanded) refuses the next attempt the same way, so the call fails at
// once as NetTLS naming the host, as a refused certificate does
// (TestCertificateFailureIsNotRetried), rather than after four connections
// and about 3 s as a "connection failed". A server that closes the
// connection during the handshake may be restarting: that is still
// retried.
func TestTLSRefusalIsNotRetried(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, okPage) })
	// tlsServer starts an https server trusted by the client it returns,
	// the two configured by server and client.
	tlsServer := func(t *testing.T, n *atomic.Int32, server, client func(*tls.Config)) (string, *http.Client) {
		srv := httptest.NewUnstartedServer(handler)
		srv.Listener = countingListener{srv.Listener, n}
		srv.TLS = &tls.Config{}
		if server != nil {
			server(srv.TLS)
		}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // each refused handshake is logged
		srv.StartTLS()
		t.Cleanup(srv.Close)
		cc := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		if client != nil {
			client(cc)
		}
		return srv.URL, &http.Client{Transport: &http.Transport{TLSClientConfig: cc}}
	}
	// rawServer accepts connections and gives each to serve, which the
	// test checks what it receives with.
	rawServer := func(t *testing.T, n *atomic.Int32, serve func(t *testing.T, c net.Conn)) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { // owned by ln: Accept fails once the cleanup closes it
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				serve(t, c)
				c.Close()
			}
		}()
		t.Cleanup(func() { ln.Close(); <-done })
		return ln.Addr().String()
	}
	for _, tt := range []struct {
		name      string
		start     func(t *testing.T, n *atomic.Int32) (string, *http.Client)
		wantNet   Net
		wantConns int32
		wantCause string // TLSCause
	}{
		{"plain HTTP behind https", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			srv := httptest.NewUnstartedServer(handler)
			srv.Listener = countingListener{srv.Listener, n}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.Start()
			t.Cleanup(srv.Close)
			return "https://" + strings.TrimPrefix(srv.URL, "http://"), nil
		}, NetTLS, 1, "the server does not speak TLS (plain HTTP?)"},
		{"Go TLS server behind http", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			// net/http's TLS server answers a plain request with a 400 of
			// its own, which is not the API refusing anything.
			u, _ := tlsServer(t, n, nil, nil)
			return "http://" + strings.TrimPrefix(u, "https://"), nil
		}, NetTLS, 1, "the server speaks TLS: the URL should be https://"},
		{"TLS alert behind http", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			// Other TLS servers answer a plain request with a fatal alert
			// record (here protocol_version), which HTTP reads as garbage.
			return "http://" + rawServer(t, n, func(t *testing.T, c net.Conn) {
				line, _ := bufio.NewReader(c).ReadString('\n')
				if !strings.HasPrefix(line, "GET /admin/") {
					t.Errorf("server read %q, want a plain HTTP request", line)
				}
				c.Write([]byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46})
			}), nil
		}, NetTLS, 1, "the server speaks TLS: the URL should be https://"},
		{"no common protocol version", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			return tlsServer(t, n, func(s *tls.Config) { s.MinVersion = tls.VersionTLS13 },
				func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 })
		}, NetTLS, 1, "no TLS version in common"},
		{"no common cipher suite", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			return tlsServer(t, n, func(s *tls.Config) {
				s.MaxVersion = tls.VersionTLS12
				s.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}
			}, func(c *tls.Config) { c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256} })
		}, NetTLS, 1, "the server refused the handshake (no cipher suite in common, or it wants a client certificate)"},
		{"client certificate demanded, TLS 1.2", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			return tlsServer(t, n, func(s *tls.Config) {
				s.ClientAuth = tls.RequireAnyClientCert
				s.MaxVersion = tls.VersionTLS12
			}, nil)
		}, NetTLS, 1, "the server refused the handshake (no cipher suite in common, or it wants a client certificate)"},
		{"client certificate demanded, TLS 1.3", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			// The client's handshake is over before the server refuses:
			// the alert comes with the answer.
			return tlsServer(t, n, func(s *tls.Config) { s.ClientAuth = tls.RequireAnyClientCert }, nil)
		}, NetTLS, 1, "the server demands a client certificate"},
		{"closed during the handshake", func(t *testing.T, n *atomic.Int32) (string, *http.Client) {
			return "https://" + rawServer(t, n, func(t *testing.T, c net.Conn) {
				var hello [5]byte
				if _, err := io.ReadFull(c, hello[:]); err != nil || hello[0] != 0x16 {
					t.Errorf("server read % x (%v), want a TLS handshake record", hello, err)
				}
			}), nil
		}, NetOther, 4, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int32
			base, hc := tt.start(t, &conns)
			opts := []Option{}
			if hc != nil {
				opts = append(opts, WithHTTPClient(hc))
			}
			c, clk := newTestClient(t, base, opts...)
			_, err := c.LastActive(context.Background(), testAccountID)
			e := asError(t, err)
			if host := base[strings.Index(base, "//")+2:]; e.Net != tt.wantNet || e.Kind != ErrUnavailable || e.Host != host {
				t.Errorf("err = %v (Net %q, Host %q), want ErrUnavailable of %q at %s", err, e.Net, e.Host, tt.wantNet, host)
			}
			if got := conns.Load(); got != tt.wantConns {
				t.Errorf("%d connections (waits %v), want %d", got, clk.Waits(), tt.wantConns)
			}
			if got := TLSCause(err); got != tt.wantCause {
				t.Errorf("TLSCause = %q, want %q", got, tt.wantCause)
			}
		})
	}
}

// TestPlainRequestToATLSPort: the 400 a TLS server writes for a plain
// HTTP request is told from the API's own 400 by its sentence, for the
// servers that front APIs: Go's net/http, nginx, Apache httpd. It is said
// as the TLS failure at the host, not as the API refusing the request
// (which the Slack reply and check pin on the organisation ID); an API's
// 400, and the same page over https, stay refusals.
func TestPlainRequestToATLSPort(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, scheme, body string
		wantNet            Net
	}{
		{"Go", "http", "Client sent an HTTP request to an HTTPS server.\n", NetTLS},
		{"nginx", "http", "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n</body>\r\n</html>\r\n", NetTLS},
		{"Apache", "http", "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>400 Bad Request</title>\n</head><body>\n<h1>Bad Request</h1>\n<p>Your browser sent a request that this server could not understand.<br />\nReason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n Instead use the HTTPS scheme to access this URL, please.<br />\n</p>\n</body></html>\n", NetTLS},
		{"the API's 400", "http", `{"code":400,"message":"Invalid request"}`, ""},
		{"over https", "https", "Client sent an HTTP request to an HTTPS server.\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, tt.body)
			})
			srv := httptest.NewUnstartedServer(h)
			hc := http.DefaultClient
			if tt.scheme == "https" {
				srv.StartTLS()
				hc = srv.Client()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			c, _ := newTestClient(t, srv.URL, WithHTTPClient(hc))
			_, err := c.LastActive(context.Background(), testAccountID)
			e := asError(t, err)
			if e.Net != tt.wantNet {
				t.Errorf("err = %v (Net %q), want Net %q", err, e.Net, tt.wantNet)
			}
			if want := map[Net]Kind{NetTLS: ErrUnavailable, "": ErrRejected}[tt.wantNet]; e.Kind != want {
				t.Errorf("err = %v, want %s", err, want)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if want := map[Net]string{NetTLS: "the server speaks TLS: the URL should be https://"}[tt.wantNet]; TLSCause(err) != want {
				t.Errorf("TLSCause = %q, want %q", TLSCause(err), want)
			}
		})
	}
}

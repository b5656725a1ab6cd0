package atlassiantest

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// Unreachable is an upstream that cannot be talked to, in each of the ways
// a network fails, all on loopback: a port that refuses, a server that
// accepts and never answers, a TLS server whose certificate no client
// trusts, servers that speak no TLS a client would (plain HTTP behind
// https, TLS behind http, only old protocol versions or cipher suites),
// and a client whose DNS server refuses every query. The TLS servers
// refuse before any request reaches them: their handlers fail the test.
type Unreachable struct {
	Refused string       // host:port where nothing listens
	Silent  string       // host:port that accepts connections and never answers
	TLSURL  string       // https URL with an untrusted certificate
	NoDNS   *http.Client // resolves no name (its DNS server is a refused port)

	PlainURL     string // https URL of a server that speaks plain HTTP
	HTTPToTLSURL string // http URL of a Go TLS server (it answers a 400 of its own)
	OldTLSURL    string // https URL of a server offering TLS 1.0 and 1.1 only
	OldCipherURL string // https URL of a TLS 1.2 server offering only 3DES, which clients no longer offer
}

// NewUnreachable sets them up for t; t's cleanup closes everything.
func NewUnreachable(t testing.TB) Unreachable {
	t.Helper()
	refused := RefusedAddr(t)

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() { // owned by silent: Accept fails once it is closed
		defer close(accepted)
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		silent.Close()
		for c := range accepted {
			c.Close()
		}
	})

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)

	plain := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("plain HTTP server got a request %s %s: it should have come over TLS", r.Method, r.URL.Path)
	}))
	plain.Config.ErrorLog = log.New(io.Discard, "", 0)
	plain.Start()
	t.Cleanup(plain.Close)
	// refusing is a TLS server whose handshake fails, so its handler
	// never runs; its log would show each refused handshake.
	refusing := func(cfg *tls.Config) *httptest.Server {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("TLS server got a request %s %s it should have refused", r.Method, r.URL.Path)
		}))
		srv.TLS = cfg
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv
	}
	httpToTLS := refusing(&tls.Config{})
	oldTLS := refusing(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	oldCipher := refusing(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}})

	noDNS := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Resolver: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", refused)
		},
	}}).DialContext, TLSClientConfig: &tls.Config{}}}
	return Unreachable{Refused: refused, Silent: silent.Addr().String(), TLSURL: tlsSrv.URL, NoDNS: noDNS,
		PlainURL:     "https://" + strings.TrimPrefix(plain.URL, "http://"),
		HTTPToTLSURL: "http://" + strings.TrimPrefix(httpToTLS.URL, "https://"),
		OldTLSURL:    oldTLS.URL, OldCipherURL: oldCipher.URL}
}

// DialBlackhole returns a client whose connections never complete, as
// behind a firewall that drops packets: each dial waits for its context
// and fails as a dial timeout, without touching the network.
func DialBlackhole() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
	}}}
}

package atlassiantest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// Unreachable is an upstream that cannot be talked to, in each of the ways
// a network fails, all on loopback: a port that refuses, a server that
// accepts and never answers, a TLS server whose certificate no client
// trusts, and a client whose DNS server refuses every query.
type Unreachable struct {
	Refused string       // host:port where nothing listens
	Silent  string       // host:port that accepts connections and never answers
	TLSURL  string       // https URL with an untrusted certificate
	NoDNS   *http.Client // resolves no name (its DNS server is a refused port)
}

// NewUnreachable sets them up for t; t's cleanup closes everything.
func NewUnreachable(t testing.TB) Unreachable {
	t.Helper()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()

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

	noDNS := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Resolver: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", refused)
		},
	}}).DialContext, TLSClientConfig: &tls.Config{}}}
	return Unreachable{Refused: refused, Silent: silent.Addr().String(), TLSURL: tlsSrv.URL, NoDNS: noDNS}
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

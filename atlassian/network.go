package atlassian

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"syscall"
)

// classifyNet names a transport failure. "" means none of them: the caller
// cancelled, which is not the network's fault.
func classifyNet(err error) Net {
	var (
		dnsErr    *net.DNSError
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
		alert     tls.AlertError
		netErr    net.Error
	)
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return ""
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return NetTimeout
		}
		return NetDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return NetRefused
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &alert):
		return NetTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return timeoutKind(err)
	}
	return NetOther
}

// timeoutKind tells a connection that was never made in time (NetTimeout:
// a firewall dropping packets, a host that is down) from one made and then
// left without an answer (NetNoAnswer: the server or a proxy is stuck); an
// admin fixes them in different places. Only a client made by
// TraceConnections knows which: without it, a timeout is NetTimeout.
func timeoutKind(err error) Net {
	var c *connectedError
	if errors.As(err, &c) {
		return NetNoAnswer
	}
	return NetTimeout
}

// TimeoutKind is timeoutKind for other clients' errors (slack-go's, through
// a client made by TraceConnections), named the same way.
func TimeoutKind(err error) Net { return timeoutKind(err) }

// TraceConnections returns a copy of hc whose failed requests say whether
// a connection had been made (see timeoutKind). The Client uses one; give
// one to other clients whose failures are worded the same way.
func TraceConnections(hc *http.Client) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if _, ok := next.(connTracer); ok {
		c := *hc
		return &c
	}
	c := *hc
	c.Transport = connTracer{next: next}
	return &c
}

// connTracer marks a round trip's error with connectedError when a
// connection was made for it.
type connTracer struct{ next http.RoundTripper }

func (t connTracer) RoundTrip(req *http.Request) (*http.Response, error) {
	var got atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Store(true) }}
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil && got.Load() {
		err = &connectedError{err}
	}
	return resp, err
}

// CloseIdleConnections passes through, so that the client's
// CloseIdleConnections reaches the transport.
func (t connTracer) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// connectedError is a failure after a connection was made.
type connectedError struct{ err error }

func (e *connectedError) Error() string { return e.err.Error() }
func (e *connectedError) Unwrap() error { return e.err }

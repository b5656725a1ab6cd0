package atlassian

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
)

// classifyNet names a transport failure. "" means none of them: the caller
// cancelled, which is not the network's fault.
func classifyNet(err error) Net {
	var (
		dnsErr *net.DNSError
		netErr net.Error
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
	case TLSRefused(err):
		return NetTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return timeoutKind(err)
	}
	return NetOther
}

// TLSRefused reports whether err, a request's transport failure (of this
// client or of another, slack-go's say), is the two ends failing to speak
// TLS together in a way the next attempt meets again: a certificate the
// client refuses (unknown authority, another name, expired); a server that
// is not TLS at all (plain HTTP behind an https:// URL, or any other
// bytes); TLS behind an http:// URL, whose alert HTTP reads as garbage; or
// a server refusing the handshake with an alert that says why (no common
// protocol version or cipher suite, a client certificate demanded). A
// connection closed or reset during the handshake, or an alert that says
// only the server failed (internal_error), is not: it may heal.
func TLSRefused(err error) bool { return TLSCause(err) != "" }

// TLSCause says in a few words of our own (no upstream text) which TLS
// refusal err is (see TLSRefused), for the admin who fixes it; "" when err
// is not one.
func TLSCause(err error) string {
	var (
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
		alert     tls.AlertError
		opErr     *net.OpError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &unknownCA):
		return "the certificate is signed by an authority this machine does not trust"
	case errors.As(err, &hostErr):
		return "the certificate is for another host name"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the certificate has expired or is not valid yet"
	case errors.As(err, &invalid), errors.As(err, &certErr):
		return "the certificate is not valid for this use"
	case errors.Is(err, http.ErrSchemeMismatch), errors.As(err, &recordErr):
		// net/http turns the record error of a server that answered the
		// ClientHello in plain HTTP into ErrSchemeMismatch.
		return "the server does not speak TLS (plain HTTP?)"
	case errors.Is(err, errPlainToTLS):
		return tlsBehindHTTP
	case errors.As(err, &alert):
		return refusingAlerts[alert.Error()]
	case errors.As(err, &opErr) && opErr.Op == "remote error" && opErr.Err != nil:
		// crypto/tls reports an alert received over TCP this way, with an
		// unexported alert type whose text is tls.AlertError's.
		return refusingAlerts[opErr.Err.Error()]
	case strings.Contains(err.Error(), `malformed HTTP response "\x15\x03`):
		// A TLS server reached by http:// answers the request with a
		// fatal alert record (type 0x15, version 3.x), which net/http
		// reads as a status line and quotes, untyped, in its error: its
		// text is all there is to go by.
		return tlsBehindHTTP
	}
	return ""
}

// tlsBehindHTTP is the cause of a TLS server reached by an http:// URL.
const tlsBehindHTTP = "the server speaks TLS: the URL should be https://"

// refusingAlerts are the texts of the TLS alerts that refuse the
// handshake for a reason of configuration, which the next attempt meets
// again (RFC 8446 §6.2 and RFC 5246 §7.2.2), with the cause each names.
var refusingAlerts = func() map[string]string {
	const (
		refused    = "the server refused the handshake"
		noCipher   = "the server refused the handshake (no cipher suite in common, or it wants a client certificate)"
		clientCert = "the server demands a client certificate"
	)
	m := map[string]string{}
	for a, cause := range map[tls.AlertError]string{
		// handshake_failure: no cipher suite or other parameter in
		// common; TLS 1.2 servers also refuse a missing client
		// certificate so.
		40:  noCipher,
		42:  clientCert,                                                // bad_certificate: the client sends none
		43:  refused,                                                   // unsupported_certificate
		44:  refused,                                                   // certificate_revoked
		45:  refused,                                                   // certificate_expired
		46:  refused,                                                   // certificate_unknown
		48:  refused,                                                   // unknown_ca
		49:  refused,                                                   // access_denied
		70:  "no TLS version in common",                                // protocol_version
		71:  noCipher,                                                  // insufficient_security
		112: "the server does not serve the host name asked for (SNI)", // unrecognized_name
		116: clientCert,                                                // certificate_required
		120: "no application protocol in common",                       // no_application_protocol
	} {
		m[a.Error()] = cause
	}
	return m
}()

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

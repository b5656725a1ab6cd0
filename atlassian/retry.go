package atlassian

import (
	"errors"
	"net"
	"net/http"
	"time"

	"lastactive/internal/backoff"
)

// RetryPolicy bounds the retries of one call. Only answers that are safe and
// useful to repeat are retried: 429, 5xx and transport failures of GETs and
// read-only searches. The waits follow lastactive/internal/backoff, the one
// retry policy of the program's outbound calls.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 turns retries off. Default 4.
	MaxAttempts int
	// MaxWait caps the total time spent waiting between attempts; a server
	// asking for longer gets an immediate ErrRateLimited carrying its
	// RetryAfter instead. Default 30s.
	MaxWait time.Duration
	// BaseDelay and MaxDelay shape the exponential backoff used when the
	// server gives no hint. Defaults 500ms and 8s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// policy is p as a backoff.Policy.
func (p RetryPolicy) policy() backoff.Policy {
	return backoff.Policy{Base: p.BaseDelay, Max: p.MaxDelay, Attempts: p.MaxAttempts, Budget: p.MaxWait}
}

func (p RetryPolicy) withDefaults() (RetryPolicy, error) {
	bp, err := p.policy().WithDefaults()
	if err != nil {
		return p, err
	}
	return RetryPolicy{MaxAttempts: bp.Attempts, MaxWait: bp.Budget, BaseDelay: bp.Base, MaxDelay: bp.Max}, nil
}

// backoff returns the wait after failed attempt n (1-based): doubling from
// BaseDelay up to MaxDelay, with "equal jitter" (half fixed, half random) so
// that callers failing together do not retry together.
func (p RetryPolicy) backoff(n int) time.Duration { return p.policy().Delay(n, nil) }

// maxHint caps what we believe of a server's wait hint.
const maxHint = backoff.MaxHint

// retryHint reads how long the server asks us to wait: Retry-After (delay
// seconds or an HTTP date) first, then, for a 429, X-RateLimit-Reset (an
// ISO-8601 instant, as Jira and the Admin API send it). The reset header is
// ignored on other statuses because it describes the quota, not the outage.
// ok is false when no header gives a usable value.
func retryHint(h http.Header, now time.Time, rateLimited bool) (d time.Duration, ok bool) {
	if rateLimited {
		return backoff.RetryAfter(h, now)
	}
	return backoff.RetryAfterHeader(h, now)
}

// transportRetryable is whether a request that got no answer is worth
// another attempt: not when the DNS says the host does not exist (NXDOMAIN),
// nor when the two ends cannot speak TLS together (TLSRefused: a refused
// certificate, a server that is not TLS, no protocol or cipher in common),
// which a few seconds will not change; a DNS server failing for now, a
// refused or dropped connection may heal.
func transportRetryable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	return !TLSRefused(err)
}

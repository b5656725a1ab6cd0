package bot

import (
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/atlassian"
)

// Metrics are what operators watch. Every method is safe on a nil *Metrics,
// so tests and the CLI can run without a registry.
type Metrics struct {
	commands        *prometheus.CounterVec
	lookups         *prometheus.CounterVec
	upstream        *prometheus.CounterVec
	upstreamLatency *prometheus.HistogramVec
	replyLatency    prometheus.Histogram
	ackLatency      prometheus.Histogram
	inFlight        prometheus.Gauge
	reconnects      prometheus.Counter
	connected       prometheus.Gauge
	replyFailures   prometheus.Counter
	replyLost       prometheus.Counter
	resolver        *prometheus.CounterVec
	slackFailures   *prometheus.CounterVec
	unreadable      *prometheus.CounterVec
	caches          *cacheCollector
}

// NewMetrics registers the bot's series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_commands_total", Help: "Commands and clicks handled, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_lookups_total", Help: "Person lookups, by outcome and whether the cache answered.",
		}, []string{"outcome", "cache"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_upstream_requests_total", Help: "HTTP requests to Atlassian, by API and status (0 = transport error; a code net/http does not name, by its class: 7xx).",
		}, []string{"api", "status"}),
		upstreamLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lastactive_upstream_request_duration_seconds", Help: "Latency of requests to Atlassian, by API.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"api"}),
		replyLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lastactive_reply_duration_seconds", Help: "Time from envelope received to reply posted.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lastactive_ack_duration_seconds", Help: "Time from an envelope's frame read to its ack written.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16),
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lastactive_lookups_in_flight", Help: "Commands being answered right now.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lastactive_socketmode_reconnects_total", Help: "Socket Mode connections opened after each socket's first.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lastactive_socketmode_connected", Help: "Socket Mode connections open now (the bot keeps two).",
		}),
		replyFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lastactive_reply_failures_total", Help: "Replies that could not be posted to Slack.",
		}),
		replyLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lastactive_reply_unconfirmed_total", Help: "Replies sent whole whose answer from Slack was lost: not posted again, so shown once or not at all.",
		}),
		resolver: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_resolver_total", Help: "Accounts found by email, by the search that found them (jira, or the Admin API's exact-email search).",
		}, []string{"via"}),
		slackFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_slack_api_failures_total", Help: "Slack Web API calls that failed after their retries, by method and kind (token_rejected, rate_limited, unavailable, missing_scope, refused).",
		}, []string{"method", "kind"}),
		unreadable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_socketmode_unreadable_total", Help: "Socket Mode envelopes acked but not decoded, by what they are (slash_commands, block_actions, message_action, shortcut, view_submission, interactive, app_home_opened, events_api, other).",
		}, []string{"type"}),
		caches: newCacheCollector(),
	}
	if reg != nil {
		reg.MustRegister(m.commands, m.lookups, m.upstream, m.upstreamLatency, m.replyLatency,
			m.ackLatency, m.inFlight, m.reconnects, m.connected, m.replyFailures, m.replyLost, m.resolver, m.slackFailures, m.unreadable, m.caches)
	}
	return m
}

// Command counts one handled command or click.
func (m *Metrics) Command(kind, outcome string) {
	if m != nil {
		m.commands.WithLabelValues(kind, outcome).Inc()
	}
}

// Lookup counts one person lookup.
func (m *Metrics) Lookup(outcome string, cacheHit bool) {
	if m == nil {
		return
	}
	c := "miss"
	if cacheHit {
		c = "hit"
	}
	m.lookups.WithLabelValues(outcome, c).Inc()
}

// Resolver counts one account found by email, by the search that found it.
func (m *Metrics) Resolver(via atlassian.Via) {
	if m != nil {
		m.resolver.WithLabelValues(string(via)).Inc()
	}
}

// slackKindLabels are the kind label values of
// lastactive_slack_api_failures_total.
var slackKindLabels = map[SlackKind]string{
	ErrSlackTokenRejected: "token_rejected",
	ErrSlackRateLimited:   "rate_limited",
	ErrSlackUnavailable:   "unavailable",
	ErrSlackMissingScope:  "missing_scope",
	ErrSlackRefused:       "refused",
}

// slackFailed counts one failed Slack Web API call; method is one of the
// bot's own constants, so the series stay few.
func (m *Metrics) slackFailed(method string, kind SlackKind) {
	if m == nil {
		return
	}
	k, ok := slackKindLabels[kind]
	if !ok {
		k = "refused"
	}
	m.slackFailures.WithLabelValues(method, k).Inc()
}

// Upstream records one HTTP attempt to Atlassian.
func (m *Metrics) Upstream(api string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.upstream.WithLabelValues(api, statusLabel(status)).Inc()
	m.upstreamLatency.WithLabelValues(api).Observe(d.Seconds())
}

// statusLabel is status as a label value from a bounded set: whatever
// answers may send any three digits, and each would be a series for good.
// The codes net/http names keep theirs (0 is a transport error); the
// rest go by class ("7xx").
func statusLabel(status int) string {
	if status == 0 || http.StatusText(status) != "" {
		return strconv.Itoa(status)
	}
	return strconv.Itoa(status/100) + "xx"
}

func (m *Metrics) replied(d time.Duration, err error) {
	if m == nil {
		return
	}
	if err != nil {
		if !errors.Is(err, ErrReplyUnconfirmed) { // counted apart, by unconfirmed
			m.replyFailures.Inc()
		}
		return
	}
	m.replyLatency.Observe(d.Seconds())
}

// unconfirmed counts one reply sent whole whose answer was lost
// (ErrReplyUnconfirmed): it may show, so it is not a failure to post.
func (m *Metrics) unconfirmed() {
	if m != nil {
		m.replyLost.Inc()
	}
}

// Acked records how long an ack took from its frame's arrival to its
// write (slacksocket.Options.Acked).
func (m *Metrics) Acked(d time.Duration) {
	if m != nil {
		m.ackLatency.Observe(d.Seconds())
	}
}

func (m *Metrics) inflight(delta float64) {
	if m != nil {
		m.inFlight.Add(delta)
	}
}

// unreadableEnvelope counts one envelope that did not decode; typ is one
// of unreadableType's few values.
func (m *Metrics) unreadableEnvelope(typ string) {
	if m != nil {
		m.unreadable.WithLabelValues(typ).Inc()
	}
}

// connections records how many Socket Mode connections are open.
func (m *Metrics) connections(open int) {
	if m != nil {
		m.connected.Set(float64(open))
	}
}

// reconnected counts a connection opened; again is false for each socket's
// first one.
func (m *Metrics) reconnected(again bool) {
	if m != nil && again {
		m.reconnects.Inc()
	}
}

// WatchLookupCaches shows l's caches as lastactive_lookup_cache_*: read
// under each cache's read lock when the registry is gathered, so a cache
// hit does nothing more for them. A later call watches its Lookups
// instead (one process builds one).
func (m *Metrics) WatchLookupCaches(l *Lookups) {
	if m != nil {
		m.caches.lookups.Store(l)
	}
}

// cacheCollector reads the lookup caches at scrape time.
type cacheCollector struct {
	entries, bytes, evictions *prometheus.Desc
	lookups                   atomic.Pointer[Lookups] // nil: none yet, no series
}

func newCacheCollector() *cacheCollector {
	cache := []string{"cache"}
	return &cacheCollector{
		entries: prometheus.NewDesc("lastactive_lookup_cache_entries",
			`Entries the lookups' caches hold (expired ones until swept), by cache: answers (a person's activity or "not found") and accounts (email to account).`, cache, nil),
		bytes: prometheus.NewDesc("lastactive_lookup_cache_bytes",
			"Estimated bytes the lookups' caches keep, by cache; each is bounded by its budget (48 MiB of answers, 16 MiB of accounts).", cache, nil),
		evictions: prometheus.NewDesc("lastactive_lookup_cache_evictions_total",
			"Entries the lookups' caches dropped, oldest first, to stay within their estimated byte budget (48 MiB of answers, 16 MiB of accounts) before their TTL ran out; each is asked of Atlassian again when next wanted.", cache, nil),
	}
}

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.bytes
	ch <- c.evictions
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	l := c.lookups.Load()
	if l == nil {
		return
	}
	for _, s := range l.cacheStats() {
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(s.entries), s.name)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(s.bytes), s.name)
		ch <- prometheus.MustNewConstMetric(c.evictions, prometheus.CounterValue, float64(s.evictions), s.name)
	}
}

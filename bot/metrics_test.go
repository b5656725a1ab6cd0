package bot

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestUpstreamStatusLabelsAreBounded: the status label of
// lastactive_upstream_requests_total comes from whatever answered (a proxy
// in front of Atlassian may send any three digits), so every code would be
// a series of its own. The codes net/http names keep theirs; the rest are
// counted by class.
func TestUpstreamStatusLabelsAreBounded(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	named := 0
	for status := 0; status <= 999; status++ {
		if http.StatusText(status) != "" {
			named++
		}
		m.Upstream("jira", status, time.Millisecond)
		m.Upstream("admin", status, time.Millisecond)
	}
	// Per API: 0 (transport error), the named codes, one class per hundred.
	if n, most := testutil.CollectAndCount(m.upstream), 2*(1+named+10); n > most {
		t.Errorf("1,000 distinct statuses made %d series, want at most %d", n, most)
	}
	for _, status := range []string{"0", "200", "401", "429", "503"} {
		if v := testutil.ToFloat64(m.upstream.WithLabelValues("admin", status)); v != 1 {
			t.Errorf("status %s counted %v times, want 1 (its own series)", status, v)
		}
	}
	if v := testutil.ToFloat64(m.upstream.WithLabelValues("admin", "7xx")); v != 100 {
		t.Errorf("status 7xx counted %v times, want 100", v)
	}
}

package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
)

// TestBuildExportsTheLookupCaches: the graph's lookup caches are seen in
// the registry the bot's metrics are in, so an operator can tell the
// caches at their budget (bot.TestLookupCacheMetrics fills one past it).
// One lookup keeps one answer and one mapping, and nothing is evicted.
func TestBuildExportsTheLookupCaches(t *testing.T) {
	atl := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))
	t.Cleanup(atl.Close)
	reg := prometheus.NewRegistry()
	s := fakeSettings(atl)
	s.Metrics = bot.NewMetrics(reg)
	app, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	r := app.Service.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}, nil)
	if r.Outcome != "ok" {
		t.Fatalf("lookup: outcome %q", r.Outcome)
	}
	const want = `
# HELP lastactive_lookup_cache_entries Entries the lookups' caches hold (expired ones until swept), by cache: answers (a person's activity or "not found") and accounts (email to account).
# TYPE lastactive_lookup_cache_entries gauge
lastactive_lookup_cache_entries{cache="accounts"} 1
lastactive_lookup_cache_entries{cache="answers"} 1
# HELP lastactive_lookup_cache_evictions_total Entries the lookups' caches dropped, oldest first, to stay within their estimated byte budget (48 MiB of answers, 16 MiB of accounts) before their TTL ran out; each is asked of Atlassian again when next wanted.
# TYPE lastactive_lookup_cache_evictions_total counter
lastactive_lookup_cache_evictions_total{cache="accounts"} 0
lastactive_lookup_cache_evictions_total{cache="answers"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"lastactive_lookup_cache_entries", "lastactive_lookup_cache_evictions_total"); err != nil {
		t.Error(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, mf := range mfs {
		if mf.GetName() != "lastactive_lookup_cache_bytes" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if seen++; m.GetGauge().GetValue() <= 0 {
				t.Errorf("lastactive_lookup_cache_bytes%v = %v, want more than 0", m.GetLabel(), m.GetGauge().GetValue())
			}
		}
	}
	if seen != 2 {
		t.Errorf("lastactive_lookup_cache_bytes has %d series, want 2 (answers, accounts)", seen)
	}
}

package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
)

const benchHost = "acme.atlassian.net"

// benchSites names the busier site of benchDir's people.
var benchSites = atlassian.NewSites([]atlassian.Workspace{
	{CloudID: "58d24034-e3ec-11ed-b5ea-0242ac120002", Host: benchHost},
})

// memorySites is a SiteSource that can tell, without I/O, whether what it
// knows is fresh, as *seat.SiteBook can. sites counts the Sites calls.
type memorySites struct {
	fresh bool
	sites atomic.Int64
}

func (m *memorySites) Sites(context.Context) atlassian.Sites {
	m.sites.Add(1)
	return benchSites
}

func (m *memorySites) KnownFresh() (atlassian.Sites, bool) {
	if !m.fresh {
		return atlassian.Sites{}, false
	}
	return benchSites, true
}

// TestLookupSitesFromMemory: when the source knows the sites and no read
// is due, a lookup takes them as they are (Sites, and the goroutine that
// waits for it, is not called); when a read is due, Sites is.
func TestLookupSitesFromMemory(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{true, false} {
		src := &memorySites{fresh: fresh}
		svc := bot.NewService(bot.ServiceConfig{
			Lookups: bot.NewLookups(benchDir{now: time.Now()}, bot.LookupOptions{TTL: time.Hour}),
			Gate:    bot.NewGate(bot.GateConfig{}),
			Sites:   src,
		})
		for _, text := range []string{"ada@example.com", "ada@example.com grace@example.com"} {
			r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: text}, nil)
			if r.Outcome != bot.OutcomeOK {
				t.Fatalf("fresh %v, %q: outcome %s", fresh, text, r.Outcome)
			}
			blocks, err := json.Marshal(r.Message.Blocks)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(blocks), benchHost) {
				t.Errorf("fresh %v, %q: the reply does not name the site %s:\n%s", fresh, text, benchHost, blocks)
			}
		}
		want := int64(2) // one read per command when one is due
		if fresh {
			want = 0
		}
		if got := src.sites.Load(); got != want {
			t.Errorf("fresh %v: Sites called %d times, want %d", fresh, got, want)
		}
	}
}

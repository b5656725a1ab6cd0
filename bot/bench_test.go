package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/seat"
)

// benchDir answers every email with a person of three products across two
// sites, like a typical member of the generated org. Each answer has its own
// strings, as a decoded API answer would.
type benchDir struct{ now time.Time }

func (d benchDir) Resolve(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	name, _, _ := strings.Cut(email, "@")
	return atlassian.Account{AccountID: "712020:" + name, AccountType: "atlassian", DisplayName: name, Email: strings.Clone(email), Active: true,
		Status: atlassian.StatusActive}, atlassian.ViaAdmin, nil
}

func (d benchDir) DirectoryUser(_ context.Context, accountID string) (atlassian.DirectoryUser, error) {
	name := strings.TrimPrefix(accountID, "712020:")
	return atlassian.DirectoryUser{AccountID: accountID, Name: name, Email: name + "@example.com", Status: atlassian.StatusActive}, nil
}

func (d benchDir) LastActive(_ context.Context, accountID string) (*atlassian.Activity, error) {
	day := d.now.UTC().Truncate(24 * time.Hour)
	p := func(key, site string, daysAgo int) atlassian.ProductActivity {
		pa := atlassian.ProductActivity{ID: fmt.Sprintf("ari:cloud:%s::site/%s", key, site), Key: key}
		if daysAgo >= 0 {
			pa.LastActive = day.AddDate(0, 0, -daysAgo)
			pa.LastActiveTimestamp = pa.LastActive.Add(9 * time.Hour)
		}
		return pa
	}
	return &atlassian.Activity{
		AccountID: accountID,
		Products: []atlassian.ProductActivity{
			p("jira-software", "58d24034-e3ec-11ed-b5ea-0242ac120002", 2),
			p("confluence", "58d24034-e3ec-11ed-b5ea-0242ac120002", 140),
			p("jira-service-desk", "7c3e9f20-5a1b-4c2d-9e8f-0123456789ab", -1),
		},
		AddedToOrg: day.AddDate(-2, 0, 0),
	}, nil
}

func warmLookups(b *testing.B, emails ...string) *bot.Lookups {
	b.Helper()
	l := bot.NewLookups(benchDir{now: time.Now()}, bot.LookupOptions{TTL: time.Hour})
	for _, e := range emails {
		if p := l.Lookup(context.Background(), e, false); p.Err != nil || p.Cached {
			b.Fatalf("warming %s: err %v, cached %v", e, p.Err, p.Cached)
		}
	}
	return l
}

// BenchmarkCacheHitLookup is the lookup every repeated question costs.
func BenchmarkCacheHitLookup(b *testing.B) {
	l := warmLookups(b, "ada@example.com")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if p := l.Lookup(ctx, "Ada@Example.com ", false); !p.Cached {
			b.Fatal("not served from the cache")
		}
	}
}

// BenchmarkServiceAnswerCached is everything a cached command costs between
// the envelope and the response_url post: gate, parse, lookup, Block Kit
// rendering and button sealing (not the JSON encoding of the post).
func BenchmarkServiceAnswerCached(b *testing.B) {
	l := warmLookups(b, "ada@example.com")
	svc := bot.NewService(bot.ServiceConfig{
		Lookups: l, Gate: bot.NewGate(bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}),
		OrgID: "org-demo-1",
	})
	req := bot.Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := svc.Answer(ctx, req, nil); r.CacheHits != 1 || r.Outcome != "ok" {
			b.Fatalf("outcome %s, %d cache hits", r.Outcome, r.CacheHits)
		}
	}
}

// workspaces lists benchSites's site for a seat.SiteBook.
type workspaces struct{}

func (workspaces) Workspaces(context.Context) ([]atlassian.Workspace, error) {
	return []atlassian.Workspace{{CloudID: "58d24034-e3ec-11ed-b5ea-0242ac120002", Host: benchHost}}, nil
}

// BenchmarkServiceAnswerCachedSites is BenchmarkServiceAnswerCached as the
// bot runs it: with a seat.SiteBook that has read the workspaces within the
// hour, as it has for nearly every command.
func BenchmarkServiceAnswerCachedSites(b *testing.B) {
	l := warmLookups(b, "ada@example.com")
	book := seat.NewSiteBook(workspaces{}, seat.SiteBookOptions{})
	book.Sites(context.Background())
	svc := bot.NewService(bot.ServiceConfig{
		Lookups: l, Gate: bot.NewGate(bot.GateConfig{PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 30}),
		OrgID: "org-demo-1", Sites: book,
	})
	req := bot.Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := svc.Answer(ctx, req, nil); r.CacheHits != 1 || r.Outcome != "ok" {
			b.Fatalf("outcome %s, %d cache hits", r.Outcome, r.CacheHits)
		}
	}
	if book.Reads() != 1 {
		b.Fatalf("%d workspaces reads, want 1", book.Reads())
	}
}

// BenchmarkCachedPersonMemory reports the heap one cached answer keeps
// (B/person, with its email → account entry): the figure behind the RSS
// budget for 10,000 cached people.
func BenchmarkCachedPersonMemory(b *testing.B) {
	const n = 10_000
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("first.last.%d@example.com", i)
	}
	var perPerson float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := warmLookups(b, emails...)
		runtime.GC()
		runtime.ReadMemStats(&after)
		if l.Len() != n {
			b.Fatalf("%d cached, want %d", l.Len(), n)
		}
		perPerson = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(l)
	}
	b.ReportMetric(perPerson, "B/person")
}

package seat

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Time              { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) add(d time.Duration)         { c.t.Add(int64(d)) }
func newFakeClock(t time.Time) *fakeClock        { c := &fakeClock{}; c.t.Store(t.UnixNano()); return c }
func hostOf(s atlassian.Sites, id string) string { h, _ := s.Host(id); return h }

func TestSiteBookReadsOncePerTTLForEveryone(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow), atlassiantest.WithLatency(20*time.Millisecond))
	t.Cleanup(srv.Close)
	clock := newFakeClock(idleNow)
	book := NewSiteBook(adminClient(t, srv), SiteBookOptions{Now: clock.now})

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if h := hostOf(book.Sites(context.Background()), atlassiantest.SiteMain); h != atlassiantest.HostMain {
				t.Errorf("host = %q, want %q", h, atlassiantest.HostMain)
			}
		})
	}
	wg.Wait()
	if got := book.Reads(); got != 1 {
		t.Errorf("20 concurrent callers made %d reads, want 1", got)
	}
	pages := srv.CountEndpoint(atlassiantest.EndpointWorkspaces)

	clock.add(59 * time.Minute)
	book.Sites(context.Background())
	if got := srv.CountEndpoint(atlassiantest.EndpointWorkspaces); got != pages {
		t.Errorf("a read within the hour cost %d requests, want 0", got-pages)
	}
	clock.add(2 * time.Minute)
	s := book.Sites(context.Background())
	if got := book.Reads(); got != 2 {
		t.Errorf("reads after the hour = %d, want 2", got)
	}
	if h := hostOf(s, "ari:cloud:confluence::site/"+atlassiantest.SiteSecond); h != atlassiantest.HostSecond {
		t.Errorf("second site host = %q, want %q", h, atlassiantest.HostSecond)
	}
}

func TestSiteBookFailureShowsIDsAndRetriesSoon(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow))
	t.Cleanup(srv.Close)
	remove := srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/workspaces", Status: 403})
	clock := newFakeClock(idleNow)
	book := NewSiteBook(adminClient(t, srv, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1})),
		SiteBookOptions{Now: clock.now, RetryAfter: time.Minute})

	s := book.Sites(context.Background())
	if s.Len() != 0 {
		t.Fatalf("a failed read gave %d sites", s.Len())
	}
	if got, want := SiteLabel(s, "ari:cloud:jira::site/"+atlassiantest.SiteMain), atlassiantest.SiteMain+" (unknown site)"; got != want {
		t.Errorf("label = %q, want %q", got, want)
	}
	book.Sites(context.Background())
	if got := book.Reads(); got != 1 {
		t.Errorf("reads right after a failure = %d, want 1 (wait RetryAfter)", got)
	}
	remove()
	clock.add(61 * time.Second)
	if h := hostOf(book.Sites(context.Background()), atlassiantest.SiteMain); h != atlassiantest.HostMain {
		t.Errorf("after the retry, host = %q, want %q", h, atlassiantest.HostMain)
	}
}

func TestSiteBookCallerGivesUpAlone(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow), atlassiantest.WithLatency(200*time.Millisecond))
	t.Cleanup(srv.Close)
	book := NewSiteBook(adminClient(t, srv), SiteBookOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s := book.Sites(ctx); s.Len() != 0 {
		t.Errorf("a cancelled caller got %d sites, want what was known (none)", s.Len())
	}
	// The read it started goes on for the next caller.
	if h := hostOf(book.Sites(context.Background()), atlassiantest.SiteMain); h != atlassiantest.HostMain {
		t.Errorf("host = %q, want %q", h, atlassiantest.HostMain)
	}
	if got := book.Reads(); got != 1 {
		t.Errorf("reads = %d, want 1 shared read", got)
	}
}

func TestSiteLabel(t *testing.T) {
	t.Parallel()
	s := atlassian.NewSites([]atlassian.Workspace{{ID: "c1", CloudID: "c1", Host: "acme.atlassian.net"}})
	for in, want := range map[string]string{
		"ari:cloud:jira-software::site/c1": "acme.atlassian.net",
		"c1":                               "acme.atlassian.net",
		"ari:cloud:confluence::site/c2":    "c2 (unknown site)",
		"c3":                               "c3 (unknown site)",
		"":                                 "(unknown site)",
	} {
		if got := SiteLabel(s, in); got != want {
			t.Errorf("SiteLabel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SiteLabel(atlassian.Sites{}, "c1"); got != "c1 (unknown site)" {
		t.Errorf("zero Sites: %q", got)
	}
	var nilBook *SiteBook
	if nilBook.Sites(context.Background()).Len() != 0 {
		t.Error("a nil book knows sites")
	}
}

// TestSiteBookKnownNeverReads: Known gives what the book knows without a
// workspaces read, even when one is due (App Home draws from stored data
// only), and what a read brought once there was one.
func TestSiteBookKnownNeverReads(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow))
	t.Cleanup(srv.Close)
	clock := newFakeClock(idleNow)
	book := NewSiteBook(adminClient(t, srv), SiteBookOptions{Now: clock.now})
	if h := hostOf(book.Known(), atlassiantest.SiteMain); h != "" || book.Reads() != 0 {
		t.Fatalf("before any read: host %q, %d reads", h, book.Reads())
	}
	book.Sites(context.Background())
	clock.add(2 * time.Hour) // a read is due
	if h := hostOf(book.Known(), atlassiantest.SiteMain); h != atlassiantest.HostMain || book.Reads() != 1 {
		t.Errorf("after a read: host %q, %d reads (want %q, 1)", h, book.Reads(), atlassiantest.HostMain)
	}
	var none *SiteBook
	if s := none.Known(); hostOf(s, atlassiantest.SiteMain) != "" {
		t.Errorf("a nil book knows %v", s)
	}
}

// TestSiteBookKnownFresh: KnownFresh reports, without reading, whether a
// read is due: not before the first read, yes within TTL of a good one,
// not once the TTL has passed. A nil book knows nothing fresh.
func TestSiteBookKnownFresh(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow))
	t.Cleanup(srv.Close)
	clock := newFakeClock(idleNow)
	book := NewSiteBook(adminClient(t, srv), SiteBookOptions{Now: clock.now, TTL: time.Hour})
	check := func(when string, wantFresh bool, wantHost string) {
		t.Helper()
		s, fresh := book.KnownFresh()
		if fresh != wantFresh || hostOf(s, atlassiantest.SiteMain) != wantHost {
			t.Errorf("%s: fresh %v, host %q; want %v, %q", when, fresh, hostOf(s, atlassiantest.SiteMain), wantFresh, wantHost)
		}
	}
	check("before any read", false, "")
	book.Sites(context.Background())
	check("right after a read", true, atlassiantest.HostMain)
	clock.add(59 * time.Minute)
	check("within the TTL", true, atlassiantest.HostMain)
	clock.add(time.Minute) // due at the TTL exactly, as Sites has it
	check("once the TTL has passed", false, atlassiantest.HostMain)
	if got := book.Reads(); got != 1 {
		t.Errorf("KnownFresh read the workspaces: %d reads, want 1", got)
	}

	var none *SiteBook
	if s, fresh := none.KnownFresh(); fresh || s.Len() != 0 {
		t.Errorf("a nil book: fresh %v, %d sites", fresh, s.Len())
	}
}

// TestSiteBookWorkspaces: the digest takes the workspaces (with their
// capacity) from the book's read: an error only while no read has worked,
// then the last good list, with no read of its own within the hour.
func TestSiteBookWorkspaces(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow))
	t.Cleanup(srv.Close)
	remove := srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/workspaces", Status: 403})
	clock := newFakeClock(idleNow)
	book := NewSiteBook(adminClient(t, srv, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1})),
		SiteBookOptions{Now: clock.now, RetryAfter: time.Minute})
	ctx := context.Background()
	if ws, err := book.Workspaces(ctx); err == nil || ws != nil {
		t.Fatalf("no read has worked: Workspaces = %d, %v; want an error", len(ws), err)
	}
	remove()
	clock.add(61 * time.Second)
	ws, err := book.Workspaces(ctx)
	if err != nil || len(ws) != len(srv.Workspaces()) {
		t.Fatalf("Workspaces = %d, %v; want %d", len(ws), err, len(srv.Workspaces()))
	}
	book.Sites(ctx)
	if got := book.Reads(); got != 2 {
		t.Errorf("reads = %d, want 2 (the failed one and the one everyone shares)", got)
	}
	srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/workspaces", Status: 503})
	clock.add(2 * time.Hour)
	if ws, err := book.Workspaces(ctx); err != nil || len(ws) != len(srv.Workspaces()) {
		t.Errorf("after a failed re-read: %d, %v; want the last good list", len(ws), err)
	}
}

// TestSiteBookFailureLogGivesAReadableWait: the warning of a failed
// workspaces read gave retry_in as bare nanoseconds (60000000000); the
// other lines give Go durations.
func TestSiteBookFailureLogGivesAReadableWait(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(idleNow))
	t.Cleanup(srv.Close)
	srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/workspaces", Status: 403})
	var buf lockedBuffer
	book := NewSiteBook(adminClient(t, srv, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1})),
		SiteBookOptions{Now: newFakeClock(idleNow).now, RetryAfter: time.Minute, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	book.Sites(context.Background())
	if !strings.Contains(buf.String(), `"retry_in":"1m0s"`) {
		t.Errorf("the failed read's line lacks a readable retry_in:\n%s", buf.String())
	}
}

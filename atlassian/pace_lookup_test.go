package atlassian_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// paceClock holds the first wait it is asked for (the org scan's, in the
// pacer) until release is closed, and says so on held; every later wait is
// counted and ends at once, so a call routed through the pacer by mistake
// is seen rather than hung.
type paceClock struct {
	mu      sync.Mutex
	waits   []time.Duration
	held    chan struct{}
	release chan struct{}
}

func (c *paceClock) Now() time.Time { return time.Now() }

func (c *paceClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	first := len(c.waits) == 1
	c.mu.Unlock()
	if first {
		close(c.held)
		ch := make(chan time.Time, 1)
		go func() { <-c.release; ch <- time.Now() }()
		return ch
	}
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

func (c *paceClock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waits)
}

// TestOnePersonCallsSkipTheScanPacer: the org scan's pacer is for bulk
// work; one person's calls (the exact-email search, the directory user
// read, the last-active pages) must not queue behind it. With the pacer at
// one request a minute and a scan provably waiting in it, each of them is
// answered without a single wait of its own.
func TestOnePersonCallsSkipTheScanPacer(t *testing.T) {
	t.Parallel()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()), atlassiantest.WithPageSize(1))
	defer srv.Close()
	clk := &paceClock{held: make(chan struct{}), release: make(chan struct{})}
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: atlassiantest.OrgID, APIKey: atlassiantest.APIKey},
		atlassian.WithAdminRate(rate.Every(time.Minute), 1), atlassian.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { close(clk.release) })
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scanned := make(chan int)
	go func() {
		n := 0
		for _, err := range c.OrgUsers(ctx, atlassian.UserQuery{PageSize: 1}) {
			if err != nil {
				break
			}
			n++
		}
		scanned <- n
	}()
	<-clk.held // the scan spent the burst on its first page and waits for the next

	u, err := c.FindByEmail(ctx, "ada@example.com")
	if err != nil || u.AccountID != atlassiantest.AdaAccountID {
		t.Fatalf("FindByEmail = %+v, %v", u, err)
	}
	if _, err := c.DirectoryUser(ctx, atlassiantest.AdaAccountID); err != nil {
		t.Fatalf("DirectoryUser: %v", err)
	}
	a, err := c.LastActive(ctx, atlassiantest.AdaAccountID)
	if err != nil || len(a.Products) < 2 {
		t.Fatalf("LastActive = %+v, %v; want every page", a, err)
	}
	if n := clk.count(); n != 1 {
		t.Errorf("%d waits, want 1 (the scan's): a one-person call waited in the scan's pacer", n)
	}
	cancel()
	release()
	if n := <-scanned; n < 1 {
		t.Errorf("the scan read %d users before its pace wait, want at least 1", n)
	}
}

package seat

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"lastactive/atlassian"
	"lastactive/internal/recovered"
)

// WorkspaceLister lists the organisation's workspaces. *atlassian.Client
// satisfies it.
type WorkspaceLister interface {
	Workspaces(ctx context.Context) ([]atlassian.Workspace, error)
}

// SiteBookOptions tune a SiteBook. The zero value of each field takes its default.
type SiteBookOptions struct {
	// TTL is how long a good list of sites is kept. Default 1 h.
	TTL time.Duration
	// RetryAfter is how long a failed read waits before the next try; sites
	// are shown by ID meanwhile. Default 1 min.
	RetryAfter time.Duration
	// Timeout bounds one read of every workspaces page. Default 20 s.
	Timeout time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// SiteBook names the organisation's sites by their host for lookups, the
// idle report and the CLI alike. It reads the workspaces once per TTL, and
// everyone asking while a read is under way shares it. It never fails: when
// the read does, the last good list (or none) is returned, and the sites
// are shown by their ID until the next try.
type SiteBook struct {
	list  WorkspaceLister
	opt   SiteBookOptions
	group singleflight.Group

	mu    sync.Mutex
	sites atlassian.Sites
	ws    []atlassian.Workspace // the list sites was built from
	err   error                 // the last read's error; nil once one worked
	due   time.Time             // when the next read is due; zero: at once
	reads int
}

// NewSiteBook returns a SiteBook over list.
func NewSiteBook(list WorkspaceLister, opt SiteBookOptions) *SiteBook {
	if opt.TTL <= 0 {
		opt.TTL = time.Hour
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = time.Minute
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 20 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &SiteBook{list: list, opt: opt}
}

// Sites returns the sites known now, reading the workspaces first when a
// read is due. The read is shared and detached from ctx, with its own
// deadline, so one impatient caller does not fail the others; a caller
// whose ctx ends first gets what was known before.
func (b *SiteBook) Sites(ctx context.Context) atlassian.Sites {
	if b == nil {
		return atlassian.Sites{}
	}
	b.mu.Lock()
	known, due := b.sites, !b.opt.Now().Before(b.due)
	b.mu.Unlock()
	if !due {
		return known
	}
	ch := b.group.DoChan("workspaces", func() (sites any, _ error) {
		// singleflight re-panics a panic of this func on a goroutine of its
		// own: a read that panics (a bug) keeps the sites known, as a
		// failed read does, until the next try.
		defer func() {
			if p := recover(); p != nil {
				_ = recovered.Log(b.opt.Logger, "site names", p)
				b.mu.Lock()
				b.due = b.opt.Now().Add(b.opt.RetryAfter)
				sites = b.sites
				b.mu.Unlock()
			}
		}()
		// Another caller may have finished a read just before this one began.
		b.mu.Lock()
		if b.opt.Now().Before(b.due) {
			s := b.sites
			b.mu.Unlock()
			return s, nil
		}
		b.mu.Unlock()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opt.Timeout)
		defer cancel()
		ws, err := b.list.Workspaces(cctx)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.reads++
		if err != nil {
			b.opt.Logger.Warn("site names: workspaces not read; sites are shown by ID until the next try",
				"err", err, "retry_in", b.opt.RetryAfter.String())
			b.due = b.opt.Now().Add(b.opt.RetryAfter)
			if b.ws == nil {
				b.err = err
			}
			return b.sites, nil
		}
		b.sites, b.ws, b.err = atlassian.NewSites(ws), ws, nil
		b.due = b.opt.Now().Add(b.opt.TTL)
		return b.sites, nil
	})
	select {
	case r := <-ch:
		return r.Val.(atlassian.Sites)
	case <-ctx.Done():
		return known
	}
}

// Workspaces returns the workspaces the sites were named from, with their
// seat capacity, reading them as Sites does: the digest shares the book's
// read rather than making one of its own. It fails only while no read has
// ever worked (the last read's error, or ctx's when it ended first).
func (b *SiteBook) Workspaces(ctx context.Context) ([]atlassian.Workspace, error) {
	if b == nil {
		return nil, nil
	}
	b.Sites(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ws == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, b.err
	}
	return b.ws, nil
}

// Known returns the sites known now, never reading the workspaces: for
// what must not call Atlassian (App Home is drawn from stored data only).
func (b *SiteBook) Known() atlassian.Sites {
	if b == nil {
		return atlassian.Sites{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sites
}

// KnownFresh returns the sites known now, never reading the workspaces,
// and whether they are fresh: no read is due, so Sites would return them
// as they are. A caller can then skip waiting on Sites. After a failed
// read they are fresh until the retry is due, as Sites has it.
func (b *SiteBook) KnownFresh() (atlassian.Sites, bool) {
	if b == nil {
		return atlassian.Sites{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sites, b.opt.Now().Before(b.due)
}

// Reads reports how many workspaces reads the book has made (for tests and
// the load tool's cost figures).
func (b *SiteBook) Reads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reads
}

// UnknownSite is what a site the workspaces do not list is called after its ID.
const UnknownSite = "(unknown site)"

// SiteLabel names the site of a product-access ID (an ARI ending in the
// cloud ID, or the bare ID): its host, or the cloud ID followed by
// UnknownSite. Plain text: callers escape it for their medium.
func SiteLabel(s atlassian.Sites, productID string) string {
	if h, ok := s.Host(productID); ok {
		return h
	}
	id := atlassian.CloudID(productID)
	if id == "" {
		id = productID
	}
	if id == "" {
		return UnknownSite
	}
	return id + " " + UnknownSite
}

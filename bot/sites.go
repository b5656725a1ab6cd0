package bot

import (
	"context"

	"lastactive/atlassian"
	"lastactive/seat"
)

// SiteSource names the organisation's sites by host. *seat.SiteBook
// satisfies it: one workspaces read an hour, shared by lookups and reports.
// Sites must return when ctx is done, with whatever it knew.
type SiteSource interface {
	Sites(ctx context.Context) atlassian.Sites
}

// freshSites is a SiteSource that can tell, from memory alone, whether a
// read is due. *seat.SiteBook satisfies it.
type freshSites interface {
	// KnownFresh returns the sites known now, and whether they are fresh:
	// no read is due, so Sites would return them as they are.
	KnownFresh() (atlassian.Sites, bool)
}

// The fast path is silent when it stops applying: keep the book on it.
var _ freshSites = (*seat.SiteBook)(nil)

// sitesAsync starts reading the site names next to the lookups, so that
// the first read of the hour adds no latency of its own, and returns the
// function that waits for them (or, when names are known already, takes
// the read's result only if it is in). The caller must call it: it owns the
// goroutine, which ends when the read does or ctx is done.
func (s *Service) sitesAsync(ctx context.Context) func() atlassian.Sites {
	if s.cfg.Sites == nil {
		return func() atlassian.Sites { return atlassian.Sites{} }
	}
	// Nearly every command comes within the hour a read is good for: the
	// answer is in memory, and a goroutine to wait for it is pure cost.
	var known atlassian.Sites
	if f, ok := s.cfg.Sites.(freshSites); ok {
		var fresh bool
		if known, fresh = f.KnownFresh(); fresh {
			return func() atlassian.Sites { return known }
		}
	}
	ch := make(chan atlassian.Sites, 1)
	go func() { ch <- s.cfg.Sites.Sites(ctx) }()
	if known.Len() > 0 {
		// Names already known are not waited for again: the due read may
		// be held up (a slow page, a 429 during the digest's scan) for
		// as long as its own timeout, and the answer is ready. The read
		// goes on, and the next command shows what it found.
		return func() atlassian.Sites {
			select {
			case got := <-ch:
				return got
			default:
				return known
			}
		}
	}
	return func() atlassian.Sites { return <-ch }
}

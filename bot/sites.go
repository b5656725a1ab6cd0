package bot

import (
	"context"

	"lastactive/atlassian"
)

// SiteSource names the organisation's sites by host. *seat.SiteBook
// satisfies it: one workspaces read an hour, shared by lookups and reports.
// Sites must return when ctx is done, with whatever it knew.
type SiteSource interface {
	Sites(ctx context.Context) atlassian.Sites
}

// sitesAsync starts reading the site names next to the lookups, so that
// the first read of the hour adds no latency of its own, and returns the
// function that waits for them. The caller must call it: it owns the
// goroutine, which ends when the read does or ctx is done.
func (s *Service) sitesAsync(ctx context.Context) func() atlassian.Sites {
	if s.cfg.Sites == nil {
		return func() atlassian.Sites { return atlassian.Sites{} }
	}
	ch := make(chan atlassian.Sites, 1)
	go func() { ch <- s.cfg.Sites.Sites(ctx) }()
	return func() atlassian.Sites { return <-ch }
}

package atlassian

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestOrgUsersWaitsOutAMinutesRateLimit: the Admin API counts requests per
// minute and may ask a scan to wait most of one (another tool sharing the
// organisation's quota used it up). A scan minutes long, 37 pages of 50
// read, is not thrown away for a 45-second wait: failing it told the
// manager to try again in 45 s, and the next try read every page again.
// A one-person lookup keeps the short budget (TestRetryGivesUpOnLongHint
// and the like): someone waits at Slack for it.
func TestOrgUsersWaitsOutAMinutesRateLimit(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []string{"45", "60"} {
		t.Run(retryAfter, func(t *testing.T) {
			t.Parallel()
			var limited atomic.Bool
			calls, url := pages(t, 100, 3, func(page int, w http.ResponseWriter) bool {
				if page == 2 && limited.CompareAndSwap(false, true) {
					w.Header().Set("Retry-After", retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					fmt.Fprint(w, `{"code":429,"message":"Rate limit exceeded"}`)
					return true
				}
				return false
			})
			c, clk := newTestClient(t, url, WithAdminRate(1000, 1000))
			got, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
			if err != nil {
				t.Fatalf("the scan failed on a rate limit of %s s: %v", retryAfter, err)
			}
			if len(got) != 300 {
				t.Errorf("%d users, want 300", len(got))
			}
			if calls.Load() != 4 {
				t.Errorf("%d requests, want 3 pages + 1 retry", calls.Load())
			}
			var secs int
			fmt.Sscan(retryAfter, &secs)
			if diff := cmp.Diff([]time.Duration{time.Duration(secs) * time.Second}, clk.Waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

package atlassian

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestLastActiveRepeatedProductKeepsTheLatestUse: of a product listed twice
// the entry kept is the one with the latest use, judged as everything else
// judges it (ProductActivity.Last, the later of the day and the instant;
// seat.MergeProducts): an entry whose instant is of yesterday beside an
// August day is later than one of August the 2nd alone. Compared day first,
// the August-the-2nd entry was kept and the instant of yesterday dropped,
// so the lookup called a seat used yesterday idle for 116 days.
func TestLastActiveRepeatedProductKeepsTheLatestUse(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"data":{"product_access":[
				{"id":"ari:cloud:jira-software::site/s1","key":"jira-software","last_active":"2026-08-01","last_active_timestamp":"2026-11-25T08:00:00Z"}]},
				"links":{"next":"c2"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"product_access":[
			{"id":"ari:cloud:jira-software::site/s1","key":"jira-software","last_active":"2026-08-02"}]},"links":{"next":null}}`)
	})
	c, _ := newTestClient(t, srv.URL) // now: 2026-11-26 12:00 UTC
	act, err := c.LastActive(context.Background(), testAccountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(act.Products) != 1 {
		t.Fatalf("%d products, want 1: %+v", len(act.Products), act.Products)
	}
	if got, want := act.Products[0].Last(), time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("last use %v, want %v (the entry with the instant of yesterday)", got, want)
	}
}

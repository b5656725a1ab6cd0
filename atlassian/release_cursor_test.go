package atlassian

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReleaseReadsFollowLinksNextAsURL: links.next may come as the whole
// next-page URL rather than the cursor alone (as the last-active dates'
// tutorial shows it). The release's paged reads take the cursor out of
// it, as the other paged reads do, rather than sending the URL back as a
// cursor Atlassian refuses (a release that could not read the person's
// roles or groups would stop before it started).
func TestReleaseReadsFollowLinksNextAsURL(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var roleCursors, groupCursors []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/role-assignments"):
			c := r.URL.Query().Get("cursor")
			mu.Lock()
			roleCursors = append(roleCursors, c)
			mu.Unlock()
			if c == "" {
				fmt.Fprint(w, `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":["direct"]}]}],
					"links":{"next":"https://api.atlassian.com/admin/v2/orgs/o/directories/-/users/u/role-assignments?cursor=r%2B2"}}`)
				return
			}
			fmt.Fprint(w, `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roleAssignments":[{"role":"atlassian/admin","roleAssignmentMethods":["direct"]}]}],"links":{"next":null}}`)
		case strings.HasSuffix(r.URL.Path, "/groups/search"):
			var body struct {
				Cursor string `json:"cursor"`
			}
			json.NewDecoder(r.Body).Decode(&body)
			mu.Lock()
			groupCursors = append(groupCursors, body.Cursor)
			mu.Unlock()
			if body.Cursor == "" {
				fmt.Fprint(w, `{"data":[{"id":"g1","name":"one","counts":{"resources":1,"users":3}}],
					"links":{"next":"https://api.atlassian.com/admin/v2/orgs/o/directories/-/groups/search?cursor=g%2F2"}}`)
				return
			}
			fmt.Fprint(w, `{"data":[{"id":"g2","name":"two","counts":{"resources":1,"users":3}}],"links":{"next":""}}`)
		default:
			http.NotFound(w, r)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	ras, err := c.RoleAssignments(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
	if err != nil || len(ras) != 2 {
		t.Errorf("RoleAssignments = %+v, %v; want both pages", ras, err)
	}
	gs, err := c.GroupsGranting(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
	if err != nil || len(gs) != 2 {
		t.Errorf("GroupsGranting = %+v, %v; want both pages", gs, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"", "r+2"}, roleCursors); diff != "" {
		t.Errorf("role-assignment cursors sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "g/2"}, groupCursors); diff != "" {
		t.Errorf("group search cursors sent (-want +got):\n%s", diff)
	}
}

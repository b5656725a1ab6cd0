package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestReleaseReadsRefuseWhatNoOrganisationHas: the role assignments and
// group search of a release were read whole, whatever they held: a page
// of 100,000 groups when 100 were asked for, a 1 MB role, resource or
// group ID, a group giving roles on 10^15 products (shown to the approver
// as "with the 999999999999999 other products it gave"). Each is a broken
// or hostile server, refused with ErrBadResponse as the other reads of the
// package refuse theirs; an odd status or managedBy is kept to one word.
func TestReleaseReadsRefuseWhatNoOrganisationHas(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	manyGroups := make([]string, 100_000)
	for i := range manyGroups {
		manyGroups[i] = fmt.Sprintf(`{"id":"g%d","name":"n"}`, i)
	}
	manyEntries := make([]string, releasePageSize+1)
	for i := range manyEntries {
		manyEntries[i] = fmt.Sprintf(`{"resourceId":"ari:cloud:confluence::site/s%d","roles":["atlassian/user"]}`, i)
	}
	manyRoles := make([]string, maxResourceRoles+1)
	for i := range manyRoles {
		manyRoles[i] = fmt.Sprintf(`{"role":"atlassian/r%d","roleAssignmentMethods":["direct"]}`, i)
	}
	entry := func(field, value string) string {
		return `{"data":[{"resourceId":"ari:cloud:confluence::site/s1",` + field + `:` + value + `,"roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":["direct"]}]}]}`
	}
	cases := []struct{ name, roles, groups, text string }{
		{"100,000 groups in a page of 100", "", `{"data":[` + strings.Join(manyGroups, ",") + `]}`, "more than the 100 asked for"},
		{"long group id", "", `{"data":[{"id":"` + long(maxWorkspaceIDLen+1) + `","name":"n"}]}`, "id is longer"},
		{"long group directory", "", `{"data":[{"id":"g1","name":"n","directoryId":"` + long(maxWorkspaceIDLen+1) + `"}]}`, "directoryId is longer"},
		{"more products than workspaces", "", `{"data":[{"id":"g1","name":"n","counts":{"resources":1000000000000000}}]}`, "counts.resources"},
		{"more entries than asked", `{"data":[` + strings.Join(manyEntries, ",") + `]}`, "", "more than the 100 asked for"},
		{"more roles than Atlassian has", `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roleAssignments":[` + strings.Join(manyRoles, ",") + `]}]}`, "", "roles"},
		{"long role", `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roleAssignments":[{"role":"atlassian/` + long(1<<20) + `","roleAssignmentMethods":["direct"]}]}]}`, "", "role is longer"},
		{"long deprecated role", `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roles":["` + long(maxProductKeyLen+1) + `"]}]}`, "", "role is longer"},
		{"long resource", `{"data":[{"resourceId":"ari:cloud:confluence::site/` + long(maxWorkspaceIDLen) + `","roles":["atlassian/user"]}]}`, "", "resourceId is longer"},
		{"long owner", entry(`"resourceOwner"`, `"`+long(maxProductKeyLen+1)+`"`), "", "resourceOwner is longer"},
		{"long directory", entry(`"directoryId"`, `"`+long(maxWorkspaceIDLen+1)+`"`), "", "directoryId is longer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/role-assignments") && tc.roles != "":
					fmt.Fprint(w, tc.roles)
				case strings.HasSuffix(r.URL.Path, "/role-assignments"):
					fmt.Fprint(w, `{"data":[{"resourceId":"ari:cloud:confluence::site/s1","roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":["group_direct"]}]}]}`)
				case strings.HasSuffix(r.URL.Path, "/groups/search"):
					fmt.Fprint(w, tc.groups)
				default:
					http.NotFound(w, r)
				}
			})
			c, _ := newTestClient(t, srv.URL)
			ras, err := c.RoleAssignments(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
			if tc.groups != "" {
				if err != nil {
					t.Fatal(err)
				}
				var gs []Group
				gs, err = c.GroupsGranting(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
				ras = nil
				if len(gs) != 0 {
					t.Errorf("kept %d groups, want none", len(gs))
				}
			}
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tc.text) || len(ras) != 0 {
				t.Errorf("%d role assignments, err = %.300v; want ErrBadResponse mentioning %q", len(ras), err, tc.text)
			}
		})
	}

	t.Run("odd words kept to one", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/role-assignments") {
				fmt.Fprint(w, entry(`"userDirectoryStatus"`, `"`+long(40_000)+`"`))
				return
			}
			fmt.Fprintf(w, `{"data":[{"id":"g1","name":"n","managedBy":%q,"counts":{"resources":2,"users":1000000000000}}]}`, long(40_000))
		})
		c, _ := newTestClient(t, srv.URL)
		ras, err := c.RoleAssignments(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
		if err != nil || len(ras) != 1 || len(ras[0].DirectoryStatus) > maxStatusLen {
			t.Errorf("role assignments = %d, %v; want one, its status at most %d bytes", len(ras), err, maxStatusLen)
		}
		gs, err := c.GroupsGranting(context.Background(), testAccountID, "ari:cloud:confluence::site/s1")
		if err != nil || len(gs) != 1 || len(gs[0].ManagedBy) > maxStatusLen || gs[0].Resources != 2 || gs[0].Users != -1 {
			t.Errorf("groups = %d, %v; want one giving 2 products, managedBy at most %d bytes, users unknown", len(gs), err, maxStatusLen)
		}
	})
}

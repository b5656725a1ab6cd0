package atlassian

import (
	"slices"
	"testing"
)

func FuzzDecodeRoleAssignments(f *testing.F) {
	f.Add([]byte(`{"data":[{"directoryId":"d","resourceId":"ari:cloud:confluence::site/1","resourceOwner":"confluence","roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":["direct","group_direct"]}],"userDirectoryStatus":"active"}],"links":{"next":"c1"}}`))
	f.Add([]byte(`{"data":[{"directoryId":null,"resourceId":"ari:cloud:platform::org/o","roles":["atlassian/org-admin"]}]}`))
	f.Add([]byte(`{"data":[{"resourceId":"r","roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":[]}]}]}`))
	f.Add([]byte(`{"data":[{"resourceId":"r","roleAssignments":[{"role":"atlassian/user","roleAssignmentMethods":["magic"]}]}]}`))
	f.Add([]byte(`{"data":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		as, _, err := decodeRoleAssignments(b)
		if err != nil {
			return
		}
		for _, a := range as {
			if a.ResourceID == "" || a.Role == "" {
				t.Fatalf("assignment without resource or role accepted: %+v", a)
			}
			if len(a.ResourceID) > maxWorkspaceIDLen || len(a.Role) > maxProductKeyLen || len(a.DirectoryStatus) > maxStatusLen {
				t.Fatalf("assignment kept beyond the bounds: %d-byte resource, %d-byte role, %d-byte status",
					len(a.ResourceID), len(a.Role), len(a.DirectoryStatus))
			}
			// A role of unknown method must read as inferred, so that a
			// release refuses it rather than guesses.
			if len(a.Methods) == 0 {
				t.Fatalf("assignment without a method: %+v", a)
			}
			for _, m := range a.Methods {
				if m != MethodDirect && m != MethodGroup && m != MethodInferred {
					t.Fatalf("method %q outside the set", m)
				}
			}
			seen := map[AssignmentMethod]bool{}
			for _, m := range a.Methods {
				if seen[m] {
					t.Fatalf("repeated method: %+v", a.Methods)
				}
				seen[m] = true
			}
		}
	})
}

func FuzzDecodeGroups(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"g1","name":"confluence-users","directoryId":"d","counts":{"resources":1,"users":3},"externalSynced":false,"managedBy":"admins"}],"links":{"next":"c"}}`))
	f.Add([]byte(`{"data":[{"id":"g1","counts":{"resources":-1}}]}`))
	f.Add([]byte(`{"data":[{"id":".."}]}`))
	f.Add([]byte(`{"data":[{"name":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		gs, _, err := decodeGroups(b)
		if err != nil {
			return
		}
		for _, g := range gs {
			if validID("group ID", g.ID) != nil {
				t.Fatalf("group ID %q accepted: it goes into a DELETE path", g.ID)
			}
			if g.Resources < -1 || g.Users < -1 {
				t.Fatalf("negative count accepted: %+v", g)
			}
			if len(g.ID) > maxWorkspaceIDLen || len(g.Name) > maxNameLen || len(g.ManagedBy) > maxStatusLen || g.Resources > maxGroupResources {
				t.Fatalf("group kept beyond the bounds: %d-byte ID, %d-byte name, %d-byte managedBy, %d products",
					len(g.ID), len(g.Name), len(g.ManagedBy), g.Resources)
			}
		}
	})
}

// FuzzPlanRelease: whatever the inputs, a plan never touches a synced
// account or an org admin, only names the product asked for, and undoes
// exactly what it does.
func FuzzPlanRelease(f *testing.F) {
	f.Add("invited", false, "direct", "group_direct", 1, 2, false, true)
	f.Add("synced", false, "direct", "", 1, 1, false, false)
	f.Add("invited", true, "group_direct", "", 2, 1, true, true)
	f.Add("", false, "inferred", "direct", 0, 0, false, false)
	f.Fuzz(func(t *testing.T, source string, admin bool, m1, m2 string, res1, res2 int, synced, otherUsed bool) {
		const conf, jira = "ari:cloud:confluence::site/1", "ari:cloud:jira::site/1"
		u := DirectoryUser{AccountID: "a", Status: StatusActive, ManagementSource: source}
		if admin {
			u.PlatformRoles = []string{RoleOrgAdmin}
		}
		var ms []AssignmentMethod
		for _, m := range []string{m1, m2} {
			if m != "" {
				ms = append(ms, AssignmentMethod(m))
			}
		}
		as := []RoleAssignment{{ResourceID: conf, Role: RoleUser, Methods: ms}}
		gs := []Group{{ID: "g1", Resources: res1, ExternalSynced: synced}, {ID: "g2", Resources: res2}}
		used := map[string][]Group{jira: nil}
		if otherUsed {
			used[jira] = gs[:1]
		}
		p, err := PlanRelease(u, as, gs, conf, used)
		if err != nil {
			return
		}
		if u.Synced() || u.OrgAdmin() {
			t.Fatalf("planned a release for synced=%v admin=%v: %+v", u.Synced(), u.OrgAdmin(), p)
		}
		if len(p.Steps) == 0 {
			t.Fatal("an accepted plan with no step frees nothing")
		}
		for _, s := range p.Steps {
			if s.Kind == StepRevokeRole && s.ResourceID != conf {
				t.Fatalf("revokes another product: %+v", s)
			}
			if s.Kind == StepRemoveMembership && s.GroupID == "g1" && (synced || otherUsed && res1 != 1) {
				t.Fatalf("leaves a group it must not: %+v", s)
			}
		}
		if d := Undo(Undo(p.Steps)); !slices.Equal(d, p.Steps) {
			t.Fatalf("undo of undo differs: %+v", d)
		}
	})
}

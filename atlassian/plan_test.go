package atlassian

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanRelease(t *testing.T) {
	t.Parallel()
	const (
		acct  = "712020:person"
		conf  = "ari:cloud:confluence::site/s1"
		jira  = "ari:cloud:jira-software::site/s1"
		loom  = "ari:cloud:loom::site/s1"
		other = "ari:cloud:compass::site/s1"
	)
	active := DirectoryUser{AccountID: acct, Status: StatusActive, ManagementSource: "invited"}
	with := func(f func(*DirectoryUser)) DirectoryUser { u := active; f(&u); return u }
	ra := func(res, role string, ms ...AssignmentMethod) RoleAssignment {
		return RoleAssignment{ResourceID: res, Role: role, Methods: ms}
	}
	grp := func(id string, resources int) Group { return Group{ID: id, Name: "name-" + id, Resources: resources} }
	revoke := func(role string) Step {
		return Step{Kind: StepRevokeRole, AccountID: acct, Role: role, ResourceID: conf}
	}
	leave := func(id string, also int) Step {
		return Step{Kind: StepRemoveMembership, AccountID: acct, GroupID: id, GroupName: "name-" + id, AlsoRemoves: also}
	}

	for _, tc := range []struct {
		name    string
		user    DirectoryUser
		as      []RoleAssignment
		groups  []Group
		used    map[string][]Group
		want    []Step
		refused Reason
		group   string // the refusal's group
		other   string // the refusal's other product
	}{
		{name: "direct is revoked", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)},
			want: []Step{revoke(RoleUser)}},
		{name: "direct user and admin both revoked", user: active,
			as:   []RoleAssignment{ra(conf, RoleUser, MethodDirect), ra(conf, RoleAdmin, MethodDirect)},
			want: []Step{revoke(RoleUser), revoke(RoleAdmin)}},
		{name: "other resources and non-seat roles are ignored", user: active,
			as: []RoleAssignment{ra(jira, RoleUser, MethodDirect), ra(conf, "atlassian/user-access-admin", MethodInferred),
				ra(conf, RoleUser, MethodDirect)},
			want: []Step{revoke(RoleUser)}},
		{name: "group granting one product is left", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)},
			groups: []Group{grp("g1", 1)}, want: []Step{leave("g1", 0)}},
		{name: "group of one product needs no usage", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)},
			groups: []Group{grp("g1", 1)}, used: nil, want: []Step{leave("g1", 0)}},
		{name: "group granting two, the other unused, is left", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g2", 2)},
			used: map[string][]Group{jira: {grp("g-other", 1)}}, want: []Step{leave("g2", 1)}},
		{name: "group granting two, nothing else used", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g2", 2)},
			used: map[string][]Group{}, want: []Step{leave("g2", 1)}},
		{name: "group granting two, the other in use, is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g2", 2)},
			used:    map[string][]Group{loom: nil, jira: {grp("g2", 2)}, other: {grp("g2", 2)}},
			refused: RefuseGroupGrantsMore, group: "g2", other: other},
		{name: "usage of the product itself does not count", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g2", 2)},
			used: map[string][]Group{conf: {grp("g2", 2)}}, want: []Step{leave("g2", 1)}},
		{name: "group granting several, usage unknown, is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g2", 3)},
			refused: RefuseUsageUnknown, group: "g2"},
		{name: "group count unknown, usage unknown, is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g9", -1)},
			refused: RefuseUsageUnknown, group: "g9"},
		{name: "group count unknown, nothing else used", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, groups: []Group{grp("g9", -1)},
			used: map[string][]Group{}, want: []Step{leave("g9", -1)}},
		{name: "synced group is refused", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)},
			groups:  []Group{grp("g1", 1), {ID: "idp", Name: "name-idp", Resources: 1, ExternalSynced: true}},
			refused: RefuseGroupSynced, group: "idp"},
		{name: "group_direct without a group is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)}, refused: RefuseGroupUnknown},
		{name: "direct and group: revoke then leave", user: active,
			as:     []RoleAssignment{ra(conf, RoleUser, MethodDirect, MethodGroup)},
			groups: []Group{grp("g1", 1)}, want: []Step{revoke(RoleUser), leave("g1", 0)}},
		{name: "two groups: both left", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodGroup)},
			groups: []Group{grp("g1", 1), grp("g3", 1)}, want: []Step{leave("g1", 0), leave("g3", 0)}},
		{name: "inferred is refused", user: active, as: []RoleAssignment{ra(conf, RoleUser, MethodInferred)},
			refused: RefuseInferred},
		{name: "inferred beside direct is refused", user: active,
			as:      []RoleAssignment{ra(conf, RoleUser, MethodDirect), ra(conf, RoleAdmin, MethodInferred)},
			refused: RefuseInferred},
		{name: "a method of no known kind is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser, "magic")}, refused: RefuseInferred},
		{name: "no method at all is refused", user: active,
			as: []RoleAssignment{ra(conf, RoleUser)}, refused: RefuseInferred},
		{name: "no seat role", user: active, as: []RoleAssignment{ra(jira, RoleUser, MethodDirect)}, refused: RefuseNoAccess},
		{name: "no assignments", user: active, refused: RefuseNoAccess},
		{name: "synced account", user: with(func(u *DirectoryUser) { u.ManagementSource = "synced" }),
			as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)}, refused: RefuseSynced},
		{name: "org admin", user: with(func(u *DirectoryUser) { u.PlatformRoles = []string{"atlassian/site-admin", RoleOrgAdmin} }),
			as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)}, refused: RefuseOrgAdmin},
		{name: "site admin is not org admin", user: with(func(u *DirectoryUser) { u.PlatformRoles = []string{"atlassian/site-admin"} }),
			as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)}, want: []Step{revoke(RoleUser)}},
		{name: "suspended", user: with(func(u *DirectoryUser) { u.Status = StatusSuspended }),
			as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)}, refused: RefuseNoSeat},
		{name: "status unknown", user: with(func(u *DirectoryUser) { u.Status = "" }),
			as: []RoleAssignment{ra(conf, RoleUser, MethodDirect)}, refused: RefuseNoSeat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := PlanRelease(tc.user, tc.as, tc.groups, conf, tc.used)
			if tc.refused != "" {
				var r *Refusal
				if !errors.As(err, &r) || !errors.Is(err, tc.refused) || ReasonOf(err) != tc.refused {
					t.Fatalf("err = %v, want refusal %q", err, tc.refused)
				}
				if r.GroupID != tc.group || r.Other != tc.other || r.AccountID != acct || r.ResourceID != conf {
					t.Errorf("refusal = %+v, want group %q other %q", r, tc.group, tc.other)
				}
				if len(p.Steps) != 0 {
					t.Errorf("refused plan has steps: %v", p.Steps)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanRelease: %v", err)
			}
			want := Plan{AccountID: acct, ResourceID: conf, Steps: tc.want}
			if d := cmp.Diff(want, p); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
		})
	}
}

func TestPlanReleaseNeedsIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		user DirectoryUser
		ari  string
	}{{DirectoryUser{Status: StatusActive}, "ari:x"}, {DirectoryUser{AccountID: "a", Status: StatusActive}, " "}} {
		_, err := PlanRelease(tc.user, nil, nil, tc.ari, nil)
		if err == nil || ReasonOf(err) != "" {
			t.Errorf("PlanRelease(%+v, %q) = %v, want a plain error", tc.user, tc.ari, err)
		}
	}
}

func TestUndoInvertsInReverse(t *testing.T) {
	t.Parallel()
	done := []Step{
		{Kind: StepRevokeRole, AccountID: "a", Role: RoleUser, ResourceID: "r"},
		{Kind: StepRemoveMembership, AccountID: "a", GroupID: "g", AlsoRemoves: 1},
	}
	want := []Step{
		{Kind: StepAddMembership, AccountID: "a", GroupID: "g", AlsoRemoves: 1},
		{Kind: StepAssignRole, AccountID: "a", Role: RoleUser, ResourceID: "r"},
	}
	if d := cmp.Diff(want, Undo(done)); d != "" {
		t.Errorf("Undo (-want +got):\n%s", d)
	}
	if d := cmp.Diff(done, Undo(Undo(done))); d != "" {
		t.Errorf("Undo twice is not the identity (-want +got):\n%s", d)
	}
}

package atlassian

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// StepKind is one kind of change a release makes or undoes.
type StepKind string

// The changes. Each has an inverse (Step.Inverse).
const (
	StepRevokeRole       StepKind = "revoke role"
	StepAssignRole       StepKind = "assign role"
	StepRemoveMembership StepKind = "remove group membership"
	StepAddMembership    StepKind = "add group membership"
)

// Step is one change to one person's access: exactly one upstream write.
type Step struct {
	Kind      StepKind
	AccountID string
	// Role and ResourceID for the role steps.
	Role       string
	ResourceID string
	// GroupID and GroupName for the membership steps.
	GroupID   string
	GroupName string
	// AlsoRemoves, for a membership removal, is how many other products
	// the group gives (counts.resources - 1), none of which the person
	// uses; -1 when Atlassian did not say. Those go too, and come back with
	// the undo.
	AlsoRemoves int
}

// Inverse returns the step that undoes s.
func (s Step) Inverse() Step {
	inv := s
	switch s.Kind {
	case StepRevokeRole:
		inv.Kind = StepAssignRole
	case StepAssignRole:
		inv.Kind = StepRevokeRole
	case StepRemoveMembership:
		inv.Kind = StepAddMembership
	case StepAddMembership:
		inv.Kind = StepRemoveMembership
	}
	return inv
}

func (s Step) String() string {
	switch s.Kind {
	case StepRevokeRole, StepAssignRole:
		return fmt.Sprintf("%s %s on %s", s.Kind, s.Role, s.ResourceID)
	}
	name := s.GroupName
	if name == "" {
		name = s.GroupID
	}
	return fmt.Sprintf("%s %s", s.Kind, name)
}

// Undo returns the steps that restore what done changed: the inverse of
// each, last first. Keep the done steps of Apply, not the plan: after a
// partial failure only what happened is undone.
func Undo(done []Step) []Step {
	out := make([]Step, 0, len(done))
	for i := len(done) - 1; i >= 0; i-- {
		out = append(out, done[i].Inverse())
	}
	return out
}

// Plan is what releasing one product from one person takes: the steps in
// order. Undo(Plan.Steps) restores exactly that access.
type Plan struct {
	AccountID  string
	ResourceID string // the product's ARI
	Steps      []Step
}

// Reason is why a release is refused. Errors from PlanRelease match their
// reason with errors.Is (errors.Is(err, atlassian.RefuseSynced)).
type Reason string

func (r Reason) Error() string { return string(r) }

// The reasons a release is refused.
const (
	// RefuseSynced: an identity provider manages the account
	// (managementSource "synced"); change its groups there.
	RefuseSynced Reason = "the account is managed by an identity provider"
	// RefuseOrgAdmin: the account is an organisation admin.
	RefuseOrgAdmin Reason = "the account is an organisation admin"
	// RefuseNoSeat: the account is suspended, deactivated or closed (or its
	// status is unknown), so it holds no seat to free.
	RefuseNoSeat Reason = "the account holds no seat (not active)"
	// RefuseNoAccess: no seat role on the product: nothing to release.
	RefuseNoAccess Reason = "the account has no seat role on the product"
	// RefuseInferred: Atlassian infers the access from something else;
	// no revoke or membership removal takes it away.
	RefuseInferred Reason = "the access is inferred, not given directly or by a group"
	// RefuseGroupUnknown: the role comes from a group but no group granting
	// it was found (Refusal.GroupID empty).
	RefuseGroupUnknown Reason = "the access comes from a group that was not found"
	// RefuseGroupSynced: the granting group comes from an identity
	// provider; its members are changed there.
	RefuseGroupSynced Reason = "the group granting the access is synced from an identity provider"
	// RefuseGroupGrantsMore: the granting group also gives a product the
	// person uses (Refusal.Other): removing the membership would take it.
	RefuseGroupGrantsMore Reason = "the group granting the access also gives a product the person uses"
	// RefuseUsageUnknown: the granting group gives several products and
	// the caller did not say which other products the person uses.
	RefuseUsageUnknown Reason = "the group granting the access gives other products, and what else the person uses is not known"
)

// Refusal is the error of a release that must not happen, with what a
// person needs to act on it by hand.
type Refusal struct {
	Reason     Reason
	AccountID  string
	ResourceID string
	GroupID    string // the group concerned, for the group reasons
	GroupName  string
	Other      string // RefuseGroupGrantsMore: the other product (ARI) in use
}

func (r *Refusal) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "release %s: %s", r.ResourceID, r.Reason)
	if r.GroupID != "" {
		name := r.GroupName
		if name == "" {
			name = r.GroupID
		}
		fmt.Fprintf(&b, " (group %s)", name)
	}
	if r.Other != "" {
		fmt.Fprintf(&b, ": %s", r.Other)
	}
	return b.String()
}

// Is matches the refusal's Reason.
func (r *Refusal) Is(target error) bool {
	t, ok := target.(Reason)
	return ok && t == r.Reason
}

// ReasonOf returns the Reason of the first *Refusal in err's chain, or "".
func ReasonOf(err error) Reason {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// PlanRelease decides how to take productARI (a product on a site) away
// from user, and refuses when that cannot be done safely. It makes no call:
// feed it UserAccess, RoleAssignments and GroupsGranting (or ReleaseFacts).
//
//   - synced accounts (RefuseSynced) and org admins (RefuseOrgAdmin) are
//     never changed, and an account that is not active holds no seat
//     (RefuseNoSeat);
//   - only seat roles (SeatRoles) on productARI count; none is RefuseNoAccess;
//   - a role given directly is revoked (StepRevokeRole);
//   - a role given by groups is removed by leaving each granting group
//     (StepRemoveMembership), only if every such group is managed here
//     (else RefuseGroupSynced) and gives nothing else the person uses: it
//     gives one product (counts.resources == 1), or none of its other
//     products is in use (else RefuseGroupGrantsMore, or RefuseUsageUnknown
//     when used is nil);
//   - any inferred seat role, or one with no method this package knows, is
//     RefuseInferred: removing the rest would not free the seat.
//
// used maps each other product the person uses (an ARI) to the person's
// groups that give it: GroupsGranting(accountID, thatARI). nil means not
// known; an empty map means the person uses nothing else. A role may be
// both direct and by group: the plan then does both, revokes first.
func PlanRelease(user DirectoryUser, assignments []RoleAssignment, groups []Group, productARI string, used map[string][]Group) (Plan, error) {
	if user.AccountID == "" || strings.TrimSpace(productARI) == "" {
		return Plan{}, errors.New("atlassian: plan release: account ID and product are required")
	}
	refuse := func(r Reason) *Refusal {
		return &Refusal{Reason: r, AccountID: user.AccountID, ResourceID: productARI}
	}
	switch {
	case user.Synced():
		return Plan{}, refuse(RefuseSynced)
	case user.OrgAdmin():
		return Plan{}, refuse(RefuseOrgAdmin)
	case user.Status != StatusActive:
		return Plan{}, refuse(RefuseNoSeat)
	}

	plan := Plan{AccountID: user.AccountID, ResourceID: productARI}
	viaGroup, seat := false, false
	for _, a := range assignments {
		if a.ResourceID != productARI || !IsSeatRole(a.Role) {
			continue
		}
		seat = true
		if a.Has(MethodInferred) || !a.Has(MethodDirect) && !a.Has(MethodGroup) {
			// No method we can undo (or none at all): leaving the rest
			// would not free the seat.
			return Plan{}, refuse(RefuseInferred)
		}
		if a.Has(MethodDirect) {
			plan.Steps = append(plan.Steps, Step{Kind: StepRevokeRole, AccountID: user.AccountID, Role: a.Role, ResourceID: productARI})
		}
		viaGroup = viaGroup || a.Has(MethodGroup)
	}
	if !seat {
		return Plan{}, refuse(RefuseNoAccess)
	}
	if !viaGroup {
		return plan, nil
	}
	if len(groups) == 0 {
		return Plan{}, refuse(RefuseGroupUnknown)
	}
	others := make([]string, 0, len(used))
	for ari := range used {
		if ari != productARI {
			others = append(others, ari)
		}
	}
	slices.Sort(others) // one answer for one input
	for _, g := range groups {
		r := refuse("")
		r.GroupID, r.GroupName = g.ID, g.Name
		if g.ExternalSynced {
			r.Reason = RefuseGroupSynced
			return Plan{}, r
		}
		step := Step{Kind: StepRemoveMembership, AccountID: user.AccountID, GroupID: g.ID, GroupName: g.Name, AlsoRemoves: -1}
		if g.Resources >= 1 {
			step.AlsoRemoves = g.Resources - 1
		}
		if g.Resources != 1 {
			if used == nil {
				r.Reason = RefuseUsageUnknown
				return Plan{}, r
			}
			for _, ari := range others {
				if slices.ContainsFunc(used[ari], func(o Group) bool { return o.ID == g.ID }) {
					r.Reason, r.Other = RefuseGroupGrantsMore, ari
					return Plan{}, r
				}
			}
		}
		plan.Steps = append(plan.Steps, step)
	}
	return plan, nil
}

// ReleaseFacts is what PlanRelease needs, read from Atlassian.
type ReleaseFacts struct {
	User        DirectoryUser
	Assignments []RoleAssignment
	Groups      []Group
	// Used maps each other product in use to the person's groups giving
	// it; read only when a granting group gives more than one product.
	Used map[string][]Group
}

// Plan is PlanRelease over f.
func (f ReleaseFacts) Plan(productARI string) (Plan, error) {
	return PlanRelease(f.User, f.Assignments, f.Groups, productARI, f.Used)
}

// ReleaseFacts reads what a release of productARI from accountID depends
// on: the account (UserAccess), its role assignments on the product, the
// groups granting it and, only when one of those groups gives more than one
// product, which of the person's groups give each product in used (the
// other products the person uses, as ARIs). Reads only; the write key is
// needed for all but the first.
func (c *Client) ReleaseFacts(ctx context.Context, accountID, productARI string, used []string) (ReleaseFacts, error) {
	var f ReleaseFacts
	var err error
	if f.User, err = c.UserAccess(ctx, accountID); err != nil {
		return f, err
	}
	if f.Assignments, err = c.RoleAssignments(ctx, accountID, productARI); err != nil {
		return f, err
	}
	if !slices.ContainsFunc(f.Assignments, func(a RoleAssignment) bool {
		return a.ResourceID == productARI && IsSeatRole(a.Role) && a.Has(MethodGroup)
	}) {
		return f, nil
	}
	if f.Groups, err = c.GroupsGranting(ctx, accountID, productARI); err != nil {
		return f, err
	}
	if !slices.ContainsFunc(f.Groups, func(g Group) bool { return g.Resources != 1 }) {
		return f, nil
	}
	f.Used = make(map[string][]Group, len(used))
	for _, ari := range used {
		if ari == productARI {
			continue
		}
		if f.Used[ari], err = c.GroupsGranting(ctx, accountID, ari); err != nil {
			return f, err
		}
	}
	return f, nil
}

// Apply makes the steps in order and stops at the first failure. done is
// what was changed, even with an error: exactly what Undo(done) restores.
// A step that failed with ErrWriteUnknown may have happened too: read it
// back (StepMade) before deciding, and never send it again.
func (c *Client) Apply(ctx context.Context, steps ...Step) (done []Step, err error) {
	for _, s := range steps {
		switch s.Kind {
		case StepRevokeRole:
			err = c.RevokeRole(ctx, s.AccountID, s.Role, s.ResourceID)
		case StepAssignRole:
			err = c.AssignRole(ctx, s.AccountID, s.Role, s.ResourceID)
		case StepRemoveMembership:
			err = c.RemoveFromGroup(ctx, s.GroupID, s.AccountID)
		case StepAddMembership:
			err = c.AddToGroup(ctx, s.GroupID, s.AccountID)
		default:
			err = fmt.Errorf("atlassian: apply: unknown step %q", s.Kind)
		}
		if err != nil {
			return done, fmt.Errorf("%s: %w", s, err)
		}
		done = append(done, s)
	}
	return done, nil
}

// SeatHeld reads back whether accountID still holds a seat role on
// productARI, however given: false proves the seat is free.
func (c *Client) SeatHeld(ctx context.Context, accountID, productARI string) (bool, error) {
	as, err := c.RoleAssignments(ctx, accountID, productARI)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(as, func(a RoleAssignment) bool {
		return a.ResourceID == productARI && IsSeatRole(a.Role)
	}), nil
}

// StepMade reads back whether the effect of s holds now, for a step whose
// answer was lost (ErrWriteUnknown): a revoke, that the account no longer
// holds s.Role on s.ResourceID directly (a role the same account holds
// through a group does not count: the role assignments tell the methods
// apart); an assign, that it does; a membership removal, that the account
// is no longer in s.GroupID (the group search by account and group); an
// addition, that it is. true means the step needs no sending: count it as
// done. It only reads, with the write key.
func (c *Client) StepMade(ctx context.Context, s Step) (bool, error) {
	switch s.Kind {
	case StepRevokeRole, StepAssignRole:
		as, err := c.RoleAssignments(ctx, s.AccountID, s.ResourceID)
		if err != nil {
			return false, err
		}
		direct := slices.ContainsFunc(as, func(a RoleAssignment) bool {
			return a.ResourceID == s.ResourceID && a.Role == s.Role && a.Has(MethodDirect)
		})
		return direct == (s.Kind == StepAssignRole), nil
	case StepRemoveMembership, StepAddMembership:
		const op = "check group membership"
		if err := c.writeReady(op, nil); err != nil {
			return false, err
		}
		if err := errors.Join(validID("group ID", s.GroupID), validID("account ID", s.AccountID)); err != nil {
			return false, fmt.Errorf("atlassian: %s: %w", op, err)
		}
		member, err := c.isMember(ctx, s.GroupID, s.AccountID)
		if err != nil {
			return false, err
		}
		return member == (s.Kind == StepAddMembership), nil
	}
	return false, fmt.Errorf("atlassian: read back: unknown step %q", s.Kind)
}

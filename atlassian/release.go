package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The calls of a release: how a person holds a product (RoleAssignments,
// GroupsGranting), taking it away (RevokeRole, RemoveFromGroup) and giving
// it back (AssignRole, AddToGroup). All of them send Config.AdminWriteKey,
// never the read key, and return ErrNoWriteKey without sending anything
// when it is not configured. See PlanRelease for deciding what to call.

// Roles that take a product seat. The non-billable ones (contributor,
// basic, customer, stakeholder, guest) and the admin-only ones
// (user-access-admin, site-admin, org-admin) are left alone by a release.
const (
	RoleUser     = "atlassian/user"
	RoleAdmin    = "atlassian/admin"
	RoleOrgAdmin = "atlassian/org-admin"
)

// SeatRoles are the roles a release removes from a product.
var SeatRoles = []string{RoleUser, RoleAdmin}

// IsSeatRole reports whether role takes a product seat.
func IsSeatRole(role string) bool { return slices.Contains(SeatRoles, role) }

// AssignmentMethod says how a person came to hold a role.
type AssignmentMethod string

// The assignment methods of the v2 role assignments.
const (
	// MethodDirect: the role was given to the person; RevokeRole takes it.
	MethodDirect AssignmentMethod = "direct"
	// MethodGroup: a group the person is a direct member of gives it
	// ("group_direct"); RemoveFromGroup takes it, with whatever else the
	// group gives.
	MethodGroup AssignmentMethod = "group_direct"
	// MethodInferred: Atlassian derives it from something else (another
	// role, a policy); nothing the bot may change removes it.
	MethodInferred AssignmentMethod = "inferred"
)

// RoleAssignment is one role a person holds on one resource, and how.
type RoleAssignment struct {
	ResourceID    string // ARI, e.g. "ari:cloud:confluence::site/<cloudId>"
	ResourceOwner string // product key of the resource, e.g. "confluence"
	DirectoryID   string // "" for platform roles (org-admin)
	Role          string // e.g. RoleUser
	Methods       []AssignmentMethod
	// DirectoryStatus is the person's membership in the resource's
	// directory: "active", "suspended", "no_membership" or "".
	DirectoryStatus string
}

// Has reports whether m is one of a's methods.
func (a RoleAssignment) Has(m AssignmentMethod) bool { return slices.Contains(a.Methods, m) }

// Group is a group of the organisation's directories, as the group search
// describes it.
type Group struct {
	ID          string
	Name        string
	DirectoryID string
	// Resources is counts.resources: how many products (per site) the
	// group gives roles on; -1 when Atlassian did not say.
	Resources int
	// Users is counts.users when sent, else -1.
	Users int
	// ExternalSynced: the group comes from an identity provider, so its
	// members are managed there and the API may not change them.
	ExternalSynced bool
	ManagedBy      string // "external", "admins", "team-members", "open" or ""
}

// HasWriteKey reports whether the client may change access (Config.AdminWriteKey set).
func (c *Client) HasWriteKey() bool { return c.writeAuth != "" }

// writeReady refuses a release call without the write key, before any request.
func (c *Client) writeReady(op string, p *url.URL) error {
	if c.adminBase == nil {
		return fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured)
	}
	if c.writeAuth == "" {
		path := ""
		if p != nil {
			path = p.EscapedPath()
		}
		return &Error{Kind: ErrNoWriteKey, API: Admin, Op: op, Path: path}
	}
	return nil
}

// validID refuses IDs that would address another resource once in a path.
func validID(what, id string) error {
	if strings.TrimSpace(id) == "" || id == "." || id == ".." {
		return fmt.Errorf("invalid %s %q", what, id)
	}
	return nil
}

const (
	// releasePageSize is the most the role-assignment and group searches
	// return per page.
	releasePageSize = 100
	// maxReleasePages bounds cursor paging of one person's role
	// assignments or groups: a person is in dozens of groups, not 10,000.
	maxReleasePages = 100
	// maxResourceRoles bounds the roles of one entry of a person's role
	// assignments: the spec names 11. A role is a word such as
	// "atlassian/user-access-admin", bounded as a product key is
	// (maxProductKeyLen); a resource or directory ID as a workspace ID is
	// (maxWorkspaceIDLen); a group is named by up to maxNameLen bytes of
	// its name, cut with "…", for the plan, the saved release and the
	// messages that describe it.
	maxResourceRoles = 64
	// maxGroupResources bounds counts.resources: a group gives roles on
	// products of the organisation's workspaces, of which there are at
	// most maxWorkspaces; the count is told to the approver.
	maxGroupResources = maxWorkspaces
)

// RoleAssignments returns every role accountID holds on resourceARI and how
// each was given, following every page
// (GET /admin/v2/orgs/{orgId}/directories/-/users/{accountId}/role-assignments?resourceIds=ARI).
// An empty list means the person holds no role there. It sends the write
// key (a read key may be scoped without read:directories:admin).
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v2-orgs-orgid-directories-directoryid-users-accountid-role-assignments-get
func (c *Client) RoleAssignments(ctx context.Context, accountID, resourceARI string) ([]RoleAssignment, error) {
	const op = "read role assignments"
	if err := c.writeReady(op, nil); err != nil {
		return nil, err
	}
	if err := errors.Join(validID("account ID", accountID), validID("resource", resourceARI)); err != nil {
		return nil, fmt.Errorf("atlassian: %s: %w", op, err)
	}
	base := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "users", accountID, "role-assignments")
	q := url.Values{"resourceIds": {resourceARI}, "limit": {fmt.Sprint(releasePageSize)}}
	var out []RoleAssignment
	seen := map[string]bool{}
	for page := 1; ; page++ {
		u := *base
		u.RawQuery = q.Encode()
		cl := call{api: Admin, op: op, url: &u, auth: c.writeAuth}
		raw, err := c.get(ctx, cl)
		if err != nil {
			return nil, err
		}
		as, next, err := decodeRoleAssignments(raw)
		if err != nil {
			return nil, c.fail(cl, ErrBadResponse, 200, "", err)
		}
		out = append(out, as...)
		if err := c.nextPage(cl, next, page, seen); err != nil || next == "" {
			return out, err
		}
		// The spec: with a cursor, every other parameter is ignored.
		q = url.Values{"cursor": {next}}
	}
}

// nextPage checks a cursor before it is followed.
func (c *Client) nextPage(cl call, next string, page int, seen map[string]bool) error {
	var stop error
	switch {
	case next == "":
		return nil
	case seen[next]:
		stop = errors.New("links.next repeats an earlier cursor")
	case page >= maxReleasePages:
		stop = fmt.Errorf("more than %d pages", maxReleasePages)
	case len(next) > maxCursorLen:
		stop = fmt.Errorf("links.next longer than %d bytes", maxCursorLen)
	}
	if stop != nil {
		return c.fail(cl, ErrBadResponse, 200, "", stop)
	}
	seen[next] = true
	return nil
}

// links is the paging part of a v2 answer.
type links struct {
	Next *string `json:"next"`
}

// nextCursor is the cursor of the next page: links.next may be the cursor
// or the whole next-page URL (as the last-active dates' tutorial shows it),
// whose cursor is sent back alone; "" when there is none.
func nextCursor(l *links) (string, error) {
	if l == nil {
		return "", nil
	}
	return cursorOf(deref(l.Next))
}

// Wire shape of MultiDirectoryUserRoleAssignmentPage.
type wireRoleAssignmentPage struct {
	Data *[]struct {
		DirectoryID         *string `json:"directoryId"`
		ResourceID          string  `json:"resourceId"`
		ResourceOwner       string  `json:"resourceOwner"`
		UserDirectoryStatus *string `json:"userDirectoryStatus"`
		RoleAssignments     []struct {
			Role    string   `json:"role"`
			Methods []string `json:"roleAssignmentMethods"`
		} `json:"roleAssignments"`
		// Roles is the deprecated list without methods; an entry that has
		// only it is read as roles of unknown method (inferred: never
		// removed by a release).
		Roles []string `json:"roles"`
	} `json:"data"`
	Links *links `json:"links"`
}

// decodeRoleAssignments reads one page, one RoleAssignment per resource and
// role. It is strict where a mistake would remove the wrong thing: every
// entry needs a resource and every role a name, and a method outside the
// three documented ones is an error rather than ignored. A role listed
// without methods is taken as inferred, so that a release refuses it. An
// ID or role longer than Atlassian's, or more roles on one entry than it
// has, is an error, as is a page of more entries than RoleAssignments asks
// for (releasePageSize); an odd directory status is kept to one word.
func decodeRoleAssignments(b []byte) ([]RoleAssignment, string, error) {
	var w wireRoleAssignmentPage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, "", fmt.Errorf("decoding the role assignments: %w", err)
	}
	if w.Data == nil {
		return nil, "", errors.New("no data in the answer")
	}
	if n := len(*w.Data); n > releasePageSize {
		// A broken or hostile server, not a person with more roles:
		// page after page of it fills memory.
		return nil, "", fmt.Errorf("a page of %d entries, more than the %d asked for", n, releasePageSize)
	}
	var out []RoleAssignment
	for i, d := range *w.Data {
		switch {
		case d.ResourceID == "":
			return nil, "", fmt.Errorf("data[%d] has no resourceId", i)
		case len(d.ResourceID) > maxWorkspaceIDLen:
			return nil, "", fmt.Errorf("data[%d].resourceId is longer than %d bytes", i, maxWorkspaceIDLen)
		case len(d.ResourceOwner) > maxProductKeyLen:
			return nil, "", fmt.Errorf("data[%d].resourceOwner is longer than %d bytes", i, maxProductKeyLen)
		case len(deref(d.DirectoryID)) > maxWorkspaceIDLen:
			return nil, "", fmt.Errorf("data[%d].directoryId is longer than %d bytes", i, maxWorkspaceIDLen)
		case len(d.RoleAssignments) > maxResourceRoles || len(d.Roles) > maxResourceRoles:
			return nil, "", fmt.Errorf("data[%d] has more than %d roles", i, maxResourceRoles)
		}
		base := RoleAssignment{ResourceID: d.ResourceID, ResourceOwner: d.ResourceOwner,
			DirectoryID: deref(d.DirectoryID), DirectoryStatus: cut(deref(d.UserDirectoryStatus), maxStatusLen)}
		listed := map[string]bool{}
		for j, ra := range d.RoleAssignments {
			if ra.Role == "" {
				return nil, "", fmt.Errorf("data[%d].roleAssignments[%d] has no role", i, j)
			}
			if len(ra.Role) > maxProductKeyLen {
				return nil, "", fmt.Errorf("data[%d].roleAssignments[%d].role is longer than %d bytes", i, j, maxProductKeyLen)
			}
			a := base
			a.Role = ra.Role
			for _, m := range ra.Methods {
				switch mm := AssignmentMethod(m); mm {
				case MethodDirect, MethodGroup, MethodInferred:
					if !a.Has(mm) {
						a.Methods = append(a.Methods, mm)
					}
				default:
					return nil, "", fmt.Errorf("data[%d].roleAssignments[%d]: unknown method %q", i, j, m)
				}
			}
			if len(a.Methods) == 0 {
				a.Methods = []AssignmentMethod{MethodInferred}
			}
			listed[ra.Role] = true
			out = append(out, a)
		}
		for j, r := range d.Roles {
			if len(r) > maxProductKeyLen {
				return nil, "", fmt.Errorf("data[%d].roles[%d]: role is longer than %d bytes", i, j, maxProductKeyLen)
			}
			if r == "" || listed[r] {
				continue
			}
			listed[r] = true
			a := base
			a.Role, a.Methods = r, []AssignmentMethod{MethodInferred}
			out = append(out, a)
		}
	}
	next, err := nextCursor(w.Links)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// groupSearch is the body of the v2 group search.
type groupSearch struct {
	Limit       int      `json:"limit"`
	AccountIDs  []string `json:"accountIds,omitempty"`
	ResourceIDs []string `json:"resourceIds,omitempty"`
	RoleIDs     []string `json:"roleIds,omitempty"`
	GroupIDs    []string `json:"groupIds,omitempty"`
	Expand      []string `json:"expand,omitempty"`
	Cursor      string   `json:"cursor,omitempty"`
}

// GroupsGranting returns the groups accountID is a member of that give a
// seat role (SeatRoles) on resourceARI, each with counts.resources: how many
// products removing the membership would take away
// (POST /admin/v2/orgs/{orgId}/directories/-/groups/search with accountIds,
// resourceIds, roleIds and expand ["counts.resources"]), every page. It
// sends the write key. The search only reads, so it is retried like any read.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-groups/#api-v2-orgs-orgid-directories-directoryid-groups-search-post
func (c *Client) GroupsGranting(ctx context.Context, accountID, resourceARI string) ([]Group, error) {
	const op = "search groups granting a product"
	if err := c.writeReady(op, nil); err != nil {
		return nil, err
	}
	if err := errors.Join(validID("account ID", accountID), validID("resource", resourceARI)); err != nil {
		return nil, fmt.Errorf("atlassian: %s: %w", op, err)
	}
	return c.searchGroups(ctx, op, groupSearch{Limit: releasePageSize, AccountIDs: []string{accountID},
		ResourceIDs: []string{resourceARI}, RoleIDs: SeatRoles, Expand: []string{"counts.resources", "counts.users"}})
}

// searchGroups runs a group search through every page.
func (c *Client) searchGroups(ctx context.Context, op string, req groupSearch) ([]Group, error) {
	u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "groups", "search")
	var out []Group
	seenCursor, seenGroup := map[string]bool{}, map[string]bool{}
	for page := 1; ; page++ {
		body, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("atlassian: %s: encoding the request: %w", op, err)
		}
		cl := call{api: Admin, op: op, url: u, auth: c.writeAuth, method: http.MethodPost, body: body, orgScoped: true}
		raw, err := c.get(ctx, cl)
		if err != nil {
			return nil, err
		}
		gs, next, err := decodeGroups(raw)
		if err == nil && len(gs) > req.Limit {
			// More than asked for is a broken or hostile server (100,000
			// groups in one page were all kept), not a bigger organisation.
			err = fmt.Errorf("a page of %d groups, more than the %d asked for", len(gs), req.Limit)
		}
		if err != nil {
			return nil, c.fail(cl, ErrBadResponse, 200, "", err)
		}
		for _, g := range gs {
			if !seenGroup[g.ID] {
				seenGroup[g.ID] = true
				out = append(out, g)
			}
		}
		if err := c.nextPage(cl, next, page, seenCursor); err != nil || next == "" {
			return out, err
		}
		req.Cursor = next
	}
}

// Wire shape of MultiDirectoryGroupSearchPage.
type wireGroupPage struct {
	Data *[]struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DirectoryID string `json:"directoryId"`
		Counts      *struct {
			Resources *int `json:"resources"`
			Users     *int `json:"users"`
		} `json:"counts"`
		ExternalSynced bool   `json:"externalSynced"`
		ManagedBy      string `json:"managedBy"`
	} `json:"data"`
	Links *links `json:"links"`
}

// decodeGroups reads one page of the group search. Every group needs an
// ID (it goes into a DELETE path), no longer than Atlassian's; a negative
// count of products, or more than an organisation has, is an error. A
// name is kept to maxNameLen bytes, cut with "…" (it is shown, never
// matched), managedBy to one word, and a count of users no organisation
// has is unknown (-1), as a negative one is.
func decodeGroups(b []byte) ([]Group, string, error) {
	var w wireGroupPage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, "", fmt.Errorf("decoding the groups: %w", err)
	}
	if w.Data == nil {
		return nil, "", errors.New("no data in the answer")
	}
	out := make([]Group, 0, len(*w.Data))
	for i, d := range *w.Data {
		if err := validID("group ID", d.ID); err != nil {
			return nil, "", fmt.Errorf("data[%d]: %w", i, err)
		}
		if len(d.ID) > maxWorkspaceIDLen {
			return nil, "", fmt.Errorf("data[%d].id is longer than %d bytes", i, maxWorkspaceIDLen)
		}
		if len(d.DirectoryID) > maxWorkspaceIDLen {
			return nil, "", fmt.Errorf("data[%d].directoryId is longer than %d bytes", i, maxWorkspaceIDLen)
		}
		g := Group{ID: d.ID, Name: cutMarked(d.Name, maxNameLen), DirectoryID: d.DirectoryID, Resources: -1, Users: -1,
			ExternalSynced: d.ExternalSynced, ManagedBy: cut(d.ManagedBy, maxStatusLen)}
		if d.Counts != nil {
			if r := d.Counts.Resources; r != nil {
				if *r < 0 {
					return nil, "", fmt.Errorf("data[%d].counts.resources is negative", i)
				}
				if *r > maxGroupResources {
					return nil, "", fmt.Errorf("data[%d].counts.resources is more than %d", i, maxGroupResources)
				}
				g.Resources = *r
			}
			if n := d.Counts.Users; n != nil && *n >= 0 && *n <= maxOrgUserPages*orgUsersPageSize {
				g.Users = *n
			}
		}
		out = append(out, g)
	}
	next, err := nextCursor(w.Links)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// roleRequest is RoleApiRequest.
type roleRequest struct {
	Role     string `json:"role"`
	Resource string `json:"resource"`
}

// RevokeRole takes role on resourceARI away from accountID, when it was
// given directly (POST /admin/v1/orgs/{orgId}/users/{accountId}/roles/revoke,
// answered 204). It sends the write key. A 5xx or a lost connection is not
// retried (ErrWriteUnknown: read RoleAssignments back); a 429 is waited out.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v1-orgs-orgid-users-userid-roles-revoke-post
func (c *Client) RevokeRole(ctx context.Context, accountID, role, resourceARI string) error {
	return c.role(ctx, "revoke role", "revoke", accountID, role, resourceARI)
}

// AssignRole gives role on resourceARI to accountID directly
// (POST /admin/v1/orgs/{orgId}/users/{accountId}/roles/assign, 204): the
// undo of RevokeRole. A full product answers 409 ADMIN-UAM-409-3, which is
// ErrSeatLimit. Not retried but for 429, like RevokeRole.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v1-orgs-orgid-users-userid-roles-assign-post
func (c *Client) AssignRole(ctx context.Context, accountID, role, resourceARI string) error {
	return c.role(ctx, "assign role", "assign", accountID, role, resourceARI)
}

func (c *Client) role(ctx context.Context, op, verb, accountID, role, resourceARI string) error {
	if err := c.writeReady(op, nil); err != nil {
		return err
	}
	if err := errors.Join(validID("account ID", accountID), validID("role", role), validID("resource", resourceARI)); err != nil {
		return fmt.Errorf("atlassian: %s: %w", op, err)
	}
	if role == RoleOrgAdmin {
		// The org-admin role has its own experimental endpoint, and a
		// release never touches it.
		return fmt.Errorf("atlassian: %s: the org-admin role is not changed here", op)
	}
	body, err := json.Marshal(roleRequest{Role: role, Resource: resourceARI})
	if err != nil {
		return fmt.Errorf("atlassian: %s: encoding the request: %w", op, err)
	}
	u := joinPath(c.adminBase, "admin", "v1", "orgs", c.orgID, "users", accountID, "roles", verb)
	_, err = c.get(ctx, call{api: Admin, op: op, url: u, auth: c.writeAuth, method: http.MethodPost, body: body, write: true})
	return err
}

// RemoveFromGroup deletes accountID's membership of groupID
// (DELETE /admin/v2/orgs/{orgId}/directories/-/groups/{groupId}/memberships/{accountId},
// 204), and with it every role the group gave. It sends the write key. Not
// retried but for 429: a repeat after a lost answer could meet a 404 for
// the membership it had just removed, so the caller reads back instead.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-groups/#api-v2-orgs-orgid-directories-directoryid-groups-groupid-memberships-accountid-delete
func (c *Client) RemoveFromGroup(ctx context.Context, groupID, accountID string) error {
	const op = "remove group membership"
	if err := c.writeReady(op, nil); err != nil {
		return err
	}
	if err := errors.Join(validID("group ID", groupID), validID("account ID", accountID)); err != nil {
		return fmt.Errorf("atlassian: %s: %w", op, err)
	}
	u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "groups", groupID, "memberships", accountID)
	_, err := c.get(ctx, call{api: Admin, op: op, url: u, auth: c.writeAuth, method: http.MethodDelete, write: true})
	return err
}

// AddToGroup makes accountID a member of groupID again
// (POST /admin/v2/orgs/{orgId}/directories/-/groups/{groupId}/memberships
// with {"accountId": …}, 204): the undo of RemoveFromGroup. Atlassian
// answers 409 both when the person is already a member and when a product
// the group grants is at its licence limit. A 409 with a licence code
// (ADMIN-409-3) is ErrSeatLimit at once; any other 409 is told apart by
// asking the group search whether the person is now a member: a member is
// success (the undo had already happened), otherwise ErrSeatLimit. Not
// retried but for 429.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-groups/#api-v2-orgs-orgid-directories-directoryid-groups-groupid-memberships-post
func (c *Client) AddToGroup(ctx context.Context, groupID, accountID string) error {
	const op = "add group membership"
	if err := c.writeReady(op, nil); err != nil {
		return err
	}
	if err := errors.Join(validID("group ID", groupID), validID("account ID", accountID)); err != nil {
		return fmt.Errorf("atlassian: %s: %w", op, err)
	}
	body, err := json.Marshal(struct {
		AccountID string `json:"accountId"`
	}{accountID})
	if err != nil {
		return fmt.Errorf("atlassian: %s: encoding the request: %w", op, err)
	}
	u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "groups", groupID, "memberships")
	_, err = c.get(ctx, call{api: Admin, op: op, url: u, auth: c.writeAuth, method: http.MethodPost, body: body, write: true})
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrConflict {
		return err
	}
	member, merr := c.isMember(ctx, groupID, accountID)
	switch {
	case merr != nil:
		return err // the 409 stands as it was
	case member:
		return nil
	}
	e.Kind = ErrSeatLimit
	return e
}

// isMember asks the group search whether accountID is in groupID.
func (c *Client) isMember(ctx context.Context, groupID, accountID string) (bool, error) {
	gs, err := c.searchGroups(ctx, "check group membership", groupSearch{Limit: 1,
		AccountIDs: []string{accountID}, GroupIDs: []string{groupID}})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(gs, func(g Group) bool { return g.ID == groupID }), nil
}

// uncertain turns the failure of a write that may have reached Atlassian
// into ErrWriteUnknown. A request that never left (the name did not
// resolve, nothing listened) stays ErrUnavailable: it surely did nothing.
func uncertain(e *Error) error {
	if e.Kind == ErrUnavailable && e.Net != NetDNS && e.Net != NetRefused {
		e.Kind = ErrWriteUnknown
	}
	return e
}

// seatLimitCode reports whether a 409's code is the licence limit.
func seatLimitCode(code string) bool {
	return code == "ADMIN-UAM-409-3" || code == "ADMIN-409-3"
}

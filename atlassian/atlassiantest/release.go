package atlassiantest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The release endpoints: reading how a person holds a product, and
// changing it. Each requires AdminWriteKey: the read key (APIKey) gets
// 403, anything else 401. Changes rebuild the index, so every endpoint
// (last-active-dates, the v2 search's productAccess, the role assignments)
// reflects them at once.

// writeAuth answers a request that does not carry the write key.
func writeAuth(auth, code string) (reply, bool) {
	switch auth {
	case "write":
		return reply{}, false
	case "bearer":
		return errorReply("admin", http.StatusForbidden, code, "This API key may not change users or groups"), true
	}
	return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized"), true
}

// Wire shapes of the role assignments (MultiDirectoryUserRoleAssignmentPage).
type (
	raPage struct {
		Data  []raEntry `json:"data"`
		Links v2Links   `json:"links"`
	}
	raEntry struct {
		DirectoryID         *string  `json:"directoryId"`
		ResourceID          string   `json:"resourceId"`
		ResourceOwner       string   `json:"resourceOwner"`
		RoleAssignments     []raRole `json:"roleAssignments"`
		UserDirectoryStatus *string  `json:"userDirectoryStatus"`
	}
	raRole struct {
		Role    string   `json:"role"`
		Methods []string `json:"roleAssignmentMethods"`
	}
)

// roleAssignments serves GET …/directories/{dir}/users/{accountId}/role-assignments:
// one entry per held product (filtered by resourceIds), with the user role
// and how it is held, and the org-admin platform role on the organisation
// for org admins. Pages by the server's page size; a cursor replaces every
// other parameter, as the spec says.
func (s *Server) roleAssignments(x *index, v []string, q url.Values, auth string) reply {
	if rep, bad := writeAuth(auth, "ADMIN-403-3"); bad {
		return rep
	}
	orgID, dirID, accountID := v[0], v[1], v[2]
	if rep, bad := checkOrgDir(x, orgID, dirID); bad {
		return rep
	}
	u, ok := x.lookup(accountID)
	if !ok || u.NotMember {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-8", "User not found")
	}
	resources := q["resourceIds"]
	if len(resources) > 20 {
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "at most 20 resourceIds")
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		// The cursor carries its filters: the spec says every other
		// parameter is discarded, so the fake refuses them beside it.
		var ok bool
		start, resources, ok = decodeRACursor(c, accountID)
		if !ok || len(q) > 1 {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-1", "Invalid page cursor (or other parameters beside it)")
		}
	}
	scope := strings.Join(append([]string{accountID}, resources...), ",")
	limit := s.pageSize
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "limit must be between 1 and 100")
		}
		limit = min(n, s.pageSize)
	}

	dir, status := DirectoryID, u.MembershipStatus
	var all []raEntry
	for _, p := range u.held {
		if len(resources) > 0 && !slices.Contains(resources, p.ID()) {
			continue
		}
		var methods []string
		switch p.Grant {
		case GrantDirect:
			methods = append(methods, "direct")
		case GrantInferred:
			methods = append(methods, "inferred")
		}
		if len(x.grantingGroups(u.AccountID, p.ID())) > 0 {
			methods = append(methods, "group_direct")
		}
		all = append(all, raEntry{DirectoryID: &dir, ResourceID: p.ID(), ResourceOwner: p.Key,
			RoleAssignments: []raRole{{Role: "atlassian/user", Methods: methods}}, UserDirectoryStatus: &status})
	}
	orgARI := "ari:cloud:platform::org/" + x.orgID
	if u.OrgAdmin && (len(resources) == 0 || slices.Contains(resources, orgARI)) {
		all = append(all, raEntry{ResourceID: orgARI, ResourceOwner: "platform",
			RoleAssignments: []raRole{{Role: "atlassian/org-admin", Methods: []string{"direct"}}}})
	}
	if start > len(all) {
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-1", "Invalid page cursor")
	}
	end := min(start+limit, len(all))
	page := raPage{Data: append([]raEntry{}, all[start:end]...), Links: v2Links{Self: encodeCursor("ra", scope, start)}}
	if end < len(all) {
		page.Links.Next = encodeCursor("ra", scope, end)
	}
	return marshalReply(http.StatusOK, page)
}

// decodeRACursor reads a role-assignments cursor issued for accountID: its
// offset and the resource filter it carries.
func decodeRACursor(c, accountID string) (int, []string, bool) {
	b, err := base64.StdEncoding.Strict().DecodeString(c)
	if err != nil || !bytes.HasPrefix(b, cursorMagic) {
		return 0, nil, false
	}
	parts := strings.Split(strings.TrimRight(string(b[len(cursorMagic):]), " "), "|")
	if len(parts) != 3 || parts[0] != "ra" {
		return 0, nil, false
	}
	scope := strings.Split(parts[1], ",")
	off, err := strconv.Atoi(parts[2])
	if err != nil || off <= 0 || scope[0] != accountID {
		return 0, nil, false
	}
	return off, scope[1:], true
}

// cursorScope shortens a cursor's scope to a hash, so cursors stay short.
func cursorScope(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36)
}

func checkOrgDir(x *index, orgID, dirID string) (reply, bool) {
	if orgID != x.orgID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-2", "Organization not found"), true
	}
	if dirID != "-" && dirID != DirectoryID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-1", "Directory not found"), true
	}
	return reply{}, false
}

// Wire shapes of the group search.
type (
	groupSearchRequest struct {
		Limit          *int     `json:"limit,omitempty"`
		Cursor         string   `json:"cursor,omitempty"`
		AccountIDs     []string `json:"accountIds,omitempty"`
		ResourceIDs    []string `json:"resourceIds,omitempty"`
		RoleIDs        []string `json:"roleIds,omitempty"`
		GroupIDs       []string `json:"groupIds,omitempty"`
		GroupNames     []string `json:"groupNames,omitempty"`
		SearchTerm     string   `json:"searchTerm,omitempty"`
		Expand         []string `json:"expand,omitempty"`
		DirectoryIDs   []string `json:"directoryIds,omitempty"`
		ResourceOwners []string `json:"resourceOwners,omitempty"`
	}
	groupPage struct {
		Data  []groupModel `json:"data"`
		Links v2Links      `json:"links"`
	}
	groupModel struct {
		ID             string       `json:"id"`
		Name           string       `json:"name"`
		DirectoryID    string       `json:"directoryId"`
		ExternalSynced bool         `json:"externalSynced"`
		ManagedBy      string       `json:"managedBy"`
		Counts         *groupCounts `json:"counts,omitempty"`
		Links          v2SelfLink   `json:"links"`
	}
	groupCounts struct {
		Resources *int `json:"resources,omitempty"`
		Users     *int `json:"users,omitempty"`
	}
)

var roleIDValues = []string{"atlassian/user", "atlassian/admin", "atlassian/guest", "atlassian/customer",
	"atlassian/user-access-admin", "atlassian/contributor", "atlassian/basic", "atlassian/stakeholder",
	"atlassian/org-admin", "atlassian/site-admin", "atlassian/ai-access"}

// groupsSearch serves POST …/directories/{dir}/groups/search with the
// filters a release needs (members, resources, roles, group IDs); fields
// it does not implement are a 400, so no test believes a filter worked.
// Groups grant only atlassian/user: a roleIds filter without it matches
// nothing.
func (s *Server) groupsSearch(x *index, v []string, body []byte, auth string) reply {
	if rep, bad := writeAuth(auth, "ADMIN-403-3"); bad {
		return rep
	}
	if rep, bad := checkOrgDir(x, v[0], v[1]); bad {
		return rep
	}
	var req groupSearchRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "Invalid body: "+err.Error())
		}
	}
	switch {
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > 100):
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "limit must be between 1 and 100")
	case len(req.GroupNames) > 0 || req.SearchTerm != "" || len(req.DirectoryIDs) > 0 || len(req.ResourceOwners) > 0:
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "the fake implements accountIds, resourceIds, roleIds and groupIds only")
	case len(req.AccountIDs) > 10 || len(req.RoleIDs) > 10 || len(req.GroupIDs) > 10 || len(req.ResourceIDs) > 20:
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "too many items in a filter")
	}
	for _, r := range req.RoleIDs {
		if !slices.Contains(roleIDValues, r) {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", fmt.Sprintf("roleIds: unknown value %q", r))
		}
	}
	for _, e := range req.Expand {
		if e != "counts.resources" && e != "counts.users" {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", fmt.Sprintf("expand: unknown value %q", e))
		}
	}
	filters := req
	filters.Cursor, filters.Limit = "", nil
	fb, _ := json.Marshal(filters)
	scope := cursorScope(string(fb))
	start := 0
	if req.Cursor != "" {
		off, ok := decodeCursor(req.Cursor, "groups", scope)
		if !ok || off < 0 || off > len(x.groups) {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-1", "Invalid page cursor")
		}
		start = off
	}
	limit := 20
	if req.Limit != nil {
		limit = *req.Limit
	}
	limit = min(limit, s.pageSize)

	page := groupPage{Data: []groupModel{}, Links: v2Links{Self: encodeCursor("groups", scope, start)}}
	for i := start; i < len(x.groups); i++ {
		g := &x.groups[i]
		if !req.matches(g) {
			continue
		}
		if len(page.Data) == limit {
			page.Links.Next = encodeCursor("groups", scope, i)
			break
		}
		m := groupModel{ID: g.ID, Name: g.Name, DirectoryID: DirectoryID, ExternalSynced: g.ExternalSynced,
			ManagedBy: "admins", Links: v2SelfLink{Self: encodeCursor("group", g.ID, 0)}}
		if g.ExternalSynced {
			m.ManagedBy = "external"
		}
		if len(req.Expand) > 0 {
			m.Counts = &groupCounts{}
			if slices.Contains(req.Expand, "counts.resources") {
				n := len(g.Grants)
				m.Counts.Resources = &n
			}
			if slices.Contains(req.Expand, "counts.users") {
				n := len(g.Members)
				m.Counts.Users = &n
			}
		}
		page.Data = append(page.Data, m)
	}
	return marshalReply(http.StatusOK, page)
}

func (req *groupSearchRequest) matches(g *Group) bool {
	anyIn := func(filter, have []string) bool {
		return len(filter) == 0 || slices.ContainsFunc(filter, func(f string) bool { return slices.Contains(have, f) })
	}
	return anyIn(req.GroupIDs, []string{g.ID}) &&
		anyIn(req.AccountIDs, g.Members) &&
		anyIn(req.ResourceIDs, g.Grants) &&
		(len(req.RoleIDs) == 0 || len(g.Grants) > 0 && slices.Contains(req.RoleIDs, "atlassian/user"))
}

// change runs f on copies of the users and groups and installs the result,
// one change at a time; f answers the request.
func (s *Server) change(f func(x *index, users []User, groups []Group) (reply, bool)) reply {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old := s.idx.Load()
	users := slices.Clone(old.users)
	groups := slices.Clone(old.groups)
	for i := range groups {
		groups[i].Members = slices.Clone(groups[i].Members)
	}
	rep, changed := f(old, users, groups)
	if changed {
		s.idx.Store(buildIndex(old.orgID, users, groups, old.seatLimits))
	}
	return rep
}

// full reports whether giving u the products in aris would pass a seat limit.
func (x *index) full(u *User, aris []string) (string, bool) {
	if u.AccountStatus != "active" || u.MembershipStatus != "active" {
		return "", false // holds no seat either way
	}
	for _, ari := range aris {
		limit, ok := x.seatLimits[ari]
		if ok && !u.holds(ari) && x.seats(ari) >= limit {
			return ari, true
		}
	}
	return "", false
}

// changeRole serves POST /admin/v1/orgs/{orgId}/users/{userId}/roles/revoke|assign
// for the atlassian/user role on a product: revoke drops the direct grant
// (the product stays held while a group grants it), assign restores it,
// answering 409 ADMIN-UAM-409-3 when the product is at its seat limit. Both
// are no-ops when there is nothing to change, and answer 204.
func (s *Server) changeRole(v []string, assign bool, body []byte, auth string) reply {
	if rep, bad := writeAuth(auth, "ADMIN-UAM-403-1"); bad {
		return rep
	}
	var req struct {
		Role     string `json:"role"`
		Resource string `json:"resource"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorReply("admin", http.StatusBadRequest, "ADMIN-UAM-400-1", "Bad Request: "+err.Error())
	}
	return s.change(func(x *index, users []User, _ []Group) (reply, bool) {
		if v[0] != x.orgID {
			return errorReply("admin", http.StatusNotFound, "ADMIN-UAM-404-2", "Organization not found"), false
		}
		i, ok := x.pos[v[1]]
		if !ok || users[i].NotMember {
			return errorReply("admin", http.StatusNotFound, "ADMIN-UAM-404-1", "Unknown Resource"), false
		}
		if req.Role != "atlassian/user" {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-UAM-400-3", "Invalid Role for Resource (the fake changes atlassian/user only)"), false
		}
		p, ok := productOf(req.Resource)
		if !ok {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-UAM-400-1", "Bad Request: resource is not a product ARI"), false
		}
		u := &users[i]
		u.Products = slices.Clone(u.Products)
		j := slices.IndexFunc(u.Products, func(q Product) bool { return q.ID() == req.Resource })
		if !assign {
			switch {
			case j < 0 || u.Products[j].Grant == GrantGroup:
				return noContent(), false
			case u.Products[j].Grant == GrantInferred:
				return errorReply("admin", http.StatusBadRequest, "ADMIN-UAM-400-3", "The role is inferred and cannot be revoked"), false
			}
			u.Products[j].Grant = GrantGroup
			return noContent(), true
		}
		if j >= 0 && u.Products[j].Grant != GrantGroup {
			return noContent(), false
		}
		if _, full := x.full(u, []string{req.Resource}); full {
			return errorReply("admin", http.StatusConflict, "ADMIN-UAM-409-3", "Product License Limit Exceeded"), false
		}
		if j < 0 {
			u.Products = append(u.Products, p)
		} else {
			u.Products[j].Grant = GrantDirect
		}
		return noContent(), true
	})
}

// group finds a group by ID among groups.
func group(groups []Group, id string) (*Group, bool) {
	i := slices.IndexFunc(groups, func(g Group) bool { return g.ID == id })
	if i < 0 {
		return nil, false
	}
	return &groups[i], true
}

// removeMember serves DELETE …/groups/{groupId}/memberships/{accountId}.
// A user who is not a member gets 404 ADMIN-404-8; a synced group 403.
func (s *Server) removeMember(v []string, auth string) reply {
	if rep, bad := writeAuth(auth, "ADMIN-403-3"); bad {
		return rep
	}
	return s.change(func(x *index, users []User, groups []Group) (reply, bool) {
		if rep, bad := checkOrgDir(x, v[0], v[1]); bad {
			return rep, false
		}
		g, ok := group(groups, v[2])
		if !ok {
			return errorReply("admin", http.StatusNotFound, "ADMIN-404-10", "Group not found"), false
		}
		if g.ExternalSynced {
			return errorReply("admin", http.StatusForbidden, "ADMIN-403-5", "The group is synced from an identity provider"), false
		}
		k := slices.Index(g.Members, v[3])
		if k < 0 {
			return errorReply("admin", http.StatusNotFound, "ADMIN-404-8", "The user is not a member of the group"), false
		}
		g.Members = slices.Delete(g.Members, k, k+1)
		return noContent(), true
	})
}

// addMember serves POST …/groups/{groupId}/memberships {"accountId": …}.
// An existing member gets 409 ADMIN-409-28; a group granting a product at
// its seat limit (that the user does not hold yet) 409 ADMIN-409-3.
func (s *Server) addMember(v []string, body []byte, auth string) reply {
	if rep, bad := writeAuth(auth, "ADMIN-403-3"); bad {
		return rep
	}
	var req struct {
		AccountID string `json:"accountId"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.AccountID == "" {
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "Invalid body: accountId is required")
	}
	return s.change(func(x *index, users []User, groups []Group) (reply, bool) {
		if rep, bad := checkOrgDir(x, v[0], v[1]); bad {
			return rep, false
		}
		g, ok := group(groups, v[2])
		if !ok {
			return errorReply("admin", http.StatusNotFound, "ADMIN-404-10", "Group not found"), false
		}
		i, ok := x.pos[req.AccountID]
		if !ok || users[i].NotMember {
			return errorReply("admin", http.StatusNotFound, "ADMIN-404-8", "User not found"), false
		}
		switch {
		case g.ExternalSynced:
			return errorReply("admin", http.StatusForbidden, "ADMIN-403-5", "The group is synced from an identity provider"), false
		case slices.Contains(g.Members, req.AccountID):
			return errorReply("admin", http.StatusConflict, "ADMIN-409-28", "The user is already in the group"), false
		}
		if _, full := x.full(&users[i], g.Grants); full {
			return errorReply("admin", http.StatusConflict, "ADMIN-409-3", "You've exceeded your user limit for an app that the group grants access to"), false
		}
		g.Members = append(g.Members, req.AccountID)
		return noContent(), true
	})
}

// SetSeatLimit caps the active accounts holding ari (a Product.ID) at n
// from the next request on; n < 0 removes the limit.
func (s *Server) SetSeatLimit(ari string, n int) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old := s.idx.Load()
	limits := maps.Clone(old.seatLimits)
	if limits == nil {
		limits = map[string]int{}
	}
	if n < 0 {
		delete(limits, ari)
	} else {
		limits[ari] = n
	}
	s.idx.Store(buildIndex(old.orgID, old.users, old.groups, limits))
}

// Seats returns how many active accounts hold ari now.
func (s *Server) Seats(ari string) int { return s.idx.Load().seats(ari) }

// Holds reports whether the account holds ari now (directly, inferred or
// through a group): what a read-back must find false after a release.
func (s *Server) Holds(accountID, ari string) bool {
	u, ok := s.idx.Load().lookup(accountID)
	return ok && u.holds(ari)
}

// Groups returns copies of the groups with their current members.
func (s *Server) Groups() []Group {
	gs := slices.Clone(s.idx.Load().groups)
	for i := range gs {
		gs[i].Grants, gs[i].Members = slices.Clone(gs[i].Grants), slices.Clone(gs[i].Members)
	}
	return gs
}

// IsMember reports whether accountID is in groupID now.
func (s *Server) IsMember(groupID, accountID string) bool {
	g, ok := group(s.idx.Load().groups, groupID)
	return ok && slices.Contains(g.Members, accountID)
}

// noContent is the 204 of a successful change.
func noContent() reply { return reply{status: http.StatusNoContent, header: http.Header{}} }

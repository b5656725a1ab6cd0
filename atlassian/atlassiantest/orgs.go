package atlassiantest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// Endpoint names an endpoint of the fake, for Request.Endpoint and
// CountEndpoint.
type Endpoint string

// The endpoints. EndpointUsersSearch is the v2 users search without
// emails (the org-wide scan); EndpointEmailSearch is the same URL with an
// emails filter (finding one person).
const (
	EndpointJiraSearch  Endpoint = "jira user search"
	EndpointJiraUser    Endpoint = "jira user"
	EndpointJiraMyself  Endpoint = "jira myself"
	EndpointLastActive  Endpoint = "admin last-active-dates"
	EndpointUsersSearch Endpoint = "admin users search"
	EndpointEmailSearch Endpoint = "admin exact-email search"
	EndpointOrg         Endpoint = "admin org"
	EndpointWorkspaces  Endpoint = "admin workspaces"

	// The release endpoints; each requires AdminWriteKey.
	EndpointRoleAssignments  Endpoint = "admin role assignments"
	EndpointGroupsSearch     Endpoint = "admin groups search"
	EndpointRevokeRole       Endpoint = "admin revoke role"
	EndpointAssignRole       Endpoint = "admin assign role"
	EndpointAddMembership    Endpoint = "admin add group membership"
	EndpointRemoveMembership Endpoint = "admin remove group membership"
)

// endpointOf classifies a request by method, path and, for the v2 users
// search, whether the body filters by emails.
func endpointOf(method, path string, body []byte) Endpoint {
	for _, e := range []struct {
		pattern []string
		method  string
		ep      Endpoint
	}{
		{userSearchPattern, http.MethodGet, EndpointJiraSearch},
		{userPattern, http.MethodGet, EndpointJiraUser},
		{myselfPattern, http.MethodGet, EndpointJiraMyself},
		{lastActivePattern, http.MethodGet, EndpointLastActive},
		{usersSearchPattern, http.MethodPost, EndpointUsersSearch},
		{orgPattern, http.MethodGet, EndpointOrg},
		{workspacesPattern, http.MethodPost, EndpointWorkspaces},
		{roleAssignmentsPattern, http.MethodGet, EndpointRoleAssignments},
		{groupsSearchPattern, http.MethodPost, EndpointGroupsSearch},
		{revokePattern, http.MethodPost, EndpointRevokeRole},
		{assignPattern, http.MethodPost, EndpointAssignRole},
		{membershipsPattern, http.MethodPost, EndpointAddMembership},
		{membershipPattern, http.MethodDelete, EndpointRemoveMembership},
	} {
		if _, ok := match(e.pattern, path); !ok || method != e.method {
			continue
		}
		if e.ep == EndpointUsersSearch {
			var req struct {
				Emails []string `json:"emails"`
			}
			if json.Unmarshal(body, &req) == nil && len(req.Emails) > 0 {
				return EndpointEmailSearch
			}
		}
		return e.ep
	}
	return ""
}

// CountEndpoint returns how many recorded requests addressed ep, whatever
// their answer (rejections and injected failures included).
func (s *Server) CountEndpoint(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Endpoint == ep {
			n++
		}
	}
	return n
}

// Rejections make the fake refuse a credential that clients still send
// correctly, as Atlassian does when a token is revoked or expires, or when
// the key's owner loses the org admin role. A wrong organisation ID needs
// no knob: a client configured with another ID than the server's gets 404
// ADMIN-404-2 from every Admin endpoint.
type Rejections struct {
	// JiraToken: 401 from every Jira endpoint (/myself and the searches).
	JiraToken bool
	// APIKey: 401 from every Admin endpoint, in the gateway's shape.
	APIKey bool
	// KeyNotAdmin: 403 ADMIN-403-3 from every Admin endpoint: the key is
	// valid but its owner may not administer the organisation.
	KeyNotAdmin bool
	// WriteKey: 401 to every request carrying AdminWriteKey (revoked or
	// expired). APIKey and KeyNotAdmin do not touch requests carrying it.
	WriteKey bool
}

// Reject sets the rejections in force from the next request on; the zero
// Rejections accepts the credentials again.
func (s *Server) Reject(r Rejections) { s.reject.Store(&r) }

// rejection answers a request refused by the current Rejections.
func (s *Server) rejection(api, auth string) (reply, bool) {
	r := s.reject.Load()
	switch {
	case api == "admin" && auth == "write":
		if r.WriteKey {
			return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized"), true
		}
		return reply{}, false
	case api == "jira" && r.JiraToken:
		return errorReply("jira", http.StatusUnauthorized, "", "Client must be authenticated to access this resource."), true
	case api == "admin" && r.APIKey:
		return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized"), true
	case api == "admin" && r.KeyNotAdmin:
		return errorReply("admin", http.StatusForbidden, "ADMIN-403-3", "The API key's owner is not an admin of this organization"), true
	}
	return reply{}, false
}

// getOrg serves GET /admin/v1/orgs/{orgId}.
func (s *Server) getOrg(x *index, orgID, auth string) reply {
	// The write key is an org admin's key too: `lastactive check` proves it here.
	if auth != "bearer" && auth != "write" {
		return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized")
	}
	if orgID != x.orgID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-2", "Organization not found")
	}
	self := s.URL() + "/admin/v1/orgs/" + x.orgID
	return marshalReply(http.StatusOK, map[string]any{"data": map[string]any{
		"id":         x.orgID,
		"type":       "orgs",
		"attributes": map[string]string{"name": s.orgName},
		"relationships": map[string]any{
			"domains": map[string]any{"links": map[string]string{"related": self + "/domains"}},
			"users":   map[string]any{"links": map[string]string{"related": self + "/users"}},
		},
		"links": map[string]string{"self": self},
	}})
}

// Wire shapes of POST /admin/v2/orgs/{orgId}/workspaces.
type (
	wsRequest struct {
		Cursor *string `json:"cursor,omitempty"`
		Limit  *int    `json:"limit,omitempty"`
	}
	wsPage struct {
		Data  []wsModel `json:"data"`
		Links wsLinks   `json:"links"`
		Meta  wsMeta    `json:"meta"`
	}
	wsLinks struct {
		Self string `json:"self"`
		Next string `json:"next,omitempty"`
	}
	wsMeta struct {
		PageSize int `json:"pageSize"`
		Total    int `json:"total"`
	}
	wsModel struct {
		ID         string       `json:"id"`
		Type       string       `json:"type"`
		Attributes wsAttributes `json:"attributes"`
		Links      v2SelfLink   `json:"links"`
	}
	wsAttributes struct {
		Name     string  `json:"name"`
		Type     string  `json:"type"`
		TypeKey  string  `json:"typeKey"`
		HostURL  *string `json:"hostUrl"`
		Capacity *int    `json:"capacity,omitempty"`
		Status   string  `json:"status"`
	}
)

const (
	wsDefaultLimit = 20
	wsMaxLimit     = 1000
)

// workspacesV2 serves the workspaces list. It pages by the limit the
// client asks for, but never more than the server's page size, so clients
// meet cursors with the small sample. Like the real API it refuses a body
// with a cursor and anything else, and fields it does not implement
// (query, sort) so that no test believes a filter worked.
func (s *Server) workspacesV2(x *index, orgID string, body []byte, auth string) reply {
	if auth != "bearer" {
		return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized")
	}
	if orgID != x.orgID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-2", "Organization not found")
	}
	var req wsRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-4", "Invalid body: "+err.Error())
		}
	}
	limit := wsDefaultLimit
	switch {
	case req.Cursor != nil && req.Limit != nil:
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-4", "When a cursor is given, no other property may be present")
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > wsMaxLimit):
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-4", fmt.Sprintf("limit must be between 1 and %d", wsMaxLimit))
	case req.Limit != nil:
		limit = *req.Limit
	}
	limit = min(limit, s.pageSize)
	start := 0
	if req.Cursor != nil {
		// The cursor carries the page size it was issued with.
		var ok bool
		start, ok = decodeCursor(*req.Cursor, "ws", x.orgID)
		if !ok || start <= 0 || start >= len(s.workspaces) {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-4", "Invalid page cursor")
		}
	}
	end := min(start+limit, len(s.workspaces))
	page := wsPage{Data: make([]wsModel, 0, end-start), Links: wsLinks{Self: encodeCursor("ws", x.orgID, start)},
		Meta: wsMeta{PageSize: limit, Total: len(s.workspaces)}}
	for _, w := range s.workspaces[start:end] {
		m := wsModel{ID: w.ID, Type: "workspace", Links: v2SelfLink{Self: encodeCursor("wsself", w.ID, 0)},
			Attributes: wsAttributes{Name: w.Name, Type: w.Type, TypeKey: w.Type, Status: "online"}}
		if w.HostURL != "" {
			h := w.HostURL
			m.Attributes.HostURL = &h
		}
		if w.Capacity > 0 {
			c := w.Capacity
			m.Attributes.Capacity = &c
		}
		page.Data = append(page.Data, m)
	}
	if end < len(s.workspaces) {
		page.Links.Next = encodeCursor("ws", x.orgID, end)
	}
	return marshalReply(http.StatusOK, page)
}

// Workspaces returns a copy of the workspaces the server lists.
func (s *Server) Workspaces() []Workspace { return append([]Workspace(nil), s.workspaces...) }

package slacktest

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxUsersListLimit is the largest page users.list serves, as Slack caps it.
const maxUsersListLimit = 1000

// usersList answers users.list
// (https://docs.slack.dev/reference/methods/users.list): the workspace's
// members in a stable order (by ID), deleted users and bots included as
// Slack sends them, limit per page (1–1000; none: everyone at once), and a
// response_metadata.next_cursor until the last page. A cursor this server
// did not hand out is refused with invalid_cursor, so a client that loses
// or invents one fails.
func (s *Server) usersList(p url.Values) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	limit := len(ids)
	if l := p.Get("limit"); l != "" && l != "0" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxUsersListLimit {
			return nil, apiError("invalid_limit")
		}
		limit = n
	}
	start := 0
	if c := p.Get("cursor"); c != "" {
		at, ok := s.cursors[c]
		if !ok {
			return nil, apiError("invalid_cursor")
		}
		start = at
	}
	end := min(start+limit, len(ids))
	members := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, s.users[id].toJSON())
	}
	next := ""
	if end < len(ids) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + strings.ToLower(ids[end])))
		s.cursors[next] = end
	}
	return map[string]any{
		"members":           members,
		"cache_ts":          1700000000,
		"response_metadata": map[string]any{"next_cursor": next},
	}, nil
}

package atlassiantest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// jiraUser is Jira's User object as user/search, user and myself send it.
type jiraUser struct {
	Self         string `json:"self"`
	AccountID    string `json:"accountId"`
	AccountType  string `json:"accountType"`
	EmailAddress string `json:"emailAddress,omitempty"`
	DisplayName  string `json:"displayName"`
	Active       bool   `json:"active"`
	TimeZone     string `json:"timeZone"`
	Locale       string `json:"locale"`
}

func (s *Server) toJira(u *User) jiraUser {
	j := jiraUser{
		Self:        s.URL() + "/rest/api/3/user?accountId=" + url.QueryEscape(u.AccountID),
		AccountID:   u.AccountID,
		AccountType: u.AccountType,
		DisplayName: u.DisplayName,
		Active:      u.AccountStatus == "active",
		TimeZone:    "Etc/UTC",
		Locale:      "en_US",
	}
	if !u.HideEmail {
		j.EmailAddress = u.Email
	}
	return j
}

// Jira's search caps: maxResults above 1000 is lowered, and matches after the
// 1000th are unreachable.
const (
	jiraDefaultMax = 50
	jiraCap        = 1000
)

// jiraUserSearch serves GET /rest/api/3/user/search (findUsers).
func (s *Server) jiraUserSearch(x *index, q url.Values, auth string) reply {
	switch auth {
	case "bad", "bearer":
		return errorReply("jira", http.StatusUnauthorized, "", "Client must be authenticated to access this resource.")
	case "none":
		// Anonymous callers lack "Browse users and groups": Jira answers an
		// empty list, not an error, which is why `lastactive check` must
		// expect at least one hit for its own email.
		return jsonReply(http.StatusOK, []byte("[]"))
	}
	if q.Has("username") {
		return errorReply("jira", http.StatusBadRequest, "", "The query parameter 'username' is not supported in GDPR strict mode.")
	}
	query, accountID := strings.TrimSpace(q.Get("query")), q.Get("accountId")
	switch {
	case query != "" && accountID != "":
		return errorReply("jira", http.StatusBadRequest, "", "The query parameters 'query' and 'accountId' can not be used together.")
	case query == "" && accountID == "":
		return errorReply("jira", http.StatusBadRequest, "", "The query parameter 'query' or 'accountId' or 'property' is required.")
	}
	startAt, err1 := intParam(q, "startAt", 0)
	maxResults, err2 := intParam(q, "maxResults", jiraDefaultMax)
	if err1 != nil || err2 != nil || startAt < 0 || maxResults < 0 {
		return errorReply("jira", http.StatusBadRequest, "", "startAt and maxResults must be non-negative integers.")
	}
	maxResults = min(maxResults, jiraCap)

	var hits []int
	if accountID != "" {
		if i, ok := x.pos[accountID]; ok && x.users[i].AccountStatus == "active" {
			hits = []int{i}
		}
	} else {
		hits = x.search(strings.ToLower(query))
	}
	hits = hits[:min(len(hits), jiraCap)]
	hits = hits[min(startAt, len(hits)):]
	hits = hits[:min(maxResults, len(hits))]
	out := make([]jiraUser, 0, len(hits))
	for _, i := range hits {
		out = append(out, s.toJira(&x.users[i]))
	}
	return marshalReply(http.StatusOK, out)
}

// search returns the positions of active users matching Jira's rules, in
// display name order: a query with "@" matches only emails (a prefix of a
// visible one, or a hidden one in full), any other query a prefix of the
// email or of a word of the display name; a query of several words must
// prefix the display name from one of its words on.
func (x *index) search(q string) []int {
	set := map[int]struct{}{}
	if strings.Contains(q, "@") {
		withPrefix(x.emailTerms, q, set)
		for _, i := range x.byEmail[q] {
			if u := &x.users[i]; u.HideEmail && u.AccountStatus == "active" && !u.NotInJira {
				set[i] = struct{}{}
			}
		}
	} else {
		words := strings.Fields(q)
		withPrefix(x.nameTerms, words[0], set)
		if len(words) == 1 {
			withPrefix(x.emailTerms, q, set)
		} else {
			q = strings.Join(words, " ")
			for i := range set {
				name := strings.Join(strings.Fields(strings.ToLower(x.users[i].DisplayName)), " ")
				if !strings.HasPrefix(name, q) && !strings.Contains(name, " "+q) {
					delete(set, i)
				}
			}
		}
	}
	hits := make([]int, 0, len(set))
	for i := range set {
		hits = append(hits, i)
	}
	slices.Sort(hits)
	return hits
}

// jiraGetUser serves GET /rest/api/3/user?accountId=.
func (s *Server) jiraGetUser(x *index, q url.Values, auth string) reply {
	if auth != "basic" {
		return errorReply("jira", http.StatusUnauthorized, "", "Client must be authenticated to access this resource.")
	}
	id := q.Get("accountId")
	if id == "" {
		return errorReply("jira", http.StatusBadRequest, "", "The query parameter 'accountId' is required.")
	}
	u, ok := x.lookup(id)
	if !ok || u.NotInJira {
		return errorReply("jira", http.StatusNotFound, "", "Specified user does not exist or you do not have required permissions")
	}
	return marshalReply(http.StatusOK, s.toJira(u))
}

// jiraMyself serves GET /rest/api/3/myself: the account whose email is
// JiraEmail, the owner of the fake token.
func (s *Server) jiraMyself(x *index, auth string) reply {
	if auth != "basic" {
		return errorReply("jira", http.StatusUnauthorized, "", "Client must be authenticated to access this resource.")
	}
	if ps := x.byEmail[JiraEmail]; len(ps) > 0 {
		return marshalReply(http.StatusOK, s.toJira(&x.users[ps[0]]))
	}
	// The org no longer holds the token's owner: as good as a revoked token.
	return errorReply("jira", http.StatusUnauthorized, "", "Client must be authenticated to access this resource.")
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

func marshalReply(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic("atlassiantest: " + err.Error()) // only fixed, marshalable types reach here
	}
	return jsonReply(status, b)
}

package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxJiraPages caps user-search paging. An exact email matches a handful of
// accounts; a server that keeps sending full pages is ignoring startAt.
const maxJiraPages = 10

// FindAccount returns the one Atlassian account whose email is email.
//
// Jira's query matches prefixes of names and addresses, so the results are
// filtered here (see matchAccounts). No match is ErrNotFound (deactivated
// users are not returned either); several are ErrAmbiguous with
// Error.Candidates listing them.
//
// Upstream: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-search-get
func (c *Client) FindAccount(ctx context.Context, email string) (Account, error) {
	const op = "search users"
	if c.jiraBase == nil {
		return Account{}, fmt.Errorf("atlassian: %s: Jira %w", op, ErrNotConfigured)
	}
	email = strings.TrimSpace(email)
	if email == "" {
		// An empty query would list every user.
		return Account{}, fmt.Errorf("atlassian: %s: empty email", op)
	}

	u := joinPath(c.jiraBase, "rest", "api", "3", "user", "search")
	size := c.jiraPageSize
	seen := make(map[string]bool)
	var all []Account
	for page := 0; ; page++ {
		pu := *u
		pu.RawQuery = searchQuery(email, page*size, size)
		cl := call{api: Jira, op: op, url: &pu, auth: c.jiraAuth}
		if page == maxJiraPages {
			return Account{}, c.fail(cl, ErrBadResponse, 0, "", fmt.Errorf("more than %d pages of results", maxJiraPages))
		}
		body, err := c.get(ctx, cl)
		if err != nil {
			return Account{}, err
		}
		users, err := decodeUsers(body)
		if err != nil {
			return Account{}, c.fail(cl, ErrBadResponse, 200, "", err)
		}
		added := 0
		for _, a := range users {
			if !seen[a.AccountID] {
				seen[a.AccountID] = true
				all = append(all, a)
				added++
			}
		}
		// A page of nothing new is a server that ignores startAt and
		// repeats itself: what it sent is all there is.
		if len(users) < size || added == 0 {
			break
		}
	}

	cl := call{api: Jira, op: op, url: u}
	switch matches := matchAccounts(all, email); len(matches) {
	case 0:
		return Account{}, c.fail(cl, ErrNotFound, 0, "", nil)
	case 1:
		return matches[0], nil
	default:
		return Account{}, &Error{Kind: ErrAmbiguous, API: Jira, Op: op, Path: cl.path(), Candidates: matches,
			Err: fmt.Errorf("%d accounts", len(matches))}
	}
}

// matchAccounts keeps the accounts that can be the person behind email:
// people ("atlassian" accounts, not apps or portal customers) whose visible
// address equals email ignoring case, or whose address is hidden. Jira
// returns a hidden-address account only for an exact email query, so it
// counts as a match; whether it is the only one is the caller's decision.
func matchAccounts(users []Account, email string) []Account {
	var out []Account
	for _, a := range users {
		if a.AccountType != "atlassian" || a.AccountID == "" {
			continue
		}
		if a.Email != "" && !sameEmail(a.Email, email) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// decodeUsers reads a user-search answer: a JSON array of users. Jira's
// schema makes every field optional: only an explicit "active": false is an
// inactive account; a missing or null one is not (the search returns active
// users), so that an answer without it does not read as deactivated.
func decodeUsers(b []byte) ([]Account, error) {
	var wire []struct {
		Account
		Active *bool `json:"active"` // shadows Account.Active
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return nil, fmt.Errorf("decoding the user list: %w", err)
	}
	users := make([]Account, len(wire))
	for i, w := range wire {
		// The account found is cached for every person asked about: what
		// no account holds is refused, a name kept to its start (as the
		// org scan keeps them).
		if len(w.AccountID) > maxAccountIDLen || len(w.Email) > maxEmailLen {
			return nil, fmt.Errorf("user %d: accountId or emailAddress longer than an account's", i)
		}
		users[i] = w.Account
		users[i].DisplayName = cutName(w.DisplayName)
		users[i].Active = w.Active == nil || *w.Active
	}
	return users, nil
}

// Myself returns the account that owns the Jira API token; `lastactive check`
// uses it to prove the Jira credentials work.
//
// Upstream: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
func (c *Client) Myself(ctx context.Context) (Account, error) {
	const op = "get current user"
	if c.jiraBase == nil {
		return Account{}, fmt.Errorf("atlassian: %s: Jira %w", op, ErrNotConfigured)
	}
	cl := call{api: Jira, op: op, url: joinPath(c.jiraBase, "rest", "api", "3", "myself"), auth: c.jiraAuth}
	body, err := c.get(ctx, cl)
	if err != nil {
		return Account{}, err
	}
	var a Account
	if err := json.Unmarshal(body, &a); err != nil {
		return Account{}, c.fail(cl, ErrBadResponse, 200, "", fmt.Errorf("decoding the user: %w", err))
	}
	if a.AccountID == "" {
		return Account{}, c.fail(cl, ErrBadResponse, 200, "", errors.New("no accountId in the answer"))
	}
	return a, nil
}

// sameEmail compares two addresses ignoring case as the bot's cache key
// does (strings.ToLower), except that a non-ASCII letter whose lower case
// is ASCII (the Kelvin sign folds to k, İ to i) never matches: an address
// must not be matched by somebody else's look-alike.
func sameEmail(a, b string) bool {
	a = strings.TrimSpace(a)
	if lookAlike(a) || lookAlike(b) {
		return a == b
	}
	return strings.ToLower(a) == strings.ToLower(b)
}

func lookAlike(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.ToLower(r) < utf8.RuneSelf {
			return true
		}
	}
	return false
}

// searchQuery is the user search's query string: what url.Values.Encode
// makes of query, startAt and maxResults (keys sorted, the address
// escaped; digits need no escaping), without the map, its slices and the
// sorted key list it builds for every request.
func searchQuery(email string, startAt, size int) string {
	return "maxResults=" + strconv.Itoa(size) + "&query=" + url.QueryEscape(email) + "&startAt=" + strconv.Itoa(startAt)
}

package atlassiantest

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hit is the part of a Jira user the matching tests care about.
type hit struct {
	Name  string
	Type  string
	Email string // "" when Jira hides it
}

func searchHits(t *testing.T, s *Server, q url.Values) []hit {
	t.Helper()
	a := call(t, s, "GET", searchPath(q), goodBasic, nil)
	if a.status != 200 {
		t.Fatalf("search %v: %d %s", q, a.status, a.body)
	}
	var out []hit
	for _, u := range decode[[]struct {
		DisplayName, AccountType, EmailAddress string
	}](t, a) {
		out = append(out, hit{u.DisplayName, u.AccountType, u.EmailAddress})
	}
	return out
}

func TestUserSearchMatching(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	ada := hit{"Ada Lovelace", "atlassian", "ada@example.com"}
	customer := hit{"ada@example.com", "customer", ""}
	tests := []struct {
		query string
		want  []hit
	}{
		{"ada", []hit{{"Ada Automation", "app", ""}, ada, customer}},
		{"ada@example.com", []hit{ada, customer}},
		{"ADA@Example.COM", []hit{ada, customer}},
		{"ada@exam", []hit{ada}}, // the customer hides its email: partial queries miss it
		{"lovelace", []hit{ada}},
		{"ada lov", []hit{ada}},
		{"katherine@example.com", []hit{{"Katherine Johnson", "atlassian", ""}}},
		{"katherine@", nil},
		{"johnson", []hit{{"Katherine Johnson", "atlassian", ""}}},
		{"sam@example.com", []hit{{"Sam Rivera", "atlassian", "sam@example.com"}, {"Sam Rivera (contractor)", "atlassian", "sam@example.com"}}},
		{"sam rivera (c", []hit{{"Sam Rivera (contractor)", "atlassian", "sam@example.com"}}},
		{"ken@example.com", nil}, // deactivated
		{"barbara@partner.example", []hit{{"Barbara Liskov", "atlassian", "barbara@partner.example"}}},
		{"nobody@example.com", nil},
		{"  grace@example.com ", []hit{{"Grace Hopper", "atlassian", "grace@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := searchHits(t, s, url.Values{"query": {tt.query}})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query %q (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestUserSearchWireShape(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	tests := []struct {
		query string
		want  map[string]any
	}{
		{"ada@example.com", map[string]any{
			"self":         s.URL() + "/rest/api/3/user?accountId=712020%3A0a1b2c3d-0000-4000-8000-00000000ada1",
			"accountId":    AdaAccountID,
			"accountType":  "atlassian",
			"emailAddress": "ada@example.com",
			"displayName":  "Ada Lovelace",
			"active":       true,
			"timeZone":     "Etc/UTC",
			"locale":       "en_US",
		}},
		{"katherine@example.com", map[string]any{ // no emailAddress key at all
			"self":        s.URL() + "/rest/api/3/user?accountId=712020%3A0a1b2c3d-0000-4000-8000-0000000ca7e1",
			"accountId":   "712020:0a1b2c3d-0000-4000-8000-0000000ca7e1",
			"accountType": "atlassian",
			"displayName": "Katherine Johnson",
			"active":      true,
			"timeZone":    "Etc/UTC",
			"locale":      "en_US",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := decode[[]map[string]any](t, call(t, s, "GET", searchPath(url.Values{"query": {tt.query}}), goodBasic, nil))
			if len(got) == 0 {
				t.Fatal("no result")
			}
			if diff := cmp.Diff(tt.want, got[0]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserSearchParameters(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	tests := []struct {
		name  string
		q     url.Values
		want  int
		names []string
	}{
		{"no query", url.Values{}, 400, nil},
		{"blank query", url.Values{"query": {"  "}}, 400, nil},
		{"query and accountId", url.Values{"query": {"ada"}, "accountId": {AdaAccountID}}, 400, nil},
		{"username is gone", url.Values{"username": {"ada"}}, 400, nil},
		{"bad startAt", url.Values{"query": {"ada"}, "startAt": {"x"}}, 400, nil},
		{"negative maxResults", url.Values{"query": {"ada"}, "maxResults": {"-1"}}, 400, nil},
		{"accountId alone", url.Values{"accountId": {AdaAccountID}}, 200, []string{"Ada Lovelace"}},
		{"deactivated accountId", url.Values{"accountId": {"712020:0a1b2c3d-0000-4000-8000-000000000ce2"}}, 200, nil},
		{"first page", url.Values{"query": {"ada"}, "maxResults": {"2"}}, 200, []string{"Ada Automation", "Ada Lovelace"}},
		{"second page", url.Values{"query": {"ada"}, "maxResults": {"2"}, "startAt": {"2"}}, 200, []string{"ada@example.com"}},
		{"past the end", url.Values{"query": {"ada"}, "startAt": {"3"}}, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "GET", searchPath(tt.q), goodBasic, nil)
			if a.status != tt.want {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.want)
			}
			if a.status != 200 {
				v := decode[struct{ ErrorMessages []string }](t, a)
				if len(v.ErrorMessages) != 1 {
					t.Errorf("want a Jira ErrorCollection, got %s", a.body)
				}
				return
			}
			var names []string
			for _, u := range decode[[]struct{ DisplayName string }](t, a) {
				names = append(names, u.DisplayName)
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestUserSearchStopsAtTheThousandth checks Jira's documented caps on an
// org where a one-letter query matches far more than 1000 people.
func TestUserSearchStopsAtTheThousandth(t *testing.T) {
	t.Parallel()
	s := NewServer(GenerateOrg(10000, 1, testNow))
	t.Cleanup(s.Close)
	count := func(q url.Values) int {
		return len(decode[[]struct{ AccountID string }](t, call(t, s, "GET", searchPath(q), goodBasic, nil)))
	}
	tests := []struct {
		name string
		q    url.Values
		want int
	}{
		{"default page", url.Values{"query": {"a"}}, 50},
		{"maxResults capped", url.Values{"query": {"a"}, "maxResults": {"5000"}}, 1000},
		{"last reachable", url.Values{"query": {"a"}, "maxResults": {"10"}, "startAt": {"999"}}, 1},
		{"beyond the cap", url.Values{"query": {"a"}, "startAt": {"1000"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.q); got != tt.want {
				t.Errorf("got %d users, want %d", got, tt.want)
			}
		})
	}

	// Paging by 300 sees each of the 1000 reachable users exactly once.
	seen := map[string]bool{}
	for start := 0; ; start += 300 {
		page := decode[[]struct{ AccountID string }](t, call(t, s, "GET",
			searchPath(url.Values{"query": {"a"}, "maxResults": {"300"}, "startAt": {fmt.Sprint(start)}}), goodBasic, nil))
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			if seen[u.AccountID] {
				t.Fatalf("%s seen twice", u.AccountID)
			}
			seen[u.AccountID] = true
		}
	}
	if len(seen) != 1000 {
		t.Errorf("paged through %d users, want 1000", len(seen))
	}
}

func TestMyselfAndUser(t *testing.T) {
	t.Parallel()
	s := newSample(t)
	me := decode[struct{ AccountID, EmailAddress string }](t, call(t, s, "GET", "/rest/api/3/myself", goodBasic, nil))
	if me.AccountID != BotAccountID || me.EmailAddress != JiraEmail {
		t.Errorf("myself = %+v", me)
	}
	tests := []struct {
		name, id string
		want     int
	}{
		{"known", AdaAccountID, 200},
		{"unknown", "nobody", 404},
		{"missing", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "GET", "/rest/api/3/user?"+url.Values{"accountId": {tt.id}}.Encode(), goodBasic, nil)
			if a.status != tt.want {
				t.Errorf("got %d %s, want %d", a.status, a.body, tt.want)
			}
		})
	}
	// Without its owner the token is as good as revoked.
	s.RemoveUser(BotAccountID)
	if a := call(t, s, "GET", "/rest/api/3/myself", goodBasic, nil); a.status != 401 {
		t.Errorf("myself without the bot user: %d", a.status)
	}
	if !slices.ContainsFunc(s.Requests(), func(r Request) bool { return r.Path == "/rest/api/3/myself" && r.Status == 401 }) {
		t.Error("401 on myself not recorded")
	}
}

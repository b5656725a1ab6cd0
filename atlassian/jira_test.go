package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testSearchPath = "/rest/api/3/user/search"

func TestFindAccountMatching(t *testing.T) {
	t.Parallel()
	ada := Account{AccountID: "a1", AccountType: "atlassian", DisplayName: "Ada", Email: "ada@example.com", Active: true}
	adaUpper := Account{AccountID: "a2", AccountType: "atlassian", DisplayName: "Ada L", Email: "ADA@Example.COM", Active: true}
	adaPrefix := Account{AccountID: "a3", AccountType: "atlassian", DisplayName: "Ada Longer", Email: "ada@example.com.au", Active: true}
	hidden := Account{AccountID: "h1", AccountType: "atlassian", DisplayName: "Hidden", Active: true}
	hidden2 := Account{AccountID: "h2", AccountType: "atlassian", DisplayName: "Hidden Too", Active: true}
	app := Account{AccountID: "app1", AccountType: "app", DisplayName: "Automation", Email: "ada@example.com"}
	customer := Account{AccountID: "qm:1", AccountType: "customer", DisplayName: "ada@example.com", Email: "ada@example.com"}

	tests := []struct {
		name           string
		email          string
		users          []Account
		want           Account
		wantKind       Kind
		wantCandidates []Account
	}{
		{name: "exact email", email: "ada@example.com", users: []Account{ada}, want: ada},
		{name: "different case", email: "Ada@EXAMPLE.com", users: []Account{adaUpper}, want: adaUpper},
		{name: "prefix only is rejected", email: "ada@example.com", users: []Account{adaPrefix}, wantKind: ErrNotFound},
		{name: "prefix beside exact", email: "ada@example.com", users: []Account{adaPrefix, ada}, want: ada},
		{name: "hidden email single candidate", email: "ada@example.com", users: []Account{hidden}, want: hidden},
		{name: "hidden and exact are ambiguous", email: "ada@example.com", users: []Account{ada, hidden},
			wantKind: ErrAmbiguous, wantCandidates: []Account{ada, hidden}},
		{name: "two hidden", email: "ada@example.com", users: []Account{hidden, hidden2},
			wantKind: ErrAmbiguous, wantCandidates: []Account{hidden, hidden2}},
		{name: "app and customer ignored", email: "ada@example.com", users: []Account{app, customer}, wantKind: ErrNotFound},
		{name: "app and customer beside person", email: "ada@example.com", users: []Account{app, ada, customer}, want: ada},
		{name: "empty", email: "ada@example.com", users: nil, wantKind: ErrNotFound},
		// Unicode folds the Kelvin sign to k; an address is not matched
		// by a look-alike.
		// Non-ASCII letters fold as the cache key does (strings.ToLower).
		{name: "non-ASCII capital", email: "örjan@example.com",
			users: []Account{{AccountID: "o1", AccountType: "atlassian", Email: "Örjan@Example.com"}},
			want:  Account{AccountID: "o1", AccountType: "atlassian", Email: "Örjan@Example.com"}},
		{name: "look-alike letters do not match", email: "kate@example.com",
			users: []Account{{AccountID: "k1", AccountType: "atlassian", Email: "\u212Aate@example.com"}}, wantKind: ErrNotFound},
		{name: "plus in email", email: "ada+ops@example.com",
			users: []Account{{AccountID: "p1", AccountType: "atlassian", Email: "ada+ops@example.com"}},
			want:  Account{AccountID: "p1", AccountType: "atlassian", Email: "ada+ops@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			users := tt.users
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				checkAuth(t, r, testBasic)
				if r.URL.Path != testSearchPath {
					t.Errorf("path = %q, want %q", r.URL.Path, testSearchPath)
				}
				if got := r.URL.Query().Get("query"); got != tt.email {
					t.Errorf("query = %q (raw %q), want %q", got, r.URL.RawQuery, tt.email)
				}
				if strings.Contains(tt.email, "+") && !strings.Contains(r.URL.RawQuery, "%2B") {
					// A bare "+" would reach Jira as a space.
					t.Errorf("raw query %q does not escape +", r.URL.RawQuery)
				}
				if users == nil {
					fmt.Fprint(w, `[]`)
					return
				}
				json.NewEncoder(w).Encode(users)
			})
			c, _ := newTestClient(t, srv.URL)
			got, err := c.FindAccount(context.Background(), tt.email)
			if tt.wantKind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("FindAccount (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			e := asError(t, err)
			if e.API != Jira || e.Path != testSearchPath {
				t.Errorf("error API %q path %q", e.API, e.Path)
			}
			if diff := cmp.Diff(tt.wantCandidates, e.Candidates); diff != "" {
				t.Errorf("Candidates (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFindAccountPaging: a full page asks for the next one; the match may be
// on any page.
func TestFindAccountPaging(t *testing.T) {
	t.Parallel()
	var users []Account
	for i := range 5 {
		users = append(users, Account{AccountID: fmt.Sprint("x", i), AccountType: "atlassian", Email: fmt.Sprintf("ada%d@example.com", i)})
	}
	users = append(users, Account{AccountID: "ada", AccountType: "atlassian", Email: "ada@example.com"})
	var (
		mu     sync.Mutex
		starts []string
	)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r, testBasic)
		q := r.URL.Query()
		mu.Lock()
		starts = append(starts, q.Get("startAt")+"/"+q.Get("maxResults"))
		mu.Unlock()
		start, _ := strconv.Atoi(q.Get("startAt"))
		size, _ := strconv.Atoi(q.Get("maxResults"))
		json.NewEncoder(w).Encode(users[min(start, len(users)):min(start+size, len(users))])
	})
	c, _ := newTestClient(t, srv.URL)
	c.jiraPageSize = 2
	got, err := c.FindAccount(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccountID != "ada" {
		t.Errorf("AccountID = %q, want ada", got.AccountID)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"0/2", "2/2", "4/2", "6/2"}, starts); diff != "" {
		t.Errorf("pages asked (-want +got):\n%s", diff)
	}
}

func TestFindAccountPageCap(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		// Ignores startAt and always sends a full page of new people.
		fmt.Fprintf(w, `[{"accountId":"a%d","accountType":"atlassian"}]`, n)
	})
	c, _ := newTestClient(t, srv.URL)
	c.jiraPageSize = 1
	_, err := c.FindAccount(context.Background(), "ada@example.com")
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if got := calls.Load(); got != maxJiraPages {
		t.Errorf("server saw %d requests, want %d", got, maxJiraPages)
	}
}

// TestFindAccountSchemaDerived feeds the Jira fixtures through FindAccount.
func TestFindAccountSchemaDerived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		status     int
		email      string
		want       string // account ID on success
		wantKind   Kind
		candidates int
	}{
		{file: "schema-derived/jira-user-search.200.empty.json", status: 200, email: "mia@example.com", wantKind: ErrNotFound},
		{file: "schema-derived/jira-user-search.200.app-and-customer.json", status: 200, email: "mia@example.com", wantKind: ErrNotFound},
		{file: "schema-derived/jira-user-search.200.two-matches.json", status: 200, email: "mia@example.com", wantKind: ErrAmbiguous, candidates: 2},
		{file: "schema-derived/jira-user-search.200.two-matches.json", status: 200, email: "other@example.com", want: "712020:0d1c2b3a-4e5f-6789-abcd-ef0123456789"},
		{file: "schema-derived/jira-error.400.json", status: 400, email: "mia@example.com", wantKind: ErrRejected},
		{file: "jira-user-search.200.json", status: 200, email: "mia@example.com", wantKind: ErrAmbiguous, candidates: 2},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.email, func(t *testing.T) {
			t.Parallel()
			body := fixture(t, tt.file)
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				checkAuth(t, r, testBasic)
				w.WriteHeader(tt.status)
				w.Write(body)
			})
			c, _ := newTestClient(t, srv.URL)
			got, err := c.FindAccount(context.Background(), tt.email)
			if tt.wantKind == "" {
				if err != nil || got.AccountID != tt.want {
					t.Fatalf("FindAccount = %+v, %v; want %s", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
			}
			if e := asError(t, err); len(e.Candidates) != tt.candidates {
				t.Errorf("%d candidates, want %d", len(e.Candidates), tt.candidates)
			}
			if tt.status == 400 && !strings.Contains(err.Error(), "GDPR strict mode") {
				t.Errorf("err = %v, want Jira's message kept", err)
			}
		})
	}
}

func TestFindAccountArguments(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL.Path)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.FindAccount(context.Background(), "  "); err == nil {
		t.Error("FindAccount with an empty email succeeded")
	}
	adminOnly, err := New(Config{AdminBaseURL: srv.URL, OrgID: testOrgID, APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adminOnly.FindAccount(context.Background(), "ada@example.com"); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("FindAccount without Jira: err = %v, want ErrNotConfigured", err)
	}
	if _, err := adminOnly.Myself(context.Background()); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("Myself without Jira: err = %v, want ErrNotConfigured", err)
	}
}

func TestMyself(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		want     Account
		wantKind Kind
	}{
		{name: "ok", status: 200, body: `{"accountId":"me1","accountType":"atlassian","displayName":"Bot","emailAddress":"bot@example.com","active":true,"timeZone":"UTC"}`,
			want: Account{AccountID: "me1", AccountType: "atlassian", DisplayName: "Bot", Email: "bot@example.com", Active: true}},
		{name: "no account id", status: 200, body: `{"displayName":"?"}`, wantKind: ErrBadResponse},
		{name: "not JSON", status: 200, body: `<html>`, wantKind: ErrBadResponse},
		{name: "bad token", status: 401, body: `{"errorMessages":["Client must be authenticated"]}`, wantKind: ErrCredentials},
		{name: "wrong site", status: 404, body: `{"errorMessages":["Not found"]}`, wantKind: ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				checkAuth(t, r, testBasic)
				if r.URL.Path != "/rest/api/3/myself" {
					t.Errorf("path = %q", r.URL.Path)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c, _ := newTestClient(t, srv.URL)
			got, err := c.Myself(context.Background())
			if tt.wantKind != "" {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want kind %q", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Myself (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeUsersActive: Jira's user schema makes every field optional; an
// answer without "active" must not read as a deactivated account (the
// lookup would then say the person holds no seat). Only an explicit false
// is inactive.
func TestDecodeUsersActive(t *testing.T) {
	t.Parallel()
	users, err := decodeUsers([]byte(`[
		{"accountId":"a1","accountType":"atlassian","emailAddress":"a@x.com","displayName":"A"},
		{"accountId":"a2","accountType":"atlassian","displayName":"B","active":false},
		{"accountId":"a3","accountType":"atlassian","displayName":"C","active":true},
		{"accountId":"a4","accountType":"atlassian","displayName":"D","active":null}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Account{
		{AccountID: "a1", AccountType: "atlassian", DisplayName: "A", Email: "a@x.com", Active: true},
		{AccountID: "a2", AccountType: "atlassian", DisplayName: "B", Active: false},
		{AccountID: "a3", AccountType: "atlassian", DisplayName: "C", Active: true},
		{AccountID: "a4", AccountType: "atlassian", DisplayName: "D", Active: true},
	}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// held is what an account keeps of its answer for as long as the scan is
// kept: its strings and its product entries.
func held(u OrgUser) int {
	return len(u.AccountID) + len(u.Name) + len(u.Email) + cap(u.Products)*int(unsafe.Sizeof(ProductActivity{}))
}

// TestOrgUsersHoldLittleOfAHostilePage: a page at the body cap made the
// scan hold about 14 times its size (one product listed 3,000 times per
// account, 58 MB kept for each 4 MiB page, 1.4 GB for 30 pages), or all of
// it (a 40 KB name per account, 9 GB over the 2,000 pages the scan
// follows). The same product and site listed again is kept once, with its
// latest use, and a name is kept to its first maxNameLen bytes.
func TestOrgUsersHoldLittleOfAHostilePage(t *testing.T) {
	t.Parallel()
	var entries []string
	for i := range 3000 {
		entries = append(entries, fmt.Sprintf(`{"id":"ari:cloud:jira::site/s","key":"jira-software","lastActiveTimestamp":"2026-%02d-01T10:00:00Z"}`, 1+i%11))
	}
	name := strings.Repeat("é", 20_000) // cut inside a character at any odd byte
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		readSearch(t, r)
		fmt.Fprintf(w, `{"data":[{"accountId":"u1","name":%q,"email":"a@example.com","productAccess":[%s]},`+
			`{"accountId":"u2","name":"Ada","productAccess":[{"key":"confluence"},{"key":"jira-software"},{"key":"confluence"}]}]}`,
			name, strings.Join(entries, ","))
	})
	c, _ := newTestClient(t, srv.URL)
	users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil || len(users) != 2 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	u := users[0]
	if n := held(u); n > 1024 {
		t.Errorf("one account holds %d bytes of its answer (%d products, a name of %d bytes), want at most 1 KiB",
			n, cap(u.Products), len(u.Name))
	}
	if !strings.HasPrefix(name, u.Name) || len(u.Name) == 0 || len(u.Name) > maxNameLen || !strings.HasSuffix(u.Name, "é") {
		t.Errorf("name kept as %d bytes %q…, want whole characters of its start, at most %d bytes", len(u.Name), u.Name[:min(len(u.Name), 8)], maxNameLen)
	}
	want := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	if len(u.Products) != 1 || !u.Products[0].LastActiveTimestamp.Equal(want) || !u.Products[0].LastActive.Equal(want.Truncate(24*time.Hour)) {
		t.Errorf("products = %+v, want one, last used %s", u.Products, want)
	}
	if got := users[1].Products; len(got) != 2 || got[0].Key != "confluence" || got[1].Key != "jira-software" || users[1].Name != "Ada" {
		t.Errorf("second account = %+v, want Ada with confluence and jira-software once each", users[1])
	}
}

// TestOrgUsersRefuseWhatNoAccountHolds: an account ID or email longer than
// Atlassian's, more products than an account lists, or more product
// entries than an organisation has, is a broken or hostile server: the
// scan stops with ErrBadResponse rather than holding it.
func TestOrgUsersRefuseWhatNoAccountHolds(t *testing.T) {
	t.Parallel()
	var many []string
	for i := range maxAccountProducts + 1 {
		many = append(many, fmt.Sprintf(`{"id":"site/%d","key":"k"}`, i))
	}
	cases := []struct{ name, page, text string }{
		{"long account id", `{"data":[{"accountId":"` + strings.Repeat("a", maxAccountIDLen+1) + `","productAccess":[]}]}`, "accountId"},
		{"long email", `{"data":[{"accountId":"u","email":"` + strings.Repeat("a", maxEmailLen) + `@x","productAccess":[]}]}`, "email"},
		{"too many products", `{"data":[{"accountId":"u","productAccess":[` + strings.Join(many, ",") + `]}]}`, "products"},
		// A product's site ID and key are kept with every account and
		// written to every CSV row: 60 pages of 100 accounts, each with a
		// 40 KB product ID, took the binary's report to 1.36 GB of RSS and
		// a 480 MB CSV (2,000 pages, the cap, would be 8 GB). The
		// one-person lookup refuses both over the same lengths.
		{"long product id", `{"data":[{"accountId":"u","productAccess":[{"id":"ari:cloud:jira::site/` + strings.Repeat("z", maxWorkspaceIDLen) + `","key":"jira-software"}]}]}`, "productAccess[0]: id is longer"},
		{"long product key", `{"data":[{"accountId":"u","productAccess":[{"id":"ari:cloud:jira::site/c1","key":"` + strings.Repeat("k", maxProductKeyLen+1) + `"}]}]}`, "productAccess[0]: key is longer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) { readSearch(t, r); fmt.Fprint(w, tc.page) })
			c, _ := newTestClient(t, srv.URL)
			users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tc.text) || len(users) != 0 {
				t.Fatalf("%d users, err = %v; want ErrBadResponse mentioning %q", len(users), err, tc.text)
			}
		})
	}

	t.Run("scan", func(t *testing.T) {
		t.Parallel()
		calls, url := pages(t, 10, 10, nil) // 10 pages of 10 accounts, one product each
		c, _ := newTestClient(t, url, WithAdminRate(1e6, 1e6))
		c.maxScanProducts = 35
		users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "product entries") {
			t.Fatalf("err = %v, want ErrBadResponse about product entries", err)
		}
		if calls.Load() != 4 || len(users) != 30 {
			t.Errorf("%d requests, %d accounts; want the scan stopped at the page past the cap (4, 30)", calls.Load(), len(users))
		}
	})
}

// TestOrgUsersHoldLittleOfAHostileStatus: an account's type and statuses
// are one word each, yet were kept whole: 60 pages of 100 accounts with a
// 40 KB claimStatus took the binary's report to 360 MB of RSS (8 GB at the
// 2,000-page cap). Each is kept to its first maxStatusLen bytes; a status
// that long is none Atlassian defines, and cut it is still none, so what
// the account holds (HoldsSeat) is read as before.
func TestOrgUsersHoldLittleOfAHostileStatus(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s", 40_000)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		readSearch(t, r)
		fmt.Fprintf(w, `{"data":[{"accountId":"u1","accountType":%q,"accountStatus":%q,"membershipStatus":%q,"claimStatus":%q,"productAccess":[]},`+
			`{"accountId":"u2","status":%q,"productAccess":[]},`+
			`{"accountId":"u3","accountType":"atlassian","status":"active","claimStatus":"managed","productAccess":[]}]}`,
			long, long, long, long, long)
	})
	c, _ := newTestClient(t, srv.URL)
	users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil || len(users) != 3 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	for _, u := range users[:2] {
		if n := len(u.AccountType) + len(u.AccountStatus) + len(u.MembershipStatus) + len(u.ClaimStatus); n > 4*maxStatusLen {
			t.Errorf("%s keeps %d bytes of its type and statuses, want at most %d", u.AccountID, n, 4*maxStatusLen)
		}
		if u.HoldsSeat() {
			t.Errorf("%s, of an unknown status, holds a seat", u.AccountID)
		}
	}
	if u := users[2]; !u.HoldsSeat() || u.AccountStatus != "active" || u.MembershipStatus != "active" || u.ClaimStatus != "managed" {
		t.Errorf("an active account read as %+v", u)
	}
}

// TestWorkspacesHoldLittleOfAHostilePage: the site book keeps every
// workspace for good, and each scan and stored digest names its sites from
// it; a page at the body cap with one long name, ID or host URL per
// workspace was kept whole (10,000 workspaces of 40 KB: 400 MB).
func TestWorkspacesHoldLittleOfAHostilePage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 20_000) // 40 KB
	page := fmt.Sprintf(`{"data":[{"id":"ari:cloud:platform::site/c1","attributes":{"name":%q,"type":%q,"status":%q,"hostUrl":%q}}],"links":{}}`,
		long, long, long, "https://"+strings.Repeat("a", 40_000)+".atlassian.net")
	p, err := decodeWorkspacesPage([]byte(page))
	if err != nil || len(p.workspaces) != 1 {
		t.Fatalf("decode = %+v, %v", p, err)
	}
	w := p.workspaces[0]
	if n := len(w.ID) + len(w.CloudID) + len(w.Name) + len(w.Type) + len(w.Status) + len(w.URL) + len(w.Host); n > 1024 {
		t.Errorf("one workspace keeps %d bytes of its answer; want at most 1 KiB", n)
	}
	if !utf8.ValidString(w.Name) || !strings.HasPrefix(long, w.Name) || w.Name == "" {
		t.Errorf("name cut to %q…; want a prefix of the name, cut between characters", w.Name[:min(len(w.Name), 8)])
	}
	_, err = decodeWorkspacesPage([]byte(`{"data":[{"id":"ari:cloud:platform::site/` + strings.Repeat("c", 40_000) + `"}]}`))
	if err == nil {
		t.Error("a workspace ID of 40 KB was read as one")
	}
}

// TestOrgUsersKeepAnAdminOnManySites: an administrator of a large
// Enterprise organisation may hold seven products on each of 150 sites,
// 1,050 entries: a real account, which must not stop the whole scan as a
// broken server (memory is bounded by the scan's own cap).
func TestOrgUsersKeepAnAdminOnManySites(t *testing.T) {
	t.Parallel()
	var entries []string
	for site := range 150 {
		for _, k := range []string{"jira-software", "confluence", "jira-servicedesk", "jira-product-discovery", "statuspage", "opsgenie", "compass"} {
			entries = append(entries, fmt.Sprintf(`{"id":"ari:cloud:platform::site/s%d","key":%q,"last_active":"2026-01-02"}`, site, k))
		}
	}
	page := `{"data":[{"accountId":"u","productAccess":[` + strings.Join(entries, ",") + `]}]}`
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { readSearch(t, r); fmt.Fprint(w, page) })
	c, _ := newTestClient(t, srv.URL)
	users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
	if err != nil || len(users) != 1 || len(users[0].Products) != 1050 {
		n := 0
		if len(users) == 1 {
			n = len(users[0].Products)
		}
		t.Fatalf("%d users (%d products), err = %v; want the admin with 1,050 products", len(users), n, err)
	}
}

// TestLastActiveHoldsLittleOfAHostilePage: the bot caches one person's
// dates for the cache TTL (interning each product ID and key), and a
// product ID or key had no bound: one product per page with a 4 MiB ID,
// over the 100 pages followed, kept 400 MB for one person. A product ID
// longer than any site ARI, or a key longer than any product key, is a bad
// response; the usual answer is read as it comes.
func TestLastActiveHoldsLittleOfAHostilePage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1<<20)
	cases := []struct{ name, entry, text string }{
		{"long id", `{"id":"ari:cloud:jira::site/` + long + `","key":"jira-software","last_active":"2026-11-20"}`, "id"},
		{"long key", `{"id":"ari:cloud:jira::site/s","key":"` + long + `","last_active":"2026-11-20"}`, "key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"data":{"product_access":[%s]},"links":{}}`, tc.entry)
			})
			c, _ := newTestClient(t, srv.URL)
			act, err := c.LastActive(context.Background(), testAccountID)
			if err == nil {
				n := 0
				for _, p := range act.Products {
					n += len(p.ID) + len(p.Key)
				}
				t.Fatalf("one person's answer keeps %d bytes of product IDs and keys; want ErrBadResponse", n)
			}
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want ErrBadResponse mentioning %q", err, tc.text)
			}
		})
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":{"product_access":[{"id":"ari:cloud:jira-software::site/`+strings.Repeat("c", 36)+`","key":"jira-product-discovery","last_active":"2026-11-20"}]},"links":{}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	if act, err := c.LastActive(context.Background(), testAccountID); err != nil || len(act.Products) != 1 {
		t.Fatalf("a usual answer: %+v, %v", act, err)
	}
}

// TestFoundAccountHoldsLittleOfAHostileAnswer: the account a lookup finds
// (Jira's user search, or the Admin API's exact-email search) is cached
// for every person asked about, and its display name had no bound: one
// 1 MiB name was kept whole for each. A name is kept to its first
// maxNameLen bytes, as the org scan keeps one.
func TestFoundAccountHoldsLittleOfAHostileAnswer(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("é", 1<<19) // 1 MiB
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/users/search") {
			fmt.Fprintf(w, `{"data":[{"accountId":"u1","accountType":"atlassian","name":%q,"email":"ada@example.com","accountStatus":"active"}]}`, name)
			return
		}
		fmt.Fprintf(w, `[{"accountId":"u1","accountType":"atlassian","displayName":%q,"emailAddress":"ada@example.com"}]`, name)
	})
	c, _ := newTestClient(t, srv.URL)
	a, err := c.FindAccount(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	du, err := c.FindByEmail(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{a.DisplayName, du.Name} {
		if len(got) > maxNameLen || got == "" || !strings.HasPrefix(name, got) || !utf8.ValidString(got) {
			t.Errorf("a found account keeps a name of %d bytes; want whole characters of its start, at most %d", len(got), maxNameLen)
		}
	}
}

// TestOrgUsersRefuseMoreSitesThanAnOrganisationHas: a report holds a row
// of its summary, and the site it names, for each product and site the
// scan met. Thirty pages of 100 accounts, each listing 120 sites nobody
// else has (360,000 in all, where an organisation has at most
// maxWorkspaces), took the binary's report to 957 MB of RSS and 110 s; the
// 5,000,000 entries the scan allows would be gigabytes. More distinct
// product IDs than an organisation has workspaces stop the scan as a bad
// answer; as many as that, or the same ones listed again, do not.
func TestOrgUsersRefuseMoreSitesThanAnOrganisationHas(t *testing.T) {
	t.Parallel()
	account := func(id string, from, n int) string {
		var ps []string
		for i := from; i < from+n; i++ {
			ps = append(ps, fmt.Sprintf(`{"id":"ari:cloud:jira::site/s%d","key":"jira-software"}`, i))
		}
		return fmt.Sprintf(`{"accountId":%q,"productAccess":[%s]}`, id, strings.Join(ps, ","))
	}
	for _, tc := range []struct {
		name  string
		pages []string
		err   bool
	}{
		{"as many as an organisation has", []string{
			`{"data":[` + account("u1", 0, maxWorkspaces/2) + `],"links":{"next":"c2"}}`,
			`{"data":[` + account("u2", maxWorkspaces/2, maxWorkspaces/2) + `,` + account("u3", 0, maxWorkspaces) + `]}`,
		}, false},
		{"one more", []string{
			`{"data":[` + account("u1", 0, maxWorkspaces/2) + `],"links":{"next":"c2"}}`,
			`{"data":[` + account("u2", maxWorkspaces/2, maxWorkspaces/2+1) + `]}`,
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				page := 0
				if readSearch(t, r).Cursor == "c2" {
					page = 1
				}
				fmt.Fprint(w, tc.pages[page])
			})
			c, _ := newTestClient(t, srv.URL, WithAdminRate(1e6, 1e6))
			users, err := collect(c.OrgUsers(context.Background(), UserQuery{}))
			switch {
			case tc.err && (!errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "sites")):
				t.Fatalf("%d users, err = %v; want ErrBadResponse about sites", len(users), err)
			case !tc.err && (err != nil || len(users) != 3):
				t.Fatalf("%d users, err = %v; want the three accounts", len(users), err)
			}
		})
	}
}

package atlassian

import (
	"fmt"
	"strings"
	"testing"
)

// orgUsersPageText is a page of the v2 users search: n users of three
// products each, every optional field present.
func orgUsersPageText(n int) []byte {
	users := make([]string, n)
	for i := range users {
		products := make([]string, 3)
		for j := range products {
			products[j] = fmt.Sprintf(`{"id":"site-%d","key":"product-%d","lastActiveTimestamp":"2026-11-%02dT09:14:05Z"}`, j, j, j+1)
		}
		users[i] = fmt.Sprintf(`{"accountId":"acc-%04d","accountType":"atlassian","name":"Person %d","email":"p%d@example.com",`+
			`"accountStatus":"active","membershipStatus":"active","status":"active","claimStatus":"managed",`+
			`"addedToOrg":"2024-03-04T08:00:00Z","productAccess":[%s]}`, i, i, i, strings.Join(products, ","))
	}
	return []byte(`{"data":[` + strings.Join(users, ",") + `],"links":{"next":"c2"}}`)
}

// TestDecodeOrgUsersPageAllocations: a page of the org scan is read
// without a heap box for each optional string or the product list (a
// pointer field costs one allocation beside what it points to): ten users
// of three products are at most 250 allocations (290 with the pointers).
func TestDecodeOrgUsersPageAllocations(t *testing.T) {
	page := orgUsersPageText(10)
	n := testing.AllocsPerRun(20, func() {
		if _, err := decodeOrgUsersPage(page); err != nil {
			t.Fatal(err)
		}
	})
	if n > 250 {
		t.Errorf("%.0f allocations a page of ten users, want at most 250", n)
	}
}

// TestDecodeOrgUsersPageOddValues pins what a page with null, missing,
// empty or mistyped optional fields reads as (or the error it is).
func TestDecodeOrgUsersPageOddValues(t *testing.T) {
	user := func(extra string) string {
		return `{"accountId":"a1","accountType":"atlassian","accountStatus":"active","membershipStatus":"active"` + extra + `}`
	}
	page := func(users string, links string) string { return `{"data":[` + users + `]` + links + `}` }
	for _, c := range []struct{ name, page, want string }{
		{"no data", `{}`, "error: no data in the page"},
		{"data null", `{"data":null}`, "error: no data in the page"},
		{"data empty", `{"data":[]}`, `users [] next ""`},
		{"data not a list", `{"data":{}}`, "error: decoding the page: json: cannot unmarshal object into Go struct field wireOrgUsersPage.data of type []atlassian.wireOrgUser"},
		{"productAccess missing", page(user(``), ``), "error: no user in the page has productAccess (was the expand ignored?)"},
		{"productAccess null", page(user(`,"productAccess":null`), ``), "error: no user in the page has productAccess (was the expand ignored?)"},
		{"productAccess empty", page(user(`,"productAccess":[]`), ``), `users [a1 0001-01-01 []] next ""`},
		{"one without beside one with", page(user(`,"productAccess":[]`)+","+user(``), ``), `users [a1 0001-01-01 [], a1 0001-01-01 nil] next ""`},
		{"productAccess not a list", page(user(`,"productAccess":"x"`), ``),
			"error: decoding the page: json: cannot unmarshal string into Go struct field wireOrgUser.data.productAccess of type []atlassian.wireV2ProductEntry"},
		{"timestamps null", page(user(`,"addedToOrg":null,"productAccess":[{"key":"k","lastActiveTimestamp":null}]`), `,"links":{"next":null}`),
			`users [a1 0001-01-01 [k 0001-01-01T00:00:00Z]] next ""`},
		{"timestamps empty", page(user(`,"addedToOrg":"","productAccess":[{"key":"k","lastActiveTimestamp":""}]`), `,"links":{"next":""}`),
			`users [a1 0001-01-01 [k 0001-01-01T00:00:00Z]] next ""`},
		{"all set", page(user(`,"addedToOrg":"2024-03-04T08:00:00Z","productAccess":[{"id":"s","key":"k","lastActiveTimestamp":"2026-11-02T10:00:00Z"}]`), `,"links":{"next":"c3"}`),
			`users [a1 2024-03-04 [k 2026-11-02T10:00:00Z]] next "c3"`},
		{"odd join date dropped", page(user(`,"addedToOrg":"soon","productAccess":[]`), ``), `users [a1 0001-01-01 []] next ""`},
		// ISO-8601 forms other than RFC 3339 (the spec says "ISO-8601 date
		// and time"; Atlassian's other APIs write +0000): a join date
		// dropped makes a person who joined yesterday a never-used seat,
		// costed in the report and nudged.
		{"join date with +0000", page(user(`,"addedToOrg":"2026-11-30T23:30:00.000+0000","productAccess":[]`), ``), `users [a1 2026-11-30 []] next ""`},
		{"join date with -0800 and no fraction", page(user(`,"addedToOrg":"2026-11-30T20:00:00-0800","productAccess":[]`), ``), `users [a1 2026-12-01 []] next ""`},
		{"join date a day", page(user(`,"addedToOrg":"2026-11-30","productAccess":[]`), ``), `users [a1 2026-11-30 []] next ""`},
		{"join date without a zone", page(user(`,"addedToOrg":"2026-11-30T10:00:00","productAccess":[]`), ``), `users [a1 2026-11-30 []] next ""`},
		{"join date of Go's zero with +0000 dropped", page(user(`,"addedToOrg":"0001-01-01T00:00:00.000+0000","productAccess":[]`), ``), `users [a1 0001-01-01 []] next ""`},
		{"bad product timestamp", page(user(`,"productAccess":[{"key":"k","lastActiveTimestamp":"x"}]`), ``),
			"error: data[0].productAccess[0]: lastActiveTimestamp: not a timestamp"},
		{"timestamp a number", page(user(`,"productAccess":[{"key":"k","lastActiveTimestamp":1}]`), ``),
			"error: decoding the page: json: cannot unmarshal number into Go struct field wireV2ProductEntry.data.productAccess.lastActiveTimestamp of type string"},
		{"addedToOrg a number", page(user(`,"addedToOrg":1,"productAccess":[]`), ``),
			"error: decoding the page: json: cannot unmarshal number into Go struct field wireOrgUser.data.addedToOrg of type string"},
		{"next a number", page(user(`,"productAccess":[]`), `,"links":{"next":1}`),
			"error: decoding the page: json: cannot unmarshal number into Go struct field .links.next of type string"},
		{"links null", page(user(`,"productAccess":[]`), `,"links":null`), `users [a1 0001-01-01 []] next ""`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := decodeOrgUsersPage([]byte(c.page))
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				var b strings.Builder
				b.WriteString("users [")
				for i, u := range p.users {
					if i > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "%s %s ", u.AccountID, u.AddedToOrg.Format("2006-01-02"))
					if u.Products == nil {
						b.WriteString("nil")
						continue
					}
					b.WriteString("[")
					for j, pa := range u.Products {
						if j > 0 {
							b.WriteString(", ")
						}
						fmt.Fprintf(&b, "%s %s", pa.Key, pa.LastActiveTimestamp.Format("2006-01-02T15:04:05Z07:00"))
					}
					b.WriteString("]")
				}
				fmt.Fprintf(&b, "] next %q", p.next)
				got = b.String()
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// BenchmarkDecodeOrgUsersPage decodes a page of 100 users of three products
// each, as the org scan reads every page of a 50,000-person organisation.
func BenchmarkDecodeOrgUsersPage(b *testing.B) {
	page := orgUsersPageText(100)
	b.ReportAllocs()
	for b.Loop() {
		if p, err := decodeOrgUsersPage(page); err != nil || len(p.users) != 100 {
			b.Fatal(len(p.users), err)
		}
	}
}

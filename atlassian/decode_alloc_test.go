package atlassian

import (
	"fmt"
	"strings"
	"testing"
)

// lastActivePageText is a page of n products as the Admin API sends them,
// with every optional field present.
func lastActivePageText(n int, next string) []byte {
	items := make([]string, n)
	for j := range items {
		items[j] = fmt.Sprintf(`{"id":"ari:cloud:jira-software::site/%04d","key":"jira-software",`+
			`"last_active":"2026-11-%02d","last_active_timestamp":"2026-11-%02dT09:14:05Z"}`, j, j+1, j+1)
	}
	return []byte(`{"data":{"product_access":[` + strings.Join(items, ",") +
		`],"added_to_org":"2024-03-04","added_to_org_timestamp":"2024-03-04T08:00:00Z"},"links":{"next":` + next + `}}`)
}

// TestDecodeLastActivePageAllocations: a page is read without a heap box
// for each optional string (a pointer field costs one allocation beside
// its string): five products with every field are at most 42 allocations
// (53 with the pointer fields).
func TestDecodeLastActivePageAllocations(t *testing.T) {
	page := lastActivePageText(5, `"c1"`)
	n := testing.AllocsPerRun(50, func() {
		if _, err := decodeLastActivePage(page); err != nil {
			t.Fatal(err)
		}
	})
	if n > 42 {
		t.Errorf("%.0f allocations a page of five products, want at most 42", n)
	}
}

// TestDecodeLastActivePageOddValues pins what a page with null, missing,
// empty or mistyped fields reads as (or the error it is), so that a change
// of the wire types keeps each answer.
func TestDecodeLastActivePageOddValues(t *testing.T) {
	for _, c := range []struct{ name, page, want string }{
		{"no data", `{}`, "error: no data.product_access in the page"},
		{"data null", `{"data":null}`, "error: no data.product_access in the page"},
		{"product_access missing", `{"data":{}}`, "error: no data.product_access in the page"},
		{"product_access null", `{"data":{"product_access":null}}`, "error: no data.product_access in the page"},
		{"product_access empty", `{"data":{"product_access":[]}}`, "products [] added 0001-01-01/0001-01-01 next \"\""},
		{"product_access not a list", `{"data":{"product_access":{}}}`, "error: decoding the page: json: cannot unmarshal object into Go struct field .data.product_access of type []atlassian.wireProductAccess"},
		{"dates null", `{"data":{"product_access":[{"id":"s","key":"k","last_active":null,"last_active_timestamp":null}],"added_to_org":null,"added_to_org_timestamp":null},"links":{"next":null}}`,
			"products [s k 0001-01-01 0001-01-01T00:00:00Z] added 0001-01-01/0001-01-01 next \"\""},
		{"dates empty", `{"data":{"product_access":[{"id":"s","key":"k","last_active":"","last_active_timestamp":""}],"added_to_org":"","added_to_org_timestamp":""},"links":{"next":""}}`,
			"products [s k 0001-01-01 0001-01-01T00:00:00Z] added 0001-01-01/0001-01-01 next \"\""},
		{"links null", `{"data":{"product_access":[]},"links":null}`, "products [] added 0001-01-01/0001-01-01 next \"\""},
		{"all set", string(lastActivePageText(1, `"c2"`)),
			"products [ari:cloud:jira-software::site/0000 jira-software 2026-11-01 2026-11-01T09:14:05Z] added 2024-03-04/2024-03-04 next \"c2\""},
		{"timestamp only", `{"data":{"product_access":[{"key":"k","last_active_timestamp":"2026-11-02T10:00:00Z"}]}}`,
			"products [ k 0001-01-01 2026-11-02T10:00:00Z] added 0001-01-01/0001-01-01 next \"\""},
		{"odd join dates dropped", `{"data":{"product_access":[],"added_to_org":"soon","added_to_org_timestamp":"later"}}`,
			"products [] added 0001-01-01/0001-01-01 next \"\""},
		{"bad timestamp beside a day dropped", `{"data":{"product_access":[{"key":"k","last_active":"2026-11-03","last_active_timestamp":"x"}]}}`,
			"products [ k 2026-11-03 0001-01-01T00:00:00Z] added 0001-01-01/0001-01-01 next \"\""},
		{"bad timestamp alone", `{"data":{"product_access":[{"key":"k","last_active_timestamp":"x"}]}}`,
			"error: product_access[0].last_active_timestamp: not a timestamp"},
		{"last_active a number", `{"data":{"product_access":[{"key":"k","last_active":20261103}]}}`,
			"error: decoding the page: json: cannot unmarshal number into Go struct field wireProductAccess.data.product_access.last_active of type string"},
		{"added_to_org a number", `{"data":{"product_access":[],"added_to_org":1}}`,
			"error: decoding the page: json: cannot unmarshal number into Go struct field .data.added_to_org of type string"},
		{"next a number", `{"data":{"product_access":[]},"links":{"next":1}}`,
			"error: decoding the page: json: cannot unmarshal number into Go struct field .links.next of type string"},
		{"key missing", `{"data":{"product_access":[{"id":"s"}]}}`, "error: product_access[0] has no key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := decodeLastActivePage([]byte(c.page))
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				var b strings.Builder
				b.WriteString("products [")
				for i, pa := range p.products {
					if i > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "%s %s %s %s", pa.ID, pa.Key, pa.LastActive.Format("2006-01-02"), pa.LastActiveTimestamp.Format("2006-01-02T15:04:05Z07:00"))
				}
				fmt.Fprintf(&b, "] added %s/%s next %q", p.addedToOrg.Format("2006-01-02"), p.addedToOrgTimestamp.Format("2006-01-02"), p.next)
				got = b.String()
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

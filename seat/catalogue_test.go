package seat

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
)

func TestProductName(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"jira-software", "Jira Software"},
		{"jira", "Jira Software"}, // the v2 directory API's key
		{"confluence", "Confluence"},
		{"jira-service-desk", "Jira Service Management"},
		{"jira-servicedesk", "Jira Service Management"},
		{"jira-core", "Jira Work Management"},
		{"townsquare", "Atlas"},
		{"Confluence", "Confluence"},
		{"brand-new-thing", "brand-new-thing"},
		{"", ""},
		{"evil\nkey", "evil\nkey"}, // raw: renderers clean and escape
	}
	for _, tt := range tests {
		if got := ProductName(tt.key); got != tt.want {
			t.Errorf("ProductName(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, want string
		known     bool
	}{
		{"jira", "jira-software", true},
		{"JIRA", "jira-software", true},
		{"jira-software", "jira-software", true},
		{"jira-servicedesk", "jira-service-desk", true},
		{"jira-core", "jira-work-management", true},
		{"townsquare", "atlas", true},
		{"Confluence", "confluence", true},
		{"Brand-New", "Brand-New", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := Canonical(tt.key); got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.key, got, tt.want)
		}
		if got := Known(tt.key); got != tt.known {
			t.Errorf("Known(%q) = %v, want %v", tt.key, got, tt.known)
		}
	}
	// Every alias must point at a product of the catalogue, or it would
	// make a product of its own.
	for alias, to := range aliases {
		if _, ok := names[to]; !ok {
			t.Errorf("alias %q points at %q, which is not in the catalogue", alias, to)
		}
	}
}

func TestPricesOf(t *testing.T) {
	t.Parallel()
	p := Prices{"jira": 8.60, "confluence": 6.05}
	for key, want := range map[string]float64{"jira": 8.60, "jira-software": 8.60, "JIRA-SOFTWARE": 8.60, "confluence": 6.05} {
		if got, ok := p.Of(key); !ok || got != want {
			t.Errorf("Of(%q) = %v, %v; want %v", key, got, ok, want)
		}
	}
	if _, ok := p.Of("loom"); ok {
		t.Error("Of(loom) found a price that was not configured")
	}
}

// TestJiraAliasesAreOneProduct: the v2 directory API says "jira" for
// some accounts while others (and the configuration) say
// "jira-software". One site counts as one group, whatever the filter and
// price keys say.
func TestJiraAliasesAreOneProduct(t *testing.T) {
	t.Parallel()
	// The two keys come with two ARIs of one site.
	site, v2 := "ari:cloud:jira-software::site/11111111-aaaa", "ari:cloud:jira::site/11111111-aaaa"
	users := []atlassian.OrgUser{
		{AccountID: "a", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{{ID: v2, Key: "jira", LastActive: daysAgo(200)}}},
		{AccountID: "b", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{{ID: site, Key: "jira-software", LastActive: daysAgo(2)}}},
		{AccountID: "c", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/x", Key: "confluence"}}},
	}
	for _, filter := range [][]string{{"jira"}, {"jira-software"}, {"JIRA"}} {
		for _, prices := range []Prices{{"jira": 8.60}, {"jira-software": 8.60}} {
			rep := Build(users, Options{Days: 90, Now: idleNow, Products: filter, Prices: prices})
			want := []Group{{Key: "jira-software", ProductID: site, Site: "11111111-aaaa", SiteName: "11111111-aaaa (unknown site)", Seats: 2, Active: 1, Idle: 1, Price: 8.60, HasPrice: true}}
			if diff := cmp.Diff(want, rep.Groups); diff != "" {
				t.Errorf("filter %q, prices %v: groups (-want +got):\n%s", filter, prices, diff)
			}
			if len(rep.Rows) != 2 || rep.Rows[0].Key != "jira-software" || rep.Rows[1].Key != "jira-software" {
				t.Errorf("filter %q: rows %+v, want both as jira-software", filter, rep.Rows)
			}
		}
	}
}

package seat

import (
	"slices"
	"strings"
)

// product is one Atlassian product as Atlassian Administration names it.
type product struct {
	key  string // the canonical key: what the v1 last-active API reports
	name string
}

// catalogue lists the products we know by canonical key.
var catalogue = []product{
	{"jira-software", "Jira Software"},
	{"jira-work-management", "Jira Work Management"},
	{"jira-service-desk", "Jira Service Management"},
	{"jira-product-discovery", "Jira Product Discovery"},
	{"jira-align", "Jira Align"},
	{"confluence", "Confluence"},
	{"opsgenie", "Opsgenie"},
	{"statuspage", "Statuspage"},
	{"bitbucket", "Bitbucket"},
	{"trello", "Trello"},
	{"compass", "Compass"},
	{"loom", "Loom"},
	{"atlas", "Atlas"},
	{"rovo", "Rovo"},
	{"focus", "Focus"},
	{"guard", "Atlassian Guard"},
}

// aliases maps other keys Atlassian uses for a product to its canonical
// key. They are explicit, not inferred from names: the v2 directory API
// reports Jira as "jira" where the v1 last-active API says
// "jira-software", and both must count as one product in filters, prices
// and reports.
var aliases = map[string]string{
	"jira":             "jira-software",
	"jira-core":        "jira-work-management",
	"jira-servicedesk": "jira-service-desk",
	"townsquare":       "atlas",
}

var names = func() map[string]string {
	m := make(map[string]string, len(catalogue))
	for _, p := range catalogue {
		m[p.key] = p.name
	}
	return m
}()

// Canonical returns the one key that names key's product: aliases and
// letter case fold to the catalogue's key. A key we do not know is
// returned as it came, so that unknown products stay apart.
func Canonical(key string) string {
	k := strings.ToLower(key)
	if c, ok := aliases[k]; ok {
		return c
	}
	if _, ok := names[k]; ok {
		return k
	}
	return key
}

// Known reports whether key (or an alias of it) is a product we know.
func Known(key string) bool {
	_, ok := names[Canonical(key)]
	return ok
}

// ProductName returns the name Atlassian Administration shows for key, or
// key itself, unchanged, when it is not one we know. The result is plain
// text: renderers clean and escape it for their medium.
func ProductName(key string) string {
	if name, ok := names[Canonical(key)]; ok {
		return name
	}
	return key
}

// Prices is the monthly price of one seat by product key, as configured
// (LASTACTIVE_SEAT_PRICES).
type Prices map[string]float64

// Of returns the price of key's product, whichever of its keys the price
// was configured under.
func (p Prices) Of(key string) (float64, bool) {
	if v, ok := p[key]; ok {
		return v, true
	}
	c := Canonical(key)
	for k, v := range p {
		if Canonical(k) == c {
			return v, true
		}
	}
	return 0, false
}

// Keys returns every key we know, aliases included, sorted.
func Keys() []string {
	keys := make([]string, 0, len(names)+len(aliases))
	for k := range names {
		keys = append(keys, k)
	}
	for k := range aliases {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

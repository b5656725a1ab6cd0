package atlassiantest

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// index is an immutable snapshot of the organisation with the lookup
// structures the handlers need, so that 50,000 users stay fast: maps for
// exact keys, sorted term lists for Jira's prefix search.
type index struct {
	orgID string
	// users is sorted by display name (ignoring case), then account ID: the
	// order of every answer, and the positions cursors point at.
	users   []User
	pos     map[string]int   // account ID → position
	byEmail map[string][]int // lower-case email → positions, hidden ones included
	// nameTerms and emailTerms hold lower-case prefixable strings of active
	// users, sorted by text: every word of the display name, and the email
	// when visible.
	nameTerms  []term
	emailTerms []term

	groups     []Group          // deep copies, in the order given
	memberOf   map[string][]int // account ID → positions in groups
	seatLimits map[string]int   // ARI → limit
}

type term struct {
	text string
	pos  int
}

func buildIndex(orgID string, in []User, groups []Group, limits map[string]int) *index {
	x := &index{
		orgID:      orgID,
		users:      make([]User, len(in)),
		pos:        make(map[string]int, len(in)),
		byEmail:    make(map[string][]int, len(in)),
		groups:     make([]Group, len(groups)),
		memberOf:   make(map[string][]int),
		seatLimits: maps.Clone(limits),
	}
	for i, g := range groups {
		g.Grants, g.Members = slices.Clone(g.Grants), slices.Clone(g.Members)
		x.groups[i] = g
		for _, m := range g.Members {
			x.memberOf[m] = append(x.memberOf[m], i)
		}
	}
	// Sort small keys rather than the large User values, lowering each
	// name once: this is most of the cost of a 50,000-user org.
	type sortKey struct {
		name, id string
		in       int
	}
	keys := make([]sortKey, len(in))
	for i, u := range in {
		keys[i] = sortKey{strings.ToLower(u.DisplayName), u.AccountID, i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id), cmp.Compare(a.in, b.in))
	})
	for i, k := range keys {
		x.users[i] = in[k.in].normalized()
		u := &x.users[i]
		x.hold(u)
		x.pos[u.AccountID] = i
		email := strings.ToLower(u.Email)
		if email != "" {
			x.byEmail[email] = append(x.byEmail[email], i)
		}
		if u.AccountStatus != "active" || u.NotInJira {
			continue // Jira's user search never returns them
		}
		if email != "" && !u.HideEmail {
			x.emailTerms = append(x.emailTerms, term{email, i})
		}
		for w := range strings.FieldsSeq(k.name) {
			x.nameTerms = append(x.nameTerms, term{w, i})
		}
	}
	byText := func(a, b term) int { return cmp.Or(cmp.Compare(a.text, b.text), cmp.Compare(a.pos, b.pos)) }
	slices.SortFunc(x.nameTerms, byText)
	slices.SortFunc(x.emailTerms, byText)
	return x
}

// withPrefix adds to set the positions of terms starting with p.
func withPrefix(terms []term, p string, set map[int]struct{}) {
	i, _ := slices.BinarySearchFunc(terms, p, func(t term, p string) int { return cmp.Compare(t.text, p) })
	for ; i < len(terms) && strings.HasPrefix(terms[i].text, p); i++ {
		set[terms[i].pos] = struct{}{}
	}
}

// hold gives u a never-used product for each ARI its groups grant that it
// has no entry for, and computes u.held.
func (x *index) hold(u *User) {
	for _, gi := range x.memberOf[u.AccountID] {
		for _, ari := range x.groups[gi].Grants {
			if slices.ContainsFunc(u.Products, func(p Product) bool { return p.ID() == ari }) {
				continue
			}
			if p, ok := productOf(ari); ok {
				p.Grant = GrantGroup
				u.Products = append(u.Products, p)
			}
		}
	}
	u.held = make([]Product, 0, len(u.Products))
	for _, p := range u.Products {
		if p.Grant == GrantDirect || p.Grant == GrantInferred || len(x.grantingGroups(u.AccountID, p.ID())) > 0 {
			u.held = append(u.held, p)
		}
	}
}

// grantingGroups returns the positions of accountID's groups granting ari.
func (x *index) grantingGroups(accountID, ari string) []int {
	var out []int
	for _, gi := range x.memberOf[accountID] {
		if slices.Contains(x.groups[gi].Grants, ari) {
			out = append(out, gi)
		}
	}
	return out
}

// holds reports whether u holds ari.
func (u *User) holds(ari string) bool {
	return slices.ContainsFunc(u.held, func(p Product) bool { return p.ID() == ari })
}

// seats counts the active accounts holding ari: what a seat limit caps.
func (x *index) seats(ari string) int {
	n := 0
	for i := range x.users {
		u := &x.users[i]
		if !u.NotMember && u.AccountStatus == "active" && u.MembershipStatus == "active" && u.holds(ari) {
			n++
		}
	}
	return n
}

// productOf reads "ari:cloud:<key>::site/<siteID>" back into a Product.
func productOf(ari string) (Product, bool) {
	rest, ok := strings.CutPrefix(ari, "ari:cloud:")
	if !ok {
		return Product{}, false
	}
	key, site, ok := strings.Cut(rest, "::site/")
	if !ok || key == "" || site == "" {
		return Product{}, false
	}
	return Product{Key: key, SiteID: site}, true
}

// lookup returns the user with the account ID.
func (x *index) lookup(accountID string) (*User, bool) {
	i, ok := x.pos[accountID]
	if !ok {
		return nil, false
	}
	return &x.users[i], true
}

package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// orgUsersPageSize is the most users the v2 search returns per page.
	orgUsersPageSize = 100
	// maxOrgUserPages caps cursor paging: 2,000 pages of 100 are 200,000
	// users, twice the largest Atlassian Cloud organisations; more is a
	// server that never stops.
	maxOrgUserPages = 2000

	// What one account may hold, so that a broken or hostile answer cannot
	// make the scan hold gigabytes: an Atlassian account ID is at most 128
	// bytes and an email address 254; a display name is kept to its first
	// maxNameLen bytes (replies show 60 runes of it). An account lists each
	// product once per site (the same product and site twice is kept once,
	// with its latest use); more than maxAccountProducts of them (an admin
	// of a large Enterprise organisation may hold seven products on each
	// of hundreds of sites), or more than maxScanProducts in one scan
	// (about 400 MB of entries, more than the manifests' memory limit: an
	// organisation that has them needs a bigger one first), is a server
	// that never stops.
	maxAccountIDLen        = 128
	maxEmailLen            = 254
	maxNameLen             = 256
	maxStatusLen           = maxWorkspaceWordLen // a type or status: one word
	maxAccountProducts     = 20_000
	defaultMaxScanProducts = 5_000_000
	// maxScanSites bounds the distinct product IDs (one per product and
	// site) of a scan: each is a workspace, and an organisation has at
	// most as many as the site book reads.
	maxScanSites = maxWorkspaces
)

// OrgUser is one account of the organisation's directories with its access
// to each product, as the v2 users search returns it.
type OrgUser struct {
	AccountID   string
	Name        string
	Email       string // empty when Atlassian withholds it
	AccountType string // "atlassian", "app", "customer", …
	// AccountStatus is "active", "inactive" (deactivated) or "closed".
	AccountStatus string
	// MembershipStatus is "active", "suspended" or "no_membership".
	MembershipStatus string
	ClaimStatus      string // "managed" or "unmanaged"
	// AddedToOrg is when the account joined the organisation; zero when
	// Atlassian did not say.
	AddedToOrg time.Time
	// Products holds one entry per product and site the account can use.
	// LastActive is the UTC day of LastActiveTimestamp; both are zero for a
	// product never used.
	Products []ProductActivity
}

// HoldsSeat reports whether the account takes a licence: deactivated,
// closed and suspended accounts keep their product entries but are not
// billed, nor are app (bot) accounts and Jira Service Management
// customers, whatever product access the search lists for them.
func (u OrgUser) HoldsSeat() bool {
	// A status not given (every field of the v2 user is optional) is not
	// a reason to drop the seats its product access lists.
	return (u.AccountType == "" || u.AccountType == "atlassian") &&
		(u.AccountStatus == "active" || u.AccountStatus == "") &&
		(u.MembershipStatus == "active" || u.MembershipStatus == "")
}

// UserQuery narrows OrgUsers. The zero value asks for every account of
// every directory of the organisation.
type UserQuery struct {
	// AccountStatus and MembershipStatus filter on the server; empty means
	// any. Values as in OrgUser.
	AccountStatus    []string
	MembershipStatus []string
	// PageSize is the number of users per request, 1 to 100; 0 means 100,
	// the fewest requests.
	PageSize int
}

// searchBody is the request of the v2 users search. The search is
// read-only, so the same body may be sent again on a retry.
type searchBody struct {
	Limit            int      `json:"limit"`
	Expand           []string `json:"expand"`
	AccountStatus    []string `json:"accountStatus,omitempty"`
	MembershipStatus []string `json:"membershipStatus,omitempty"`
	Cursor           string   `json:"cursor,omitempty"`
}

// OrgUsers returns every account of the organisation with its product
// access, page by page as the caller ranges over it: a page is fetched only
// when the previous one has been consumed, so stopping early stops the
// requests. Each account is yielded once even if pages overlap. On failure
// the sequence yields a zero OrgUser with the error, then ends.
//
// Requests are paced (WithAdminRate: unlike one-person lookups) and 429s are
// waited out by the retry loop, so a scan of 50,000 users (500 requests)
// takes about three minutes at the default pace.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v2-orgs-orgid-directories-directoryid-users-search-post
func (c *Client) OrgUsers(ctx context.Context, q UserQuery) iter.Seq2[OrgUser, error] {
	const op = "search organisation users"
	return func(yield func(OrgUser, error) bool) {
		if c.adminBase == nil {
			yield(OrgUser{}, fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured))
			return
		}
		size := q.PageSize
		if size == 0 {
			size = orgUsersPageSize
		}
		if size < 1 || size > orgUsersPageSize {
			yield(OrgUser{}, fmt.Errorf("atlassian: %s: page size %d is not between 1 and %d", op, size, orgUsersPageSize))
			return
		}
		u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "users", "search")
		req := searchBody{Limit: size, Expand: []string{"productAccess"},
			AccountStatus: q.AccountStatus, MembershipStatus: q.MembershipStatus}
		seenCursor := make(map[string]bool)
		seenUser := make(map[string]bool)
		var strs Strings
		products := 0
		// The distinct product IDs (sites) met: a report keeps a summary
		// row and a site name for each, so more than an organisation has
		// workspaces is a server that never stops. Bounded by the cap.
		sites := make(map[string]struct{})
		for page := 1; ; page++ {
			body, err := json.Marshal(req)
			if err != nil {
				yield(OrgUser{}, fmt.Errorf("atlassian: %s: encoding the request: %w", op, err))
				return
			}
			cl := call{api: Admin, op: op, url: u, auth: c.adminAuth, method: http.MethodPost, body: body, paced: true}
			raw, err := c.get(ctx, cl)
			if err != nil {
				yield(OrgUser{}, err)
				return
			}
			p, err := decodeOrgUsersPage(raw)
			if err == nil && len(p.users) > size {
				// More than asked for is a broken or hostile server, not a
				// bigger organisation; page after page of it fills memory.
				err = fmt.Errorf("a page of %d users, more than the %d asked for", len(p.users), size)
			}
			if err == nil {
				future := c.future()
			check:
				for i, ou := range p.users {
					if !ou.AddedToOrg.Before(future) {
						// Nobody joins in the future: an odd join date,
						// dropped, not a "new" seat until then.
						p.users[i].AddedToOrg = time.Time{}
					}
					for _, pa := range ou.Products {
						if err = notAfterTomorrow(pa, future); err != nil {
							break check
						}
					}
					if seenUser[ou.AccountID] {
						continue // listed again by an overlapping page: not kept twice
					}
					if products += len(ou.Products); products > c.maxScanProducts {
						err = fmt.Errorf("more than %d product entries in the scan", c.maxScanProducts)
						break
					}
					for _, pa := range ou.Products {
						if _, ok := sites[pa.ID]; ok {
							continue
						}
						if len(sites) == maxScanSites {
							err = fmt.Errorf("more than %d sites (product IDs) in the scan", maxScanSites)
							break check
						}
						sites[pa.ID] = struct{}{}
					}
				}
			}
			if err != nil {
				yield(OrgUser{}, c.fail(cl, ErrBadResponse, 200, "", err))
				return
			}
			for _, ou := range p.users {
				if seenUser[ou.AccountID] {
					continue
				}
				seenUser[ou.AccountID] = true
				strs.Compact(&ou)
				if !yield(ou, nil) {
					return
				}
			}

			var stop error
			switch {
			case p.next == "":
				return
			case seenCursor[p.next] || p.next == req.Cursor:
				stop = errors.New("links.next repeats an earlier cursor")
			case page >= maxOrgUserPages:
				stop = fmt.Errorf("more than %d pages", maxOrgUserPages)
			case len(p.next) > maxCursorLen:
				stop = fmt.Errorf("links.next longer than %d bytes", maxCursorLen)
			}
			if stop != nil {
				yield(OrgUser{}, c.fail(cl, ErrBadResponse, 200, "", stop))
				return
			}
			seenCursor[p.next] = true
			req.Cursor = p.next
		}
	}
}

// Strings keeps one copy of each string that repeats from account to
// account (account types and statuses, product IDs and keys), so that the
// accounts of a scan share it: decoded, each of 50,000 accounts held its
// own copies, about a third of what a scan holds for LASTACTIVE_CACHE_TTL.
// The zero value is ready to use; past maxStrings distinct strings it
// keeps no more, so a server that repeats nothing costs no more than that.
type Strings struct{ m map[string]string }

const maxStrings = 10_000

func (s *Strings) str(v string) string {
	if c, ok := s.m[v]; ok {
		return c
	}
	if s.m == nil {
		s.m = make(map[string]string)
	}
	if len(s.m) < maxStrings {
		s.m[v] = v
	}
	return v
}

// Compact makes u's repeating strings the copies s keeps. It changes
// u.Products in place.
func (s *Strings) Compact(u *OrgUser) {
	u.AccountType = s.str(u.AccountType)
	u.AccountStatus = s.str(u.AccountStatus)
	u.MembershipStatus = s.str(u.MembershipStatus)
	u.ClaimStatus = s.str(u.ClaimStatus)
	for i := range u.Products {
		p := &u.Products[i]
		p.ID, p.Key = s.str(p.ID), s.str(p.Key)
	}
}

// orgUsersPage is one decoded page of the v2 users search.
type orgUsersPage struct {
	users []OrgUser
	next  string // "" on the last page
}

// The wire format (MultiDirectoryUser); unknown fields are ignored. The
// lists tell a missing (or null) field from an empty one without a
// pointer: [] decodes to an empty, non-nil slice. The optional strings
// read the same null, missing or "", so they are plain strings: a pointer
// costs a heap box beside each (TestDecodeOrgUsersPageAllocations).
type wireOrgUsersPage struct {
	Data  []wireOrgUser `json:"data"`
	Links *struct {
		Next string `json:"next"`
	} `json:"links"`
}

type wireOrgUser struct {
	AccountID        string               `json:"accountId"`
	AccountType      string               `json:"accountType"`
	Name             string               `json:"name"`
	Email            string               `json:"email"`
	AccountStatus    string               `json:"accountStatus"`
	MembershipStatus string               `json:"membershipStatus"`
	Status           string               `json:"status"` // the composite of the two above
	ClaimStatus      string               `json:"claimStatus"`
	AddedToOrg       string               `json:"addedToOrg"`
	ProductAccess    []wireV2ProductEntry `json:"productAccess"`
}

type wireV2ProductEntry struct {
	ID                  string `json:"id"`
	Key                 string `json:"key"`
	LastActiveTimestamp string `json:"lastActiveTimestamp"`
}

// v2Product reads one productAccess entry: a key is required, and a
// timestamp that does not parse is an error rather than "never used".
func v2Product(wp wireV2ProductEntry) (ProductActivity, error) {
	if wp.Key == "" {
		return ProductActivity{}, errors.New("no key")
	}
	// As the one-person lookup bounds them: each is kept with its account
	// and written to every CSV row of it.
	if len(wp.Key) > maxProductKeyLen {
		return ProductActivity{}, fmt.Errorf("key is longer than %d bytes", maxProductKeyLen)
	}
	if len(wp.ID) > maxWorkspaceIDLen {
		return ProductActivity{}, fmt.Errorf("id is longer than %d bytes", maxWorkspaceIDLen)
	}
	ts, err := parseInstant(wp.LastActiveTimestamp)
	if err != nil {
		return ProductActivity{}, fmt.Errorf("lastActiveTimestamp: %w", err)
	}
	pa := ProductActivity{ID: wp.ID, Key: wp.Key, LastActiveTimestamp: ts}
	if !ts.IsZero() {
		pa.LastActive = time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
	}
	return pa, nil
}

// fillStatus fills the account and membership statuses that u lacks from
// the composite status, which the spec defines by them: every field is
// optional, and an account whose statuses were left out would otherwise
// hold no seat whatever its status said. A value it does not define
// (for_deletion: a managed account being deleted, which Atlassian
// deactivates at once; or a newer one) stands for the account status it
// lacks, so that such an account holds no seat (HoldsSeat) and reads as
// what Atlassian said.
func fillStatus(u *OrgUser, status string) {
	u.AccountStatus, u.MembershipStatus = filledStatus(u.AccountStatus, u.MembershipStatus, status)
}

// filledStatus is fillStatus for any account: the account and membership
// statuses given, the missing ones filled from the composite status.
func filledStatus(accountStatus, membershipStatus, status string) (string, string) {
	account, membership := "", ""
	switch status {
	case "active":
		account, membership = "active", "active"
	case "suspended":
		account, membership = "active", "suspended"
	case "not_invited":
		account, membership = "active", "no_membership"
	case "deactivated":
		account = "inactive"
	case "":
	default:
		account = status
	}
	if accountStatus == "" {
		accountStatus = account
	}
	if membershipStatus == "" {
		membershipStatus = membership
	}
	return accountStatus, membershipStatus
}

// decodeOrgUsersPage decodes and checks one page. Like the last-active
// decoder it is strict where a mistake would mislead a manager: data must
// be there, every user needs an account ID, every product a key, and a
// timestamp that does not parse is an error rather than "never used". A
// page of users none of whom carries productAccess means the expand was
// not honoured (or the field was renamed): that too is an error, since it
// would otherwise read as "nobody uses anything". One user without the
// field is taken as a user without product access.
func decodeOrgUsersPage(b []byte) (orgUsersPage, error) {
	var w wireOrgUsersPage
	if err := json.Unmarshal(b, &w); err != nil {
		return orgUsersPage{}, fmt.Errorf("decoding the page: %w", err)
	}
	if w.Data == nil {
		return orgUsersPage{}, errors.New("no data in the page")
	}
	p := orgUsersPage{users: make([]OrgUser, 0, len(w.Data))}
	withAccess := 0
	for i, wu := range w.Data {
		if wu.AccountID == "" {
			return orgUsersPage{}, fmt.Errorf("data[%d] has no accountId", i)
		}
		if len(wu.AccountID) > maxAccountIDLen {
			return orgUsersPage{}, fmt.Errorf("data[%d].accountId is longer than %d bytes", i, maxAccountIDLen)
		}
		if len(wu.Email) > maxEmailLen {
			return orgUsersPage{}, fmt.Errorf("data[%d].email is longer than %d bytes", i, maxEmailLen)
		}
		// The type and statuses are one word each: what is longer is none
		// Atlassian defines, and cut it is still none.
		u := OrgUser{
			AccountID:        wu.AccountID,
			Name:             cutName(wu.Name),
			Email:            wu.Email,
			AccountType:      cut(wu.AccountType, maxStatusLen),
			AccountStatus:    cut(wu.AccountStatus, maxStatusLen),
			MembershipStatus: cut(wu.MembershipStatus, maxStatusLen),
			ClaimStatus:      cut(wu.ClaimStatus, maxStatusLen),
		}
		fillStatus(&u, cut(wu.Status, maxStatusLen))
		u.AddedToOrg, _ = parseJoinInstant(wu.AddedToOrg)
		if wu.ProductAccess != nil {
			withAccess++
			u.Products = make([]ProductActivity, 0, len(wu.ProductAccess))
			for j, wp := range wu.ProductAccess {
				pa, err := v2Product(wp)
				if err != nil {
					return orgUsersPage{}, fmt.Errorf("data[%d].productAccess[%d]: %w", i, j, err)
				}
				u.Products = append(u.Products, pa)
			}
			u.Products = onePerProduct(u.Products)
			if len(u.Products) > maxAccountProducts {
				return orgUsersPage{}, fmt.Errorf("data[%d] has more than %d products", i, maxAccountProducts)
			}
		}
		p.users = append(p.users, u)
	}
	if len(p.users) > 0 && withAccess == 0 {
		return orgUsersPage{}, errors.New("no user in the page has productAccess (was the expand ignored?)")
	}
	if w.Links != nil {
		next, err := cursorOf(w.Links.Next)
		if err != nil {
			return orgUsersPage{}, err
		}
		p.next = next
	}
	return p, nil
}

// cutName is name kept to its first maxNameLen bytes, cut between
// characters, in a copy of its own: a slice would keep the whole string.
func cutName(name string) string { return cut(name, maxNameLen) }

// cut is s kept to its first n bytes, cut between characters, in a copy of
// its own when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.Clone(s[:i])
}

// cutMarked is s kept to at most n bytes, cut between characters and
// ending in "…" when cut, so that a person reading it knows it goes on.
func cutMarked(s string, n int) string {
	const marker = "…"
	if len(s) <= n {
		return s
	}
	return cut(s, n-len(marker)) + marker
}

// onePerProduct collapses the entries of ps for the same product and site
// (ID and key) into the first, with the latest use of them (as a report
// counts them), in place.
func onePerProduct(ps []ProductActivity) []ProductActivity {
	type k struct{ id, key string }
	var at map[k]int // index in the kept entries, for long lists
	kept := ps[:0]
	for _, p := range ps {
		j := -1
		if at != nil {
			if i, ok := at[k{p.ID, p.Key}]; ok {
				j = i
			}
		} else {
			for i, q := range kept {
				if q.ID == p.ID && q.Key == p.Key {
					j = i
					break
				}
			}
		}
		switch {
		case j < 0:
			kept = append(kept, p)
			if at == nil && len(kept) > 16 {
				at = make(map[k]int, len(ps))
				for i, q := range kept {
					at[k{q.ID, q.Key}] = i
				}
			} else if at != nil {
				at[k{p.ID, p.Key}] = len(kept) - 1
			}
		case p.LastActiveTimestamp.After(kept[j].LastActiveTimestamp):
			kept[j].LastActive, kept[j].LastActiveTimestamp = p.LastActive, p.LastActiveTimestamp
		}
	}
	if len(kept) < len(ps) {
		// The rest of ps would stay held with the account.
		return slices.Clone(kept)
	}
	return kept
}

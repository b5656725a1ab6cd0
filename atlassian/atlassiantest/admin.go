package atlassiantest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Wire shapes of GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates.
type (
	ladPage struct {
		Data  ladData  `json:"data"`
		Links ladLinks `json:"links"`
	}
	ladData struct {
		ProductAccess []ladProduct `json:"product_access"`
		// Raw so that a user without a join date can get either an absent
		// field or an explicit null, as the spec allows both.
		AddedToOrg          json.RawMessage `json:"added_to_org,omitempty"`
		AddedToOrgTimestamp json.RawMessage `json:"added_to_org_timestamp,omitempty"`
	}
	ladProduct struct {
		ID                  string `json:"id"`
		Key                 string `json:"key"`
		LastActive          string `json:"last_active,omitempty"`
		LastActiveTimestamp string `json:"last_active_timestamp,omitempty"`
	}
	ladLinks struct {
		Next *string `json:"next"` // null on the last page, as in the tutorial
	}
)

// lastActiveDates serves the Admin last-active-dates endpoint, paging the
// user's products by the server's page size.
func (s *Server) lastActiveDates(x *index, orgID, accountID string, q url.Values, auth string) reply {
	if auth != "bearer" {
		return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized")
	}
	if orgID != x.orgID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-2", "Organization not found")
	}
	u, ok := x.lookup(accountID)
	if !ok || u.NotMember {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-8", "No user with this accountId in the organization")
	}
	start := 0
	if q.Has("cursor") {
		off, ok := decodeCursor(q.Get("cursor"), "lad", accountID)
		if !ok || off <= 0 || off >= len(u.held) {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-1", "Invalid page cursor")
		}
		start = off
	}
	end := min(start+s.pageSize, len(u.held))

	page := ladPage{Data: ladData{ProductAccess: make([]ladProduct, 0, end-start)}}
	for _, p := range u.held[start:end] {
		lp := ladProduct{ID: p.ID(), Key: p.Key}
		if !p.LastActive.IsZero() {
			t := p.LastActive.UTC()
			lp.LastActive = t.Format(time.DateOnly)
			if !p.DateOnly {
				lp.LastActiveTimestamp = t.Truncate(time.Second).Format(time.RFC3339)
			}
		}
		page.Data.ProductAccess = append(page.Data.ProductAccess, lp)
	}
	switch {
	case !u.AddedToOrg.IsZero():
		t := u.AddedToOrg.UTC()
		page.Data.AddedToOrg = quote(t.Format(time.DateOnly))
		page.Data.AddedToOrgTimestamp = quote(t.Truncate(time.Second).Format(time.RFC3339))
	case nullAddedToOrg(u.AccountID):
		page.Data.AddedToOrg = json.RawMessage("null")
		page.Data.AddedToOrgTimestamp = json.RawMessage("null")
	}
	if end < len(u.held) {
		next := encodeCursor("lad", accountID, end)
		page.Links.Next = &next
	}
	return marshalReply(http.StatusOK, page)
}

// nullAddedToOrg decides, stably per account, whether a missing join date
// is sent as null (true) or left out (false), so clients meet both forms.
func nullAddedToOrg(accountID string) bool {
	h := fnv.New32a()
	h.Write([]byte(accountID))
	return h.Sum32()%2 == 1
}

func quote(s string) json.RawMessage { return json.RawMessage(strconv.Quote(s)) }

// Cursors are opaque to clients but carry their own state, so the fake
// keeps nothing per page. The magic prefix makes every cursor contain "+"
// and "/" and the padding makes it end in "=": a client that does not
// URL-encode the cursor sends something else and gets ADMIN-400-1.
var cursorMagic = []byte{0xfb, 0xff, 0xbf}

func encodeCursor(kind, scope string, offset int) string {
	b := append(slices.Clone(cursorMagic), fmt.Sprintf("%s|%s|%d", kind, scope, offset)...)
	for len(b)%3 == 0 {
		b = append(b, ' ') // forces "=" padding; decodeCursor trims it
	}
	return base64.StdEncoding.EncodeToString(b)
}

// decodeCursor returns the offset of a cursor issued for kind and scope.
func decodeCursor(c, kind, scope string) (int, bool) {
	b, err := base64.StdEncoding.Strict().DecodeString(c)
	if err != nil || !bytes.HasPrefix(b, cursorMagic) {
		return 0, false
	}
	parts := strings.Split(strings.TrimRight(string(b[len(cursorMagic):]), " "), "|")
	if len(parts) != 3 || parts[0] != kind || parts[1] != scope {
		return 0, false
	}
	off, err := strconv.Atoi(parts[2])
	return off, err == nil
}

// Wire shapes of POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search.
type (
	// searchRequest holds the filters the fake implements. Unknown fields
	// are rejected rather than ignored, so a test never believes a filter
	// worked when the fake did not apply it.
	searchRequest struct {
		Limit            *int     `json:"limit,omitempty"`
		Cursor           string   `json:"cursor,omitempty"`
		Expand           []string `json:"expand,omitempty"`
		Emails           []string `json:"emails,omitempty"`
		SearchTerm       string   `json:"searchTerm,omitempty"`
		AccountIDs       []string `json:"accountIds,omitempty"`
		AccountStatus    []string `json:"accountStatus,omitempty"`
		MembershipStatus []string `json:"membershipStatus,omitempty"`
		ClaimStatus      string   `json:"claimStatus,omitempty"`
		Status           []string `json:"status,omitempty"`
		EmailDomains     []string `json:"emailDomains,omitempty"`
		ResourceIDs      []string `json:"resourceIds,omitempty"`
	}
	v2Page struct {
		Data  []v2User `json:"data"`
		Links v2Links  `json:"links"`
	}
	v2Links struct {
		Next string `json:"next,omitempty"`
		Self string `json:"self"`
	}
	v2User struct {
		AccountID        string      `json:"accountId"`
		AccountType      string      `json:"accountType"`
		Name             string      `json:"name"`
		Email            string      `json:"email,omitempty"`
		AccountStatus    string      `json:"accountStatus"`
		MembershipStatus string      `json:"membershipStatus"`
		ClaimStatus      string      `json:"claimStatus"`
		ManagementSource *string     `json:"managementSource"` // null for unmanaged accounts
		Status           string      `json:"status"`
		AddedToOrg       string      `json:"addedToOrg,omitempty"`
		ProductAccess    []v2Product `json:"productAccess,omitzero"` // [] with the expand, absent without
		PlatformRoles    []string    `json:"platformRoles,omitzero"` // [] with the expand, absent without
		Links            v2SelfLink  `json:"links"`
	}
	v2Product struct {
		ID                  string `json:"id"`
		Key                 string `json:"key"`
		LastActiveTimestamp string `json:"lastActiveTimestamp,omitempty"`
	}
	v2SelfLink struct {
		Self string `json:"self"`
	}
)

// Enumerations from the spec; anything else is a 400.
var (
	expandValues     = []string{"platformRoles", "counts.resources", "productAccess", "groups"}
	accountStatuses  = []string{"active", "inactive", "closed"}
	membershipValues = []string{"active", "suspended", "no_membership"}
	statusValues     = []string{"active", "suspended", "not_invited", "deactivated", "for_deletion"}
	claimValues      = []string{"managed", "unmanaged"}
)

const (
	v2DefaultLimit = 50
	v2MaxLimit     = 100
)

// usersSearchV2 serves the v2 directory users search over the org members,
// in display name order; the cursor is an opaque position in that order.
func (s *Server) usersSearchV2(x *index, orgID, dirID string, body []byte, auth string) reply {
	if auth != "bearer" {
		return errorReply("admin", http.StatusUnauthorized, "", "Unauthorized")
	}
	if orgID != x.orgID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-2", "Organization not found")
	}
	if dirID != "-" && dirID != DirectoryID {
		return errorReply("admin", http.StatusNotFound, "ADMIN-404-1", "Directory not found")
	}
	req, fingerprint, err := parseSearch(body)
	if err != nil {
		return errorReply("admin", http.StatusBadRequest, "ADMIN-400-24", "Invalid body: "+err.Error())
	}
	start := 0
	if req.Cursor != "" {
		off, ok := decodeCursor(req.Cursor, "v2", fingerprint)
		if !ok || off < 0 || off > len(x.users) {
			return errorReply("admin", http.StatusBadRequest, "ADMIN-400-1", "Invalid page cursor")
		}
		start = off
	}
	limit := v2DefaultLimit
	if req.Limit != nil {
		limit = *req.Limit
	}
	expand := slices.Contains(req.Expand, "productAccess")
	roles := slices.Contains(req.Expand, "platformRoles")

	// Exact filters pick candidates from the maps; otherwise walk everyone
	// from the cursor on. Either way a full paging run is O(users).
	candidates := x.candidates(req, start)
	page := v2Page{Data: []v2User{}, Links: v2Links{Self: encodeCursor("v2", fingerprint, start)}}
	for i := range candidates {
		u := &x.users[i]
		if !req.matches(u) {
			continue
		}
		if len(page.Data) == limit {
			page.Links.Next = encodeCursor("v2", fingerprint, i)
			break
		}
		v := toV2(u, expand, encodeCursor("user", u.AccountID, 0))
		if roles {
			v.PlatformRoles = []string{}
			if u.OrgAdmin {
				v.PlatformRoles = append(v.PlatformRoles, "atlassian/org-admin")
			}
		}
		page.Data = append(page.Data, v)
	}
	return marshalReply(http.StatusOK, page)
}

// candidates returns positions at or after start that may match req.
func (x *index) candidates(req *searchRequest, start int) iter.Seq[int] {
	return func(yield func(int) bool) {
		if len(req.Emails) == 0 && len(req.AccountIDs) == 0 {
			for i := start; i < len(x.users); i++ {
				if !yield(i) {
					return
				}
			}
			return
		}
		var ps []int
		for _, e := range req.Emails {
			ps = append(ps, x.byEmail[strings.ToLower(e)]...)
		}
		for _, id := range req.AccountIDs {
			if p, ok := x.pos[id]; ok {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		for _, p := range slices.Compact(ps) {
			if p >= start && !yield(p) {
				return
			}
		}
	}
}

func parseSearch(body []byte) (*searchRequest, string, error) {
	var req searchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, "", fmt.Errorf("not a search request the fake understands: %v", err)
	}
	check := func(field string, got []string, allowed []string) error {
		for _, v := range got {
			if !slices.Contains(allowed, v) {
				return fmt.Errorf("%s: unknown value %q", field, v)
			}
		}
		return nil
	}
	var claim []string
	if req.ClaimStatus != "" {
		claim = []string{req.ClaimStatus}
	}
	switch {
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > v2MaxLimit):
		return nil, "", fmt.Errorf("limit must be between 1 and %d", v2MaxLimit)
	case len(req.Emails) > 0 && req.SearchTerm != "":
		return nil, "", fmt.Errorf("emails and searchTerm are mutually exclusive")
	case len(req.Emails) > 100:
		return nil, "", fmt.Errorf("at most 100 emails")
	case len(req.AccountIDs) > 10:
		return nil, "", fmt.Errorf("at most 10 accountIds")
	}
	for _, err := range []error{
		check("expand", req.Expand, expandValues),
		check("accountStatus", req.AccountStatus, accountStatuses),
		check("membershipStatus", req.MembershipStatus, membershipValues),
		check("status", req.Status, statusValues),
		check("claimStatus", claim, claimValues),
	} {
		if err != nil {
			return nil, "", err
		}
	}
	// The cursor is only valid for the filters it was issued for.
	filters := req
	filters.Cursor, filters.Limit = "", nil
	b, _ := json.Marshal(filters)
	h := fnv.New64a()
	h.Write(b)
	return &req, strconv.FormatUint(h.Sum64(), 36), nil
}

func (req *searchRequest) matches(u *User) bool {
	in := func(filter []string, v string) bool { return len(filter) == 0 || slices.Contains(filter, v) }
	if u.NotMember ||
		!in(req.AccountStatus, u.AccountStatus) ||
		!in(req.MembershipStatus, u.MembershipStatus) ||
		!in(req.Status, u.status()) ||
		req.ClaimStatus != "" && req.ClaimStatus != u.ClaimStatus {
		return false
	}
	email := strings.ToLower(u.Email)
	if len(req.Emails) > 0 && !slices.ContainsFunc(req.Emails, func(e string) bool { return strings.EqualFold(e, email) }) {
		return false
	}
	if len(req.AccountIDs) > 0 && !slices.Contains(req.AccountIDs, u.AccountID) {
		return false
	}
	if len(req.EmailDomains) > 0 && !slices.ContainsFunc(req.EmailDomains, func(d string) bool {
		return strings.HasSuffix(email, "@"+strings.ToLower(d))
	}) {
		return false
	}
	if len(req.ResourceIDs) > 0 && !slices.ContainsFunc(u.held, func(p Product) bool {
		return slices.Contains(req.ResourceIDs, p.ID())
	}) {
		return false
	}
	if t := strings.ToLower(req.SearchTerm); t != "" &&
		!strings.Contains(strings.ToLower(u.DisplayName), t) && !strings.Contains(email, t) {
		return false
	}
	return true
}

func toV2(u *User, expand bool, self string) v2User {
	v := v2User{
		AccountID:        u.AccountID,
		AccountType:      u.AccountType,
		Name:             u.DisplayName,
		Email:            u.Email,
		AccountStatus:    u.AccountStatus,
		MembershipStatus: u.MembershipStatus,
		ClaimStatus:      u.ClaimStatus,
		Status:           u.status(),
		Links:            v2SelfLink{Self: self},
	}
	if u.ClaimStatus == "managed" {
		src := u.ManagementSource
		if src == "" {
			src = "invited"
		}
		v.ManagementSource = &src
	}
	if !u.AddedToOrg.IsZero() {
		v.AddedToOrg = u.AddedToOrg.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	if expand {
		v.ProductAccess = make([]v2Product, 0, len(u.held))
		for _, p := range u.held {
			vp := v2Product{ID: p.ID(), Key: p.Key}
			if !p.LastActive.IsZero() {
				vp.LastActiveTimestamp = p.LastActive.UTC().Format(time.RFC3339Nano)
			}
			v.ProductAccess = append(v.ProductAccess, vp)
		}
	}
	return v
}

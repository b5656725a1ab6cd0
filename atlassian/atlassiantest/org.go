package atlassiantest

import (
	"strings"
	"time"
)

// Fixed fake credentials. The fake accepts exactly these, each on its own
// API: the Jira pair as Basic auth, the API key as a Bearer token.
const (
	JiraEmail    = "bot@example.com"
	JiraAPIToken = "jira-token-for-tests-only"
	APIKey       = "admin-api-key-for-tests-only"
	// AdminWriteKey is the org admin key without scopes
	// (ATLASSIAN_ADMIN_WRITE_KEY) that the release endpoints require: they
	// answer 403 to APIKey, and the read endpoints 401 to this one.
	AdminWriteKey = "admin-write-key-for-tests-only"
	// OrgID is the organisation of SampleOrg and GenerateOrg, and the one a
	// Server serves when its Org has no ID.
	OrgID = "org-demo-1"
	// DirectoryID is the one directory of the fake organisation; the v2
	// search also accepts "-" (all directories), as Atlassian does.
	DirectoryID = "dir-demo-1"
)

// The two cloud sites of the sample and generated organisations. Products
// on a site get the ID "ari:cloud:<key>::site/<SiteID>".
const (
	SiteMain   = "58d24034-e3ec-11ed-b5ea-0242ac120002"
	SiteSecond = "7c3e9f20-5a1b-4c2d-9e8f-0123456789ab"
)

// Org is the organisation a Server pretends to be.
type Org struct {
	ID    string
	Name  string // sent by GET /admin/v1/orgs/{orgId}; "" is sent as "Demo organisation"
	Users []User
	// Workspaces are the product instances POST /admin/v2/orgs/{orgId}/workspaces
	// lists, in this order.
	Workspaces []Workspace
	// Groups give their members the user role on products (release
	// endpoints: role assignments, group search, memberships).
	Groups []Group
	// SeatLimits caps, per product ARI (Product.ID), how many active
	// accounts may hold it: an assign or a membership that would pass the
	// limit answers 409. Absent means no limit.
	SeatLimits map[string]int
}

// Group is a group of the organisation's directory.
type Group struct {
	ID   string
	Name string
	// Grants lists the products (ARIs, Product.ID) on which the group gives
	// its members the atlassian/user role.
	Grants []string
	// Members are account IDs. A member gets a never-used Product for each
	// granted ARI it has no entry for.
	Members []string
	// ExternalSynced: the group comes from an identity provider; the fake
	// refuses membership changes with 403, as Atlassian does.
	ExternalSynced bool
}

// Grant says how a user holds a Product besides its groups.
type Grant string

// The grants. A product is held while it is direct or inferred, or while
// a group the user is in grants it; a held product is in last-active-dates,
// productAccess and the role assignments, one no longer held is hidden (its
// last activity is kept and comes back with the access).
const (
	// GrantDirect (the zero value): the role was given to the user; revoke
	// turns it into GrantGroup, assign back.
	GrantDirect Grant = ""
	// GrantGroup: no direct role; held only while a group grants it.
	GrantGroup Grant = "group"
	// GrantInferred: Atlassian infers it; revoke answers 400.
	GrantInferred Grant = "inferred"
)

// Workspace is one product on one site (or a Bitbucket workspace).
type Workspace struct {
	// ID is sent as the workspace id: a bare cloud ID or an ARI ending in
	// one (the real API has both forms), e.g. "ari:cloud:jira::site/" + SiteMain.
	ID       string
	Name     string
	Type     string // product type: "jira", "confluence", ...
	HostURL  string // "https://acme.atlassian.net"; "" is sent as null
	Capacity int    // seat limit; 0 leaves capacity out
}

// User is one account known to Jira and, unless NotMember, to the
// organisation's directory.
type User struct {
	AccountID string
	// AccountType is "atlassian" when empty, else "app" or "customer".
	AccountType string
	DisplayName string
	Email       string
	// HideEmail mimics a profile that hides the email: Jira leaves out
	// emailAddress, and only a query for the exact full email finds the user.
	HideEmail bool
	// AccountStatus is "active" when empty, else "inactive" or "closed".
	// Jira's user search returns active accounts only.
	AccountStatus string
	// MembershipStatus is "active" when empty, else "suspended" or
	// "no_membership" (v2 users search only).
	MembershipStatus string
	// ClaimStatus is "managed" when empty, else "unmanaged" (v2 users search only).
	ClaimStatus string
	// ManagementSource of a managed account: "invited" when empty, or
	// "synced" (from an identity provider); unmanaged accounts send null.
	ManagementSource string
	// AddedToOrg is when the user joined the org. Zero leaves added_to_org
	// out or sends it as null, as orgs on the original user management
	// experience do; which of the two is fixed per account ID (a hash), so
	// clients meet both and every run sends the same.
	AddedToOrg time.Time
	// NotMember makes the Admin API answer 404 ADMIN-404-8 for this account
	// and hides it from the v2 users search, while Jira still finds it:
	// apps, JSM customers and people from other organisations. The zero
	// value means member, so plain literals need no extra field.
	NotMember bool
	// NotInJira hides the account from every Jira endpoint (search, user,
	// even by exact email) while the Admin API knows it: a member Jira
	// cannot see, found only by the Admin API's exact-email search.
	NotInJira bool
	// OrgAdmin gives the account the atlassian/org-admin platform role
	// (platformRoles expand, role assignments).
	OrgAdmin bool
	Products []Product

	// held is Products without those no longer held (see Grant), in order;
	// computed by buildIndex.
	held []Product
}

// Product is one product on one site the user has access to.
type Product struct {
	// Key is any product key; unknown keys ("compass", "loom") are welcome.
	Key string
	// SiteID is the cloud ID; the fake builds "ari:cloud:<Key>::site/<SiteID>".
	SiteID string
	// LastActive is the last activity; zero means never used, sent as an
	// entry without last_active.
	LastActive time.Time
	// DateOnly sends last_active without last_active_timestamp, as the
	// official tutorial shows.
	DateOnly bool
	// Grant is how the user holds it besides groups; GrantDirect by default.
	Grant Grant
}

// ID returns the product instance ID as Atlassian sends it: a site ARI.
func (p Product) ID() string { return "ari:cloud:" + p.Key + "::site/" + p.SiteID }

// Lookup returns the first user whose account ID or email (ignoring case)
// is key. It scans the list: meant for tests and samples, not for large orgs.
func (o *Org) Lookup(key string) (User, bool) {
	for _, u := range o.Users {
		if u.AccountID == key || (u.Email != "" && strings.EqualFold(u.Email, key)) {
			return u, true
		}
	}
	return User{}, false
}

// normalized returns a deep copy with the documented defaults filled in, so
// the handlers never see empty enum fields and the caller's Org stays theirs.
func (u User) normalized() User {
	if u.AccountType == "" {
		u.AccountType = "atlassian"
	}
	if u.AccountStatus == "" {
		u.AccountStatus = "active"
	}
	if u.MembershipStatus == "" {
		u.MembershipStatus = "active"
	}
	if u.ClaimStatus == "" {
		u.ClaimStatus = "managed"
	}
	u.Products = append([]Product(nil), u.Products...)
	return u
}

// status is the v2 composite of account and membership status.
func (u *User) status() string {
	switch {
	case u.AccountStatus != "active":
		return "deactivated"
	case u.MembershipStatus == "suspended":
		return "suspended"
	case u.MembershipStatus == "no_membership":
		return "not_invited"
	default:
		return "active"
	}
}

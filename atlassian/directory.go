package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxEmailMatches is the page size of an exact-email search: one address
// belongs to one account, rarely two; ten is plenty to list them all.
const maxEmailMatches = 10

// AccountStatus is what a reply says about an account besides its dates.
// The zero value means unknown (Jira's search does not say).
type AccountStatus string

// The account statuses, from the Admin API's accountStatus and
// membershipStatus.
const (
	StatusActive AccountStatus = "active"
	// StatusSuspended: the account's access to this organisation is
	// suspended (membershipStatus "suspended"); it holds no seat.
	StatusSuspended AccountStatus = "suspended"
	// StatusDeactivated: the account is deactivated (accountStatus
	// "inactive"); Jira no longer finds it.
	StatusDeactivated AccountStatus = "deactivated"
	// StatusClosed: the account is closed for good.
	StatusClosed AccountStatus = "closed"
	// StatusForDeletion: a managed account being deleted (status
	// "for_deletion"), which Atlassian deactivates at once; it holds no
	// seat. Worded as the report words it, for a manager.
	StatusForDeletion AccountStatus = "scheduled for deletion"
	// StatusNotMember: the account is in a directory of the organisation
	// but not a member of it (membershipStatus "no_membership", status
	// "not_invited"); it holds no seat. Worded as the report words it.
	StatusNotMember AccountStatus = "not a member"
)

// NoSeat reports whether an account with this status holds no seat, so
// that none of its products is an idle seat (the report counts it apart).
func (s AccountStatus) NoSeat() bool {
	return s == StatusSuspended || s == StatusDeactivated || s == StatusClosed || s == StatusNotMember || s == StatusForDeletion
}

// ForDeletion is the Admin API's status of a managed account being
// deleted, which fills the account status it lacks (fillStatus).
const ForDeletion = "for_deletion"

// statusOf combines the two Admin API fields; "" when neither says.
// An account status it does not know holds no seat, as in the report.
func statusOf(accountStatus, membershipStatus string) AccountStatus {
	switch {
	case accountStatus == "closed":
		return StatusClosed
	case accountStatus == "inactive":
		return StatusDeactivated
	case membershipStatus == "suspended":
		return StatusSuspended
	case membershipStatus == "no_membership":
		return StatusNotMember
	case accountStatus == "active":
		return StatusActive
	case accountStatus == ForDeletion:
		return StatusForDeletion
	case accountStatus != "":
		// A newer value: the report counts no seat for it
		// (OrgUser.HoldsSeat), so a lookup must not call it active or its
		// seat idle.
		return StatusDeactivated
	}
	return ""
}

// DirectoryUser is one account as the Admin API's directory search returns
// it (without the product access of OrgUser).
type DirectoryUser struct {
	AccountID   string
	Name        string
	Email       string // empty when Atlassian withholds it
	AccountType string // "atlassian"
	Status      AccountStatus
	// AccountStatus ("active", "inactive", "closed") and MembershipStatus
	// ("active", "suspended", "no_membership") as sent; Status combines them.
	AccountStatus    string
	MembershipStatus string
	ClaimStatus      string // "managed" or "unmanaged"
	// ManagementSource is "invited", "synced" (from an identity provider)
	// or "" when Atlassian could not say.
	ManagementSource string
	// AddedToOrg is when the account joined the organisation; zero when not sent.
	AddedToOrg time.Time
	// PlatformRoles are the organisation-level admin roles
	// ("atlassian/org-admin", "atlassian/site-admin", …); read only by
	// UserAccess (expand platformRoles), nil otherwise.
	PlatformRoles []string
	// Products is the account's access per product and site with its last
	// activity; read only by UserAccess (expand productAccess), nil otherwise.
	Products []ProductActivity
}

// OrgAdmin reports whether the account administers the organisation. A
// release never changes an org admin's access.
func (u DirectoryUser) OrgAdmin() bool { return slices.Contains(u.PlatformRoles, RoleOrgAdmin) }

// Synced reports whether an identity provider manages the account
// (managementSource "synced"): its access is changed there, never here.
func (u DirectoryUser) Synced() bool { return u.ManagementSource == "synced" }

// Account returns u as an Account, the type lookups pass on.
func (u DirectoryUser) Account() Account {
	return Account{AccountID: u.AccountID, AccountType: u.AccountType, DisplayName: u.Name, Email: u.Email,
		Active: u.Status == StatusActive, Status: u.Status}
}

// directorySearch is the request of the v2 users search for one person.
type directorySearch struct {
	Limit      int      `json:"limit"`
	Emails     []string `json:"emails,omitempty"`
	AccountIDs []string `json:"accountIds,omitempty"`
	Expand     []string `json:"expand,omitempty"`
}

// FindByEmail returns the account whose email is exactly email (Atlassian
// matches it ignoring case), with its status, through the Admin API's
// directory search (POST /admin/v2/orgs/{orgId}/directories/-/users/search
// with emails: [email]). It needs only the Admin API key, so it finds people
// without Jira, people Jira cannot see, and deactivated accounts. None is
// ErrNotFound, several are ErrAmbiguous with Error.Candidates.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v2-orgs-orgid-directories-directoryid-users-search-post
func (c *Client) FindByEmail(ctx context.Context, email string) (DirectoryUser, error) {
	const op = "search users by email"
	email = strings.TrimSpace(email)
	if email == "" || !strings.Contains(email, "@") {
		return DirectoryUser{}, fmt.Errorf("atlassian: %s: not an email address", op)
	}
	return c.findOne(ctx, op, directorySearch{Limit: maxEmailMatches, Emails: []string{email}})
}

// DirectoryUser returns the account with accountID through the same search
// (accountIds: [accountID]), for its status when it was found another way
// (Jira). It costs one Admin API request.
func (c *Client) DirectoryUser(ctx context.Context, accountID string) (DirectoryUser, error) {
	const op = "read user status"
	if strings.TrimSpace(accountID) == "" {
		return DirectoryUser{}, fmt.Errorf("atlassian: %s: empty account ID", op)
	}
	return c.findOne(ctx, op, directorySearch{Limit: maxEmailMatches, AccountIDs: []string{accountID}})
}

// UserAccess returns the account with accountID with what a release must
// check first: its management source (synced accounts are never changed),
// its platform roles (org admins are never changed) and its product access
// with the last activity per product (the read-back that proves a seat is
// free). It is the directory search of DirectoryUser with expand
// ["platformRoles", "productAccess"], sent with the read key: one request.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-users/#api-v2-orgs-orgid-directories-directoryid-users-search-post
func (c *Client) UserAccess(ctx context.Context, accountID string) (DirectoryUser, error) {
	const op = "read user access"
	if strings.TrimSpace(accountID) == "" {
		return DirectoryUser{}, fmt.Errorf("atlassian: %s: empty account ID", op)
	}
	du, err := c.findOne(ctx, op, directorySearch{Limit: maxEmailMatches, AccountIDs: []string{accountID},
		Expand: []string{"platformRoles", "productAccess"}})
	if err == nil && du.Products == nil {
		// The expand was ignored: "no products" would read as a free seat.
		return DirectoryUser{}, &Error{Kind: ErrBadResponse, API: Admin, Op: op,
			Err: errors.New("no productAccess in the answer (was the expand ignored?)")}
	}
	return du, err
}

func (c *Client) findOne(ctx context.Context, op string, req directorySearch) (DirectoryUser, error) {
	if c.adminBase == nil {
		return DirectoryUser{}, fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return DirectoryUser{}, fmt.Errorf("atlassian: %s: encoding the request: %w", op, err)
	}
	u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "directories", "-", "users", "search")
	cl := call{api: Admin, op: op, url: u, auth: c.adminAuth, method: http.MethodPost, body: body, orgScoped: true}
	raw, err := c.get(ctx, cl)
	if err != nil {
		return DirectoryUser{}, err
	}
	users, err := decodeDirectoryUsers(raw)
	if err != nil {
		return DirectoryUser{}, c.fail(cl, ErrBadResponse, 200, "", err)
	}
	// Keep only what was asked for: a server that ignored the filter must
	// not hand us somebody else.
	var found []DirectoryUser
	for _, du := range users {
		if len(req.Emails) > 0 && !sameEmail(du.Email, req.Emails[0]) && du.Email != "" ||
			len(req.AccountIDs) > 0 && du.AccountID != req.AccountIDs[0] {
			continue
		}
		// By email, people only (as Jira's matching has it): an app or a
		// portal customer with that address, or none, is not the person.
		if len(req.Emails) > 0 && du.AccountType != "" && du.AccountType != "atlassian" {
			continue
		}
		// One account listed twice is one person, not a choice between two.
		if slices.ContainsFunc(found, func(f DirectoryUser) bool { return f.AccountID == du.AccountID }) {
			continue
		}
		found = append(found, du)
	}
	switch len(found) {
	case 0:
		return DirectoryUser{}, c.fail(cl, ErrNotFound, 0, "", nil)
	case 1:
		return found[0], nil
	}
	cands := make([]Account, len(found))
	for i, du := range found {
		cands[i] = du.Account()
	}
	return DirectoryUser{}, &Error{Kind: ErrAmbiguous, API: Admin, Op: op, Path: cl.path(), Candidates: cands,
		Err: fmt.Errorf("%d accounts", len(found))}
}

// wireDirectoryUsers is the search answer without product access.
type wireDirectoryUsers struct {
	Data *[]struct {
		AccountID        string                `json:"accountId"`
		AccountType      string                `json:"accountType"`
		Name             string                `json:"name"`
		Email            string                `json:"email"`
		AccountStatus    string                `json:"accountStatus"`
		MembershipStatus string                `json:"membershipStatus"`
		Status           string                `json:"status"` // composite, fills the two above when absent
		ClaimStatus      string                `json:"claimStatus"`
		ManagementSource *string               `json:"managementSource"`
		AddedToOrg       *string               `json:"addedToOrg"`
		PlatformRoles    []string              `json:"platformRoles"`
		ProductAccess    *[]wireV2ProductEntry `json:"productAccess"`
	} `json:"data"`
}

// decodeDirectoryUsers reads one page of the directory search. Every user
// needs an account ID; statuses are kept as sent and combined by statusOf
// (an unknown value gives an unknown Status, never "active").
func decodeDirectoryUsers(b []byte) ([]DirectoryUser, error) {
	var w wireDirectoryUsers
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("decoding the users: %w", err)
	}
	if w.Data == nil {
		return nil, errors.New("no data in the answer")
	}
	out := make([]DirectoryUser, 0, len(*w.Data))
	for i, wu := range *w.Data {
		if wu.AccountID == "" {
			return nil, fmt.Errorf("data[%d] has no accountId", i)
		}
		if len(wu.AccountID) > maxAccountIDLen {
			return nil, fmt.Errorf("data[%d].accountId is longer than %d bytes", i, maxAccountIDLen)
		}
		if len(wu.Email) > maxEmailLen {
			return nil, fmt.Errorf("data[%d].email is longer than %d bytes", i, maxEmailLen)
		}
		// Every field is optional: a user given the composite status alone
		// reads as the report's scan reads them (fillStatus).
		wu.AccountStatus, wu.MembershipStatus = filledStatus(wu.AccountStatus, wu.MembershipStatus, wu.Status)
		du := DirectoryUser{
			AccountID:        wu.AccountID,
			Name:             cutName(wu.Name), // cached with the lookup
			Email:            wu.Email,
			AccountType:      wu.AccountType,
			Status:           statusOf(wu.AccountStatus, wu.MembershipStatus),
			AccountStatus:    wu.AccountStatus,
			MembershipStatus: wu.MembershipStatus,
			ClaimStatus:      wu.ClaimStatus,
			ManagementSource: deref(wu.ManagementSource),
		}
		du.AddedToOrg, _ = parseInstant(deref(wu.AddedToOrg))
		for _, r := range wu.PlatformRoles {
			if r != "" && !slices.Contains(du.PlatformRoles, r) {
				du.PlatformRoles = append(du.PlatformRoles, r)
			}
		}
		if wu.ProductAccess != nil {
			du.Products = make([]ProductActivity, 0, len(*wu.ProductAccess))
			for j, wp := range *wu.ProductAccess {
				pa, err := v2Product(wp)
				if err != nil {
					return nil, fmt.Errorf("data[%d].productAccess[%d]: %w", i, j, err)
				}
				du.Products = append(du.Products, pa)
			}
		}
		out = append(out, du)
	}
	return out, nil
}

// Via says which search found an account: the label of the bot's
// lastactive_resolver_total{via} metric.
type Via string

// The two ways to find a person.
const (
	ViaJira  Via = "jira"
	ViaAdmin Via = "admin"
)

// Resolve finds the one account behind email, the way a lookup should:
//
//   - with Jira configured, Jira's user search first (FindAccount's matching
//     rules); a person with a visible matching address is the answer (Via
//     ViaJira, Status unknown: asking the Admin API would cost one more
//     request, see DirectoryUser);
//   - the Admin API's exact-email search (FindByEmail) when Jira is not
//     configured, finds nobody, or finds only people who hide their address
//     (Via ViaAdmin, Status known);
//   - several people with visible matching addresses stay FindAccount's
//     ErrAmbiguous, and Jira's failures (credentials, outages) are returned
//     as they are, never papered over by the other API.
//
// When the Admin search cannot improve on a single hidden-address Jira
// match (nobody found, or it failed), that match is kept, as FindAccount
// would answer.
func (c *Client) Resolve(ctx context.Context, email string) (Account, Via, error) {
	if c.jiraBase == nil {
		du, err := c.FindByEmail(ctx, email)
		if err != nil {
			return Account{}, ViaAdmin, err
		}
		return du.Account(), ViaAdmin, nil
	}
	a, err := c.FindAccount(ctx, email)
	var fallback bool
	switch {
	case err == nil:
		fallback = a.Email == ""
	case errors.Is(err, ErrNotFound):
		fallback = true
	case errors.Is(err, ErrAmbiguous):
		fallback = allHidden(err)
	}
	if !fallback || c.adminBase == nil {
		return a, ViaJira, err
	}
	du, aerr := c.FindByEmail(ctx, email)
	switch {
	case aerr == nil:
		return du.Account(), ViaAdmin, nil
	case err == nil:
		return a, ViaJira, nil // keep the single hidden-address match
	case errors.Is(err, ErrNotFound):
		return Account{}, ViaAdmin, aerr // the Admin search had the last word
	}
	return Account{}, ViaJira, err // Jira's ambiguity stands
}

// allHidden reports whether every candidate of an ErrAmbiguous hides its address.
func allHidden(err error) bool {
	var e *Error
	if !errors.As(err, &e) || len(e.Candidates) == 0 {
		return false
	}
	for _, a := range e.Candidates {
		if a.Email != "" {
			return false
		}
	}
	return true
}

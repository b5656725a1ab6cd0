package atlassian

import "time"

// Account is one Atlassian account as Jira's user search returns it, or as
// the Admin API's directory search describes it (DirectoryUser.Account).
type Account struct {
	AccountID   string `json:"accountId"`
	AccountType string `json:"accountType"` // "atlassian", "app", "customer" or "unknown"
	DisplayName string `json:"displayName"`
	// Email is empty when the person hides it through their profile visibility.
	Email  string `json:"emailAddress,omitempty"`
	Active bool   `json:"active"`
	// Status is known when the Admin API found the account (Resolve's
	// ViaAdmin, FindByEmail); "" when only Jira was asked.
	Status AccountStatus `json:"-"`
}

// Activity is a user's last active dates across the organisation's products,
// merged from every page of the Admin API answer.
type Activity struct {
	AccountID string
	// Products holds one entry per product and site, in the order Atlassian sent
	// them. An empty slice is a valid answer: no recorded activity at all.
	Products []ProductActivity
	// AddedToOrg is the day the user joined the organisation; zero when the
	// organisation is not on the new user management experience.
	AddedToOrg time.Time
	// AddedToOrgTimestamp is the instant, when Atlassian sent one; else zero.
	AddedToOrgTimestamp time.Time
}

// ProductActivity is the last activity in one product on one site.
type ProductActivity struct {
	// ID is the product instance: in practice a site ARI such as
	// "ari:cloud:jira-software::site/<cloudId>". One Key can appear on several
	// sites, so ID tells them apart.
	ID string
	// Key is the product key as sent ("jira-software", "confluence", or any
	// newer key; unknown keys are kept as they come).
	Key string
	// LastActive is the UTC day of the last activity; zero when never used.
	LastActive time.Time
	// LastActiveTimestamp is the instant of the last activity when Atlassian
	// sent one; else zero.
	LastActiveTimestamp time.Time
}

// SiteID returns the part of the product ID after "site/", or the whole ID
// when it is not a site ARI.
func (p ProductActivity) SiteID() string {
	const marker = "::site/"
	for i := 0; i+len(marker) <= len(p.ID); i++ {
		if p.ID[i:i+len(marker)] == marker {
			return p.ID[i+len(marker):]
		}
	}
	return p.ID
}

// Used reports whether the product has any recorded activity.
func (p ProductActivity) Used() bool {
	return !p.LastActive.IsZero() || !p.LastActiveTimestamp.IsZero()
}

// Last returns the best known instant of the last activity: the timestamp
// when present, else the day at 00:00 UTC; zero when never used. The two
// agree in every answer seen (the instant falls within the day); when they
// do not, the later is kept, since reading the earlier shows a used seat as
// idle, and an idle seat is what a manager releases.
func (p ProductActivity) Last() time.Time {
	if !p.LastActiveTimestamp.IsZero() && !p.LastActiveTimestamp.Before(p.LastActive) {
		return p.LastActiveTimestamp
	}
	return p.LastActive
}

package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

const (
	// maxLastActivePages caps cursor paging. A person has a product list per
	// site, a page or two in practice; a hundred pages is a server loop.
	maxLastActivePages = 100
	// maxCursorLen keeps a runaway cursor from growing our request URLs.
	maxCursorLen = 4096
	// maxLastActiveProducts caps the products kept across pages: a person
	// has a few per site, so 5,000 is hundreds of sites; more is a server
	// filling our memory a 4 MiB page at a time.
	maxLastActiveProducts = 5000
	// maxProductKeyLen bounds a product key ("jira-software",
	// "jira-product-discovery"); a product ID is a site ARI, bounded as a
	// workspace ID is (maxWorkspaceIDLen). The bot caches both for every
	// person it answers about.
	maxProductKeyLen = 128
)

// LastActive returns accountID's last active dates in every product of the
// organisation, merged across all pages. An Activity with no products is a
// valid answer: the person has no recorded activity (or it is not processed
// yet: Atlassian's data lags by up to 24 hours).
//
// A person who is not a member of the organisation is ErrNotFound; a wrong
// organisation ID (ADMIN-404-2) or an organisation not on the new user
// management experience (ADMIN-400-4) is ErrRejected, with Error.Code set.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-directory/#api-v1-orgs-orgid-directory-users-accountid-last-active-dates-get
func (c *Client) LastActive(ctx context.Context, accountID string) (*Activity, error) {
	const op = "read last active dates"
	if c.adminBase == nil {
		return nil, fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured)
	}
	if accountID == "" || accountID == "." || accountID == ".." {
		// "." and ".." would be resolved away by some proxy and address
		// another resource.
		return nil, fmt.Errorf("atlassian: %s: invalid account ID %q", op, accountID)
	}

	u := joinPath(c.adminBase, "admin", "v1", "orgs", c.orgID, "directory", "users", accountID, "last-active-dates")
	act := &Activity{AccountID: accountID, Products: []ProductActivity{}}
	type product struct{ id, key string }
	have := make(map[product]int) // index in act.Products
	seen := make(map[string]bool)
	cursor := ""
	future := c.future()
	for page := 1; ; page++ {
		cl := call{api: Admin, op: op, url: pageURL(u, cursor), auth: c.adminAuth}
		body, err := c.get(ctx, cl)
		if err != nil {
			return nil, err
		}
		p, err := decodeLastActivePage(body)
		if err != nil {
			return nil, c.fail(cl, ErrBadResponse, 200, "", err)
		}
		for _, pa := range p.products {
			if err := notAfterTomorrow(pa, future); err != nil {
				return nil, c.fail(cl, ErrBadResponse, 200, "", err)
			}
			// A product repeated (on this page or a later one) is one entry,
			// with its latest date: keeping an older one could show someone
			// who used it yesterday as idle.
			k := product{pa.ID, pa.Key}
			if i, ok := have[k]; ok {
				if later(pa, act.Products[i]) {
					act.Products[i] = pa
				}
				continue
			}
			if len(act.Products) == maxLastActiveProducts {
				return nil, c.fail(cl, ErrBadResponse, 200, "", fmt.Errorf("more than %d products", maxLastActiveProducts))
			}
			have[k] = len(act.Products)
			act.Products = append(act.Products, pa)
		}
		// A join date after tomorrow is odd, and dropped as such.
		if act.AddedToOrg.IsZero() && p.addedToOrg.Before(future) {
			act.AddedToOrg = p.addedToOrg
		}
		if act.AddedToOrgTimestamp.IsZero() && p.addedToOrgTimestamp.Before(future) {
			act.AddedToOrgTimestamp = p.addedToOrgTimestamp
		}

		switch {
		case p.next == "":
			return act, nil
		case seen[p.next]:
			return nil, c.fail(cl, ErrBadResponse, 200, "", errors.New("links.next repeats an earlier cursor"))
		case page >= maxLastActivePages:
			return nil, c.fail(cl, ErrBadResponse, 200, "", fmt.Errorf("more than %d pages", maxLastActivePages))
		case len(p.next) > maxCursorLen:
			return nil, c.fail(cl, ErrBadResponse, 200, "", fmt.Errorf("links.next longer than %d bytes", maxCursorLen))
		}
		seen[p.next] = true
		cursor = p.next
	}
}

// later reports whether a is a later record of use than b: by the last use
// as every reader judges it (Last, the later of the day and the instant, as
// seat.MergeProducts compares), then by date, then by instant. Compared by
// date first, an entry of an August day kept over one whose instant was of
// yesterday beside an older day, and the seat read idle. A product never
// used (zero dates) is never later.
func later(a, b ProductActivity) bool {
	if la, lb := a.Last(), b.Last(); !la.Equal(lb) {
		return la.After(lb)
	}
	if !a.LastActive.Equal(b.LastActive) {
		return a.LastActive.After(b.LastActive)
	}
	return a.LastActiveTimestamp.After(b.LastActiveTimestamp)
}

// pageURL returns u asking for the page at cursor ("" for the first page).
// The cursor is opaque and may hold "/", "+" or "=", so it goes through
// url.Values rather than being pasted in.
func pageURL(u *url.URL, cursor string) *url.URL {
	pu := *u
	pu.RawQuery = ""
	if cursor != "" {
		// url.Values{"cursor": {cursor}}.Encode(), without its map.
		pu.RawQuery = "cursor=" + url.QueryEscape(cursor)
	}
	return &pu
}

// lastActivePage is one decoded page of last-active dates.
type lastActivePage struct {
	products            []ProductActivity
	addedToOrg          time.Time
	addedToOrgTimestamp time.Time
	next                string // "" on the last page
}

// The wire format. Pointers tell a missing or null field from an empty one;
// unknown fields are ignored so that additions upstream do not break us.
// The optional strings are plain strings, not pointers: null, a missing
// field and "" all read as "" (which is all the decode asks of them), and
// a pointer would cost a heap box beside each string
// (TestDecodeLastActivePageAllocations). The product list stays told apart
// from an absent one: [] decodes to an empty, non-nil slice.
type wireLastActivePage struct {
	Data *struct {
		ProductAccess       []wireProductAccess `json:"product_access"`
		AddedToOrg          string              `json:"added_to_org"`
		AddedToOrgTimestamp string              `json:"added_to_org_timestamp"`
	} `json:"data"`
	Links *struct {
		Next string `json:"next"`
	} `json:"links"`
}

type wireProductAccess struct {
	ID                  string `json:"id"`
	Key                 string `json:"key"`
	LastActive          string `json:"last_active"`
	LastActiveTimestamp string `json:"last_active_timestamp"`
}

// decodeLastActivePage decodes and checks one page.
//
// It is strict where a mistake would mislead the person asking: the product
// list must be present (a renamed field must not read as "never active"),
// every product needs its key, and a last_active that does not parse is an
// error rather than "never used". It is lenient with the optional extras
// (timestamps, added_to_org): an odd value there is dropped, not fatal.
func decodeLastActivePage(b []byte) (lastActivePage, error) {
	var w wireLastActivePage
	if err := json.Unmarshal(b, &w); err != nil {
		return lastActivePage{}, fmt.Errorf("decoding the page: %w", err)
	}
	if w.Data == nil || w.Data.ProductAccess == nil {
		return lastActivePage{}, errors.New("no data.product_access in the page")
	}
	var p lastActivePage
	p.products = make([]ProductActivity, 0, len(w.Data.ProductAccess))
	for i, wp := range w.Data.ProductAccess {
		if wp.Key == "" {
			return lastActivePage{}, fmt.Errorf("product_access[%d] has no key", i)
		}
		if len(wp.Key) > maxProductKeyLen {
			return lastActivePage{}, fmt.Errorf("product_access[%d].key is longer than %d bytes", i, maxProductKeyLen)
		}
		if len(wp.ID) > maxWorkspaceIDLen {
			return lastActivePage{}, fmt.Errorf("product_access[%d].id is longer than %d bytes", i, maxWorkspaceIDLen)
		}
		day, err := parseDay(wp.LastActive)
		if err != nil {
			return lastActivePage{}, fmt.Errorf("product_access[%d].last_active: %w", i, err)
		}
		ts, err := parseInstant(wp.LastActiveTimestamp)
		if err != nil && day.IsZero() {
			// The instant was the only sign of use: dropping it would
			// read as "never used".
			return lastActivePage{}, fmt.Errorf("product_access[%d].last_active_timestamp: %w", i, err)
		}
		p.products = append(p.products, ProductActivity{ID: wp.ID, Key: wp.Key, LastActive: day, LastActiveTimestamp: ts})
	}
	p.addedToOrg, _ = parseDay(w.Data.AddedToOrg)
	p.addedToOrgTimestamp, _ = parseInstant(w.Data.AddedToOrgTimestamp)
	if w.Links != nil {
		next, err := cursorOf(w.Links.Next)
		if err != nil {
			return lastActivePage{}, err
		}
		p.next = next
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseDay reads a UTC date ("2023-01-19"); a full timestamp is accepted too
// and cut to its UTC day. "" is the zero time.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, errors.New("not a date")
		}
		t = t.UTC()
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	if zeroDay(t) {
		// 0001-01-01 is Go's zero time, which means "never" to every reader.
		return time.Time{}, errors.New("not a date")
	}
	return t, nil
}

// zeroDay reports whether t falls on or before the UTC day of Go's zero
// time. Written with an offset east of UTC ("0001-01-01T00:00:00+01:00")
// that zero is the year before, and in a local mean time (Paris's
// +00:09:21, written +00:09) seconds after it: neither is the zero time to
// IsZero, and each read as a use in year 0 or 1, an idle seat, and beside a
// good last_active day it was taken as the later reading.
func zeroDay(t time.Time) bool {
	return t.UTC().Before(time.Date(1, time.January, 2, 0, 0, 0, 0, time.UTC))
}

// parseInstant reads an RFC 3339 timestamp into UTC. "" is the zero time;
// Go's zero time sent as a value is not a timestamp, as in parseDay.
func parseInstant(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || zeroDay(t) {
		return time.Time{}, errors.New("not a timestamp")
	}
	return t.UTC(), nil
}

// joinLayouts are the ISO-8601 forms a join date is read in besides RFC
// 3339: the v2 spec calls addedToOrg an "ISO-8601 date and time" without
// saying which, and Atlassian's other APIs write offsets as +0000. A join
// date that is not read makes a person who joined yesterday a never-used
// seat, costed in the report and nudged, so it is read in any of them; one
// without a zone is taken as UTC, as every Atlassian date is.
var joinLayouts = []string{
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999",
	time.DateOnly,
}

// parseJoinInstant parses a v2 join date (addedToOrg): RFC 3339 or another
// of joinLayouts. Go's zero time, in any form, is not a date.
func parseJoinInstant(s string) (time.Time, error) {
	if t, err := parseInstant(s); err == nil {
		return t, nil
	}
	for _, layout := range joinLayouts {
		if t, err := time.Parse(layout, s); err == nil && !zeroDay(t) {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a timestamp")
}

// future is the first instant no last-active date may reach: Atlassian's
// data lags and never leads, so a date after tomorrow (UTC; tomorrow is a
// reader west of Greenwich's today) is not its own, and read as it comes
// would show an idle seat as active today.
func (c *Client) future() time.Time {
	now := c.clock.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()+2, 0, 0, 0, 0, time.UTC)
}

func notAfterTomorrow(pa ProductActivity, future time.Time) error {
	if !pa.LastActive.Before(future) || !pa.LastActiveTimestamp.Before(future) {
		return fmt.Errorf("a last active date after tomorrow (%s)", pa.Last().Format(time.DateOnly))
	}
	return nil
}

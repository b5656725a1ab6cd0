package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Org is the organisation the Admin API key works on.
type Org struct {
	ID   string
	Name string
}

// Org reads the organisation the client is configured for, which proves
// the API key and the organisation ID together (`lastactive check`, and
// readiness). The failures callers need to tell apart:
//
//   - ErrCredentials with Status 401: the key was rejected (expired,
//     revoked, or not a key at all);
//   - ErrNotOrgAdmin (also ErrCredentials): 403 ADMIN-403-*, the key's owner
//     is not an admin of this organisation;
//   - ErrOrgNotFound (also ErrRejected): 404, the organisation ID is wrong;
//   - ErrUnavailable with Error.Net and Error.Host: no answer at all (DNS,
//     refused, timeout, TLS), which says nothing about the key.
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-orgs/#api-v1-orgs-orgid-get
func (c *Client) Org(ctx context.Context) (Org, error) {
	const op = "read organisation"
	if c.adminBase == nil {
		return Org{}, fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured)
	}
	cl := call{api: Admin, op: op, url: joinPath(c.adminBase, "admin", "v1", "orgs", c.orgID), auth: c.adminAuth, orgScoped: true}
	body, err := c.get(ctx, cl)
	if err != nil {
		return Org{}, err
	}
	o, err := decodeOrg(body)
	if err != nil {
		return Org{}, c.fail(cl, ErrBadResponse, 200, "", err)
	}
	return o, nil
}

// wireOrg is the Org schema: {"data":{"id","type":"orgs","attributes":{"name"}}}.
type wireOrg struct {
	Data *struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			Name string `json:"name"`
		} `json:"attributes"`
	} `json:"data"`
}

// decodeOrg requires the organisation's ID, the one field that proves the
// answer is about an organisation; the name is optional.
func decodeOrg(b []byte) (Org, error) {
	var w wireOrg
	if err := json.Unmarshal(b, &w); err != nil {
		return Org{}, fmt.Errorf("decoding the organisation: %w", err)
	}
	if w.Data == nil || w.Data.ID == "" {
		return Org{}, errors.New("no data.id in the answer")
	}
	if w.Data.Type != "" && w.Data.Type != "orgs" {
		// Not echoed: an error must never carry what a server chose to put
		// there (a broken proxy may reflect the Authorization header).
		return Org{}, errors.New("data.type is not orgs")
	}
	return Org{ID: w.Data.ID, Name: w.Data.Attributes.Name}, nil
}

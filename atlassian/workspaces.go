package atlassian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strings"
)

const (
	// workspacesPageSize asks for 100 workspaces a request (the API allows
	// up to 1,000); an organisation has a handful to a few hundred.
	workspacesPageSize = 100
	// maxWorkspacePages caps cursor paging: 100 pages of 100 is far beyond
	// any organisation; more is a server that never stops.
	maxWorkspacePages = 100
	// maxWorkspaces caps the workspaces kept across pages (100 full pages):
	// a page may hold more than asked, up to the 4 MiB body limit.
	maxWorkspaces = maxWorkspacePages * workspacesPageSize
)

// Workspace is one product instance of the organisation: a product on a
// site (Jira or Confluence on acme.atlassian.net), or a Bitbucket or Trello
// workspace.
type Workspace struct {
	// ID is the workspace ID as sent: the bare cloud ID or an ARI ending in it.
	ID string
	// CloudID is the site's cloud ID (CloudID(ID)); product-access entries
	// name their site by it.
	CloudID string
	Name    string
	// Type is the product type as sent ("jira", "confluence", …).
	Type string
	// Host is the site's host name ("acme.atlassian.net"); "" when not sent.
	Host string
	// URL is the host URL as sent; "" when not sent.
	URL string
	// Capacity is the seat limit when Atlassian sends one; else 0.
	Capacity int
	// Status is "online", "offline" or "deprecated" ("" when not sent).
	Status string
}

// Workspaces returns every workspace of the organisation, following the
// cursor through every page, so that sites can be named by their host.
// It reads the whole list on every call; callers keep it (see Sites).
//
// Upstream: https://developer.atlassian.com/cloud/admin/organization/rest/api-group-workspaces/#api-v2-orgs-orgid-workspaces-post
func (c *Client) Workspaces(ctx context.Context) ([]Workspace, error) {
	const op = "list workspaces"
	if c.adminBase == nil {
		return nil, fmt.Errorf("atlassian: %s: Admin API %w", op, ErrNotConfigured)
	}
	u := joinPath(c.adminBase, "admin", "v2", "orgs", c.orgID, "workspaces")
	var all []Workspace
	have := make(map[string]bool)
	seen := make(map[string]bool)
	cursor := ""
	for page := 1; ; page++ {
		// With a cursor, the API allows no other field in the body.
		var reqBody any = struct {
			Limit int `json:"limit"`
		}{workspacesPageSize}
		if cursor != "" {
			reqBody = struct {
				Cursor string `json:"cursor"`
			}{cursor}
		}
		body, err := json.Marshal(reqBody)
		if err != nil {
			return nil, fmt.Errorf("atlassian: %s: encoding the request: %w", op, err)
		}
		cl := call{api: Admin, op: op, url: u, auth: c.adminAuth, method: http.MethodPost, body: body, orgScoped: true}
		raw, err := c.get(ctx, cl)
		if err != nil {
			return nil, err
		}
		p, err := decodeWorkspacesPage(raw)
		if err != nil {
			return nil, c.fail(cl, ErrBadResponse, 200, "", err)
		}
		for _, w := range p.workspaces {
			if !have[w.ID] {
				if len(all) == maxWorkspaces {
					return nil, c.fail(cl, ErrBadResponse, 200, "", fmt.Errorf("more than %d workspaces", maxWorkspaces))
				}
				have[w.ID] = true
				all = append(all, w)
			}
		}
		var stop error
		switch {
		case p.next == "":
			return all, nil
		case seen[p.next] || p.next == cursor:
			stop = errors.New("links.next repeats an earlier cursor")
		case page >= maxWorkspacePages:
			stop = fmt.Errorf("more than %d pages", maxWorkspacePages)
		case len(p.next) > maxCursorLen:
			stop = fmt.Errorf("links.next longer than %d bytes", maxCursorLen)
		}
		if stop != nil {
			return nil, c.fail(cl, ErrBadResponse, 200, "", stop)
		}
		seen[p.next] = true
		cursor = p.next
	}
}

type workspacesPage struct {
	workspaces []Workspace
	next       string // a cursor; "" on the last page
}

// The wire format (PageDataResponseV2 of WorkspaceModel). Unknown fields
// are ignored; pointers tell a missing field from an empty one. Each
// workspace is decoded on its own, and its fields as raw JSON: one entry
// the bot cannot read must not fail the page, and with it the name of
// every site in every reply.
type wireWorkspacesPage struct {
	Data  *[]json.RawMessage `json:"data"`
	Links *struct {
		Next *string `json:"next"`
	} `json:"links"`
}

type wireWorkspace struct {
	ID         json.RawMessage `json:"id"`
	Attributes json.RawMessage `json:"attributes"`
}

type wireWorkspaceAttributes struct {
	Name    json.RawMessage `json:"name"`
	Type    json.RawMessage `json:"type"`
	HostURL json.RawMessage `json:"hostUrl"`
	// Capacity is read by capacityOf: a value of another type than the
	// spec's integer is dropped like any other odd field.
	Capacity json.RawMessage `json:"capacity"`
	Status   json.RawMessage `json:"status"`
}

// decodeWorkspacesPage decodes one page. The list must be there. A
// workspace the bot cannot match product access by (no ID, an ARI without
// a cloud ID, an ID past maxWorkspaceIDLen, not an object) is left out;
// its products are then shown by their IDs, as those of a site the
// workspaces never named. A page of entries none of which could be read is
// an error (the answer's shape has changed, not one entry). A field of
// another type than the spec's reads as empty; a capacity that is not a
// positive number is dropped, a host URL that does not parse leaves Host
// empty (the site is then shown by its ID).
func decodeWorkspacesPage(b []byte) (workspacesPage, error) {
	var w wireWorkspacesPage
	if err := json.Unmarshal(b, &w); err != nil {
		return workspacesPage{}, fmt.Errorf("decoding the page: %w", err)
	}
	if w.Data == nil {
		return workspacesPage{}, errors.New("no data in the page")
	}
	p := workspacesPage{workspaces: make([]Workspace, 0, len(*w.Data))}
	var skipped error
	for i, raw := range *w.Data {
		ws, err := decodeWorkspace(raw)
		if err != nil {
			if skipped == nil {
				skipped = fmt.Errorf("data[%d]: %w", i, err)
			}
			continue
		}
		p.workspaces = append(p.workspaces, ws)
	}
	if len(p.workspaces) == 0 && skipped != nil {
		return workspacesPage{}, fmt.Errorf("no workspace in the page could be read (%d entries; %w)", len(*w.Data), skipped)
	}
	if w.Links != nil {
		next, err := cursorOf(deref(w.Links.Next))
		if err != nil {
			return workspacesPage{}, err
		}
		p.next = next
	}
	return p, nil
}

// decodeWorkspace decodes one entry of a page, or says why it cannot be
// used.
func decodeWorkspace(raw json.RawMessage) (Workspace, error) {
	var ww wireWorkspace
	if err := json.Unmarshal(raw, &ww); err != nil {
		return Workspace{}, errors.New("not an object")
	}
	id := strings.TrimSpace(str(ww.ID))
	cloud := CloudID(id)
	if id == "" || cloud == "" {
		return Workspace{}, errors.New("no id")
	}
	if len(id) > maxWorkspaceIDLen {
		return Workspace{}, fmt.Errorf("id is longer than %d bytes", maxWorkspaceIDLen)
	}
	var a wireWorkspaceAttributes
	if len(ww.Attributes) > 0 && json.Unmarshal(ww.Attributes, &a) != nil {
		a = wireWorkspaceAttributes{} // not an object: no attributes
	}
	// The site book keeps every workspace for good: what a page holds
	// beyond what a site is named by is not kept.
	ws := Workspace{ID: id, CloudID: cloud, Name: cutName(str(a.Name)),
		Type: cut(str(a.Type), maxWorkspaceWordLen), Status: cut(str(a.Status), maxWorkspaceWordLen)}
	if u := str(a.HostURL); u != "" && len(u) <= maxHostURLLen {
		ws.URL = strings.TrimSpace(u)
		ws.Host = hostOf(ws.URL)
	}
	ws.Capacity = capacityOf(a.Capacity)
	return ws, nil
}

// What one workspace may hold: an ARI or cloud ID is under 100 bytes; a
// type or status is one word; a host URL longer than maxHostURLLen is not
// one a site is named by (a DNS name is at most 253 bytes).
const (
	maxWorkspaceIDLen   = 256
	maxWorkspaceWordLen = 64
	maxHostURLLen       = 512
)

// hostOf returns the lower-case host name of a host URL, which Atlassian
// may send with or without a scheme ("https://acme.atlassian.net/",
// "acme.atlassian.net"); "" when it is not a plain host.
func hostOf(raw string) string {
	if raw == "" {
		return ""
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Hostname() == "" {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "" // not a DNS name: never shown to a person as one
		}
	}
	return h
}

// IsHost reports whether h is a host as a workspace is named by: a plain,
// lower-case DNS name (what the workspaces reader keeps of a host URL).
func IsHost(h string) bool { return h != "" && hostOf(h) == h }

// capacityOf reads a workspace's capacity: a positive whole number up to
// MaxCapacity, in any JSON number form (50, 50.0, 5e1); anything else (null,
// a string, a fraction, an object) is 0, no capacity.
func capacityOf(raw json.RawMessage) int {
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0
	}
	if i, err := n.Int64(); err == nil {
		if i > 0 && i <= MaxCapacity {
			return int(i)
		}
		return 0
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f <= 0 || f > MaxCapacity {
		return 0
	}
	return int(f)
}

// MaxCapacity is the largest capacity the workspaces reader keeps.
const MaxCapacity = 1<<31 - 1

// cursorOf reads a links.next that the spec describes as a URL of the next
// page but that the API sends as a bare cursor: the cursor query parameter
// of a full URL, or the value itself. A cursor is opaque and may start with
// "/" (base64 has it), so only http(s):// (in any case) is a URL; a URL without a cursor
// is an error, not the last page (paging would end silently).
func cursorOf(next string) (string, error) {
	next = strings.TrimSpace(next)
	// A scheme is any case (RFC 3986): "HTTPS://…" is a URL too.
	scheme := strings.ToLower(next[:min(len(next), len("https://"))])
	if !strings.HasPrefix(scheme, "http://") && !strings.HasPrefix(scheme, "https://") {
		return next, nil
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", errors.New("links.next is neither a cursor nor a URL")
	}
	c := u.Query().Get("cursor")
	if c == "" {
		return "", errors.New("links.next is a URL without a cursor")
	}
	return c, nil
}

// CloudID returns the cloud ID a site is known by, from either form it
// comes in: an ARI ending in it ("ari:cloud:confluence::site/{cloudId}",
// the last segment after "/") or the bare ID itself. An ARI without a
// resource part gives "".
func CloudID(ariOrID string) string {
	s := strings.TrimSpace(ariOrID)
	if !strings.HasPrefix(s, "ari:") {
		return s
	}
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return ""
	}
	return s[i+1:]
}

// Sites names sites by their host. Build it once from Workspaces and keep
// it: the zero value knows no site. It is read-only and safe for
// concurrent use.
type Sites struct {
	hosts map[string]string // cloud ID → host
}

// NewSites indexes the workspaces by cloud ID. A site has one workspace per
// product, all with the same host; the first host seen wins.
func NewSites(ws []Workspace) Sites {
	s := Sites{hosts: make(map[string]string, len(ws))}
	for _, w := range ws {
		if w.CloudID == "" || w.Host == "" {
			continue
		}
		if _, ok := s.hosts[w.CloudID]; !ok {
			s.hosts[w.CloudID] = w.Host
		}
	}
	return s
}

// Host returns the host of the site with cloudID, which may also be given
// as an ARI ending in it (a product-access ID); false when the site is not
// in the list.
func (s Sites) Host(cloudID string) (string, bool) {
	h, ok := s.hosts[CloudID(cloudID)]
	return h, ok
}

// Len is the number of sites with a known host.
func (s Sites) Len() int { return len(s.hosts) }

// Or returns s with, for the sites s does not list, the hosts more gives
// them: s's names win.
func (s Sites) Or(more Sites) Sites {
	if len(more.hosts) == 0 {
		return s
	}
	if len(s.hosts) == 0 {
		return more
	}
	hosts := maps.Clone(s.hosts)
	for id, h := range more.hosts {
		if _, ok := hosts[id]; !ok {
			hosts[id] = h
		}
	}
	return Sites{hosts: hosts}
}

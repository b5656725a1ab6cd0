package main

// The minimal fakes of minfakes_test.go and minfakes2_test.go, driven
// through keep or release to its end: Release clicked, the approver's
// Approve, the release through the Admin API's role assignments, group
// search, revoke and membership delete in the fewest fields and the
// answers the OpenAPI spec allows (optional fields absent, 204, 200 with a
// body, 202), the read-back, Undo, reminders and escalation, and the
// approvals refused or left to an admin.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const mf3WriteKey = "minfakes-admin-write-key-secret"

// mf3Group is a group of the minimal Admin API: its members, and the
// role it gives on each resource.
type mf3Group struct {
	id, name string
	members  map[string]bool
	grants   map[string]string // resource ARI → role
}

// mf3Admin is the release half of a minimal Admin API: one person's
// access, held by a direct role, by groups, by both or by nothing the API
// lists, and the writes that change it.
type mf3Admin struct {
	// writeStatus and writeBody answer every write (0: 204, no body).
	writeStatus int
	writeBody   string
	// unlisted: the user search says the person holds the product, the
	// role assignments list nothing.
	unlisted bool

	mu     sync.Mutex
	people map[string]*mf3Person // account ID → person
	groups []*mf3Group
	writes []string // "METHOD path body"
	keys   []string // "METHOD path key" where key is "read", "write" or "other"
}

type mf3Person struct {
	id, email, name string
	direct          map[string]string // resource ARI → role given directly
	products        map[string]string // resource ARI → product key
	daysIdle        int
}

// held returns the resources and roles p holds, and how.
func (a *mf3Admin) held(p *mf3Person) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	add := func(res, role, method string) {
		if out[res] == nil {
			out[res] = map[string][]string{}
		}
		out[res][role] = append(out[res][role], method)
	}
	for res, role := range p.direct {
		add(res, role, "direct")
	}
	for _, g := range a.groups {
		if g.members[p.id] {
			for res, role := range g.grants {
				add(res, role, "group_direct")
			}
		}
	}
	return out
}

func (a *mf3Admin) user(p *mf3Person) string {
	held := a.held(p)
	var access []string
	for res, key := range p.products {
		if len(held[res]) == 0 && !a.unlisted {
			continue
		}
		access = append(access, fmt.Sprintf(`{"id":%q,"key":%q,"lastActiveTimestamp":%q}`, res, key, mf2Stamp(p.daysIdle)))
	}
	slices.Sort(access)
	return fmt.Sprintf(`{"accountId":%q,"email":%q,"name":%q,"status":"active","accountStatus":"active","productAccess":[%s]}`,
		p.id, p.email, p.name, strings.Join(access, ","))
}

func (a *mf3Admin) more(w http.ResponseWriter, r *http.Request) bool {
	orgV1, orgV2 := "/admin/v1/orgs/"+mfOrg, "/admin/v2/orgs/"+mfOrg+"/directories/-"
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	key := "other"
	switch r.Header.Get("Authorization") {
	case "Bearer " + mfAPIKey:
		key = "read"
	case "Bearer " + mf3WriteKey:
		key = "write"
	}
	a.keys = append(a.keys, r.Method+" "+r.URL.Path+" "+key)
	write := func() {
		a.writes = append(a.writes, strings.TrimSpace(r.Method+" "+strings.TrimPrefix(r.URL.Path, "/admin")+" "+string(b)))
		if a.writeStatus == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(a.writeStatus)
		io.WriteString(w, a.writeBody)
	}
	path := r.URL.Path
	switch {
	case path == orgV2+"/users/search" && r.Method == http.MethodPost:
		var body struct {
			Emails     []string `json:"emails"`
			AccountIDs []string `json:"accountIds"`
		}
		json.Unmarshal(b, &body)
		var out []string
		for _, p := range a.people {
			if len(body.Emails)+len(body.AccountIDs) == 0 || slices.Contains(body.AccountIDs, p.id) ||
				slices.ContainsFunc(body.Emails, func(e string) bool { return strings.EqualFold(e, p.email) }) {
				out = append(out, a.user(p))
			}
		}
		io.WriteString(w, `{"data":[`+strings.Join(out, ",")+`]}`)
	case strings.HasPrefix(path, orgV2+"/users/") && strings.HasSuffix(path, "/role-assignments") && r.Method == http.MethodGet:
		p := a.people[strings.TrimSuffix(strings.TrimPrefix(path, orgV2+"/users/"), "/role-assignments")]
		if p == nil {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errors":[{"status":"404","code":"ADMIN-404-8","title":"User not found"}]}`)
			return true
		}
		var data []string
		if !a.unlisted {
			want := r.URL.Query()["resourceIds"]
			for res, roles := range a.held(p) {
				if len(want) > 0 && !slices.Contains(want, res) {
					continue
				}
				var ras []string
				for role, methods := range roles {
					m, _ := json.Marshal(methods)
					ras = append(ras, fmt.Sprintf(`{"role":%q,"roleAssignmentMethods":%s}`, role, m))
				}
				data = append(data, fmt.Sprintf(`{"resourceId":%q,"roleAssignments":[%s]}`, res, strings.Join(ras, ",")))
			}
		}
		io.WriteString(w, `{"data":[`+strings.Join(data, ",")+`]}`)
	case path == orgV2+"/groups/search" && r.Method == http.MethodPost:
		var body struct {
			AccountIDs  []string `json:"accountIds"`
			ResourceIDs []string `json:"resourceIds"`
			RoleIDs     []string `json:"roleIds"`
			GroupIDs    []string `json:"groupIds"`
			Expand      []string `json:"expand"`
		}
		json.Unmarshal(b, &body)
		var out []string
		for _, g := range a.groups {
			ok := len(body.GroupIDs) == 0 || slices.Contains(body.GroupIDs, g.id)
			for _, id := range body.AccountIDs {
				ok = ok && g.members[id]
			}
			if len(body.ResourceIDs) > 0 {
				gives := false
				for res, role := range g.grants {
					gives = gives || slices.Contains(body.ResourceIDs, res) && (len(body.RoleIDs) == 0 || slices.Contains(body.RoleIDs, role))
				}
				ok = ok && gives
			}
			if !ok {
				continue
			}
			counts := ""
			if slices.Contains(body.Expand, "counts.resources") {
				counts = fmt.Sprintf(`,"counts":{"resources":%d}`, len(g.grants))
			}
			out = append(out, fmt.Sprintf(`{"id":%q,"name":%q%s}`, g.id, g.name, counts))
		}
		io.WriteString(w, `{"data":[`+strings.Join(out, ",")+`]}`)
	case strings.HasPrefix(path, orgV1+"/users/") && (strings.HasSuffix(path, "/roles/revoke") || strings.HasSuffix(path, "/roles/assign")) && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, orgV1+"/users/")
		id := rest[:strings.Index(rest, "/")]
		var body struct{ Role, Resource string }
		json.Unmarshal(b, &body)
		p := a.people[id]
		if p == nil || body.Role == "" || body.Resource == "" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errors":[{"status":"400","code":"ADMIN-UAM-400-1","title":"Bad request"}]}`)
			return true
		}
		if strings.HasSuffix(path, "/revoke") {
			delete(p.direct, body.Resource)
		} else {
			p.direct[body.Resource] = body.Role
		}
		write()
	case strings.HasPrefix(path, orgV2+"/groups/") && strings.Contains(path, "/memberships"):
		rest := strings.TrimPrefix(path, orgV2+"/groups/")
		gid, member, _ := strings.Cut(rest, "/memberships")
		i := slices.IndexFunc(a.groups, func(g *mf3Group) bool { return g.id == gid })
		if i < 0 {
			w.WriteHeader(http.StatusNotFound)
			return true
		}
		switch r.Method {
		case http.MethodDelete:
			delete(a.groups[i].members, strings.TrimPrefix(member, "/"))
		case http.MethodPost:
			var body struct {
				AccountID string `json:"accountId"`
			}
			json.Unmarshal(b, &body)
			a.groups[i].members[body.AccountID] = true
		default:
			return false
		}
		write()
	default:
		return false
	}
	return true
}

// mf3Members are users.list's two pages: the person on the second, behind
// a next_cursor; the last page's next_cursor empty.
var mf3Members = []string{
	`{"ok":true,"members":[{"id":"U0APP1","deleted":false,"is_bot":false,"profile":{"email":"app1@example.com"}},
	  {"id":"U0APP2","deleted":false,"is_bot":false,"profile":{"email":"app2@example.com"}}],"response_metadata":{"next_cursor":"dXNlcjpVMEc5V0ZYTlo="}}`,
	`{"ok":true,"members":[{"id":"U0IDA1","deleted":false,"is_bot":false,"profile":{"email":"ida@example.com"}}],"response_metadata":{"next_cursor":""}}`,
}

const (
	mf3SiteA = "ari:cloud:jira-software::site/" + mfCloudA
	mf3ConfB = "ari:cloud:confluence::site/" + mfCloudB
)

// mf3Bot is one serve against the minimal fakes, with keep or release on.
type mf3Bot struct {
	s    *mfSlack
	up   *mf2Uploads
	a    *mf3Admin
	fake *mfAtlassian
	db   string
	logs func() string
	n    int
}

// mf3Serve serves ida@example.com idle in Jira Software on site A for 200
// days, held as hold says ("direct", "group", "both", "unlisted"), with
// approvers U0APP1 and U0APP2, and env added; onPost, when not nil, sees
// each chat.postMessage before it is answered.
func mf3Serve(t *testing.T, hold string, a *mf3Admin, onPost func(url.Values), env ...string) *mf3Bot {
	t.Helper()
	ida := &mf3Person{id: "712020:ida", email: "ida@example.com", name: "Ida Idle", daysIdle: 200,
		direct: map[string]string{}, products: map[string]string{mf3SiteA: "jira-software"}}
	a.people = map[string]*mf3Person{ida.id: ida}
	jiraUsers := &mf3Group{id: "8f3b4c1e-0000-4000-8000-00000000g001", name: "jira-software-users-acme",
		members: map[string]bool{}, grants: map[string]string{mf3SiteA: "atlassian/user"}}
	a.groups = []*mf3Group{jiraUsers}
	switch hold {
	case "direct":
		ida.direct[mf3SiteA] = "atlassian/user"
	case "group":
		jiraUsers.members[ida.id] = true
	case "both":
		ida.direct[mf3SiteA] = "atlassian/user"
		jiraUsers.members[ida.id] = true
	case "unlisted":
		a.unlisted = true
	}
	fake := newMinAtlassianWith(t, nil, mfWorkspacesDefault, a.more)
	up := &mf2Uploads{memberPages: mf3Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	s.mu.Lock()
	s.onPost = onPost
	s.mu.Unlock()
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	_, base, logs := serveProcess(t, fake.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken, "SLACK_BOT_TOKEN=" + mfBotToken,
		"SLACK_API_URL=" + s.apiURL(), db, "LASTACTIVE_APPROVERS=U0APP1,U0APP2",
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60", "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s"}, env...)...))
	t.Cleanup(func() { mf3NoSecrets(t, logs.String()) })
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	return &mf3Bot{s: s, up: up, a: a, fake: fake, db: db, logs: logs.String}
}

func mf3NoSecrets(t *testing.T, out ...string) {
	t.Helper()
	mfNoSecrets(t, out...)
	for _, o := range out {
		if strings.Contains(o, mf3WriteKey) {
			t.Errorf("output contains the write key")
		}
	}
}

// message is a chat.postMessage or chat.update the bot sent.
type mf3Message struct {
	method, channel, ts, blocks, text string
}

func (b *mf3Bot) messages() []mf3Message {
	var out []mf3Message
	b.s.mu.Lock()
	for _, p := range b.s.posts {
		out = append(out, mf3Message{"chat.postMessage", p.Get("channel"), p.Get("ts"), p.Get("blocks"), p.Get("text")})
	}
	b.s.mu.Unlock()
	b.up.mu.Lock()
	for _, p := range b.up.updates {
		out = append(out, mf3Message{"chat.update", p.Get("channel"), p.Get("ts"), p.Get("blocks"), p.Get("text")})
	}
	b.up.mu.Unlock()
	return out
}

// waitButton waits for a message to channel carrying the button actionID
// and returns it with the button's value and block.
func (b *mf3Bot) waitButton(t *testing.T, channel, actionID string) (m mf3Message, value, blockID string) {
	t.Helper()
	eventually(t, actionID+" to "+channel, func() bool {
		for _, x := range b.messages() {
			if x.channel == channel && strings.Contains(x.blocks, `"`+actionID+`"`) {
				m = x
				return true
			}
		}
		return false
	})
	value, blockID = nudgeButton(t, m.blocks, actionID)
	return m, value, blockID
}

// click sends block_actions with only the documented fields, from user.
func (b *mf3Bot) click(t *testing.T, user, actionID, value, blockID string, team bool) string {
	t.Helper()
	b.n++
	id := fmt.Sprintf("env-%d", b.n)
	ru := b.s.srv.URL + "/hooks/actions/TMIN/" + id
	p := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user},
		"actions":      []map[string]any{{"action_id": actionID, "value": value, "block_id": blockID, "type": "button"}},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "D" + strings.TrimPrefix(user, "U"), "is_ephemeral": false},
		"response_url": ru, "trigger_id": "1.2.3",
	}
	if team {
		p["team"] = map[string]any{"id": "TMIN"}
	}
	b.s.send(t, id, "interactive", false, p)
	return ru
}

func (b *mf3Bot) writes() []string {
	b.a.mu.Lock()
	defer b.a.mu.Unlock()
	return slices.Clone(b.a.writes)
}

// audit returns the stored trail's entries, as `lastactive audit --json`
// prints them.
func (b *mf3Bot) audit(t *testing.T) string {
	t.Helper()
	r := runBinary(t, b.fake.env(b.db), "", "audit", "--json")
	mf3NoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// TestMinimalFakesReleaseAndUndo: Release clicked by the person, Approve
// by an approver, the release through a minimal Admin API for a product
// held directly, by a group, by both, with writes answered 204, 200 with a
// body or 202; the result with Undo, and Undo restoring exactly what was
// removed.
func TestMinimalFakesReleaseAndUndo(t *testing.T) {
	t.Parallel()
	revoke := `POST /v1/orgs/` + mfOrg + `/users/712020:ida/roles/revoke {"role":"atlassian/user","resource":"` + mf3SiteA + `"}`
	assign := `POST /v1/orgs/` + mfOrg + `/users/712020:ida/roles/assign {"role":"atlassian/user","resource":"` + mf3SiteA + `"}`
	leave := `DELETE /v2/orgs/` + mfOrg + `/directories/-/groups/8f3b4c1e-0000-4000-8000-00000000g001/memberships/712020:ida`
	join := `POST /v2/orgs/` + mfOrg + `/directories/-/groups/8f3b4c1e-0000-4000-8000-00000000g001/memberships {"accountId":"712020:ida"}`
	for _, c := range []struct {
		name, hold        string
		status            int
		body              string
		release, restored []string
	}{
		{"direct 204", "direct", 0, "", []string{revoke}, []string{assign}},
		{"group 204", "group", 0, "", []string{leave}, []string{join}},
		{"both 204", "both", 0, "", []string{revoke, leave}, []string{join, assign}},
		{"direct 200 with a body", "direct", http.StatusOK, `{"message":"Role revoked"}`, []string{revoke}, []string{assign}},
		{"group 202", "group", http.StatusAccepted, ``, []string{leave}, []string{join}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := mf3Serve(t, c.hold, &mf3Admin{writeStatus: c.status, writeBody: c.body}, nil, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("messages:\n%s\nlogs:\n%s\ntrail:\n%s", b.brief(), b.logs(), b.audit(t))
				}
			})
			ask, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
			if !strings.Contains(ask.blocks, "nudge_keep") {
				t.Errorf("the nudge has no Keep:\n%s", ask.blocks)
			}
			b.click(t, "U0IDA1", "nudge_release", value, block, true)
			_, value, block = b.waitButton(t, "U0APP1", "release_approve")
			b.click(t, "U0APP1", "release_approve", value, block, true)
			res, value, block := b.waitButton(t, "U0APP1", "release_undo")
			if got := b.writes(); !slices.Equal(got, c.release) {
				t.Errorf("the release wrote\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.release, "\n"))
			}
			if strings.Contains(strings.ToLower(res.blocks+res.text), "fail") {
				t.Errorf("the result:\n%s\n%s", res.text, res.blocks)
			}
			b.click(t, "U0APP1", "release_undo", value, block, true)
			eventually(t, "the undo's writes", func() bool { return len(b.writes()) >= len(c.release)+len(c.restored) })
			if got := b.writes()[len(c.release):]; !slices.Equal(got, c.restored) {
				t.Errorf("the undo wrote\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.restored, "\n"))
			}
			eventually(t, "the undo's result", func() bool {
				for _, m := range b.messages() {
					if m.channel == "U0APP1" && strings.Contains(strings.ToLower(m.text), "restored") {
						return true
					}
				}
				return false
			})
			b.a.mu.Lock()
			for _, k := range b.a.keys {
				if strings.Contains(k, "/role-assignments") || strings.Contains(k, "/groups/") || strings.Contains(k, "/roles/") {
					if !strings.HasSuffix(k, " write") {
						t.Errorf("a release call without the write key: %s", k)
					}
				}
			}
			b.a.mu.Unlock()
			trail := b.audit(t)
			for _, w := range []string{`"release"`, `"undo"`, "ida@example.com"} {
				if !strings.Contains(trail, w) {
					t.Errorf("the trail lacks %s:\n%s", w, trail)
				}
			}
			noErrors(t, b.logs())
		})
	}
}

// mf3Said waits for a message to channel whose text or blocks hold want
// (case ignored), and returns it.
func (b *mf3Bot) said(t *testing.T, channel, want string) mf3Message {
	t.Helper()
	var m mf3Message
	eventually(t, fmt.Sprintf("%q to %s", want, channel), func() bool {
		for _, x := range b.messages() {
			if x.channel == channel && strings.Contains(strings.ToLower(x.text+x.blocks), strings.ToLower(want)) {
				m = x
				return true
			}
		}
		return false
	})
	return m
}

// TestMinimalFakesReleaseRefusedOrManual: a product the role assignments
// do not list (nothing to revoke), and an approval without the write key:
// nothing is written, the approver is told why and gets the Admin link,
// and nothing is logged as an error.
func TestMinimalFakesReleaseRefusedOrManual(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, hold string
		env        []string
	}{
		{"unlisted", "unlisted", []string{"ATLASSIAN_ADMIN_WRITE_KEY=" + mf3WriteKey}},
		{"without the write key", "direct", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := mf3Serve(t, c.hold, &mf3Admin{}, nil, c.env...)
			_, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
			b.click(t, "U0IDA1", "nudge_release", value, block, true)
			_, value, block = b.waitButton(t, "U0APP1", "release_approve")
			b.click(t, "U0APP1", "release_approve", value, block, true)
			b.said(t, "U0APP1", "https://admin.atlassian.com/o/"+mfOrg+"/users/712020:ida")
			if w := b.writes(); len(w) != 0 {
				t.Errorf("writes: %q", w)
			}
			for _, m := range b.messages() {
				if strings.Contains(m.blocks, `"release_undo"`) {
					t.Errorf("an Undo for nothing done: %s", m.blocks)
				}
			}
			trail := b.audit(t)
			if !strings.Contains(trail, `"release"`) {
				t.Errorf("the trail lacks the release:\n%s", trail)
			}
			noErrors(t, b.logs())
		})
	}
}

// TestMinimalFakesKeepWithoutTeam: Keep clicked in a payload with no team
// field is recorded and the nudge updated.
func TestMinimalFakesKeepWithoutTeam(t *testing.T) {
	t.Parallel()
	b := mf3Serve(t, "direct", &mf3Admin{}, nil, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
	_, value, block := b.waitButton(t, "U0IDA1", "nudge_keep")
	ru := b.click(t, "U0IDA1", "nudge_keep", value, block, false)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("messages: %+v\nreplies: %d\nlogs:\n%s", b.messages(), b.s.replyCount(ru), b.logs())
			if b.s.replyCount(ru) > 0 {
				t.Logf("reply: %s", b.s.reply(t, ru, 1).raw)
			}
		}
	})
	b.said(t, "U0IDA1", "kept")
	if b.s.replyCount(ru) > 0 {
		if r := b.s.reply(t, ru, 1); !strings.Contains(strings.ToLower(r.raw), "kept") {
			t.Errorf("Keep answered: %s", r.raw)
		}
	}
	if trail := b.audit(t); !strings.Contains(trail, "keep") {
		t.Errorf("the trail lacks the Keep:\n%s", trail)
	}
	noErrors(t, b.logs())
}

// TestMinimalFakesSilenceRemindsThenEscalates: no answer: one reminder,
// then the approvers get the request with no requester; the approval
// releases.
func TestMinimalFakesSilenceRemindsThenEscalates(t *testing.T) {
	t.Parallel()
	b := mf3Serve(t, "direct", &mf3Admin{}, nil, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey, "LASTACTIVE_NUDGE_WAIT=1s")
	b.waitButton(t, "U0IDA1", "nudge_release")
	b.said(t, "U0IDA1", "reminder")
	_, value, block := b.waitButton(t, "U0APP2", "release_approve")
	b.waitButton(t, "U0APP1", "release_approve")
	b.click(t, "U0APP2", "release_approve", value, block, true)
	b.waitButton(t, "U0APP2", "release_undo")
	n := 0
	for _, m := range b.messages() {
		if m.method == "chat.postMessage" && m.channel == "U0IDA1" && strings.Contains(strings.ToLower(m.text), "reminder") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
	trail := b.audit(t)
	for _, w := range []string{"remind", "escalat", `"release"`} {
		if !strings.Contains(trail, w) {
			t.Errorf("the trail lacks %s:\n%s", w, trail)
		}
	}
	noErrors(t, b.logs())
}

// TestMinimalFakesApproverAsksForTheirOwn: the person asked is an approver
// too: their Release goes to the other approvers only, and their own
// Approve (with another's button) is refused, saying so.
func TestMinimalFakesApproverAsksForTheirOwn(t *testing.T) {
	t.Parallel()
	b := mf3Serve(t, "direct", &mf3Admin{}, nil, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey, "LASTACTIVE_APPROVERS=U0APP1,U0IDA1")
	_, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
	b.click(t, "U0IDA1", "nudge_release", value, block, true)
	_, value, block = b.waitButton(t, "U0APP1", "release_approve")
	ru := b.click(t, "U0IDA1", "release_approve", value, block, true)
	r := b.s.reply(t, ru, 1)
	if low := strings.ToLower(r.raw); !strings.Contains(low, "yours") && !strings.Contains(low, "own") {
		t.Errorf("the self-approval was not refused clearly: %s", r.raw)
	}
	if w := b.writes(); len(w) != 0 {
		t.Errorf("writes after a self-approval: %q", w)
	}
	for _, m := range b.messages() {
		if m.channel == "U0IDA1" && strings.Contains(m.blocks, `"release_approve"`) {
			t.Errorf("the requester got the request: %s", m.blocks)
		}
	}
	noErrors(t, b.logs())
}

// TestMinimalFakesKeepClickedAsTheNudgeArrives: Keep clicked the moment
// the nudge reached Slack, before chat.postMessage's answer reached the
// bot (a fast hand, or a busy database): the Keep is recorded, and the
// nudge must still be updated to say so, not keep its live buttons with
// no word to the person.
func TestMinimalFakesKeepClickedAsTheNudgeArrives(t *testing.T) {
	t.Parallel()
	posted := make(chan url.Values, 1)
	goOn := make(chan struct{})
	var once, closeOnce sync.Once
	release := func() { closeOnce.Do(func() { close(goOn) }) }
	b := mf3Serve(t, "direct", &mf3Admin{}, func(form url.Values) {
		if form.Get("channel") != "U0IDA1" || !strings.Contains(form.Get("blocks"), `"nudge_keep"`) {
			return
		}
		first := false
		once.Do(func() { first = true })
		if !first {
			return
		}
		posted <- form
		select {
		case <-goOn:
		case <-time.After(30 * time.Second):
		}
	}, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
	defer release() // before the servers close, which wait for the handler
	var form url.Values
	select {
	case form = <-posted:
	case <-time.After(60 * time.Second):
		t.Fatal("timed out waiting for the nudge" + dumpServes(t))
	}
	value, block := nudgeButton(t, form.Get("blocks"), "nudge_keep")
	ru := b.click(t, "U0IDA1", "nudge_keep", value, block, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nreplies %d", b.logs(), b.s.replyCount(ru))
		}
	})
	// The trail has the answer once it is stored, the nudge read before.
	eventually(t, "the Keep recorded", func() bool {
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(b.audit(t), "keep: jira-software")
	})
	release()
	eventually(t, "the nudge updated, or the clicker told", func() bool {
		for _, m := range b.messages() {
			if m.method == "chat.update" && m.channel == "U0IDA1" && strings.Contains(strings.ToLower(m.text+m.blocks), "kept") {
				return true
			}
		}
		return b.s.replyCount(ru) > 0
	})
	noErrors(t, b.logs())
}

package main

// The minimal fakes of minfakes_test.go, driven beyond the one-person
// lookup: the org-wide report (the Admin API's users search in the shapes
// its schema allows, the Slack two-step upload answered with the fewest
// fields Slack documents), the digest, App Home, nudges and their buttons,
// and Socket Mode envelopes the bot does not handle.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// mf2Stamp is an instant n days ago, as a lastActiveTimestamp.
func mf2Stamp(n int) string {
	return time.Now().UTC().AddDate(0, 0, -n).Format("2006-01-02T15:04:05.000Z")
}

// mf2Org is an organisation for the users search, one account a variant of
// the shapes MultiDirectoryUser allows (every field optional).
func mf2Org() []string {
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	confB := "ari:cloud:confluence::site/" + mfCloudB
	return []string{
		// Every field, as the schema's example has them.
		`{"accountId":"712020:ida","accountType":"atlassian","accountStatus":"active","membershipStatus":"active","status":"active","claimStatus":"managed","managementSource":"invited","email":"ida@example.com","name":"Ida Idle","addedToOrg":"2024-01-01T00:00:00.000Z","platformRoles":[],
		  "productAccess":[{"id":"` + siteA + `","key":"jira-software","lastActiveTimestamp":"` + mf2Stamp(200) + `"},{"id":"` + confB + `","key":"confluence","lastActiveTimestamp":"` + mf2Stamp(2) + `"}],"links":{"self":"x"}}`,
		// The composite status only.
		`{"accountId":"712020:cmp","email":"cmp@example.com","name":"Cam Composite","status":"active",
		  "productAccess":[{"id":"` + confB + `","key":"confluence","lastActiveTimestamp":"` + mf2Stamp(150) + `"}]}`,
		// A product never used (no timestamp), an unknown product key.
		`{"accountId":"712020:nev","accountType":"atlassian","email":"nev@example.com","name":"Nev Never","accountStatus":"active","membershipStatus":"active",
		  "productAccess":[{"id":"` + siteA + `","key":"jira-software"},{"id":"ari:cloud:jira-product-discovery::site/` + mfCloudA + `","key":"jira-product-discovery","lastActiveTimestamp":"` + mf2Stamp(120) + `"}]}`,
		// No product access: empty, and the field missing.
		`{"accountId":"712020:emp","email":"emp@example.com","name":"Emma Empty","status":"active","productAccess":[]}`,
		`{"accountId":"712020:nop","email":"nop@example.com","name":"Noah NoAccess","status":"active"}`,
		// An app and a customer: no seat whatever their access.
		`{"accountId":"557058:app","accountType":"app","name":"Automation for Jira","status":"active",
		  "productAccess":[{"id":"` + siteA + `","key":"jira-software","lastActiveTimestamp":"` + mf2Stamp(300) + `"}]}`,
		`{"accountId":"qm:cust","accountType":"customer","email":"cust@example.com","name":"Cus Tomer","status":"active",
		  "productAccess":[{"id":"` + siteA + `","key":"jira-servicedesk"}]}`,
	}
}

// mf2Search answers the v2 users search: the scan (no filter) from pages,
// each a JSON page whose links the caller wrote, cursors "p2", "p3"…; a
// search by accountIds or emails from the accounts of all pages.
func mf2Search(pages []string, accounts []string) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/admin/v2/orgs/"+mfOrg+"/directories/-/users/search" || r.Method != http.MethodPost {
			return false
		}
		var body struct {
			Emails     []string `json:"emails"`
			AccountIDs []string `json:"accountIds"`
			Cursor     string   `json:"cursor"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		if len(body.Emails) == 0 && len(body.AccountIDs) == 0 {
			i := 0
			if body.Cursor != "" {
				fmt.Sscanf(body.Cursor, "p%d", &i)
				i--
			}
			if i < 0 || i >= len(pages) {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"errors":[{"status":"400","code":"ADMIN-400-1","title":"Invalid cursor"}]}`)
				return true
			}
			io.WriteString(w, pages[i])
			return true
		}
		var out []string
		for _, a := range accounts {
			var u struct {
				AccountID, Email string
			}
			json.Unmarshal([]byte(a), &u)
			for _, e := range body.Emails {
				if strings.EqualFold(e, u.Email) {
					out = append(out, a)
				}
			}
			for _, id := range body.AccountIDs {
				if id == u.AccountID {
					out = append(out, a)
				}
			}
		}
		io.WriteString(w, `{"data":[`+strings.Join(out, ",")+`]}`)
		return true
	}
}

// mf2Uploads is the two-step upload, conversations.open, views.publish,
// users.list and users.lookupByEmail of a minimal Slack, each answered with
// the fewest fields Slack documents.
type mf2Uploads struct {
	members string // users.list's answer; "" = no members
	// memberPages, when set, are users.list's whole answers, page i+1
	// asked for by the cursor the page before gave ("" is the first).
	memberPages []string

	mu        sync.Mutex
	opened    []string            // conversations.open's users
	uploaded  map[string]string   // file ID → the bytes posted to its upload URL
	completed []url.Values        // files.completeUploadExternal
	published []url.Values        // views.publish
	updates   []url.Values        // chat.update
	calls     map[string]int      // method → calls
	forms     map[string][]string // method → the forms' encodings
}

func (u *mf2Uploads) more(w http.ResponseWriter, r *http.Request, method string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.uploaded == nil {
		u.uploaded, u.calls, u.forms = map[string]string{}, map[string]int{}, map[string][]string{}
	}
	if method == "" {
		id, ok := strings.CutPrefix(r.URL.Path, "/upload/")
		if !ok || r.Method != http.MethodPost {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		u.uploaded[id] = string(b)
		io.WriteString(w, "OK - "+fmt.Sprint(len(b)))
		return true
	}
	u.calls[method]++
	u.forms[method] = append(u.forms[method], r.Form.Encode())
	switch method {
	case "conversations.open":
		u.opened = append(u.opened, r.Form.Get("users"))
		fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, strings.TrimPrefix(r.Form.Get("users"), "U"))
	case "files.getUploadURLExternal":
		n := u.calls[method]
		fmt.Fprintf(w, `{"ok":true,"upload_url":"http://%s/upload/F%d","file_id":"F%d"}`, r.Host, n, n)
	case "files.completeUploadExternal":
		u.completed = append(u.completed, r.Form)
		var files []struct{ ID string }
		json.Unmarshal([]byte(r.Form.Get("files")), &files)
		id := ""
		if len(files) > 0 {
			id = files[0].ID
		}
		fmt.Fprintf(w, `{"ok":true,"files":[{"id":%q}]}`, id)
	case "views.publish":
		b, _ := io.ReadAll(r.Body) // JSON, not a form
		u.published = append(u.published, url.Values{"body": {string(b)}, "form": {r.Form.Encode()}})
		io.WriteString(w, `{"ok":true}`)
	case "chat.update":
		u.updates = append(u.updates, r.Form)
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.Form.Get("channel"), r.Form.Get("ts"))
	case "users.list":
		if u.memberPages != nil {
			i := 0
			if c := r.Form.Get("cursor"); c != "" {
				i = slices.IndexFunc(u.memberPages, func(p string) bool { return strings.Contains(p, `"next_cursor":"`+c+`"`) }) + 1
			}
			if i <= 0 && r.Form.Get("cursor") != "" || i >= len(u.memberPages) {
				io.WriteString(w, `{"ok":false,"error":"invalid_cursor"}`)
				return true
			}
			io.WriteString(w, u.memberPages[i])
			return true
		}
		io.WriteString(w, `{"ok":true,"members":[`+u.members+`]}`)
	case "users.lookupByEmail":
		var m []struct {
			ID      string
			Profile struct{ Email string }
		}
		json.Unmarshal([]byte("["+u.members+"]"), &m)
		for _, page := range u.memberPages {
			var pm struct {
				Members []struct {
					ID      string
					Profile struct{ Email string }
				}
			}
			json.Unmarshal([]byte(page), &pm)
			for _, x := range pm.Members {
				m = append(m, struct {
					ID      string
					Profile struct{ Email string }
				}(x))
			}
		}
		for _, p := range m {
			if strings.EqualFold(p.Profile.Email, r.Form.Get("email")) {
				fmt.Fprintf(w, `{"ok":true,"user":{"id":%q}}`, p.ID)
				return true
			}
		}
		io.WriteString(w, `{"ok":false,"error":"users_not_found"}`)
	default:
		return false
	}
	return true
}

func (u *mf2Uploads) count(method string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[method]
}

// noErrors fails for an ERROR line in logs: each test here did what
// worked.
func noErrors(t *testing.T, logs string) {
	t.Helper()
	for l := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("an ERROR for something that worked: %s", l)
		}
	}
}

func mf2Page(users []string, links string) string {
	return `{"data":[` + strings.Join(users, ",") + `]` + links + `}`
}

// TestMinimalFakesReportCLI: `lastactive report --csv` against a users
// search whose pages end in each way LinkPageCursor allows.
func TestMinimalFakesReportCLI(t *testing.T) {
	t.Parallel()
	org := mf2Org()
	for _, c := range []struct{ name, last string }{
		{"links absent", ``},
		{"next null", `,"links":{"next":null}`},
		{"next empty", `,"links":{"next":"","self":"s"}`},
		{"links empty", `,"links":{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pages := []string{mf2Page(org[:3], `,"links":{"next":"p2","self":"s"}`), mf2Page(org[3:], c.last)}
			a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search(pages, org))
			csv := filepath.Join(t.TempDir(), "idle.csv")
			r := runBinary(t, a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t),
				"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"), "", "report", "--csv", csv)
			mfNoSecrets(t, r.stdout, r.stderr)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			noErrors(t, r.stderr)
			b, err := os.ReadFile(csv)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"ida@example.com", "cmp@example.com", "nev@example.com", "jira-product-discovery", "acme.atlassian.net", "beta.atlassian.net"} {
				if !strings.Contains(string(b), w) {
					t.Errorf("the CSV lacks %q:\n%s", w, b)
				}
			}
			for _, w := range []string{"Jira Software", "Confluence", "acme.atlassian.net"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("the summary lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

// mf2Serve runs serve against the minimal fakes with the org of mf2Org,
// UASK a report user, and env added.
func mf2Serve(t *testing.T, members string, env ...string) (*mfSlack, *mf2Uploads, *mfAtlassian, string, func() string) {
	t.Helper()
	org := mf2Org()
	pages := []string{mf2Page(org[:3], `,"links":{"next":"p2"}`), mf2Page(org[3:], `,"links":{"next":null}`)}
	var people []mfPerson
	for _, p := range []struct{ email, id, name string }{{"ida@example.com", "712020:ida", "Ida Idle"}, {"cmp@example.com", "712020:cmp", "Cam Composite"}} {
		people = append(people, mfPerson{email: p.email, id: p.id, name: p.name, adminOnly: true, pages: []string{`{"data":{"product_access":[
		 {"id":"ari:cloud:jira-software::site/` + mfCloudA + `","key":"jira-software","last_active":"` + mfDay(200) + `"},
		 {"id":"ari:cloud:confluence::site/` + mfCloudB + `","key":"confluence","last_active":"` + mfDay(150) + `"}]}}`}})
	}
	a := newMinAtlassianWith(t, people, mfWorkspacesDefault, mf2Search(pages, org))
	up := &mf2Uploads{members: members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	_, base, logs := serveProcess(t, a.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken, "SLACK_BOT_TOKEN=" + mfBotToken,
		"SLACK_API_URL=" + s.apiURL(), "LASTACTIVE_DATABASE_URL=" + mfDatabase(t),
		"LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"}, env...)...))
	t.Cleanup(func() { mfNoSecrets(t, logs.String()) })
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	return s, up, a, base, logs.String
}

// TestMinimalFakesIdleCommand: `/lastactive idle` answers privately and
// sends the CSV to the asker's direct messages through the two-step
// upload, each step answered with the fewest fields Slack documents and
// the upload URL on the fake's own host and port.
func TestMinimalFakesIdleCommand(t *testing.T) {
	t.Parallel()
	s, up, _, _, logs := mf2Serve(t, "")
	ru := s.slashAs(t, "env-1", "U0ASK1", "idle", true)
	var r mfReply
	eventually(t, "the report", func() bool {
		n := s.replyCount(ru)
		if n == 0 {
			return false
		}
		r = s.reply(t, ru, n)
		return strings.Contains(r.raw, "Jira Software")
	})
	r.private(t)
	for _, w := range []string{"Jira Software", "Confluence", "acme.atlassian.net", "beta.atlassian.net"} {
		if !strings.Contains(r.raw, w) {
			t.Errorf("the report lacks %q:\n%s", w, r.raw)
		}
	}
	eventually(t, "the CSV completed", func() bool { return up.count("files.completeUploadExternal") > 0 })
	up.mu.Lock()
	csv, done, opened := up.uploaded["F1"], up.completed[0], up.opened
	up.mu.Unlock()
	if !strings.Contains(csv, "ida@example.com") || !strings.Contains(csv, "cmp@example.com") {
		t.Errorf("the uploaded CSV lacks the idle people:\n%s", csv)
	}
	if len(opened) != 1 || opened[0] != "U0ASK1" || done.Get("channel_id") != "D0ASK1" || !strings.Contains(done.Get("files"), `"F1"`) {
		t.Errorf("conversations.open for %q, completed %v", opened, done)
	}
	// A second command proves the first is wholly done.
	s.reply(t, s.slash(t, "env-2", "help", true), 1)
	noErrors(t, logs())
}

// TestMinimalFakesAppHomeAndOthers: an app_home_opened event with only the
// fields Slack documents as always there (type, user, tab, channel: no
// view, no event_ts) gets a Home published for a report user and for
// another; envelopes of kinds the bot does not handle are acked and
// ignored, with no warning or error.
func TestMinimalFakesAppHomeAndOthers(t *testing.T) {
	t.Parallel()
	s, up, _, _, logs := mf2Serve(t, "")
	// The report user's Home shows the stored snapshots: a digest makes one.
	ru := s.slashAs(t, "env-0", "U0ASK1", "digest", true)
	eventually(t, "the report", func() bool {
		return s.replyCount(ru) > 0 && strings.Contains(s.reply(t, ru, s.replyCount(ru)).raw, "Jira Software")
	})
	home := func(id, user string) map[string]any {
		return map[string]any{"token": "verification-token-unused", "team_id": "TMIN", "api_app_id": "A0MIN", "type": "event_callback",
			"event_id": "Ev" + id, "event_time": 1700000000,
			"event": map[string]any{"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user}}
	}
	for i, user := range []string{"U0ASK1", "U0OTHER1"} {
		s.send(t, fmt.Sprintf("env-home-%d", i), "events_api", false, home(fmt.Sprint(i), user))
		eventually(t, "the Home of "+user, func() bool {
			up.mu.Lock()
			defer up.mu.Unlock()
			for _, p := range up.published {
				if strings.Contains(p.Get("body"), `"user_id":"`+user+`"`) || strings.Contains(p.Get("form"), "user_id="+user) {
					return true
				}
			}
			return false
		})
	}
	up.mu.Lock()
	var views []string
	for _, p := range up.published {
		views = append(views, p.Get("body")+p.Get("form"))
	}
	up.mu.Unlock()
	if len(views) < 2 || !strings.Contains(views[0], "Jira Software") || !strings.Contains(views[len(views)-1], "/lastactive") {
		t.Errorf("the Homes:\n%s", strings.Join(views, "\n"))
	}

	// Kinds not handled: acked, and nothing said about them.
	others := []struct {
		typ     string
		payload map[string]any
	}{
		{"events_api", map[string]any{"token": "x", "team_id": "TMIN", "api_app_id": "A0MIN", "type": "event_callback", "event_id": "EvM1", "event_time": 1700000000,
			"event": map[string]any{"type": "message", "channel": "D0ASK1", "user": "U0ASK1", "text": "hi", "ts": "1700000000.000100", "channel_type": "im"}}},
		{"events_api", map[string]any{"token": "x", "team_id": "TMIN", "api_app_id": "A0MIN", "type": "event_callback", "event_id": "EvM2", "event_time": 1700000000,
			"event": map[string]any{"type": "app_mention", "channel": "CMIN", "user": "U0ASK1", "text": "<@UBOTMIN> hi", "ts": "1700000000.000200"}}},
		{"events_api", map[string]any{"token": "x", "team_id": "TMIN", "api_app_id": "A0MIN", "type": "event_callback", "event_id": "EvM3", "event_time": 1700000000,
			"event": map[string]any{"type": "app_home_opened", "user": "U0ASK1", "tab": "messages", "channel": "D0ASK1"}}},
		{"interactive", map[string]any{"type": "view_submission", "team": map[string]any{"id": "TMIN"}, "user": map[string]any{"id": "U0ASK1"},
			"view": map[string]any{"id": "V1", "type": "modal", "callback_id": "something", "state": map[string]any{"values": map[string]any{}}}}},
		{"interactive", map[string]any{"type": "block_suggestion", "team": map[string]any{"id": "TMIN"}, "user": map[string]any{"id": "U0ASK1"},
			"action_id": "pick", "block_id": "b", "value": "ab"}},
		{"interactive", map[string]any{"type": "view_closed", "team": map[string]any{"id": "TMIN"}, "user": map[string]any{"id": "U0ASK1"},
			"view": map[string]any{"id": "V1", "type": "modal"}, "is_cleared": false}},
	}
	before := strings.Count(logs(), "\n")
	for i, o := range others {
		s.send(t, fmt.Sprintf("env-other-%d", i), o.typ, false, o.payload)
	}
	// A command after them proves they were handled (in order).
	s.reply(t, s.slashAs(t, "env-after", "U0ASK1", "help", true), 1)
	lines := strings.Split(logs(), "\n")
	for _, l := range lines[min(before, len(lines)):] {
		if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("noise for an envelope not handled: %s", l)
		}
	}
	noErrors(t, logs())
}

// digestPosted waits for the n-th chat.postMessage (from 1) to channel
// and returns it.
func (s *mfSlack) digestPosted(t *testing.T, channel string, n int) url.Values {
	t.Helper()
	var got url.Values
	eventually(t, fmt.Sprintf("digest %d in %s", n, channel), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		i := 0
		for _, p := range s.posts {
			if p.Get("channel") == channel {
				if i++; i == n {
					got = p
					return true
				}
			}
		}
		return false
	})
	return got
}

// TestMinimalFakesDigest: `lastactive digest --post` with the Slack
// variables the contract requires of it (the bot token; the app-level
// token is serve's, for Socket Mode) and the schedule under serve post the
// digest, chat.postMessage answering only ok, ts and channel, and from the
// second digest on its chart, uploaded as the report's CSV is.
func TestMinimalFakesDigest(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, s *mfSlack, up *mf2Uploads, logs string) {
		t.Helper()
		p := s.digestPosted(t, "C0DIGEST1", 2)
		msg := p.Get("blocks") + p.Get("text")
		for _, w := range []string{"Jira Software", "Confluence", "acme.atlassian.net"} {
			if !strings.Contains(msg, w) {
				t.Errorf("the digest lacks %q:\n%s", w, msg)
			}
		}
		if up.count("files.completeUploadExternal") == 0 || !strings.Contains(msg, "slack_file") {
			t.Errorf("no chart shown: %d uploads completed\n%s", up.count("files.completeUploadExternal"), msg)
		}
		noErrors(t, logs)
	}
	t.Run("digest --post", func(t *testing.T) {
		t.Parallel()
		org := mf2Org()
		a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
		up := &mf2Uploads{}
		s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
		env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
			"LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_DIGEST_CHANNEL=C0DIGEST1",
			"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
		var stderr string
		for range 2 {
			r := runBinary(t, env, "", "digest", "--post")
			mfNoSecrets(t, r.stdout, r.stderr)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			stderr += r.stderr
		}
		check(t, s, up, stderr)
	})
	t.Run("schedule", func(t *testing.T) {
		t.Parallel()
		s, up, _, _, logs := mf2Serve(t, "", "LASTACTIVE_DIGEST_CHANNEL=C0DIGEST1", "LASTACTIVE_DIGEST_SCHEDULE=@every 2s")
		check(t, s, up, logs())
	})
}

// mf2Members is users.list's members with only the fields a minimal Slack
// sends: id, deleted, is_bot and profile.email.
const mf2Members = `{"id":"U0IDA1","deleted":false,"is_bot":false,"profile":{"email":"ida@example.com"}},
 {"id":"U0CAM1","deleted":false,"is_bot":false,"profile":{"email":"cmp@example.com"}},
 {"id":"U0BOT1","deleted":false,"is_bot":true,"profile":{}}`

// nudgeButton returns the action_id, value and block_id of the button
// actionID in the blocks of a posted message.
func nudgeButton(t *testing.T, blocks, actionID string) (value, blockID string) {
	t.Helper()
	var bs []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	json.Unmarshal([]byte(blocks), &bs)
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, b.BlockID
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, blocks)
	return "", ""
}

// TestMinimalFakesNudges: a nudge round under serve against a Slack whose
// users.list gives one page with the fewest member fields, and Keep
// clicked as a block_actions payload with only the fields Slack documents
// (no message, no channel). Then `lastactive nudge` with the bot token
// alone, as the contract requires of it.
func TestMinimalFakesNudges(t *testing.T) {
	t.Parallel()
	s, up, _, _, logs := mf2Serve(t, mf2Members, "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s")
	var ask url.Values
	eventually(t, "a nudge", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.posts {
			if strings.Contains(p.Get("blocks"), "nudge_keep") {
				ask = p
				return true
			}
		}
		return false
	})
	if ch := ask.Get("channel"); ch != "D0IDA1" && ch != "U0IDA1" && ch != "D0CAM1" && ch != "U0CAM1" {
		t.Errorf("the nudge went to %q", ch)
	}
	value, blockID := nudgeButton(t, ask.Get("blocks"), "nudge_keep")
	who := "U0IDA1"
	if strings.HasSuffix(ask.Get("channel"), "CAM1") {
		who = "U0CAM1"
	}
	ru := s.srv.URL + "/hooks/actions/TMIN/env-keep"
	s.send(t, "env-keep", "interactive", false, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": who}, "team": map[string]any{"id": "TMIN"},
		"actions":      []map[string]any{{"action_id": "nudge_keep", "value": value, "block_id": blockID, "type": "button"}},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "D" + strings.TrimPrefix(who, "U"), "is_ephemeral": false},
		"response_url": ru, "trigger_id": "1.2.3",
	})
	// Keep updates the nudge in place (chat.update or the response_url).
	eventually(t, "the nudge answered", func() bool { return up.count("chat.update") > 0 || s.replyCount(ru) > 0 })
	if s.replyCount(ru) > 0 {
		if r := s.reply(t, ru, 1); strings.Contains(r.raw, "did not work") || strings.Contains(r.raw, "not allowed") {
			t.Errorf("Keep: %s", r.raw)
		}
	}
	noErrors(t, logs())

	// One round from the command line, with the bot token and no app-level token.
	t.Run("nudge command", func(t *testing.T) {
		org := mf2Org()
		a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
		up := &mf2Uploads{members: mf2Members}
		s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
		r := runBinary(t, a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
			"LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_NUDGE=on",
			"LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"), "", "nudge")
		mfNoSecrets(t, r.stdout, r.stderr)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		s.mu.Lock()
		n := len(s.posts)
		s.mu.Unlock()
		if n == 0 {
			t.Errorf("no nudge sent:\n%s\n%s", r.stdout, r.stderr)
		}
		noErrors(t, r.stderr)
	})
}

// TestMinimalFakesDigestOddProductKey: a users search whose product key
// holds a NUL (a broken or hostile answer). The digest still records its
// snapshot, so the next one shows the change: nothing is lost, and the
// store is not called down.
func TestMinimalFakesDigestOddProductKey(t *testing.T) {
	t.Parallel()
	org := append(mf2Org(), `{"accountId":"712020:odd","email":"odd@example.com","name":"Odd Key","status":"active",
	  "productAccess":[{"id":"ari:cloud:jira-software::site/`+mfCloudA+`","key":"jira\u0000soft","lastActiveTimestamp":"`+mf2Stamp(200)+`"}]}`)
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
		"LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_DIGEST_CHANNEL=C0DIGEST1",
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	for range 2 {
		r := runBinary(t, env, "", "digest", "--post")
		mfNoSecrets(t, r.stdout, r.stderr)
		if r.code != 0 || strings.Contains(r.stderr, "snapshot not recorded") {
			t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		noErrors(t, r.stderr)
	}
	if up.count("files.completeUploadExternal") == 0 {
		t.Error("no chart with the second digest: the first one's snapshot was not kept")
	}
}

// TestMinimalFakesNudgeOddAccountID: one account of the users search whose
// ID holds a NUL (a broken or hostile answer). The nudge round goes on for
// everyone else: Ida is asked, the round exits 0.
func TestMinimalFakesNudgeOddAccountID(t *testing.T) {
	t.Parallel()
	org := append(mf2Org(), `{"accountId":"712020:odd\u0000x","accountType":"atlassian","email":"odd@example.com","name":"Odd Id","status":"active",
	  "productAccess":[{"id":"ari:cloud:jira-software::site/`+mfCloudA+`","key":"jira-software","lastActiveTimestamp":"`+mf2Stamp(200)+`"}]}`)
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members + `,{"id":"U0ODD1","deleted":false,"is_bot":false,"profile":{"email":"odd@example.com"}}`}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t),
		"LASTACTIVE_NUDGE=on", "LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	for _, args := range [][]string{{"nudge", "--dry-run"}, {"nudge"}} {
		r := runBinary(t, env, "", args...)
		mfNoSecrets(t, r.stdout, r.stderr)
		if r.code != 0 || !strings.Contains(r.stdout, "ida@example.com") {
			t.Errorf("%s: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		noErrors(t, r.stderr)
	}
	s.mu.Lock()
	n := len(s.posts)
	s.mu.Unlock()
	if n == 0 {
		t.Error("nobody nudged")
	}
}

// TestMinimalFakesNudgeUnstorableAnswers: accounts of the users search
// whose account ID, email or site ID holds a NUL (a broken or hostile
// answer), idle longer than Ida so that the round meets them
// first. No row can hold them on PostgreSQL: each is skipped and said so,
// in the dry run as in the round, and the round goes on for Ida.
func TestMinimalFakesNudgeUnstorableAnswers(t *testing.T) {
	t.Parallel()
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	odd := func(id, email, site string) string {
		return `{"accountId":"` + id + `","accountType":"atlassian","email":"` + email + `","name":"Odd One","status":"active",
	  "productAccess":[{"id":"` + site + `","key":"jira-software","lastActiveTimestamp":"` + mf2Stamp(300) + `"}]}`
	}
	org := append([]string{
		odd(`712020:odd\u0000a`, "odda@example.com", siteA),
		odd("712020:oddb", `oddb\u0000@example.com`, siteA),
		odd("712020:oddc", "oddc@example.com", siteA+`\u0000`),
	}, mf2Org()...)
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	members := mf2Members
	for _, m := range []string{`"U0ODA1","profile":{"email":"odda@example.com"}`, `"U0ODB1","profile":{"email":"oddb\u0000@example.com"}`,
		`"U0ODC1","profile":{"email":"oddc@example.com"}`} {
		members += `,{"deleted":false,"is_bot":false,"id":` + m + `}`
	}
	up := &mf2Uploads{members: members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t),
		"LASTACTIVE_NUDGE=on", "LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	for _, args := range [][]string{{"nudge", "--dry-run"}, {"nudge"}} {
		r := runBinary(t, env, "", args...)
		mfNoSecrets(t, r.stdout, r.stderr)
		asked, skipped, _ := strings.Cut(r.stdout, "Skipped:")
		if r.code != 0 || !strings.Contains(asked, "ida@example.com") {
			t.Errorf("%s: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		for _, e := range []string{"odda@", "oddb", "oddc@"} {
			if strings.Contains(asked, e) || !strings.Contains(skipped, e) {
				t.Errorf("%s: %s not shown skipped\n%s", args, e, r.stdout)
			}
		}
		noErrors(t, r.stderr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	to := map[string]bool{}
	for _, p := range s.posts {
		to[p.Get("channel")] = true
	}
	if !to["U0IDA1"] || to["U0ODA1"] || to["U0ODB1"] || to["U0ODC1"] {
		t.Errorf("messages to %v, want Ida's and none to the odd accounts", to)
	}
}

// TestMinimalFakesNudgePostAnswerUnstorable: Slack's answer to the ask (its
// DM channel) holds a NUL. The message went out: the round goes on to the
// next person, and says that where it went was not stored, never exit 1
// for everyone after that person (PostgreSQL refuses such text).
func TestMinimalFakesNudgePostAnswerUnstorable(t *testing.T) {
	t.Parallel()
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	org := append([]string{`{"accountId":"712020:odd","accountType":"atlassian","email":"odd@example.com","name":"Odd One","status":"active",
	  "productAccess":[{"id":"` + siteA + `","key":"jira-software","lastActiveTimestamp":"` + mf2Stamp(300) + `"}]}`}, mf2Org()...)
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members + `,{"deleted":false,"is_bot":false,"id":"U0ODD1","profile":{"email":"odd@example.com"}}`}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	s.mu.Lock()
	s.postedIn = func(ch string) string {
		if ch == "U0ODD1" {
			return "D0ODD\x001"
		}
		return ch
	}
	s.mu.Unlock()
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), db, "LASTACTIVE_NUDGE=on", "LASTACTIVE_REPORT_USERS=U0ASK1",
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	r := runBinary(t, env, "", "nudge")
	mfNoSecrets(t, r.stdout, r.stderr)
	asked, _, _ := strings.Cut(r.stdout, "Skipped:")
	if r.code != 0 || !strings.Contains(asked, "ida@example.com") || !strings.Contains(asked, "odd@example.com") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noErrors(t, r.stderr)
	s.mu.Lock()
	n := len(s.posts)
	s.mu.Unlock()
	if n != 3 {
		t.Errorf("%d messages posted, want Odd's, Ida's and Cam's", n)
	}
	au := runBinary(t, a.env(db), "", "audit", "odd@example.com")
	if au.code != 0 || !strings.Contains(au.stdout, "asked about") || !strings.Contains(au.stdout, "not stored") {
		t.Errorf("audit of Odd: exit %d\n%s%s", au.code, au.stdout, au.stderr)
	}
}

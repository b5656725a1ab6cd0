package main

// Deliberately minimal fakes, written from the contract and from Slack's
// and Atlassian's public documents only, not from atlassiantest or
// slacktest: the acceptance suites drive the binary against fakes of their
// own, which answer with the fewest fields the documents promise and shape
// what they may shape either way. The binary must serve them all.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const (
	mfAppToken  = "xapp-1-A0MIN-0000-minfakesappsecret"
	mfBotToken  = "xoxb-0000-minfakesbotsecret"
	mfJiraEmail = "bot@example.com"
	mfJiraToken = "minfakes-jira-token-secret"
	mfAPIKey    = "minfakes-admin-key-secret"
	mfOrg       = "org-min-1"
	mfCloudA    = "58d24034-e3ec-11ed-b5ea-0242ac120002" // a workspace listed by bare cloud ID
	mfCloudB    = "7f1c2e3d-0000-4000-8000-0000000000bb" // a workspace listed by ARI
)

// ---- the minimal Slack: Web API, Socket Mode and response_urls on one host.

type mfSlack struct {
	srv   *httptest.Server
	hello string // the hello frame sent on every connection

	// replyStatus and replyBody are the response_url's answer; 0 and ""
	// mean 200 with no body. Set and read under mu: the server runs.
	replyStatus int
	replyBody   string

	// more, when set (before the server starts: newMinSlackWith), answers
	// what the fake does not: an API method the bot token passed for (r's
	// form parsed), or any path outside /api/ and /hooks/ (method "").
	// It returns false for what it does not answer either.
	more func(w http.ResponseWriter, r *http.Request, method string) bool

	// onPost, when set, sees each chat.postMessage before it is answered.
	// Set and read under mu: the server runs.
	onPost func(form url.Values)

	// postedIn, when set, names the channel chat.postMessage's answer
	// gives for a post to channel (as Slack answers a DM's own channel).
	// Set and read under mu: the server runs.
	postedIn func(channel string) string

	mu      sync.Mutex
	writeMu sync.Mutex
	methods []string
	emails  map[string]string // Slack user ID → profile email
	posts   []url.Values      // chat.postMessage and chat.postEphemeral
	replies map[string][]string
	acks    map[string]string // envelope ID → the ack frame
	conn    *websocket.Conn
	conns   []*websocket.Conn
	closed  []*websocket.Conn // connections that ended
	opened  int
}

func newMinSlack(t *testing.T, hello string, emails map[string]string) *mfSlack {
	return newMinSlackWith(t, hello, emails, nil)
}

// newMinSlackWith is newMinSlack whose more answers the methods it does not.
func newMinSlackWith(t *testing.T, hello string, emails map[string]string, more func(w http.ResponseWriter, r *http.Request, method string) bool) *mfSlack {
	s := &mfSlack{hello: hello, emails: emails, more: more, replies: map[string][]string{}, acks: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.srv.Close()
	})
	return s
}

func (s *mfSlack) apiURL() string { return s.srv.URL + "/api/" }

func (s *mfSlack) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ws":
		s.socket(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/hooks/"):
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.replies[r.URL.Path] = append(s.replies[r.URL.Path], string(b))
		status, body := s.replyStatus, s.replyBody
		s.mu.Unlock()
		if status != 0 {
			w.WriteHeader(status)
		}
		io.WriteString(w, body)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		if s.more != nil && s.more(w, r, "") {
			return
		}
		http.NotFound(w, r)
		return
	}
	r.ParseForm()
	s.mu.Lock()
	s.methods = append(s.methods, method)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.Form.Get("token")
	}
	want := mfBotToken
	if method == "apps.connections.open" {
		want = mfAppToken
	}
	if token != want {
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	switch method {
	case "apps.connections.open":
		s.mu.Lock()
		s.opened++
		n := s.opened
		s.mu.Unlock()
		fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/ws?ticket=t%d"}`, r.Host, n)
	case "auth.test":
		io.WriteString(w, `{"ok":true,"user_id":"UBOTMIN","team_id":"TMIN"}`)
	case "users.info":
		email, ok := s.emails[r.Form.Get("user")]
		if !ok {
			io.WriteString(w, `{"ok":false,"error":"user_not_found"}`)
			return
		}
		b, _ := json.Marshal(email)
		fmt.Fprintf(w, `{"ok":true,"user":{"profile":{"email":%s}}}`, b)
	case "chat.postMessage", "chat.postEphemeral":
		s.mu.Lock()
		s.posts = append(s.posts, r.Form)
		n, onPost, postedIn := len(s.posts), s.onPost, s.postedIn
		s.mu.Unlock()
		if onPost != nil && method == "chat.postMessage" {
			onPost(r.Form)
		}
		ch := r.Form.Get("channel")
		if postedIn != nil {
			ch = postedIn(ch)
		}
		b, _ := json.Marshal(ch)
		// Each message its own ts, as Slack gives them.
		fmt.Fprintf(w, `{"ok":true,"ts":"1700000000.%06d","channel":%s}`, 100+n-1, b)
	default:
		if s.more != nil && s.more(w, r, method) {
			return
		}
		io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

func (s *mfSlack) socket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	if s.hello != "" {
		s.writeMu.Lock()
		err = c.WriteMessage(websocket.TextMessage, []byte(s.hello))
		s.writeMu.Unlock()
		if err != nil {
			c.Close()
			return
		}
	}
	s.mu.Lock()
	s.conn = c
	s.mu.Unlock()
	go func() {
		defer func() {
			c.Close()
			s.mu.Lock()
			s.closed = append(s.closed, c)
			if s.conn == c {
				s.conn = nil // send waits for the next one
			}
			s.mu.Unlock()
		}()
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(b, &ack) == nil && ack.EnvelopeID != "" {
				s.mu.Lock()
				s.acks[ack.EnvelopeID] = string(b)
				s.mu.Unlock()
			}
		}
	}()
}

// send writes an envelope to the open connection and waits for its ack.
func (s *mfSlack) send(t *testing.T, id, typ string, accepts bool, payload any) {
	t.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	frame, _ := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "accepts_response_payload": accepts,
		"payload": json.RawMessage(p)})
	var c *websocket.Conn
	eventually(t, "a Socket Mode connection", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		c = s.conn
		return c != nil
	})
	s.writeMu.Lock()
	err = c.WriteMessage(websocket.TextMessage, frame)
	s.writeMu.Unlock()
	if err != nil {
		t.Fatalf("writing the envelope: %v", err)
	}
	eventually(t, "the ack of "+id, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		_, ok := s.acks[id]
		return ok
	})
}

// slash sends a slash_commands envelope as Slack documents it (every form
// field a string) and returns its response_url.
func (s *mfSlack) slash(t *testing.T, id, text string, accepts bool) string {
	t.Helper()
	return s.slashAs(t, id, "UASK", text, accepts)
}

// slashAs is slash from the Slack user asker.
func (s *mfSlack) slashAs(t *testing.T, id, asker, text string, accepts bool) string {
	t.Helper()
	ru := s.srv.URL + "/hooks/commands/TMIN/" + id
	s.send(t, id, "slash_commands", accepts, map[string]string{
		"token": "verification-token-unused", "team_id": "TMIN", "team_domain": "acme", "channel_id": "CMIN",
		"channel_name": "support", "user_id": asker, "user_name": "asker", "command": "/lastactive", "text": text,
		"api_app_id": "A0MIN", "is_enterprise_install": "false", "response_url": ru, "trigger_id": "1.2.3",
	})
	return ru
}

// click sends a block_actions envelope for button, clicked in the ephemeral
// reply at responseURL (an ephemeral message has no "message" in the payload).
func (s *mfSlack) click(t *testing.T, id string, button map[string]any) string {
	t.Helper()
	ru := s.srv.URL + "/hooks/actions/TMIN/" + id
	s.send(t, id, "interactive", false, map[string]any{
		"type": "block_actions", "api_app_id": "A0MIN", "token": "verification-token-unused", "trigger_id": "4.5.6",
		"user":         map[string]string{"id": "UASK", "username": "asker", "name": "asker", "team_id": "TMIN"},
		"team":         map[string]string{"id": "TMIN", "domain": "acme"},
		"channel":      map[string]string{"id": "CMIN", "name": "support"},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000200", "channel_id": "CMIN", "is_ephemeral": true},
		"response_url": ru,
		"actions": []map[string]any{{"type": "button", "action_id": button["action_id"], "block_id": "b1",
			"value": button["value"], "text": button["text"], "action_ts": "1700000001.000001"}},
	})
	return ru
}

// shortcut sends the message shortcut lastactive_author on a message of author.
func (s *mfSlack) shortcut(t *testing.T, id, author string) string {
	t.Helper()
	ru := s.srv.URL + "/hooks/shortcuts/TMIN/" + id
	s.send(t, id, "interactive", false, map[string]any{
		"type": "message_action", "callback_id": "lastactive_author", "token": "verification-token-unused",
		"trigger_id": "7.8.9", "action_ts": "1700000002.000001", "message_ts": "1700000000.000300",
		"user":         map[string]string{"id": "UASK", "username": "asker", "name": "asker", "team_id": "TMIN"},
		"team":         map[string]string{"id": "TMIN", "domain": "acme"},
		"channel":      map[string]string{"id": "CMIN", "name": "support"},
		"message":      map[string]string{"type": "message", "user": author, "ts": "1700000000.000300", "text": "hello"},
		"response_url": ru,
	})
	return ru
}

// reply waits for the n-th post (from 1) to the response_url.
func (s *mfSlack) reply(t *testing.T, ru string, n int) mfReply {
	t.Helper()
	u, _ := url.Parse(ru)
	var body string
	eventually(t, fmt.Sprintf("reply %d to %s", n, u.Path), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.replies[u.Path]) >= n {
			body = s.replies[u.Path][n-1]
			return true
		}
		return false
	})
	var r mfReply
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("the reply is not JSON: %v\n%s", err, body)
	}
	r.raw = body
	return r
}

func (s *mfSlack) replyCount(ru string) int {
	u, _ := url.Parse(ru)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.replies[u.Path])
}

type mfReply struct {
	ResponseType string            `json:"response_type"`
	Text         string            `json:"text"`
	Blocks       []json.RawMessage `json:"blocks"`
	raw          string
}

// button returns the first button whose visible text contains label.
func (r mfReply) button(t *testing.T, label string) map[string]any {
	t.Helper()
	var found map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "button" && found == nil {
				if txt, _ := x["text"].(map[string]any); txt != nil && strings.Contains(fmt.Sprint(txt["text"]), label) {
					found = x
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var v any
	json.Unmarshal([]byte(r.raw), &v)
	walk(v)
	if found == nil {
		t.Fatalf("no %q button in the reply:\n%s", label, r.raw)
	}
	return found
}

// private checks what the contract promises every reply.
func (r mfReply) private(t *testing.T) {
	t.Helper()
	if r.ResponseType != "ephemeral" || len(r.Blocks) == 0 || strings.TrimSpace(r.Text) == "" {
		t.Errorf("want an ephemeral reply with blocks and text, got response_type %q, %d blocks, text %q",
			r.ResponseType, len(r.Blocks), r.Text)
	}
}

// ---- the minimal Atlassian: Jira user search and the Admin API.

type mfPerson struct {
	email, id, name string
	// jira is the user search's answer for the email ("" = the person as a
	// plain atlassian account with the address shown).
	jira string
	// pages are the last-active-dates answers, the first for no cursor,
	// the next for the cursor "Qh8E1QpVV00ys/xI7pHI7Q..".
	pages []string
	// adminOnly: Jira finds nobody; the Admin API's exact-email search does.
	adminOnly bool
	// status, when set, is the last-active answer's HTTP status (its body pages[0]).
	status int
	// search, when set, is the Admin API's exact-email search answer's data item.
	search string
}

type mfAtlassian struct {
	admin, jira *httptest.Server
	people      []mfPerson
	workspaces  string
	// onlySearch: Jira answers the user search only (the one Jira call the
	// contract names), 404 for /myself, and the search does not know the
	// token's owner. Set and read under mu: the servers run.
	onlySearch bool
	// more, when set (before the servers start: newMinAtlassianWith),
	// answers Admin API requests first, its key checked; false passes the
	// request on to what the fake answers itself.
	more func(w http.ResponseWriter, r *http.Request) bool

	mu       sync.Mutex
	requests []string
}

func newMinAtlassian(t *testing.T, people []mfPerson, workspaces string) *mfAtlassian {
	return newMinAtlassianWith(t, people, workspaces, nil)
}

// newMinAtlassianWith is newMinAtlassian whose more answers Admin API
// requests first.
func newMinAtlassianWith(t *testing.T, people []mfPerson, workspaces string, more func(w http.ResponseWriter, r *http.Request) bool) *mfAtlassian {
	a := &mfAtlassian{people: people, workspaces: workspaces, more: more}
	a.admin = httptest.NewServer(http.HandlerFunc(a.serveAdmin))
	a.jira = httptest.NewServer(http.HandlerFunc(a.serveJira))
	t.Cleanup(func() { a.admin.Close(); a.jira.Close() })
	return a
}

func (a *mfAtlassian) note(r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.Method+" "+r.URL.RequestURI())
	a.mu.Unlock()
}

func (a *mfAtlassian) serveJira(w http.ResponseWriter, r *http.Request) {
	a.note(r)
	w.Header().Set("Content-Type", "application/json")
	if u, p, ok := r.BasicAuth(); !ok || u != mfJiraEmail || p != mfJiraToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errorMessages":["You are not authenticated."],"errors":{}}`)
		return
	}
	a.mu.Lock()
	onlySearch := a.onlySearch
	a.mu.Unlock()
	switch r.URL.Path {
	case "/rest/api/3/myself":
		if onlySearch {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"accountId":"5b10ac8d82e05b22cc7d4ef5","accountType":"atlassian","active":true,"displayName":"Bot"}`)
	case "/rest/api/3/user/search":
		q := strings.ToLower(r.URL.Query().Get("query"))
		var out []string
		if q != "" && strings.HasPrefix(mfJiraEmail, q) && !onlySearch {
			out = append(out, `{"accountId":"5b10ac8d82e05b22cc7d4ef5","accountType":"atlassian","active":true,"displayName":"Bot","emailAddress":"`+mfJiraEmail+`"}`)
		}
		for _, p := range a.people {
			if p.adminOnly || q == "" || !strings.HasPrefix(p.email, q) {
				continue
			}
			if p.jira != "" {
				out = append(out, strings.Trim(p.jira, "[]"))
				continue
			}
			out = append(out, fmt.Sprintf(`{"self":"https://acme.atlassian.net/rest/api/3/user?accountId=%s","accountId":%q,"accountType":"atlassian","emailAddress":%q,"displayName":%q,"active":true,"timeZone":"Europe/London","locale":"en_GB"}`,
				p.id, p.id, p.email, p.name))
		}
		io.WriteString(w, "["+strings.Join(out, ",")+"]")
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errorMessages":["not found"],"errors":{}}`)
	}
}

func (a *mfAtlassian) serveAdmin(w http.ResponseWriter, r *http.Request) {
	a.note(r)
	w.Header().Set("Content-Type", "application/json")
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+mfAPIKey && auth != "Bearer "+mf3WriteKey {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":401,"message":"Unauthorized"}`)
		return
	}
	if a.more != nil && a.more(w, r) {
		return
	}
	org := "/admin/v1/orgs/" + mfOrg
	switch path := r.URL.Path; {
	case path == org && r.Method == http.MethodGet:
		fmt.Fprintf(w, `{"data":{"id":%q,"type":"orgs","attributes":{"name":"Acme"},"links":{"self":"https://api.atlassian.com/admin/v1/orgs/%s"}}}`, mfOrg, mfOrg)
	case path == "/admin/v2/orgs/"+mfOrg+"/workspaces" && r.Method == http.MethodPost:
		if a.workspaces == "" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errors":[{"status":"404","code":"ADMIN-404-1","title":"Unknown resource"}]}`)
			return
		}
		io.WriteString(w, a.workspaces)
	case path == "/admin/v2/orgs/"+mfOrg+"/directories/-/users/search" && r.Method == http.MethodPost:
		var body struct {
			Emails []string `json:"emails"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		var out []string
		for _, p := range a.people {
			for _, e := range body.Emails {
				if p.adminOnly && strings.EqualFold(e, p.email) && p.search != "" {
					out = append(out, p.search)
				} else if p.adminOnly && strings.EqualFold(e, p.email) {
					out = append(out, fmt.Sprintf(`{"accountId":%q,"accountType":"atlassian","accountStatus":"active","status":"active","email":%q,"name":%q}`, p.id, p.email, p.name))
				}
			}
		}
		io.WriteString(w, `{"data":[`+strings.Join(out, ",")+`],"links":{}}`)
	case strings.HasPrefix(path, org+"/directory/users/") && strings.HasSuffix(path, "/last-active-dates"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, org+"/directory/users/"), "/last-active-dates")
		for _, p := range a.people {
			if p.id != id {
				continue
			}
			switch c := r.URL.Query().Get("cursor"); {
			case p.status != 0:
				w.WriteHeader(p.status)
				io.WriteString(w, p.pages[0])
			case c == "":
				io.WriteString(w, p.pages[0])
			case c == "Qh8E1QpVV00ys/xI7pHI7Q.." && len(p.pages) > 1:
				io.WriteString(w, p.pages[1])
			default:
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"errors":[{"status":"400","code":"ADMIN-400-1","title":"Invalid page cursor"}]}`)
			}
			return
		}
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"status":"404","code":"ADMIN-404-8","title":"User not found"}]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"status":"404","code":"ADMIN-404-1","title":"Unknown resource"}]}`)
	}
}

// ---- the organisation, one person a shape variant.

// mfDay is a date n days ago, as a last_active.
func mfDay(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format(time.DateOnly) }

// The Admin API fixtures of the shared contracts (examples/), as they are.
const (
	// admin-last-active-dates.200.tutorial.json
	mfTutorial = `{
  "data": {
    "product_access": [
      {
        "id": "ari:cloud:jira-software::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "jira-software",
        "last_active": "2023-01-19"
      },
      {
        "id": "ari:cloud:confluence::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "confluence",
        "last_active": "2023-01-12"
      }
    ],
    "added_to_org": "2023-01-11"
  },
  "links": {
    "next": null
  }
}`
	// admin-last-active-dates.200.with-timestamps.json
	mfWithTimestamps = `{
  "data": {
    "product_access": [
      {
        "id": "ari:cloud:jira-software::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "jira-software",
        "last_active": "2026-11-20",
        "last_active_timestamp": "2026-11-20T09:14:05Z"
      },
      {
        "id": "ari:cloud:confluence::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "confluence",
        "last_active": "2026-10-02",
        "last_active_timestamp": "2026-10-02T16:40:51Z"
      },
      {
        "id": "ari:cloud:jira-servicedesk::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "jira-service-desk"
      }
    ],
    "added_to_org": "2024-03-04",
    "added_to_org_timestamp": "2024-03-04T08:00:00Z"
  },
  "links": {}
}`
	// admin-last-active-dates.200.page1-of-2.json
	mfPage1 = `{
  "data": {
    "product_access": [
      {
        "id": "ari:cloud:jira-software::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "jira-software",
        "last_active": "2026-11-20"
      }
    ],
    "added_to_org": "2024-03-04"
  },
  "links": {
    "next": "Qh8E1QpVV00ys/xI7pHI7Q.."
  }
}`
	// admin-last-active-dates.200.page2-of-2.json
	mfPage2 = `{
  "data": {
    "product_access": [
      {
        "id": "ari:cloud:confluence::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "confluence",
        "last_active": "2026-10-02"
      }
    ],
    "added_to_org": "2024-03-04"
  },
  "links": {
    "next": null
  }
}`
	// admin-last-active-dates.200.never-active.json
	mfNeverActive = `{
  "data": {
    "product_access": [],
    "added_to_org": "2026-11-25"
  },
  "links": {}
}`
	// admin-last-active-dates.200.no-added-to-org.json
	mfNoAddedToOrg = `{
  "data": {
    "product_access": [
      {
        "id": "ari:cloud:confluence::site/58d24034-e3ec-11ed-b5ea-0242ac120002",
        "key": "confluence",
        "last_active": "2025-12-31"
      }
    ]
  }
}`
)

const mfWorkspacesDefault = `{"data":[
 {"id":"` + mfCloudA + `","type":"workspaces","attributes":{"name":"Acme","type":"jira-software","typeKey":"jira-software","hostUrl":"https://acme.atlassian.net","status":"online","capacity":null,"unknownField":{"x":1}}},
 {"id":"ari:cloud:confluence::site/` + mfCloudB + `","type":"workspaces","attributes":{"name":"Beta","type":"confluence","hostUrl":"beta.atlassian.net","status":"online"},"links":{"self":"x"}}
],"links":{"next":null},"meta":{"pageSize":2,"total":2}}`

// mfPeople are the persons of the minimal org, each a variant of the shapes
// the schemas allow; want are strings each one's lookup must show.
func mfPeople(t *testing.T) []struct {
	p    mfPerson
	want []string
} {
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	confB := "ari:cloud:confluence::site/" + mfCloudB
	return []struct {
		p    mfPerson
		want []string
	}{
		{mfPerson{email: "tut@example.com", id: "712020:tut", name: "Tess Tutorial",
			pages: []string{mfTutorial}},
			[]string{"Jira Software", "2023-01-19", "Confluence", "2023-01-12", "acme.atlassian.net", "2023-01-11"}},
		{mfPerson{email: "ts@example.com", id: "712020:ts", name: "Tim Stamps",
			pages: []string{mfWithTimestamps}},
			[]string{"2026-11-20", "2026-10-02", "Jira Service Management", "never", "2024-03-04"}},
		{mfPerson{email: "pg@example.com", id: "712020:pg", name: "Pat Pages",
			pages: []string{mfPage1,
				mfPage2}},
			[]string{"Jira Software", "2026-11-20", "Confluence", "2026-10-02"}},
		{mfPerson{email: "nv@example.com", id: "712020:nv", name: "Nia Never",
			pages: []string{mfNeverActive}},
			[]string{"Nia Never"}},
		{mfPerson{email: "na@example.com", id: "712020:na", name: "Ned NoAdded",
			pages: []string{mfNoAddedToOrg}},
			[]string{"Confluence", "2025-12-31"}},
		// added_to_org null, links.next "", timestamps with offsets, extra fields,
		// a site listed by ARI, an unknown product key.
		{mfPerson{email: "off@example.com", id: "712020:off", name: "Olga Offset",
			pages: []string{`{"data":{"product_access":[
			 {"id":"` + confB + `","key":"confluence","last_active":"` + mfDay(3) + `T10:00:00+02:00","extra":true},
			 {"id":"` + siteA + `","key":"jira-software","last_active":"` + mfDay(200) + `","last_active_timestamp":"` + mfDay(200) + `T08:00:00.123-05:00"},
			 {"id":"ari:cloud:loom::site/` + mfCloudB + `","key":"loom","last_active":"` + mfDay(1) + `"}
			],"added_to_org":null,"added_to_org_timestamp":null,"unknown":[1,2]},"links":{"next":""},"meta":{"x":1}}`}},
			[]string{"Confluence", mfDay(3), "beta.atlassian.net", "Jira Software", mfDay(200), "idle", "Loom"}},
		// Jira hides the address: a single atlassian account is the match;
		// apps and customers beside it are never taken.
		{mfPerson{email: "hid@example.com", id: "712020:hid", name: "Hal Hidden",
			jira: `[{"accountId":"557058:app","accountType":"app","active":true,"displayName":"Automation for Jira"},
			 {"accountId":"qm:cust","accountType":"customer","active":true,"displayName":"hid@example.com","emailAddress":"hid@example.com"},
			 {"accountId":"712020:hid","accountType":"atlassian","active":true,"displayName":"Hal Hidden"}]`,
			pages: []string{`{"data":{"product_access":[{"id":"` + siteA + `","key":"jira-software","last_active":"` + mfDay(5) + `"}]}}`}},
			[]string{"Hal Hidden", "Jira Software", mfDay(5)}},
		// Jira finds nobody: the Admin API's exact-email search does.
		{mfPerson{email: "adm@example.com", id: "712020:adm", name: "Ada Admin", adminOnly: true,
			pages: []string{`{"data":{"product_access":[{"id":"` + siteA + `","key":"jira-software","last_active":"` + mfDay(7) + `"}],"added_to_org":"2024-06-09"},"links":{"next":null}}`}},
			[]string{"Ada Admin", "Jira Software", mfDay(7)}},
	}
}

func (a *mfAtlassian) env(extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"JIRA_BASE_URL=" + a.jira.URL, "JIRA_EMAIL=" + mfJiraEmail, "JIRA_API_TOKEN=" + mfJiraToken,
		"ATLASSIAN_ORG_ID=" + mfOrg, "ATLASSIAN_API_KEY=" + mfAPIKey, "ATLASSIAN_API_URL=" + a.admin.URL,
	}, extra...)
}

// mfDatabase is one scenario's LASTACTIVE_DATABASE_URL: a SQLite file of its
// own, or, when LASTACTIVE_TEST_POSTGRES_URL is set (as CI sets it), a fresh
// database on that server, dropped at the end. The acceptance suites may
// run these scenarios on either; SQLite is covered by the other tests, so
// with a server they run on PostgreSQL only.
func mfDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LASTACTIVE_TEST_POSTGRES_URL")
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "la.db")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("mf_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		// A role that may not create databases: a schema of its own.
		admin.Close()
		t.Logf("CREATE DATABASE: %v; a schema instead", err)
		return postgresDatabase(t)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func mfNoSecrets(t *testing.T, out ...string) {
	t.Helper()
	for _, o := range out {
		for _, s := range []string{mfAppToken, mfBotToken, mfJiraToken, mfAPIKey} {
			if strings.Contains(o, s) {
				t.Errorf("output contains a configured secret")
			}
		}
	}
}

// TestMinimalFakesLookupCLI: `lookup --json` and the table against the
// minimal Atlassian, one person per shape variant.
func TestMinimalFakesLookupCLI(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	var ps []mfPerson
	for _, c := range people {
		ps = append(ps, c.p)
	}
	a := newMinAtlassian(t, ps, mfWorkspacesDefault)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	for _, c := range people {
		t.Run(c.p.email, func(t *testing.T) {
			r := runBinary(t, a.env(db), "", "lookup", c.p.email)
			mfNoSecrets(t, r.stdout, r.stderr)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if w == "Nia Never" || w == "Hal Hidden" || w == "Ada Admin" {
					continue // the table may leave the name to --json
				}
				if !strings.Contains(r.stdout, w) && !strings.Contains(r.stdout, strings.ToLower(w)) {
					t.Errorf("the table lacks %q:\n%s", w, r.stdout)
				}
			}
			r = runBinary(t, a.env(db), "", "lookup", "--json", c.p.email)
			if r.code != 0 {
				t.Fatalf("--json exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			var got []struct {
				OK        bool   `json:"ok"`
				AccountID string `json:"account_id"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || !got[0].OK || got[0].AccountID != c.p.id {
				t.Errorf("--json: %v %+v\n%s", err, got, r.stdout)
			}
		})
	}
}

// TestMinimalFakesCheck: check against the minimal Slack and Atlassian.
func TestMinimalFakesCheck(t *testing.T) {
	t.Parallel()
	a := newMinAtlassian(t, nil, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, nil)
	r := runBinary(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
		"LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "", "check")
	mfNoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 || strings.Contains(r.stdout, "FAIL") {
		t.Errorf("check: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// auth.test gave IDs only (team and user names are not promised): the
	// line names the workspace and the bot by them, not by blanks.
	if !strings.Contains(r.stdout, "workspace TMIN, bot user UBOTMIN") {
		t.Errorf("check does not name the bot's workspace and user:\n%s", r.stdout)
	}
}

// TestMinimalFakesJiraWithOnlyTheSearch: a Jira that answers the user
// search (the contract's one Jira call) but not /rest/api/3/myself, and
// whose search does not know the token's owner. check exited 1 with the
// Jira credentials FAIL (HTTP 404), and /readyz, which repeats that check,
// stayed 503 although every lookup worked.
func TestMinimalFakesJiraWithOnlyTheSearch(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	a.mu.Lock()
	a.onlySearch = true
	a.mu.Unlock()
	s := newMinSlack(t, `{"type":"hello"}`, nil)
	env := a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
		"LASTACTIVE_DATABASE_URL="+mfDatabase(t))
	r := runBinary(t, env, "", "check")
	mfNoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 || strings.Contains(r.stdout, "FAIL") {
		t.Errorf("check: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	_, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	ru := s.slash(t, "env-1", "tut@example.com", true)
	if rep := s.reply(t, ru, 1); !strings.Contains(rep.raw, "Tess Tutorial") {
		t.Errorf("reply: %s\n%s", rep.raw, logs.String())
	}
}

// TestMinimalFakesServe drives serve through the minimal Slack, with a
// hello of type alone and one with num_connections and debug_info.
func TestMinimalFakesServe(t *testing.T) {
	t.Parallel()
	for _, hello := range []struct{ name, frame string }{
		{"bare hello", `{"type":"hello"}`},
		{"full hello", `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-1","build_number":54,"approximate_connection_time":18060},"connection_info":{"app_id":"A0MIN"}}`},
	} {
		t.Run(hello.name, func(t *testing.T) {
			t.Parallel()
			people := mfPeople(t)
			var ps []mfPerson
			for _, c := range people {
				ps = append(ps, c.p)
			}
			a := newMinAtlassian(t, ps, mfWorkspacesDefault)
			s := newMinSlack(t, hello.frame, map[string]string{"UTUT": "tut@example.com", "UOFF": "off@example.com"})
			_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
				"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
			t.Cleanup(func() { mfNoSecrets(t, logs.String()) })
			n := 0
			next := func() string { n++; return fmt.Sprintf("env-%d", n) }

			for _, c := range people {
				for _, accepts := range []bool{true, false} {
					ru := s.slashAs(t, next(), "UASK1", c.p.email, accepts)
					r := s.reply(t, ru, 1)
					r.private(t)
					for _, w := range c.want {
						if !strings.Contains(r.raw, w) {
							t.Errorf("%s (accepts_response_payload %v): the reply lacks %q:\n%s", c.p.email, accepts, w, r.raw)
						}
					}
				}
			}

			texts := []struct{ text, want string }{
				{"<@UTUT>", "Tess Tutorial"},
				{"<@UOFF|olga>", "Olga Offset"},
				{"<mailto:tut@example.com|tut@example.com>", "Tess Tutorial"},
				{"tut@example.com off@example.com", "Olga Offset"},
				{"tut@example.com --fresh", "Tess Tutorial"},
				{"help", "/lastactive"},
				{"", "/lastactive"},
				{"what is this", "/lastactive"},
				{"nobody@example.com", "not found"},
			}
			for _, c := range texts {
				ru := s.slashAs(t, next(), "UASK2", c.text, true)
				r := s.reply(t, ru, 1)
				r.private(t)
				if !strings.Contains(r.raw, c.want) {
					t.Errorf("%q: the reply lacks %q:\n%s", c.text, c.want, r.raw)
				}
			}

			// Share and Refresh, clicked in the ephemeral reply.
			ru := s.slash(t, next(), "tut@example.com", false)
			r := s.reply(t, ru, 1)
			refresh := s.click(t, next(), r.button(t, "Refresh"))
			rr := s.reply(t, refresh, 1)
			if !strings.Contains(rr.raw, "Tess Tutorial") {
				t.Errorf("Refresh: %s", rr.raw)
			}
			share := s.click(t, next(), r.button(t, "Share"))
			eventually(t, "the share in the channel", func() bool {
				s.mu.Lock()
				posted := false
				for _, p := range s.posts {
					posted = posted || strings.Contains(p.Encode(), "Tess+Tutorial")
				}
				s.mu.Unlock()
				if posted {
					return true
				}
				if s.replyCount(share) == 0 {
					return false
				}
				sr := s.reply(t, share, 1)
				return sr.ResponseType == "in_channel" && strings.Contains(sr.raw, "Tess Tutorial")
			})

			// The author shortcut.
			sc := s.shortcut(t, next(), "UOFF")
			r = s.reply(t, sc, 1)
			r.private(t)
			if !strings.Contains(r.raw, "Olga Offset") {
				t.Errorf("shortcut: %s", r.raw)
			}
		})
	}
}

// TestMinimalFakesReplyAnswers: a response_url that takes the reply with
// another success than Slack's own "ok" (204 No Content, an empty body, an
// empty JSON object) got the reply once, and the bot counts it delivered:
// no second copy by another way, no "undelivered" in the trail.
func TestMinimalFakesReplyAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"200 ok", 200, "ok"},
		{"200 empty", 200, ""},
		{"200 {}", 200, "{}"},
		{"204", http.StatusNoContent, ""},
		{"202", http.StatusAccepted, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			people := mfPeople(t)
			a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
			s := newMinSlack(t, `{"type":"hello"}`, nil)
			s.mu.Lock()
			s.replyStatus, s.replyBody = c.status, c.body
			s.mu.Unlock()
			_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
				"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
			ru := s.slash(t, "env-1", "tut@example.com", false)
			s.reply(t, ru, 1)
			// The audit line of the lookup is written once the reply's fate is known.
			eventually(t, "the audit line", func() bool { return strings.Contains(logs.String(), `"msg":"audit"`) })
			// A second command proves the first is wholly done.
			ru2 := s.slash(t, "env-2", "help", false)
			s.reply(t, ru2, 1)
			if n := s.replyCount(ru); n != 1 {
				t.Errorf("%d posts to the response_url, want 1", n)
			}
			s.mu.Lock()
			posts := len(s.posts)
			s.mu.Unlock()
			if posts != 0 {
				t.Errorf("%d chat posts besides the response_url's reply", posts)
			}
			if l := logs.String(); strings.Contains(l, "undelivered") || strings.Contains(l, `"level":"ERROR"`) {
				t.Errorf("the reply was taken as failed:\n%s", l)
			}
		})
	}
}

// TestMinimalFakesWorkspaceShapes: the workspaces list in the shapes its
// schema allows, paged by a links.next that is a URL (as LinkPageModel
// says) or a bare cursor, or not there at all: the lookup answers, naming
// the site by its host whenever the list gave one.
func TestMinimalFakesWorkspaceShapes(t *testing.T) {
	t.Parallel()
	ws := func(id, host string) string {
		return `{"id":"` + id + `","type":"workspaces","attributes":{"name":"Acme","type":"jira-software","hostUrl":` + host + `}}`
	}
	for _, c := range []struct {
		name, answer, host string
	}{
		{"links absent", `{"data":[` + ws(mfCloudA, `"https://acme.atlassian.net"`) + `]}`, "acme.atlassian.net"},
		{"links.next null", `{"data":[` + ws("ari:cloud:jira-software::site/"+mfCloudA, `"https://acme.atlassian.net/"`) + `],"links":{"next":null}}`, "acme.atlassian.net"},
		{"links.next empty", `{"data":[` + ws(mfCloudA, `"acme.atlassian.net"`) + `],"links":{"next":"","self":"x"}}`, "acme.atlassian.net"},
		{"hostUrl null", `{"data":[` + ws(mfCloudA, `null`) + `],"links":{}}`, mfCloudA},
		{"no workspaces", `{"data":[],"links":{}}`, mfCloudA},
		{"not served", ``, mfCloudA},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			people := mfPeople(t)
			a := newMinAtlassian(t, []mfPerson{people[0].p}, c.answer)
			r := runBinary(t, a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "", "lookup", "--json", "tut@example.com")
			mfNoSecrets(t, r.stdout, r.stderr)
			if r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) && !strings.Contains(r.stdout, `"ok":true`) {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.host) {
				t.Errorf("the site is not named %s:\n%s", c.host, r.stdout)
			}
		})
	}
}

// TestMinimalFakesSocketShapes: a Socket Mode server that sends no hello,
// or that asks for a new connection (disconnect, refresh_requested) before
// the command: the bot is ready and answers.
func TestMinimalFakesSocketShapes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, hello string
		refresh     bool
	}{
		{"no hello", "", false},
		{"refresh requested", `{"type":"hello"}`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			people := mfPeople(t)
			a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
			s := newMinSlack(t, c.hello, nil)
			_, base, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
				"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
			eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
			if c.refresh {
				var first *websocket.Conn
				eventually(t, "a connection", func() bool { s.mu.Lock(); defer s.mu.Unlock(); first = s.conn; return first != nil })
				s.writeMu.Lock()
				first.WriteMessage(websocket.TextMessage, []byte(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"wss-1"}}`))
				s.writeMu.Unlock()
				// The connection asked to go is closed by the bot.
				eventually(t, "the old connection closed", func() bool {
					s.mu.Lock()
					defer s.mu.Unlock()
					return slices.Contains(s.closed, first)
				})
			}
			ru := s.slash(t, "env-1", "tut@example.com", true)
			r := s.reply(t, ru, 1)
			r.private(t)
			if !strings.Contains(r.raw, "Tess Tutorial") {
				t.Errorf("reply: %s\n%s", r.raw, logs.String())
			}
		})
	}
}

// TestMinimalFakesAnswersOfTheirOwn: each case of the contract's "its own
// clear reply", as a minimal Atlassian gives it, through lookup --json.
func TestMinimalFakesAnswersOfTheirOwn(t *testing.T) {
	t.Parallel()
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	one := `{"data":{"product_access":[{"id":"` + siteA + `","key":"jira-software","last_active":"` + mfDay(2) + `"}]},"links":{"next":null}}`
	people := []mfPerson{
		{email: "case@example.com", id: "712020:case", name: "Cas Case", pages: []string{one},
			jira: `[{"accountId":"712020:case","accountType":"atlassian","active":true,"displayName":"Cas Case","emailAddress":"CASE@Example.COM"}]`},
		{email: "two@example.com", id: "712020:two", name: "Two A", pages: []string{one},
			jira: `[{"accountId":"712020:two","accountType":"atlassian","active":true,"displayName":"Two A"},{"accountId":"712020:two2","accountType":"atlassian","active":true,"displayName":"Two B"}]`},
		{email: "gone@example.com", id: "712020:gone", name: "Gus Gone", status: 404,
			pages: []string{`{"errors":[{"id":"x","status":"404","code":"ADMIN-404-8","title":"User not found","detail":"No user"}]}`}},
		{email: "susp@example.com", id: "712020:susp", name: "Sue Suspended", adminOnly: true, pages: []string{one},
			search: `{"accountId":"712020:susp","accountType":"atlassian","accountStatus":"suspended","status":"suspended","email":"susp@example.com","name":"Sue Suspended"}`},
		{email: "slow@example.com", id: "712020:slow", name: "Rae Rate", status: 429, pages: []string{`{"code":429,"message":"Rate limit exceeded"}`}},
		{email: "boom@example.com", id: "712020:boom", name: "Bo Boom", status: 500,
			pages: []string{`{"errors":[{"status":"500","code":"ADMIN-500-1","title":"Internal error"}]}`}},
	}
	a := newMinAtlassian(t, people, mfWorkspacesDefault)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	for _, c := range []struct {
		email string
		code  int
		want  []string
	}{
		{"case@example.com", 0, []string{`"account_id": "712020:case"`}},
		{"two@example.com", 1, []string{"Two A", "Two B"}},
		{"gone@example.com", 1, []string{"organisation"}},
		{"susp@example.com", 0, []string{"suspended"}},
		{"slow@example.com", 1, []string{"rate"}},
		{"boom@example.com", 1, []string{"Atlassian"}},
	} {
		t.Run(c.email, func(t *testing.T) {
			r := runBinary(t, a.env(db), "", "lookup", "--json", c.email)
			mfNoSecrets(t, r.stdout, r.stderr)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\n%s\n%s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(strings.ToLower(r.stdout), strings.ToLower(w)) {
					t.Errorf("--json lacks %q:\n%s\n%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
	// Credentials refused: each reply blames its own credential.
	for _, c := range []struct{ env, want string }{
		{"ATLASSIAN_API_KEY=minfakes-wrong-key", "Admin API key was rejected"},
		{"JIRA_API_TOKEN=minfakes-wrong-token", "Jira API token was rejected"},
	} {
		r := runBinary(t, append(a.env(db), c.env), "", "lookup", "--json", "case@example.com")
		if r.code != 1 || !strings.Contains(r.stdout+r.stderr, c.want) {
			t.Errorf("%s: exit %d, want 1 naming %s\n%s\n%s", c.env, r.code, c.want, r.stdout, r.stderr)
		}
	}
}

// TestMinimalFakesOddEnvelopeIDs: Slack's envelope_id is opaque; one that
// holds a NUL, or is long and random, is still a command to answer. Each
// is answered, the lookup audited, and the store not called down: a
// database that refuses such an ID for its dedupe must not stop the audit
// trail of every command after it.
func TestMinimalFakesOddEnvelopeIDs(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, nil)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	env := a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), db)
	cmd, base, logs := serveProcess(t, env)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.3000s", logs.String())
		}
	})
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	long := make([]byte, 1000)
	for i := range long {
		long[i] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[mrand.IntN(62)]
	}
	for _, id := range []string{"env-nul\x00-1", "env-long-" + string(long), "env-plain-3"} {
		ru := s.srv.URL + "/hooks/commands/TMIN/" + fmt.Sprint(len(id))
		s.send(t, id, "slash_commands", false, map[string]string{"team_id": "TMIN", "channel_id": "CMIN",
			"user_id": "UASK", "command": "/lastactive", "text": "tut@example.com", "response_url": ru})
		if r := s.reply(t, ru, 1); !strings.Contains(r.raw, "Tess Tutorial") {
			t.Errorf("envelope %.20q: reply %.300s", id, r.raw)
		}
	}
	stop(t, cmd, logs)
	noErrors(t, logs.String())
	r := runBinary(t, a.env(db), "", "audit", "--json", "tut@example.com")
	if n := strings.Count(r.stdout, "\n"); r.code != 0 || n != 3 {
		t.Errorf("audit of three lookups: exit %d, %d entries\n%s%s\nserve:\n%s", r.code, n, r.stdout, r.stderr, logs.String())
	}
}

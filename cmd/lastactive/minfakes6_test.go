package main

// The minimal fakes of minfakes_test.go on surfaces of the contract the
// other minimal-fake tests did not drive, with the hostile variants a
// held-out probe would try.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestMinimalFakes6DryRunThenRound: `nudge --dry-run` sends nothing, and
// the round after it still asks the person the dry run only named.
func TestMinimalFakes6DryRunThenRound(t *testing.T) {
	t.Parallel()
	org := mf2Org()
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t),
		"LASTACTIVE_NUDGE=on", "LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	r := runBinary(t, env, "", "nudge", "--dry-run")
	mfNoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 || !strings.Contains(r.stdout, "ida@example.com") {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s.mu.Lock()
	posts := len(s.posts)
	s.mu.Unlock()
	if posts != 0 || up.count("conversations.open") != 0 || up.count("chat.update") != 0 {
		t.Errorf("the dry run sent %d posts, %d conversations.open, %d updates", posts, up.count("conversations.open"), up.count("chat.update"))
	}
	r = runBinary(t, env, "", "nudge")
	if r.code != 0 {
		t.Fatalf("round: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s.mu.Lock()
	asked := false
	for _, p := range s.posts {
		asked = asked || strings.Contains(p.Get("blocks"), "nudge_keep") && strings.Contains(p.Get("channel"), "IDA1")
	}
	s.mu.Unlock()
	if !asked {
		t.Errorf("the round after a dry run did not ask Ida:\n%s\n%s", r.stdout, r.stderr)
	}
}

// TestMinimalFakes6DigestPrintOnly: `digest` without --post prints and
// sends nothing; `digest --post` without a channel says which variable is
// missing and fails.
func TestMinimalFakes6DigestPrintOnly(t *testing.T) {
	t.Parallel()
	org := mf2Org()
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	env := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t),
		"LASTACTIVE_DIGEST_CHANNEL=C0DIGEST1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60")
	r := runBinary(t, env, "", "digest")
	if r.code != 0 || !strings.Contains(r.stdout, "Jira Software") {
		t.Errorf("digest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s.mu.Lock()
	posts, methods := len(s.posts), strings.Join(s.methods, " ")
	s.mu.Unlock()
	if posts != 0 || up.count("files.completeUploadExternal") != 0 {
		t.Errorf("digest without --post sent: %s", methods)
	}
	env2 := a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t))
	r = runBinary(t, env2, "", "digest", "--post")
	if r.code == 0 || !strings.Contains(r.stderr, "LASTACTIVE_DIGEST_CHANNEL") {
		t.Errorf("digest --post without a channel: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestMinimalFakes6Mentions: `<@U…>` whose users.info answers oddly
// (no email: the scope is missing; an error; a bot; a rate limit), and the
// author shortcut on a message with no user (a bot's): each gets a reply
// of its own that says what went wrong, and the bot goes on.
func TestMinimalFakes6Mentions(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	// users.info in the odd shapes, answered before the fake's own.
	odd := map[string]string{
		"UNOMAIL": `{"ok":true,"user":{"id":"UNOMAIL","profile":{"real_name":"No Mail"}}}`,
		"UBOT":    `{"ok":true,"user":{"id":"UBOT","is_bot":true,"profile":{"real_name":"Robo"}}}`,
		"USCOPE":  `{"ok":false,"error":"missing_scope","needed":"users:read","provided":"commands"}`,
		"ULIMIT":  `{"ok":false,"error":"ratelimited"}`,
	}
	s := &mfSlack{hello: `{"type":"hello"}`, emails: map[string]string{"UTUT": "tut@example.com"},
		replies: map[string][]string{}, acks: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users.info" {
			r.ParseForm()
			if b, ok := odd[r.Form.Get("user")]; ok {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, b)
				return
			}
		}
		s.serve(w, r)
	}))
	t.Cleanup(func() {
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.srv.Close()
	})
	_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.4000s", logs.String())
		}
	})
	n := 0
	for _, c := range []struct{ text, want string }{
		{"<@UNOMAIL>", "email"},
		{"<@UBOT|robo>", "bot"},
		{"<@USCOPE>", "scope"},
		{"<@ULIMIT>", "rate"},
		{"<@UNOBODY>", "no email"},
		{"<@UTUT> <@UNOMAIL>", "Tess Tutorial"},
	} {
		n++
		ru := s.slash(t, fmt.Sprintf("env-%d", n), c.text, true)
		r := s.reply(t, ru, 1)
		r.private(t)
		if !strings.Contains(strings.ToLower(r.raw), strings.ToLower(c.want)) {
			t.Errorf("%q: the reply lacks %q:\n%s", c.text, c.want, r.raw)
		}
	}
	// The shortcut on a bot's message: no user.
	ru := s.srv.URL + "/hooks/shortcuts/TMIN/bot"
	s.send(t, "env-bot", "interactive", false, map[string]any{
		"type": "message_action", "callback_id": "lastactive_author", "trigger_id": "7.8.9",
		"user":         map[string]string{"id": "UASK"},
		"team":         map[string]string{"id": "TMIN"},
		"channel":      map[string]string{"id": "CMIN"},
		"message":      map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "B0BOT", "ts": "1700000000.000300", "text": "deploy done"},
		"response_url": ru,
	})
	r := s.reply(t, ru, 1)
	r.private(t)
	if !strings.Contains(strings.ToLower(r.raw), "bot") && !strings.Contains(strings.ToLower(r.raw), "person") {
		t.Errorf("shortcut on a bot's message: %s", r.raw)
	}
	// Still serving.
	ru = s.slash(t, "env-after", "tut@example.com", true)
	if r := s.reply(t, ru, 1); !strings.Contains(r.raw, "Tess Tutorial") {
		t.Errorf("after: %s", r.raw)
	}
}

// TestMinimalFakes6ManyEmails: ten emails (one a repeat in capitals)
// answer in one message; of eleven different people the eleventh is named
// as not looked up, and not looked up.
func TestMinimalFakes6ManyEmails(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	var ps []mfPerson
	for _, c := range people {
		ps = append(ps, c.p)
	}
	a := newMinAtlassian(t, ps, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, nil)
	_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.4000s", logs.String())
		}
	})
	var ten []string
	for i := range 10 {
		ten = append(ten, ps[i%len(ps)].email)
	}
	ten[8], ten[9] = "nobody@example.com", "TUT@EXAMPLE.COM"
	ru := s.slash(t, "env-10", strings.Join(ten, " "), true)
	r := mf5Last(t, s, ru)
	r.private(t)
	for _, w := range []string{"Tess Tutorial", "Olga Offset", "not found"} {
		if !strings.Contains(r.raw, w) {
			t.Errorf("ten: the reply lacks %q:\n%s", w, r.raw)
		}
	}
	// Eleven different people (a case-only repeat is one person): the
	// first ten are answered, the eleventh named as not looked up and
	// never asked about upstream.
	eleven := append(ten[:9:9], "x1@example.com", "x2@example.com")
	ru = s.slash(t, "env-11", strings.Join(eleven, ","), true)
	r = mf5Last(t, s, ru)
	r.private(t)
	if !strings.Contains(r.raw, "x2@example.com") || !strings.Contains(r.raw, "10") {
		t.Errorf("eleven: the reply does not name the one past the limit:\n%s", r.raw)
	}
	a.mu.Lock()
	for _, q := range a.requests {
		if strings.Contains(q, "x2%40example.com") {
			t.Errorf("the eleventh was looked up: %s", q)
		}
	}
	a.mu.Unlock()
}

// TestMinimalFakes6CheckJSON: `check --json` with Atlassian only: JSON,
// the Slack checks SKIP, exit 0; with a refused Admin key, a FAIL that
// names the variable, exit 1, no secret.
func TestMinimalFakes6CheckJSON(t *testing.T) {
	t.Parallel()
	a := newMinAtlassian(t, nil, mfWorkspacesDefault)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	r := runBinary(t, a.env(db), "", "check", "--json")
	mfNoSecrets(t, r.stdout, r.stderr)
	var v any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		// JSON lines are fine too.
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
		}
	}
	if r.code != 0 || !strings.Contains(r.stdout, "SKIP") && !strings.Contains(strings.ToLower(r.stdout), "skip") {
		t.Errorf("check --json: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, append(a.env(db), "ATLASSIAN_API_KEY=minfakes-wrong-key"), "", "check", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, "ATLASSIAN_API_KEY") || strings.Contains(r.stdout+r.stderr, "minfakes-wrong-key") {
		t.Errorf("refused key: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestMinimalFakes6BaseURLShapes: the three base URLs as an admin writes
// them: with a trailing slash, without, the Slack one without its final
// slash. Each still reaches the documented paths.
func TestMinimalFakes6BaseURLShapes(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, map[string]string{"UTUT": "tut@example.com"})
	for _, c := range []struct{ name, admin, jira, slack string }{
		{"trailing slashes", a.admin.URL + "/", a.jira.URL + "/", s.apiURL()},
		{"slack without the final slash", a.admin.URL, a.jira.URL, strings.TrimSuffix(s.apiURL(), "/")},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := append(a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "ATLASSIAN_API_URL="+c.admin, "JIRA_BASE_URL="+c.jira,
				"SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+c.slack)
			r := runBinary(t, env, "", "lookup", "--json", "tut@example.com")
			if r.code != 0 || !strings.Contains(r.stdout, "acme.atlassian.net") {
				t.Errorf("lookup: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			r = runBinary(t, env, "", "check")
			if r.code != 0 || strings.Contains(r.stdout, "FAIL") {
				t.Errorf("check: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			_, base, logs := serveProcess(t, env)
			eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
			ru := s.slash(t, "env-"+strings.ReplaceAll(c.name, " ", "-"), "<@UTUT>", true)
			if rep := s.reply(t, ru, 1); !strings.Contains(rep.raw, "Tess Tutorial") {
				t.Errorf("reply: %s\n%s", rep.raw, logs.String())
			}
		})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, q := range a.requests {
		if strings.Contains(q, "//") {
			t.Errorf("a path with an empty segment: %s", q)
		}
	}
}

// TestMinimalFakes6StopWhileWaiting: SIGTERM while a lookup waits on an
// Admin API that never answers, and while an idle report waits on a users
// search that never answers: serve exits 0, and each asker is told
// something rather than left with the "running" notice.
func TestMinimalFakes6StopWhileWaiting(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hang) }) }
	arrived := make(chan string, 8)
	people := []mfPerson{{email: "hang@example.com", id: "712020:hang", name: "Han Hang", pages: []string{mfTutorial}}}
	a := newMinAtlassianWith(t, people, mfWorkspacesDefault, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/last-active-dates") || strings.HasSuffix(r.URL.Path, "/users/search") {
			arrived <- r.URL.Path
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return true
		}
		return false
	})
	t.Cleanup(release) // before the servers close
	up := &mf2Uploads{}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	cmd, base, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_REPORT_USERS=U0ASK1"))
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	ru1 := s.slashAs(t, "env-1", "U0ASK2", "hang@example.com", true)
	ru2 := s.slashAs(t, "env-2", "U0ASK1", "idle", true)
	var seen []string
	eventually(t, "both calls upstream", func() bool {
		select {
		case p := <-arrived:
			seen = append(seen, p)
		default:
		}
		return len(seen) == 2
	})
	done := make(chan error, 1)
	cmd.Process.Signal(syscall.SIGTERM)
	go func() { done <- cmd.Wait() }()
	var err error
	eventually(t, "serve to exit", func() bool {
		select {
		case err = <-done:
			return true
		default:
			return false
		}
	})
	if err != nil {
		t.Errorf("serve: %v\n%s", err, logs.String())
	}
	for _, ru := range []string{ru1, ru2} {
		n := s.replyCount(ru)
		if n == 0 {
			t.Errorf("%s: no reply at all", ru)
			continue
		}
		if r := s.reply(t, ru, n); strings.Contains(r.raw, "running") || strings.Contains(r.raw, "Looking") {
			t.Errorf("%s: the last reply is the progress notice:\n%s", ru, r.raw)
		}
	}
}

// TestMinimalFakes6OddClicks: interactive envelopes a hostile or broken
// client sends: no actions, an unknown action, Refresh and Share with a
// tampered value, a message shortcut with no message, a global shortcut
// (no response_url) under the author callback ID, a view submission. Each
// is acked; none looks anyone up that the buttons did not name, none
// panics, and the bot goes on answering.
func TestMinimalFakes6OddClicks(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p, people[1].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, map[string]string{"UTUT": "tut@example.com"})
	_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.6000s", logs.String())
		}
	})
	ok := s.reply(t, s.slash(t, "env-ok", "tut@example.com", true), 1)
	refresh, share := ok.button(t, "Refresh"), ok.button(t, "Share")
	tamper := func(b map[string]any, email string) map[string]any {
		v := fmt.Sprint(b["value"])
		_, rest, _ := strings.Cut(v, "~")
		c := map[string]any{}
		for k, x := range b {
			c[k] = x
		}
		c["value"] = email + "~" + rest
		return c
	}
	a.mu.Lock()
	before := len(a.requests)
	a.mu.Unlock()
	base := map[string]any{"type": "block_actions", "user": map[string]any{"id": "UASK"}, "team": map[string]any{"id": "TMIN"},
		"channel": map[string]any{"id": "CMIN"}, "trigger_id": "1.2.3"}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	odd := []struct {
		name    string
		payload map[string]any
	}{
		{"no actions", with(map[string]any{"actions": []any{}, "response_url": s.srv.URL + "/hooks/actions/TMIN/o1"})},
		{"null actions", with(map[string]any{"actions": nil, "response_url": s.srv.URL + "/hooks/actions/TMIN/o2"})},
		{"unknown action", with(map[string]any{"actions": []any{map[string]any{"action_id": "drop_tables", "value": "x", "type": "button"}},
			"response_url": s.srv.URL + "/hooks/actions/TMIN/o3"})},
		{"refresh tampered", with(map[string]any{"actions": []any{tamper(refresh, "ts@example.com")}, "response_url": s.srv.URL + "/hooks/actions/TMIN/o4"})},
		{"share tampered", with(map[string]any{"actions": []any{tamper(share, "ts@example.com")}, "response_url": s.srv.URL + "/hooks/actions/TMIN/o5"})},
		{"refresh no value", with(map[string]any{"actions": []any{map[string]any{"action_id": refresh["action_id"], "type": "button"}},
			"response_url": s.srv.URL + "/hooks/actions/TMIN/o6"})},
		{"refresh value not a string", with(map[string]any{"actions": []any{map[string]any{"action_id": refresh["action_id"], "value": 42, "type": "button"}},
			"response_url": s.srv.URL + "/hooks/actions/TMIN/o7"})},
		{"shortcut without message", map[string]any{"type": "message_action", "callback_id": "lastactive_author", "user": map[string]any{"id": "UASK"},
			"channel": map[string]any{"id": "CMIN"}, "team": map[string]any{"id": "TMIN"}, "response_url": s.srv.URL + "/hooks/shortcuts/TMIN/o8"}},
		{"global shortcut", map[string]any{"type": "shortcut", "callback_id": "lastactive_author", "user": map[string]any{"id": "UASK"},
			"team": map[string]any{"id": "TMIN"}, "trigger_id": "1.2.3"}},
		{"view submission", map[string]any{"type": "view_submission", "user": map[string]any{"id": "UASK"}, "team": map[string]any{"id": "TMIN"},
			"view": map[string]any{"id": "V1", "callback_id": "lastactive_author", "state": map[string]any{"values": map[string]any{}}}}},
		{"no user", map[string]any{"type": "block_actions", "actions": []any{refresh}, "response_url": s.srv.URL + "/hooks/actions/TMIN/o9"}},
		{"payload a string", nil},
	}
	for i, c := range odd {
		id := fmt.Sprintf("env-odd-%d", i)
		if c.payload == nil {
			s.send(t, id, "interactive", false, "type=block_actions")
			continue
		}
		s.send(t, id, "interactive", false, c.payload)
	}
	// The bot goes on answering, in order after them.
	after := s.reply(t, s.slash(t, "env-after", "tut@example.com --fresh", true), 1)
	if !strings.Contains(after.raw, "Tess Tutorial") {
		t.Errorf("after: %s", after.raw)
	}
	a.mu.Lock()
	for _, q := range a.requests[before:] {
		if strings.Contains(q, "712020:ts") || strings.Contains(q, "ts%40example.com") {
			t.Errorf("a tampered button looked someone up: %s", q)
		}
	}
	a.mu.Unlock()
	s.mu.Lock()
	for _, p := range s.posts {
		if strings.Contains(p.Encode(), "Tim") {
			t.Errorf("a tampered share posted: %v", p)
		}
	}
	for path, rs := range s.replies {
		for _, r := range rs {
			if strings.Contains(r, "Tim Stamps") {
				t.Errorf("%s: a tampered button answered about Tim: %s", path, r)
			}
		}
	}
	s.mu.Unlock()
	if l := logs.String(); strings.Contains(l, "panic") || strings.Contains(l, "goroutine ") {
		t.Errorf("a panic:\n%s", l)
	}
}

// TestMinimalFakes6CheckOrgAnswers: the org read that proves the key and
// the org ID, answered oddly: refused for this org, unknown org, an HTML
// page, an empty object. check fails with a line naming what to fix, never
// passes them, exits 1; no secret. An answer naming another org ID passes,
// and its ok line names the org that answered, so an admin sees it: the
// spec does not say data.id repeats the path's ID in the same form, and a
// check failing every healthy installation would cost more than the proxy
// it would catch.
func TestMinimalFakes6CheckOrgAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"403", 403, `{"code":403,"message":"Forbidden"}`},
		{"404", 404, `{"errors":[{"status":"404","code":"ADMIN-404-2","title":"Org not found"}]}`},
		{"html", 200, `<html><body>Sign in</body></html>`},
		{"empty object", 200, `{}`},
		{"another org", 200, `{"data":{"id":"org-other-9","type":"orgs","attributes":{"name":"Other"}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/admin/v1/orgs/"+mfOrg {
					return false
				}
				if c.body[0] == '<' {
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
				return true
			})
			r := runBinary(t, a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "", "check")
			mfNoSecrets(t, r.stdout, r.stderr)
			if c.name == "another org" {
				if r.code != 0 || !strings.Contains(r.stdout, "org-other-9") {
					t.Errorf("exit %d, want 0 with the answering org named\n%s\n%s", r.code, r.stdout, r.stderr)
				}
				return
			}
			if r.code != 1 || !strings.Contains(r.stdout, "FAIL") {
				t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

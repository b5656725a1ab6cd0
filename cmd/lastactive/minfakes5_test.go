package main

// The minimal fakes of minfakes_test.go and minfakes2_test.go, driven
// through the Slack-side surfaces the contract lists and the other files
// leave alone: exemptions and the nudge round that honours them, the audit
// trail (the command and the CLI), the allow-lists on every entry point,
// seat prices in another currency, and the idle command's grammar.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mf5Serve is mf2Serve on the database URL db (mfDatabase), the Slack users of
// mf2Members, and env added.
func mf5Serve(t *testing.T, db string, env ...string) (*mfSlack, *mf2Uploads, *mfAtlassian, func() string) {
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
	up := &mf2Uploads{members: mf2Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	_, base, logs := serveProcess(t, a.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken, "SLACK_BOT_TOKEN=" + mfBotToken,
		"SLACK_API_URL=" + s.apiURL(), "LASTACTIVE_DATABASE_URL=" + db,
		"LASTACTIVE_REPORT_USERS=U0ASK1"}, env...)...))
	t.Cleanup(func() { mfNoSecrets(t, logs.String()) })
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	return s, up, a, logs.String
}

// mf5Last waits for a reply to ru that is not the "running" notice of a
// long command, and returns it.
func mf5Last(t *testing.T, s *mfSlack, ru string) mfReply {
	t.Helper()
	var r mfReply
	eventually(t, "the answer at "+ru, func() bool {
		n := s.replyCount(ru)
		if n == 0 {
			return false
		}
		r = s.reply(t, ru, n)
		return !strings.Contains(r.raw, "running")
	})
	return r
}

// mf5Markup fails for a Slack control sequence of the reason in raw: a
// broadcast, a mention or a link the bot did not mean.
func mf5Markup(t *testing.T, what, raw string) {
	t.Helper()
	for _, m := range []string{"<!channel>", "<!here>", "<@U0CAM1>", "<https://evil.example", "*bold*"} {
		if strings.Contains(raw, m) {
			t.Errorf("%s: %q reaches Slack as markup:\n%s", what, m, raw)
		}
	}
}

// TestMinimalFakesExempt: the exempt command by a report user and by
// someone else, product keys as the contract writes them, until dates
// past, today and malformed, a reason full of Slack markup; then a dry-run
// nudge round on the same database skips the exempt person and says why.
func TestMinimalFakesExempt(t *testing.T) {
	t.Parallel()
	db := mfDatabase(t)
	s, _, _, logs := mf5Serve(t, db)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs())
		}
	})
	n := 0
	cmd := func(user, text string) mfReply {
		t.Helper()
		n++
		r := mf5Last(t, s, s.slashAs(t, fmt.Sprintf("env-%d", n), user, text, true))
		r.private(t)
		return r
	}
	today := time.Now().UTC().Format(time.DateOnly)
	// Slack sends what the user typed with & < > as entities, and a
	// mention, a broadcast or a link as its control sequence.
	markup := "*bold* <!channel> &lt;!here&gt; <@U0CAM1> <https://evil.example/x|click here>"
	for _, c := range []struct{ user, text, want string }{
		{"U0OTHER1", "exempt ida@example.com jira on leave", "not allowed"},
		{"U0OTHER1", "exempt list", "not allowed"},
		{"U0OTHER1", "exempt remove ida@example.com jira", "not allowed"},
		{"U0ASK1", "exempt ida@example.com jira until 2020-01-01 on leave", "passed"},
		{"U0ASK1", "exempt ida@example.com jira until 2027-13-01 on leave", "not a date"},
		{"U0ASK1", "exempt ida@example.com jira until tomorrow on leave", "not a date"},
		{"U0ASK1", "exempt ida@example.com jira", "why"},
		{"U0ASK1", "exempt ida@example.com jira until 2099-01-01 until 2099-02-02 on leave", "until twice"},
		{"U0ASK1", "exempt ida@example.com jiraa on leave", "not a product"},
		{"U0ASK1", "exempt ida@example.com jira jira-software confluence until " + today + " " + markup, "Jira Software, Confluence"},
		{"U0ASK1", "exempt cmp@example.com jira-software on leave until 2099-01-31", "2099-01-31"},
		{"U0ASK1", "exempt remove cmp@example.com jira", "nudged again"},
		{"U0ASK1", "exempt remove cmp@example.com jira", "no exemption"},
	} {
		r := cmd(c.user, c.text)
		if !strings.Contains(strings.ToLower(r.raw), strings.ToLower(c.want)) {
			t.Errorf("%s %q: the reply lacks %q:\n%s", c.user, c.text, c.want, r.raw)
		}
		mf5Markup(t, c.text, r.raw)
	}
	r := cmd("U0ASK1", "exempt list")
	if !strings.Contains(r.raw, "ida@example.com") || strings.Contains(r.raw, "cmp@example.com") ||
		strings.Count(r.raw, "ida@example.com") < 2 {
		t.Errorf("exempt list: want ida for two products, not cmp:\n%s", r.raw)
	}
	mf5Markup(t, "exempt list", r.raw)
	// The audit trail keeps the reason: its reply must not render it either.
	r = cmd("U0ASK1", "audit ida@example.com")
	if !strings.Contains(r.raw, "bold") {
		t.Errorf("the audit reply does not show the exemption's reason:\n%s", r.raw)
	}
	mf5Markup(t, "audit", r.raw)

	// A dry-run round on the same database: ida is skipped as exempt.
	org := mf2Org()
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members}
	s2 := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	out := runBinary(t, a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s2.apiURL(),
		"LASTACTIVE_DATABASE_URL="+db, "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_REPORT_USERS=U0ASK1",
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"), "", "nudge", "--dry-run")
	mfNoSecrets(t, out.stdout, out.stderr)
	if out.code != 0 {
		t.Fatalf("nudge --dry-run: exit %d\n%s\n%s", out.code, out.stdout, out.stderr)
	}
	var idaLines []string
	for l := range strings.SplitSeq(out.stdout, "\n") {
		if strings.Contains(l, "ida@example.com") {
			idaLines = append(idaLines, l)
		}
	}
	if len(idaLines) == 0 || !strings.Contains(strings.ToLower(strings.Join(idaLines, "\n")), "exempt") {
		t.Errorf("the dry run does not say ida is skipped as exempt:\n%s", out.stdout)
	}
	for _, l := range idaLines {
		if strings.Contains(l, "would ask") || strings.Contains(l, "would nudge") {
			t.Errorf("the dry run would nudge the exempt ida: %s", l)
		}
	}
	if !strings.Contains(out.stdout, "cmp@example.com") {
		t.Errorf("the dry run does not name cmp (not exempt any more):\n%s", out.stdout)
	}
	s2.mu.Lock()
	posts := len(s2.posts)
	s2.mu.Unlock()
	if posts != 0 {
		t.Errorf("a dry run posted %d messages", posts)
	}
	noErrors(t, logs())
	t.Logf("dry run:\n%s", out.stdout)
}

// TestMinimalFakesCompositeStatusOnly: an account the users search gives
// with the composite status alone (every field of MultiDirectoryUser is
// optional). The report counted Cam's Confluence seat idle, but the nudge
// round, which reads the account again by ID, took Cam for an account
// that holds no seat and skipped him; a lookup found by the exact-email
// search did not say that a suspended account was suspended.
func TestMinimalFakesCompositeStatusOnly(t *testing.T) {
	t.Parallel()
	org := mf2Org()
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	out := runBinary(t, a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(),
		"LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_NUDGE=dry-run",
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"), "", "nudge", "--dry-run")
	mfNoSecrets(t, out.stdout, out.stderr)
	if out.code != 0 {
		t.Fatalf("nudge --dry-run: exit %d\n%s\n%s", out.code, out.stdout, out.stderr)
	}
	asks, _, _ := strings.Cut(out.stdout, "Skipped")
	if !strings.Contains(asks, "cmp@example.com") {
		t.Errorf("the round would not ask Cam (status active) about his idle Confluence seat:\n%s", out.stdout)
	}

	susp := mfPerson{email: "sus@example.com", id: "712020:sus", name: "Sal Sloane", adminOnly: true,
		pages:  []string{`{"data":{"product_access":[]},"links":{}}`},
		search: `{"accountId":"712020:sus","email":"sus@example.com","name":"Sal Sloane","status":"suspended"}`}
	a2 := newMinAtlassian(t, []mfPerson{susp}, mfWorkspacesDefault)
	r := runBinary(t, a2.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "", "lookup", "--json", susp.email)
	mfNoSecrets(t, r.stdout, r.stderr)
	if !strings.Contains(strings.ToLower(r.stdout), "suspended") {
		t.Errorf("the lookup does not say the account is suspended: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// mf5Click is a block_actions click on button by user in channel.
func mf5Click(t *testing.T, s *mfSlack, id, user, channel string, button map[string]any) string {
	t.Helper()
	ru := s.srv.URL + "/hooks/actions/TMIN/" + id
	s.send(t, id, "interactive", false, map[string]any{
		"type": "block_actions", "api_app_id": "A0MIN", "token": "verification-token-unused", "trigger_id": "4.5.6",
		"user":         map[string]string{"id": user, "username": "u", "name": "u", "team_id": "TMIN"},
		"team":         map[string]string{"id": "TMIN", "domain": "acme"},
		"channel":      map[string]string{"id": channel, "name": "c"},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000200", "channel_id": channel, "is_ephemeral": true},
		"response_url": ru,
		"actions": []map[string]any{{"type": "button", "action_id": button["action_id"], "block_id": "b1",
			"value": button["value"], "text": button["text"], "action_ts": "1700000001.000001"}},
	})
	return ru
}

// mf5Slash is a slash command by user in channel.
func mf5Slash(t *testing.T, s *mfSlack, id, user, channel, text string) string {
	t.Helper()
	ru := s.srv.URL + "/hooks/commands/TMIN/" + id
	s.send(t, id, "slash_commands", true, map[string]string{
		"token": "verification-token-unused", "team_id": "TMIN", "team_domain": "acme", "channel_id": channel,
		"channel_name": "c", "user_id": user, "user_name": "u", "command": "/lastactive", "text": text,
		"api_app_id": "A0MIN", "is_enterprise_install": "false", "response_url": ru, "trigger_id": "1.2.3",
	})
	return ru
}

// TestMinimalFakesAllowLists: a user outside LASTACTIVE_ALLOWED_USERS (a
// report user besides), and an allowed one in a channel outside
// LASTACTIVE_ALLOWED_CHANNELS, on every entry point: each is told they are
// not allowed, and nothing is looked up at Atlassian or in Slack.
func TestMinimalFakesAllowLists(t *testing.T) {
	t.Parallel()
	s, up, a, logs := mf5Serve(t, mfDatabase(t),
		"LASTACTIVE_ALLOWED_USERS=U0ASK1", "LASTACTIVE_ALLOWED_CHANNELS=CMIN", "LASTACTIVE_REPORT_USERS=U0ASK1,U0OUT1",
		"LASTACTIVE_SEAT_PRICES=jira=8.60")
	// An allowed lookup gives the buttons to click.
	ok := mf5Last(t, s, mf5Slash(t, s, "env-ok", "U0ASK1", "CMIN", "ida@example.com"))
	if !strings.Contains(ok.raw, "Ida Idle") {
		t.Fatalf("the allowed lookup: %s", ok.raw)
	}
	share, refresh := ok.button(t, "Share"), ok.button(t, "Refresh")
	upstream := func() int {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.requests)
	}
	slackCalls := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		n := 0
		for _, m := range s.methods {
			if m != "apps.connections.open" && m != "auth.test" {
				n++
			}
		}
		return n
	}
	before, beforeSlack := upstream(), slackCalls()
	n := 0
	refused := func(what, ru string) {
		t.Helper()
		r := mf5Last(t, s, ru)
		r.private(t)
		if !strings.Contains(r.raw, "not allowed") {
			t.Errorf("%s: not told they are not allowed:\n%s", what, r.raw)
		}
		if strings.Contains(r.raw, "Ida Idle") || strings.Contains(r.raw, "acme.atlassian.net") {
			t.Errorf("%s: the refusal shows data:\n%s", what, r.raw)
		}
	}
	for _, c := range []struct{ user, channel string }{{"U0OUT1", "CMIN"}, {"U0ASK1", "COTHER"}} {
		for _, text := range []string{"ida@example.com", "<@U0IDA1>", "idle", "idle 30 jira", "digest",
			"exempt ida@example.com jira on leave", "exempt list", "audit ida@example.com"} {
			n++
			refused(c.user+" in "+c.channel+": "+text, mf5Slash(t, s, fmt.Sprintf("env-%d", n), c.user, c.channel, text))
		}
		for _, b := range []map[string]any{share, refresh} {
			n++
			refused(fmt.Sprintf("%s in %s: %v", c.user, c.channel, b["action_id"]), mf5Click(t, s, fmt.Sprintf("env-%d", n), c.user, c.channel, b))
		}
		n++
		id := fmt.Sprintf("env-%d", n)
		ru := s.srv.URL + "/hooks/shortcuts/TMIN/" + id
		s.send(t, id, "interactive", false, map[string]any{
			"type": "message_action", "callback_id": "lastactive_author", "token": "x", "trigger_id": "7.8.9",
			"action_ts": "1700000002.000001", "message_ts": "1700000000.000300",
			"user": map[string]string{"id": c.user}, "team": map[string]string{"id": "TMIN"},
			"channel": map[string]string{"id": c.channel}, "response_url": ru,
			"message": map[string]string{"type": "message", "user": "U0IDA1", "ts": "1700000000.000300", "text": "hi"},
		})
		refused(c.user+" in "+c.channel+": shortcut", ru)
	}
	if got := upstream(); got != before {
		a.mu.Lock()
		t.Errorf("%d Atlassian requests for refused users: %q", got-before, a.requests[before:])
		a.mu.Unlock()
	}
	if got := slackCalls(); got != beforeSlack {
		s.mu.Lock()
		t.Errorf("%d Slack calls for refused users: %q", got-beforeSlack, s.methods)
		s.mu.Unlock()
	}
	s.mu.Lock()
	posts := len(s.posts)
	s.mu.Unlock()
	if posts != 0 || up.count("conversations.open") != 0 {
		t.Errorf("posted %d messages, opened %d conversations for refused users", posts, up.count("conversations.open"))
	}
	// App Home: the refused report user sees no seat summary.
	s.send(t, "env-home", "events_api", false, map[string]any{"token": "x", "team_id": "TMIN", "api_app_id": "A0MIN",
		"type": "event_callback", "event_id": "EvH1", "event_time": 1700000000,
		"event": map[string]any{"type": "app_home_opened", "user": "U0OUT1", "tab": "home", "channel": "D0OUT1"}})
	eventually(t, "the Home of U0OUT1", func() bool { return up.count("views.publish") > 0 })
	up.mu.Lock()
	view := up.published[0].Get("body") + up.published[0].Get("form")
	up.mu.Unlock()
	if strings.Contains(view, "Jira Software") || strings.Contains(view, "acme.atlassian.net") || strings.Contains(view, "USD") {
		t.Errorf("a user outside the allow-list sees the seat summary:\n%s", view)
	}
	if got := upstream(); got != before {
		t.Errorf("%d Atlassian requests for the refused Home", got-before)
	}
	noErrors(t, logs())
}

// TestMinimalFakesAudit: after a lookup, a share and a refused report, the
// audit command (by a report user, and refused to someone else) and
// `lastactive audit` with --since as a user types it, --json and an EMAIL:
// who, whom, what, when and the outcome of each, newest first.
func TestMinimalFakesAudit(t *testing.T) {
	t.Parallel()
	db := mfDatabase(t)
	s, _, a, logs := mf5Serve(t, db)
	r := mf5Last(t, s, s.slashAs(t, "env-1", "U0ASK1", "ida@example.com", true))
	mf5Click(t, s, "env-2", "U0ASK1", "CMIN", r.button(t, "Share"))
	eventually(t, "the share", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.posts) > 0 || len(s.replies["/hooks/actions/TMIN/env-2"]) > 0
	})
	mf5Last(t, s, s.slashAs(t, "env-3", "U0OTHER1", "idle", true))
	mf5Last(t, s, s.slashAs(t, "env-4", "U0ASK1", "cmp@example.com", true))

	r = mf5Last(t, s, s.slashAs(t, "env-5", "U0OTHER1", "audit ida@example.com", true))
	if !strings.Contains(r.raw, "not allowed") || strings.Contains(r.raw, "U0ASK1") {
		t.Errorf("audit by someone else:\n%s", r.raw)
	}
	r = mf5Last(t, s, s.slashAs(t, "env-6", "U0ASK1", "audit ida@example.com", true))
	r.private(t)
	for _, w := range []string{"U0ASK1", "ida@example.com"} {
		if !strings.Contains(r.raw, w) {
			t.Errorf("audit reply lacks %q:\n%s", w, r.raw)
		}
	}
	if strings.Contains(r.raw, "cmp@example.com") {
		t.Errorf("audit of ida shows cmp:\n%s", r.raw)
	}
	t.Logf("audit reply: %s", r.Text)

	env := a.env("LASTACTIVE_DATABASE_URL=" + db)
	all := runBinary(t, env, "", "audit")
	if all.code != 0 {
		t.Fatalf("audit: exit %d\n%s\n%s", all.code, all.stdout, all.stderr)
	}
	t.Logf("audit:\n%s", all.stdout)
	for _, w := range []string{"U0ASK1", "U0OTHER1", "ida@example.com", "cmp@example.com", "refused"} {
		if !strings.Contains(all.stdout, w) {
			t.Errorf("audit lacks %q:\n%s", w, all.stdout)
		}
	}
	if i, j := strings.Index(all.stdout, "cmp@example.com"), strings.Index(all.stdout, "ida@example.com 712020:ida"); i < 0 || j < 0 || i > j {
		t.Errorf("not newest first (the cmp lookup came last):\n%s", all.stdout)
	}
	for _, since := range []string{"7d", "168h", "90d", "30m"} {
		r := runBinary(t, env, "", "audit", "--since", since)
		if r.code != 0 || !strings.Contains(r.stdout, "cmp@example.com") {
			t.Errorf("--since %s: exit %d\n%s\n%s", since, r.code, r.stdout, r.stderr)
		}
	}
	for _, since := range []string{"7x", "-1d", "1.5d", "seven days", "0"} {
		r := runBinary(t, env, "", "audit", "--since", since)
		if r.code != 2 || !strings.Contains(r.stderr, "--since") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 3 {
			t.Errorf("--since %q: exit %d, want 2 with a clear line\n%s\n%s", since, r.code, r.stdout, r.stderr)
		}
	}
	j := runBinary(t, env, "", "audit", "--json", "--since", "7d", "ida@example.com")
	if j.code != 0 {
		t.Fatalf("--json: exit %d\n%s", j.code, j.stderr)
	}
	lines := strings.Split(strings.TrimSpace(j.stdout), "\n")
	if len(lines) < 2 {
		t.Errorf("--json ida: want the lookup and the share at least:\n%s", j.stdout)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") || strings.Contains(l, "cmp@example.com") {
			t.Errorf("--json line: %s", l)
		}
	}
	t.Logf("json:\n%s", j.stdout)
	noErrors(t, logs())
}

// TestMinimalFakesIdleGrammarAndPrices: the idle command's forms with
// LASTACTIVE_SEAT_PRICES keyed by the alias jira and LASTACTIVE_CURRENCY
// EUR: each a clear reply, the costs in euros in the report, the digest
// and App Home, the CSV sent to the asker's direct messages; a currency
// that is not a code stops the binary naming the variable. (App Home
// shows no costs.)
func TestMinimalFakesIdleGrammarAndPrices(t *testing.T) {
	t.Parallel()
	s, up, _, logs := mf5Serve(t, mfDatabase(t),
		"LASTACTIVE_SEAT_PRICES=jira=8.60,confluence=6.05", "LASTACTIVE_CURRENCY=EUR")
	n := 0
	cmd := func(text string) mfReply {
		t.Helper()
		n++
		r := mf5Last(t, s, s.slashAs(t, fmt.Sprintf("env-%d", n), "U0ASK1", text, true))
		r.private(t)
		if strings.Contains(r.raw, "USD") {
			t.Errorf("%q: a cost in USD:\n%s", text, r.raw)
		}
		return r
	}
	for _, c := range []struct{ text, want, not string }{
		{"idle 30 confluence", "EUR", "Jira Software"},
		{"idle confluence", "EUR", "Jira Software"},
		{"idle jira", "EUR 8.60", "Confluence on"},
		{"idle", "EUR", ""},
		{"idle 0", "between 1 and", ""},
		{"idle -5", "idle", ""},
		{"idle 100000", "between 1 and", ""},
		{"idle jiraa", "neither", ""},
		{"idle 30 30", "", ""},
	} {
		r := cmd(c.text)
		if !strings.Contains(r.raw, c.want) || c.not != "" && strings.Contains(r.raw, c.not) {
			t.Errorf("%q: want %q and not %q:\n%s", c.text, c.want, c.not, r.raw)
		}
	}
	eventually(t, "the CSVs", func() bool { return up.count("files.completeUploadExternal") >= 4 })
	up.mu.Lock()
	for _, u := range up.opened {
		if u != "U0ASK1" {
			t.Errorf("conversations.open for %q", u)
		}
	}
	for _, c := range up.completed {
		if c.Get("channel_id") != "D0ASK1" {
			t.Errorf("a CSV completed in %q", c.Get("channel_id"))
		}
	}
	up.mu.Unlock()

	d := cmd("digest")
	if !strings.Contains(d.raw, "EUR") {
		t.Errorf("the digest has no cost in EUR:\n%s", d.raw)
	}
	s.send(t, "env-home", "events_api", false, map[string]any{"token": "x", "team_id": "TMIN", "api_app_id": "A0MIN",
		"type": "event_callback", "event_id": "EvH1", "event_time": 1700000000,
		"event": map[string]any{"type": "app_home_opened", "user": "U0ASK1", "tab": "home", "channel": "D0ASK1"}})
	eventually(t, "the Home", func() bool { return up.count("views.publish") > 0 })
	up.mu.Lock()
	view := up.published[0].Get("body") + up.published[0].Get("form")
	up.mu.Unlock()
	// The Home shows no cost line (the contract lists none for it); any it
	// grows must be in the configured currency.
	if strings.Contains(view, "USD") || !strings.Contains(view, "Jira Software") {
		t.Errorf("the Home's summary:\n%s", view)
	}
	noErrors(t, logs())

	for _, cur := range []string{"euro", "US$", "€"} {
		r := runBinary(t, []string{"PATH=/usr/bin", "LASTACTIVE_CURRENCY=" + cur, "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db")},
			"", "demo", "idle")
		if r.code != 2 || !strings.Contains(r.stderr, "LASTACTIVE_CURRENCY") {
			t.Errorf("currency %q: exit %d\n%s\n%s", cur, r.code, r.stdout, r.stderr)
		}
	}
}

// TestMinimalFakesStatusBeingDeleted: the exact-email search gives an
// account with the composite status alone, one the report counts as
// holding no seat ("for_deletion": a managed account being deleted, which
// Atlassian deactivates at once). The lookup said nothing of it and called
// its seat idle, so an agent saw an idle seat the report did not count,
// and was not told the account was going.
func TestMinimalFakesStatusBeingDeleted(t *testing.T) {
	t.Parallel()
	// for_deletion: a managed account being deleted; not_invited: an
	// account in the directory with no membership of the organisation.
	// The report counts no seat for either (OrgUser.HoldsSeat).
	for _, st := range []string{"for_deletion", "not_invited"} {
		t.Run(st, func(t *testing.T) {
			t.Parallel()
			p := mfPerson{email: "del@example.com", id: "712020:del", name: "Dee Leeted", adminOnly: true,
				pages: []string{`{"data":{"product_access":[{"id":"ari:cloud:confluence::site/` + mfCloudA +
					`","key":"confluence","last_active":"2024-01-02"}]},"links":{}}`},
				search: `{"accountId":"712020:del","email":"del@example.com","name":"Dee Leeted","status":"` + st + `"}`}
			a := newMinAtlassian(t, []mfPerson{p}, mfWorkspacesDefault)
			r := runBinary(t, a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "", "lookup", "--json", p.email)
			mfNoSecrets(t, r.stdout, r.stderr)
			var out []struct {
				Status   string `json:"account_status"`
				Products []struct {
					Verdict string `json:"verdict"`
				} `json:"products"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 1 || len(out[0].Products) != 1 {
				t.Fatalf("status %s: lookup --json: exit %d, %v\n%s\n%s", st, r.code, err, r.stdout, r.stderr)
			}
			if out[0].Status == "" || out[0].Status == "active" || out[0].Products[0].Verdict == "idle" {
				t.Errorf("status %s: the lookup says account_status %q, verdict %q; the report counts no seat for it:\n%s",
					st, out[0].Status, out[0].Products[0].Verdict, r.stdout)
			}
		})
	}
}

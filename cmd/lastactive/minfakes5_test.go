package main

// The minimal fakes of minfakes_test.go and minfakes2_test.go, driven
// through the Slack-side surfaces the contract lists and the other files
// leave alone: exemptions and the nudge round that honours them, the audit
// trail (the command and the CLI), the allow-lists on every entry point,
// seat prices in another currency, and the idle command's grammar.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mf5Serve is mf2Serve on the database at db, the Slack users of
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
		"SLACK_API_URL=" + s.apiURL(), "LASTACTIVE_DATABASE_URL=sqlite:" + db,
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
	db := filepath.Join(t.TempDir(), "la.db")
	s, _, _, logs := mf5Serve(t, db)
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

	// A dry-run round on the same database: ida is skipped as exempt.
	org := mf2Org()
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, "")}, org))
	up := &mf2Uploads{members: mf2Members}
	s2 := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	out := runBinary(t, a.env("SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s2.apiURL(),
		"LASTACTIVE_DATABASE_URL=sqlite:"+db, "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_REPORT_USERS=U0ASK1",
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
		"LASTACTIVE_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "la.db"), "LASTACTIVE_NUDGE=dry-run",
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
	r := runBinary(t, a2.env("LASTACTIVE_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "la.db")), "", "lookup", "--json", susp.email)
	mfNoSecrets(t, r.stdout, r.stderr)
	if !strings.Contains(strings.ToLower(r.stdout), "suspended") {
		t.Errorf("the lookup does not say the account is suspended: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

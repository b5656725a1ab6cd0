package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestMalformedDatabaseURLStopsAtStart: a PostgreSQL URL that cannot be
// parsed (a bad sslmode, a port out of range, a pool parameter that is not
// a number) is as malformed as a mysql:// one: the program stops at start
// with one line naming LASTACTIVE_DATABASE_URL and exit code 2, without the
// password. Before, only the URL's outline was checked: serve started and
// ran without its store for good (the audit trail going to the log only),
// retrying the same URL every 30 s, and migrate failed with exit 1 naming
// no variable.
func TestMalformedDatabaseURLStopsAtStart(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, c := range []struct {
		name, url string
		args      []string
	}{
		{"bad sslmode, serve", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus", []string{"serve"}},
		{"bad sslmode, migrate", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus", []string{"migrate"}},
		{"port out of range", "postgres://u:pw-acc4-secret@127.0.0.1:99999/db", []string{"migrate"}},
		{"connect_timeout not a number", "postgresql://u:pw-acc4-secret@127.0.0.1:1/db?connect_timeout=soon", []string{"audit"}},
		{"pool size not a number", "postgres://u:pw-acc4-secret@127.0.0.1:1/db?pool_max_conns=lots", []string{"lookup", "ada@example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+c.url), "", c.args...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "LASTACTIVE_DATABASE_URL") {
				t.Errorf("stderr does not name the variable: %q", r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("want one line, got %d: %q", n+1, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "pw-acc4-secret") {
				t.Error("the database password was echoed")
			}
		})
	}
	// check prints it as its configuration line, FAIL, as for any variable.
	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL=postgres://u:pw-acc4-secret@127.0.0.1:1/db?sslmode=bogus"), "", "check")
	if r.code != 1 || !strings.HasPrefix(r.stdout, "FAIL  configuration: LASTACTIVE_DATABASE_URL") || strings.Contains(r.stdout+r.stderr, "pw-acc4-secret") {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A URL that parses still starts: the database is checked when opened.
	dir := t.TempDir()
	if r := runBinary(t, []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(dir, "la.db")}, "", "migrate"); r.code != 0 {
		t.Errorf("migrate on SQLite: %d %q", r.code, r.stderr)
	}
}

// acc4Buttons maps the action IDs of the buttons in blocks to the buttons.
func acc4Buttons(t *testing.T, raw json.RawMessage) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["action_id"].(string); ok && x["type"] == "button" {
				out[id] = x
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(v)
	return out
}

// TestContractThroughTheServedBinary drives `lastactive serve` as the
// contract's slash command table, buttons, shortcut and App Home describe
// them, and checks each reply's shape: ephemeral JSON with blocks and a
// text fallback, readable product names, verdicts, site hosts (never a
// bare cloud ID), Slack date tokens, "Data as of", the 24-hour lag note and
// the join date; and the upstream calls as listed.
func TestContractThroughTheServedBinary(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", RealName: "Grace Hopper", Email: "grace@example.com"})
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_REPORT_USERS=U0REPORT1", "LASTACTIVE_ALLOWED_USERS=U0REPORT1,U1", "LASTACTIVE_ALLOWED_CHANNELS=C1"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ada, _ := f.org.Lookup("ada@example.com")
	adminLink := "https://admin.atlassian.com/o/" + f.org.ID + "/users/" + ada.AccountID
	date := func(u atlassiantest.User, key string) string {
		for _, p := range u.Products {
			if p.Key == key {
				return fmt.Sprintf("<!date^%d^{date_short_pretty}|%s>", p.LastActive.Unix(), p.LastActive.UTC().Format(time.DateOnly))
			}
		}
		t.Fatalf("%s has no %s", u.Email, key)
		return ""
	}
	lookupShape := []string{"Data as of <!date^", "lag by up to 24 hours"}
	for _, c := range []struct {
		user, text string
		blocks     []string // in the blocks
		text2      []string // in the plain text fallback
		notBlocks  []string
	}{
		{"U1", "ada@example.com", append([]string{"Jira Software*: " + date(ada, "jira-software"), "· active", "Jira Service Management*: never used",
			"Compass", atlassiantest.HostMain, "Added to the org on <!date^", adminLink}, lookupShape...),
			[]string{"ada@example.com", "Jira Software active (" + ada.Products[0].LastActive.UTC().Format(time.DateOnly) + ")"}, []string{"jira-software", atlassiantest.SiteMain}},
		{"U1", "grace@example.com --fresh", append([]string{"· idle"}, lookupShape...), []string{"idle"}, nil},
		{"U1", "<mailto:ada@example.com|ada@example.com>", lookupShape, []string{"ada@example.com"}, nil},
		{"U1", "<@U0GRACE|grace>", []string{"Grace Hopper", "grace@example.com"}, []string{"grace@example.com"}, nil},
		{"U1", "<@U0GRACE>", []string{"Grace Hopper"}, []string{"grace@example.com"}, nil},
		{"U1", "hedy@example.com", []string{atlassiantest.HostSecond}, []string{"hedy@example.com"}, nil},
		{"U1", "margaret@example.com", []string{"No recorded activity in any product"}, []string{"no recorded activity"}, nil},
		{"U1", "dennis@example.com", lookupShape, nil, []string{"Added to the org"}},
		{"U1", "ken@example.com", []string{"deactivated"}, []string{"deactivated"}, []string{"· idle"}},
		{"U1", "sam@example.com", []string{"Sam Rivera", "Sam Rivera (contractor)"}, []string{"Several Atlassian accounts"}, nil},
		{"U1", "nobody@example.com", []string{"not found"}, []string{"not found"}, nil},
		{"U1", "ada@example.com grace@example.com", []string{"Ada Lovelace", "Grace Hopper"}, []string{"2 people"}, nil},
		{"U1", "help", []string{"/lastactive ada@example.com"}, []string{"How to use"}, nil},
		{"U1", "", []string{"/lastactive ada@example.com"}, []string{"How to use"}, nil},
		{"U1", "frobnicate", []string{"not an email address"}, []string{"not an email address"}, nil},
		{"U1", "idle", nil, []string{"not allowed"}, nil},
		{"U0STRANGER", "ada@example.com", nil, []string{"not allowed"}, []string{"Ada Lovelace"}},
		{"U0REPORT1", "audit ada@example.com", []string{"looked up"}, []string{"Audit trail for ada@example.com"}, nil},
		{"U0REPORT1", "exempt list", nil, []string{"exempt"}, nil},
	} {
		t.Run(c.user+" "+c.text, func(t *testing.T) {
			r := ask(t, f.slack, c.user, c.text, 1)[0]
			if r.ResponseType != "ephemeral" || r.Text == "" || len(r.Blocks) == 0 {
				t.Fatalf("reply: type %q, text %q, %d bytes of blocks; want ephemeral with both", r.ResponseType, r.Text, len(r.Blocks))
			}
			var blocks string
			{
				var v []map[string]any
				if err := json.Unmarshal(r.Blocks, &v); err != nil {
					t.Fatalf("blocks are not a list: %v", err)
				}
				blocks = string(r.Blocks)
			}
			for _, w := range c.blocks {
				if !strings.Contains(blocks, jsonText(w)) {
					t.Errorf("blocks lack %q:\n%s", w, blocks)
				}
			}
			for _, w := range c.text2 {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			for _, w := range c.notBlocks {
				if strings.Contains(blocks, jsonText(w)) {
					t.Errorf("blocks hold %q:\n%s", w, blocks)
				}
			}
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Run("buttons", func(t *testing.T) {
		r := ask(t, f.slack, "U1", "ada@example.com", 1)[0]
		bs := acc4Buttons(t, r.Blocks)
		if u, _ := bs["lastactive_admin"]["url"].(string); u != adminLink {
			t.Errorf("Admin link button URL = %q, want %q", u, adminLink)
		}
		for _, c := range []struct {
			id, wantType string
			replace      bool
			want         string
		}{
			{"lastactive_share", "in_channel", false, "Shared by <@U1>"},
			{"lastactive_refresh", "ephemeral", true, "Ada Lovelace"},
		} {
			val, _ := bs[c.id]["value"].(string)
			if val == "" {
				t.Fatalf("no %s button", c.id)
			}
			env, err := f.slack.BlockAction(ctx, slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: c.id, Value: val})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := f.slack.WaitReplies(ctx, env.ID, 1)
			if err != nil {
				t.Fatalf("%s: %v", c.id, err)
			}
			if rs[0].ResponseType != c.wantType || rs[0].ReplaceOriginal != c.replace || !strings.Contains(string(rs[0].Blocks), jsonText(c.want)) {
				t.Errorf("%s: type %q replace %v, blocks:\n%s", c.id, rs[0].ResponseType, rs[0].ReplaceOriginal, rs[0].Blocks)
			}
		}
		// A click from someone outside the allow-list is refused.
		val, _ := bs["lastactive_share"]["value"].(string)
		env, err := f.slack.BlockAction(ctx, slacktest.Action{UserID: "U0STRANGER", ChannelID: "C1", ActionID: "lastactive_share", Value: val})
		if err != nil {
			t.Fatal(err)
		}
		if rs, err := f.slack.WaitReplies(ctx, env.ID, 1); err != nil || rs[0].ResponseType == "in_channel" || !strings.Contains(rs[0].Text, "not allowed") {
			t.Errorf("a stranger's Share: %v %+v", err, rs)
		}
	})
	t.Run("shortcut", func(t *testing.T) {
		env, err := f.slack.MessageShortcut(ctx, slacktest.Shortcut{UserID: "U1", ChannelID: "C1", CallbackID: "lastactive_author", MessageUserID: "U0GRACE", MessageText: "hello"})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := f.slack.WaitReplies(ctx, env.ID, 1)
		if err != nil || rs[0].ResponseType != "ephemeral" || !strings.Contains(string(rs[0].Blocks), "Grace Hopper") {
			t.Errorf("shortcut: %v %+v", err, rs)
		}
	})
	t.Run("app home", func(t *testing.T) {
		for _, c := range []struct{ user, want string }{{"U0REPORT1", "Seats at a glance"}, {"U1", "/lastactive ada@example.com"}} {
			if _, err := f.slack.AppHomeOpened(ctx, c.user); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the Home tab of "+c.user, func() bool { return len(f.slack.HomeViews(c.user)) > 0 })
			v := f.slack.HomeViews(c.user)
			if got := string(v[len(v)-1].View); !strings.Contains(got, c.want) {
				t.Errorf("Home of %s lacks %q:\n%s", c.user, c.want, got)
			}
		}
		if v := f.slack.HomeViews("U1"); strings.Contains(string(v[len(v)-1].View), "Seats at a glance") {
			t.Error("a user who is not a report user sees the seat summary")
		}
	})

	// Upstream calls as listed: Jira with Basic auth and Accept JSON, the
	// Admin API with Bearer, last-active pages followed as ?cursor=.
	var cursor bool
	for _, r := range f.atl.Requests() {
		switch {
		case r.API == "jira" && (r.Auth != "basic" || r.Header.Get("Accept") != "application/json"):
			t.Errorf("Jira %s %s: auth %s, Accept %q", r.Method, r.Path, r.Auth, r.Header.Get("Accept"))
		case r.API == "admin" && r.Auth != "bearer":
			t.Errorf("Admin %s %s: auth %s", r.Method, r.Path, r.Auth)
		case strings.HasSuffix(r.Path, "/last-active-dates"):
			if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/admin/v1/orgs/"+f.org.ID+"/directory/users/") {
				t.Errorf("last-active-dates: %s %s", r.Method, r.Path)
			}
			cursor = cursor || r.Query.Get("cursor") != ""
		}
	}
	if !cursor {
		t.Error("no last-active-dates page was asked for by ?cursor=")
	}
	stop(t, cmd, logs)
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/credentials"
	"lastactive/internal/schedule"
)

// checkLines splits check's output and fails on a line a person cannot read
// at a glance.
func checkLines(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "ok    ") && !strings.HasPrefix(l, "FAIL  ") && !strings.HasPrefix(l, "SKIP  ") {
			t.Errorf("line does not start with ok, FAIL or SKIP: %q", l)
		}
	}
	return lines
}

func statusesOf(lines []string) string {
	var s []string
	for _, l := range lines {
		st, _, _ := strings.Cut(l, " ")
		s = append(s, st)
	}
	return strings.Join(s, " ")
}

// TestCheck runs `lastactive check` against the fakes: every credential,
// then each wrong one, each with its own fix, and what depends on a failed
// check is SKIP, never FAIL.
func TestCheck(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env(), "", "check")
	lines := checkLines(t, r.stdout)
	if r.code != 0 || statusesOf(lines) != "ok ok ok ok ok ok ok" {
		t.Fatalf("check against working fakes: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	refused := atlassiantest.RefusedAddr(t)

	off := func() { f.atl.Reject(atlassiantest.Rejections{}) }
	cases := []struct {
		name     string
		env      []string
		setup    func() func()
		statuses string
		want     []string // in the failing line
		not      []string // never in the output
	}{
		{"bot token rejected", f.env(), func() func() {
			f.slack.SetBotTokenValid(false)
			return func() { f.slack.SetBotTokenValid(true) }
		}, "FAIL ok ok ok ok ok ok", []string{"FAIL  Slack bot token", "invalid_auth", "Fix: reinstall the app"}, nil},
		{"bot token lacks a scope", f.env(), func() func() {
			f.slack.SetBotScopes("commands", "users:read", "chat:write", "im:write", "files:write")
			return func() { f.slack.SetBotScopes(credentials.BotScopes...) }
		}, "FAIL ok ok ok ok ok ok", []string{"FAIL  Slack bot token", "lacks users:read.email", "reinstall the app"}, nil},
		{"app token rejected", f.env(), func() func() {
			f.slack.SetAppTokenValid(false)
			return func() { f.slack.SetAppTokenValid(true) }
		}, "ok FAIL ok ok ok ok ok", []string{"FAIL  Slack app token", "connections:write"}, nil},
		{"jira token rejected", f.env(), func() func() {
			f.atl.Reject(atlassiantest.Rejections{JiraToken: true})
			return off
		}, "ok ok FAIL SKIP ok ok ok", []string{"FAIL  Jira credentials", "HTTP 401", "id.atlassian.com", "SKIP  Jira \"Browse users and groups\" permission: skipped"}, nil},
		{"admin key expired", f.env(), func() func() {
			f.atl.Reject(atlassiantest.Rejections{APIKey: true})
			return off
		}, "ok ok ok ok FAIL ok ok", []string{"may have expired or been revoked", "admin.atlassian.com → Settings → API keys"}, []string{"not an admin"}},
		{"key owner not an org admin", f.env(), func() func() {
			f.atl.Reject(atlassiantest.Rejections{KeyNotAdmin: true})
			return off
		}, "ok ok ok ok FAIL ok ok", []string{"not an admin of organisation", "ADMIN-403-3"}, []string{"expired"}},
		{"wrong org ID", f.env("ATLASSIAN_ORG_ID=org-typo"), nil,
			"ok ok ok ok FAIL FAIL ok", []string{"no organisation org-typo", "HTTP 404", "ATLASSIAN_ORG_ID"}, []string{"expired"}},
		{"Atlassian unreachable", f.env("ATLASSIAN_API_URL=http://" + refused), nil,
			"ok ok ok ok FAIL FAIL ok", []string{"network: could not reach " + refused + ": connection refused", "ATLASSIAN_API_URL"}, []string{"ATLASSIAN_API_KEY", "expired"}},
		{"no Slack tokens: Atlassian checks still run", f.env("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"), nil,
			"SKIP SKIP ok ok ok ok ok", []string{"SKIP  Slack bot token (auth.test): SLACK_BOT_TOKEN is not set"}, nil},
		{"no Jira: Admin API still proven", f.env("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"), nil,
			"ok ok SKIP SKIP ok ok ok", []string{"exact-email search"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				defer c.setup()()
			}
			r := runBinary(t, c.env, "", "check")
			lines := checkLines(t, r.stdout)
			if got := statusesOf(lines); got != c.statuses {
				t.Errorf("statuses = %s, want %s\n%s", got, c.statuses, r.stdout)
			}
			wantCode := 0
			if strings.Contains(c.statuses, "FAIL") {
				wantCode = 1
			}
			if r.code != wantCode {
				t.Errorf("exit code %d, want %d", r.code, wantCode)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range c.not {
				if strings.Contains(r.stdout, w) {
					t.Errorf("output says %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

// TestCheckNothingConfigured: one short SKIP line per variable group, not
// one long line, and nothing failed.
func TestCheckNothingConfigured(t *testing.T) {
	r := runBinary(t, []string{}, "", "check")
	lines := checkLines(t, r.stdout)
	if r.code != 0 || statusesOf(lines) != "SKIP SKIP SKIP SKIP SKIP ok" {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range lines {
		if len(l) > 200 {
			t.Errorf("line of %d characters: %q", len(l), l)
		}
	}
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "JIRA_BASE_URL", "ATLASSIAN_API_KEY"} {
		if !strings.Contains(r.stdout, v) {
			t.Errorf("output does not name %s:\n%s", v, r.stdout)
		}
	}
}

// TestCheckJSON: one JSON object per check, each with name, status, detail
// and fix (empty where nothing is to be fixed).
func TestCheckJSON(t *testing.T) {
	f := startFakes(t)
	f.atl.Reject(atlassiantest.Rejections{APIKey: true})
	defer f.atl.Reject(atlassiantest.Rejections{})
	r := runBinary(t, f.env(), "", "check", "--json")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7 (five credentials, the write key and the database):\n%s", len(lines), r.stdout)
	}
	var admin map[string]string
	for _, l := range lines {
		var obj map[string]string
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("not one JSON object: %q: %v", l, err)
		}
		for _, k := range []string{"name", "status", "detail"} {
			if obj[k] == "" {
				t.Errorf("%q lacks %s", l, k)
			}
		}
		// Every object has the four fields issue 14 names, an ok or SKIP
		// line's fix empty: a reader need not guess whether it is there.
		if _, ok := obj["fix"]; !ok {
			t.Errorf("%q has no fix field", l)
		}
		if obj["name"] == credentials.NameAdmin {
			admin = obj
		}
	}
	if admin["status"] != "FAIL" || !strings.Contains(admin["fix"], "API keys") || !strings.Contains(admin["detail"], "expired") {
		t.Errorf("admin check = %v", admin)
	}
}

// TestCheckRefusesPlaceholders: values left as in the example env file are
// configuration failures naming the variable, never echoing the value, and
// cost no call.
func TestCheckRefusesPlaceholders(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("ATLASSIAN_API_KEY=REPLACE-ME", "SLACK_BOT_TOKEN=xoxb-REPLACE-ME"), "", "check")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	lines := checkLines(t, r.stdout)
	if len(lines) != 2 || !strings.Contains(r.stdout, "FAIL  configuration: SLACK_BOT_TOKEN still holds the placeholder") ||
		!strings.Contains(r.stdout, "FAIL  configuration: ATLASSIAN_API_KEY still holds the placeholder") {
		t.Errorf("want one FAIL line per placeholder:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "REPLACE-ME") {
		t.Errorf("output echoes the value:\n%s", r.stdout)
	}
	if n := len(f.atl.Requests()) + len(f.slack.Calls("")); n != 0 {
		t.Errorf("%d calls with a placeholder configuration", n)
	}
}

// TestCheckShowsTheNextSlots: with a digest channel and nudges set, check
// says when the next digest and the next nudge round come, as ok lines
// (and in --json, with the slot as a time); without them, no such line.
func TestCheckShowsTheNextSlots(t *testing.T) {
	f := startFakes(t)
	const digestExpr, nudgeExpr = "CRON_TZ=Europe/Paris 30 8 * * MON-FRI", "@every 2h"
	env := f.env("TZ=UTC", "LASTACTIVE_DIGEST_CHANNEL=CDIGEST01", "LASTACTIVE_DIGEST_SCHEDULE="+digestExpr,
		"LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_NUDGE_SCHEDULE="+nudgeExpr, "LASTACTIVE_SEAT_PRICES=jira-software=8")
	// A slot may pass while check runs: either side of the run is right.
	nexts := func(expr string, before, after time.Time) []time.Time {
		s, err := schedule.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		return []time.Time{s.Next(before).UTC(), s.Next(after).UTC()}
	}
	before := time.Now()
	r := runBinary(t, env, "", "check")
	rj := runBinary(t, env, "", "check", "--json")
	after := time.Now()
	lines := checkLines(t, r.stdout)
	if r.code != 0 || statusesOf(lines) != "ok ok ok ok ok ok ok ok ok" {
		t.Fatalf("code %d, want 0 and two more ok lines:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct{ name, expr string }{{"Digest schedule (LASTACTIVE_DIGEST_SCHEDULE)", digestExpr}, {"Nudge schedule (LASTACTIVE_NUDGE_SCHEDULE)", nudgeExpr}} {
		var line string
		for _, l := range lines {
			if strings.HasPrefix(l, "ok    "+c.name+": ") {
				line = l
			}
		}
		want := nexts(c.expr, before, after)
		if line == "" || (!strings.Contains(line, want[0].Format("2006-01-02 15:04 MST")) && !strings.Contains(line, want[1].Format("2006-01-02 15:04 MST"))) {
			t.Errorf("no ok line for %s naming its next slot %v:\n%s", c.name, want[0], r.stdout)
		}
		var obj struct {
			Name, Status string
			Next         time.Time
		}
		found := false
		for _, l := range strings.Split(strings.TrimSpace(rj.stdout), "\n") {
			if json.Unmarshal([]byte(l), &obj) == nil && obj.Name == c.name {
				found = true
				break
			}
		}
		if !found || obj.Status != "ok" || (!obj.Next.Equal(want[0]) && !obj.Next.Equal(want[1])) {
			t.Errorf("--json: %s = %+v, want ok with next %v:\n%s", c.name, obj, want[0], rj.stdout)
		}
	}
	if !strings.Contains(r.stdout, "dry-run") {
		t.Errorf("the nudge line does not say the rounds are dry runs:\n%s", r.stdout)
	}
}

// TestCheckScheduleLineSaysWhenASlotIsClose: a slot less than half a
// minute away rounded to no time at all, and the line read "(in )".
func TestCheckScheduleLineSaysWhenASlotIsClose(t *testing.T) {
	t.Parallel()
	s, err := schedule.Parse("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, before := range []time.Duration{20 * time.Second, 50 * time.Second, 90 * time.Minute, 2 * time.Hour} {
		rs := scheduleResults(Config{DigestChannel: "CDIGEST01", DigestSchedule: "0 9 * * *", DigestSlots: s}, slot.Add(-before))
		if len(rs) != 1 {
			t.Fatalf("%d lines, want one", len(rs))
		}
		if d := rs[0].Detail; strings.Contains(d, "(in )") || !strings.Contains(d, "(in ") || strings.Contains(d, "h0m)") {
			t.Errorf("%v before the slot: %q does not say how far off it is", before, d)
		}
	}
}

// TestCheckOfTheUntouchedEnvExample: the first thing an admin runs is check
// on deploy/lastactive.env.example copied as it is. Its ORG_ID and API_KEY
// are both the placeholder, so they were also "the same value", and check
// told them the two were swapped and that the organisation ID looked like
// an API key: a wrong lead on top of the right one. Each placeholder is
// named once, and nothing else is said about it.
func TestCheckOfTheUntouchedEnvExample(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "lastactive.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SLACK_API_URL=http://127.0.0.1:1/api/", "ATLASSIAN_API_URL=http://127.0.0.1:1",
		"LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	var set []string
	for l := range strings.Lines(string(raw)) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			env = append(env, l)
			k, _, _ := strings.Cut(l, "=")
			set = append(set, k)
		}
	}
	r := runBinary(t, env, "", "check")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	lines := checkLines(t, r.stdout)
	if len(lines) != len(set) {
		t.Errorf("%d lines for the %d placeholders %v:\n%s", len(lines), len(set), set, r.stdout)
	}
	for _, k := range set {
		if !strings.Contains(r.stdout, "FAIL  configuration: "+k+" still holds the placeholder") {
			t.Errorf("%s not named as a placeholder:\n%s", k, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "swapped") || strings.Contains(r.stdout, "looks like an API key") {
		t.Errorf("check blames a swap for two untouched placeholders:\n%s", r.stdout)
	}
}

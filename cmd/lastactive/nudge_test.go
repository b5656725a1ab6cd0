package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestNudgeSubcommand: through the binary, against the release sample:
// --dry-run prints whom it would ask and why others are skipped, and sends
// nothing; under LASTACTIVE_NUDGE=on the round sends one direct message per
// eligible person, a second round asks nobody again, and `audit EMAIL`
// shows the nudge.
func TestNudgeSubcommand(t *testing.T) {
	org := atlassiantest.ReleaseOrg(time.Now())
	f := &fakes{org: org, atl: atlassiantest.NewServer(org), slack: slacktest.NewServer(),
		db: "sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	t.Cleanup(func() { f.slack.Close(); f.atl.Close() })
	for i, email := range []string{atlassiantest.ReleaseDirectEmail, atlassiantest.ReleaseGroupEmail, atlassiantest.ReleaseSyncedEmail,
		atlassiantest.ReleaseOrgAdminEmail} {
		f.slack.AddUser(slacktest.User{ID: "U0PERSON" + string(rune('A'+i)), Name: email, Email: email})
	}
	env := f.env("LASTACTIVE_SEAT_PRICES=confluence=6.05", "LASTACTIVE_APPROVERS=U0APPROVER", "LASTACTIVE_NUDGE=dry-run")

	r := runBinary(t, env, "", "nudge", "--dry-run")
	if r.code != 0 {
		t.Fatalf("nudge --dry-run: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Would ask (dry run, nothing sent): 2 people", atlassiantest.ReleaseDirectEmail,
		atlassiantest.ReleaseGroupEmail, "managed by an identity provider (synced)", "org admin", "no Slack user with that email",
		"Confluence on " + atlassiantest.HostMain} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := len(f.slack.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("a dry run posted %d messages", n)
	}
	if r := runBinary(t, f.env("LASTACTIVE_SEAT_PRICES=confluence=6.05"), "", "nudge"); r.code != exitConfig ||
		!strings.Contains(r.stderr, "LASTACTIVE_NUDGE is off") {
		t.Errorf("nudge while off: exit %d %s", r.code, r.stderr)
	}

	on := f.env("LASTACTIVE_SEAT_PRICES=confluence=6.05", "LASTACTIVE_APPROVERS=U0APPROVER", "LASTACTIVE_NUDGE=on")
	if r := runBinary(t, on, "", "nudge"); r.code != 0 || !strings.Contains(r.stdout, "Asked: 2 people") {
		t.Fatalf("nudge: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	posts := f.slack.Calls("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("%d messages, want 2", len(posts))
	}
	for _, p := range posts {
		if !strings.HasPrefix(p.Params.Get("channel"), "U0PERSON") || !strings.Contains(p.Params.Get("blocks"), "nudge_keep") {
			t.Errorf("nudge message %v", p.Params)
		}
	}
	if r := runBinary(t, on, "", "nudge"); r.code != 0 || !strings.Contains(r.stdout, "asked in the last 30 days") {
		t.Fatalf("second round: exit %d\n%s", r.code, r.stdout)
	}
	if n := len(f.slack.Calls("chat.postMessage")); n != 2 {
		t.Errorf("the second round sent %d more", n-2)
	}
	r = runBinary(t, on, "", "audit", atlassiantest.ReleaseDirectEmail)
	if r.code != 0 || !strings.Contains(r.stdout, "nudge") || !strings.Contains(r.stdout, "asked about confluence") {
		t.Errorf("audit: exit %d\n%s", r.code, r.stdout)
	}
}

// TestNudgeDryRunWithoutSlack: a dry run needs the bot token too, since
// only Slack says who can be asked. Without it, `nudge` (whose refusal
// advises --dry-run) and `nudge --dry-run` read the whole organisation,
// then printed "Would ask: 0 people, Skipped: 0", a plan that was not
// made, and exited 1. Now it stops at start naming the variable, exit 2.
func TestNudgeDryRunWithoutSlack(t *testing.T) {
	f := startFakes(t)
	env := f.env("LASTACTIVE_SEAT_PRICES=jira-software=8.60", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
	r := runBinary(t, env, "", "nudge", "--dry-run")
	if r.code != exitConfig || !strings.Contains(r.stderr, "SLACK_BOT_TOKEN") || strings.Contains(r.stdout, "Would ask") {
		t.Errorf("nudge --dry-run without SLACK_BOT_TOKEN: exit %d, want 2 naming it and no plan:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, append(env, "LASTACTIVE_NUDGE=on"), "", "nudge")
	if r.code != exitConfig || strings.Contains(r.stderr, "or use --dry-run") {
		t.Errorf("nudge without the Slack tokens: exit %d, want 2 without advising a dry run that cannot work:\n%s", r.code, r.stderr)
	}
}

// TestNudgeWhileServesRoundRuns: `lastactive nudge` run while serve's
// scheduled round is under way (same database) does nothing and says so;
// it printed "Asked: 0 people" and "Skipped: 0" first, the summary of a
// round that never ran, as if everyone had been looked at and nobody was
// due.
func TestNudgeWhileServesRoundRuns(t *testing.T) {
	org := atlassiantest.ReleaseOrg(time.Now())
	f := &fakes{org: org, atl: atlassiantest.NewServer(org), slack: slacktest.NewServer(),
		db: "sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	t.Cleanup(func() { f.slack.Close(); f.atl.Close() })
	f.slack.AddUser(slacktest.User{ID: "U0PERSONA", Name: "frances", Email: atlassiantest.ReleaseDirectEmail})
	// serve's round is held in its org scan until the command has run.
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if strings.HasSuffix(r.URL.Path, "/users/search") {
			once.Do(func() { close(entered); <-release })
		}
		return atlassiantest.Failure{}, false
	})
	env := f.env("LASTACTIVE_SEAT_PRICES=confluence=6.05", "LASTACTIVE_APPROVERS=U0APPROVER", "LASTACTIVE_NUDGE=on",
		"LASTACTIVE_NUDGE_SCHEDULE=@every 1s")
	cmd, _, logs := serveProcess(t, env)
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve's nudge round never scanned\n%s", logs.String())
	}
	r := runBinary(t, env, "", "nudge")
	close(release)
	if r.code != exitFailed || !strings.Contains(r.stderr, "another nudge round is running") {
		t.Errorf("nudge during serve's round: exit %d, want %d saying another round runs:\n%s%s", r.code, exitFailed, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "Asked") || strings.Contains(r.stdout, "Skipped") {
		t.Errorf("nudge during serve's round printed the summary of a round it did not run:\n%s", r.stdout)
	}
	stop(t, cmd, logs)
}

package main

import (
	"strings"
	"testing"

	"lastactive/bot/slacktest"
)

// TestServeReadsAMentionedProfileOnce: serve keeps what users.info said of
// a mentioned person for a while (users.info is Tier 4 on a real
// workspace): the same mention repeated, by one requester or another,
// reads the profile once, --fresh reads it again and sees a changed email;
// with the cache off (LASTACTIVE_CACHE_TTL=0) each mention reads it.
func TestServeReadsAMentionedProfileOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		env       []string
		wantCalls int // after three mentions
	}{
		{name: "cache on", wantCalls: 1},
		{name: "cache off", env: []string{"LASTACTIVE_CACHE_TTL=0"}, wantCalls: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startFakes(t)
			f.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
			cmd, base, logs := serveProcess(t, f.env(c.env...))
			eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
			for _, user := range []string{"U1", "U1", "U2"} {
				ask(t, f.slack, user, "<@U0ADA>", 1)
			}
			if got := len(f.slack.Calls("users.info")); got != c.wantCalls {
				t.Errorf("users.info calls after three mentions = %d, want %d", got, c.wantCalls)
			}
			f.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "grace@example.com"})
			rs := ask(t, f.slack, "U1", "<@U0ADA> --fresh", 1)
			if got := len(f.slack.Calls("users.info")); got != c.wantCalls+1 {
				t.Errorf("users.info calls after --fresh = %d, want %d", got, c.wantCalls+1)
			}
			if text := rs[len(rs)-1].Text + string(rs[len(rs)-1].Blocks); !strings.Contains(text, "grace@example.com") {
				t.Errorf("--fresh did not see the changed email:\n%s", text)
			}
			stop(t, cmd, logs)
		})
	}
}

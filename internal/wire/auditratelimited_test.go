package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
)

// TestRateLimitedLookupIsInThePersonsTrail: an auditor asking who tried to
// look Grace up is told of a lookup the asker's rate limit refused,
// through the fake Slack and the stored trail (SQLite and PostgreSQL): the
// attempt is an entry naming her, "rate limited", and /lastactive audit
// says so. Before, the rate-limited entry named nobody, so Grace's trail
// had no word of it.
func TestRateLimitedLookupIsInThePersonsTrail(t *testing.T) {
	for _, tc := range auditStores {
		t.Run(tc.name, func(t *testing.T) {
			atl := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))
			t.Cleanup(atl.Close)
			w := startWiredBot(t, tc.url(t), atl, func(s *Settings) { s.PerUserBurst, s.PerUserEvery = 1, time.Hour })
			sl, d, wctx := w.sl, w.d, w.ctx
			if err := sl.WaitConnected(wctx); err != nil {
				t.Fatal(err)
			}
			ask := func(user, text string) string {
				t.Helper()
				env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: user, ChannelID: "C1", Text: text})
				if err != nil {
					t.Fatal(err)
				}
				r, err := sl.WaitReplies(wctx, env.ID, 1)
				if err != nil {
					t.Fatal(err)
				}
				return r[0].Text
			}
			ask("U1", "ada@example.com") // the bucket's one token
			if got := ask("U1", "grace@example.com"); !strings.Contains(got, "Try again") {
				t.Fatalf("the second lookup was not rate limited: %s", got)
			}
			if err := w.app.Audit.Sync(wctx); err != nil {
				t.Fatal(err)
			}
			got, err := d.Store().AuditPerson(context.Background(), state.AuditQuery{Target: "grace@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Actor != "U1" || got[0].Outcome != "rate_limited" {
				t.Errorf("Grace's trail: %+v; want U1's rate-limited lookup", got)
			}
			if reply := ask("UBOSS", "audit grace@example.com"); !strings.Contains(reply, "rate limited") {
				t.Errorf("/lastactive audit grace@example.com does not show the rate-limited attempt:\n%s", reply)
			}
		})
	}
}

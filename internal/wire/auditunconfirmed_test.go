package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
)

// TestUnconfirmedReplyIsStoredAsUnconfirmed: a lookup whose reply was sent
// whole but whose answer from Slack was lost (the asker may have seen it)
// was stored a second time as "undelivered", "the reply could not be
// posted to Slack". It is stored as "unconfirmed", on SQLite and
// PostgreSQL alike, and the trail in Slack says the answer was lost.
func TestUnconfirmedReplyIsStoredAsUnconfirmed(t *testing.T) {
	for _, tc := range auditStores {
		t.Run(tc.name, func(t *testing.T) {
			org := atlassiantest.SampleOrg(time.Now())
			atl := atlassiantest.NewServer(org)
			t.Cleanup(atl.Close)
			w := startWiredBot(t, tc.url(t), atl, nil)
			sl, d, wctx := w.sl, w.d, w.ctx
			if err := sl.WaitConnected(wctx); err != nil {
				t.Fatal(err)
			}
			sl.DropResponseURLAnswers(1)
			env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sl.WaitReplies(wctx, env.ID, 1); err != nil {
				t.Fatal(err)
			}
			// The second entry is recorded once the post has ended; the
			// trail reader has the writer write what it holds first.
			trail := AuditTrailReader{D: d}
			var events []bot.AuditEvent
			for len(events) < 2 && wctx.Err() == nil {
				events, err = trail.Trail(wctx, "ada@example.com", time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if len(events) < 2 {
					time.Sleep(20 * time.Millisecond)
				}
			}
			if err := w.stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if len(events) != 2 {
				t.Fatalf("%d entries about Ada, want 2 (the lookup, its post): %+v", len(events), events)
			}
			if e := events[0]; e.Action != bot.AuditLookup || e.Outcome != bot.Outcome("unconfirmed") || !strings.Contains(e.Detail, "Slack's answer was lost") {
				t.Errorf("the post's entry: %s, %s, %q; want lookup, unconfirmed, saying the answer was lost", e.Action, e.Outcome, e.Detail)
			}
			got, err := d.Store().AuditPerson(context.Background(), state.AuditQuery{Target: "ada@example.com"})
			if err != nil || len(got) != 2 || got[0].Outcome != "unconfirmed" {
				t.Errorf("stored: %+v (%v), want the newest unconfirmed", got, err)
			}
			if m := bot.RenderAuditTrail("ada@example.com", events, time.Now()); !strings.Contains(m.Text, "looked up · sent; Slack's answer was lost") {
				t.Errorf("the trail reads:\n%s", m.Text)
			}
		})
	}
}

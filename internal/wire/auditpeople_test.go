package wire

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
)

// TestEachPersonsTrailHasTheirOwnOutcome: a lookup of four people in one
// command, Atlassian answering 503 for Grace's last-active dates only, is
// stored as one entry whose outcome is "partial"; before, that word was all
// the trail kept, so Ada's trail read "partly failed" too, and so did the
// trails of a person with no account and of one several accounts share.
// Each person's record in the entry now carries their own outcome, the
// failure's class with it, on SQLite and PostgreSQL alike. Slack's
// redelivery of the envelope (on the second socket) adds no second entry.
func TestEachPersonsTrailHasTheirOwnOutcome(t *testing.T) {
	for _, tc := range auditStores {
		t.Run(tc.name, func(t *testing.T) {
			org := atlassiantest.SampleOrg(time.Now())
			var grace string
			for _, u := range org.Users {
				if u.Email == "grace@example.com" {
					grace = u.AccountID
				}
			}
			atl := atlassiantest.NewServer(org)
			t.Cleanup(atl.Close)
			atl.Fail(atlassiantest.Failure{API: "admin", AccountID: grace, Status: 503})
			w := startWiredBot(t, tc.url(t), atl, nil)
			sl, d, logs, wctx := w.sl, w.d, w.logs, w.ctx
			if err := sl.Wait(wctx, func() bool { return sl.Deliverable() == 2 }); err != nil {
				t.Fatalf("the bot did not open its two connections: %v", err)
			}
			env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1",
				Text: "ada@example.com grace@example.com nobody@example.com sam@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sl.WaitReplies(wctx, env.ID, 1); err != nil {
				t.Fatal(err)
			}
			// The envelope again on every socket, as Slack redelivers one
			// whose ack it missed: acked, not answered, not audited again.
			n, err := sl.ResendAll(wctx, env)
			if err != nil {
				t.Fatal(err)
			}
			if err := sl.Wait(wctx, func() bool { return sl.Acks(env.ID) == n+1 }); err != nil {
				t.Fatalf("acks = %d, want %d: %v", sl.Acks(env.ID), n+1, err)
			}
			if err := w.stop(); err != nil { // the stop flushes the audit writer
				t.Fatalf("Run = %v", err)
			}
			if got := len(sl.Replies(env.ID)); got != 1 {
				t.Errorf("%d replies to one command delivered %d times, want 1", got, n+1)
			}
			st := d.Store()
			if st == nil {
				t.Fatalf("store down after the stop:\n%s", logs.String())
			}
			rctx := context.Background()
			if all, err := st.CountAudit(rctx); err != nil || all != 1 {
				t.Errorf("%d entries in the trail (%v), want the lookup's one", all, err)
			}
			for _, want := range []state.PersonResult{
				{Email: "ada@example.com", AccountID: atlassiantest.AdaAccountID, Outcome: state.OutcomeOK},
				{Email: "grace@example.com", AccountID: grace, Outcome: state.OutcomeFailed, Reason: "unavailable"},
				{Email: "nobody@example.com", Outcome: "not_found"},
				{Email: "sam@example.com", Outcome: "ambiguous"},
			} {
				got, err := st.AuditPerson(rctx, state.AuditQuery{Target: want.Email})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 {
					t.Errorf("%s: %d entries, want the lookup's one: %+v", want.Email, len(got), got)
					continue
				}
				if got[0].Kind != state.KindLookup || got[0].Outcome != "partial" {
					t.Errorf("%s: entry %s, %s; want lookup, partial (the command's)", want.Email, got[0].Kind, got[0].Outcome)
				}
				if p, ok := got[0].PersonResult(want.Email); !ok || p != want {
					t.Errorf("%s: their own outcome %+v (found %v), want %+v", want.Email, p, ok, want)
				}
				if want.AccountID != "" {
					if p, ok := got[0].PersonResult(want.AccountID); !ok || p != want {
						t.Errorf("%s by account ID: %+v (found %v), want %+v", want.Email, p, ok, want)
					}
				}
			}
		})
	}
}

package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestShareKeepsFailuresPrivate: Share posts in the channel only an answer
// with no failure in it. When a person is not found (or Atlassian refuses
// the key), the clicker gets the answer privately, told it was not shared,
// and the channel sees nothing; the share is audited as failed or partial,
// whatever a lookup of the same people audits.
func TestShareKeepsFailuresPrivate(t *testing.T) {
	for _, c := range []struct {
		name    string
		emails  []string
		mode    ReplyMode
		outcome Outcome
	}{
		{"all found", []string{"ada@example.com"}, Public, OutcomeOK},
		{"one not found", []string{"nobody@example.com"}, Private, OutcomeFailed},
		{"one of two not found", []string{"ada@example.com", "nobody@example.com"}, Private, OutcomePartial},
		// A list of several accounts is no failure of a lookup, but it is
		// not shared either: a share of one was audited "ambiguous" or "ok",
		// and read "shared · ok" though the channel saw nothing.
		{"one listed", []string{"sam@example.com"}, Private, OutcomeFailed},
		{"one of two listed", []string{"ada@example.com", "sam@example.com"}, Private, OutcomePartial},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink := &recordingSink{}
			var logs bytes.Buffer
			svc := auditService(t, sink, nil, &logs)
			value := auditSigner.Sign(ButtonValue(c.emails))
			resp, ok := svc.Click(context.Background(), Request{UserID: "U2", ChannelID: "C1"}, ActionShare, value, nil)
			if !ok || resp.Mode != c.mode || resp.Reply.Outcome != c.outcome {
				t.Fatalf("share: ok %v, mode %v, outcome %s; want mode %v, outcome %s", ok, resp.Mode, resp.Reply.Outcome, c.mode, c.outcome)
			}
			raw, _ := json.Marshal(resp.Reply.Message)
			text := string(raw)
			notShared := strings.Contains(text, "Not shared in the channel")
			sharedBy := strings.Contains(text, "Shared by")
			if c.mode == Public && (notShared || !sharedBy) {
				t.Errorf("public share: says not shared %v, says shared by %v", notShared, sharedBy)
			}
			if c.mode == Private && (!notShared || sharedBy) {
				t.Errorf("private answer to a failed share: says not shared %v, says shared by %v:\n%s", notShared, sharedBy, text)
			}
			if len(sink.got) != 1 || sink.got[0].Action != AuditShare || sink.got[0].Outcome != c.outcome {
				t.Fatalf("audited %+v, want one share, %s", sink.got, c.outcome)
			}
			// Each person's trail reads the share's outcome: Ada's answer
			// stayed out of the channel too when another's failed, so a
			// person's own lookup outcome ("ok") is not what the share did.
			for _, email := range c.emails {
				m := RenderAuditTrail(email, sink.got, time.Now())
				if want := "shared · " + auditOutcome(c.outcome); !strings.Contains(m.Text, want) {
					t.Errorf("%s's trail reads:\n%s\nwant %q", email, m.Text, want)
				}
			}
		})
	}
}

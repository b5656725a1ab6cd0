package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSecondShareEntrySaysWhatBecameOfTheFirst: the entry of a second click
// on Share, not posted again, said "already shared in this channel a
// moment ago" whatever became of the first: still on its way to Slack, or
// sent with Slack's answer lost. It says which; only a Share Slack
// confirmed is "already shared".
func TestSecondShareEntrySaysWhatBecameOfTheFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	req := Request{UserID: "U1", ChannelID: "C1"}
	for _, c := range []struct {
		name    string
		settle  func(s *Service, first Response) // what the Bot does with the first Share's post
		want    string                           // in the second click's entry
		wantMsg string                           // in what the clicker reads
	}{
		{"being posted", func(*Service, Response) {}, "being posted", "being shared"},
		{"posted", func(s *Service, r Response) { s.Posted(r.Reply) }, "already shared", "This answer was shared in this channel"},
		{"unconfirmed", func(s *Service, r Response) { s.UnconfirmedAs(r.Audited, req, r.Reply) }, "not confirmed", "did not confirm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sink := &recordingSink{}
			var logs bytes.Buffer
			svc := auditService(t, sink, nil, &logs)
			v := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
			first, _ := svc.Click(ctx, req, ActionShare, v, nil)
			if first.Mode != Public {
				t.Fatalf("the first Share was not for the channel: %q", first.Message.Text)
			}
			c.settle(svc, first)
			second, _ := svc.Click(ctx, req, ActionShare, v, nil)
			if second.Mode == Public {
				t.Fatalf("the second click was posted in the channel")
			}
			if !strings.Contains(second.Message.Text, c.wantMsg) {
				t.Errorf("the second click reads %q, want it to hold %q", second.Message.Text, c.wantMsg)
			}
			sink.mu.Lock()
			defer sink.mu.Unlock()
			e := sink.got[len(sink.got)-1]
			if e.Action != AuditShare || e.Outcome != OutcomeIgnored || !strings.Contains(e.Detail, c.want) {
				t.Errorf("the second click's entry: %s %s %q, want share ignored holding %q", e.Action, e.Outcome, e.Detail, c.want)
			}
		})
	}
}

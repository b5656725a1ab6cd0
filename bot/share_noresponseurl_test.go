package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestShareWithoutAResponseURLIsRefused: both Shares, of an answer and of a
// chosen account, are refused before any lookup when the click came without
// a response_url (TestShareWithoutAResponseURLIsNotAuditedAsShared, through
// the binary): the answer would reach the clicker alone. Refresh is not a
// Share and is still answered; someone not on the allow-lists is refused
// by them, as for any click.
func TestShareWithoutAResponseURLIsRefused(t *testing.T) {
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs) // allowed channel: C1
	ctx := context.Background()
	value := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	chosen := auditSigner.Sign(ChooseValue("ada@example.com", "712020:0a1b2c3d-0000-4000-8000-00000000ada1"))
	req := Request{UserID: "U1", ChannelID: "C1", NoResponseURL: true}
	for _, c := range []struct{ action, value string }{{ActionShare, value}, {ActionChooseShare, chosen}} {
		sink.got = nil
		resp, ok := svc.Click(ctx, req, c.action, c.value, nil)
		if !ok || resp.Mode != Private || resp.Outcome != OutcomeRefused || !strings.Contains(resp.Message.Text, "not shared") {
			t.Errorf("%s: ok %v, mode %v, outcome %q, %q", c.action, ok, resp.Mode, resp.Outcome, resp.Message.Text)
		}
		if len(sink.got) != 1 || sink.got[0].Action != AuditRefusal || !strings.Contains(sink.got[0].Detail, "response_url") ||
			len(sink.got[0].Emails) != 1 || len(sink.got[0].AccountIDs) != 0 {
			t.Errorf("%s: audited %+v", c.action, sink.got)
		}
		// Refused by the allow-lists first, as any click.
		sink.got = nil
		resp, _ = svc.Click(ctx, Request{UserID: "U1", ChannelID: "COTHER", NoResponseURL: true}, c.action, c.value, nil)
		if resp.Outcome != OutcomeRefused || strings.Contains(resp.Message.Text, "not shared") {
			t.Errorf("%s elsewhere: outcome %q, %q", c.action, resp.Outcome, resp.Message.Text)
		}
	}
	if resp, _ := svc.Click(ctx, req, ActionRefresh, value, nil); resp.Outcome != OutcomeOK {
		t.Errorf("Refresh without a response_url: %q, want it answered", resp.Outcome)
	}
}

package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// stopAfterPost is Slack answering a post while the process is told to
// stop: the message went, and the round's context ends just after.
type stopAfterPost struct {
	*recorder
	stop context.CancelFunc
}

func (m stopAfterPost) Post(ctx context.Context, to string, n Note) (Ref, error) {
	ref, err := m.recorder.Post(ctx, to, n)
	m.stop()
	return ref, err
}

// TestStopJustAfterANudgeWentKeepsItsRecord: a nudge Slack posted as the
// round was stopped is in the audit trail and keeps where it went (so an
// answer or an escalation updates it). Before, the message's place was
// written with the ended context, the write failed and the round returned
// before the audit entry: a person asked with no trace of it, and their
// message's buttons never updated.
func TestStopJustAfterANudgeWentKeepsItsRecord(t *testing.T) {
	h := newHarness(t, true)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Messages = stopAfterPost{recorder: h.msgs, stop: stop}
	_, _ = New(cfg).Round(ctx, "nudge r1", false)
	sent := h.msgs.sent()
	if len(sent) == 0 {
		t.Fatal("no nudge was posted; the test needs one")
	}
	a := sent[0].Note.(Ask)
	n, err := h.store.GetNudge(context.Background(), a.Items[0].NudgeID)
	if err != nil {
		t.Fatal(err)
	}
	if n.TS == "" {
		t.Errorf("the nudge posted at the stop has no message stored: its answer can never update it")
	}
	audited := false
	for _, en := range h.trail(t, a.Person.Email) {
		audited = audited || en.Kind == state.KindNudge && strings.Contains(en.Detail, "asked about")
	}
	if !audited {
		t.Errorf("the nudge posted to %s at the stop is not in the audit trail", a.Person.Email)
	}
}

// TestStopJustAfterAnApprovalCopyWentKeepsWhereItWent: an approval copy
// Slack posted as the click was stopped keeps where it went, so that the
// decision of another approver closes it. Before, its place was written
// with the ended context and lost: the copy kept live buttons for good.
func TestStopJustAfterAnApprovalCopyWentKeepsWhereItWent(t *testing.T) {
	h := newHarness(t, true)
	if _, err := h.e.Round(context.Background(), "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Messages = stopAfterPost{recorder: h.msgs, stop: stop}
	_ = New(cfg).Answer(ctx, uFrances, frances.Items[0].NudgeID, false)
	reqs, err := h.store.PendingRequests(context.Background())
	if err != nil || len(reqs) != 1 {
		t.Fatalf("pending requests %v (%v), want Frances's", reqs, err)
	}
	copies := h.notes("approval")
	if len(copies) != 1 {
		t.Fatalf("%d approval copies posted, want the one in flight at the stop", len(copies))
	}
	msgs, err := h.store.ApprovalMessages(context.Background(), reqs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Approver == copies[0].To && m.TS == "" {
			t.Errorf("the copy posted to %s at the stop has no place stored: no decision can close it", m.Approver)
		}
	}
}

// TestStopJustAfterAReminderWentKeepsWhereItWent: a reminder Slack posted
// as the follow-up was stopped keeps where it went, so that an answer, an
// escalation or a decision updates it as it does the nudge. Before, its
// place was written with the ended context and lost (only logged): the
// reminder kept live Keep and Release buttons for good.
func TestStopJustAfterAReminderWentKeepsWhereItWent(t *testing.T) {
	h := newHarness(t, true)
	if _, err := h.e.Round(context.Background(), "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := h.cfg
	cfg.Messages = stopAfterPost{recorder: h.msgs, stop: stop}
	_ = New(cfg).FollowUp(ctx)
	reminders := h.notes("reminder")
	if len(reminders) == 0 {
		t.Fatal("no reminder was posted; the test needs one")
	}
	a := reminders[0].Note.(Ask)
	for _, it := range a.Items {
		n, err := h.store.GetNudge(context.Background(), it.NudgeID)
		if err != nil {
			t.Fatal(err)
		}
		if n.ReminderTS == "" {
			t.Errorf("the reminder posted to %s at the stop has no place stored: no answer can update it", a.Person.Email)
		}
	}
}

package main

// Clicks that land as their message arrives: the minimal Slack holds
// chat.postMessage's answer for one message (a reminder, an approval
// copy, a release's result) until the click in it is in the trail, as a
// fast hand or a busy database makes it. Whatever the click did must
// still show in that message (or be told to the clicker), and no message
// may offer buttons for what is decided.

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// mfHold holds the answer to the first chat.postMessage that match
// accepts until let is called.
type mfHold struct {
	posted  chan url.Values
	goOn    chan struct{}
	once    sync.Once
	letOnce sync.Once
	match   func(url.Values) bool
}

func newMFHold(match func(url.Values) bool) *mfHold {
	return &mfHold{posted: make(chan url.Values, 1), goOn: make(chan struct{}), match: match}
}

func (h *mfHold) onPost(form url.Values) {
	if !h.match(form) {
		return
	}
	first := false
	h.once.Do(func() { first = true })
	if !first {
		return
	}
	h.posted <- form
	select {
	case <-h.goOn:
	case <-time.After(30 * time.Second):
	}
}

func (h *mfHold) let() { h.letOnce.Do(func() { close(h.goOn) }) }

func (h *mfHold) wait(t *testing.T, what string) url.Values {
	t.Helper()
	select {
	case f := <-h.posted:
		return f
	case <-time.After(60 * time.Second):
		t.Fatalf("timed out waiting for %s%s", what, dumpServes(t))
	}
	return nil
}

// tsOf is the ts the minimal Slack gave the chat.postMessage whose blocks
// are blocks: each its own, in the order posted.
func (b *mf3Bot) tsOf(t *testing.T, blocks string) string {
	t.Helper()
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	for i, p := range b.s.posts {
		if p.Get("blocks") == blocks {
			return fmt.Sprintf("1700000000.%06d", 100+i)
		}
	}
	t.Fatalf("no such post")
	return ""
}

// posted is every chat.postMessage, each with the ts the minimal Slack
// gave it.
func (b *mf3Bot) posted() []mf3Message {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	var out []mf3Message
	for i, p := range b.s.posts {
		out = append(out, mf3Message{"chat.postMessage", p.Get("channel"), fmt.Sprintf("1700000000.%06d", 100+i), p.Get("blocks"), p.Get("text")})
	}
	return out
}

// brief is the messages sent, one line each without blocks, for a
// failure's log.
func (b *mf3Bot) brief() string {
	var out []string
	for _, m := range append(b.posted(), b.messages()...) {
		if m.method == "chat.postMessage" && m.ts == "" {
			continue
		}
		out = append(out, m.method+" "+m.channel+" "+m.ts+" "+m.text)
	}
	return strings.Join(out, "\n")
}

// updatedSaying reports whether the message channel/ts was updated with
// want (case ignored).
func (b *mf3Bot) updatedSaying(channel, ts, want string) bool {
	for _, m := range b.messages() {
		if m.method == "chat.update" && m.channel == channel && m.ts == ts && strings.Contains(strings.ToLower(m.text+m.blocks), want) {
			return true
		}
	}
	return false
}

// TestMinimalFakesKeepClickedAsTheReminderArrives: Keep clicked in the
// reminder the moment it reached Slack, before the bot stored where it
// went: the reminder must still say kept, not keep its live buttons.
func TestMinimalFakesKeepClickedAsTheReminderArrives(t *testing.T) {
	t.Parallel()
	h := newMFHold(func(f url.Values) bool {
		return f.Get("channel") == "U0IDA1" && strings.Contains(f.Get("blocks"), `"nudge_keep"`) && strings.Contains(strings.ToLower(f.Get("text")), "reminder")
	})
	b := mf3Serve(t, "direct", &mf3Admin{}, h.onPost, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey, "LASTACTIVE_NUDGE_WAIT=2s")
	defer h.let()
	form := h.wait(t, "the reminder")
	value, block := nudgeButton(t, form.Get("blocks"), "nudge_keep")
	ts := b.tsOf(t, form.Get("blocks"))
	ru := b.click(t, "U0IDA1", "nudge_keep", value, block, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("messages:\n%s\nlogs:\n%s\nreplies %d", b.brief(), b.logs(), b.s.replyCount(ru))
		}
	})
	eventually(t, "the Keep recorded", func() bool {
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(b.audit(t), "keep: jira-software")
	})
	h.let()
	eventually(t, "the reminder updated, or the clicker told", func() bool {
		return b.updatedSaying("U0IDA1", ts, "kept") || b.s.replyCount(ru) > 0
	})
	noErrors(t, b.logs())
}

// TestMinimalFakesApproveClickedAsTheCopyArrives: Approve clicked in the
// first approver's copy the moment it reached Slack: that copy must say
// who decided, and no approver may be left with, or sent, a copy whose
// buttons still ask for a decision made (the second copy went after it,
// a fresh notification with live buttons, closed only once it was
// stored). The second copy may also go before the decision: a follow-up
// while the first is held sends the copies a request still lacks, with
// live buttons, which the decision then closes.
func TestMinimalFakesApproveClickedAsTheCopyArrives(t *testing.T) {
	t.Parallel()
	h := newMFHold(func(f url.Values) bool { return strings.Contains(f.Get("blocks"), `"release_approve"`) })
	b := mf3Serve(t, "direct", &mf3Admin{}, h.onPost, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
	defer h.let()
	_, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
	b.click(t, "U0IDA1", "nudge_release", value, block, true)
	form := h.wait(t, "the first approval copy")
	approver := form.Get("channel")
	ts := b.tsOf(t, form.Get("blocks"))
	value, block = nudgeButton(t, form.Get("blocks"), "release_approve")
	ru := b.click(t, approver, "release_approve", value, block, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("messages:\n%s\nlogs:\n%s\nreplies %d", b.brief(), b.logs(), b.s.replyCount(ru))
		}
	})
	eventually(t, "the approval recorded", func() bool {
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(b.audit(t), "approve: jira-software")
	})
	b.said(t, approver, "released")
	// The release is made: every copy posted from here on went after the
	// decision.
	decided := len(b.posted())
	h.let()
	eventually(t, "the copy clicked updated", func() bool { return b.updatedSaying(approver, ts, "approved the release") })
	// The other approver has a copy; one sent after the decision asks for
	// none.
	b.said(t, map[string]string{"U0APP1": "U0APP2", "U0APP2": "U0APP1"}[approver], "release request")
	for _, m := range b.posted()[decided:] {
		if strings.Contains(m.blocks, `"release_approve"`) {
			t.Errorf("a copy sent after the decision offers Approve and Keep: %s %s", m.channel, m.text)
		}
	}
	// Every copy of the request posted with live buttons is closed.
	eventually(t, "every copy closed", func() bool {
		for _, m := range b.posted() {
			if strings.Contains(m.blocks, `"release_approve"`) && !b.updatedSaying(m.channel, m.ts, "approved the release") {
				return false
			}
		}
		return true
	})
	noErrors(t, b.logs())
}

// TestMinimalFakesUndoClickedAsTheResultArrives: Undo clicked in the
// release's result the moment it reached Slack: the access is restored
// and the approver told.
func TestMinimalFakesUndoClickedAsTheResultArrives(t *testing.T) {
	t.Parallel()
	h := newMFHold(func(f url.Values) bool { return strings.Contains(f.Get("blocks"), `"release_undo"`) })
	b := mf3Serve(t, "direct", &mf3Admin{}, h.onPost, "ATLASSIAN_ADMIN_WRITE_KEY="+mf3WriteKey)
	defer h.let()
	_, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
	b.click(t, "U0IDA1", "nudge_release", value, block, true)
	_, value, block = b.waitButton(t, "U0APP1", "release_approve")
	b.click(t, "U0APP1", "release_approve", value, block, true)
	form := h.wait(t, "the result")
	value, block = nudgeButton(t, form.Get("blocks"), "release_undo")
	ru := b.click(t, "U0APP1", "release_undo", value, block, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("messages:\n%s\nlogs:\n%s\nreplies %d", b.brief(), b.logs(), b.s.replyCount(ru))
		}
	})
	eventually(t, "the undo recorded", func() bool {
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(b.audit(t), `"undo"`)
	})
	h.let()
	b.said(t, "U0APP1", "restored")
	if w := b.writes(); len(w) != 2 || !strings.Contains(w[1], "/roles/assign") {
		t.Errorf("writes: %q, want the revoke and its undo", w)
	}
	b.said(t, "U0IDA1", "restored by an approver")
	noErrors(t, b.logs())
}

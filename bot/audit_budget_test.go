package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestAuditTrailHeldToTheMessageBudget: under LASTACTIVE_NUDGE=dry-run each
// weekday's round records "would ask about" every idle product of a person,
// with its site: two months of them for someone idle in a dozen products
// made the trail's forty lines some 22,000 characters, past the ~12,000
// of text in all where Slack answers msg_blocks_too_long (the budget every
// reply is held to), so the auditor got nothing. The lines stop at the
// budget and the rest is counted, as past the forty.
func TestAuditTrailHeldToTheMessageBudget(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var items []string
	for _, k := range []string{"jira-software", "confluence", "jira-service-desk", "jira-work-management", "jira-product-discovery",
		"opsgenie", "statuspage", "bitbucket", "trello", "compass", "loom", "atlas"} {
		items = append(items, k+" on acme-engineering-europe.atlassian.net")
	}
	var events []AuditEvent
	for i := range 60 {
		at := now.AddDate(0, 0, -i)
		events = append(events, AuditEvent{At: at, Action: "nudge", Outcome: "dry-run",
			Detail: fmt.Sprintf("nudge-%s would ask about %s", at.Format(time.DateOnly), strings.Join(items, ", "))})
	}
	m := RenderAuditTrail("ada@example.com", events, now)
	total := 0
	for _, s := range allTexts(t, m) {
		if s != m.Text {
			total += utf8.RuneCountInString(s)
		}
	}
	if total > messageBudget {
		t.Errorf("%d characters of text in the blocks, budget %d", total, messageBudget)
	}
	if len(m.Blocks) > maxBlocks {
		t.Errorf("%d blocks", len(m.Blocks))
	}
	text := blocksText(t, m)
	if !strings.Contains(text, "more: `lastactive audit ada@example.com` prints them all.") {
		t.Errorf("the lines left out are not counted:\n%.300s", text[max(0, len(text)-300):])
	}
	shown := strings.Count(text, "would ask about")
	if shown == 0 || !strings.Contains(text, fmt.Sprintf("…and %d more", 60-shown)) {
		t.Errorf("%d lines shown; the count of the rest is not %d:\n%s", shown, 60-shown, text[max(0, len(text)-300):])
	}
}

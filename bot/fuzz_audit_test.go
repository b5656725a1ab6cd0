package bot

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// ownAuditTokens are the control sequences RenderAuditTrail writes itself:
// its date tokens, and the mention of a Slack user ID as stored.
var ownAuditTokens = regexp.MustCompile(`<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|[0-9: UTC-]+>|<@[A-Z0-9]{1,40}>`)

// FuzzRenderAuditTrail: whatever the audit trail holds (an actor, an
// outcome, an action and a detail as stored, the detail typed by a report
// user for an exemption), the Slack view stays within Block Kit's limits
// and carries no control sequence but its own dates and mentions: no ping,
// no link, no mention of anyone not stored as the actor.
func FuzzRenderAuditTrail(f *testing.F) {
	f.Add("U012ABCDEF", "ok", "lookup", "jira-software idle 120 days", "ada@example.com", uint8(3))
	f.Add("cli:ops", "refused", "exempt", "on leave <!channel> <https://evil.example|click>", "ada@example.com", uint8(50))
	f.Add("U1|<!here>", "<@U2>", "<#C1>", strings.Repeat("&", 600), "a_b@example.com", uint8(41))
	f.Add("U1>", "ok\n> quote", "skip", "*bold* `code` ~x~ _i_", "<mailto:x@y.z|x>", uint8(1))
	f.Add("", "", "", "\u202eevil", "", uint8(0))
	f.Fuzz(func(t *testing.T, actor, outcome, action, detail, email string, n uint8) {
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		// An actor is stored from Slack (a user ID) or the command line
		// ("cli:" and the OS user, any text).
		if actor != "" && !validUserID(actor) && !strings.HasPrefix(actor, CLIActorPrefix) {
			actor = CLIActorPrefix + actor
		}
		events := make([]AuditEvent, int(n))
		for i := range events {
			events[i] = AuditEvent{At: now.Add(-time.Duration(i) * time.Hour), Actor: actor, Action: AuditAction(action),
				Outcome: Outcome(outcome), Detail: detail}
		}
		m := RenderAuditTrail(email, events, now)
		if len(m.Blocks) > maxBlocks {
			t.Fatalf("%d blocks, limit %d", len(m.Blocks), maxBlocks)
		}
		for i, b := range m.Blocks {
			if sb, ok := b.(*slack.SectionBlock); !ok || sb.Text == nil || utf8.RuneCountInString(sb.Text.Text) > maxTextObject {
				t.Fatalf("block %d is no section within %d characters: %+v", i, maxTextObject, b)
			}
		}
		// The fallback is for notifications: Slack cuts it past 40,000
		// characters and asks for far less; lookups keep it to maxTextRunes.
		if n := utf8.RuneCountInString(m.Text); n == 0 || n > maxTextRunes {
			t.Fatalf("fallback text of %d characters, want 1..%d", n, maxTextRunes)
		}
		for _, s := range allTexts(t, m) {
			rest := ownAuditTokens.ReplaceAllString(s, "")
			for _, bad := range []string{"<!", "<@", "<#", "<http", "<mailto", "\n>", "\u202e"} {
				if strings.Contains(rest, bad) {
					t.Fatalf("text %q contains %q", s, bad)
				}
			}
			if strings.HasPrefix(rest, ">") {
				t.Fatalf("text %q starts a quote", s)
			}
		}
	})
}

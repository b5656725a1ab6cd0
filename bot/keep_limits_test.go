package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lastactive/nudge"
)

// TestReleaseMessagesFitWhateverAtlassianHolds: an approver's release
// request and its result put the person's display name (anyone sets their
// own in Atlassian), the site and how the access was given or what the
// release did (group names, set by admins) in one section, each escaped
// but not cut as every other message cuts them: a display name of 500
// '&' (2,500 characters escaped) and a release through a few groups made
// the result's section 3,000+ characters, which Slack refuses with
// invalid_blocks, so the approver never heard what their approval did.
// Names are cut as replies cut them, and the long parts are held to the
// room left in the section.
func TestReleaseMessagesFitWhateverAtlassianHolds(t *testing.T) {
	seal := func(v string) string { return "sealed:" + v }
	groups := strings.TrimSuffix(strings.Repeat("removed from group R&D <platform> confluence-users (with the 3 other products it gave, unused; Undo restores them), ", 6), ", ")
	for _, name := range []string{strings.Repeat("&", 500), strings.Repeat("<b>", 170), strings.Repeat("Ada ", 130)} {
		person := nudge.Person{AccountID: "acc-1", Email: "a&b@" + strings.Repeat("d", 60) + ".example.com", Name: name, SlackUser: "U0ADA"}
		item := nudge.Item{NudgeID: "n1", Key: "confluence", ProductID: "ari:cloud:confluence::site/s1",
			Site: strings.Repeat("&", 200) + " (unknown site)", LastActive: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
		for _, n := range []nudge.Note{
			nudge.Approval{RequestID: "r1", Person: person, Item: item, Grant: strings.ReplaceAll(groups, "removed from", "by"),
				MonthlySaving: 6.05, HasPrice: true, Currency: "USD", Requester: "U0ADA"},
			nudge.Result{ReleaseID: "r1", Person: person, Item: item, Undo: true, Text: "released: " + groups,
				AdminURL: "https://admin.atlassian.com/o/org/users/acc-1"},
			nudge.Result{ReleaseID: "r1", Person: person, Item: item, Text: "refused: " + strings.Repeat("<", 600)},
		} {
			m := RenderNote(n, seal)
			if err := checkLimits(m); err != nil {
				t.Errorf("%T, name %.12q…: %v", n, name, err)
			}
			text := blocksText(t, m)
			if !strings.Contains(text, "a&amp;b@") {
				t.Errorf("%T: the email is no longer shown: %.300s", n, text)
			}
			if strings.Contains(text, EscapeMrkdwn(name[:utf8.RuneCountInString(name)/2])) {
				t.Errorf("%T: a display name of %d characters is shown whole", n, len(name))
			}
		}
	}
}

// TestEscapeWithinHoldsItsRoom: whatever the string, escapeWithin's result
// is at most room characters, and whole when it fits.
func TestEscapeWithinHoldsItsRoom(t *testing.T) {
	for _, s := range []string{"", "plain words", strings.Repeat("&", 700), strings.Repeat("a&<b>_*", 90), "R&D platform"} {
		for room := 0; room <= 3000; room += 7 {
			got := escapeWithin(s, room)
			if n := utf8.RuneCountInString(got); n > room {
				t.Fatalf("escapeWithin(%.20q…, %d) is %d characters", s, room, n)
			}
			if whole := EscapeMrkdwn(s); utf8.RuneCountInString(whole) <= room && got != whole {
				t.Fatalf("escapeWithin(%.20q…, %d) = %.40q, want it whole", s, room, got)
			}
		}
	}
}

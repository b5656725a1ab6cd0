package bot

import (
	"strings"
	"testing"
	"time"
)

// slackEscape is what Slack does to typed text before it sends it.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// FuzzExemptRoundTrip: an exemption the parser accepts, written again the
// way the usage shows it (exempt EMAIL PRODUCT… until DATE REASON), is read
// back the same: the reason is what was typed, and never holds the date it
// was given with (a trailing "until DATE") nor loses a word to it.
func FuzzExemptRoundTrip(f *testing.F) {
	for _, s := range []string{
		"ada@example.com confluence on leave", "ada@example.com confluence on leave until 2027-01-31",
		"ada@example.com jira until 2027-01-31 on leave, back in March; ask \"HR\" first",
		"ada@example.com confluence “on leave” until 2027-01-31", "ada@example.com jira on leave, until 2027-01-31",
		"ada@example.com jira until 2027-01-31 until March", "ada@example.com loom &lt;b&gt; &amp; co",
		"ada@example.com jira on leave --fresh", "ada@example.com jira parental leave until March 3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := ParseCommand("exempt " + text)
		if err != nil || cmd.Kind != CmdExempt || cmd.Exempt.Op != ExemptAdd {
			return
		}
		a := cmd.Exempt
		if w := strings.Fields(strings.ToLower(a.Reason)); !a.Until.IsZero() && len(w) >= 2 && w[len(w)-2] == "until" &&
			strings.Trim(w[len(w)-1], `"”`) == a.Until.Add(-24*time.Hour).Format(time.DateOnly) {
			t.Fatalf("reason %q keeps the date it was given with", a.Reason)
		}
		again := "exempt " + a.Email + " " + strings.Join(a.Products, " ")
		if !a.Until.IsZero() {
			again += " until " + a.Until.Add(-24*time.Hour).Format(time.DateOnly)
		}
		again += " " + slackEscape.Replace(a.Reason)
		cmd2, err := ParseCommand(again)
		if err != nil {
			t.Fatalf("%q gave %+v, but %q is refused: %v", text, a, again, err)
		}
		b := cmd2.Exempt
		if b.Email != a.Email || strings.Join(b.Products, " ") != strings.Join(a.Products, " ") || !b.Until.Equal(a.Until) || b.Reason != a.Reason {
			t.Fatalf("%q gave %+v, and %q gave %+v", text, a, again, b)
		}
	})
}

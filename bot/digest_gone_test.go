package bot

import (
	"strings"
	"testing"

	"lastactive/digest"
	"lastactive/internal/state"
)

// TestDigestSaysWhatIsGone: Trello's 10 idle seats were in the last
// digest and are in no line of this one (all released): the summary read
// "−7 idle" over a Jira line of "+3 idle" and nothing else. The digest
// names the line that went, with its change, so the numbers add up.
func TestDigestSaysWhatIsGone(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Posted: true, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 18, Active: 11, Idle: 3, NeverUsed: 3},
		{Product: "confluence", Site: digestReport().Groups[1].Site + " (unknown site)", Seats: 5, Active: 2, Idle: 3},
		{Product: "trello", Site: "acme.atlassian.net", Seats: 10, Idle: 10},
	}}}
	d := digest.Make(digestReport(), digestSites, earlier)
	text := strings.Join(allTexts(t, RenderDigest(d, "")), "\n")
	for _, want := range []string{"(−7 idle)", "(+3 idle)", "*Trello* · acme.atlassian.net: no seats now (−10 seats · −10 idle)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	// Nothing gone, nothing said.
	earlier[0].Rows = earlier[0].Rows[:2]
	if text := strings.Join(allTexts(t, RenderDigest(digest.Make(digestReport(), digestSites, earlier), "")), "\n"); strings.Contains(text, "no seats now") ||
		strings.Contains(text, "not in the last digest") {
		t.Errorf("a digest with nothing gone or new says something is:\n%s", text)
	}
	// A line the last digest had not: its 3 idle seats are in the total's
	// "+3 idle", and it says where they came from.
	earlier[0].Rows = earlier[0].Rows[:1]
	text = strings.Join(allTexts(t, RenderDigest(digest.Make(digestReport(), digestSites, earlier), "")), "\n")
	if !strings.Contains(text, "*3 idle* (not in the last digest)") {
		t.Errorf("the new line does not say it is new:\n%s", text)
	}
}

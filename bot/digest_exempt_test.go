package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/digest"
	"lastactive/seat"
)

// exemptDigestReport is digestReport with everyone told apart by email,
// Finn (idle in Jira Software, EUR 8.60 a seat) and the person without a
// name (idle in Confluence, no price) exempt.
func exemptDigestReport() *seat.Report {
	rep := digestReport()
	for i := range rep.Rows {
		rep.Rows[i].AccountID, rep.Rows[i].Email = fmt.Sprintf("p%d", i), fmt.Sprintf("p%d@example.com", i)
	}
	rep.MarkExempt([]seat.Exemption{{Email: "p5@example.com", Product: "jira"}, {Email: "p6@example.com", Product: "confluence"}})
	return rep
}

// TestDigestMarksExemptSeats: the digest a manager reads before a renewal
// counted seats exempted with /lastactive exempt (kept on purpose) in its
// cost and named them among the idle longest unmarked, as the idle report
// did before 642c966. It now says them as the idle report does: the cost
// "of which … for N exempt seats", the summary's count, each line's part,
// the exempt person marked (and after the others: Finn, idle longest in
// Jira, gives his place to someone a manager can act on); exemptions that
// cannot be read are said to be so.
func TestDigestMarksExemptSeats(t *testing.T) {
	t.Parallel()
	m := RenderDigest(digest.Make(exemptDigestReport(), digestSites, nil), "")
	golden(t, "digest_exempt", m)
	text := strings.Join(allTexts(t, m), "\n")
	for _, want := range []string{
		"cost about *EUR 77.40 a month* at your seat prices, of which EUR 8.60 for 1 exempt seat",
		EscapeMrkdwn(seat.ExemptSeatsNote(2)),
		"EUR 77.40 a month, of which EUR 8.60 for 1 exempt seat",
		"0 never used · 0 new · 1 exempt seat",
		"a person without a name (120 days, exempt)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest with exempt seats lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Finn") || strings.Contains(text, seat.ExemptionsUnreadNote) {
		t.Errorf("the digest names Finn (exempt, pushed out by five who are not) or says the exemptions were not read:\n%s", text)
	}

	rep := digestReport()
	rep.ExemptionsUnread = true
	text = strings.Join(allTexts(t, RenderDigest(digest.Make(rep, digestSites, nil), "")), "\n")
	if !strings.Contains(text, ":warning: "+EscapeMrkdwn(seat.ExemptionsUnreadNote)) {
		t.Errorf("exemptions unread, the digest does not say so:\n%s", text)
	}
	text = strings.Join(allTexts(t, RenderDigest(digest.Make(digestReport(), digestSites, nil), "")), "\n")
	if strings.Contains(text, "exempt") {
		t.Errorf("a digest without exemptions speaks of them:\n%s", text)
	}
}

// TestDigestFullListMarksExemptSeats: the digest's Full list button sends
// the idle report's CSV, which had no "exempt until" column even with
// exempt seats in it: the list behind the digest marks them as
// /lastactive idle's does.
func TestDigestFullListMarksExemptSeats(t *testing.T) {
	t.Parallel()
	users, store := exemptOrg()
	scanner := seat.NewScanner(seat.ScanConfig{Dir: atlassiantest.OrgUserList(users), Now: func() time.Time { return idleNow },
		Prices: seat.Prices{"confluence": 10, "jira-software": 5}})
	defer scanner.Close()
	files := &fakeFiles{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
		Scanner: scanner, Now: func() time.Time { return idleNow }, IdleDays: 90, Files: files, Exemptions: store})
	r := svc.DigestFullList(context.Background(), Request{UserID: "U1", ChannelID: "C1"})
	if r.Outcome != OutcomeOK || len(files.sent) != 1 {
		t.Fatalf("outcome %q, %d files sent", r.Outcome, len(files.sent))
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files.sent[0].Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := recs[0]; h[len(h)-1] != "exempt until" {
		t.Errorf("the Full list's CSV header is %q, want the exempt until column last", h)
	}
	if !strings.Contains(messageText(t, r.Message), "exempt until") {
		t.Errorf("the Full list reply does not name the exempt column:\n%s", messageText(t, r.Message))
	}
}

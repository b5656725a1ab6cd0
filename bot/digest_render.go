package bot

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Action IDs of the digest and App Home buttons.
const (
	ActionDigestFullList = "digest_full_list"
	ActionScanNow        = "home_scan_now"
)

// maxDigestLines is how many product/site lines a digest or the home view
// shows; the CSV behind "Full list" has everything.
const maxDigestLines = 15

// lineCost is what l's unused seats cost a month; 0 unpriced.
func lineCost(l digest.Line) float64 {
	if !l.HasPrice {
		return 0
	}
	return l.Price * float64(l.Unused())
}

// RenderDigest renders a digest for a channel: counts per product and site
// with the change since the previous digest, the cost of idle seats, the
// people idle longest per product by name only, never an email (issue 17:
// "names, not emails, in a channel"), the chart (chartFileID, a file
// uploaded by the bot; "" for none) and the "Full list" button, which
// sends the CSV to a report user's DMs.
func RenderDigest(d *digest.Digest, chartFileID string) Message {
	return renderDigest(d, chartFileID, true)
}

// RenderPrivateDigest is the digest for one report user's eyes
// (/lastactive digest): the same as the channel's.
func RenderPrivateDigest(d *digest.Digest, chartFileID string) Message {
	return renderDigest(d, chartFileID, true)
}

// renderDigest renders d; without chart, nothing is said of a chart (the
// printed digest, which never uploads one, says it its own way).
func renderDigest(d *digest.Digest, chartFileID string, chart bool) Message {
	since := "This is the first digest: the next one will show the change since this one."
	switch {
	case d.HistoryUnavailable:
		since = "The change since the last digest is unavailable: the bot cannot reach its database."
	case d.PreviousDays > 0:
		since = fmt.Sprintf("No change is shown: the last digest, on %s, counted idle at %s, this one at %s.",
			dayToken(d.Previous), days(d.PreviousDays), days(d.Days))
	case !d.Previous.IsZero():
		since = fmt.Sprintf("Change since the last digest on %s.", dayToken(d.Previous))
	}
	summary := fmt.Sprintf("*%s*%s: %s active · *%s idle*%s · *%s never used*%s · %s new (joined less than %s ago).\n%s",
		seat.Count(d.Total.Seats, "seat", "seats"), capacityText(d.Total.Capacity),
		thousands(d.Total.Active), thousands(d.Total.Idle), changeText(d.Total.Change.Known, d.Total.Change.Idle, "idle"),
		thousands(d.Total.Never), changeText(d.Total.Change.Known, d.Total.Change.Never, "never used"),
		thousands(d.Total.New), days(d.Days), since)
	if d.Priced {
		summary += fmt.Sprintf("\nIdle and never-used seats cost about *%s a month* at your seat prices%s%s.", money(d.Cost, d.Currency),
			EscapeMrkdwn(seat.ExemptCostNote(d.ExemptCost, d.ExemptPriced, d.Currency)), EscapeMrkdwn(seat.UnpricedNote(d.Unpriced)))
	}
	summary += exemptNotes(d.Total.Exempt, d.ExemptionsUnread)
	blocks := []slack.Block{
		// A header is plain text: its day would be one zone's (UTC's Sunday
		// for a Monday 09:00 in Sydney). The day follows as a date token,
		// which each reader sees in their own zone.
		slack.NewHeaderBlock(plain("Seat digest"), slack.HeaderBlockOptionBlockID("digest_header")),
		slack.NewSectionBlock(mrkdwn(longDayToken(d.Now)+"\n"+summary), nil, nil, slack.SectionBlockOptionBlockID("digest_summary")),
	}
	lines := make([]string, 0, len(d.Lines))
	for _, l := range d.Lines {
		lines = append(lines, digestLine(l, d.Currency))
	}
	// What the last digest had and this one has not: the total's change
	// counts it, so it is said, or the lines' changes did not add up.
	for _, l := range d.Gone {
		was := "−" + seat.Count(-l.Change.Seats, "seat", "seats")
		if l.Change.Idle < 0 {
			was += " · −" + thousands(-l.Change.Idle) + " idle"
		}
		if l.Change.Never < 0 {
			was += " · −" + thousands(-l.Change.Never) + " never used"
		}
		lines = append(lines, fmt.Sprintf("*%s* · %s: no seats now (%s)", EscapeMrkdwn(productName(l.Key)), EscapeMrkdwn(sanitize(l.Site, 64)), was))
	}
	if len(lines) == 0 {
		lines = []string{"Nobody in the organisation has a product seat."}
	}
	// Gone lines have no seats, so they are the first left out.
	all := slices.Concat(d.Lines, d.Gone)
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinMostUnused("*By product and site*", lines, func(i, j int) int {
		return cmp.Or(cmp.Compare(all[j].Unused(), all[i].Unused()), cmp.Compare(lineCost(all[j]), lineCost(all[i])))
	}, maxDigestLines, maxSectionChars)), nil, nil, slack.SectionBlockOptionBlockID("digest_groups")))
	if longest := longestLines(d); len(longest) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinLines(longestHead, longest, maxDigestLines, maxSectionChars)),
			nil, nil, slack.SectionBlockOptionBlockID("digest_longest")))
	}
	switch {
	case d.HistoryUnavailable && chartFileID == "":
		blocks = append(blocks, slack.NewContextBlock("digest_chart", mrkdwn("The trend chart is unavailable: the bot cannot reach its database.")))
	case !chart && len(digest.SamePeriod(d.History)) >= 2:
		// No upload was tried: not "could not be uploaded".
	default:
		blocks = append(blocks, chartBlock(chartFileID, d.History, "digest_chart"))
	}
	notes := seat.ActiveNote + " " + fmt.Sprintf("Read from Atlassian at %s.", instantToken(d.ReadAt))
	blocks = append(blocks, slack.NewContextBlock("digest_notes", mrkdwn(notes)))
	blocks = append(blocks, slack.NewActionBlock("digest_actions",
		slack.NewButtonBlockElement(ActionDigestFullList, "csv", plain("Full list"))))

	fallback := fmt.Sprintf("Seat digest: %s idle%s and %s never used of %s.", thousands(d.Total.Idle),
		changeText(d.Total.Change.Known, d.Total.Change.Idle, "idle"), thousands(d.Total.Never), seat.Count(d.Total.Seats, "seat", "seats"))
	return Message{Text: fallback, Blocks: blocks}
}

const longestHead = "*Idle longest*"

// longestLines are the digest's lines of the people idle longest, one per
// product.
func longestLines(d *digest.Digest) []string {
	var longest []string
	for _, p := range d.Longest {
		names := make([]string, 0, len(p.People))
		for _, i := range p.People {
			exempt := ""
			if i.Exempt {
				exempt = ", exempt"
			}
			names = append(names, fmt.Sprintf("%s (%s%s)", idlerName(i), days(i.DaysIdle), exempt))
		}
		longest = append(longest, "*"+EscapeMrkdwn(productName(p.Key))+"*: "+strings.Join(names, ", "))
	}
	return longest
}

// DigestShows is whom the rendered digest d names (its people idle
// longest, on the lines it shows), each once: the emails and account IDs
// its audit entry names, so that their trails say who saw their names.
func DigestShows(d *digest.Digest) (emails, accountIDs []string) {
	if d == nil {
		return nil, nil
	}
	shown := shownLines(longestHead, longestLines(d), maxDigestLines, maxSectionChars)
	for _, p := range d.Longest[:shown] {
		for _, i := range p.People {
			if e := NormaliseEmail(i.Email); e != "" && !slices.Contains(emails, e) {
				emails = append(emails, e)
			}
			if i.AccountID != "" && !slices.Contains(accountIDs, i.AccountID) {
				accountIDs = append(accountIDs, i.AccountID)
			}
		}
	}
	return emails, accountIDs
}

// digestReply names in r, for its audit entry, whom digest d showed.
func digestReply(r Reply, d *digest.Digest) Reply {
	emails, ids := DigestShows(d)
	r.Targets = emails
	for _, id := range ids {
		r.People = append(r.People, Person{Account: atlassian.Account{AccountID: id}})
	}
	return r
}

// chartBlock shows the uploaded chart, or says when the trend starts.
func chartBlock(fileID string, history []state.Snapshot, blockID string) slack.Block {
	if fileID != "" {
		return slack.NewImageBlockSlackFile(&slack.SlackFileObject{ID: fileID},
			"Chart of idle seats per product, digest by digest", blockID, plain("Idle seats per product"))
	}
	// Not "next week": LASTACTIVE_DIGEST_SCHEDULE may be daily or @every.
	t := "The trend chart starts with the next digest, once two digests are stored."
	switch same := digest.SamePeriod(history); {
	case len(same) >= 2:
		t = "The trend chart could not be uploaded this time."
	case len(history) >= 2:
		// Only the snapshots of the current idle period are drawn.
		t = fmt.Sprintf("The trend chart starts again with the next digest: the idle period is now %s, and seats counted idle at another period are not drawn with these.",
			days(history[len(history)-1].IdleDays))
	}
	return slack.NewContextBlock(blockID, mrkdwn(t))
}

func digestLine(l digest.Line, currency string) string {
	t := fmt.Sprintf("*%s* · %s: %s%s · %s active · *%s idle*%s · %s never used · %s new",
		EscapeMrkdwn(productName(l.Key)), EscapeMrkdwn(sanitize(l.Site, 64)), seat.Count(l.Seats, "seat", "seats"), capacityText(l.Capacity),
		thousands(l.Active), thousands(l.Idle), lineChangeText(l.Change), thousands(l.Never), thousands(l.New))
	switch {
	case l.HasPrice && l.Unused() > 0:
		// Each cost rounded as it is shown, as the summary adds them
		// (seat.Report.ExemptCost).
		t += fmt.Sprintf(" · %s a month%s", money(float64(l.Unused())*l.Price, currency),
			EscapeMrkdwn(seat.ExemptCostNote(seat.RoundMoney(float64(l.Exempt)*l.Price, currency), l.Exempt, currency)))
	case l.Exempt > 0:
		t += " · " + seat.Count(l.Exempt, "exempt seat", "exempt seats")
	}
	return t
}

func capacityText(capacity int) string {
	if capacity <= 0 {
		return ""
	}
	return " of " + thousands(capacity) + " licensed"
}

// lineChangeText is a line's change of idle seats (changeText), or that
// the last digest had no such line: the total's change counts its seats.
func lineChangeText(c digest.Change) string {
	if c.Added {
		return " (not in the last digest)"
	}
	return changeText(c.Known, c.Idle, "idle")
}

// changeText is " (+3 idle)", " (−2 idle)" or " (no change)"; "" when the
// previous digest did not have the line.
func changeText(known bool, delta int, what string) string {
	switch {
	case !known:
		return ""
	case delta > 0:
		return fmt.Sprintf(" (+%s %s)", thousands(delta), what)
	case delta < 0:
		return fmt.Sprintf(" (−%s %s)", thousands(-delta), what)
	}
	return " (no change)"
}

func idlerName(i digest.Idler) string {
	if n := EscapeMrkdwn(sanitize(i.Name, maxNameRunes)); n != "" {
		return n
	}
	return "a person without a name"
}

// dayToken and instantToken are Slack date tokens, so each reader of the
// channel sees the dates in their own time zone (plain dates in the text
// fallback), as in lookup replies.
func dayToken(t time.Time) string { return dateToken(t, time.Time{}) }

// longDayToken is the day of instant t, in the reader's zone, written out
// ("Monday, December 7th, 2026"); the fallback is the UTC date.
func longDayToken(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_long}|%s>", t.Unix(), t.UTC().Format(time.DateOnly))
}

func instantToken(t time.Time) string { return asOfToken(t) }

// HomeFacts is what the report users' App Home shows, all from the store.
type HomeFacts struct {
	History []state.Snapshot // oldest first; the last is the latest summary
	// HistoryUnavailable: the stored summaries could not be read (the
	// database is down), which is not that none is stored.
	HistoryUnavailable bool
	ChartFileID        string
	Scanning           bool // a scan is running now
	// ScanRefused, when not empty, says why the reader's Scan now did not
	// run (their rate limit).
	ScanRefused string
	// ScanFailed, when not empty, says why the reader's Scan now ran and
	// failed (mrkdwn, from ErrorText).
	ScanFailed string
	// KeepRelease is keep or release's part; nil: not set up, not shown.
	KeepRelease *KeepReleaseFacts
}

// RenderHomeReport is the App Home of a report user: the latest stored
// summary per product and site, the chart, when the last scan ran, and
// "Scan now".
func RenderHomeReport(f HomeFacts) slack.HomeTabViewRequest {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Seats at a glance"), slack.HeaderBlockOptionBlockID("home_header"))}
	switch {
	case len(f.History) == 0 && f.HistoryUnavailable:
		// Not "no scan stored yet", as on a new install: the digests are
		// stored, but cannot be read now (as the digest says of its change).
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("The last seat summary is unavailable: the bot cannot reach its database. Try again later."),
			nil, nil, slack.SectionBlockOptionBlockID("home_empty")))
	case len(f.History) == 0:
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("No scan of the organisation is stored yet. Press *Scan now*, or wait for the next digest."),
			nil, nil, slack.SectionBlockOptionBlockID("home_empty")))
	default:
		last := f.History[len(f.History)-1]
		var lines []string
		var tot state.SnapshotRow
		for _, r := range last.Rows {
			l := fmt.Sprintf("*%s* · %s: %s%s · %s active · *%s idle* · %s never used · %s new",
				EscapeMrkdwn(productName(r.Product)), EscapeMrkdwn(sanitize(r.Site, 64)), seat.Count(r.Seats, "seat", "seats"),
				capacityText(r.Capacity), thousands(r.Active), thousands(r.Idle), thousands(r.NeverUsed), thousands(r.New))
			if r.Exempt > 0 {
				l += " · " + seat.Count(r.Exempt, "exempt seat", "exempt seats")
			}
			lines = append(lines, l)
			tot.Seats += r.Seats
			tot.Idle += r.Idle
			tot.NeverUsed += r.NeverUsed
			tot.Exempt += r.Exempt
		}
		// The scan's exempt seats, as the digest made with it said them.
		head := fmt.Sprintf("Last scan: %s (idle means not used for %s). *%s*: *%s idle* · *%s never used*.%s",
			instantToken(last.Taken), days(last.IdleDays), seat.Count(tot.Seats, "seat", "seats"), thousands(tot.Idle), thousands(tot.NeverUsed),
			exemptNotes(tot.Exempt, last.Exemptions == state.ExemptionsUnread))
		blocks = append(blocks,
			slack.NewSectionBlock(mrkdwn(head), nil, nil, slack.SectionBlockOptionBlockID("home_summary")),
			slack.NewSectionBlock(mrkdwn(joinMostUnused("*By product and site*", lines, func(i, j int) int {
				return cmp.Compare(last.Rows[j].Idle+last.Rows[j].NeverUsed, last.Rows[i].Idle+last.Rows[i].NeverUsed)
			}, maxDigestLines, maxSectionChars)), nil, nil, slack.SectionBlockOptionBlockID("home_groups")),
			chartBlock(f.ChartFileID, f.History, "home_chart"))
	}
	scan := "Scan now reads every account from Atlassian (paced, shared with any scan already running) and updates this page."
	if f.Scanning {
		scan = ":hourglass_flowing_sand: A scan is running; this page updates when it ends."
	}
	if f.ScanRefused != "" {
		scan = ":no_entry: Scan now did not run. " + EscapeMrkdwn(f.ScanRefused)
	}
	if f.ScanFailed != "" {
		scan = ":warning: Scan now failed; this page shows the last scan stored. " + f.ScanFailed
	}
	blocks = append(blocks,
		slack.NewContextBlock("home_scan_note", mrkdwn(scan)),
		slack.NewActionBlock("home_actions", slack.NewButtonBlockElement(ActionScanNow, "scan", plain("Scan now"))))
	if f.KeepRelease != nil {
		blocks = append(blocks, keepReleaseBlocks(f.KeepRelease)...)
	}
	blocks = append(blocks,
		slack.NewContextBlock("home_help", mrkdwn("`/lastactive digest` shows the digest now; `/lastactive idle` the full report with the CSV.")))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// RenderHomeUsage is the App Home of everyone else: how to use the command,
// and whether they may.
func RenderHomeUsage(allowed bool) slack.HomeTabViewRequest {
	may := ":white_check_mark: You may use `/lastactive` here."
	if !allowed {
		may = ":no_entry: You are not on the list of people who may use `/lastactive`. Ask your Slack admin if you need it."
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("lastactive"), slack.HeaderBlockOptionBlockID("home_header")),
		slack.NewSectionBlock(mrkdwn("Tells you when a person last used each Atlassian product (Jira, Confluence, …), privately."),
			nil, nil, slack.SectionBlockOptionBlockID("home_about")),
		slack.NewSectionBlock(mrkdwn("*How to use it*\n• `/lastactive ada@example.com`: one person\n• `/lastactive @Ada`: a Slack user\n"+
			"• `/lastactive ada@example.com grace@example.com`: up to 10 people\n• `/lastactive help`: everything else"),
			nil, nil, slack.SectionBlockOptionBlockID("home_usage")),
		slack.NewContextBlock("home_access", mrkdwn(may)),
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

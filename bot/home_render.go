package bot

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// maxHomeRows is how many rows each keep-or-release list of App Home
// shows; the rest are counted.
const maxHomeRows = 10

// KeepReleaseFacts is what a report user's App Home shows of keep or
// release, all from the store: no Atlassian call on open.
type KeepReleaseFacts struct {
	Pending   []state.Nudge          // asked, not answered, not escalated; oldest first
	Approvals []state.ReleaseRequest // release requests nobody decided; oldest first
	// DryRunMode: LASTACTIVE_NUDGE=dry-run, so the last dry run is shown.
	DryRunMode bool
	DryRun     *state.DryRun   // the last dry run; nil: none recorded yet
	Sites      atlassian.Sites // the sites known now, to name those of Pending and Approvals
	// Unreadable: the store could not be read; the lists are not shown.
	Unreadable bool
	// Exempt is the exemptions in force (/lastactive exempt): rows of
	// exempt seats are marked, so that none is released by mistake.
	Exempt seat.ExemptIndex
	// ExemptionsUnread: they could not be read, so no row is marked.
	ExemptionsUnread bool
}

// exemptMark is what a row of email's product adds when it is exempt.
func (f *KeepReleaseFacts) exemptMark(email, product string) string {
	if _, ok := f.Exempt.Exempt(email, product); ok {
		return " · exempt"
	}
	return ""
}

// keepReleaseBlocks is the keep-or-release part of the report users' App
// Home: what waits for an answer, what waits for an approver and, under
// dry-run, what the last round would have sent and whom it skipped and
// why. A handful of sections, each at most maxHomeRows rows, so the view
// stays far within Slack's 100 blocks whatever the numbers.
func keepReleaseBlocks(f *KeepReleaseFacts) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Keep or release"), slack.HeaderBlockOptionBlockID("home_kr_header"))}
	if f.Unreadable {
		return append(blocks, slack.NewSectionBlock(mrkdwn(":warning: The database could not be read, so the nudges and approvals are not shown. Open this tab again later."),
			nil, nil, slack.SectionBlockOptionBlockID("home_kr_unreadable")))
	}
	var pending []string
	for _, n := range f.Pending {
		l := fmt.Sprintf("%s · *%s* on %s · asked %s", personRef(n.SlackUser, n.Email), EscapeMrkdwn(productName(n.ProductKey)),
			EscapeMrkdwn(seat.SiteLabel(f.Sites, n.Product)), dayToken(n.Asked))
		if !n.Reminded.IsZero() {
			l += ", reminded " + dayToken(n.Reminded)
		}
		pending = append(pending, l+f.exemptMark(n.Email, n.ProductKey))
	}
	text := "Nobody is waiting to answer a nudge."
	if len(pending) > 0 {
		text = homeRows(fmt.Sprintf("*Waiting for an answer (%s)*: asked whether they still need a seat", thousands(len(pending))), pending, len(pending))
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID("home_nudges")))

	var approvals []string
	for _, r := range f.Approvals {
		by := "escalated: no answer to the nudge and its reminder"
		switch {
		case validUserID(r.Requester):
			by = "requested by <@" + r.Requester + ">"
		case r.SlackAccountGone:
			// Said as the approvers' message says it: they were never
			// reminded, so "no answer" would blame them for silence.
			by = "escalated: their Slack account was deactivated after the nudge"
		}
		approvals = append(approvals, fmt.Sprintf("%s · *%s* on %s · %s, %s%s", EscapeMrkdwn(r.Email), EscapeMrkdwn(productName(r.ProductKey)),
			EscapeMrkdwn(seat.SiteLabel(f.Sites, r.Product)), by, dayToken(r.Created), f.exemptMark(r.Email, r.ProductKey)))
	}
	text = "No release request is waiting for an approver."
	if len(approvals) > 0 {
		text = homeRows(fmt.Sprintf("*Waiting for an approver (%s)*: release requests nobody has decided", thousands(len(approvals))), approvals, len(approvals))
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID("home_approvals")))

	if f.DryRunMode {
		blocks = append(blocks, dryRunBlocks(f.DryRun, f)...)
	}
	if f.ExemptionsUnread {
		blocks = append(blocks, slack.NewContextBlock("home_kr_exemptions", mrkdwn(":warning: "+EscapeMrkdwn(seat.ExemptionsUnreadNote))))
	}
	return blocks
}

// dryRunBlocks shows the last dry run: whom it would ask about what, and
// whom it skipped and why (counts by reason, then the first rows).
func dryRunBlocks(d *state.DryRun, f *KeepReleaseFacts) []slack.Block {
	if d == nil {
		return []slack.Block{slack.NewSectionBlock(mrkdwn("*Dry run* (`LASTACTIVE_NUDGE=dry-run`): no round is recorded yet. "+
			"The next scheduled round records one, or run `lastactive nudge --dry-run`."), nil, nil, slack.SectionBlockOptionBlockID("home_dry_run"))}
	}
	var asked []string
	for _, a := range d.Asked {
		items := make([]string, 0, len(a.Items))
		for _, it := range a.Items {
			last := "never used"
			if !it.LastActive.IsZero() {
				last = "last active " + dayToken(it.LastActive)
			}
			if f.exemptMark(a.Email, it.ProductKey) != "" {
				last += ", exempt"
			}
			items = append(items, fmt.Sprintf("*%s* on %s (%s)", EscapeMrkdwn(productName(it.ProductKey)), EscapeMrkdwn(it.Site), last))
		}
		who := personRef(a.SlackUser, a.Email)
		if n := EscapeMrkdwn(sanitize(a.Name, maxNameRunes)); n != "" {
			who = n + " · " + who
		}
		asked = append(asked, who+": "+strings.Join(items, ", "))
	}
	head := fmt.Sprintf("*Last dry run*, %s (`LASTACTIVE_NUDGE=dry-run`: nothing was sent). Would ask *%s*%s",
		instantToken(d.At), seat.Count(d.AskedPeople, "person", "people"), map[bool]string{true: ":", false: "."}[d.AskedPeople > 0])
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(homeRows(head, asked, d.AskedPeople)), nil, nil, slack.SectionBlockOptionBlockID("home_dry_run"))}

	if d.Skipped == 0 {
		return blocks
	}
	reasons := slices.SortedFunc(maps.Keys(d.Reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(d.Reasons[b], d.Reasons[a]), cmp.Compare(a, b))
	})
	counts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		counts = append(counts, EscapeMrkdwn(r)+": "+thousands(d.Reasons[r]))
	}
	var skips []string
	for _, s := range d.Skips {
		who := EscapeMrkdwn(s.Email)
		if n := EscapeMrkdwn(sanitize(s.Name, maxNameRunes)); n != "" {
			who = n + " (" + who + ")"
		}
		skips = append(skips, fmt.Sprintf("%s · *%s* on %s: %s", who, EscapeMrkdwn(productName(s.ProductKey)), EscapeMrkdwn(s.Site), EscapeMrkdwn(s.Reason)))
	}
	head = fmt.Sprintf("*Skipped (%s)*, by reason: %s", thousands(d.Skipped), strings.Join(counts, " · "))
	return append(blocks, slack.NewSectionBlock(mrkdwn(homeRows(head, skips, d.Skipped)), nil, nil, slack.SectionBlockOptionBlockID("home_dry_run_skipped")))
}

// personRef names a person by their Slack user (a mention) and email.
func personRef(slackUser, email string) string {
	if validUserID(slackUser) {
		return "<@" + slackUser + "> (" + EscapeMrkdwn(email) + ")"
	}
	return EscapeMrkdwn(email)
}

// homeRows is head and the first rows (at most maxHomeRows, within a
// section's characters), then how many of total are not shown: total may
// be more than len(rows) when the record kept only the first ones.
func homeRows(head string, rows []string, total int) string {
	const reserve = 120 // room for the "more" line
	var b strings.Builder
	b.WriteString(head)
	n := utf8.RuneCountInString(head)
	shown := 0
	for _, r := range rows {
		ln := utf8.RuneCountInString(r) + 3
		if shown == maxHomeRows || n+ln > maxSectionChars-reserve {
			break
		}
		b.WriteString("\n• ")
		b.WriteString(r)
		n += ln
		shown++
	}
	if more := total - shown; more > 0 {
		fmt.Fprintf(&b, "\n_…and %s more; `lastactive audit` has every one._", thousands(more))
	}
	return b.String()
}

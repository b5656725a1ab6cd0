package bot

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"lastactive/seat"
)

// maxIdleGroupLines is how many product/site lines the summary shows; the
// CSV has the rest.
const maxIdleGroupLines = 9

// Delivery says what became of a report's CSV, for the summary.
type Delivery struct {
	File string // file name sent
	Rows int
	Err  error // non-nil: the file could not be sent
	Off  bool  // no way to send files is set up
	// Header is the CSV's columns (seat.CSVHeaderOf); nil: seat.CSVHeader.
	Header []string
}

// RenderIdleProgress is the first reply to an idle command, and its
// updates while the organisation is read (p.Read > 0), each replaced by the
// next and finally by the result.
func RenderIdleProgress(idleDays int, p seat.Progress) Message {
	t := fmt.Sprintf(":hourglass_flowing_sand: Report running: reading every account of the organisation from Atlassian to find seats not used for %s. "+
		"Large organisations take a few minutes (Atlassian allows about 200 requests a minute, 100 accounts each). "+
		"The result will replace this message, and the full list will arrive in your direct messages.", days(idleDays))
	fallback := "Idle seats report running…"
	if p.Read > 0 {
		read := seat.Count(p.Read, "account", "accounts") + " read so far"
		if p.Expected > 0 {
			// An estimate from the last scan: the organisation may have grown.
			read = fmt.Sprintf("%s of about %s read so far", seat.Thousands(p.Read), seat.Count(p.Expected, "account", "accounts"))
		}
		t += "\n*" + read + ".*"
		fallback = "Idle seats report running: " + read + "…"
	}
	return Message{Text: fallback,
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("idle_progress"))}}
}

// RenderIdleRefused answers someone who may use the bot but not run
// org-wide reports. It names whom to ask, not the setting: the person
// asking cannot change it, and the bot's configuration is not theirs to see.
func RenderIdleRefused() Message {
	return RenderNoticeKind(NoticeRefused, "You are not allowed to run org-wide reports: they are only for the people your admins chose. Ask an admin of this bot if you need one.")
}

// RenderIdleError says why a report could not be made.
func RenderIdleError(err error) Message {
	t := ":warning: The idle seats report could not be made. " + ErrorText(err)
	return Message{Text: "The idle seats report could not be made.",
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("idle_error"))}}
}

// RenderDigestError says why the seat digest asked for privately
// (/lastactive digest) could not be made.
func RenderDigestError(err error) Message {
	t := ":warning: The seat digest could not be made. " + ErrorText(err)
	return Message{Text: "The seat digest could not be made.",
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("digest_error"))}}
}

// RenderIdleReport renders the summary: counts per product and site, the
// cost of unused seats where a price is known, the people idle longest, the
// caveats, and where the CSV went. It stays far inside Block Kit's limits
// whatever the organisation: at most 8 blocks, each text under 3,000
// characters.
func RenderIdleReport(rep *seat.Report, d Delivery) Message {
	tot := rep.Totals()
	// When it was read, in each reader's own time zone (a manager in
	// Sydney and one in Denver read the same report).
	scope := fmt.Sprintf("*%s* read from Atlassian %s. ", seat.Count(rep.Accounts, "account", "accounts"), asOfToken(rep.ReadAt))
	switch {
	case rep.NoSeat == 1:
		scope += seat.NoSeatAccounts(1) + " holds no seat and is counted apart. "
	case rep.NoSeat > 1:
		scope += seat.NoSeatAccounts(rep.NoSeat) + " hold no seat and are counted apart. "
	}
	if len(rep.Products) > 0 {
		names := make([]string, len(rep.Products))
		for i, p := range rep.Products {
			names[i] = EscapeMrkdwn(productName(p))
		}
		scope += "Products: " + strings.Join(names, ", ") + ". "
	}
	scope += fmt.Sprintf("\n*%s*: %s active · *%s idle* · *%s never used* · %s new (joined less than %s ago).",
		seat.Count(tot.Seats, "seat", "seats"), thousands(tot.Active), thousands(tot.Idle), thousands(tot.Never), thousands(tot.New), days(rep.Days))
	if cost, ok := rep.MonthlyCost(); ok {
		exempt, n := rep.ExemptCost()
		scope += fmt.Sprintf("\nIdle and never-used seats cost about *%s a month* at your seat prices%s%s.", money(cost, rep.Currency),
			EscapeMrkdwn(seat.ExemptCostNote(exempt, n, rep.Currency)), EscapeMrkdwn(seat.UnpricedNote(rep.UnpricedUnused())))
	}
	scope += exemptNotes(tot.ExemptUnused, rep.ExemptionsUnread)

	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Idle seats: not used for "+days(rep.Days)), slack.HeaderBlockOptionBlockID("idle_header")),
		slack.NewSectionBlock(mrkdwn(scope), nil, nil, slack.SectionBlockOptionBlockID("idle_scope")),
	}

	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(groupLines(rep)), nil, nil, slack.SectionBlockOptionBlockID("idle_groups")))

	if len(rep.Longest) > 0 {
		longest := make([]string, 0, len(rep.Longest))
		for i, r := range rep.Longest {
			l := fmt.Sprintf("%d. %s: %s, last active %s (%s)", i+1, rowWho(r), productLabel(r.Key, r.SiteName),
				dayToken(r.LastActive), days(r.DaysIdle))
			if r.Exempt {
				l += " · exempt"
			}
			longest = append(longest, l)
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinLines("*Idle longest*", longest, seat.MaxLongestIdle, maxSectionChars)),
			nil, nil, slack.SectionBlockOptionBlockID("idle_longest")))
	}

	notes := []string{seat.ActiveNote, fmt.Sprintf("Never used: no recorded activity and in the org for %s or more.", days(rep.Days))}
	blocks = append(blocks, slack.NewContextBlock("idle_notes", mrkdwn(strings.Join(notes, " "))))
	if _, ok := rep.MonthlyCost(); ok {
		blocks = append(blocks, slack.NewContextBlock("idle_billing", mrkdwn(seat.BillingNote)))
	} else if rep.PricesSet {
		blocks = append(blocks, slack.NewContextBlock("idle_billing", mrkdwn("LASTACTIVE_SEAT_PRICES is set but prices none of the products "+
			"in this report, so no cost is shown: check its product keys (a misspelt one is warned about at start).")))
	} else {
		blocks = append(blocks, slack.NewContextBlock("idle_billing", mrkdwn("Set LASTACTIVE_SEAT_PRICES (e.g. confluence=6.05) to see what idle seats cost.")))
	}
	blocks = append(blocks, slack.NewContextBlock("idle_file", mrkdwn(deliveryText(d))))

	fallback := fmt.Sprintf("Idle seats (not used for %s): %s idle and %s never used of %s.",
		days(rep.Days), thousands(tot.Idle), thousands(tot.Never), seat.Count(tot.Seats, "seat", "seats"))
	return Message{Text: fallback, Blocks: blocks}
}

// groupLines is the summary's section of product and site lines; when
// not all fit, those left out are the ones with the fewest unused (idle
// and never used) seats, and the cheapest of equal ones
// (joinMostUnused). The CSV has every seat.
func groupLines(rep *seat.Report) string {
	const head = "*By product and site*"
	if len(rep.Groups) == 0 {
		return head + "\nNobody has access to the products asked about."
	}
	lines := make([]string, 0, len(rep.Groups))
	for _, g := range rep.Groups {
		lines = append(lines, groupLine(g, rep.Currency))
	}
	return joinMostUnused(head, lines, func(i, j int) int {
		a, b := &rep.Groups[i], &rep.Groups[j]
		return cmp.Or(cmp.Compare(b.Unused(), a.Unused()), cmp.Compare(b.MonthlyCost(), a.MonthlyCost()))
	}, maxIdleGroupLines, maxSectionChars)
}

func groupLine(g seat.Group, currency string) string {
	l := fmt.Sprintf("*%s*: %s · %s active · *%s idle* · %s never used · %s new",
		productLabel(g.Key, g.SiteName), seat.Count(g.Seats, "seat", "seats"), thousands(g.Active), thousands(g.Idle), thousands(g.Never), thousands(g.New))
	if g.HasPrice && g.Unused() > 0 {
		l += fmt.Sprintf("\n      %s × %s = *%s a month*", seat.Count(g.Unused(), "unused seat", "unused seats"),
			EscapeMrkdwn(seat.UnitPrice(g.Price, currency)), money(g.MonthlyCost(), currency))
	}
	return l
}

func days(n int) string { return seat.Count(n, "day", "days") }

// productLabel is "Confluence (site 58d24034)": the site is short, as the
// summary only needs to tell sites apart; the CSV has the whole ID.
func productLabel(key, site string) string {
	l := EscapeMrkdwn(productName(key))
	if s := sanitize(site, 80); s != "" {
		l += " on " + EscapeMrkdwn(s)
	}
	return l
}

func rowWho(r seat.Row) string {
	name := EscapeMrkdwn(sanitize(r.Name, maxNameRunes))
	email := EscapeMrkdwn(sanitize(r.Email, maxEmailRunes))
	switch {
	case name != "" && email != "":
		return "*" + name + "* · " + email
	case name != "":
		return "*" + name + "*"
	case email != "":
		return email
	}
	return "account " + EscapeMrkdwn(sanitize(r.AccountID, 64))
}

// unconfirmedShare reports whether err is the CSV's last step,
// files.completeUploadExternal, left unanswered (a 5xx, a timeout, a
// dropped connection): Slack may have shared the file.
func unconfirmedShare(err error) bool {
	var se *SlackError
	return errors.As(err, &se) && se.Method == "files.completeUploadExternal" && se.Kind == ErrSlackUnavailable
}

func deliveryText(d Delivery) string {
	switch {
	case d.Off:
		return "The full list could not be sent: this bot is not set up to send files."
	case unconfirmedShare(d.Err):
		// The share is sent once (SlackFiles): unanswered, it may have
		// been made, and "try again" sent a second copy of the report.
		return ":warning: Slack did not confirm that it shared the full list in your direct messages; it may have arrived. Look there before asking again."
	case d.Err != nil && !errors.Is(d.Err, ErrSlackMissingScope) && errors.As(d.Err, new(*SlackError)):
		t, _ := slackFailureText(d.Err, "send the full list to your direct messages")
		return ":warning: " + t
	case d.Err != nil:
		return ":warning: The full list could not be sent to your direct messages. Ask your Slack admin to check that the app has the im:write and files:write scopes."
	}
	header := d.Header
	if header == nil {
		header = seat.CSVHeader()
	}
	return fmt.Sprintf(":page_facing_up: The full list (%s: "+strings.Join(header, ", ")+") is in your direct messages as %s.",
		seat.Count(d.Rows, "row", "rows"), EscapeMrkdwn(d.File))
}

// thousands writes n with thousands separators: 50000 → 50,000.
func thousands(n int) string { return seat.Thousands(n) }

// money writes an amount in the configured currency (LASTACTIVE_CURRENCY),
// escaped for mrkdwn though a valid code needs none.
func money(x float64, currency string) string { return EscapeMrkdwn(seat.Money(x, currency)) }

// exemptNotes is what a summary says of its exempt seats, on lines of its
// own: how many of the unused seats are exempt, or that the exemptions
// could not be read, so that none marked is not taken for none exempt.
// The idle report, the digest and App Home say it alike.
func exemptNotes(exemptUnused int, unread bool) string {
	s := ""
	if note := seat.ExemptSeatsNote(exemptUnused); note != "" {
		s += "\n" + EscapeMrkdwn(note)
	}
	if unread {
		s += "\n:warning: " + EscapeMrkdwn(seat.ExemptionsUnreadNote)
	}
	return s
}

package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
}

// RenderIdleProgress is the first reply to an idle command, replaced by
// the result.
func RenderIdleProgress(days int) Message {
	t := fmt.Sprintf(":hourglass_flowing_sand: Report running: reading every account of the organisation from Atlassian to find seats not used for %d days. "+
		"Large organisations take a few minutes (Atlassian allows about 200 requests a minute, 100 accounts each). "+
		"The result will replace this message, and the full list will arrive in your direct messages.", days)
	return Message{Text: "Idle seats report running…",
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("idle_progress"))}}
}

// RenderIdleError says why a report could not be made.
func RenderIdleError(err error) Message {
	t := ":warning: The idle seats report could not be made. " + ErrorText(err)
	return Message{Text: "The idle seats report could not be made.",
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(t), nil, nil, slack.SectionBlockOptionBlockID("idle_error"))}}
}

// RenderIdleReport renders the summary: counts per product and site, the
// cost of unused seats where a price is known, the people idle longest, the
// caveats, and where the CSV went. It stays far inside Block Kit's limits
// whatever the organisation: at most 8 blocks, each text under 3,000
// characters.
func RenderIdleReport(rep *seat.Report, d Delivery) Message {
	tot := rep.Totals()
	scope := fmt.Sprintf("*%s accounts* read from Atlassian at %s UTC. ", thousands(rep.Accounts), rep.ReadAt.UTC().Format("2006-01-02 15:04"))
	if rep.NoSeat > 0 {
		scope += fmt.Sprintf("%s deactivated or suspended accounts hold no seat and are counted apart. ", thousands(rep.NoSeat))
	}
	if len(rep.Products) > 0 {
		names := make([]string, len(rep.Products))
		for i, p := range rep.Products {
			names[i] = EscapeMrkdwn(productName(p))
		}
		scope += "Products: " + strings.Join(names, ", ") + ". "
	}
	scope += fmt.Sprintf("\n*%s seats*: %s active · *%s idle* · *%s never used* · %s new (joined less than %d days ago).",
		thousands(tot.Seats), thousands(tot.Active), thousands(tot.Idle), thousands(tot.Never), thousands(tot.New), rep.Days)
	if cost, ok := rep.MonthlyCost(); ok {
		scope += fmt.Sprintf("\nIdle and never-used seats cost about *%s a month* at your seat prices.", money(cost))
	}

	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(fmt.Sprintf("Idle seats: not used for %d days", rep.Days)), slack.HeaderBlockOptionBlockID("idle_header")),
		slack.NewSectionBlock(mrkdwn(scope), nil, nil, slack.SectionBlockOptionBlockID("idle_scope")),
	}

	// joinLines keeps each section under Slack's limit even when names or
	// product keys from upstream are long; the CSV has everything.
	lines := make([]string, 0, len(rep.Groups))
	for _, g := range rep.Groups {
		lines = append(lines, groupLine(g))
	}
	if len(lines) == 0 {
		lines = []string{"Nobody has access to the products asked about."}
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinLines("*By product and site*", lines, maxIdleGroupLines, maxSectionChars)),
		nil, nil, slack.SectionBlockOptionBlockID("idle_groups")))

	if len(rep.Longest) > 0 {
		longest := make([]string, 0, len(rep.Longest))
		for i, r := range rep.Longest {
			longest = append(longest, fmt.Sprintf("%d. %s: %s, last active %s (%s days)", i+1, rowWho(r), productLabel(r.Key, r.Site),
				r.LastActive.Format(time.DateOnly), thousands(r.DaysIdle)))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinLines("*Idle longest*", longest, seat.MaxLongestIdle, maxSectionChars)),
			nil, nil, slack.SectionBlockOptionBlockID("idle_longest")))
	}

	notes := []string{seat.ActiveNote, fmt.Sprintf("Never used: no recorded activity and in the org for %d days or more.", rep.Days)}
	blocks = append(blocks, slack.NewContextBlock("idle_notes", mrkdwn(strings.Join(notes, " "))))
	if _, ok := rep.MonthlyCost(); ok {
		blocks = append(blocks, slack.NewContextBlock("idle_billing", mrkdwn(seat.BillingNote)))
	} else {
		blocks = append(blocks, slack.NewContextBlock("idle_billing", mrkdwn("Set LASTACTIVE_SEAT_PRICES (e.g. confluence=6.05) to see what idle seats cost.")))
	}
	blocks = append(blocks, slack.NewContextBlock("idle_file", mrkdwn(deliveryText(d))))

	fallback := fmt.Sprintf("Idle seats (not used for %d days): %s idle and %s never used of %s seats.",
		rep.Days, thousands(tot.Idle), thousands(tot.Never), thousands(tot.Seats))
	return Message{Text: fallback, Blocks: blocks}
}

func groupLine(g seat.Group) string {
	l := fmt.Sprintf("*%s*: %s seats · %s active · *%s idle* · %s never used · %s new",
		productLabel(g.Key, g.Site), thousands(g.Seats), thousands(g.Active), thousands(g.Idle), thousands(g.Never), thousands(g.New))
	if g.HasPrice && g.Unused() > 0 {
		l += fmt.Sprintf("\n      %s unused seats × %s = *%s a month*", thousands(g.Unused()), money(g.Price), money(g.MonthlyCost()))
	}
	return l
}

// productLabel is "Confluence (site 58d24034)": the site is short, as the
// summary only needs to tell sites apart; the CSV has the whole ID.
func productLabel(key, site string) string {
	l := EscapeMrkdwn(productName(key))
	if s := clipRunes(sanitize(site, 64), 8); s != "" {
		l += " (site " + EscapeMrkdwn(s) + ")"
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

func deliveryText(d Delivery) string {
	switch {
	case d.Off:
		return "The full list could not be sent: this bot is not set up to send files."
	case d.Err != nil && !errors.Is(d.Err, ErrSlackMissingScope) && errors.As(d.Err, new(*SlackError)):
		t, _ := slackFailureText(d.Err, "send the full list to your direct messages")
		return ":warning: " + t
	case d.Err != nil:
		return ":warning: The full list could not be sent to your direct messages. Ask your Slack admin to check that the app has the im:write and files:write scopes."
	}
	return fmt.Sprintf(":page_facing_up: The full list (%s rows: name, email, account ID, product, site, last active, days idle, verdict, account status) is in your direct messages as %s.",
		thousands(d.Rows), EscapeMrkdwn(d.File))
}

// thousands writes n with thousands separators: 50000 → 50,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// money writes an amount with two decimals and separators, without a
// currency: the prices are in whatever currency the admin configured.
func money(x float64) string {
	cents := int64(x*100 + 0.5)
	return fmt.Sprintf("%s.%02d", thousands(int(cents/100)), cents%100)
}

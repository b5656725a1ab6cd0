package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/internal/wire"
	"lastactive/nudge"
	"lastactive/seat"
)

const nudgeUsage = `usage: lastactive nudge [--dry-run]

Runs one keep-or-release round now: asks each person idle in a covered
product (LASTACTIVE_NUDGE_PRODUCTS, else every product with a seat price)
whether they still need it, in a Slack direct message, then sends the
reminders and escalations that are due. With --dry-run (or
LASTACTIVE_NUDGE=dry-run) it prints whom it would ask about what and why
the others are skipped, records that in the audit trail, and sends nothing.
Needs ATLASSIAN_ORG_ID, ATLASSIAN_API_KEY, the database and SLACK_BOT_TOKEN
(it reads the Slack users); sending needs LASTACTIVE_NUDGE=on.`

// nudgeRound runs one round now and prints what it did.
func (a *app) nudgeRound(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("nudge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryFlag := fs.Bool("dry-run", false, "decide and print, send nothing")
	if err := flagerr.Hide(fs.Parse(args)); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %s", strayName(fs.Arg(0)))
		}
		fmt.Fprintf(a.stderr, "%s nudge: %v\n", programName, err)
		fmt.Fprintln(a.stderr, nudgeUsage)
		return exitUsage
	}
	n := needAdmin
	c, ok := a.config(n)
	if !ok {
		return exitConfig
	}
	dry := *dryFlag || c.NudgeMode == nudgeDryRun
	if !dry && c.NudgeMode != nudgeOn {
		fmt.Fprintf(a.stderr, "%s: configuration: LASTACTIVE_NUDGE is off: set it to on to send nudges, or use --dry-run\n", programName)
		return exitConfig
	}
	switch {
	case c.SlackBotToken == "":
		// Only Slack says who can be asked: a dry run reads its users too,
		// and without them would scan the organisation to plan nothing.
		fmt.Fprintf(a.stderr, "%s: configuration: SLACK_BOT_TOKEN is not set: a nudge round, --dry-run too, reads the Slack users to know whom it can ask\n", programName)
		return exitConfig
	}
	log := a.logger(c)
	s := settings(c, log, nil, upstreamHTTP())
	s.Nudge.Actor = cliActor() // the round is this person's, not the bot's
	if s.State = openState(ctx, c, log, nil, false); s.State == nil || s.State.Store() == nil {
		fmt.Fprintf(a.stderr, "%s: nudge: the database (LASTACTIVE_DATABASE_URL) cannot be used; rounds are recorded there\n", programName)
		if s.State != nil {
			s.State.Close()
		}
		return exitFailed
	}
	defer s.State.Close()
	app, err := wire.Build(s)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitFailed
	}
	defer app.Close()
	if app.Nudge == nil {
		fmt.Fprintf(a.stderr, "%s: nudge: not available (needs the database)\n", programName)
		return exitFailed
	}
	name := "nudge manual " + time.Now().UTC().Format(time.RFC3339Nano)
	sum, err := app.Nudge.Round(ctx, name, dry)
	// A round that failed before deciding about anyone (nothing covered,
	// another round running in this or another process, the claim or the
	// org scan failed) has nothing to sum up: "Asked: 0 people" would say
	// that everyone was looked at and nobody was due.
	if err == nil || len(sum.Asked)+len(sum.Skipped) > 0 {
		printSummary(a.stdout, sum)
	}
	if errors.Is(err, nudge.ErrNotCovered) {
		// Nothing to ask about is the configuration's fault, as
		// LASTACTIVE_NUDGE=off is above: exit 2, as --help says.
		fmt.Fprintf(a.stderr, "%s: configuration: %s\n", programName, strings.TrimPrefix(err.Error(), "nudge: "))
		return exitConfig
	}
	if err != nil {
		fmt.Fprintln(a.stderr, failedLine("nudge", err, ""))
		return exitFailed
	}
	if !dry {
		if err := app.Nudge.FollowUp(ctx); err != nil {
			fmt.Fprintf(a.stderr, "%s: nudge: reminders and escalations: %v\n", programName, err)
			return exitFailed
		}
	}
	return exitOK
}

// printSummary prints whom a round asked (or would ask) and why the others
// were skipped.
func printSummary(w io.Writer, sum nudge.Summary) {
	verb := "Asked"
	if sum.Dry {
		verb = "Would ask (dry run, nothing sent)"
	}
	fmt.Fprintf(w, "%s: %d people\n", verb, len(sum.Asked))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, p := range sum.Asked {
		var items []string
		for _, it := range p.Items {
			items = append(items, fmt.Sprintf("%s on %s (last active %s)", seat.ProductName(it.Key), it.Site, it.LastActive.UTC().Format(time.DateOnly)))
		}
		// Emails, keys and sites are upstream text: clean, as lookup's table.
		fmt.Fprintf(tw, "  %s\t%s\n", clean(p.Person.Email), clean(strings.Join(items, ", ")))
	}
	tw.Flush()
	fmt.Fprintf(w, "Skipped: %d\n", len(sum.Skipped))
	for _, s := range sum.Skipped {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", clean(s.Person.Email), clean(seat.ProductName(s.Key)+" on "+s.Site), clean(s.Reason))
	}
	tw.Flush()
}

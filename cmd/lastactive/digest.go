package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"lastactive/bot"
	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/internal/wire"
)

// digest builds the seat digest now and prints it; with --post it posts it
// to LASTACTIVE_DIGEST_CHANNEL as a slot of the schedule would.
func (a *app) digest(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	post := fs.Bool("post", false, "post it to LASTACTIVE_DIGEST_CHANNEL")
	if err := flagerr.Hide(fs.Parse(args)); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %s", strayName(fs.Arg(0)))
		}
		fmt.Fprintf(a.stderr, "%s digest: %v\n", programName, err)
		fmt.Fprintln(a.stderr, usages["digest"])
		return exitUsage
	}
	n := needAdmin
	if *post {
		n |= needSlackBot
	}
	c, ok := a.config(n)
	if !ok {
		return exitConfig
	}
	if *post && c.DigestChannel == "" {
		fmt.Fprintf(a.stderr, "%s: configuration: LASTACTIVE_DIGEST_CHANNEL is not set (the channel ID the digest goes to)\n", programName)
		return exitConfig
	}
	log := a.logger(c)
	s := settings(c, log, nil, upstreamHTTP())
	// The store holds the change since the last digest and gets this one's
	// snapshot; without it the digest is still made, with no change. Run
	// where no bot keeps its database, it makes none.
	if !defaultDatabaseMissing(c) {
		if s.State = openState(ctx, c, log, nil, false); s.State != nil {
			defer s.State.Close()
		}
	}
	if !*post {
		// Printing needs no Slack: build without it, so nothing is uploaded.
		// The digest channel stays: the printed digest is the one a post
		// would make, compared with the last posted digest only (clearing
		// it compared with the last printed one, where the channel's first
		// digest would say it is the first).
		s.SlackAppToken, s.SlackBotToken = "", ""
	}
	app, err := wire.Build(s)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitFailed
	}
	defer app.Close()
	if *post {
		emails, ids, err := app.Digests.PostNamed(ctx)
		if !errors.Is(err, bot.ErrDigestNotMade) { // else nothing was posted
			outcome := state.OutcomeOK
			if err != nil {
				outcome = state.OutcomeFailed
			}
			a.auditCLI(ctx, c, state.AuditEntry{Kind: state.KindDigest, Outcome: outcome, Emails: emails, AccountIDs: ids,
				Detail: "posted to channel " + c.DigestChannel})
		}
		if err != nil {
			after := ""
			if errors.Is(err, bot.ErrDigestNotMade) {
				after = "Nothing was posted."
			}
			fmt.Fprintln(a.stderr, failedLine("digest", err, after))
			return exitFailed
		}
		fmt.Fprintf(a.stdout, "Digest posted to %s.\n", c.DigestChannel)
		return exitOK
	}
	m, d, err := app.Digests.Make(ctx, false)
	// It names the people idle longest, as /lastactive digest does, which
	// is a report in the trail: so is this one, before it is printed.
	outcome := state.OutcomeOK
	if err != nil {
		outcome = state.OutcomeFailed
	}
	emails, ids := bot.DigestShows(d) // nobody when it failed
	a.auditCLI(ctx, c, state.AuditEntry{Kind: state.KindReport, Outcome: outcome, Emails: emails, AccountIDs: ids, Detail: "seat digest"})
	if err != nil {
		fmt.Fprintln(a.stderr, failedLine("digest", err, ""))
		return exitFailed
	}
	_, err = fmt.Fprint(a.stdout, renderText(m))
	// The chart draws the snapshots of the current idle period only.
	if n := len(digest.SamePeriod(d.History)); err == nil && n >= 2 {
		_, err = fmt.Fprintf(a.stdout, "(The posted digest adds a chart of idle seats over %d stored digests.)\n", n)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: write output: %v\n", programName, err)
		return exitFailed
	}
	return exitOK
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"lastactive/cmd/lastactive/internal/reportcmd"
)

// report runs `lastactive report` (package reportcmd, which needs seat and
// not Slack). This glue only reads the configuration and builds the
// Atlassian client: it needs only the Admin API half.
func (a *app) report(ctx context.Context, args []string) int {
	p, err := reportcmd.Parse(args, a.stderr)
	if errors.Is(err, reportcmd.ErrUsage) {
		return exitUsage
	}
	c, ok := a.config(needAdmin)
	if !ok {
		return exitConfig
	}
	log := a.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	dir, err := newDirectory(c, log, nil, hc)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitConfig
	}
	return reportcmd.Run(ctx, p, reportcmd.Config{
		Dir: dir, Prices: c.SeatPrices, Currency: c.Currency, IdleDays: c.IdleDays, Logger: log,
		Progress: a.progressLine(), Stdout: a.stdout, Stderr: a.stderr,
	})
}

// progressLine returns a progress callback writing one self-updating line
// to stderr when stderr is a terminal, else nil: logs and pipes get none.
func (a *app) progressLine() func(int) {
	f, ok := a.stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	fmt.Fprint(f, "lastactive report: reading the organisation's accounts…")
	return func(n int) {
		fmt.Fprintf(f, "\rlastactive report: %d accounts read…", n)
	}
}

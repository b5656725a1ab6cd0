package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"lastactive/cmd/lastactive/internal/reportcmd"
	"lastactive/cmd/lastactive/internal/term"
	"lastactive/internal/state"
	"lastactive/seat"
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
	// On a terminal, logs and messages pass above the progress line.
	status := a.statusLine()
	la := *a
	if status != nil {
		la.stderr = status
	}
	log := la.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	dir, err := newDirectory(c, log, nil, hc)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitConfig
	}
	cfg := reportcmd.Config{
		Dir: dir, Sites: dir, Prices: c.SeatPrices, Currency: c.Currency, IdleDays: int(c.IdleDays), Logger: log,
		Stdout: a.stdout, Stderr: la.stderr,
	}
	if status != nil {
		cfg.Status = status
	}
	if c.DatabaseURL != "" && !defaultDatabaseMissing(c) {
		cfg.Exemptions = func(ctx context.Context, at time.Time) ([]seat.Exemption, error) {
			return exemptionsCLI(ctx, c, at)
		}
	}
	days := p.Days
	if days == 0 {
		days = int(c.IdleDays)
	}
	detail := fmt.Sprintf("idle report, %d days", days)
	if len(p.Products) > 0 {
		detail += ", " + strings.Join(p.Products, " ")
	}
	// Audited when made, before its summary is printed: `report | head -1`
	// ends the process at a write nobody reads.
	cfg.Done = func(failed bool) {
		outcome := state.OutcomeOK
		if failed {
			outcome = state.OutcomeFailed
		}
		a.auditCLI(ctx, c, state.AuditEntry{Kind: state.KindReport, Outcome: outcome, Detail: detail})
	}
	return reportcmd.Run(ctx, p, cfg)
}

// statusLine returns a progress line on stderr when stderr is a terminal,
// else nil: logs and pipes get none.
func (a *app) statusLine() *term.StatusLine {
	f, ok := a.stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return term.NewStatusLine(f)
}

// exemptionsCLI reads the exemptions in force at `at` from the state
// database, as the bot keeps them, for the report to mark.
func exemptionsCLI(ctx context.Context, c Config, at time.Time) ([]seat.Exemption, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := state.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	list, err := s.Exemptions(ctx, at)
	if err != nil {
		return nil, err
	}
	ex := make([]seat.Exemption, len(list))
	for i, e := range list {
		ex[i] = seat.Exemption{Email: e.Email, Product: e.Product, Until: e.Until}
	}
	return ex, nil
}

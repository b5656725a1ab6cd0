package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"lastactive/bot"
)

// productList collects repeated --product flags.
type productList []string

func (p *productList) String() string { return strings.Join(*p, ",") }
func (p *productList) Set(v string) error {
	*p = append(*p, v)
	return nil
}

// report prints the org-wide idle-seat report of the "idle" command as a
// table, and writes the full list as CSV when asked. It needs only the
// Admin API half of the configuration.
func (a *app) report(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	days := fs.Int("idle-days", 0, "days without use after which a seat is idle (default LASTACTIVE_IDLE_DAYS)")
	var products productList
	fs.Var(&products, "product", "only this product key, e.g. confluence (repeat for more)")
	csvPath := fs.String("csv", "", "write the full list (one row per person and product) to `FILE`")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: lastactive report [--idle-days N] [--product KEY]... [--csv FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cmd, err := reportCommand(fs, *days, products)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s report: %v\n", programName, err)
		fs.Usage()
		return exitUsage
	}
	c, ok := a.config(needAdmin)
	if !ok {
		return exitConfig
	}
	if cmd.IdleDays == 0 {
		cmd.IdleDays = c.IdleDays
	}

	log := a.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	dir, err := newDirectory(c, log, nil, hc)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitConfig
	}
	progress := a.progressLine()
	reports := newReports(c, dir, nil, log, progress)
	defer reports.Close()

	start := time.Now()
	rep, err := reports.Report(ctx, bot.IdleOptions{Days: cmd.IdleDays, Products: cmd.Products}, true, nil)
	if progress != nil {
		fmt.Fprintf(a.stderr, " done in %s\n", time.Since(start).Round(time.Second))
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s report: %s (%v)\n", programName, clean(plainText(bot.ErrorText(err))), err)
		return exitFailed
	}
	if err := writeReport(a.stdout, rep); err != nil {
		fmt.Fprintf(a.stderr, "%s: write output: %v\n", programName, err)
		return exitFailed
	}
	if *csvPath != "" {
		if err := writeCSVFile(*csvPath, rep); err != nil {
			fmt.Fprintf(a.stderr, "%s report: %v\n", programName, err)
			return exitFailed
		}
		fmt.Fprintf(a.stdout, "\nWrote %d rows to %s\n", len(rep.Rows), *csvPath)
	}
	return exitOK
}

// reportCommand checks the flags with the slash command's own parser, so
// that the terminal and Slack accept the same days and product keys.
func reportCommand(fs *flag.FlagSet, days int, products []string) (bot.Command, error) {
	if fs.NArg() > 0 {
		return bot.Command{}, fmt.Errorf("unexpected argument %q", clip(fs.Arg(0), 40))
	}
	daysSet := false
	fs.Visit(func(f *flag.Flag) { daysSet = daysSet || f.Name == "idle-days" })
	if daysSet && (days < 1 || days > 3650) {
		return bot.Command{}, errors.New("--idle-days must be between 1 and 3650")
	}
	text := "idle"
	if daysSet {
		text += fmt.Sprint(" ", days)
	}
	for _, p := range products {
		// One key per flag: a space would smuggle in a second one, and
		// digits alone would read as a number of days.
		if strings.IndexFunc(p, unicode.IsSpace) >= 0 || strings.Trim(p, "0123456789") == "" {
			return bot.Command{}, fmt.Errorf("--product %q is not a product key such as confluence", clip(p, 40))
		}
		text += " " + p
	}
	cmd, err := bot.ParseCommand(text)
	if err != nil {
		var ue *bot.UsageError
		if errors.As(err, &ue) {
			return bot.Command{}, errors.New(ue.Reason)
		}
		return bot.Command{}, err
	}
	return cmd, nil
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

// writeReport prints the summary table, the people idle longest and the
// caveats.
func writeReport(w io.Writer, rep *bot.IdleReport) error {
	fmt.Fprintf(w, "Idle seats: not used for %d days (as of %s UTC)\n", rep.Days, rep.ReadAt.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "%d accounts read; %d deactivated or suspended hold no seat and are counted apart.\n", rep.Accounts, rep.NoSeat)
	if len(rep.Products) > 0 {
		fmt.Fprintf(w, "Products: %s\n", strings.Join(rep.Products, ", "))
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tSITE\tSEATS\tACTIVE\tIDLE\tNEVER USED\tNEW\tNO SEAT\tUNUSED/MONTH\t")
	for _, g := range rep.Groups {
		cost := "-"
		if g.HasPrice {
			cost = fmt.Sprintf("%.2f", g.MonthlyCost())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", clean(bot.ProductName(g.Key)), clean(shortSite(g.Site)),
			g.Seats, g.Active, g.Idle, g.Never, g.New, g.NoSeat, cost)
	}
	t := rep.Totals()
	cost := "-"
	if sum, ok := rep.MonthlyCost(); ok {
		cost = fmt.Sprintf("%.2f", sum)
	}
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", t.Seats, t.Active, t.Idle, t.Never, t.New, t.NoSeat, cost)
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(rep.Longest) > 0 {
		fmt.Fprintln(w, "\nIdle longest:")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for i, r := range rep.Longest {
			who := clean(r.Name)
			if r.Email != "" {
				who += " <" + clean(r.Email) + ">"
			}
			fmt.Fprintf(tw, "  %d.\t%s\t%s (%s)\tlast active %s\t%d days\n", i+1, who, clean(bot.ProductName(r.Key)), clean(shortSite(r.Site)),
				r.LastActive.Format(time.DateOnly), r.DaysIdle)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nNever used: no recorded activity and in the org for %d days or more; NEW: joined more recently.\n", rep.Days)
	fmt.Fprintln(w, bot.IdleActiveNote)
	if _, ok := rep.MonthlyCost(); ok {
		fmt.Fprintln(w, bot.IdleBillingNote)
	}
	_, err := fmt.Fprintln(w, "Deactivated and suspended accounts are not billed and are not in the seat counts.")
	return err
}

// writeCSVFile writes the CSV readable by its owner only: it lists every
// person in the organisation.
func writeCSVFile(path string, rep *bot.IdleReport) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create CSV: %w", err)
	}
	if err := bot.WriteIdleCSV(f, rep); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

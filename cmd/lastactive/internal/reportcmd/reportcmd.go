// Package reportcmd is `lastactive report`: the org-wide idle-seat report
// in a terminal, as a summary table and a CSV file. It is built on seat
// alone, so the report path of the binary does not depend on Slack
// (go list -deps of this package names no slack-go).
package reportcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/cmd/lastactive/internal/term"
	"lastactive/seat"
)

// Exit codes, as the contract gives them.
const (
	ExitOK     = 0
	ExitFailed = 1
)

// Params is a checked `lastactive report` command line.
type Params struct {
	Days     int      // 0: the configured LASTACTIVE_IDLE_DAYS
	Products []string // product keys as given, lower case, deduplicated
	CSVPath  string   // "": no CSV
}

// ErrUsage is returned by Parse for a bad command line, after the usage
// has been printed.
var ErrUsage = errors.New("report: bad usage")

// productList collects repeated --product flags.
type productList []string

func (p *productList) String() string { return strings.Join(*p, ",") }
func (p *productList) Set(v string) error {
	*p = append(*p, v)
	return nil
}

// decimalDays is --idle-days: a whole number in decimal, as
// LASTACTIVE_IDLE_DAYS and /lastactive idle read it. The flag package's
// Int reads Go's literals, so "030" was octal (24 days, silently), "090"
// a parse error and "0x10" 16 days. A number too large for an int is kept
// as out of range, for the range check to name.
type decimalDays int

func (d *decimalDays) String() string {
	if d == nil || *d == 0 {
		return ""
	}
	return strconv.Itoa(int(*d))
}

func (d *decimalDays) Set(v string) error {
	digits, neg := strings.CutPrefix(v, "-")
	if !neg {
		digits = strings.TrimPrefix(v, "+")
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return errors.New("not a whole number of days")
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		n = seat.MaxIdleDays + 1 // more digits than an int holds
	}
	if neg {
		n = -n
	}
	*d = decimalDays(n)
	return nil
}

// Parse reads the flags of `lastactive report`. It checks days and product
// keys with seat's own rules, the ones the slash command uses too. On a bad
// command line it prints what was wrong and the usage to stderr, and
// returns an error wrapping ErrUsage.
func Parse(args []string, stderr io.Writer) (Params, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	// Parse says nothing itself: its words ("flag provided but not
	// defined: -x") name no subcommand, so its error is printed below.
	fs.SetOutput(io.Discard)
	var days decimalDays
	fs.Var(&days, "idle-days", "days without use after which a seat is idle, a whole number `N` (default LASTACTIVE_IDLE_DAYS)")
	var products productList
	fs.Var(&products, "product", "only this product key, e.g. confluence (repeat for more)")
	csvPath := fs.String("csv", "", "write the full list (one row per person and product) to `FILE`")
	fs.Usage = func() {}
	usage := func() {
		fmt.Fprintln(stderr, "usage: lastactive report [--idle-days N] [--product KEY]... [--csv FILE]")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	err := flagerr.Hide(fs.Parse(args))
	var p Params
	if err == nil {
		p, err = check(fs, int(days), products)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lastactive report: %v\n", err)
		usage()
		return Params{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	csvSet := false
	fs.Visit(func(f *flag.Flag) { csvSet = csvSet || f.Name == "csv" })
	if csvSet {
		// Checked now, not after a scan of minutes.
		target, err := csvTarget(*csvPath)
		if err == nil {
			err = canCreateBeside(target, *csvPath)
		}
		if err != nil {
			fmt.Fprintf(stderr, "lastactive report: %v\n", err)
			return Params{}, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	p.CSVPath = *csvPath
	return p, nil
}

// csvTarget is the file --csv path writes: path itself, or the file a
// symlink at path points to (the link stays a link). What a new file must
// not replace (a directory, a device, a pipe) is refused, and so is a path
// whose directory does not exist.
func csvTarget(path string) (string, error) {
	if path == "" || path == "-" {
		return "", errors.New("--csv needs a file name (the summary goes to standard output)")
	}
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		// Only the runner's own link is followed: in a shared directory
		// (/tmp) someone else's link could aim the report at any file the
		// runner may write, which the kernel's own protection would refuse.
		if ownedByOther(fi) {
			return "", fmt.Errorf("--csv %s: a link owned by another user; name a file of your own", shown(path))
		}
		r, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", fmt.Errorf("--csv %s: a link to nothing; name a file", shown(path))
		}
		target = r
	}
	fi, err := os.Stat(target)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return "", fmt.Errorf("--csv %s: not a regular file (a directory, a device or a pipe); name a file", shown(path))
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("--csv %s: %w", shown(path), osCause(err))
	}
	if di, err := os.Stat(filepath.Dir(target)); err != nil || !di.IsDir() {
		return "", fmt.Errorf("--csv %s: no such directory", shown(path))
	}
	return target, nil
}

// shown is a path as messages print it: as typed, or quoted with Go's
// escapes when it holds a character term.Clean would change (a control or
// invisible format character), so that it can neither move the terminal's
// cursor nor start a line of its own in a log, and still names the file
// exactly.
func shown(path string) string {
	if term.Clean(path) == path {
		return path
	}
	return strconv.Quote(path)
}

// osCause is err without the path an *fs.PathError or *os.LinkError
// carries (printed raw, and the temporary file's name besides): the
// message names the path itself, through shown.
func osCause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// tempPattern names the temporary file WriteCSVFile writes beside target
// before renaming it over target: hidden, and short enough to fit however
// long target's own name is.
func tempPattern(target string) string {
	base := filepath.Base(target)
	if len(base) > 100 {
		base = strings.ToValidUTF8(base[:100], "")
	}
	return "." + base + ".*.tmp"
}

// canCreateBeside checks that WriteCSVFile will be able to create its
// temporary file beside target, by creating and removing one: a directory
// the runner may not write in is found before the scan, not after it.
func canCreateBeside(target, path string) error {
	f, err := os.CreateTemp(filepath.Dir(target), tempPattern(target))
	if err != nil {
		return fmt.Errorf("--csv %s: cannot write a file in %s (%v); name a file in a directory you may write in",
			shown(path), shown(filepath.Dir(target)), osCause(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func check(fs *flag.FlagSet, days int, products []string) (Params, error) {
	var p Params
	if fs.NArg() > 0 {
		// Named by what comes before any "=": an assignment passed as an
		// argument (SLACK_BOT_TOKEN=xoxb-…) is not shown with its value,
		// nor is a token typed alone.
		return p, fmt.Errorf("unexpected argument %s", flagerr.Quote(fs.Arg(0)))
	}
	daysSet := false
	fs.Visit(func(f *flag.Flag) { daysSet = daysSet || f.Name == "idle-days" })
	if daysSet {
		if err := seat.ValidIdleDays(days); err != nil {
			return p, fmt.Errorf("--idle-days: %w", err)
		}
		p.Days = days
	}
	for _, k := range products {
		k = strings.ToLower(k)
		if n := len([]rune(k)); n > productShown && !seat.Known(k) {
			// Longer than any key: a token pasted here is not echoed to
			// stderr, the log; a mistyped key still is.
			return p, fmt.Errorf("--product: a value of %d characters, not shown, is not a product key we know. Known keys: %s", n, seat.KnownProducts())
		}
		if err := seat.CheckProduct(clip(k, 40)); err != nil {
			return p, fmt.Errorf("--product: %w", err)
		}
		// jira and jira-software are one product: named once.
		if !slices.ContainsFunc(p.Products, func(q string) bool { return seat.Canonical(q) == seat.Canonical(k) }) {
			p.Products = append(p.Products, k)
		}
	}
	if len(p.Products) > seat.MaxProductFilter {
		return p, fmt.Errorf("name at most %d products", seat.MaxProductFilter)
	}
	return p, nil
}

// productShown is the longest --product value an error shows: longer
// than any product key ("jira-product-discovery").
const productShown = 24

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Config is what a report needs besides its command line.
type Config struct {
	Dir seat.OrgDirectory
	// Sites lists the workspaces, to name sites by host; nil: by ID.
	Sites    seat.WorkspaceLister
	Prices   seat.Prices
	Currency string // ISO 4217 code of Prices (LASTACTIVE_CURRENCY)
	IdleDays int    // LASTACTIVE_IDLE_DAYS, for Params.Days 0
	Logger   *slog.Logger
	// Status, when set, shows the scan's progress; the caller sets it only
	// when stderr is a terminal, and writes the logs through it.
	Status         Status
	Stdout, Stderr io.Writer
	// Exemptions, when set, reads the exemptions in force at a time (the
	// state database's): the report marks those seats. nil: none kept.
	Exemptions func(ctx context.Context, at time.Time) ([]seat.Exemption, error)
	// Done, when set, is told once whether the report failed, when it is
	// made and before the summary is printed: a summary nobody reads (a
	// closed pipe ends the process) does not undo the scan.
	Done func(failed bool)
}

// Status is a self-updating line on a terminal (*term.StatusLine).
type Status interface {
	Set(text string)
	Finish(text string)
}

// Run reads the organisation once, prints the summary and writes the CSV.
// It returns the exit code.
func Run(ctx context.Context, p Params, c Config) int {
	days := p.Days
	if days == 0 {
		days = c.IdleDays
	}
	var progress func(int)
	if c.Status != nil {
		c.Status.Set("lastactive report: reading the organisation's accounts…")
		progress = func(n int) { c.Status.Set("lastactive report: " + seat.Count(n, "account", "accounts") + " read…") }
	}
	sc := seat.ScanConfig{Dir: c.Dir, Prices: c.Prices, Currency: c.Currency, OnProgress: progress, Logger: c.Logger}
	if c.Sites != nil {
		sc.Sites = seat.NewSiteBook(c.Sites, seat.SiteBookOptions{Logger: c.Logger})
	}
	scanner := seat.NewScanner(sc)
	defer scanner.Close()

	start := time.Now()
	rep, err := scanner.Report(ctx, seat.Options{Days: days, Products: p.Products}, true, nil)
	if c.Status != nil {
		end := "lastactive report: stopped after " + time.Since(start).Round(time.Second).String()
		if err == nil {
			end = fmt.Sprintf("lastactive report: %s read in %s", seat.Count(rep.Accounts, "account", "accounts"), time.Since(start).Round(time.Second))
		}
		c.Status.Finish(end)
	}
	done := func(failed bool) {
		if c.Done != nil {
			c.Done(failed)
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, context.Canceled):
			// Ctrl-C or SIGTERM: seat's words for it are the Slack
			// reply's ("the bot may be restarting").
			written := ""
			if p.CSVPath != "" {
				written = " " + notWritten(p.CSVPath) + ";"
			}
			fmt.Fprintf(c.Stderr, "lastactive report: interrupted before the report was made;%s run it again.\n", written)
		default:
			words, ok := Unreachable(err)
			if !ok {
				words = seat.Explain(err)
			}
			fmt.Fprintf(c.Stderr, "lastactive report: %s (%v)\n", term.Clean(words), err)
			if p.CSVPath != "" {
				fmt.Fprintf(c.Stderr, "lastactive report: %s.\n", notWritten(p.CSVPath))
			}
		}
		done(true)
		return ExitFailed
	}
	if c.Exemptions != nil {
		if ex, err := c.Exemptions(ctx, rep.Now); err != nil {
			// Said, not taken for no exemptions: a seat kept on purpose
			// would read as one to release.
			fmt.Fprintf(c.Stderr, "lastactive report: warning: exemptions not read, so exempt seats are not marked (%s)\n", term.Clean(err.Error()))
			rep.ExemptionsUnread = true
		} else {
			rep.MarkExempt(ex)
		}
	}
	// The file first: a summary nobody reads any more (`| head -1` ends
	// the process at its next line) must not cost the CSV the scan was
	// run for, nor leave an older file in its place as if it were this one.
	if p.CSVPath != "" {
		if err := WriteCSVFile(p.CSVPath, rep); err != nil {
			fmt.Fprintf(c.Stderr, "lastactive report: %v\n", err)
			done(true)
			return ExitFailed
		}
	}
	done(false)
	if err := WriteSummary(c.Stdout, rep); err != nil {
		fmt.Fprintf(c.Stderr, "lastactive: write output: %v\n", err)
		return ExitFailed
	}
	if p.CSVPath != "" {
		fmt.Fprintf(c.Stdout, "\nWrote %s to %s\n", seat.Count(len(rep.Rows), "row", "rows"), shown(p.CSVPath))
	}
	return ExitOK
}

// WriteSummary prints the summary table, the people idle longest and the
// caveats.
func WriteSummary(w io.Writer, rep *seat.Report) error {
	fmt.Fprintf(w, "Idle seats: not used for %s (as of %s UTC)\n", days(rep.Days), rep.ReadAt.UTC().Format("2006-01-02 15:04"))
	holds := "hold"
	if rep.NoSeat == 1 {
		holds = "holds"
	}
	fmt.Fprintf(w, "%s read; %s %s no seat (counted apart).\n",
		seat.Count(rep.Accounts, "account", "accounts"), seat.NoSeatAccounts(rep.NoSeat), holds)
	if len(rep.Products) > 0 {
		fmt.Fprintf(w, "Products: %s\n", strings.Join(rep.Products, ", "))
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PRODUCT\tSITE\tSEATS\tACTIVE\tIDLE\tNEVER USED\tNEW\tNO SEAT\tUNUSED/MONTH (%s)\t\n", term.Clean(rep.Currency))
	for _, g := range rep.Groups {
		cost := "-"
		if g.HasPrice {
			cost = seat.Amount(g.MonthlyCost(), rep.Currency)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", term.Clean(seat.ProductName(g.Key)), term.Clean(g.SiteName),
			g.Seats, g.Active, g.Idle, g.Never, g.New, g.NoSeat, cost)
	}
	t := rep.Totals()
	cost := "-"
	if sum, ok := rep.MonthlyCost(); ok {
		cost = seat.Amount(sum, rep.Currency)
	}
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", t.Seats, t.Active, t.Idle, t.Never, t.New, t.NoSeat, cost)
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(rep.Longest) > 0 {
		fmt.Fprintln(w, "\nIdle longest:")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for i, r := range rep.Longest {
			who := term.Clean(r.Name)
			if r.Email != "" {
				who += " <" + term.Clean(r.Email) + ">"
			}
			exempt := ""
			if r.Exempt {
				exempt = ", exempt"
			}
			fmt.Fprintf(tw, "  %d.\t%s\t%s (%s)\tlast active %s\t%s%s\n", i+1, who, term.Clean(seat.ProductName(r.Key)), term.Clean(r.SiteName),
				r.LastActive.Format(time.DateOnly), days(r.DaysIdle), exempt)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if sum, ok := rep.MonthlyCost(); ok {
		exempt, n := rep.ExemptCost()
		fmt.Fprintf(w, "\nIdle and never-used seats cost about %s a month at your seat prices%s%s.\n", seat.Money(sum, rep.Currency),
			seat.ExemptCostNote(exempt, n, rep.Currency), seat.UnpricedNote(rep.UnpricedUnused()))
	}
	if note := seat.ExemptSeatsNote(t.ExemptUnused); note != "" {
		fmt.Fprintln(w, note)
	}
	if rep.ExemptionsUnread {
		fmt.Fprintln(w, seat.ExemptionsUnreadNote)
	}
	fmt.Fprintf(w, "\nNever used: no recorded activity and in the org for %s or more; NEW: joined more recently.\n", days(rep.Days))
	if rep.Totals().NoSeat > 0 {
		// The line at the top counts accounts; the column, the product
		// access they keep: one account on two products is 2 there.
		fmt.Fprintln(w, "NO SEAT counts product access, not accounts: one per account, product and site held by an account that holds no seat "+
			"(the line at the top counts the accounts).")
	}
	fmt.Fprintln(w, seat.ActiveNote)
	if _, ok := rep.MonthlyCost(); ok {
		fmt.Fprintln(w, seat.BillingNote)
	}
	_, err := fmt.Fprintln(w, "Deactivated and suspended accounts, apps and customers are not billed and are not in the seat counts.")
	return err
}

func days(n int) string { return seat.Count(n, "day", "days") }

// notWritten says that a report that failed wrote no CSV, and, when path
// is a file already (an earlier run's), that it is that earlier file: the
// manager who opens it must not take last quarter's list for this one.
func notWritten(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return "no CSV was written: " + shown(path) + " is still the earlier file"
	}
	return "no CSV was written"
}

// WriteCSVFile writes the CSV to path (through a symlink, to its file)
// readable by its owner only: it lists every
// person in the organisation. It writes a new file of mode 0600 in the same
// directory and renames it over path, so an existing file's wider mode is
// not inherited, and a reader never sees half a report: path holds either
// the old file or the whole new one.
func WriteCSVFile(path string, rep *seat.Report) (err error) {
	// Again at the end of the scan: the file may have changed meanwhile.
	if path, err = csvTarget(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern(path))
	if err != nil {
		return fmt.Errorf("create CSV in %s: %w", shown(filepath.Dir(path)), osCause(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes 0600 files; say so, whatever the platform's default.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("create CSV: %w", err)
	}
	if err := seat.WriteCSV(f, rep); err != nil {
		return err
	}
	// Data on disk before the rename makes it visible.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write CSV %s: %w", shown(path), osCause(err))
	}
	return nil
}

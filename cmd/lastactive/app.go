package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"

	"lastactive/cmd/lastactive/internal/flagerr"
)

// Exit codes of the contract.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitConfig  = 2
	programName = "lastactive"
)

// version is stamped by the build: -ldflags "-X main.version=…".
var version = "dev"

// app is one run of the program: its streams and configuration, so tests
// can run any subcommand in-process without the real environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	load           func() (Config, error)
}

// run dispatches a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, load func() (Config, error)) int {
	// Output that could not be written is no success, whichever subcommand
	// wrote it (version, --help and check included): `check --json > full`
	// exiting 0 with nothing written would pass a broken pipeline.
	out := &outputWriter{w: stdout}
	code := dispatch(ctx, args, stdin, out, stderr, load)
	if err := out.failed(); err != nil && code == exitOK {
		fmt.Fprintf(stderr, "%s: write output: %v\n", programName, err)
		return exitFailed
	}
	return code
}

// outputWriter keeps the first error of the writes to standard output.
type outputWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (o *outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		o.mu.Lock()
		if o.err == nil {
			o.err = err
		}
		o.mu.Unlock()
	}
	return n, err
}

func (o *outputWriter) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// strayArguments refuses arguments to a subcommand that takes none, naming
// the first, which the admin typed, and showing the usage, as the others do.
// A flag is named without its value, as the flag package names one (the
// value may be a token: --slack-bot-token=xoxb-…), and cut as an unknown
// subcommand is.
func (a *app) strayArguments(sub string, args []string) bool {
	if len(args) == 0 {
		return false
	}
	fmt.Fprintf(a.stderr, "%s %s: takes no arguments, got %s\n", programName, sub, strayName(args[0]))
	fmt.Fprintln(a.stderr, usages[sub])
	return true
}

// strayName is how a stray argument is quoted: a flag or an assignment
// (SLACK_BOT_TOKEN=xoxb-…, a variable passed as an argument) by what comes
// before its "=", never its value, and cut at 40 bytes; a token typed
// without its flag or its "=" is counted, not shown (flagerr.Quote).
func strayName(arg string) string { return flagerr.Quote(arg) }

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, load func() (Config, error)) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, load: load}
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "--version" || cmd == "-version" || cmd == "-v" {
		cmd = "version" // and so "-v --help" is version's usage
	}
	// Every subcommand answers -h/--help with its usage and exit 0, before
	// it reads any configuration or makes any call (a health check asked
	// for help must not run the check).
	if u, ok := usages[cmd]; ok && wantsHelp(args) {
		fmt.Fprintln(stdout, u)
		return exitOK
	}
	switch cmd {
	case "serve":
		return a.serve(ctx, args)
	case "lookup":
		return a.lookup(ctx, args)
	case "report":
		return a.report(ctx, args)
	case "check":
		return a.check(ctx, args)
	case "demo":
		return a.demo(ctx, args)
	case "digest":
		return a.digest(ctx, args)
	case "healthcheck":
		return a.healthcheck(ctx, args)
	case "migrate":
		return a.migrate(ctx, args)
	case "audit":
		return a.audit(ctx, args)
	case "nudge":
		return a.nudgeRound(ctx, args) // nudge.go
	case "version":
		if a.strayArguments("version", args) {
			return exitUsage
		}
		a.version()
		return exitOK
	case "help", "--help", "-help", "-h":
		a.usage(stdout)
		return exitOK
	default:
		if wantsHelp([]string{cmd}) { // --help=true
			a.usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "%s: unknown subcommand %s\n\n", programName, strayName(cmd))
		a.usage(stderr)
		return exitUsage
	}
}

func (a *app) version() {
	commit, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(a.stdout, "lastactive %s (commit %s, %s)\n", version, commit, goVersion)
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `lastactive: tells, in Slack, when a person was last active in each Atlassian Cloud product.

Usage:
  lastactive [serve]                          run the Slack bot (Socket Mode) and the health/metrics server
  lastactive lookup [--json] [--fresh] EMAIL...  look people up from the terminal, any number of them
                                              (Slack takes ten at a time; exit 1 if any lookup failed)
  lastactive report [--idle-days N] [--product KEY]... [--csv FILE]
                                              org-wide idle-seat report
  lastactive check [--json]                   check the configuration and every credential (ok, FAIL or SKIP each)
  lastactive digest [--post]                  the seat digest now (--post: to LASTACTIVE_DIGEST_CHANNEL)
  lastactive demo [--blocks] [COMMAND TEXT]   answer a command against a built-in sample organisation
                                              (no credentials; without TEXT, reads one command per line from stdin)
  lastactive audit [--since DURATION] [--json] [EMAIL | ACCOUNT_ID]
                                              the stored audit trail, newest first
  lastactive nudge [--dry-run]                run one keep-or-release round now (--dry-run: print it, send nothing)
  lastactive migrate                          create or upgrade the database schema and exit
  lastactive healthcheck                      exit 0 when the local /healthz answers (for container health checks)
  lastactive version                          print the version
  lastactive --help                           this text; SUBCOMMAND --help for one subcommand

Jira is optional: set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN (all three)
to find people through Jira's user search first; without them, people are
found by the Admin API's exact-email search.

Examples:
  lastactive demo ada@example.com
  echo "ada@example.com grace@example.com" | lastactive demo
  lastactive lookup --json ada@example.com

Environment:
`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tREQUIRED FOR\tDEFAULT\tMEANING")
	for _, v := range variables {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", v.name, dash(v.need), dash(v.def), v.meaning)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 a lookup or check failed, 2 bad usage or configuration.")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut between characters: half of one is invalid UTF-8, which
	// PostgreSQL refuses and a terminal shows as garbage.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// config loads and validates the configuration for n, printing the one
// line the contract asks for on failure.
func (a *app) config(n need) (Config, bool) {
	c, warnings, ok := a.configWarnings(n)
	a.warn(warnings)
	return c, ok
}

// configWarnings is config leaving the warnings to its caller: serve logs
// them as JSON lines, as it does everything else on stderr.
func (a *app) configWarnings(n need) (Config, []string, bool) {
	c, err := a.load()
	var warnings []string
	if err == nil {
		warnings = append(c.warnings(), scheduleWarnings(c)...)
		err = c.validate(n)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: configuration: %v\n", programName, err)
		return c, nil, false
	}
	return c, warnings, true
}

// warn tells on stderr what validate corrected.
func (a *app) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "%s: warning: %s\n", programName, w)
	}
}

// usages are the subcommands' own usage texts, printed by SUBCOMMAND --help.
var usages = map[string]string{
	"serve": `usage: lastactive [serve]

Runs the Slack bot over Socket Mode and serves /healthz, /readyz and /metrics
on LASTACTIVE_HTTP_ADDR until SIGINT or SIGTERM. Needs SLACK_APP_TOKEN,
SLACK_BOT_TOKEN, ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY (JIRA_* optional, all
three or none). Each credential is proven at start and every 5 minutes:
/readyz answers 503, naming the credential and the fix, while one is rejected.`,
	"lookup": `usage: lastactive lookup [--json] [--fresh] EMAIL...

Looks people up as the slash command does and prints a table (or JSON with
--json); flags may come before or after the emails. It takes
any number of emails, looked up one after another (the slash command takes
ten at a time and names the rest as not looked up). Why a lookup failed goes
to stderr. Exit 0 when every lookup succeeded, 1 when any failed, 2 on bad
usage. Needs ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY; JIRA_* optional.

  --json    print JSON instead of a table
  --fresh   bypass the cache (each run starts with an empty cache anyway)`,
	"report": `usage: lastactive report [--idle-days N] [--product KEY]... [--csv FILE]

Prints the org-wide idle-seat report and writes the full list as CSV. Needs
ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY.

  --idle-days N   days without use after which a seat is idle (default LASTACTIVE_IDLE_DAYS)
  --product KEY   only this product key, e.g. confluence (repeat for more)
  --csv FILE      write the full list (one row per person and product) to FILE`,
	"check": `usage: lastactive check [--json]

Checks the configuration and proves each configured credential against its
API: Slack bot token (auth.test), Slack app token (apps.connections.open),
Jira (/rest/api/3/myself, then "Browse users and groups"), Admin API key and
organisation (GET /admin/v1/orgs/{orgId}), the same for
ATLASSIAN_ADMIN_WRITE_KEY when set, and the database. One line per check, ok,
FAIL or SKIP (not configured), each failure with its fix; --json prints one
JSON object per line instead (name, status, detail, fix). Exit 0 only when
nothing failed.`,
	"demo": `usage: lastactive demo [--blocks] [COMMAND TEXT]

Answers a slash command text against a built-in sample organisation (no
credentials). Without TEXT, reads one command per line from stdin. --blocks
prints the Block Kit JSON and a Block Kit Builder link.`,
	"healthcheck": `usage: lastactive healthcheck

Exits 0 when the local /healthz (LASTACTIVE_HTTP_ADDR) answers 200, for
container health checks.`,
	"version": `usage: lastactive version   (or -v, --version)`,
	"nudge":   nudgeUsage,
	"audit": `usage: lastactive audit [--since DURATION] [--json] [EMAIL | ACCOUNT_ID]

Prints the stored audit trail from LASTACTIVE_DATABASE_URL, newest first: who
looked up whom, shared, reported, nudged, approved or released, and when.
--since keeps entries newer than a number of days (90d) or a Go duration
(12h); EMAIL keeps those about one person (with the entries that named them
by account ID only), and counts the org-wide reports that listed them too
(in text; JSON lines are the entries naming them); an Atlassian ACCOUNT_ID
instead of EMAIL keeps those naming that account; --json prints JSON lines.`,
	"migrate": `usage: lastactive migrate

Creates or upgrades the schema of LASTACTIVE_DATABASE_URL and exits (serve
does it too at start).`,
	"digest": `usage: lastactive digest [--post]

Builds the seat digest now (per product and site: seats, active, idle, never
used, new, the change since the last stored digest, the cost of idle seats)
and prints it, recording its snapshot in LASTACTIVE_DATABASE_URL. With --post,
posts it with the chart to LASTACTIVE_DIGEST_CHANNEL as the schedule would
(needs the Slack tokens too). Needs ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY.`,
}

// wantsHelp reports whether args ask for help before any "--". The flag
// package reads "--help=true" (or any value) as a request for help too.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(a, "=")
		switch name {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// quietFlags keeps the flag package from printing anything itself: its
// words ("flag provided but not defined: -x") name no subcommand, so the
// caller prints Parse's error as "lastactive SUBCOMMAND: …", then its usage.
func quietFlags(fs *flag.FlagSet) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
}

// parseInterspersed parses fs's flags wherever they are among args, as the
// slash command allows ("lookup ada@example.com --fresh"); everything after
// "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagerr.Hide(err)
		}
		left := fs.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// logger returns the JSON logger on stderr at the configured level.
func (a *app) logger(c Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToLower(c.LogLevel)))
	return slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// slogWriter lets slack-go's logger (anything with Output) write through slog.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Output(_ int, s string) error {
	w.log.Debug(strings.TrimSpace(s), "component", "slack-go")
	return nil
}

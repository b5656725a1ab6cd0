package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"text/tabwriter"
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
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, load: load}
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
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
	case "healthcheck":
		return a.healthcheck(ctx, args)
	case "migrate":
		return a.migrate(ctx, args)
	case "audit":
		return a.audit(ctx, args)
	case "version", "--version", "-version":
		a.version()
		return exitOK
	case "help", "--help", "-help", "-h":
		a.usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "%s: unknown subcommand %q\n\n", programName, clip(cmd, 40))
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
  lastactive lookup [--json] [--fresh] EMAIL...  look people up from the terminal (exit 1 if any lookup failed)
  lastactive report [--idle-days N] [--product KEY]... [--csv FILE]
                                              org-wide idle-seat report
  lastactive check                            check the configuration and every credential
  lastactive demo [--blocks] [COMMAND TEXT]   answer a command against a built-in sample organisation
                                              (no credentials; without TEXT, reads one command per line from stdin)
  lastactive audit [--since DURATION] [--json] [EMAIL]
                                              the stored audit trail, newest first
  lastactive migrate                          create or upgrade the database schema and exit
  lastactive healthcheck                      exit 0 when the local /healthz answers (for container health checks)
  lastactive version                          print the version
  lastactive --help                           this text

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
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// config loads and validates the configuration for n, printing the one
// line the contract asks for on failure.
func (a *app) config(n need) (Config, bool) {
	c, err := a.load()
	if err == nil {
		err = c.validate(n)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: configuration: %v\n", programName, err)
		return c, false
	}
	return c, true
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

// Command lastactive is the Slack bot that tells when a person was last
// active in each Atlassian Cloud product. See README.md and --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	if servesUntilSignalled(os.Args[1:]) {
		// A log reader that went away (a pipe to tee or a log shipper)
		// must not end the bot mid-command: its log writes fail instead,
		// as under a service manager that ignores SIGPIPE.
		signal.Ignore(syscall.SIGPIPE)
	} else {
		// A command stopped by Ctrl-C may still wait for what outlives
		// the stop (an audit entry on a database that does not answer):
		// the second Ctrl-C ends it, as in any terminal program. serve
		// keeps its contract, exit 0 on every signal.
		go func() {
			<-ctx.Done()
			stop()
		}()
	}
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, loadConfig)
	stop()
	os.Exit(code)
}

// servesUntilSignalled reports whether args run the bot (no subcommand,
// or serve), which a signal stops with exit 0 however often it comes.
func servesUntilSignalled(args []string) bool {
	return len(args) == 0 || args[0] == "serve"
}

// stopSignals are the signals that stop the program cleanly: SIGINT,
// SIGTERM, and SIGHUP (the terminal closed), which would otherwise end
// it at once, abandoning commands in flight. A SIGHUP ignored at start
// (nohup) stays ignored: Notify would undo that.
func stopSignals() []os.Signal {
	s := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		s = append(s, syscall.SIGHUP)
	}
	return s
}

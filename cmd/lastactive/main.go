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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, loadConfig)
	stop()
	os.Exit(code)
}

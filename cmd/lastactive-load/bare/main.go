// Command bare is the floor the bot's acknowledgements are measured
// against (lastactive-load -target bare, -compare): one Socket Mode
// connection opened with slack-go, as the bot opens its own, that acks
// every envelope the moment it is read and does nothing else: no dedupe,
// no logging, no metrics, no reply. It imports nothing but slack-go and the
// standard library, so that its memory is the client's own. It reads
// SLACK_APP_TOKEN and SLACK_API_URL and runs until SIGTERM or SIGINT.
//
// With the argument "reference" (lastactive-load -target reference) it also
// does the least an answer needs, beside the ack: see reference.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bare: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	api := slack.New("", slack.OptionAppLevelToken(os.Getenv("SLACK_APP_TOKEN")), slack.OptionAPIURL(os.Getenv("SLACK_API_URL")))
	c := socketmode.New(api)
	var ref *reference
	if len(os.Args) > 1 && os.Args[1] == "reference" {
		ref = newReference()
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-c.Events:
				if evt.Request != nil && evt.Request.EnvelopeID != "" {
					_ = c.AckCtx(ctx, evt.Request.EnvelopeID, nil)
				}
				if cmd, ok := evt.Data.(slack.SlashCommand); ok && ref != nil {
					wg.Go(func() { ref.answer(ctx, cmd) })
				}
			}
		}
	})
	err := c.RunContext(ctx)
	cancel()
	wg.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

package slacksocket_test

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
)

// A connection to a fake Slack: the command is acked before it is read
// off Events.
func Example() {
	s := slacktest.NewServer()
	defer s.Close()
	api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken), slack.OptionAPIURL(s.APIURL()))
	// APIURL: the fake serves the WebSocket on its own host, which the
	// client dials as it would Slack's own.
	c := slacksocket.New(api, slacksocket.Options{APIURL: s.APIURL()})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	_ = s.WaitConnected(ctx)

	env, _ := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	_, _ = s.WaitAck(ctx, env.ID)
	fmt.Println("acked:", s.Acks(env.ID))
	for evt := range c.Events() {
		if evt.Type == socketmode.EventTypeSlashCommand {
			fmt.Println("command:", evt.Data.(slack.SlashCommand).Text)
			break
		}
	}
	cancel()
	fmt.Println(<-done)
	// Output:
	// acked: 1
	// command: ada@example.com
	// context canceled
}

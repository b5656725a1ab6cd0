package slacktest_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/bot/slacktest"
)

// A slack-go Socket Mode bot connects to the fake, acks a slash command and
// answers through its response_url; the test reads what Slack would have got.
func Example() {
	s := slacktest.NewServer()
	defer s.Close()
	s.AddUser(slacktest.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", Email: "ada@example.com"})

	api := slack.New(slacktest.BotToken,
		slack.OptionAppLevelToken(slacktest.AppToken),
		slack.OptionAPIURL(s.APIURL()))
	client := socketmode.New(api)

	// The bot under test: it runs until ctx is cancelled, and the deferred
	// stop waits for it before the server closes.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = client.RunContext(ctx)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case evt := <-client.Events:
				if evt.Type != socketmode.EventTypeSlashCommand {
					continue
				}
				cmd := evt.Data.(slack.SlashCommand)
				_ = client.Ack(*evt.Request)
				u, err := api.GetUserInfoContext(ctx, cmd.UserID)
				if err != nil {
					continue
				}
				_, _, _ = api.PostMessageContext(ctx, "",
					slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
					slack.MsgOptionText(u.RealName+" asked about "+cmd.Text, false))
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()

	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := s.WaitConnected(wait); err != nil {
		fmt.Println(err)
		return
	}
	env, err := s.SlashCommand(wait, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ack, err := s.WaitAck(wait, env.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	replies, err := s.WaitReplies(wait, env.ID, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("acked in time:", !ack.Late)
	fmt.Println(replies[0].ResponseType+":", replies[0].Text)
	fmt.Println("users.info calls:", len(s.Calls("users.info")))
	// Output:
	// acked in time: true
	// ephemeral: Ada Lovelace asked about ada@example.com
	// users.info calls: 1
}

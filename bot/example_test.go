package bot_test

import (
	"context"
	"fmt"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
)

// A Service answers command texts without Slack: the demo and the tests use
// it this way, against the fake Atlassian organisation.
func ExampleService() {
	org := atlassiantest.SampleOrg(time.Now())
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	client, err := atlassian.New(atlassian.Config{
		JiraBaseURL: srv.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	svc := bot.NewService(bot.ServiceConfig{
		Lookups: bot.NewLookups(client, bot.LookupOptions{TTL: time.Hour}),
		Gate:    bot.NewGate(bot.GateConfig{}),
		OrgID:   org.ID,
	})
	ctx := context.Background()
	for _, text := range []string{"ada@example.com", "ada@example.com", "not-an-email"} {
		r := svc.Answer(ctx, bot.Request{UserID: "U0EXAMPLE", ChannelID: "C0EXAMPLE", Text: text}, nil)
		fmt.Println(r.Kind, r.Outcome, r.CacheHits)
	}
	// Output:
	// lookup ok 0
	// lookup ok 1
	// command usage 0
}

package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/nudge"
)

// TestRoundOfOnePersonLooksThemUp: "users.list, paged, maps emails to
// Slack users for a round; users.lookupByEmail for one person" (the
// contract). A round with one person to ask finds them with one
// users.lookupByEmail, where it read every member of the workspace (250
// users.list pages in an organisation of 50,000) for one address; one
// whom Slack does not know, or knows only as a deactivated user, is skipped
// as without a Slack user, as the paged read skips them.
func TestRoundOfOnePersonLooksThemUp(t *testing.T) {
	for _, c := range []struct {
		name      string
		slackUser *slacktest.User // the idle person's Slack user, if any
		asked     bool
	}{
		{"known", &slacktest.User{ID: "U0IDLE", Name: "idle", Email: "Solo.Idle@example.com"}, true},
		{"not in Slack", nil, false},
		{"deactivated in Slack", &slacktest.User{ID: "U0IDLE", Name: "idle", Email: "solo.idle@example.com", Deleted: true}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Now().UTC()
			org := atlassiantest.SampleOrg(now)
			for i := range org.Users { // nobody else idle: one person to ask
				for j := range org.Users[i].Products {
					org.Users[i].Products[j].LastActive = now.AddDate(0, 0, -1)
				}
			}
			org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:solo-idle", DisplayName: "Solo Idle",
				Email: "solo.idle@example.com", AddedToOrg: now.AddDate(-2, 0, 0),
				Products: []atlassiantest.Product{{Key: "confluence", SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -150)}}})
			atl := atlassiantest.NewServer(org)
			defer atl.Close()
			fake := slacktest.NewServer()
			defer fake.Close()
			for i := range 30 { // members the round has no question for
				fake.AddUser(slacktest.User{ID: fmt.Sprintf("UOTHER%02d", i), Name: "other", Email: fmt.Sprintf("other%d@example.com", i)})
			}
			if c.slackUser != nil {
				fake.AddUser(*c.slackUser)
			}
			app, logs := nudgeApp(t, org, atl, fake, nudge.DryRun)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sum, err := app.Nudge.Round(ctx, "nudge one", true)
			if err != nil {
				t.Fatalf("round: %v\n%s", err, logs.String())
			}
			asked := len(sum.Asked) == 1 && sum.Asked[0].Person.Email == "solo.idle@example.com" && sum.Asked[0].Person.SlackUser == "U0IDLE"
			if asked != c.asked || len(sum.Asked) > 1 {
				t.Errorf("asked %+v, want the idle person asked: %v", sum.Asked, c.asked)
			}
			if !c.asked {
				skipped := false
				for _, s := range sum.Skipped {
					skipped = skipped || (s.Reason == nudge.SkipNoSlack && s.Person.Email == "solo.idle@example.com")
				}
				if !skipped {
					t.Errorf("not skipped as without a Slack user: %+v", sum.Skipped)
				}
			}
			if n := len(fake.Calls("users.lookupByEmail")); n != 1 {
				t.Errorf("%d users.lookupByEmail calls, want 1", n)
			}
			if n := len(fake.Calls("users.list")); n != 0 {
				t.Errorf("%d users.list calls for one person, want 0", n)
			}
		})
	}
}

package bot_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/nudge"
)

// TestNudgeSlackRefusedIsAskedAgain: a nudge whose chat.postMessage Slack
// refused (an ok:false answer, a 4xx, a 429 past the retries: nothing was
// posted) leaves the person askable, and the next round asks them; one
// whose outcome is unknown (a 5xx: Slack may have posted it) counts as
// asked. Before, every failed send counted as asked, and the person was not
// asked again for 30 days.
func TestNudgeSlackRefusedIsAskedAgain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  func(*slacktest.Server)
		again bool
	}{
		{"user_not_found", func(f *slacktest.Server) { f.FailMethodError("chat.postMessage", 1, "user_not_found") }, true},
		{"cannot_dm_bot", func(f *slacktest.Server) { f.FailMethodError("chat.postMessage", 1, "cannot_dm_bot") }, true},
		{"account_inactive", func(f *slacktest.Server) { f.FailMethodError("chat.postMessage", 1, "account_inactive") }, true},
		{"429 past the retries", func(f *slacktest.Server) { f.FailMethod("chat.postMessage", 1, http.StatusTooManyRequests, "600") }, true},
		{"HTTP 404", func(f *slacktest.Server) { f.FailMethod("chat.postMessage", 1, http.StatusNotFound, "") }, true},
		{"HTTP 503, outcome unknown", func(f *slacktest.Server) { f.FailMethod("chat.postMessage", 1, http.StatusServiceUnavailable, "") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := time.Now().UTC()
			org := atlassiantest.ReleaseOrg(now)
			atl := atlassiantest.NewServer(org)
			defer atl.Close()
			fake := slacktest.NewServer()
			defer fake.Close()
			fake.AddUser(slacktest.User{ID: "U0FRANCES", Name: "frances", Email: atlassiantest.ReleaseDirectEmail})
			app, logs := nudgeApp(t, org, atl, fake, nudge.On)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			tc.fail(fake)
			if _, err := app.Nudge.Round(ctx, "nudge refused", false); err != nil {
				t.Fatalf("round: %v\n%s", err, logs.String())
			}
			if n := len(fake.Calls("chat.postMessage")); n != 1 {
				t.Fatalf("%d chat.postMessage calls, want the one that failed", n)
			}
			sum, err := app.Nudge.Round(ctx, "nudge next", false)
			if err != nil {
				t.Fatalf("next round: %v\n%s", err, logs.String())
			}
			if asked := len(sum.Asked) == 1; asked != tc.again {
				var why []string
				for _, s := range sum.Skipped {
					if s.Person.Email == atlassiantest.ReleaseDirectEmail {
						why = append(why, s.Reason)
					}
				}
				t.Errorf("the next round asked Frances: %v, want %v (skipped as %q)", asked, tc.again, why)
			}
			want := 0
			if tc.again {
				want = 1
			}
			if n := len(fake.Messages("U0FRANCES")); n != want {
				t.Errorf("%d nudges reached Frances, want %d", n, want)
			}
		})
	}
}

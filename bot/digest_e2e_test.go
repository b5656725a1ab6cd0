package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/schedule"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
)

const (
	digestChannel = "CDIGEST01"
	reportUser    = "UREPORT01"
)

// TestDigestAndHomeEndToEnd runs the bot as wire builds it, with the digest
// scheduled every second on a SQLite store, between the fake Slack and the
// fake Atlassian: digests arrive in the channel with the org's counts, the
// change from the second on, and a chart whose file was uploaded; opening
// App Home publishes the dashboard for a report user and the usage for
// anyone else.
func TestDigestAndHomeEndToEnd(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	logs := &testlog.Buffer{}
	sched, err := schedule.Parse("@every 1s")
	if err != nil {
		t.Fatal(err)
	}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	defer store.Close()
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		Logger:           slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket:           slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:              bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		DigestChannel:    digestChannel, DigestSchedule: sched,
		State: store,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := runApp(t, app, fake)
	defer stop()

	if err := fake.Wait(ctx, func() bool { return len(fake.Messages(digestChannel)) >= 3 }); err != nil {
		t.Fatalf("3 digests did not arrive: %v; logs:\n%s", err, logs.String())
	}
	uploaded := map[string]bool{}
	for _, u := range fake.Uploads() {
		uploaded[u.FileID] = u.Uploaded && u.Completed && strings.HasSuffix(u.Filename, ".png") && u.ChannelID == "" && len(u.Channels) == 0
	}
	for i, m := range fake.Messages(digestChannel)[:3] {
		raw, _ := json.Marshal(m.Blocks)
		text := string(raw)
		if !strings.Contains(text, "acme.atlassian.net") || !strings.Contains(text, " idle*") {
			t.Errorf("digest %d lacks the counts per site: %s", i, text)
		}
		var image map[string]any
		for _, b := range m.Blocks {
			if b["type"] == "image" {
				image = b
			}
		}
		switch {
		case i == 0 && (image != nil || !strings.Contains(text, "trend chart starts with the next digest")):
			t.Errorf("first digest: want no chart and the line about the trend: %s", text)
		case i > 0 && image == nil:
			t.Errorf("digest %d has no chart", i)
		case i > 0:
			id, _ := image["slack_file"].(map[string]any)["id"].(string)
			if !uploaded[id] {
				t.Errorf("digest %d shows file %q, which was not uploaded (unshared) and completed", i, id)
			}
			if !strings.Contains(text, "Change since the last digest") || !strings.Contains(text, "(no change)") {
				t.Errorf("digest %d lacks the change since the previous one: %s", i, text)
			}
		}
		if strings.Contains(text, "@example.com") {
			t.Errorf("digest %d shows an email in a channel", i)
		}
	}

	for _, c := range []struct{ user, block string }{{reportUser, "home_summary"}, {"UOTHER01", "home_usage"}} {
		if _, err := fake.AppHomeOpened(ctx, c.user); err != nil {
			t.Fatal(err)
		}
		if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews(c.user)) == 1 }); err != nil {
			t.Fatalf("no Home tab published for %s: %v", c.user, err)
		}
		v := fake.HomeViews(c.user)[0]
		if raw, _ := json.Marshal(v.Blocks); !strings.Contains(string(raw), `"block_id":"`+c.block+`"`) {
			t.Errorf("Home tab of %s lacks %s: %s", c.user, c.block, raw)
		}
	}
	// The Home tab was drawn from the store: no scan on open.
	if n := atl.CountEndpoint(atlassiantest.EndpointUsersSearch); n != 1 {
		t.Errorf("%d users-search calls, want 1 (one scan reused by every digest, none for App Home)", n)
	}
}

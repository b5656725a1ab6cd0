package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestScanNowThatFailsSaysSo: a report user presses Scan now on App Home
// while the Admin API refuses the scan. The Home tab they get back must say
// the scan failed. Before, it was published again as if nothing had
// happened (the old summary, or "no scan stored yet, press Scan now"): the
// failure went only to the log, and the click looked ignored.
func TestScanNowThatFailsSaysSo(t *testing.T) {
	env := startScanNowApp(t, scanNowSettings{cacheTTL: time.Hour, attempts: 1, failSearch: true})
	fake, logs, ctx := env.fake, env.logs, env.ctx

	if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: reportUser, ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
		t.Fatal(err)
	}
	// The click is audited once its last Home tab is published.
	audited := func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"kind":"digest"`) && strings.Contains(l, `"outcome":"failed"`) {
				return true
			}
		}
		return false
	}
	if err := fake.Wait(ctx, audited); err != nil {
		t.Fatalf("the failed Scan now was not audited: %v\n%s", err, logs.String())
	}
	views := fake.HomeViews(reportUser)
	if len(views) == 0 {
		t.Fatal("no Home tab published after Scan now")
	}
	raw, _ := json.Marshal(views[len(views)-1].Blocks)
	if !strings.Contains(string(raw), "Scan now failed") {
		t.Errorf("the Home tab after a failed Scan now does not say it failed: %s", raw)
	}
	if strings.Contains(string(raw), atlassiantest.APIKey) {
		t.Errorf("the Home tab shows the API key: %s", raw)
	}
}

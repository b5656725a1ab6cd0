package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/seat"
)

// TestIdleEndToEnd drives "/lastactive idle 90 confluence" through the real
// bot between the fake Slack and the fake Atlassian.
func TestIdleEndToEnd(t *testing.T) {
	h := startBot(t, harnessOpts{
		gate:     bot.GateConfig{ReportUsers: []string{"UBOSS"}},
		reports:  true,
		prices:   seat.Prices{"confluence": 6.05},
		currency: "EUR",
	})

	// Independent expectations from the sample organisation.
	confluenceRows, members := 0, 0
	for _, u := range h.org.Users {
		if u.NotMember {
			continue
		}
		members++
		for _, p := range u.Products {
			if p.Key == "confluence" {
				confluenceRows++
			}
		}
	}

	t.Run("someone else is refused, at no cost", func(t *testing.T) {
		before := h.adminCalls() + h.jiraCalls()
		r := h.ask("UNOBODY", "C1", "idle 90 confluence")
		// A person who may not run reports learns whom to ask, not how
		// the bot is configured.
		if got := text(r); !strings.Contains(got, "only for") || !strings.Contains(got, "Ask an admin") || strings.Contains(got, "LASTACTIVE_") {
			t.Errorf("reply is not a refusal telling to ask an admin, without a variable name:\n%s", got)
		}
		if calls := h.adminCalls() + h.jiraCalls() - before; calls != 0 {
			t.Errorf("%d Atlassian calls for a refused report", calls)
		}
		if n := len(h.slack.Uploads()); n != 0 {
			t.Errorf("%d files uploaded for a refused report", n)
		}
	})

	t.Run("a report user gets the summary and the CSV in their DMs", func(t *testing.T) {
		before := h.adminCalls()
		env := h.send("UBOSS", "C1", "idle 90 confluence")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		replies, err := h.slack.WaitReplies(ctx, env.ID, 2)
		if err != nil {
			t.Fatalf("want a progress reply and the result: %v", err)
		}
		progress, result := replies[0], replies[1]
		if !strings.Contains(text(progress), "Report running") || progress.ReplaceOriginal {
			t.Errorf("first reply is not a progress message:\n%s", text(progress))
		}
		if !result.ReplaceOriginal || result.ResponseType != "ephemeral" {
			t.Errorf("result: replace_original=%v response_type=%q; want it to replace the progress, privately",
				result.ReplaceOriginal, result.ResponseType)
		}
		got := text(result)
		for _, want := range []string{"Idle seats: not used for 90 days", "Confluence", "in your direct messages", "24 hours",
			"peak seat count", "a month", "× EUR 6.05 = *EUR "} {
			if !strings.Contains(got, want) {
				t.Errorf("summary lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "Jira Software") {
			t.Errorf("summary of a Confluence report mentions Jira Software:\n%s", got)
		}
		checkBlockLimits(t, result.Blocks)

		if calls := h.adminCalls() - before; calls != (members+99)/100 {
			t.Errorf("%d Admin API calls, want ceil(%d/100)", calls, members)
		}
		ups := h.slack.Uploads()
		if len(ups) != 1 {
			t.Fatalf("%d uploads, want exactly 1", len(ups))
		}
		up := ups[0]
		if !up.Completed || up.ChannelID != "DBOSS" || len(up.Channels) != 0 {
			t.Errorf("upload completed=%v channel=%q channels=%v; want it completed in the requester's DM DBOSS only",
				up.Completed, up.ChannelID, up.Channels)
		}
		opens := h.slack.Calls("conversations.open")
		if len(opens) != 1 || opens[0].Params.Get("users") != "UBOSS" {
			t.Errorf("conversations.open calls: %+v; want one for UBOSS", opens)
		}
		if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
			t.Errorf("%d messages posted to channels; the report is private", n)
		}
		// The same file as `lastactive report --csv`: a byte-order mark and
		// CRLF, so Excel opens accented names correctly.
		if !bytes.HasPrefix(up.Content, []byte("\xEF\xBB\xBF")) ||
			bytes.Count(up.Content, []byte("\n")) != bytes.Count(up.Content, []byte("\r\n")) {
			t.Errorf("the uploaded CSV lacks the byte-order mark or CRLF line ends: %q", up.Content[:min(len(up.Content), 40)])
		}
		recs, err := csv.NewReader(bytes.NewReader(up.Content)).ReadAll()
		if err != nil {
			t.Fatalf("the uploaded CSV does not parse: %v", err)
		}
		if len(recs) != confluenceRows+1 {
			t.Errorf("%d CSV records, want a header and %d Confluence rows", len(recs), confluenceRows)
		}
		for _, r := range recs[1:] {
			if r[3] != "confluence" {
				t.Errorf("row for product %q in a Confluence report", r[3])
			}
		}
	})
}

// TestIdleUnknownProduct: "/lastactive idle" with a key not in the
// catalogue is refused with the list of the known keys, before any scan.
func TestIdleUnknownProduct(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS"}}, reports: true})
	before := h.adminCalls()
	got := text(h.ask("UBOSS", "C1", "idle 90 confluense"))
	for _, want := range []string{"confluense", "jira-software (or jira)", "confluence", "jira-service-desk (or jira-servicedesk)", "loom"} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal lacks %q:\n%s", want, got)
		}
	}
	if n := h.adminCalls() - before; n != 0 {
		t.Errorf("%d Admin API calls for a command with an unknown product", n)
	}
	// The alias is accepted.
	env := h.send("UBOSS", "C1", "idle 90 jira")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replies, err := h.slack.WaitReplies(ctx, env.ID, 2)
	if err != nil {
		t.Fatalf("idle 90 jira: %v", err)
	}
	if got := text(replies[len(replies)-1]); !strings.Contains(got, "Jira Software") {
		t.Errorf("idle 90 jira did not report Jira Software:\n%s", got)
	}
}

// TestIdleProgressEndToEnd: while the organisation is read, the "report
// running" message is updated in place with the accounts read, within
// Slack's budget of 5 posts per response_url.
func TestIdleProgressEndToEnd(t *testing.T) {
	h := startBot(t, harnessOpts{
		gate:          bot.GateConfig{ReportUsers: []string{"UBOSS"}},
		reports:       true,
		progressEvery: time.Millisecond, // the count, not the clock, decides what the test sees
		org: func(org *atlassiantest.Org) {
			for i := range 250 {
				org.Users = append(org.Users, atlassiantest.User{AccountID: fmt.Sprintf("712020:gen-%03d", i),
					DisplayName: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i),
					AddedToOrg: time.Now().Add(-400 * 24 * time.Hour)})
			}
		},
	})
	// Hold the second page of the scan until the update for the first
	// has arrived.
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	var searches atomic.Int32
	h.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if strings.HasSuffix(r.URL.Path, "/users/search") && searches.Add(1) == 2 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return atlassiantest.Failure{}, false
	})

	env := h.send("UBOSS", "C1", "idle 90")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replies, err := h.slack.WaitReplies(ctx, env.ID, 2)
	if err != nil {
		t.Fatalf("want the progress message and an update: %v", err)
	}
	if first := text(replies[0]); !strings.Contains(first, "Report running") || replies[0].ReplaceOriginal {
		t.Errorf("first reply is not a new progress message (replace_original=%v):\n%s", replies[0].ReplaceOriginal, first)
	}
	// The updates poll the count: under load one may catch the first page
	// half decoded, so wait for the one that has all of it (the second page
	// is held, so the count stops at 100).
	if err := h.slack.Wait(ctx, func() bool {
		for _, r := range h.slack.Replies(env.ID)[1:] {
			if strings.Contains(text(r), "100 accounts read so far") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no update says 100 accounts read: %v", err)
	}
	for i, r := range h.slack.Replies(env.ID)[1:] {
		if !r.ReplaceOriginal {
			t.Errorf("update %d does not replace the progress message:\n%s", i+1, text(r))
		}
	}
	once.Do(func() { close(release) })

	if err := h.slack.Wait(ctx, func() bool {
		rs := h.slack.Replies(env.ID)
		return strings.Contains(text(rs[len(rs)-1]), "Idle seats: not used for 90 days")
	}); err != nil {
		t.Fatalf("no result: %v", err)
	}
	replies = h.slack.Replies(env.ID)
	if len(replies) > 5 {
		t.Errorf("%d posts to one response_url; Slack allows 5", len(replies))
	}
	for i, r := range replies[1:] {
		if !r.ReplaceOriginal || r.ResponseType != "ephemeral" {
			t.Errorf("reply %d: replace_original=%v response_type=%q; want every later reply to replace the first, privately",
				i+2, r.ReplaceOriginal, r.ResponseType)
		}
	}
	for i, r := range replies[:len(replies)-1] {
		if !strings.Contains(text(r), "Report running") {
			t.Errorf("reply %d before the result is not a progress message:\n%s", i+1, text(r))
		}
	}
}

// checkBlockLimits checks what Slack checks on a message's blocks: at most
// 50, every text at most 3,000 characters, headers at most 150.
func checkBlockLimits(t *testing.T, raw json.RawMessage) {
	t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	if len(blocks) == 0 || len(blocks) > 50 {
		t.Errorf("%d blocks, want 1..50", len(blocks))
	}
	var walk func(kind string, v any)
	walk = func(kind string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				limit := 3000
				if kind == "header" {
					limit = 150
				}
				if n := utf8.RuneCountInString(s); n > limit {
					t.Errorf("a %s text of %d characters, limit %d", kind, n, limit)
				}
			}
			for _, vv := range x {
				walk(kind, vv)
			}
		case []any:
			for _, vv := range x {
				walk(kind, vv)
			}
		}
	}
	for _, b := range blocks {
		kind, _ := b["type"].(string)
		walk(kind, b)
	}
}

// TestIdleJiraAliasEndToEnd: "/lastactive idle 90 jira" over an
// organisation where the v2 directory API lists one account under "jira"
// and the others under "jira-software": one product per site in the
// summary, priced by either key, and every such account in the CSV.
func TestIdleJiraAliasEndToEnd(t *testing.T) {
	h := startBot(t, harnessOpts{
		gate:    bot.GateConfig{ReportUsers: []string{"UBOSS"}},
		reports: true,
		prices:  seat.Prices{"jira": 8.60},
		org: func(org *atlassiantest.Org) {
			now := time.Now()
			org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:vera", DisplayName: "Vera Rubin", Email: "vera@example.com",
				AddedToOrg: now.Add(-900 * 24 * time.Hour),
				Products:   []atlassiantest.Product{{Key: "jira", SiteID: atlassiantest.SiteMain, LastActive: now.Add(-200 * 24 * time.Hour)}}})
		},
	})
	jiraRows := 0
	for _, u := range h.org.Users {
		for _, p := range u.Products {
			if !u.NotMember && (p.Key == "jira" || p.Key == "jira-software") {
				jiraRows++
			}
		}
	}

	env := h.send("UBOSS", "C1", "idle 90 jira")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replies, err := h.slack.WaitReplies(ctx, env.ID, 2)
	if err != nil {
		t.Fatalf("want a progress reply and the result: %v", err)
	}
	got := text(replies[1])
	if n := strings.Count(got, "*Jira Software on "+atlassiantest.HostMain+"*:"); n != 1 {
		t.Errorf("the main site's Jira shows %d times, want once:\n%s", n, got)
	}
	if !strings.Contains(got, "× USD 8.60") {
		t.Errorf("the price given for jira did not reach jira-software seats:\n%s", got)
	}
	ups := h.slack.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads, want 1", len(ups))
	}
	recs, err := csv.NewReader(bytes.NewReader(ups[0].Content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != jiraRows+1 {
		t.Errorf("%d CSV records, want a header and %d rows under either key", len(recs), jiraRows)
	}
	for _, r := range recs[1:] {
		if r[3] != "jira-software" {
			t.Errorf("row for product %q, want jira-software", r[3])
		}
	}
}

// TestIdleOnePerRequester: a report user who sends "idle" again while
// their report is being made is told so at once; the repeat builds no
// second report over the scan and sends no second copy of the CSV, so one
// person cannot pile up dozens of reports of the whole organisation in the
// bot's memory. Another report user meanwhile shares the scan as before.
func TestIdleOnePerRequester(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS", "UCFO"}}, reports: true})
	free, _ := holdOrgScan(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	first := h.send("UBOSS", "C1", "idle")
	if rs, err := h.slack.WaitReplies(ctx, first.ID, 1); err != nil || !strings.Contains(text(rs[0]), "Report running") {
		t.Fatalf("no progress message for the first report: %v", err)
	}
	var again []*slacktest.Envelope
	for _, cmd := range []string{"idle", "idle 30", "idle confluence", "idle --fresh"} {
		again = append(again, h.send("UBOSS", "C1", cmd))
	}
	for i, env := range again {
		rs, err := h.slack.WaitReplies(ctx, env.ID, 1)
		if err != nil {
			t.Fatalf("repeat %d: no reply: %v", i+1, err)
		}
		if got := text(rs[0]); !strings.Contains(got, "already running") {
			t.Errorf("repeat %d while the first report runs: reply is not \"already running\":\n%s", i+1, got)
		}
	}
	other := h.send("UCFO", "C1", "idle")
	if rs, err := h.slack.WaitReplies(ctx, other.ID, 1); err != nil || !strings.Contains(text(rs[0]), "Report running") {
		t.Fatalf("another report user is not served beside the first: %v", err)
	}
	free()

	for _, env := range []*slacktest.Envelope{first, other} {
		if err := h.slack.Wait(ctx, func() bool {
			rs := h.slack.Replies(env.ID)
			return strings.Contains(text(rs[len(rs)-1]), "Idle seats: not used for")
		}); err != nil {
			t.Fatalf("no result: %v", err)
		}
	}
	if n := len(h.slack.Uploads()); n != 2 {
		t.Errorf("%d CSV files uploaded, want 2: one per report user", n)
	}
	for i, env := range again {
		if n := len(h.slack.Replies(env.ID)); n != 1 {
			t.Errorf("repeat %d got %d replies, want the one notice", i+1, n)
		}
	}
	// Done, the next one runs.
	next := h.send("UBOSS", "C1", "idle")
	if err := h.slack.Wait(ctx, func() bool {
		rs := h.slack.Replies(next.ID)
		return len(rs) > 0 && strings.Contains(text(rs[len(rs)-1]), "Idle seats: not used for")
	}); err != nil {
		t.Fatalf("a report after the first one finished: %v", err)
	}
}

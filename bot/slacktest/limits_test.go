package slacktest_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot/slacktest"
)

// TestBlockKitLimits: the fake answers invalid_blocks, as Slack does, for a
// message or Home view breaking any of Block Kit's per-element limits, and
// takes one exactly at them, so every test through the fake checks what
// the bot renders.
func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	md := func(n int) *slack.TextBlockObject {
		return slack.NewTextBlockObject("mrkdwn", strings.Repeat("é", n), false, false)
	}
	pt := func(n int) *slack.TextBlockObject {
		return slack.NewTextBlockObject("plain_text", strings.Repeat("é", n), false, false)
	}
	button := func(text, value string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement("a", value, slack.NewTextBlockObject("plain_text", text, false, false))
	}
	sections := func(n int) []slack.Block {
		var out []slack.Block
		for range n {
			out = append(out, slack.NewSectionBlock(md(1), nil, nil))
		}
		return out
	}
	contexts := func(n int) []slack.MixedElement {
		var out []slack.MixedElement
		for range n {
			out = append(out, md(1))
		}
		return out
	}
	confirm := func(title, text int) *slack.ButtonBlockElement {
		b := button("ok", "v")
		b.Confirm = slack.NewConfirmationBlockObject(pt(title), pt(text), pt(1), pt(1))
		return b
	}
	for _, tc := range []struct {
		name   string
		blocks []slack.Block
		ok     bool
	}{
		{"section text at 3000", []slack.Block{slack.NewSectionBlock(md(3000), nil, nil)}, true},
		{"section text over 3000", []slack.Block{slack.NewSectionBlock(md(3001), nil, nil)}, false},
		{"empty section text", []slack.Block{slack.NewSectionBlock(md(0), nil, nil)}, false},
		{"field at 2000", []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{md(2000)}, nil)}, true},
		{"field over 2000", []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{md(2001)}, nil)}, false},
		{"11 fields", []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{md(1), md(1), md(1), md(1), md(1), md(1), md(1), md(1), md(1), md(1), md(1)}, nil)}, false},
		{"header at 150", []slack.Block{slack.NewHeaderBlock(pt(150))}, true},
		{"header over 150", []slack.Block{slack.NewHeaderBlock(pt(151))}, false},
		{"mrkdwn header", []slack.Block{slack.NewHeaderBlock(md(5))}, false},
		{"context of 10", []slack.Block{slack.NewContextBlock("", contexts(10)...)}, true},
		{"context of 11", []slack.Block{slack.NewContextBlock("", contexts(11)...)}, false},
		{"context text over 3000", []slack.Block{slack.NewContextBlock("", md(3001))}, false},
		{"button text at 75", []slack.Block{slack.NewActionBlock("", button(strings.Repeat("b", 75), "v"))}, true},
		{"button text over 75", []slack.Block{slack.NewActionBlock("", button(strings.Repeat("b", 76), "v"))}, false},
		{"button value over 2000", []slack.Block{slack.NewActionBlock("", button("b", strings.Repeat("v", 2001)))}, false},
		{"confirm title over 100", []slack.Block{slack.NewActionBlock("", confirm(101, 1))}, false},
		{"confirm text over 300", []slack.Block{slack.NewActionBlock("", confirm(1, 301))}, false},
		{"accessory button over 75", []slack.Block{slack.NewSectionBlock(md(1), nil, slack.NewAccessory(button(strings.Repeat("b", 76), "v")))}, false},
		{"block_id over 255", []slack.Block{slack.NewSectionBlock(md(1), nil, nil, slack.SectionBlockOptionBlockID(strings.Repeat("i", 256)))}, false},
		{"50 blocks", sections(50), true},
		{"51 blocks", sections(51), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(tc.blocks...))
			if tc.ok && err != nil {
				t.Errorf("chat.postMessage: %v, want it taken", err)
			}
			if !tc.ok && (err == nil || err.Error() != "invalid_blocks") {
				t.Errorf("chat.postMessage: %v, want invalid_blocks", err)
			}
		})
	}

	// A Home view takes up to 100 blocks, each held to the same limits.
	for _, tc := range []struct {
		name   string
		blocks []slack.Block
		ok     bool
	}{
		{"100 blocks", sections(100), true},
		{"101 blocks", sections(101), false},
		{"51 blocks, one too long", append(sections(50), slack.NewSectionBlock(md(3001), nil, nil)), false},
	} {
		t.Run("home "+tc.name, func(t *testing.T) {
			_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1",
				View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: tc.blocks}}})
			if tc.ok && err != nil {
				t.Errorf("views.publish: %v, want it taken", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "invalid_blocks")) {
				t.Errorf("views.publish: %v, want invalid_blocks", err)
			}
		})
	}
}

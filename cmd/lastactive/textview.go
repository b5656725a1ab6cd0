package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"lastactive/bot"
)

// renderText shows a Block Kit message roughly as Slack would, in a
// terminal: headers, sections, fields, context lines and buttons.
func renderText(m bot.Message) string {
	var b strings.Builder
	for _, blk := range m.Blocks {
		switch x := blk.(type) {
		case *slack.HeaderBlock:
			t := plainText(textOf(x.Text))
			fmt.Fprintf(&b, "%s\n%s\n", t, strings.Repeat("=", min(len([]rune(t)), 60)))
		case *slack.SectionBlock:
			if x.Text != nil {
				fmt.Fprintln(&b, plainText(x.Text.Text))
			}
			for _, f := range x.Fields {
				fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(plainText(f.Text), "\n", "\n  "))
			}
			if x.Accessory != nil && x.Accessory.ButtonElement != nil {
				fmt.Fprintln(&b, button(x.Accessory.ButtonElement))
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range x.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, plainText(t.Text))
				}
			}
			fmt.Fprintf(&b, "  (%s)\n", strings.Join(parts, " · "))
		case *slack.ActionBlock:
			var parts []string
			for _, e := range x.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					parts = append(parts, button(btn))
				}
			}
			fmt.Fprintln(&b, strings.Join(parts, "  "))
		case *slack.DividerBlock:
			fmt.Fprintln(&b, strings.Repeat("-", 40))
		}
	}
	if len(m.Blocks) == 0 {
		fmt.Fprintln(&b, plainText(m.Text))
	}
	return b.String()
}

func textOf(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	return t.Text
}

func button(btn *slack.ButtonBlockElement) string {
	s := "[" + plainText(textOf(btn.Text)) + "]"
	if btn.URL != "" {
		s += " " + btn.URL
	}
	return s
}

var (
	linkRe    = regexp.MustCompile(`<([^<>|]+)\|([^<>]*)>`)
	bareRe    = regexp.MustCompile(`<([^<>|]+)>`)
	entityRep = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
	// The bot's own formatting: bold markers and the few emoji it uses.
	// User text never carries a raw * (escaping turns it into a look-alike).
	boldRe   = regexp.MustCompile(`\*([^*\n]+)\*`)
	italicRe = regexp.MustCompile(`(?m)^_([^\n]+)_$`) // a whole line in italics
	emojiRep = strings.NewReplacer(":large_green_circle:", "●", ":large_orange_circle:", "◐", ":white_circle:", "○",
		":warning:", "!", ":hourglass_flowing_sand:", "…", ":no_entry:", "⊘")
)

// plainText turns mrkdwn into what a reader sees: links show their label,
// Slack's three escapes are undone, and control characters go.
func plainText(s string) string {
	s = linkRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		if strings.HasPrefix(sub[1], "@") || strings.HasPrefix(sub[1], "#") {
			return sub[2]
		}
		return sub[2]
	})
	s = bareRe.ReplaceAllStringFunc(s, func(m string) string {
		inner := bareRe.FindStringSubmatch(m)[1]
		if strings.HasPrefix(inner, "@") {
			return "@" + inner[1:]
		}
		return strings.TrimPrefix(inner, "mailto:")
	})
	s = boldRe.ReplaceAllString(s, "$1")
	s = italicRe.ReplaceAllString(s, "$1")
	s = emojiRep.Replace(s)
	s = entityRep.Replace(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Block Kit's documented limits (shared/notes/slack.md §4, docs.slack.dev
// reference/block-kit): Slack answers invalid_blocks when a message or a
// view breaks one, so the fake refuses it the same way, and every test that
// goes through the fake checks them.
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	maxBlockID       = 255
	maxActionID      = 255
	maxText          = 3000 // a text object, a section's text, a context's text element
	maxFieldText     = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxContextElems  = 10
	maxActionElems   = 25
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxURL           = 3000
	maxAltText       = 2000
	maxImageTitle    = 2000
	maxConfirmTitle  = 100
	maxConfirmText   = 300
	maxConfirmButton = 30
)

// checkBlockLimits checks each block of a message or view (at most max
// blocks) against Block Kit's per-element limits: block types the bot does
// not send are only counted.
func checkBlockLimits(blocks []map[string]any, max int) error {
	if len(blocks) > max {
		return fmt.Errorf("%d blocks, more than %d", len(blocks), max)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	ids := map[string]bool{}
	for i, b := range blocks {
		typ, _ := b["type"].(string)
		where := fmt.Sprintf("block %d (%s)", i, typ)
		if typ == "" {
			fail("block %d has no type", i)
			continue
		}
		if id, ok := b["block_id"].(string); ok {
			switch {
			case ids[id]:
				fail("%s: duplicate block_id %q", where, id)
			case id == "" || utf8.RuneCountInString(id) > maxBlockID:
				fail("%s: block_id of %d characters", where, utf8.RuneCountInString(id))
			}
			ids[id] = true
		}
		switch typ {
		case "section":
			text, hasText := b["text"]
			fields, _ := b["fields"].([]any)
			if !hasText && len(fields) == 0 {
				fail("%s: neither text nor fields", where)
			}
			if hasText {
				checkText(fail, where+" text", text, maxText, "")
			}
			if len(fields) > maxFields {
				fail("%s: %d fields, more than %d", where, len(fields), maxFields)
			}
			for j, f := range fields {
				checkText(fail, fmt.Sprintf("%s field %d", where, j), f, maxFieldText, "")
			}
			if a, ok := b["accessory"].(map[string]any); ok {
				checkElement(fail, where+" accessory", a)
			}
		case "header":
			checkText(fail, where+" text", b["text"], maxHeaderText, "plain_text")
		case "context":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > maxContextElems {
				fail("%s: %d elements, want 1..%d", where, len(elems), maxContextElems)
			}
			for j, e := range elems {
				m, _ := e.(map[string]any)
				if m["type"] == "image" {
					checkElement(fail, fmt.Sprintf("%s element %d", where, j), m)
					continue
				}
				checkText(fail, fmt.Sprintf("%s element %d", where, j), e, maxText, "")
			}
		case "actions":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > maxActionElems {
				fail("%s: %d elements, want 1..%d", where, len(elems), maxActionElems)
			}
			for j, e := range elems {
				m, _ := e.(map[string]any)
				checkElement(fail, fmt.Sprintf("%s element %d", where, j), m)
			}
		case "image":
			checkElement(fail, where, b)
			if t, ok := b["title"]; ok {
				checkText(fail, where+" title", t, maxImageTitle, "plain_text")
			}
		}
	}
	return errors.Join(errs...)
}

// checkElement checks a button (its text, action_id, value, url and
// confirmation) or an image element or block (alt_text, image_url).
func checkElement(fail func(string, ...any), where string, e map[string]any) {
	str := func(k string) (string, bool) { s, ok := e[k].(string); return s, ok }
	switch e["type"] {
	case "button":
		checkText(fail, where+" text", e["text"], maxButtonText, "plain_text")
		if id, _ := str("action_id"); utf8.RuneCountInString(id) > maxActionID {
			fail("%s: action_id of %d characters", where, utf8.RuneCountInString(id))
		}
		if v, _ := str("value"); utf8.RuneCountInString(v) > maxButtonValue {
			fail("%s: value of %d characters, more than %d", where, utf8.RuneCountInString(v), maxButtonValue)
		}
		if u, _ := str("url"); utf8.RuneCountInString(u) > maxURL {
			fail("%s: url of %d characters, more than %d", where, utf8.RuneCountInString(u), maxURL)
		}
		if c, ok := e["confirm"].(map[string]any); ok {
			checkText(fail, where+" confirm title", c["title"], maxConfirmTitle, "plain_text")
			checkText(fail, where+" confirm text", c["text"], maxConfirmText, "")
			checkText(fail, where+" confirm button", c["confirm"], maxConfirmButton, "plain_text")
			checkText(fail, where+" deny button", c["deny"], maxConfirmButton, "plain_text")
		}
	case "image":
		if a, _ := str("alt_text"); a == "" || utf8.RuneCountInString(a) > maxAltText {
			fail("%s: alt_text of %d characters, want 1..%d", where, utf8.RuneCountInString(a), maxAltText)
		}
		if u, _ := str("image_url"); utf8.RuneCountInString(u) > maxURL {
			fail("%s: image_url of %d characters, more than %d", where, utf8.RuneCountInString(u), maxURL)
		}
	}
}

// checkText checks a text object: a known type (want, when not "", the
// only one allowed) and 1..max characters.
func checkText(fail func(string, ...any), where string, v any, max int, want string) {
	t, ok := v.(map[string]any)
	if !ok {
		fail("%s: not a text object", where)
		return
	}
	typ, _ := t["type"].(string)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		fail("%s: text type %q", where, typ)
	case want != "" && typ != want:
		fail("%s: %s, must be %s", where, typ, want)
	}
	s, _ := t["text"].(string)
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		fail("%s: %d characters, want 1..%d", where, n, max)
	}
}

// decodeBlocks reads a blocks field.
func decodeBlocks(raw json.RawMessage) ([]map[string]any, error) {
	var blocks []map[string]any
	err := json.Unmarshal(raw, &blocks)
	return blocks, err
}

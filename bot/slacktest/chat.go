package slacktest

import (
	"encoding/json"
	"net/url"
	"strings"
)

// chatUpdate answers chat.update: the channel must have had a message
// posted and ts must look like one this fake gave (Slack refuses others
// with message_not_found), and the new blocks must be valid. Updates are
// recorded as calls like any other ([Server.Calls]("chat.update")).
func (s *Server) chatUpdate(p url.Values) (map[string]any, error) {
	channel, ts := p.Get("channel"), p.Get("ts")
	if channel == "" {
		return nil, apiError("channel_not_found")
	}
	if ts == "" || !s.posted(channel, ts) {
		return nil, apiError("message_not_found")
	}
	if p.Get("text") == "" && p.Get("blocks") == "" {
		return nil, apiError("no_text")
	}
	if err := checkBlocks(json.RawMessage(p.Get("blocks"))); err != nil {
		s.logf("chat.update: invalid_blocks: %v", err)
		return nil, apiError("invalid_blocks")
	}
	return map[string]any{"channel": channel, "ts": ts, "text": p.Get("text")}, nil
}

// posted reports whether chat.postMessage posted to channel (a user ID
// posts to the DM, which this fake names by the user ID) and ts is of the
// form this fake gives.
func (s *Server) posted(channel, ts string) bool {
	if !strings.HasPrefix(ts, "1700000000.") {
		return false
	}
	for _, c := range s.Calls("chat.postMessage") {
		if c.Error == "" && c.Params.Get("channel") == channel {
			return true
		}
	}
	return false
}

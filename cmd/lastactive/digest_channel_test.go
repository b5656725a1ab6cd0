package main

import (
	"strings"
	"testing"
)

// TestDigestToAChannelItCannotPostIn: `lastactive digest --post` to a
// channel the bot was never invited to, an archived one, or an ID that
// names no channel fails, and says what to do about it, not only Slack's
// code. Before, the admin read "slack refused the call (not_in_channel)"
// and had to know that it means inviting the bot.
func TestDigestToAChannelItCannotPostIn(t *testing.T) {
	for _, c := range []struct{ code, want string }{
		{"not_in_channel", "/invite"},
		{"is_archived", "unarchive"},
		{"channel_not_found", "LASTACTIVE_DIGEST_CHANNEL"},
	} {
		t.Run(c.code, func(t *testing.T) {
			f := startFakes(t)
			f.slack.FailMethodError("chat.postMessage", 10, c.code)
			env := f.env("LASTACTIVE_DIGEST_CHANNEL=CDIGEST01")
			r := runBinary(t, env, "", "digest", "--post")
			if r.code != exitFailed {
				t.Fatalf("digest --post to a channel Slack refused (%s): exit %d, want %d\n%s", c.code, r.code, exitFailed, r.stderr)
			}
			if !strings.Contains(r.stderr, c.code) || !strings.Contains(r.stderr, c.want) {
				t.Errorf("digest --post refused with %s says %q, want Slack's code and what to do (%q)", c.code, r.stderr, c.want)
			}
		})
	}
}

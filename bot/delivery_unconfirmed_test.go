package bot

import (
	"errors"
	"strings"
	"testing"
)

// TestDeliveryTextWhenTheShareIsUnconfirmed: the CSV's last step,
// files.completeUploadExternal, is sent once (a second would share the file
// twice); when Slack answered it with a 5xx or not at all, the file may
// well be in the requester's direct messages. The reply said "Slack did not
// answer ...; try again in a minute", and trying again sent a second copy
// of the whole report. It says to look first. A failure of an earlier step
// (nothing shared) still says to try again.
func TestDeliveryTextWhenTheShareIsUnconfirmed(t *testing.T) {
	for _, c := range []struct {
		name        string
		err         error
		want, never string
	}{
		{"complete unanswered", &SlackError{Method: "files.completeUploadExternal", Kind: ErrSlackUnavailable, Status: 502, Err: errors.New("502")},
			"may have arrived", "try again in a minute"},
		{"complete refused", &SlackError{Method: "files.completeUploadExternal", Kind: ErrSlackRefused, Code: "channel_not_found", Err: errors.New("channel_not_found")},
			"Slack refused", "may have arrived"},
		{"upload URL unanswered", &SlackError{Method: "files.getUploadURLExternal", Kind: ErrSlackUnavailable, Status: 503, Err: errors.New("503")},
			"try again in a minute", "may have arrived"},
	} {
		got := deliveryText(Delivery{File: "x.csv", Err: c.err})
		if !strings.Contains(got, c.want) || strings.Contains(got, c.never) {
			t.Errorf("%s: %q; want %q and not %q", c.name, got, c.want, c.never)
		}
	}
}

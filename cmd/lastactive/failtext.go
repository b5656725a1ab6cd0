package main

import (
	"context"
	"errors"
	"strings"

	"lastactive/atlassian"
	"lastactive/cmd/lastactive/internal/reportcmd"
	"lastactive/seat"
)

// failedLine is the line a subcommand (digest, nudge) prints on stderr when
// its work failed, worded as `report` words its own: an Atlassian failure
// in the plain words of the Slack replies, then the client's detail in
// brackets for the admin; a Ctrl-C or SIGTERM as an interruption, not as
// "context canceled"; anything else as it is. The subcommand is named once
// ("lastactive digest: …", not "lastactive: digest: digest: …"), and after,
// when not empty, is a sentence added to the plain words ("Nothing was
// posted.").
func failedLine(cmd string, err error, after string) string {
	head := programName + " " + cmd + ": "
	detail := clean(stripPrefixes(err.Error()))
	if after != "" {
		after = " " + after
	}
	switch {
	case errors.Is(err, context.Canceled):
		return head + "interrupted before it finished; run it again." + after
	case errors.As(err, new(*atlassian.Error)) || atlassian.KindOf(err) != "":
		words, ok := reportcmd.Unreachable(err) // a host it cannot reach: what to check, not "try again"
		if !ok {
			words = seat.Explain(err)
		}
		return head + clean(words) + after + " (" + detail + ")"
	default:
		return head + strings.TrimSuffix(detail, ".") + "." + after
	}
}

// stripPrefixes takes off the start of an error's text what only repeats
// the subcommand's name ("digest: ", "nudge round: ") or what the line says
// in its own words ("digest not made: ").
func stripPrefixes(s string) string {
	for {
		t := s
		for _, p := range []string{"digest not made: ", "digest: ", "nudge round: ", "nudge: "} {
			t = strings.TrimPrefix(t, p)
		}
		if t == s {
			return s
		}
		s = t
	}
}

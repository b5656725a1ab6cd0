package main

import (
	"strings"

	"lastactive/internal/schedule"
)

// scheduleWarnings says, for each schedule in use (the digest's with a
// digest channel, the nudge round's with LASTACTIVE_NUDGE on or dry-run),
// what schedule.ZoneWarning says of its time zone: CRON_TZ=Etc/GMT+2 is
// accepted and runs two hours behind UTC, not ahead. Told at start and by
// check, with config's own warnings (TestCheckWarnsOfAnEtcGMTZone).
func scheduleWarnings(c Config) []string {
	var w []string
	add := func(name, expr string) {
		if z := schedule.ZoneWarning(expr); z != "" {
			w = append(w, name+": "+z)
		}
	}
	if strings.TrimSpace(c.DigestChannel) != "" {
		add("LASTACTIVE_DIGEST_SCHEDULE", c.DigestSchedule)
	}
	if mode := strings.ToLower(strings.TrimSpace(c.NudgeMode)); mode == nudgeOn || mode == nudgeDryRun {
		add("LASTACTIVE_NUDGE_SCHEDULE", c.NudgeSchedule)
	}
	return w
}

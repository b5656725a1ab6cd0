package main

import (
	"strings"
	"testing"
)

// TestCheckWarnsOfAnEtcGMTZone: LASTACTIVE_NUDGE_SCHEDULE with
// CRON_TZ=Etc/GMT+2 is accepted, but runs two hours behind UTC, not ahead
// (POSIX's sign); check says so on stderr and still passes. Before, it
// fired at 11:00 UTC without a word.
func TestCheckWarnsOfAnEtcGMTZone(t *testing.T) {
	f := startFakes(t)
	env := f.env("LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_NUDGE_SCHEDULE=CRON_TZ=Etc/GMT+2 0 9 * * *", "LASTACTIVE_SEAT_PRICES=jira-software=8")
	r := runBinary(t, env, "", "check")
	if r.code != 0 {
		t.Fatalf("check: code %d, want 0 (the zone stays accepted):\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning: LASTACTIVE_NUDGE_SCHEDULE") || !strings.Contains(r.stderr, "UTC-02:00") {
		t.Errorf("check gave no warning that Etc/GMT+2 is UTC-02:00:\n%s", r.stderr)
	}
}

package main

import (
	"strings"
	"testing"
)

func TestDigestScheduleIsValidatedAtStart(t *testing.T) {
	for _, c := range []struct{ schedule, want string }{
		{"0 9 * * MON", ""},
		{"", ""}, // the default
		{"CRON_TZ=Europe/Berlin 30 8 * * MON-FRI", ""},
		{"@every 2s", ""},
		{"0 9 * *", "LASTACTIVE_DIGEST_SCHEDULE expected exactly 5 fields"},
		{"@every fortnight", "LASTACTIVE_DIGEST_SCHEDULE @every needs a Go duration"},
		{"CRON_TZ=Nowhere/Atall 0 9 * * MON", "LASTACTIVE_DIGEST_SCHEDULE provided bad location"},
		{"CRON_TZ= 0 9 * * MON", "LASTACTIVE_DIGEST_SCHEDULE CRON_TZ= names no time zone"},
		{"CRON_TZ=Europe/Paris @every 1h", "LASTACTIVE_DIGEST_SCHEDULE @every takes no time zone"},
	} {
		t.Run(c.schedule, func(t *testing.T) {
			cfg := Config{IdleDays: 90, HTTPAddr: ":8080", LogLevel: "info", SlackAPIURL: "https://slack.com/api/",
				AdminAPIURL: "https://api.atlassian.com", DigestSchedule: c.schedule}
			err := cfg.validate(0)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("validate = %v, want ok", err)
			case c.want == "" && cfg.DigestSlots == nil:
				t.Fatal("no parsed schedule")
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("validate = %v, want it to say %q", err, c.want)
			}
		})
	}
}

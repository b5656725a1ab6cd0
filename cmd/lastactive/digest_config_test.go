package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDigestScheduleIsValidatedAtStart(t *testing.T) {
	for _, c := range []struct{ schedule, want string }{
		{"0 9 * * MON", ""},
		{"", ""}, // the default
		{"CRON_TZ=Europe/Berlin 30 8 * * MON-FRI", ""},
		{"@every 2s", ""},
		{"0 9 * *", "LASTACTIVE_DIGEST_SCHEDULE has 4 fields, not 5"},
		{"@every fortnight", "LASTACTIVE_DIGEST_SCHEDULE @every needs a Go duration"},
		{"CRON_TZ=Nowhere/Atall 0 9 * * MON", "LASTACTIVE_DIGEST_SCHEDULE “Nowhere/Atall” is not a time zone"},
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

// A mistyped schedule stopped the start with the cron library's own words,
// "failed to parse int from FOO: strconv.Atoi: parsing \"FOO\": invalid
// syntax", which name Go functions to an operator; the line says what is
// wrong with the value in plain words.
func TestScheduleRefusalIsInPlainWords(t *testing.T) {
	for _, c := range []struct{ schedule, want string }{
		{"0 9 * * FOO", "“FOO” is neither a number nor a name such as MON or JAN"},
		{"bad", "has 1 field, not 5"},
		{"0 9 * *", "has 4 fields, not 5"},
		{"CRON_TZ=Nowhere/Atall 0 9 * * MON", "“Nowhere/Atall” is not a time zone"},
		{"61 9 * * MON", "“61” is above 59"},
		{"0 9 0 * *", "“0” is below 1"},
		{"0 9 * * 5-2", "“5-2” ends before it begins"},
		{"0 9 * * 1-2-3", "“1-2-3” has too many hyphens"},
		{"*/0 9 * * *", "“*/0” needs a step of at least 1"},
		{"@fortnightly", "“@fortnightly” is not a schedule"},
		{"cron_tz=UTC 0 9 * * *", "has its time zone prefix “cron_tz=” not in capitals: write CRON_TZ=UTC"},
	} {
		t.Run(c.schedule, func(t *testing.T) {
			cfg := Config{IdleDays: 90, HTTPAddr: ":8080", LogLevel: "info", SlackAPIURL: "https://slack.com/api/",
				AdminAPIURL: "https://api.atlassian.com", DigestSchedule: c.schedule}
			err := cfg.validate(0)
			if err == nil {
				t.Fatal("validate = nil, want a refusal")
			}
			msg := err.Error()
			if !strings.Contains(msg, "LASTACTIVE_DIGEST_SCHEDULE "+c.want) {
				t.Errorf("validate = %q, want it to say %q", msg, "LASTACTIVE_DIGEST_SCHEDULE "+c.want)
			}
			for _, jargon := range []string{"strconv", "Atoi", "invalid syntax", "failed to parse", "provided bad location",
				"expected exactly", "unrecognized descriptor", "beginning of range", "[", "]"} {
				if strings.Contains(msg, jargon) {
					t.Errorf("validate = %q: says %q", msg, jargon)
				}
			}
		})
	}
}

// TestTrendNoteFollowsNoWeek: LASTACTIVE_DIGEST_SCHEDULE may be daily or
// @every DURATION, yet the first digest said "The trend chart starts next
// week", and the chart's alternative text "week by week": a daily digest
// drew its chart the next day. The note now names the next digest, not a
// week, whatever the schedule.
func TestTrendNoteFollowsNoWeek(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, sched := range []string{"0 9 * * *", "@every 1h", "0 9 * * MON"} {
		r := runBinary(t, reportEnv(f, "LASTACTIVE_DIGEST_SCHEDULE="+sched, "LASTACTIVE_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "la.db")), "", "digest")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", sched, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "trend chart starts") || strings.Contains(strings.ToLower(r.stdout), "week") {
			t.Errorf("%s: the trend note speaks of a week, or is missing:\n%s", sched, r.stdout)
		}
	}
}

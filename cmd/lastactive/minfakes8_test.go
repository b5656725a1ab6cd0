package main

// The environment variables of the contract that the other minimal-fake
// tests set by hand only, through the built binary against the minimal
// fakes of minfakes_test.go: a good value does what the contract says; a
// bad one stops the start with exit 2 and one line naming the variable,
// never a secret.

import (
	"strings"
	"testing"
)

type mf8Case struct {
	value string
	code  int    // 0: accepted; 2: refused at start
	want  string // in stdout (accepted) or the one stderr line (refused)
}

// mf8Drive runs `lookup --json` of the minimal org's first person with
// variable set to each case's value.
func mf8Drive(t *testing.T, variable string, cases []mf8Case, extra ...string) {
	t.Helper()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	for _, c := range cases {
		env := a.env(append([]string{db, variable + "=" + c.value}, extra...)...)
		r := runBinary(t, env, "", "lookup", "--json", people[0].p.email)
		mfNoSecrets(t, r.stdout, r.stderr)
		if r.code != c.code {
			t.Errorf("%s=%q: exit %d, want %d\n%s\n%s", variable, c.value, r.code, c.code, r.stdout, r.stderr)
			continue
		}
		if strings.Contains(r.stderr, "panic") {
			t.Errorf("%s=%q: %s", variable, c.value, r.stderr)
		}
		if c.code == 2 {
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], variable) || r.stdout != "" {
				t.Errorf("%s=%q: want one line naming the variable, got\n%s\n%s", variable, c.value, r.stderr, r.stdout)
			}
			if c.value != "" && len(c.value) > 3 && strings.Contains(r.stderr, strings.TrimSpace(c.value)) && variable != "LASTACTIVE_HTTP_ADDR" {
				t.Logf("%s=%q: the value is echoed: %s", variable, c.value, r.stderr)
			}
		}
		if c.want != "" && !strings.Contains(r.stdout+r.stderr, c.want) {
			t.Errorf("%s=%q: the output lacks %q\n%s\n%s", variable, c.value, c.want, r.stdout, r.stderr)
		}
	}
}

var mf8Bad = []string{"-1", "NaN", "1e3", "99999999999999999999", "ten", "1\rh", "0x10", "+Inf"}

func mf8BadCases(extra ...string) []mf8Case {
	var cs []mf8Case
	for _, v := range append(mf8Bad, extra...) {
		cs = append(cs, mf8Case{value: v, code: 2})
	}
	return cs
}

func TestMinimalFakes8CacheTTL(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_CACHE_TTL", append([]mf8Case{
		{"1h", 0, ""}, {"0", 0, ""}, {"30m\r", 0, ""}, {" 2h ", 0, ""}, {"", 0, ""}, {`"1h"`, 0, ""},
	}, mf8BadCases("10", "-1h", "9999999999h", "1 h", "1d")...))
}

func TestMinimalFakes8IdleDays(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_IDLE_DAYS", append([]mf8Case{
		// Jira Software was last used in January 2023: idle after 90
		// days, active within ten years.
		{"90", 0, `"verdict": "idle"`}, {"3650", 0, `"verdict": "active"`}, {"30\r", 0, `"verdict": "idle"`},
		{"", 0, `"verdict": "idle"`},
	}, mf8BadCases("0", "3651", "90d", "1.5", "4294967386")...))
}

func TestMinimalFakes8LogLevel(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_LOG_LEVEL", []mf8Case{
		{"debug", 0, ""}, {"WARN", 0, ""}, {"error\r", 0, ""}, {"", 0, ""},
		{"verbose", 2, ""}, {"trace", 2, ""}, {"-4", 2, ""}, {"info,debug", 2, ""}, {"de\rbug", 2, ""},
	})
}

func TestMinimalFakes8HTTPAddr(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_HTTP_ADDR", []mf8Case{
		{":8080", 0, ""}, {"127.0.0.1:9090", 0, ""}, {"[::1]:9090\r", 0, ""}, {"", 0, ""},
		{"8080", 2, ""}, {":99999", 2, ""}, {":-1", 2, ""}, {"localhost", 2, ""}, {"http://localhost:8080", 2, ""},
		{":80 80", 2, ""}, {":8\r080", 2, ""}, {":nosuchservice", 2, ""},
	})
}

func TestMinimalFakes8AuditRetention(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_AUDIT_RETENTION", append([]mf8Case{
		{"400d", 0, ""}, {"400", 0, ""}, {"720h", 0, ""}, {"30d\r", 0, ""}, {"", 0, ""},
	}, mf8BadCases("0", "0d", "-5d", "0h", "d", "1y", "12M", "400 d", "99999999999d")...))
}

func TestMinimalFakes8NudgeMax(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_NUDGE_MAX", append([]mf8Case{
		{"200", 0, ""}, {"1", 0, ""}, {"10000", 0, ""}, {"5\r", 0, ""}, {"", 0, ""},
	}, mf8BadCases("0", "10001", "1.5")...), "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_NUDGE_PRODUCTS=jira-software")
}

func TestMinimalFakes8NudgeProducts(t *testing.T) {
	t.Parallel()
	mf8Drive(t, "LASTACTIVE_NUDGE_PRODUCTS", []mf8Case{
		{"jira-software,confluence", 0, ""}, {"jira, Confluence\r", 0, ""}, {"", 0, ""},
		{"jira software", 2, ""}, {"jira;confluence", 2, ""}, {"../etc", 2, ""}, {"jira-software=8.60", 2, ""},
		{"con\rfluence", 2, ""},
	}, "LASTACTIVE_NUDGE=dry-run")
}

func TestMinimalFakes8CronTZ(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"LASTACTIVE_DIGEST_SCHEDULE", "LASTACTIVE_NUDGE_SCHEDULE"} {
		mf8Drive(t, v, []mf8Case{
			{"CRON_TZ=Europe/Berlin 0 9 * * MON", 0, ""}, {"CRON_TZ=UTC 0 9 * * *", 0, ""},
			{"CRON_TZ=America/Argentina/Buenos_Aires 30 8 * * MON-FRI\r", 0, ""}, {"@every 1h", 0, ""},
			{"CRON_TZ=Mars/Olympus 0 9 * * MON", 2, ""}, {"CRON_TZ= 0 9 * * MON", 2, ""},
			{"CRON_TZ=Europe/Berlin", 2, ""}, {"CRON_TZ=../../etc/passwd 0 9 * * MON", 2, ""},
			{"CRON_TZ=Europe/Berlin\r0 9 * * MON", 2, ""}, {"CRON_TZ=europe/berlin 0 9 * * MON", 2, ""},
			{"CRON_TZ=Europe/Berlin CRON_TZ=UTC 0 9 * * MON", 2, ""}, {"TZ=Mars/Olympus 0 9 * * MON", 2, ""},
			{"0 9 * * MON CRON_TZ=UTC", 2, ""}, {"@every 0s", 2, ""}, {"@every -1h", 2, ""}, {"@every 1", 2, ""},
			{"@every NaN", 2, ""}, {"@every 999999999999h", 2, ""}, {"CRON_TZ=Europe/Berlin @every 1h", 2, ""},
			// A tab separates as a space; a line break or a non-breaking
			// space between the zone and the fields is refused, by name.
			{"CRON_TZ=Europe/Berlin\t0 9 * * MON", 0, ""}, {"@every\t1h", 0, ""},
			{"@every 1d", 2, "write @every 24h"}, {"CRON_TZ=Europe/Berlin\n0 9 * * MON", 2, `a line feed (\n)`},
			{"CRON_TZ=Europe/Berlin\u00a00 9 * * MON", 2, "a non-breaking space (U+00A0)"},
		}, "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_NUDGE_PRODUCTS=jira-software")
	}
}

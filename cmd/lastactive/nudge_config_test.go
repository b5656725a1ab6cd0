package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNudgeConfig(t *testing.T) {
	base := func() Config {
		return Config{IdleDays: 90, HTTPAddr: ":8080", LogLevel: "info", SlackAPIURL: "https://slack.com/api/",
			AdminAPIURL: "https://api.atlassian.com", ReportUsers: []string{"U0REPORT"}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		want  string // a problem the error must name; "" for none
		check func(t *testing.T, c Config)
	}{
		{"defaults", func(*Config) {}, "", func(t *testing.T, c Config) {
			if c.NudgeMode != "off" || c.NudgeMax != 200 || c.NudgeWait != 168*time.Hour || c.NudgeSlots == nil ||
				c.NudgeSchedule != "0 10 * * MON-FRI" {
				t.Errorf("defaults: mode %q max %d wait %s schedule %q", c.NudgeMode, c.NudgeMax, c.NudgeWait, c.NudgeSchedule)
			}
			if !slices.Equal(c.Approvers, []string{"U0REPORT"}) {
				t.Errorf("approvers default to the report users, got %v", c.Approvers)
			}
		}},
		{"approvers upper-cased", func(c *Config) { c.Approvers = []string{" u0abc ", "U0DEF"}; c.NudgeMode = "Dry-Run" }, "",
			func(t *testing.T, c Config) {
				if !slices.Equal(c.Approvers, []string{"U0ABC", "U0DEF"}) || c.NudgeMode != "dry-run" {
					t.Errorf("approvers %v mode %q", c.Approvers, c.NudgeMode)
				}
			}},
		{"products canonical", func(c *Config) { c.NudgeProducts = []string{"Jira", "confluence", ""} }, "",
			func(t *testing.T, c Config) {
				if !slices.Equal(c.NudgeProducts, []string{"jira-software", "confluence"}) {
					t.Errorf("products %v", c.NudgeProducts)
				}
			}},
		{"bad mode", func(c *Config) { c.NudgeMode = "yes" }, "LASTACTIVE_NUDGE must be off, dry-run or on", nil},
		{"bad product", func(c *Config) { c.NudgeProducts = []string{"jira software"} }, "LASTACTIVE_NUDGE_PRODUCTS", nil},
		{"bad schedule", func(c *Config) { c.NudgeSchedule = "0 10 * *" }, "LASTACTIVE_NUDGE_SCHEDULE has 4 fields, not 5", nil},
		{"bad max", func(c *Config) { c.NudgeMax = -1 }, "LASTACTIVE_NUDGE_MAX", nil},
		{"bad wait", func(c *Config) { c.NudgeWait = -time.Hour }, "LASTACTIVE_NUDGE_WAIT", nil},
		{"bad approver", func(c *Config) { c.Approvers = []string{"@ada"} }, "LASTACTIVE_APPROVERS", nil},
		{"write key placeholder", func(c *Config) { c.AdminWriteKey = "REPLACE-ME-SECRET" }, "ATLASSIAN_ADMIN_WRITE_KEY still holds the placeholder", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.edit(&c)
			err := c.validate(0)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("validate = %v, want ok", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("validate = %v, want it to say %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "SECRET"):
				t.Fatalf("the error quotes a value: %v", err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

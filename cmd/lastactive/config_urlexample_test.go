package main

import (
	"strings"
	"testing"
)

// TestURLVariablesGiveTheirOwnExample: a malformed base URL is told what a
// right one looks like for that variable. All three said "such as
// https://example.atlassian.net", which sends an admin who typed
// slack.com/api/ or api.atlassian.com (or pasted a query) to put a Jira
// site where the Slack or Admin API belongs.
func TestURLVariablesGiveTheirOwnExample(t *testing.T) {
	for _, tt := range []struct {
		name, value, want string
		set               func(*Config, string)
	}{
		{"SLACK_API_URL", "slack.com/api/", "https://slack.com/api/", func(c *Config, v string) { c.SlackAPIURL = v }},
		{"SLACK_API_URL", "https://slack.com/api/?x=1", "https://slack.com/api/", func(c *Config, v string) { c.SlackAPIURL = v }},
		{"ATLASSIAN_API_URL", "api.atlassian.com", "https://api.atlassian.com", func(c *Config, v string) { c.AdminAPIURL = v }},
		{"ATLASSIAN_API_URL", "https://api.atlassian.com#x", "https://api.atlassian.com", func(c *Config, v string) { c.AdminAPIURL = v }},
	} {
		t.Run(tt.name+" "+tt.value, func(t *testing.T) {
			c := validBase()
			tt.set(&c, tt.value)
			err := c.validate(needSlack | needAdmin)
			if err == nil {
				t.Fatalf("%s=%q accepted", tt.name, tt.value)
			}
			var line string
			for _, l := range strings.Split(err.Error(), "; ") {
				if strings.Contains(l, tt.name) {
					line = l
				}
			}
			if !strings.Contains(line, tt.want) || strings.Contains(line, "atlassian.net") {
				t.Errorf("%s=%q: %q; want its own example %s, not a Jira site", tt.name, tt.value, err, tt.want)
			}
		})
	}
}

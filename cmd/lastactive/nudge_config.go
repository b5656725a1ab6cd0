package main

import (
	"strings"
	"time"

	"lastactive/internal/schedule"
	"lastactive/seat"
)

// defaultNudgeSchedule is 10:00 on weekdays: people answer at work.
const defaultNudgeSchedule = "0 10 * * MON-FRI"

// The modes of LASTACTIVE_NUDGE.
const (
	nudgeOff    = "off"
	nudgeDryRun = "dry-run"
	nudgeOn     = "on"
)

// validateNudge checks and normalises the keep-or-release settings:
// the mode, the products, the schedule, the cap, the wait and the
// approvers (LASTACTIVE_REPORT_USERS when unset, upper-cased like every
// Slack ID list). Problems name the variable, never a value: the write key
// is a secret.
func (c *Config) validateNudge() []string {
	var p []string
	c.NudgeMode = strings.ToLower(strings.TrimSpace(c.NudgeMode))
	switch c.NudgeMode {
	case "":
		c.NudgeMode = nudgeOff
	case nudgeOff, nudgeDryRun, nudgeOn:
	default:
		p = append(p, "LASTACTIVE_NUDGE must be off, dry-run or on")
	}
	var products []string
	bad := false
	for _, k := range c.NudgeProducts {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		if !productKey.MatchString(k) {
			p = append(p, "LASTACTIVE_NUDGE_PRODUCTS must be product keys such as jira-software,confluence, separated by commas")
			bad = true
			break
		}
		products = append(products, seat.Canonical(k))
	}
	if len(c.NudgeProducts) > 0 && len(products) == 0 && !bad {
		// Empty means every product with a seat price: set to nothing
		// (",", a templated ${A},${B} with both unset) it silently meant
		// the same, widening every round. Only an empty variable does.
		p = append(p, "LASTACTIVE_NUDGE_PRODUCTS is set but names no product (only commas or spaces): list product keys "+
			"such as jira-software,confluence, or leave it empty to cover every product with a seat price")
	}
	c.NudgeProducts = products
	if strings.TrimSpace(c.NudgeSchedule) == "" {
		c.NudgeSchedule = defaultNudgeSchedule
	}
	if sched, err := schedule.Parse(c.NudgeSchedule); err != nil {
		p = append(p, "LASTACTIVE_NUDGE_SCHEDULE "+strings.TrimPrefix(err.Error(), schedule.ErrInvalid.Error()+": ")+
			" (use 5 cron fields such as 0 10 * * MON-FRI, optionally after CRON_TZ=Area/City, or @every DURATION)")
	} else {
		c.NudgeSlots = sched
	}
	if c.NudgeMax == 0 {
		c.NudgeMax = 200 // a Config built in code
	}
	if c.NudgeMax < 1 || c.NudgeMax > 10000 {
		p = append(p, "LASTACTIVE_NUDGE_MAX "+expected("LASTACTIVE_NUDGE_MAX"))
	}
	if c.NudgeWait == 0 {
		c.NudgeWait = 168 * time.Hour
	}
	if c.NudgeWait < 0 {
		p = append(p, "LASTACTIVE_NUDGE_WAIT must be a positive Go duration such as 168h")
	}
	c.Approvers = slackIDs(c.Approvers)
	for _, id := range c.Approvers {
		if !slackUserID.MatchString(id) {
			p = append(p, "LASTACTIVE_APPROVERS must be Slack "+userIDs+", separated by commas")
			break
		}
	}
	if len(c.Approvers) == 0 {
		c.Approvers = c.ReportUsers
	}
	c.AdminWriteKey = strings.TrimSpace(c.AdminWriteKey)
	return p
}

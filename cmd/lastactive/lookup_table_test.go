package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
)

// TestLookupTableDateAgreesWithDaysAgo: when Atlassian's last_active day and
// the UTC day of last_active_timestamp differ (a timestamp written with an
// offset), the table's LAST ACTIVE is the day its DAYS AGO counts from, the
// day the Slack reply and --json show.
func TestLookupTableDateAgreesWithDaysAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p := bot.Person{Query: "ada@example.com", Account: atlassian.Account{AccountID: "a1", DisplayName: "Ada"},
		Activity: &atlassian.Activity{Products: []atlassian.ProductActivity{{
			ID: "ari:cloud:jira-software::site/s1", Key: "jira-software",
			LastActive:          time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
			LastActiveTimestamp: time.Date(2026, 11, 29, 7, 30, 0, 0, time.UTC), // 2026-11-28T23:30-08:00
		}}}}
	var b bytes.Buffer
	if err := writeTable(&b, []bot.Person{p}, now, 90, atlassian.Sites{}); err != nil {
		t.Fatal(err)
	}
	// The later of the two is the last use (seat.LastDay): the instant's
	// UTC day, 2026-11-29, one day before now, in both columns.
	if !strings.Contains(b.String(), "2026-11-29   1 ") || strings.Contains(b.String(), "2026-11-28") {
		t.Errorf("LAST ACTIVE is not the day DAYS AGO counts from (1 day ago, 2026-11-29):\n%s", b.String())
	}
}

// TestLookupOfANonMemberSaysSo: lookup is "the same lookup as the slash
// command", whose reply for an address Jira finds but the organisation
// does not hold (a partner's, or someone who has left) says the account is
// not a member here. The table and --json named the account and went on
// "no active Atlassian account in this organisation uses that email",
// contradicting the name beside it.
func TestLookupOfANonMemberSaysSo(t *testing.T) {
	f := startFakes(t)
	for _, args := range [][]string{{"lookup", "barbara@partner.example"}, {"lookup", "--json", "barbara@partner.example"}} {
		r := runBinary(t, f.env(), "", args...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1 (not found counts as failed)", args, r.code)
		}
		if !strings.Contains(r.stdout, "not found in this organisation") || !strings.Contains(r.stdout, "not a member") ||
			strings.Contains(r.stdout, "no active Atlassian account") {
			t.Errorf("%v: does not say the account is not a member here:\n%s", args, r.stdout)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
)

// TestLookupJSONDateAgreesWithDaysAgo: --json's last_active is the day its
// days_ago and verdict count from, as the table's LAST ACTIVE and the
// Slack reply's date are (TestLookupTableDateAgreesWithDaysAgo). When
// Atlassian's last_active day and the UTC day of last_active_timestamp
// differ (a timestamp written with an offset), the later is the last use
// (seat.LastDay); --json gave Atlassian's earlier day beside a count from
// the later one, so a script subtracting last_active from today disagreed
// with days_ago and with the table printed from the same lookup.
func TestLookupJSONDateAgreesWithDaysAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p := bot.Person{Query: "ada@example.com", Account: atlassian.Account{AccountID: "a1", DisplayName: "Ada"},
		Activity: &atlassian.Activity{Products: []atlassian.ProductActivity{{
			ID: "ari:cloud:jira-software::site/s1", Key: "jira-software",
			LastActive:          time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
			LastActiveTimestamp: time.Date(2026, 11, 29, 7, 30, 0, 0, time.UTC), // 2026-11-28T23:30-08:00
		}}}}
	var b bytes.Buffer
	if err := writeJSON(&b, []bot.Person{p}, now, 90, atlassian.Sites{}); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Products []struct {
			LastActive *string `json:"last_active"`
			Timestamp  *string `json:"last_active_timestamp"`
			DaysAgo    *int    `json:"days_ago"`
		} `json:"products"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || len(got) != 1 || len(got[0].Products) != 1 {
		t.Fatalf("%v\n%s", err, b.String())
	}
	pr := got[0].Products[0]
	if pr.LastActive == nil || *pr.LastActive != "2026-11-29" || pr.DaysAgo == nil || *pr.DaysAgo != 1 {
		t.Errorf("last_active %s beside days_ago 1: want 2026-11-29, the day the count is from\n%s",
			deref(pr.LastActive), b.String())
	}
	// Atlassian's instant is kept as it came.
	if pr.Timestamp == nil || *pr.Timestamp != "2026-11-29T07:30:00Z" {
		t.Errorf("last_active_timestamp %v, want 2026-11-29T07:30:00Z", deref(pr.Timestamp))
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

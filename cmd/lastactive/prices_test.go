package main

import (
	"strings"
	"testing"
)

// TestParsePricesRefusesRepeats: a key written twice with two prices is a
// mistake in the configuration, not "the last one wins" (before, the second
// silently replaced the first); so is one product under two of its keys.
func TestParsePricesRefusesRepeats(t *testing.T) {
	for _, raw := range []string{
		"jira-software=8,jira-software=9",
		"jira-software=8,confluence=6,jira-software=8",
		"jira=8.60,jira-software=8.60",
	} {
		if p, err := parsePrices(raw); err == nil {
			t.Errorf("parsePrices(%q) = %v, want an error", raw, p)
		} else if strings.Contains(err.Error(), "=") {
			t.Errorf("parsePrices(%q): error %q quotes the value", raw, err)
		}
	}
	p, err := parsePrices("jira-software=8,confluence=6")
	if err != nil || len(p) != 2 {
		t.Errorf("two keys once each: %v, %v", p, err)
	}
}

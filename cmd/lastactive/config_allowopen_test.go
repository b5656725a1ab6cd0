package main

import (
	"strings"
	"testing"
)

// TestAllowListsDoNotFailOpen: an empty allow-list means everyone, so a
// list that was set but named nobody once parsed (",", " , ", a templated
// ${A},${B} with both unset) opened the bot with its personal data to the
// whole workspace, and two mentions separated by a space
// ("<@U1|ada> <@U2|bob>") were read as the first alone. Each is a
// configuration error naming the variable: serve and lookup exit 2 before
// any call, check reports it as a FAIL. Only a truly empty variable (unset,
// blank, or "" from an env file) means everyone.
func TestAllowListsDoNotFailOpen(t *testing.T) {
	f := startFakes(t)
	for _, tt := range []struct{ env, want string }{
		{"LASTACTIVE_ALLOWED_USERS=,", "LASTACTIVE_ALLOWED_USERS is set but names nobody"},
		{"LASTACTIVE_ALLOWED_USERS= , ", "LASTACTIVE_ALLOWED_USERS is set but names nobody"},
		{`LASTACTIVE_ALLOWED_USERS=","`, "LASTACTIVE_ALLOWED_USERS is set but names nobody"},
		{"LASTACTIVE_ALLOWED_CHANNELS=,,", "LASTACTIVE_ALLOWED_CHANNELS is set but names nowhere"},
		{"LASTACTIVE_ALLOWED_CHANNELS=\t,", "LASTACTIVE_ALLOWED_CHANNELS is set but names nowhere"},
		{"LASTACTIVE_ALLOWED_USERS=<@U012AB|ada> <@U034CD|bob>", "LASTACTIVE_ALLOWED_USERS must be Slack user IDs"},
		{"LASTACTIVE_ALLOWED_USERS=<@U012AB> <@U034CD>", "LASTACTIVE_ALLOWED_USERS must be Slack user IDs"},
		{"LASTACTIVE_ALLOWED_CHANNELS=<#C012AB|support> <#C034CD|ops>", "LASTACTIVE_ALLOWED_CHANNELS must be Slack channel IDs"},
		{"LASTACTIVE_ALLOWED_USERS=U012AB U034CD", "LASTACTIVE_ALLOWED_USERS must be Slack user IDs"},
	} {
		name, _, _ := strings.Cut(tt.env, "=")
		r := runBinary(t, f.env(tt.env), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%q: lookup exit %d, want 2 and one line saying %q:\n%s", tt.env, r.code, tt.want, r.stderr)
		}
		r = runBinary(t, f.env(tt.env), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: "+tt.want) {
			t.Errorf("%q: check exit %d, want a configuration FAIL naming %s:\n%s", tt.env, r.code, name, r.stdout)
		}
	}
	// serve, the bot itself, stops at start as lookup does.
	r := runBinary(t, f.env("LASTACTIVE_ALLOWED_USERS=,"), "", "serve")
	if r.code != 2 || !strings.Contains(r.stderr, "LASTACTIVE_ALLOWED_USERS is set but names nobody") {
		t.Errorf("serve with LASTACTIVE_ALLOWED_USERS=\",\": exit %d, want 2 naming it:\n%s", r.code, r.stderr)
	}
	if n := len(f.slack.Calls("")); n != 0 {
		t.Errorf("%d Slack calls before the configuration was valid", n)
	}
	// Empty is everyone (the contract), and a blank entry beside an ID is
	// harmless: these start.
	for _, ok := range []string{"LASTACTIVE_ALLOWED_USERS=", `LASTACTIVE_ALLOWED_USERS=""`, "LASTACTIVE_ALLOWED_USERS= ",
		"LASTACTIVE_ALLOWED_CHANNELS=", "LASTACTIVE_ALLOWED_USERS=U012AB,,<@U034CD|bob>,", "LASTACTIVE_ALLOWED_CHANNELS=<#C012AB|support>, C034CD"} {
		if r := runBinary(t, f.env(ok), "", "lookup", "ada@example.com"); r.code != 0 {
			t.Errorf("%q: lookup exit %d, want 0:\n%s", ok, r.code, r.stderr)
		}
	}
}

// TestApproversSetToNobodyIsRefused: LASTACTIVE_APPROVERS left unset means
// LASTACTIVE_REPORT_USERS approve (the contract's default), so one set but
// naming nobody once parsed (",", " , ", a templated ${A},${B} with both
// unset) silently handed releases to the report users, as if unset. Like
// an allow-list (TestAllowListsDoNotFailOpen), it is a configuration error
// naming the variable; truly empty still means the report users.
func TestApproversSetToNobodyIsRefused(t *testing.T) {
	f := startFakes(t)
	const want = "LASTACTIVE_APPROVERS is set but names nobody"
	for _, env := range []string{"LASTACTIVE_APPROVERS=,", "LASTACTIVE_APPROVERS= , ", `LASTACTIVE_APPROVERS=","`} {
		r := runBinary(t, f.env(env, "LASTACTIVE_REPORT_USERS=U0BOSS1"), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%q: lookup exit %d, want 2 and one line saying %q:\n%s", env, r.code, want, r.stderr)
		}
		r = runBinary(t, f.env(env, "LASTACTIVE_REPORT_USERS=U0BOSS1"), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: "+want) {
			t.Errorf("%q: check exit %d, want a configuration FAIL saying %q:\n%s", env, r.code, want, r.stdout)
		}
	}
	for _, ok := range []string{"LASTACTIVE_APPROVERS=", "LASTACTIVE_APPROVERS= ", "LASTACTIVE_APPROVERS=U0BOSS1,,"} {
		if r := runBinary(t, f.env(ok, "LASTACTIVE_REPORT_USERS=U0BOSS1"), "", "lookup", "ada@example.com"); r.code != 0 {
			t.Errorf("%q: lookup exit %d, want 0:\n%s", ok, r.code, r.stderr)
		}
	}
}

// TestNudgeProductsSetToNothingIsRefused: LASTACTIVE_NUDGE_PRODUCTS left
// empty means every product with a seat price (the contract), so one set
// but naming no product once parsed (",", " , ", a templated ${A},${B}
// with both unset) silently widened every nudge round to every priced
// product. Like the allow-lists, it is a configuration error naming the
// variable; empty still means every priced product.
func TestNudgeProductsSetToNothingIsRefused(t *testing.T) {
	f := startFakes(t)
	const want = "LASTACTIVE_NUDGE_PRODUCTS is set but names no product"
	for _, env := range []string{"LASTACTIVE_NUDGE_PRODUCTS=,", "LASTACTIVE_NUDGE_PRODUCTS= , ", "LASTACTIVE_NUDGE_PRODUCTS=,,\t"} {
		r := runBinary(t, f.env(env, "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_SEAT_PRICES=jira-software=8"), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: "+want) {
			t.Errorf("%q: check exit %d, want a configuration FAIL saying %q:\n%s", env, r.code, want, r.stdout)
		}
	}
	for _, env := range []string{"LASTACTIVE_NUDGE_PRODUCTS=", "LASTACTIVE_NUDGE_PRODUCTS=jira-software,,"} {
		r := runBinary(t, f.env(env, "LASTACTIVE_NUDGE=dry-run", "LASTACTIVE_SEAT_PRICES=jira-software=8"), "", "check")
		if strings.Contains(r.stdout+r.stderr, "LASTACTIVE_NUDGE_PRODUCTS is set") {
			t.Errorf("%q: refused, want it read as before:\n%s", env, r.stdout)
		}
	}
}

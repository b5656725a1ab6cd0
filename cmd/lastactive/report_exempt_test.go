package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestReportMarksExemptSeats: `lastactive report` with the state
// database counted a seat exempted with /lastactive exempt (kept on
// purpose) in the idle cost and listed it in the CSV unmarked, as the
// Slack report did. The cost sentence now says how much of it is exempt
// seats, the summary counts them, and the CSV's last column says until
// when; with no exemption the output is as before.
func TestReportMarksExemptSeats(t *testing.T) {
	f := startFakes(t)
	env := reportEnv(f, "LASTACTIVE_SEAT_PRICES=confluence=6.05")
	run := func() (string, [][]string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "idle.csv")
		r := runBinary(t, env, "", "report", "--product", "confluence", "--csv", path)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return r.stdout, recs
	}
	before, recs := run()
	// (The CSV's path, in the "Wrote" line, holds this test's name.)
	if strings.Contains(before, "exempt seat") || strings.Contains(before, " exempt:") || slices.Contains(recs[0], "exempt until") {
		t.Fatalf("with no exemption the report speaks of them:\n%s\n%q", before, recs[0])
	}
	// The first idle Confluence seat (the CSV lists the idle longest
	// first), exempted as the bot stores it.
	var email string
	for _, rec := range recs[1:] {
		if rec[8] == "idle" && rec[1] != "" {
			email = rec[1]
			break
		}
	}
	if email == "" {
		t.Fatal("the sample organisation has no idle Confluence seat")
	}
	ctx := context.Background()
	s, err := state.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = s.PutExemption(ctx, state.Exemption{Email: email, Product: "confluence", Until: time.Date(2999, 2, 1, 0, 0, 0, 0, time.UTC),
		Reason: "on leave", By: "UBOSS"})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	after, recs := run()
	for _, want := range []string{"of which USD 6.05 for 1 exempt seat.", "1 of the idle and never-used seats is exempt"} {
		if !strings.Contains(after, want) {
			t.Errorf("the summary lacks %q:\n%s", want, after)
		}
	}
	if h := recs[0]; h[len(h)-1] != "exempt until" || len(h) != 11 {
		t.Fatalf("CSV header %q, want the ten documented columns and \"exempt until\"", h)
	}
	marked := 0
	for _, rec := range recs[1:] {
		if rec[10] != "" {
			marked++
			if rec[1] != email || rec[10] != "2999-01-31" {
				t.Errorf("row %q marked exempt, want only %s's, until 2999-01-31", rec, email)
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d rows marked exempt, want 1", marked)
	}
}

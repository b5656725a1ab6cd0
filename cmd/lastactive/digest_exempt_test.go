package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lastactive/internal/state"
)

// TestDigestMarksExemptSeatsFromTheDatabase: `lastactive digest` (and so
// the scheduled digest and /lastactive digest, built by the same wiring)
// counted a seat exempted with /lastactive exempt in the idle cost
// unmarked. With the exemption in the state database, the printed digest
// says how much of the cost is exempt seats and counts them; with none it
// speaks of none.
func TestDigestMarksExemptSeatsFromTheDatabase(t *testing.T) {
	f := startFakes(t)
	env := reportEnv(f, "LASTACTIVE_SEAT_PRICES=confluence=6.05")
	digestText := func() string {
		t.Helper()
		r := runBinary(t, env, "", "digest")
		if r.code != 0 {
			t.Fatalf("digest: exit %d: %s", r.code, r.stderr)
		}
		return r.stdout
	}
	if before := digestText(); strings.Contains(before, "exempt") {
		t.Fatalf("with no exemption the digest speaks of them:\n%s", before)
	}
	// An idle Confluence seat, from the report's CSV.
	path := filepath.Join(t.TempDir(), "idle.csv")
	if r := runBinary(t, env, "", "report", "--product", "confluence", "--csv", path); r.code != 0 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
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
	err = s.PutExemption(ctx, state.Exemption{Email: email, Product: "confluence", Reason: "on leave", By: "UBOSS"})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	after := digestText()
	for _, want := range []string{"of which USD 6.05 for 1 exempt seat", "1 of the idle and never-used seats is exempt"} {
		if !strings.Contains(after, want) {
			t.Errorf("the digest lacks %q:\n%s", want, after)
		}
	}
}

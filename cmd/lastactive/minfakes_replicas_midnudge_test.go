package main

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

// TestMinimalFakesReplicasKilledMidNudge: replica A is killed with SIGKILL
// while Slack takes its nudge to Ida (the DM is posted; A never hears the
// answer). An hour later (A's round claim lapsed), replica B runs the next
// rounds: Ida is not asked again, and the trail says she was asked. Before,
// her nudge had no entry at all.
func TestMinimalFakesReplicasKilledMidNudge(t *testing.T) {
	t.Parallel()
	m := mfrStart(t, "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s")
	hold := newMFHold(func(f url.Values) bool {
		return f.Get("channel") == "U0IDA1" && strings.Contains(f.Get("blocks"), `"nudge_keep"`)
	})
	defer hold.let() // before the servers close, which wait for the handler
	m.s.mu.Lock()
	m.s.onPost = hold.onPost
	m.s.mu.Unlock()
	a := m.replica(t)
	hold.wait(t, "the nudge posted by A")
	b := m.replica(t)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	hold.let()
	// An hour later: A's round claim has lapsed, and the nudge is older
	// than any live round's.
	db, err := sql.Open("pgx", strings.TrimPrefix(m.db, "LASTACTIVE_DATABASE_URL="))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DELETE FROM claim_slot WHERE slot = 'nudge round running'`,
		`UPDATE nudge SET asked_us = asked_us - 3600000000`} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two rounds on B", func() bool { return len(mfrRoundLine.FindAllString(b.logs.String(), -1)) >= 2 })
	// The entry for A's nudge is written by B's follow-ups, which run
	// after a round's log line: stopping B at the line could cut them off
	// (a round refused as still running has none at all).
	eventually(t, "A's nudge audited by B's follow-ups", func() bool {
		var left int
		err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM nudge WHERE audited = 0`).Scan(&left)
		return err == nil && left == 0
	})
	mfrStop(t, b)
	nudges := 0
	m.s.mu.Lock()
	for _, p := range m.s.posts {
		if strings.Contains(p.Get("blocks"), `"nudge_keep"`) {
			nudges++
		}
	}
	m.s.mu.Unlock()
	if nudges != 1 {
		t.Errorf("Ida nudged %d times, want 1", nudges)
	}
	var asked []string
	for _, l := range m.audit(t, "ida@example.com") {
		if strings.Contains(l, `"nudge"`) {
			asked = append(asked, l)
		}
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "may have arrived") {
		t.Errorf("Ida got a nudge, and the trail says so %d times, want once, saying it may have arrived:\n%s",
			len(asked), strings.Join(m.audit(t), "\n"))
	}
}

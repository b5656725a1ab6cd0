package wire

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"lastactive/bot"
	"lastactive/internal/state"
)

// TestUnstoredAuditLineKeepsEachPersonsOutcome: an entry the store could
// not take (the database down) is logged with audit_stored=false, and that
// line is all that is kept of it. It said the command's outcome alone:
// "partial" for a lookup of Ada, answered, and Grace, whose read got a
// 503. Each person's own outcome is in the line.
func TestUnstoredAuditLineKeepsEachPersonsOutcome(t *testing.T) {
	var logs syncBuf
	d, m := openTestDurable(t, "sqlite:"+filepath.Join(t.TempDir(), "missing-dir", "x.db"), &logs)
	if d.Store() != nil {
		t.Fatal("store open although its directory does not exist")
	}
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	e := event("U1", "ada@example.com")
	e.Emails = append(e.Emails, "grace@example.com")
	e.Outcome = bot.OutcomePartial
	e.People = []state.PersonResult{
		{Email: "ada@example.com", AccountID: "acc-ada", Outcome: state.OutcomeOK},
		{Email: "grace@example.com", AccountID: "acc-grace", Outcome: state.OutcomeFailed, Reason: "unavailable"},
	}
	w.Record(e)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"audit_stored":false`) {
			line = l
		}
	}
	want := `"people":[{"email":"ada@example.com","account_id":"acc-ada","outcome":"ok"},` +
		`{"email":"grace@example.com","account_id":"acc-grace","outcome":"failed","reason":"unavailable"}]`
	if !strings.Contains(line, want) {
		t.Errorf("the unstored audit line does not say each person's outcome (want %s):\n%s", want, logs.String())
	}
}

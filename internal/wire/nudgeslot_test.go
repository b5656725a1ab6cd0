package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/schedule"
	"lastactive/nudge"
)

// quietMessages is a Messenger that is never reached in these tests.
type quietMessages struct{ t *testing.T }

var _ nudge.Messenger = quietMessages{}

func (m quietMessages) Post(context.Context, string, nudge.Note) (nudge.Ref, error) {
	m.t.Error("a message was posted")
	return nudge.Ref{}, nil
}

func (m quietMessages) Update(context.Context, nudge.Ref, nudge.Note) error {
	m.t.Error("a message was updated")
	return nil
}

// TestNudgeSlotWithoutAnOrgScanIsGivenBack: a scheduled nudge round whose
// org scan failed (the Admin API answered 503) asked nobody; its slot is
// given back (schedule.ErrNotDone) so that it runs again while under an
// hour late, as a digest's whose scan failed. Before, the error was a plain
// one: the slot was kept as handled, and that weekday had no round.
func TestNudgeSlotWithoutAnOrgScanIsGivenBack(t *testing.T) {
	t.Parallel()
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"down"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(admin.Close)
	sched, err := schedule.Parse("0 10 * * MON-FRI")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []nudge.Mode{nudge.On, nudge.DryRun} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			url, _ := sqliteURL(t)
			var logs syncBuf
			d, _ := openTestDurable(t, url, &logs)
			app, err := Build(Settings{AdminAPIURL: admin.URL, OrgID: "org-1", APIKey: "key", Reports: true, State: d,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
				AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1, BaseDelay: time.Millisecond,
					MaxDelay: time.Millisecond, MaxWait: time.Second})},
				Nudge: NudgeSettings{Mode: mode, Products: []string{"confluence"}, Schedule: sched, Approvers: []string{"UAPPROVER"},
					Messages: quietMessages{t}, PostEvery: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(app.Close)
			if app.nudgeLoop == nil {
				t.Fatal("no nudge round loop")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = app.nudgeLoop.Run(ctx, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
			if !errors.Is(err, schedule.ErrNotDone) {
				t.Errorf("Run = %v, want schedule.ErrNotDone (the slot given back for another try)\n%s", err, logs.String())
			}
		})
	}
}

// TestRetryIfAskedNobody: the round's errors that mean nobody was asked
// give the slot back; any other is kept as the slot's end (a round that
// failed midway may have asked some, and must not ask them twice).
func TestRetryIfAskedNobody(t *testing.T) {
	t.Parallel()
	cause := errors.New("HTTP 503")
	for _, c := range []struct {
		name  string
		err   error
		retry bool
	}{
		{"org scan failed", fmt.Errorf("%w: %w", nudge.ErrNoOrgScan, cause), true},
		{"Slack users unread", fmt.Errorf("%w: %w", nudge.ErrNoSlackUsers, cause), true},
		{"already not done", fmt.Errorf("%w: %w", schedule.ErrNotDone, fmt.Errorf("%w: %w", nudge.ErrNoSlackUsers, cause)), true},
		{"midway", fmt.Errorf("nudge round: %w", cause), false},
		{"none", nil, false},
	} {
		got := retryIfAskedNobody(c.err)
		if errors.Is(got, schedule.ErrNotDone) != c.retry || !errors.Is(got, c.err) {
			t.Errorf("%s: retryIfAskedNobody(%v) = %v, want ErrNotDone %v, the cause kept", c.name, c.err, got, c.retry)
		}
	}
}

package wire

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/internal/state"
)

// TestNudgeStoreAnswersLeaveTheStoreUp: the nudge store's errors are
// observed (TestPostgresLockedKeepOrReleaseTableIsObserved), but a
// decision on a request already decided, or by its requester, a nudge not
// found and a value refused are the store answering: it stays up, with no
// ERROR. Observed as failures, a second approver's click would have
// turned the shared dedupe, claims and audit off until the next check.
func TestNudgeStoreAnswersLeaveTheStoreUp(t *testing.T) {
	ctx := context.Background()
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	b := d.nudges()
	r, _, err := b.PutRequest(ctx, state.ReleaseRequest{NudgeID: "n1", AccountID: "acc-1", Product: "ari:site/1", Requester: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Decide(ctx, r.ID, "U1", state.DecisionApprove, time.Now()); !errors.Is(err, state.ErrOwnRequest) {
		t.Fatalf("requester's own decision: %v, want ErrOwnRequest", err)
	}
	if _, err := b.Decide(ctx, r.ID, "U2", state.DecisionApprove, time.Now()); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"decided":   second(b.Decide(ctx, r.ID, "U3", state.DecisionKeep, time.Now())),
		"not found": second(b.GetNudge(ctx, "no-such-nudge")),
		"invalid":   third(b.PutNudge(ctx, state.Nudge{})),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(&logs) != 0 {
		t.Errorf("the store's answers marked it down (store_ok %v):\n%s", testutil.ToFloat64(m.ok), logs.String())
	}
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }

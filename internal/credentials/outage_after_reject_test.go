package credentials_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/credentials"
	"lastactive/internal/testlog"
)

// TestWatchOutageKeepsRejection: a key Atlassian refused stays refused
// while Atlassian cannot be reached. An outage proves nothing either way,
// so readiness keeps the last verdict that got an answer, as the
// credential_ok gauge does; before, one failed round turned a pod with an
// expired key ready until the next round refused it again (503, 200,
// 503: a flap on every network blip).
func TestWatchOutageKeepsRejection(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	var logs testlog.Buffer
	w := credentials.NewWatch(e.checker(t, atlassiantest.OrgID), credentials.WatchOptions{
		Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	e.atl.Reject(atlassiantest.Rejections{APIKey: true})
	w.Check(ctx)
	before := w.Reason()
	if !strings.Contains(before, "expired") {
		t.Fatalf("reason %q should say the key may have expired", before)
	}

	undo := e.atl.Fail(atlassiantest.Failure{Status: 503})
	w.Check(ctx)
	if got := w.Reason(); got != before {
		t.Errorf("during an outage the reason became %q, want the refusal kept: %q", got, before)
	}
	if g := gauge(t, reg, "admin"); g != 0 {
		t.Errorf("credential_ok{api=admin} = %v during an outage, want the last verdict 0", g)
	}
	if strings.Contains(logs.String(), `"msg":"credential could not be checked (staying ready: an unreachable API is not a wrong credential)","api":"admin"`) {
		t.Errorf("the log says the pod stays ready while a key is refused:\n%s", logs.String())
	}
	undo()

	e.atl.Reject(atlassiantest.Rejections{})
	w.Check(ctx)
	if p := w.Problems(); len(p) != 0 {
		t.Errorf("still not ready after the fix: %v", p)
	}
}

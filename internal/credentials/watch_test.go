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

func series(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func gauge(t *testing.T, reg *prometheus.Registry, api string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "lastactive_credential_ok" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == api {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestWatchRejectedThenFixed drives a Watch round by round: a rejected key
// turns it not ready with the reason and sets its metric to 0, logs one
// error however many rounds it lasts, and the next round after the fix
// makes it ready again.
func TestWatchRejectedThenFixed(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	var logs testlog.Buffer
	w := credentials.NewWatch(e.checker(t, atlassiantest.OrgID), credentials.WatchOptions{
		Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	w.Check(ctx)
	if p := w.Problems(); len(p) != 0 {
		t.Fatalf("problems with working credentials: %v", p)
	}
	for _, api := range []string{"slack", "jira", "admin"} {
		if g := gauge(t, reg, api); g != 1 {
			t.Errorf("credential_ok{api=%q} = %v, want 1", api, g)
		}
	}
	if n := series(t, reg, "lastactive_credential_checked_timestamp_seconds"); n != 3 {
		t.Errorf("%d checked timestamps, want 3", n)
	}
	if n := e.slack.Calls("apps.connections.open"); len(n) != 0 {
		t.Errorf("readiness called apps.connections.open %d times", len(n))
	}

	e.atl.Reject(atlassiantest.Rejections{APIKey: true})
	for range 3 {
		w.Check(ctx)
	}
	reason := w.Reason()
	if !strings.Contains(reason, "expired") || !strings.Contains(reason, "admin.atlassian.com → Settings → API keys") {
		t.Errorf("reason %q should say the key may have expired and where to make one", reason)
	}
	if g := gauge(t, reg, "admin"); g != 0 {
		t.Errorf("credential_ok{api=admin} = %v, want 0", g)
	}
	if n := strings.Count(logs.String(), "credential rejected"); n != 1 {
		t.Errorf("%d 'credential rejected' lines over 3 rounds, want 1:\n%s", n, logs.String())
	}

	e.atl.Reject(atlassiantest.Rejections{})
	w.Check(ctx)
	if p := w.Problems(); len(p) != 0 {
		t.Errorf("still not ready after the fix: %v", p)
	}
	if g := gauge(t, reg, "admin"); g != 1 {
		t.Errorf("credential_ok{api=admin} = %v after the fix, want 1", g)
	}
	if n := strings.Count(logs.String(), "credential accepted again"); n != 1 {
		t.Errorf("%d 'accepted again' lines, want 1", n)
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) || strings.Contains(reason, s) {
			t.Error("a secret in the log or the reason")
		}
	}
}

// TestWatchOutageStaysReady: Atlassian answering 503 (or not at all) is
// not a wrong credential, so it must not take the pod out of service.
func TestWatchOutageStaysReady(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	var logs testlog.Buffer
	w := credentials.NewWatch(e.checker(t, atlassiantest.OrgID), credentials.WatchOptions{
		Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	w.Check(ctx)
	defer e.atl.Fail(atlassiantest.Failure{Status: 503})()
	w.Check(ctx)
	w.Check(ctx)
	if p := w.Problems(); len(p) != 0 {
		t.Errorf("an outage made it not ready: %v", p)
	}
	if g := gauge(t, reg, "admin"); g != 1 {
		t.Errorf("credential_ok{api=admin} = %v during an outage, want the last verdict 1", g)
	}
	if n := strings.Count(logs.String(), "could not be checked"); n != 2 { // jira and admin, once each
		t.Errorf("%d warnings over 2 rounds of 2 failing APIs, want 2:\n%s", n, logs.String())
	}
}

// TestWatchRunStopsWithItsContext: Run checks at once and returns when its
// owner cancels.
func TestWatchRunStopsWithItsContext(t *testing.T) {
	e := newEnv(t)
	w := credentials.NewWatch(e.checker(t, atlassiantest.OrgID), credentials.WatchOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	if err := e.slack.Wait(ctx, func() bool { return len(e.slack.Calls("auth.test")) > 0 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
}

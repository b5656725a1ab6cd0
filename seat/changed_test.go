package seat

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
)

// countedDir counts the scans of dir.
type countedDir struct {
	dir   OrgDirectory
	scans *atomic.Int32
}

func (c countedDir) OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	c.scans.Add(1)
	return c.dir.OrgUsers(ctx, q)
}

// TestScannerChangedIsNotReused: after Changed (a release made here) the
// next report reads the organisation again instead of counting, for the
// rest of the TTL, a seat freed meanwhile; a scan running when the change
// came serves those who asked during it, but is not kept either.
func TestScannerChangedIsNotReused(t *testing.T) {
	t.Parallel()
	var scans atomic.Int32
	dir := pausingDir{users: smallOrg(), after: 1, reached: make(chan struct{}), resume: make(chan struct{})}
	r := NewScanner(ScanConfig{Dir: countedDir{dir, &scans}, TTL: time.Hour})
	t.Cleanup(r.Close)
	ctx := t.Context()
	report := func() {
		t.Helper()
		if _, err := r.Report(ctx, Options{Days: 90}, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	go func() { <-dir.reached; dir.resume <- struct{}{} }()
	report()
	report()
	if n := scans.Load(); n != 1 {
		t.Fatalf("%d scans for two reports within the TTL, want 1", n)
	}
	r.Changed()
	go func() { <-dir.reached; dir.resume <- struct{}{} }()
	report()
	if n := scans.Load(); n != 2 {
		t.Fatalf("after Changed, %d scans, want 2: the scan from before the change was reused", n)
	}
	// A change while a scan runs: the scan is not kept past it.
	done := make(chan error, 1)
	r.Changed() // the scan just made is not kept
	go func() {
		_, err := r.Report(ctx, Options{Days: 90}, false, nil)
		done <- err
	}()
	<-dir.reached
	r.Changed()
	dir.resume <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	go func() { <-dir.reached; dir.resume <- struct{}{} }()
	report()
	if n := scans.Load(); n != 4 {
		t.Errorf("%d scans, want 4: the scan running when the access changed was kept", n)
	}
}

package wire

import (
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestSharedScanSaysWhenItWasRead: a replica (or the process after a
// restart) that takes another's published org scan from the store says
// when that scan read Atlassian, not when it took it: its idle report is
// "as of" the scan, and it reuses the scan for what is left of the TTL,
// not for a whole TTL more.
func TestSharedScanSaysWhenItWasRead(t *testing.T) {
	t.Parallel()
	url, _ := sqliteURL(t)
	var logs syncBuf
	d1, _ := openTestDurable(t, url, &logs)
	d2, _ := openTestDurable(t, url, &logs)
	atl := atlassiantest.NewServer(atlassiantest.GenerateOrg(30, 1, time.Now()))
	t.Cleanup(atl.Close)
	client, err := Atlassian(fakeSettings(atl))
	if err != nil {
		t.Fatal(err)
	}
	scanner := func(d *Durable, holder string, now func() time.Time) *seat.Scanner {
		r := seat.NewScanner(seat.ScanConfig{Dir: client, TTL: time.Hour, Now: now,
			Share: &ScanShare{D: d, Holder: holder, IdleDays: 90, TTL: time.Hour}})
		t.Cleanup(r.Close)
		return r
	}
	ctx := t.Context()
	first, err := scanner(d1, "one", time.Now).Report(ctx, seat.Options{Days: 90}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	read := time.Now()
	atl.ResetRequests()
	// The other replica asks 50 minutes later: the published scan is
	// still within the hour, so it takes it rather than scanning.
	var ahead atomic.Int64
	ahead.Store(int64(50 * time.Minute))
	other := scanner(d2, "two", func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) })
	rep, err := other.Report(ctx, seat.Options{Days: 90}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(atl.Requests()); n != 0 {
		t.Fatalf("the second replica called Atlassian %d times instead of taking the published scan", n)
	}
	if rep.ReadAt.After(read) {
		t.Errorf("the report from the shared scan says it read Atlassian at %s; the scan finished by %s (the first replica's report: %s)",
			rep.ReadAt.UTC().Format(time.RFC3339), read.UTC().Format(time.RFC3339), first.ReadAt.UTC().Format(time.RFC3339))
	}
	// 70 minutes after the scan it is past the TTL: read again.
	ahead.Store(int64(70 * time.Minute))
	if _, err := other.Report(ctx, seat.Options{Days: 90}, false, nil); err != nil {
		t.Fatal(err)
	}
	if len(atl.Requests()) == 0 {
		t.Errorf("a report 70 minutes after the scan it was given reused it (LASTACTIVE_CACHE_TTL=1h)")
	}
}

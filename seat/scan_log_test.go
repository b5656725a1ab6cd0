package seat

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// lockedBuffer is a bytes.Buffer the scan's goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestScanLogGivesAReadableDuration: the "scan finished" line says how long
// the scan took as a Go duration ("1.234s"), as the other log lines give
// durations, not as a bare count of nanoseconds that a reader of the logs
// has to divide in their head.
func TestScanLogGivesAReadableDuration(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	reports := NewScanner(ScanConfig{Dir: atlassiantest.OrgUserList(smallOrg()), Now: func() time.Time { return idleNow },
		Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	defer reports.Close()
	if _, err := reports.Report(context.Background(), Options{}, false, nil); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil || e["msg"] != "idle report scan finished" {
			continue
		}
		found = true
		s, ok := e["duration"].(string)
		if !ok {
			t.Fatalf("duration is %T %v, want a Go duration string: %s", e["duration"], e["duration"], line)
		}
		if _, err := time.ParseDuration(s); err != nil {
			t.Errorf("duration %q: %v", s, err)
		}
	}
	if !found {
		t.Fatalf("no scan finished line in:\n%s", buf.String())
	}
}

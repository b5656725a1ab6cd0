package atlassian

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"lastactive/internal/testlog"
)

// TestRequestLogGivesAReadableDuration: the "atlassian request" debug line
// gives the request's duration as a Go duration ("1.234ms"), not as the
// bare nanoseconds slog's JSON writes for a time.Duration.
func TestRequestLogGivesAReadableDuration(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{"id":"org-1","attributes":{"name":"Acme"}}}`))
	})
	var logs testlog.Buffer
	c, _ := newTestClient(t, srv.URL, WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c.Org(context.Background()) // its answer does not matter: the request is logged either way
	found := false
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) != nil || e["msg"] != "atlassian request" {
			continue
		}
		found = true
		s, ok := e["duration"].(string)
		if _, err := time.ParseDuration(s); !ok || err != nil {
			t.Errorf("duration %v (%T), want a Go duration: %s", e["duration"], e["duration"], line)
		}
	}
	if !found {
		t.Fatalf("no request logged:\n%s", logs.String())
	}
}

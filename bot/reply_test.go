package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestResponderPostsTrustedURLsOnly(t *testing.T) {
	var got atomic.Value
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("got %s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		if calls.Load() == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got.Store(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	r := NewResponder(srv.Client(), "https://slack.com/api/")
	var waits []time.Duration
	r.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	ctx := context.Background()
	msg := RenderNotice("hello")

	if err := r.Post(ctx, srv.URL+"/commands/1", msg, Ephemeral, true); err != nil {
		t.Fatalf("post to loopback: %v", err)
	}
	if len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits = %v, want one Retry-After of 1s", waits)
	}
	var body struct {
		ResponseType    string `json:"response_type"`
		Text            string `json:"text"`
		ReplaceOriginal bool   `json:"replace_original"`
		Blocks          []any  `json:"blocks"`
	}
	if err := json.Unmarshal(got.Load().([]byte), &body); err != nil {
		t.Fatal(err)
	}
	if body.ResponseType != Ephemeral || !body.ReplaceOriginal || body.Text == "" || len(body.Blocks) == 0 {
		t.Errorf("body = %+v", body)
	}

	before := calls.Load()
	for _, u := range []string{
		"https://hooks.slack.com.evil.example/commands/1", // suffix trick
		"http://hooks.slack.com/commands/1",               // no TLS
		"https://10.0.0.1/commands/1",                     // private network
		"ftp://127.0.0.1/x",
		"::not a url",
	} {
		if err := r.Post(ctx, u, msg, Ephemeral, false); !errors.Is(err, ErrUntrustedURL) {
			t.Errorf("Post(%q) = %v, want ErrUntrustedURL", u, err)
		}
	}
	if calls.Load() != before {
		t.Errorf("an untrusted URL was called")
	}
}

package atlassian

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// gzipOf is head, n bytes of b and tail compressed: a small answer that
// expands to n.
func gzipOf(t *testing.T, head string, b byte, n int, tail string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write([]byte(head))
	chunk := bytes.Repeat([]byte{b}, 1<<20)
	for i := 0; i < n>>20; i++ {
		zw.Write(chunk)
	}
	zw.Write([]byte(tail))
	zw.Close()
	return buf.Bytes()
}

// TestGzipBombIsCutAtTheCap: net/http asks for gzip on its own and
// decompresses what it gets, so a small answer can expand to gigabytes.
// Both the answer of a success and that of an error are read through
// their limits after decompression: a bomb of 32 MiB of valid JSON (a
// success) ends as ErrBadResponse without being retried, and one of
// 32 MiB of "[" in a 500 as that 500.
func TestGzipBombIsCutAtTheCap(t *testing.T) {
	t.Parallel()
	ok := gzipOf(t, `{"accountId":"me"`, ' ', 32<<20, `}`)
	bad := gzipOf(t, "", '[', 32<<20, "")
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		if r.URL.Path == "/rest/api/3/myself" {
			w.Write(ok)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(bad)
	})
	c, _ := newTestClient(t, srv.URL, WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := c.Myself(ctx)
	if KindOf(err) != ErrBadResponse {
		t.Errorf("a success that expands past the cap: err = %v, want ErrBadResponse", err)
	}
	if n := hits.Swap(0); n != 1 {
		t.Errorf("a success past the cap was asked %d times, want 1", n)
	}
	_, err = c.LastActive(ctx, "acct")
	if e := asError(t, err); e.Kind != ErrUnavailable || e.Status != http.StatusInternalServerError {
		t.Errorf("a 500 that expands past the cap: err = %v, want ErrUnavailable with HTTP 500", err)
	}
}

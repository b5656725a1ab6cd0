package term

import (
	"strings"
	"sync"
	"testing"
)

func TestStatusLine(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	s := NewStatusLine(&b)
	s.Set("10 read…")
	s.Write([]byte("log one\n"))
	s.Set("20 read…")
	s.Write([]byte("half "))
	s.Set("30 read…") // waits for the line to end
	s.Write([]byte("line\n"))
	s.Finish("30 read in 1s")
	s.Write([]byte("after\n"))
	want := "\r\x1b[K10 read…" +
		"\r\x1b[Klog one\n10 read…" +
		"\r\x1b[K20 read…" +
		"\r\x1b[Khalf " +
		"line\n30 read…" +
		"\r\x1b[K30 read in 1s\n" +
		"after\n"
	if got := b.String(); got != want {
		t.Errorf("terminal got\n%q\nwant\n%q", got, want)
	}
}

// TestStatusLineConcurrent: progress and logs from different goroutines
// never interleave within a line (run with -race).
func TestStatusLineConcurrent(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	s := NewStatusLine(&b)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			s.Set("progress")
		}
	})
	wg.Go(func() {
		for range 100 {
			s.Write([]byte("log\n"))
		}
	})
	wg.Wait()
	s.Finish("done")
	for _, l := range strings.Split(b.String(), "\n") {
		shown := strings.ReplaceAll(l, "\x1b[K", "")
		shown = shown[strings.LastIndex(shown, "\r")+1:]
		if shown != "log" && shown != "done" && shown != "" {
			t.Errorf("line shows %q", shown)
		}
	}
}

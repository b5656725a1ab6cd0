package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"lastactive/bot"
	"lastactive/internal/recovered"
)

// TestStreamedFile: a file that streams (Write and Size, as the idle
// report's CSV does) reaches Slack whole, in one upload; one that writes
// another size than it announced fails and is never shared; and an
// upload cut short ends its Write before SendFile returns.
func TestStreamedFile(t *testing.T) {
	t.Parallel()
	lines := func(w io.Writer) error {
		for i := range 20_000 {
			if _, err := fmt.Fprintf(w, "person.%d@example.com,jira-software,idle\r\n", i); err != nil {
				return err
			}
		}
		return nil
	}
	var want bytes.Buffer
	lines(&want)

	t.Run("whole", func(t *testing.T) {
		t.Parallel()
		s := newSlackAPI(t)
		f := bot.File{Name: "a.csv", Title: "A", Write: lines, Size: want.Len()}
		if err := (bot.SlackFiles{API: s.SlackAPI}).SendFile(context.Background(), "U1", f); err != nil {
			t.Fatal(err)
		}
		ups := s.fake.Uploads()
		if len(ups) != 1 || !ups[0].Completed || !bytes.Equal(ups[0].Content, want.Bytes()) {
			t.Fatalf("uploads %d; want one completed upload of the %d bytes written", len(ups), want.Len())
		}
	})
	for _, size := range []int{want.Len() + 1, want.Len() - 1} {
		t.Run(fmt.Sprintf("announced %d of %d", size, want.Len()), func(t *testing.T) {
			t.Parallel()
			s := newSlackAPI(t)
			f := bot.File{Name: "a.csv", Write: lines, Size: size}
			err := (bot.SlackFiles{API: s.SlackAPI}).SendFile(context.Background(), "U1", f)
			if err == nil || !strings.Contains(err.Error(), "announced") {
				t.Errorf("a file of another size than announced: %v", err)
			}
			for _, u := range s.fake.Uploads() {
				if u.Completed {
					t.Errorf("the file of another size was shared (%d bytes received)", len(u.Content))
				}
			}
		})
	}
	// The CSV's Write runs on a goroutine of the upload's: a panic there
	// (a bug in writing a row) was recovered nowhere and ended the process,
	// every command in flight with it, where the report's own goroutine
	// would have cost only that report.
	t.Run("write panics", func(t *testing.T) {
		t.Parallel()
		s := newSlackAPI(t)
		broken := func(w io.Writer) error {
			if _, err := w.Write([]byte("email,product\r\n")); err != nil {
				return err
			}
			var rows map[string][]string
			rows["x"] = append(rows["x"], "y") // a nil map: a bug
			return nil
		}
		f := bot.File{Name: "a.csv", Write: broken, Size: 100}
		err := (bot.SlackFiles{API: s.SlackAPI}).SendFile(context.Background(), "U1", f)
		if !errors.Is(err, recovered.ErrPanic) {
			t.Errorf("a Write that panics: %v; want the recovered panic's error", err)
		}
		for _, u := range s.fake.Uploads() {
			if u.Completed {
				t.Errorf("the file of a Write that panicked was shared (%d bytes received)", len(u.Content))
			}
		}
	})
	// Slack answering the upload before the whole file was sent (the file
	// is then what arrived by then): the upload ended without error, the
	// Write, stopped mid-file, was told nothing, and the cut file was
	// completed, shared in the person's direct messages as the report.
	t.Run("answered early", func(t *testing.T) {
		t.Parallel()
		s := newSlackAPI(t)
		s.fake.AnswerUploadEarly(64 << 10)
		endless := func(w io.Writer) error {
			for {
				if _, err := w.Write(bytes.Repeat([]byte("x"), 4096)); err != nil {
					return err
				}
			}
		}
		f := bot.File{Name: "a.csv", Write: endless, Size: 1 << 30}
		if err := (bot.SlackFiles{API: s.SlackAPI}).SendFile(context.Background(), "U1", f); err == nil {
			t.Error("an upload answered before the whole file was sent succeeded")
		}
		for _, u := range s.fake.Uploads() {
			if u.Completed {
				t.Errorf("the cut file was shared (%d of %d bytes received)", len(u.Content), u.Length)
			}
		}
	})
	t.Run("cut short", func(t *testing.T) {
		t.Parallel()
		s := newSlackAPI(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var once sync.Once
		returned := make(chan struct{})
		endless := func(w io.Writer) error {
			defer close(returned)
			for {
				if _, err := w.Write(bytes.Repeat([]byte("x"), 4096)); err != nil {
					return err
				}
				once.Do(cancel)
			}
		}
		f := bot.File{Name: "a.csv", Write: endless, Size: 1 << 30}
		if err := (bot.SlackFiles{API: s.SlackAPI}).SendFile(ctx, "U1", f); err == nil {
			t.Error("an upload cut short succeeded")
		}
		select {
		case <-returned:
		default:
			t.Error("SendFile returned before the file's Write did")
		}
	})
}

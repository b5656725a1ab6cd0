package slacksocket

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// slashFrame is about the size of a slash command's envelope.
var slashFrame = []byte(`{"envelope_id":"1d2c3b4a-0000-4000-8000-5e6f7a8b9c0d","payload":{"api_app_id":"A0TEST","channel_id":"C1","channel_name":"general",` +
	`"command":"/lastactive","is_enterprise_install":"false","response_url":"https://hooks.slack.com/commands/T0TEST/1234567890123/abcdefghijklmnopqrstuvwx",` +
	`"team_domain":"example","team_id":"T0TEST","text":"ada@example.com","token":"x","trigger_id":"1234567890123.1234567890.abcdef0123456789abcdef0123456789",` +
	`"user_id":"U1","user_name":"ada"},"type":"slash_commands","accepts_response_payload":true,"retry_attempt":0,"retry_reason":""}` + strings.Repeat(" ", 300))

// TestFrameBufReadsAsReadAll: every frame comes back as io.ReadAll reads
// it, whatever the sizes before it and however the reader hands out its
// bytes; a buffer grown past keptFrame is not kept.
func TestFrameBufReadsAsReadAll(t *testing.T) {
	var f frameBuf
	for _, n := range []int{0, 1, 100, 4095, 4096, 4097, 700, 200 << 10, 10, keptFrame + 1, 3} {
		want := bytes.Repeat([]byte{'x'}, n)
		for i := range want {
			want[i] = byte('a' + i%26)
		}
		for _, r := range []io.Reader{bytes.NewReader(want), iotest.OneByteReader(bytes.NewReader(want)), iotest.HalfReader(bytes.NewReader(want))} {
			got, err := f.read(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("frame of %d bytes: %d bytes, %v", n, len(got), err)
			}
		}
		if n > keptFrame {
			if _, err := f.read(bytes.NewReader(nil)); err != nil || cap(f.b) > keptFrame {
				t.Errorf("after a frame of %d bytes the buffer keeps %d", n, cap(f.b))
			}
		}
	}
	boom := io.ErrUnexpectedEOF
	got, err := f.read(io.MultiReader(bytes.NewReader([]byte("part")), iotest.ErrReader(boom)))
	if string(got) != "part" || err != boom {
		t.Errorf("a failed read: %q, %v; want what was read and the error", got, err)
	}
}

// BenchmarkReadFrame reads a slash command's frame as the connection's
// reader does (frameBuf), beside io.ReadAll, which it did before.
func BenchmarkReadFrame(b *testing.B) {
	b.Run("io.ReadAll", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, _ := io.ReadAll(bytes.NewReader(slashFrame)); len(got) != len(slashFrame) {
				b.Fatal(len(got))
			}
		}
	})
	b.Run("frameBuf", func(b *testing.B) {
		var f frameBuf
		b.ReportAllocs()
		for b.Loop() {
			if got, _ := f.read(bytes.NewReader(slashFrame)); len(got) != len(slashFrame) {
				b.Fatal(len(got))
			}
		}
	})
}

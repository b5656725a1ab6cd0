package bot

import (
	"strings"
	"testing"
	"unsafe"
)

// TestNormalisedEmailHoldsNoPadding: users.info and each users.list page
// give an email that the profile cache (10,000 people for ten minutes)
// and a nudge round's map (every member) keep. An address padded with
// whitespace to the 16 MiB a Slack answer may be was kept as a slice of
// the padded text, holding all of it; the address kept must be its own.
func TestNormalisedEmailHoldsNoPadding(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat(" ", 1<<20)
	for _, in := range []string{pad + "ada@example.com" + pad, "ada@example.com" + pad, pad + "Ada@Example.com"} {
		got, ok := normaliseEmail(in)
		if !ok || got != "ada@example.com" {
			t.Fatalf("normaliseEmail = %q, %v", got, ok)
		}
		start, p := uintptr(unsafe.Pointer(unsafe.StringData(in))), uintptr(unsafe.Pointer(unsafe.StringData(got)))
		if p >= start && p < start+uintptr(len(in)) {
			t.Errorf("the address kept of a %d-byte answer shares its memory: all of it stays held", len(in))
		}
	}
}

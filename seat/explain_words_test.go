package seat

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestExplainSpeaksOfAnyRequest: Explain's words are shared by a lookup,
// an idle report, the digest and the CLI's report, so none of them may
// speak of a lookup: a manager whose org-wide report was cut short by a
// restart read "The lookup was stopped before it finished", and one whose
// report failed read "while looking this up".
func TestExplainSpeaksOfAnyRequest(t *testing.T) {
	t.Parallel()
	for _, err := range []error{context.Canceled, errors.New("something unforeseen")} {
		got := Explain(err)
		if got == "" {
			t.Fatalf("Explain(%v) is empty", err)
		}
		if l := strings.ToLower(got); strings.Contains(l, "lookup") || strings.Contains(l, "looking") {
			t.Errorf("Explain(%v) = %q: speaks of a lookup, but reports use it too", err, got)
		}
	}
}

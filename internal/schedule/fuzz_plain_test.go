package schedule

import (
	"errors"
	"strings"
	"testing"
)

// FuzzPlainCronError: a refused expression is said in an operator's words:
// never Go's ("strconv.Atoi: parsing ..."), and the refusal stays about
// the size of what was written, whatever robfig's message held.
func FuzzPlainCronError(f *testing.F) {
	for _, s := range []string{"0 9 * * MONX", "0 9 * * MON-", "-5 9 * * *", "0 25 * * *", "0 9 * * 5-1", "0 9-5-3 * * *",
		"*/0 * * * *", "@fortnightly", "CRON_TZ=Mars/Olympus 0 9 * * *", "0 9 * *", "0 9 * * * * *", "a: b * * * *",
		"0 9 * * MON/x", "1-2/3/4 * * * *", "0 99999999999999999999 * * *", "0 9 * * 7-", "0 9 * JAN-FOO *",
		"CRON_TZ=UTC\n0 9 * * *", "@every 9999d", "@every\u00a01h", "CRON_TZ=Mars/Olympus\t0 9 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, err := Parse(expr)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Parse(%q) = %v, not ErrInvalid", expr, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "strconv") {
			t.Fatalf("Parse(%q) refused in Go's words: %s", expr, msg)
		}
		if len(msg) > 3*len(expr)+400 {
			t.Fatalf("Parse(%q) refused in %d bytes: %s", expr, len(msg), msg)
		}
	})
}

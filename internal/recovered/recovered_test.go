package recovered_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"lastactive/internal/recovered"
)

func TestLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		panic   func()
		want    string // in the log and the error
		notWant string
	}{
		{"runtime error", func() {
			var m map[string]int
			m["x"] = 1
		}, "assignment to entry in nil map", ""},
		{"a value that may hold what a person typed", func() { panic("ada@example.com said hi") }, "string", "ada@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = recovered.Log(slog.New(slog.NewJSONHandler(&logs, nil)), "test", r)
					}
				}()
				tc.panic()
			}()
			if !errors.Is(err, recovered.ErrPanic) {
				t.Fatalf("err = %v, want ErrPanic", err)
			}
			for _, s := range []string{logs.String(), err.Error()} {
				if !strings.Contains(s, tc.want) || (tc.notWant != "" && strings.Contains(s, tc.notWant)) {
					t.Errorf("want %q and not %q in %s", tc.want, tc.notWant, s)
				}
			}
			if !strings.Contains(logs.String(), "recovered_test.go") {
				t.Errorf("no stack in the log: %s", logs.String())
			}
		})
	}
}

func Example() {
	work := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = recovered.Log(nil, "example", r)
			}
		}()
		var people []string
		_ = people[3]
		return nil
	}
	err := work()
	fmt.Println(errors.Is(err, recovered.ErrPanic))
	fmt.Println(err)
	// Output:
	// true
	// example: internal error (recovered from a panic): runtime error: index out of range [3] with length 0
}

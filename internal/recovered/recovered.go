// Package recovered turns a panic recovered where one piece of work runs
// (a command, a lookup, a scan, a schedule's slot) into an error and a log
// line with the stack: a bug costs that work, not the process and every
// answer in flight with it.
//
// Go recovers only in a deferred function of the panicking goroutine, so
// each such place defers its own func that calls recover() and hands the
// value here:
//
//	defer func() {
//		if r := recover(); r != nil {
//			err = recovered.Log(log, "org scan", r)
//		}
//	}()
package recovered

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
)

// ErrPanic is the error of work that panicked.
var ErrPanic = errors.New("internal error (recovered from a panic)")

// Log logs r, recovered from a panic in the work named where, with the
// stack, and returns an error wrapping ErrPanic. A runtime error (an index
// out of range, a nil map) is named; any other value only by its type, as
// it may carry what a person typed. A stack holds no string's contents.
func Log(log *slog.Logger, where string, r any) error {
	what := fmt.Sprintf("%T", r)
	if re, ok := r.(runtime.Error); ok {
		what = re.Error()
	}
	if log != nil {
		log.Error("recovered from a panic: this work failed, the process goes on", "where", where, "panic", what,
			"stack", string(debug.Stack()))
	}
	return fmt.Errorf("%s: %w: %s", where, ErrPanic, what)
}

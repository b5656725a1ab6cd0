package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrServeLockHeld says that another process holds the serve lock of a
// SQLite database (LockServe).
var ErrServeLockHeld = errors.New("another process holds the lock")

// ServeLockPath is the lock file LockServe takes for rawURL: PATH.lock
// beside a sqlite:PATH file (symbolic links followed, so two names of one
// file share it), or "" when there is none to take: PostgreSQL (shared by
// replicas), sqlite::memory:, a blank URL, a file: URI with a host, or a
// path that is not a regular file (the store refuses it by name).
func ServeLockPath(rawURL string) string {
	path, ok := strings.CutPrefix(rawURL, "sqlite:")
	if !ok || path == "" || path == ":memory:" || strings.ContainsAny(path, "?#\x00") {
		return ""
	}
	if p, ok := strings.CutPrefix(path, "file:"); ok {
		if strings.HasPrefix(p, "//") || p == "" {
			return ""
		}
		path = p
	}
	if strings.HasPrefix(path, "//") {
		return ""
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return ""
	}
	// A link to the file locks the file's own lock file (a linked
	// directory needs nothing: the lock file is in the same directory).
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if p, err := filepath.Abs(path); err == nil {
		path = p
	}
	return path + ".lock"
}

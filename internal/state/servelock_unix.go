//go:build unix

package state

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// LockServe takes the lock that keeps a second serve off one SQLite file:
// an advisory flock on ServeLockPath(rawURL), never waited for, which the
// kernel releases when the process ends, however it ends (a SIGKILL leaves
// nothing behind that blocks the next start). It is a lock file beside the
// database, not the database itself: SQLite's own locks are POSIX record
// locks, which a flock emulated by them (NFS) would collide with, and
// closing any other descriptor of the database drops them. Only serve takes
// it: the other commands share the file with a running serve as SQLite lets
// them. It returns ErrServeLockHeld when another process holds it. The lock
// lasts while its file stays open: defer release, which keeps it reachable
// (a lost file would be closed by the garbage collector). With no lock to
// take (ServeLockPath is ""), it takes nothing.
func LockServe(rawURL string) (release func(), err error) {
	path := ServeLockPath(rawURL)
	if path == "" {
		return func() {}, nil
	}
	// A lock file that is a link is not followed: whoever could write the
	// directory planted it, and serve would make or open the file it
	// names (as root, anywhere). Serve then goes on without the lock.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("lock %s: it is a symbolic link, not followed", path)
	}
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, ErrServeLockHeld)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

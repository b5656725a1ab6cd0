//go:build unix

package reportcmd

import (
	"os"
	"syscall"
)

// ownedByOther reports whether fi, from Lstat, belongs to another user.
func ownedByOther(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) != os.Getuid()
}

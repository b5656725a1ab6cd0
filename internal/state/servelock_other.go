//go:build !unix

package state

// LockServe takes nothing where there is no flock: a second serve on one
// SQLite file is not stopped there.
func LockServe(rawURL string) (release func(), err error) {
	return func() {}, nil
}

// Package testlog is the log sink of lastactive's tests: a buffer that many
// goroutines (a bot's workers, a subprocess's stderr copier, a client's
// retries) may write at once while the test reads it. It imports nothing of
// lastactive, so every package's tests can use it, internal tests included.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use. The zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package term

import (
	"io"
	"sync"
)

// clearLine returns the cursor to the start of the line and erases it
// (CR, then ANSI "erase in line").
const clearLine = "\r\x1b[K"

// StatusLine keeps one self-updating line (a progress line) at the bottom
// of a terminal while other text, such as log lines, is written through
// it: each write clears the status line, writes the text, and redraws the
// status below it, so a log line never runs on from the progress line.
// It is safe for concurrent use: logs and progress come from different
// goroutines.
type StatusLine struct {
	mu     sync.Mutex
	w      io.Writer
	status string
	drawn  bool // status is on screen
	midway bool // the last write ended mid-line: redraw only after its end
	done   bool
}

// NewStatusLine returns a StatusLine writing to w, a terminal.
func NewStatusLine(w io.Writer) *StatusLine { return &StatusLine{w: w} }

// Set replaces the status line's text.
func (s *StatusLine) Set(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.status = Clean(text)
	if s.midway {
		return // shown when the text being written ends its line
	}
	io.WriteString(s.w, clearLine+s.status)
	s.drawn = true
}

// Write writes p above the status line.
func (s *StatusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drawn {
		if _, err := io.WriteString(s.w, clearLine); err != nil {
			return 0, err
		}
		s.drawn = false
	}
	n, err := s.w.Write(p)
	if err != nil {
		return n, err
	}
	s.midway = len(p) > 0 && p[len(p)-1] != '\n'
	if !s.midway && !s.done && s.status != "" {
		if _, err := io.WriteString(s.w, s.status); err != nil {
			return n, err
		}
		s.drawn = true
	}
	return n, nil
}

// Finish replaces the status line with text for good and ends the line;
// later writes pass through unchanged.
func (s *StatusLine) Finish(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	prefix := clearLine
	if s.midway {
		prefix = "\n" // do not erase someone's half-written line
	}
	io.WriteString(s.w, prefix+Clean(text)+"\n")
	s.drawn = false
}

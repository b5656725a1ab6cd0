package slacktest

import (
	"context"
	"errors"
)

// ResendAll delivers an envelope again, with the same envelope_id, on every
// open connection at once (the one it first went to included), as Slack may
// when it is unsure a delivery arrived and the app holds several
// connections, possibly in several processes. It returns how many
// connections it was written to; each of them should ack it, and the app
// should answer it once.
func (s *Server) ResendAll(ctx context.Context, e *Envelope) (int, error) {
	s.mu.Lock()
	st, ok := s.envelopes[e.ID]
	if !ok || st.frame == nil {
		s.mu.Unlock()
		return 0, errorf("resend: unknown envelope %s", e.ID)
	}
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	var open []*wsConn
	for _, c := range s.conns {
		if !c.draining {
			open = append(open, c)
		}
	}
	frame := st.frame
	s.mu.Unlock()
	if len(open) == 0 {
		return 0, ErrNoConnection
	}
	// Written concurrently, so the copies reach the app as close together as
	// the connections allow.
	errs := make([]error, len(open))
	done := make(chan struct{})
	for i, c := range open {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := c.write(ctx, frame); err != nil {
				errs[i] = errorf("resend %s on conn %d: %w", e.ID, c.id, err)
			}
		}()
	}
	for range open {
		<-done
	}
	s.logf("envelope %s: resent on %d connections", e.ID, len(open))
	return len(open), errors.Join(errs...)
}

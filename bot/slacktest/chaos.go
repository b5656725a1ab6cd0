package slacktest

import "sync"

// ResponseURLChaos decides whether one post to a response_url fails:
// attempt counts the posts to that envelope's URL, from 1. It returns the
// status to answer and true to fail the post. It is called with no lock
// held and concurrently for different envelopes, so it must be safe for
// concurrent use.
type ResponseURLChaos func(envelopeID string, attempt int) (status int, fail bool)

// SetResponseURLChaos installs f, consulted for every response_url post that
// FailResponseURL did not already fail, so that a soak test can fail posts
// at random with its own seeded source. Failed posts count as in
// FailResponseURL: not as replies, not as uses of the URL; ResponseAttempts
// shows them. A nil f removes it.
func (s *Server) SetResponseURLChaos(f ResponseURLChaos) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respChaos = f
}

// HoldResponseURL makes every response_url post wait, without an answer,
// until release is called or the client gives up on the request (or the server closes), as a
// Slack edge that accepted the connection and then hung would. The held
// posts then go on as usual. release is safe to call more than once.
func (s *Server) HoldResponseURL() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == ch {
				s.hold = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// HeldPosts counts response_url posts that arrived while a hold was on.
func (s *Server) HeldPosts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

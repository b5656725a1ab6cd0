package slacktest

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

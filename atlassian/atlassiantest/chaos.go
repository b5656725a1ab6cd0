package atlassiantest

import "net/http"

// ChaosFunc decides, per request, whether to inject a failure: it returns
// the Failure and true to inject one, or false to let the request through.
// It is called concurrently from the server's handlers, so it must be safe
// for concurrent use.
type ChaosFunc func(r *http.Request) (Failure, bool)

// SetChaos installs f, consulted for every request that no Fail matched, so
// that a soak test can inject failures at random (with its own seeded
// source) instead of by count. A nil f removes it. Failures from Fail keep
// their precedence, and with no ChaosFunc the server behaves as before.
func (s *Server) SetChaos(f ChaosFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = f
}

// chaosFor asks the ChaosFunc, if any, about r. It is called without s.mu
// held so that f may take its time or call back into s.
func (s *Server) chaosFor(r *http.Request) (Failure, bool) {
	s.mu.Lock()
	f := s.chaos
	s.mu.Unlock()
	if f == nil {
		return Failure{}, false
	}
	return f(r)
}

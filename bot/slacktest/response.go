package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
)

// MaxResponseURLUses is how often Slack accepts posts to one response_url.
const MaxResponseURLUses = 5

// Reply is a message POSTed to an envelope's response_url.
type Reply struct {
	EnvelopeID      string
	ResponseType    string // as sent; Slack treats "" as "ephemeral"
	Text            string
	Blocks          json.RawMessage
	ReplaceOriginal bool
	DeleteOriginal  bool
	Raw             []byte
	Status          int    // what the fake answered
	Error           string // why it was refused, when Status is not 200
}

// flexBool accepts the JSON booleans slack-go sends and the strings
// ("true") that Slack's own examples use.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(string(data), `"`) {
	case "true":
		*b = true
	case "false", "", "null":
		*b = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}

// handleResponse plays a response_url: JSON message bodies only, at most
// MaxResponseURLUses accepted posts per envelope.
func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	rep := Reply{EnvelopeID: id, Raw: body}

	s.mu.Lock()
	hold := s.hold
	if hold != nil {
		s.held++
		s.broadcastLocked()
	}
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-s.done:
			return
		case <-r.Context().Done():
			return
		}
	}

	refuse := func(status int, code string) {
		rep.Status, rep.Error = status, code
		s.mu.Lock()
		s.attempts[id] = append(s.attempts[id], rep)
		s.broadcastLocked()
		s.mu.Unlock()
		s.logf("response_url %s: refused with %d %s", id, status, code)
		writeJSON(w, status, map[string]any{"ok": false, "error": code})
	}

	s.mu.Lock()
	_, known := s.envelopes[id]
	failing := s.failResp.n > 0
	status, code := s.failResp.status, s.failResp.code
	if failing {
		s.failResp.n--
	}
	chaos, attempt := s.respChaos, len(s.attempts[id])+1
	s.mu.Unlock()
	if !failing && chaos != nil {
		status, failing = chaos(id, attempt)
	}

	switch {
	case failing:
		if code == "" {
			code = "injected_failure"
		}
		refuse(status, code)
		return
	case r.Method != http.MethodPost:
		refuse(http.StatusMethodNotAllowed, "method_not_allowed")
		return
	case !known:
		refuse(http.StatusNotFound, "expired_url")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		refuse(http.StatusBadRequest, "invalid_content_type")
		return
	}
	var msg struct {
		ResponseType    string          `json:"response_type"`
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ReplaceOriginal flexBool        `json:"replace_original"`
		DeleteOriginal  flexBool        `json:"delete_original"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		refuse(http.StatusBadRequest, "invalid_payload")
		return
	}
	if err := checkBlocks(msg.Blocks); err != nil {
		s.logf("response_url %s: invalid_blocks: %v", id, err)
		refuse(http.StatusBadRequest, "invalid_blocks")
		return
	}
	switch msg.ResponseType {
	case "", "ephemeral", "in_channel":
	default:
		refuse(http.StatusBadRequest, "invalid_response_type")
		return
	}
	if msg.Text == "" && len(msg.Blocks) == 0 && !msg.DeleteOriginal {
		refuse(http.StatusBadRequest, "no_text")
		return
	}
	rep.ResponseType = msg.ResponseType
	rep.Text = msg.Text
	rep.Blocks = msg.Blocks
	rep.ReplaceOriginal = bool(msg.ReplaceOriginal)
	rep.DeleteOriginal = bool(msg.DeleteOriginal)

	s.mu.Lock()
	e := s.envelopes[id]
	if e.uses >= MaxResponseURLUses {
		s.mu.Unlock()
		refuse(http.StatusNotFound, "used_url")
		return
	}
	e.uses++
	rep.Status = http.StatusOK
	s.attempts[id] = append(s.attempts[id], rep)
	s.replies[id] = append(s.replies[id], rep)
	s.allReplies = append(s.allReplies, rep)
	drop := s.dropAns > 0
	if drop {
		s.dropAns--
	}
	cut := !drop && s.cutAns > 0
	if cut {
		s.cutAns--
	}
	s.broadcastLocked()
	s.mu.Unlock()
	if cut {
		s.logf("response_url %s: reply taken, answered 200 with its body cut short", id)
		// The status and a part of the body, then the end of the
		// connection: Content-Length promises more than ever comes.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "11")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"ok":`)
		rc := http.NewResponseController(w)
		if rc.Flush() == nil {
			if conn, _, err := rc.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if drop {
		s.logf("response_url %s: reply taken, connection reset without an answer", id)
		// A reset, as a network that drops the answer leaves it: a clean
		// close on a kept-alive connection is what a server closing it as
		// idle sends, unread, and the bot rightly posts again after one.
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler) // closes the connection, answering nothing
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// DropResponseURLAnswers makes the next n posts that the fake takes as
// replies (any envelope) lose their answer: the reply counts, as Slack
// shows it, and the connection is then reset without a word, as a network
// that drops Slack's answer on its way back would.
func (s *Server) DropResponseURLAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAns = n
}

// CutResponseURLAnswers makes the next n posts that the fake takes as
// replies (any envelope) answered 200 with a body cut short: the reply
// counts, as Slack shows it, and the status says so, but the body ends
// before the length its header promised, as a connection dropped on the
// way back would leave it.
func (s *Server) CutResponseURLAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutAns = n
}

// FailResponseURL makes the next n response_url posts, for any envelope,
// fail with status. They do not count as replies or as uses of the URL;
// ResponseAttempts shows them.
func (s *Server) FailResponseURL(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failResp.n, s.failResp.status, s.failResp.code = n, status, ""
}

// FailResponseURLError is FailResponseURL with Slack's error code in the
// answer ({"ok":false,"error":code}), e.g. 400 "invalid_blocks" or 404
// "expired_url".
func (s *Server) FailResponseURLError(n int, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failResp.n, s.failResp.status, s.failResp.code = n, status, code
}

// Replies returns the accepted replies to envelopeID, oldest first.
func (s *Server) Replies(envelopeID string) []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.replies[envelopeID])
}

// AllReplies returns every accepted reply to any envelope, oldest first.
func (s *Server) AllReplies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.allReplies)
}

// ResponseAttempts returns every post to envelopeID's response_url,
// accepted or not, oldest first; Status tells them apart.
func (s *Server) ResponseAttempts(envelopeID string) []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts[envelopeID])
}

// WaitReplies waits until envelopeID has at least n accepted replies and
// returns all of them.
func (s *Server) WaitReplies(ctx context.Context, envelopeID string, n int) ([]Reply, error) {
	var out []Reply
	err := s.Wait(ctx, func() bool {
		out = s.Replies(envelopeID)
		return len(out) >= n
	})
	if err != nil {
		return out, errorf("wait for %d replies to %s (got %d): %w", n, envelopeID, len(out), err)
	}
	return out, nil
}

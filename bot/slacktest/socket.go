package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// MaxAckSize is the size from which Slack drops a Socket Mode response and
// closes the socket with code 1009.
const MaxAckSize = 20480

var upgrader = websocket.Upgrader{
	// slack-go always sends Origin: https://api.slack.com, which the default
	// same-origin check rejects.
	CheckOrigin: func(*http.Request) bool { return true },
}

// wsConn is one open Socket Mode connection.
type wsConn struct {
	id      int
	ws      *websocket.Conn
	writeMu sync.Mutex    // gorilla allows one concurrent writer
	done    chan struct{} // closed when the read loop ends
	// draining is set once a disconnect was sent: like Slack, the server
	// then delivers nothing more on it while it waits for the client to go.
	draining bool
}

// write sends one text frame, bounded by ctx's deadline and writeWait.
func (c *wsConn) write(ctx context.Context, frame []byte) error {
	_, err := c.writeAt(ctx, frame)
	return err
}

// writeAt is write that also says when the frame went to the socket (after
// any wait for the connection's writer), where Slack's ack timer starts.
func (c *wsConn) writeAt(ctx context.Context, frame []byte) (time.Time, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	at := time.Now()
	return at, c.writeLocked(ctx, frame)
}

// writeLocked is write for a caller that holds c.writeMu.
func (c *wsConn) writeLocked(ctx context.Context, frame []byte) error {
	deadline := time.Now().Add(writeWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// Envelope is a Socket Mode envelope as it was sent.
type Envelope struct {
	ID          string
	Type        string // "slash_commands" or "interactive"
	ResponseURL string
	Payload     json.RawMessage
}

// Ack is a frame the client sent back for an envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // absent when the client acked without a payload
	Size       int             // bytes of the whole frame
	// Late means it arrived after the ack timeout, when Slack would already
	// have shown the user an error.
	Late bool
	// TooLarge means it was MaxAckSize bytes or more: Slack drops it and
	// closes the socket with 1009, so it does not count as delivered.
	TooLarge bool
	// At is when the frame was read off the socket.
	At time.Time
}

type envelopeState struct {
	env      Envelope
	frame    []byte
	sentAt   time.Time
	wroteAt  time.Time   // when the first delivery went to the socket
	timer    *time.Timer // nil for acks of envelopes never sent
	acks     []Ack
	timedOut bool
	uses     int // accepted response_url posts
}

// handleLink upgrades GET /link/?ticket=… to a Socket Mode connection.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	if !s.tickets[ticket] {
		s.mu.Unlock()
		s.logf("refused socket: unknown or used ticket")
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	delete(s.tickets, ticket) // one use, even if the upgrade fails
	// Registered under the lock that Close takes, so Close either refuses
	// this connection above or waits for it.
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.logf("upgrade failed: %v", err)
		return
	}
	c := &wsConn{ws: ws, done: make(chan struct{})}
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.broadcastLocked()
		s.mu.Unlock()
		return nil
	})

	if !s.register(c) {
		ws.Close()
		return
	}
	s.wg.Add(1)
	go s.pinger(c)
	s.readLoop(c)

	close(c.done)
	ws.Close()
	s.unregister(c)
}

// register makes c available for delivery and sends hello. It reports false
// if the server closed or hello could not be written.
func (s *Server) register(c *wsConn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	c.id = s.nextIDLocked()
	hello := mustJSON(map[string]any{
		"type":            "hello",
		"num_connections": len(s.conns) + 1,
		"connection_info": map[string]any{"app_id": AppID},
		"debug_info": map[string]any{
			"host":                        fmt.Sprintf("applink-fake-%d", c.id),
			"build_number":                1,
			"approximate_connection_time": 3600,
		},
	})
	// The write lock is taken before c becomes visible, so hello is its
	// first frame even if an envelope is delivered at once; and a client that
	// has read hello finds the server ready to deliver.
	c.writeMu.Lock()
	s.conns = append(s.conns, c)
	s.hellos++
	s.broadcastLocked()
	s.logf("conn %d: open (%d open)", c.id, len(s.conns))
	s.mu.Unlock()

	err := c.writeLocked(context.Background(), hello)
	c.writeMu.Unlock()
	if err != nil {
		s.logf("conn %d: write hello: %v", c.id, err)
		s.unregister(c)
		return false
	}
	return true
}

func (s *Server) unregister(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.conns, c); i >= 0 {
		s.conns = slices.Delete(s.conns, i, i+1)
		s.logf("conn %d: closed (%d open)", c.id, len(s.conns))
	}
	s.broadcastLocked()
}

// pinger pings c until its read loop ends. Pings use WriteControl, which
// gorilla allows concurrently with the envelope writer.
func (s *Server) pinger(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.pingInterval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		paused := s.pingsPaused
		s.mu.Unlock()
		if paused {
			continue
		}
		if err := c.ws.WriteControl(websocket.PingMessage, fmt.Appendf(nil, "ping-%d", n), time.Now().Add(writeWait)); err != nil {
			// The read loop notices the broken connection and ends it.
			return
		}
	}
}

// readLoop records acks until the connection fails or is closed.
func (s *Server) readLoop(c *wsConn) {
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		var frame struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(msg, &frame); err != nil || frame.EnvelopeID == "" {
			s.logf("conn %d: ignored a frame that is not an ack (%d bytes)", c.id, len(msg))
			continue
		}
		tooLarge := len(msg) >= MaxAckSize
		s.recordAck(Ack{EnvelopeID: frame.EnvelopeID, Payload: frame.Payload, Size: len(msg), TooLarge: tooLarge, At: at})
		if tooLarge {
			s.logf("conn %d: ack of %d bytes, closing with 1009", c.id, len(msg))
			msg := websocket.FormatCloseMessage(websocket.CloseMessageTooBig, fmt.Sprintf("Max frame length of %d has been exceeded.", MaxAckSize))
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
			return
		}
	}
}

func (s *Server) recordAck(a Ack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.envelopes[a.EnvelopeID]
	if !ok {
		// An ack for an envelope the server never sent (a buggy or replayed
		// client). Keep it so tests can see it.
		e = &envelopeState{env: Envelope{ID: a.EnvelopeID}}
		s.envelopes[a.EnvelopeID] = e
	} else {
		a.Late = e.timedOut || time.Since(e.sentAt) > s.opts.ackTimeout
	}
	e.acks = append(e.acks, a)
	s.broadcastLocked()
}

// WaitConnected waits until at least one socket is open, greeted with hello
// and able to take envelopes (which queue behind the hello). After
// Disconnect it waits for the client's new socket.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.Wait(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.deliverableLocked() > 0
	})
}

func (s *Server) deliverableLocked() int {
	n := 0
	for _, c := range s.conns {
		if !c.draining {
			n++
		}
	}
	return n
}

// Opens counts successful apps.connections.open calls; each reconnect of a
// client adds one.
func (s *Server) Opens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// Hellos counts sockets that were accepted and greeted with hello.
func (s *Server) Hellos() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hellos
}

// Connections counts currently open sockets, including ones that were sent
// a disconnect and have not closed yet.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Pongs counts pongs received, i.e. answered pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// PausePings stops (true) or resumes (false) pinging. A client whose ping
// watchdog fires then reconnects.
func (s *Server) PausePings(paused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pingsPaused = paused
}

// Disconnect sends {"type":"disconnect","reason":reason} to every open
// socket, e.g. "refresh_requested", "warning", "link_disabled" or
// "too_many_websockets". Nothing more is delivered on those sockets.
func (s *Server) Disconnect(reason string) {
	frame, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "wss-fake"},
	})
	s.mu.Lock()
	var targets []*wsConn
	for _, c := range s.conns {
		if !c.draining {
			c.draining = true
			targets = append(targets, c)
		}
	}
	s.broadcastLocked()
	s.mu.Unlock()
	for _, c := range targets {
		if err := c.write(context.Background(), frame); err != nil {
			s.logf("conn %d: write disconnect: %v", c.id, err)
		}
	}
}

// DropConnections closes every socket abruptly, without a close frame, as a
// network failure would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.broadcastLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
}

// pickLocked chooses the next connection round robin.
func (s *Server) pickLocked() (*wsConn, error) {
	if s.closed {
		return nil, ErrClosed
	}
	var open []*wsConn
	for _, c := range s.conns {
		if !c.draining {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return nil, ErrNoConnection
	}
	s.rr++
	return open[s.rr%len(open)], nil
}

// deliver records env, starts its ack timer and sends it on one connection.
func (s *Server) deliver(ctx context.Context, env *Envelope, accepts bool) error {
	frame, err := json.Marshal(map[string]any{
		"envelope_id":              env.ID,
		"type":                     env.Type,
		"accepts_response_payload": accepts,
		"retry_attempt":            0,
		"retry_reason":             "",
		"payload":                  env.Payload,
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	c, err := s.pickLocked()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	// Recorded before the write so that an ack racing back finds it.
	e := &envelopeState{env: *env, frame: frame, sentAt: time.Now()}
	e.timer = time.AfterFunc(s.opts.ackTimeout, func() { s.ackTimedOut(e) })
	s.envelopes[env.ID] = e
	s.mu.Unlock()

	s.logf("envelope %s: sent on conn %d", env.ID, c.id)
	at, err := c.writeAt(ctx, frame)
	if err != nil {
		return errorf("deliver %s: %w", env.ID, err)
	}
	s.mu.Lock()
	e.wroteAt = at
	s.mu.Unlock()
	return nil
}

// AckLatency is the round trip of envelopeID's first delivery as Slack
// times it: from the envelope's write to the socket until its first ack was
// read off it. It leaves out what happens in this server around the socket
// (its locks, its waiters), which a busy test process would otherwise add
// to the client's figure. ok is false until the envelope is sent and acked.
func (s *Server) AckLatency(envelopeID string) (d time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.envelopes[envelopeID]
	if !found || e.wroteAt.IsZero() || len(e.acks) == 0 {
		return 0, false
	}
	return max(0, e.acks[0].At.Sub(e.wroteAt)), true
}

func (s *Server) ackTimedOut(e *envelopeState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(e.acks) > 0 {
		return
	}
	e.timedOut = true
	s.logf("envelope %s: not acked within %v", e.env.ID, s.opts.ackTimeout)
	s.broadcastLocked()
}

// Resend delivers an envelope again with the same envelope_id, as Slack does
// when it is unsure the first delivery arrived.
func (s *Server) Resend(ctx context.Context, e *Envelope) error {
	s.mu.Lock()
	st, ok := s.envelopes[e.ID]
	if !ok || st.frame == nil {
		s.mu.Unlock()
		return errorf("resend: unknown envelope %s", e.ID)
	}
	c, err := s.pickLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return c.write(ctx, st.frame)
}

// SendRaw sends frame as is on one connection, for hostile-payload tests.
// Nothing is recorded and no ack is expected.
func (s *Server) SendRaw(ctx context.Context, frame []byte) error {
	s.mu.Lock()
	c, err := s.pickLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return c.write(ctx, frame)
}

// WaitAck waits for the first ack of envelopeID and returns it.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var a Ack
	err := s.Wait(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if e, ok := s.envelopes[envelopeID]; ok && len(e.acks) > 0 {
			a = e.acks[0]
			return true
		}
		return false
	})
	if err != nil {
		return Ack{}, errorf("wait for ack of %s: %w", envelopeID, err)
	}
	return a, nil
}

// Acks counts the acks envelopeID received; more than one means the client
// acked a redelivery too.
func (s *Server) Acks(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.envelopes[envelopeID]; ok {
		return len(e.acks)
	}
	return 0
}

// TimedOut reports whether envelopeID went without an ack for longer than
// the ack timeout.
func (s *Server) TimedOut(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.envelopes[envelopeID]
	return ok && e.timedOut
}

// DisconnectOne sends {"type":"disconnect","reason":reason} to the oldest
// socket still taking envelopes, as Slack does when it refreshes one
// connection of an app that holds several. It reports false when no socket
// was open.
func (s *Server) DisconnectOne(reason string) bool {
	frame, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "wss-fake"},
	})
	s.mu.Lock()
	var target *wsConn
	for _, c := range s.conns {
		if !c.draining {
			c.draining = true
			target = c
			break
		}
	}
	s.broadcastLocked()
	s.mu.Unlock()
	if target == nil {
		return false
	}
	if err := target.write(context.Background(), frame); err != nil {
		s.logf("conn %d: write disconnect: %v", target.id, err)
	}
	return true
}

// DropOne closes the oldest socket abruptly, without a close frame, as the
// failure of one network path would. It reports false when none was open.
func (s *Server) DropOne() bool {
	s.mu.Lock()
	if len(s.conns) == 0 {
		s.mu.Unlock()
		return false
	}
	c := s.conns[0]
	s.conns = s.conns[1:]
	s.broadcastLocked()
	s.mu.Unlock()
	c.ws.Close()
	return true
}

// Deliverable counts open sockets that take envelopes (not sent a
// disconnect).
func (s *Server) Deliverable() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliverableLocked()
}

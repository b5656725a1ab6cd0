// Package slacksocket is a Slack Socket Mode connection that acknowledges
// every envelope in the goroutine that read it, before it parses the
// payload or hands anything on.
//
// slack-go's socketmode client passes each frame through three goroutines
// before its ack is written (reader, parser, the consumer that calls Ack,
// then the writer). Under load every hand-off waits for a free CPU, and the
// ack's tail latency is the sum of those waits. Here the reader writes the
// ack itself: one goroutine per connection, no channel between the frame
// and its ack. Everything else (apps.connections.open, the events and their
// types) is slack-go's, so the Bot reads the same socketmode.Event values.
package slacksocket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"lastactive/internal/backoff"
	"lastactive/internal/slackcode"
)

// Options tune a Client. Zero values take defaults.
type Options struct {
	// ReadLimit is the largest frame accepted; a larger one closes the
	// connection (Slack's frames are a few kB). Default 1 MiB.
	ReadLimit int64
	// PingInterval is how long the connection may stay silent (no ping,
	// no frame) before it is taken for dead and reopened. Slack pings every
	// few seconds. Default 30 s.
	PingInterval time.Duration
	// HandshakeTimeout bounds the WebSocket upgrade. Default 10 s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds one ack or pong write. Default 10 s.
	WriteTimeout time.Duration
	// Reconnect paces attempts to open a connection after one failed.
	// Zero fields: 1 s doubling up to 5 min.
	Reconnect backoff.Policy
	// Acked, when set, is told how long each ack took from the frame's
	// arrival to its write.
	Acked func(time.Duration)
	// Log gets the connection's own troubles; nil discards them.
	Log *slog.Logger
	// APIURL is the Slack Web API base URL the client's api was made
	// with (SLACK_API_URL): a WebSocket URL on its host is dialled as
	// Slack's own (trustedSocketURL). Default slack.APIURL.
	APIURL string
}

// Client is one Socket Mode connection, reopened when Slack refreshes it
// or it fails. Its zero value is not usable; call New.
type Client struct {
	api    *slack.Client
	apiURL *url.URL // Options.APIURL; nil if it does not parse (only Slack's domains are then dialled)
	opts   Options
	events chan socketmode.Event
	dialer websocket.Dialer
}

// New returns a Client that opens connections with api's app-level token.
func New(api *slack.Client, o Options) *Client {
	if o.ReadLimit <= 0 {
		o.ReadLimit = 1 << 20
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Reconnect.Base <= 0 {
		o.Reconnect.Base = time.Second
	}
	if o.Reconnect.Max <= 0 {
		o.Reconnect.Max = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.APIURL == "" {
		o.APIURL = slack.APIURL
	}
	apiURL, err := url.Parse(o.APIURL)
	if err != nil || apiURL.Host == "" {
		apiURL = nil
	}
	return &Client{
		api:    api,
		apiURL: apiURL,
		opts:   o,
		events: make(chan socketmode.Event, 50),
		dialer: websocket.Dialer{
			Proxy:            http.ProxyFromEnvironment,
			HandshakeTimeout: o.HandshakeTimeout,
		},
	}
}

// Events is where envelopes arrive, each already acknowledged, and the
// connection's state changes. It must be drained until RunContext has
// returned: an envelope acked is handed on even after a stop, since Slack
// will not send it again.
func (c *Client) Events() <-chan socketmode.Event { return c.events }

// fatalAuth are apps.connections.open's answers that no retry fixes: a
// token refused, not an app-level one (a bot token in SLACK_APP_TOKEN), or
// without connections:write. RunContext returns them, and the Bot says so
// loudly and retries slowly.
var fatalAuth = map[string]bool{"invalid_auth": true, "account_inactive": true, "not_authed": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "missing_scope": true}

// RunContext keeps a connection open until ctx is done (it then returns
// ctx's error) or Slack refuses the app token (it returns that error).
func (c *Client) RunContext(ctx context.Context) error {
	short := 0 // connections in a row that ended within minLife
	for n := 0; ; n++ {
		conn, info, err := c.open(ctx, n)
		if err != nil {
			return err
		}
		c.send(ctx, socketmode.Event{Type: socketmode.EventTypeConnected,
			Data: &socketmode.ConnectedEvent{ConnectionCount: n, Info: info}})
		opened := time.Now()
		err = c.serve(ctx, conn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lived := time.Since(opened)
		if lived >= minLife || (errors.Is(err, errRefresh) && lived >= minRefreshLife) {
			// Slack's own refresh reopens at once, however often it comes.
			short = 0
			c.opts.Log.Debug("socket mode: reopening", "err", err)
			continue
		}
		// A connection that ends as soon as it opens (a frame over the read
		// limit that Slack sends again, a refresh loop) is reopened at once
		// a few times, as a refresh is, then with backoff: never in a tight
		// loop against Slack.
		short++
		if short <= quickReopens {
			continue
		}
		wait := min(c.opts.Reconnect.Delay(short-quickReopens, nil), maxFlapWait)
		c.send(ctx, socketmode.Event{Type: socketmode.EventTypeConnectionError,
			Data: &slack.ConnectionErrorEvent{Attempt: short, Backoff: wait,
				ErrorObj: fmt.Errorf("socket mode: connection %d in a row to end within %v: %w", short, minLife, err)}})
		if err := backoff.Sleep(ctx, nil, wait); err != nil {
			return err
		}
	}
}

// A connection that ends within minLife of opening counts toward backoff,
// unless Slack asked for a new one after at least minRefreshLife (a refresh
// as soon as a connection opens is a loop, not a refresh); quickReopens of
// them in a row are reopened at once, the next after a wait of at most
// maxFlapWait, so that a network that heals finds the bot back soon.
const (
	minLife        = 10 * time.Second
	minRefreshLife = time.Second
	quickReopens   = 3
	maxFlapWait    = 30 * time.Second
)

// errRefresh is serve's answer when Slack asked for a new connection.
var errRefresh = errors.New("socket mode: Slack asked for a new connection")

// refreshReasons are the disconnect reasons of Slack's routine refresh:
// the connection is replaced, however often that comes.
var refreshReasons = map[string]bool{"refresh_requested": true, "warning": true}

// open calls apps.connections.open and dials the URL it gives, retrying
// what may pass.
func (c *Client) open(ctx context.Context, n int) (*websocket.Conn, *slack.SocketModeConnection, error) {
	for failures := 1; ; failures++ {
		c.send(ctx, socketmode.Event{Type: socketmode.EventTypeConnecting,
			Data: &slack.ConnectingEvent{Attempt: failures, ConnectionCount: n}})
		conn, info, err := c.dial(ctx)
		if err == nil {
			return conn, info, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if fatalAuth[err.Error()] {
			return nil, nil, err
		}
		if code, ok := errors.AsType[slack.StatusCodeError](err); ok && code.Code == http.StatusNotFound {
			c.send(ctx, socketmode.Event{Type: socketmode.EventTypeInvalidAuth, Data: &slack.InvalidAuthEvent{}})
			return nil, nil, err
		}
		wait := c.opts.Reconnect.Delay(failures, nil)
		if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok && rl.RetryAfter > wait {
			wait = min(rl.RetryAfter, c.opts.Reconnect.Max)
		}
		c.send(ctx, socketmode.Event{Type: socketmode.EventTypeConnectionError,
			Data: &slack.ConnectionErrorEvent{Attempt: failures, Backoff: wait, ErrorObj: err}})
		if err := backoff.Sleep(ctx, nil, wait); err != nil {
			return nil, nil, err
		}
	}
}

func (c *Client) dial(ctx context.Context) (*websocket.Conn, *slack.SocketModeConnection, error) {
	info, wsURL, err := c.api.StartSocketModeContext(ctx)
	if resp, ok := errors.AsType[slack.SlackErrorResponse](err); ok && !slackcode.Valid(resp.Err) {
		// Not a code: a proxy or a broken Slack repeating the request,
		// whose Authorization header is the app token.
		return nil, nil, errors.New("apps.connections.open: Slack's error is not an error code (not shown)")
	}
	if err != nil {
		return nil, nil, err
	}
	if u, perr := url.Parse(wsURL); perr == nil && u.Hostname() == "" {
		// ws:///link or wss://:443/…: the dialer would take this
		// machine for the host.
		return nil, nil, errors.New("socket mode: the WebSocket URL Slack gave has no host")
	}
	if u, perr := url.Parse(wsURL); perr == nil && !trustedSocketURL(c.apiURL, u) {
		// The host and scheme only: the query is a connection ticket.
		return nil, nil, fmt.Errorf("socket mode: the WebSocket URL Slack gave (%.16s://%.100s) is neither wss:// on Slack's domain "+
			"nor on SLACK_API_URL's host; not dialled", u.Scheme, u.Host)
	}
	h := http.Header{}
	h.Set("Origin", "https://api.slack.com")
	conn, resp, err := c.dialWS(ctx, wsURL, h)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		// url.Error quotes the whole URL, and its query is a connection
		// ticket: keep only what went wrong.
		err = fmt.Errorf("the WebSocket URL Slack gave does not parse: %w", ue.Err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("socket mode: WebSocket dial: %w", err)
	}
	return conn, info, nil
}

// dialWS is c.dialer.DialContext, ended by ctx even mid-upgrade. gorilla
// bounds the upgrade (the TLS handshake and the HTTP answer) by the
// context's deadline alone, not its cancellation: a stop while the upgrade
// went unanswered waited out HandshakeTimeout, and the contract's 10 s with
// it. Each connection the dialer makes is closed if ctx ends before the
// dial returns.
func (c *Client) dialWS(ctx context.Context, wsURL string, h http.Header) (*websocket.Conn, *http.Response, error) {
	var (
		mu    sync.Mutex
		stops []func() bool
	)
	d := c.dialer
	d.NetDialContext = func(dctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
		mu.Lock()
		stops = append(stops, stop)
		mu.Unlock()
		return nc, nil
	}
	conn, resp, err := d.DialContext(ctx, wsURL, h)
	// Not kept for the connection's life: serve closes it on ctx itself.
	mu.Lock()
	for _, stop := range stops {
		stop()
	}
	mu.Unlock()
	return conn, resp, err
}

// trustedSocketURL reports whether u, the WebSocket URL apps.connections.open
// gave, may be dialled: wss on Slack's own domains (wss-primary.slack.com;
// slack-gov.com for GovSlack), as Slack gives it, or on the host of api, the
// Web API base URL in use (a test's fake, an enterprise proxy), in clear text
// only when api is itself plain http (on loopback alone, as the
// configuration allows). The connection carries every request made of the
// bot with its response_url, a capability to post as the app: in clear
// text, or to a host Slack did not name, whoever is on the way reads them
// and can forge requests. A failed check is reported and retried as any
// dial that failed.
func trustedSocketURL(api, u *url.URL) bool {
	if u.User != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if api != nil && strings.EqualFold(host, api.Hostname()) {
		switch strings.ToLower(api.Scheme) {
		case "https":
			return scheme == "wss"
		case "http":
			return scheme == "ws" || scheme == "wss"
		}
	}
	if scheme != "wss" || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	for _, d := range []string{"slack.com", "slack-gov.com"} {
		if strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// serve reads conn until it fails, Slack asks for a new one, or ctx is
// done. It closes conn.
func (c *Client) serve(ctx context.Context, conn *websocket.Conn) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	conn.SetReadLimit(c.opts.ReadLimit)

	// A read deadline, pushed on by every ping and frame, is the dead man's
	// switch: no goroutine watches the connection. Ping handlers run inside
	// the reads below, in this goroutine.
	var extended time.Time
	alive := func(now time.Time) {
		if now.Sub(extended) < time.Second {
			return
		}
		extended = now
		_ = conn.SetReadDeadline(now.Add(c.opts.PingInterval))
	}
	alive(time.Now())
	// A ping between the fragments of a frame proves nothing: pings that
	// pushed the deadline on would hold a frame trickled a byte at a time
	// (a hostile proxy) open until the read limit, the connection counted
	// open and delivering nothing. A frame must end within PingInterval.
	// Nor does a ping before the connection's first frame: Slack says
	// hello as soon as it has the connection, so a WebSocket pinged but
	// never greeted (a proxy keeping its own side alive, an edge that lost
	// the app) delivers nothing, and was held for ever, counted open. The
	// first frame (hello, or any, for a server that sends none) must come
	// within PingInterval of the upgrade.
	inFrame, greeted := false, false
	conn.SetPingHandler(func(data string) error {
		if !inFrame && greeted {
			alive(time.Now())
		}
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.opts.WriteTimeout))
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			return err
		}
		return nil
	})

	ack := make([]byte, 0, 64)
	var frames frameBuf
	for {
		// Text or binary alike: slack-go reads either as JSON.
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		inFrame = true
		frame, err := frames.read(r)
		inFrame = false
		if err != nil {
			return err
		}
		arrived := time.Now()
		greeted = true
		alive(arrived)
		if ctx.Err() != nil {
			// Stopping: what is not acked, Slack sends to another
			// connection; what is acked must reach the consumer.
			return ctx.Err()
		}
		req, id, perr := head(frame)
		if id != "" {
			ack = appendAck(ack[:0], id)
			if err := c.write(conn, ack); err != nil {
				// Slack redelivers what was not acked, on a new connection.
				return fmt.Errorf("socket mode: ack: %w", err)
			}
			if c.opts.Acked != nil {
				c.opts.Acked(time.Since(arrived))
			}
		}
		// frame is overwritten by the next read: what is handed on keeps
		// a copy (the request and event hold none of its bytes).
		if perr != nil {
			c.send(ctx, badMessage(perr, bytes.Clone(frame)))
			continue
		}
		evt, err := parse(req)
		if err != nil {
			c.send(ctx, badMessage(err, bytes.Clone(frame)))
			continue
		}
		if evt.Type == socketmode.EventTypeDisconnect {
			// Even one that carries an envelope ID (acked above): the Bot
			// counts this connection closed from here on.
			c.send(ctx, evt)
			if refreshReasons[req.Reason] {
				return fmt.Errorf("%w (%s)", errRefresh, req.Reason)
			}
			// link_disabled (Socket Mode turned off), too_many_websockets,
			// or a reason Slack does not document: no refresh, so a loop
			// of them backs off as a failing connection does.
			return fmt.Errorf("socket mode: Slack closed the connection (%.64q)", req.Reason)
		}
		if id != "" {
			// Acked: Slack will not send it again, so it is handed on even
			// if the stop came meanwhile (Events is drained until
			// RunContext returns).
			c.events <- evt
			continue
		}
		c.send(ctx, evt)
	}
}

func (c *Client) write(conn *websocket.Conn, msg []byte) error {
	if err := conn.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout)); err != nil {
		return err
	}
	return conn.WriteMessage(websocket.TextMessage, msg)
}

// send hands evt to the consumer, or drops it when ctx is done.
func (c *Client) send(ctx context.Context, evt socketmode.Event) {
	select {
	case c.events <- evt:
	case <-ctx.Done():
	}
}

// head decodes a frame's request without its payload, and the envelope ID
// to ack: that of the request, or, when the request did not decode (a field
// of the wrong type), whatever envelope_id the frame has, so that Slack
// does not send it again and again.
func head(frame []byte) (*socketmode.Request, string, error) {
	req := new(socketmode.Request)
	if err := json.Unmarshal(frame, req); err != nil {
		return nil, ackable(envelopeID(frame)), fmt.Errorf("unmarshalling WebSocket message: %w", err)
	}
	if id := ackable(req.EnvelopeID); id != req.EnvelopeID {
		return nil, "", fmt.Errorf("an envelope ID of %d bytes", len(req.EnvelopeID))
	}
	return req, req.EnvelopeID, nil
}

// frameBuf reads each frame of a connection into the same buffer, which
// io.ReadAll would allocate anew and grow from 512 bytes for every
// envelope. A frame is decoded before the next is read; one larger than
// keptFrame (a rare big payload) is not kept for the connection's life.
type frameBuf struct{ b []byte }

// keptFrame is the largest buffer frameBuf keeps between frames.
const keptFrame = 64 << 10

// read returns r's bytes, valid until the next read; its errors are
// io.ReadAll's.
func (f *frameBuf) read(r io.Reader) ([]byte, error) {
	if cap(f.b) > keptFrame {
		f.b = nil
	}
	if f.b == nil {
		f.b = make([]byte, 0, 4096)
	}
	b := f.b[:0]
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			f.b = b
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // room for more, as io.ReadAll grows
		}
	}
}

// maxEnvelopeID is the longest envelope ID acked. Slack's are 36 bytes; an
// ack of 20 kB or more makes Slack close the socket, and one so large
// would come back on every reconnect.
const maxEnvelopeID = 1024

func ackable(id string) string {
	if len(id) > maxEnvelopeID {
		return ""
	}
	return id
}

func badMessage(cause error, frame []byte) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeErrorBadMessage,
		Data: &socketmode.ErrorBadMessage{Cause: cause, Message: frame}}
}

// maxDepth is the deepest nesting of objects and arrays parsed. Slack's
// payloads nest about a dozen levels (rich text in a message's blocks);
// slack-go decodes Block Kit level by level, each level decoding all below
// it again, so a frame nested a thousand deep costs seconds of this
// connection's only goroutine, while later envelopes wait for their ack.
const maxDepth = 32

// parse turns a request into the event slack-go would emit for it.
func parse(req *socketmode.Request) (socketmode.Event, error) {
	evt := socketmode.Event{Type: socketmode.EventType(req.Type), Request: req}
	if d := depth(req.Payload); d > maxDepth {
		return evt, fmt.Errorf("a payload nested %d deep, more than %d", d, maxDepth)
	}
	switch req.Type {
	case socketmode.RequestTypeHello, socketmode.RequestTypeDisconnect:
	case socketmode.RequestTypeSlashCommands:
		cmd, err := decodeSlash(req.Payload)
		if err != nil {
			var ok bool
			if cmd, ok = leanSlashCommand(req.Payload); !ok {
				return evt, fmt.Errorf("parsing slash command: %w", err)
			}
		}
		evt.Data = cmd
	case socketmode.RequestTypeInteractive:
		var cb slack.InteractionCallback
		if err := json.Unmarshal(req.Payload, &cb); err != nil {
			lean, ok := leanInteraction(req.Payload)
			if cb = (slack.InteractionCallback{}); !ok || json.Unmarshal(lean, &cb) != nil {
				return evt, fmt.Errorf("parsing interaction callback: %w", err)
			}
		}
		evt.Data = cb
	case socketmode.RequestTypeEventsAPI:
		ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			lean, ok := leanAppHomeOpened(req.Payload)
			if !ok {
				return evt, fmt.Errorf("parsing Events API event: %w", err)
			}
			if ev, err = slackevents.ParseEvent(lean, slackevents.OptionNoVerifyToken()); err != nil {
				return evt, fmt.Errorf("parsing Events API event: %w", err)
			}
		}
		evt.Data = ev
	default:
		return evt, fmt.Errorf("unsupported Socket Mode message type %q", req.Type)
	}
	return evt, nil
}

// SlashCommandCopy is slack.SlashCommand without its UnmarshalJSON method,
// named as slack-go names its own, so that a field of the wrong type is
// reported in the same words (".SlashCommandCopy.text").
type SlashCommandCopy slack.SlashCommand

// decodeSlash reads a slash command's payload as slack-go's
// SlashCommand.UnmarshalJSON does (the same wire struct, the same
// is_enterprise_install rules and errors), in one pass: through the method,
// encoding/json skips the payload, then the method checks and decodes it
// again into a wrapper on the heap (TestSlashPayloadAsSlackGoReadsIt,
// TestDecodeSlashCommandAllocations).
func decodeSlash(payload []byte) (cmd slack.SlashCommand, err error) {
	w := struct {
		*SlashCommandCopy
		IsEnterpriseInstall any `json:"is_enterprise_install"`
	}{SlashCommandCopy: (*SlashCommandCopy)(&cmd)}
	if err := json.Unmarshal(payload, &w); err != nil {
		return cmd, err
	}
	switch v := w.IsEnterpriseInstall.(type) {
	case nil:
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cmd, fmt.Errorf("parsing boolean for is_enterprise_install: %w", err)
		}
		cmd.IsEnterpriseInstall = b
	case bool:
		cmd.IsEnterpriseInstall = v
	default:
		return cmd, fmt.Errorf("wrong data type for is_enterprise_install: %T", w.IsEnterpriseInstall)
	}
	return cmd, nil
}

// slashNeeds are the fields of a slash command the bot reads: one of
// them present but not a string makes the command unreadable.
var slashNeeds = []string{"command", "text", "user_id", "team_id", "channel_id", "enterprise_id", "response_url", "trigger_id"}

// leanSlashCommand reads a slash command that slack-go refused for a field
// the bot does not use (is_enterprise_install as "", a name as a number):
// the person who typed it was otherwise answered by nobody. Every field the
// bot does not read is kept when it is a string (or, for
// is_enterprise_install, a boolean) and dropped otherwise; a field in
// slashNeeds of another type than a string is not guessed at (ok false).
func leanSlashCommand(payload []byte) (cmd slack.SlashCommand, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(payload, &top) != nil || top == nil {
		return cmd, false
	}
	for _, k := range slashNeeds {
		if v, had := top[k]; had && !jsonString(v) && string(v) != "null" {
			return cmd, false
		}
	}
	for k, v := range top {
		if k == "is_enterprise_install" {
			switch string(v) {
			case "true", "false":
			case `"true"`:
				top[k] = json.RawMessage("true")
			default:
				delete(top, k)
			}
			continue
		}
		if !jsonString(v) {
			delete(top, k)
		}
	}
	b, err := json.Marshal(top)
	if err != nil || json.Unmarshal(b, &cmd) != nil {
		return slack.SlashCommand{}, false
	}
	return cmd, true
}

// jsonString reports whether v, one JSON value, is a string.
func jsonString(v json.RawMessage) bool { return len(v) > 0 && v[0] == '"' }

// leanMessage are the fields of an interaction's message kept when the
// whole payload did not decode: its author and place, each a string.
var leanMessage = []string{"type", "subtype", "user", "bot_id", "app_id", "team", "ts", "thread_ts", "text"}

// leanInteraction is an interactive payload that slack-go refused, with the
// parts no consumer reads taken out: the message reduced to leanMessage,
// the view, state and original message dropped. A message shortcut carries
// the whole message it was used on, written by any person or app, and
// slack-go refuses the whole payload for one part of it it does not know (a
// block element newer than the library, an attachment ID as a string): the
// asker then got no answer at all. ok is false when there is nothing to
// take out, so the first error stands.
func leanInteraction(payload []byte) (lean []byte, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(payload, &top) != nil {
		return nil, false
	}
	for _, k := range []string{"view", "state", "original_message"} {
		if _, had := top[k]; had {
			delete(top, k)
			ok = true
		}
	}
	if raw, had := top["message"]; had {
		var msg map[string]json.RawMessage
		if json.Unmarshal(raw, &msg) != nil {
			return nil, false
		}
		kept := make(map[string]json.RawMessage, len(leanMessage))
		for _, k := range leanMessage {
			if v := msg[k]; len(v) > 0 && v[0] == '"' {
				kept[k] = v
			}
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return nil, false
		}
		top["message"], ok = b, true
	}
	if !ok {
		return nil, false
	}
	lean, err := json.Marshal(top)
	return lean, err == nil
}

// leanHomeOuter and leanHomeEvent are the fields of an app_home_opened
// callback and of its event kept when slack-go refused it: the strings
// among them (the bot reads the opener and the tab).
var (
	leanHomeOuter = []string{"token", "team_id", "api_app_id", "enterprise_id", "event_id"}
	leanHomeEvent = []string{"user", "channel", "tab", "event_ts"}
)

// leanAppHomeOpened is an Events API payload that slack-go refused, when it
// is an app_home_opened event, reduced to what the bot reads: the event's
// type, opener and tab and the callback's IDs, each kept when it is a
// string (a tab of another type is dropped: the Home is then published, as
// for an open that names no tab). The event
// carries the Home view the bot last published, echoed by Slack with what
// it adds, and slack-go refuses the whole event for one part of that view
// (a block element newer than the library): the Home then never refreshed.
// ok is false for any other payload, or when the opener is there but not a
// string (not guessed at): the first error stands.
func leanAppHomeOpened(payload []byte) (lean []byte, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(payload, &top) != nil || string(top["type"]) != `"`+slackevents.CallbackEvent+`"` {
		return nil, false
	}
	var inner map[string]json.RawMessage
	if json.Unmarshal(top["event"], &inner) != nil || string(inner["type"]) != `"`+string(slackevents.AppHomeOpened)+`"` {
		return nil, false
	}
	if v, had := inner["user"]; had && !jsonString(v) && string(v) != "null" {
		return nil, false
	}
	event := map[string]json.RawMessage{"type": inner["type"]}
	for _, k := range leanHomeEvent {
		if v := inner[k]; jsonString(v) {
			event[k] = v
		}
	}
	b, err := json.Marshal(event)
	if err != nil {
		return nil, false
	}
	outer := map[string]json.RawMessage{"type": top["type"], "event": b}
	for _, k := range leanHomeOuter {
		if v := top[k]; jsonString(v) {
			outer[k] = v
		}
	}
	lean, err = json.Marshal(outer)
	return lean, err == nil
}

// envelopeID finds the envelope ID of a frame whose request did not
// decode.
func envelopeID(frame []byte) string {
	var env struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(frame, &env) != nil {
		return ""
	}
	return env.EnvelopeID
}

// appendAck appends the ack of envelope id: {"envelope_id":"…"}.
func appendAck(b []byte, id string) []byte {
	b = append(b, `{"envelope_id":`...)
	if safeID(id) {
		b = append(b, '"')
		b = append(b, id...)
		return append(b, '"', '}')
	}
	q, _ := json.Marshal(id)
	b = append(b, q...)
	return append(b, '}')
}

// safeID reports whether id needs no JSON escaping (Slack's IDs are
// letters, digits and dashes).
func safeID(id string) bool {
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f {
			return false
		}
	}
	return true
}

// depth is the deepest nesting of objects and arrays in JSON text b (which
// json.Unmarshal has already checked), counting strings out.
func depth(b []byte) int {
	d, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

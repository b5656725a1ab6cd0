package slacksocket

import (
	"net/url"

	"github.com/slack-go/slack/socketmode"
)

// Decode is what a connection does with one frame, without the socket: the
// envelope ID it acks ("" for none), the ack it writes, and the event it
// hands on.
func Decode(frame []byte) (id string, ack []byte, evt socketmode.Event) {
	req, id, err := head(frame)
	if id != "" {
		ack = appendAck(nil, id)
	}
	if err != nil {
		return id, ack, badMessage(err, frame)
	}
	evt, err = parse(req)
	if err != nil {
		return id, ack, badMessage(err, frame)
	}
	return id, ack, evt
}

// LeanAppHomeOpened is leanAppHomeOpened.
var LeanAppHomeOpened = leanAppHomeOpened

// TrustedSocketURL is trustedSocketURL on URLs as text.
func TrustedSocketURL(api, ws string) bool {
	a, err := url.Parse(api)
	if err != nil {
		return false
	}
	u, err := url.Parse(ws)
	return err == nil && trustedSocketURL(a, u)
}

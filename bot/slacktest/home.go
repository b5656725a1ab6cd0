package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// HomeView is one views.publish the fake accepted.
type HomeView struct {
	UserID string
	View   json.RawMessage // the view object as sent
	Blocks []map[string]any
}

// Message is one chat.postMessage the fake accepted.
type Message struct {
	Channel string
	Text    string
	Blocks  []map[string]any
}

// viewsPublish checks a Home tab as Slack does: a user, a view of type
// home, at most 100 blocks with unique block IDs, each within Block Kit's
// limits.
func (s *Server) viewsPublish(p url.Values) (map[string]any, error) {
	user := p.Get("user_id")
	if user == "" {
		return nil, apiError("invalid_arguments")
	}
	var view struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(p.Get("view")), &view); err != nil || view.Type != "home" {
		return nil, apiError("invalid_arguments")
	}
	var blocks []map[string]any
	if err := json.Unmarshal(view.Blocks, &blocks); err != nil || len(blocks) == 0 || len(blocks) > 100 {
		return nil, apiError("invalid_blocks")
	}
	if err := checkBlockLimits(blocks, maxViewBlocks); err != nil {
		s.logf("views.publish: invalid_blocks: %v", err)
		return nil, apiError("invalid_blocks")
	}
	if err := s.checkSlackFiles(blocks); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.homes = append(s.homes, HomeView{UserID: user, View: json.RawMessage(p.Get("view")), Blocks: blocks})
	s.mu.Unlock()
	return map[string]any{"view": map[string]any{"id": "V" + randomHex(5), "type": "home"}}, nil
}

// checkSlackFiles refuses image blocks whose slack_file was never uploaded
// and completed here, as Slack answers invalid_blocks for them.
func (s *Server) checkSlackFiles(blocks []map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range blocks {
		if b["type"] != "image" {
			continue
		}
		f, _ := b["slack_file"].(map[string]any)
		id, _ := f["id"].(string)
		if u := s.uploadLocked(id); f != nil && (u == nil || !u.Completed) {
			return apiError("invalid_blocks")
		}
	}
	return nil
}

// HomeViews returns the Home tabs published, oldest first; userID "" means all.
func (s *Server) HomeViews(userID string) []HomeView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HomeView
	for _, h := range s.homes {
		if userID == "" || h.UserID == userID {
			out = append(out, h)
		}
	}
	return out
}

// Messages returns the chat.postMessage calls the fake accepted for
// channel, oldest first.
func (s *Server) Messages(channel string) []Message {
	var out []Message
	for _, c := range s.Calls("chat.postMessage") {
		if c.Error != "" || c.Params.Get("channel") != channel {
			continue
		}
		m := Message{Channel: channel, Text: c.Params.Get("text")}
		_ = json.Unmarshal([]byte(c.Params.Get("blocks")), &m.Blocks)
		out = append(out, m)
	}
	return out
}

// AppHomeOpened delivers an events_api envelope with an app_home_opened
// event for userID's Home tab, as Slack does when they open it.
func (s *Server) AppHomeOpened(ctx context.Context, userID string) (*Envelope, error) {
	return s.AppHomeOpenedWithView(ctx, userID, nil)
}

// AppHomeOpenedWithView is AppHomeOpened with the event's view: Slack sends
// the Home view last published for the user, as it echoes it (with block
// IDs, state and fields it adds). nil: no view, as before any publish.
func (s *Server) AppHomeOpenedWithView(ctx context.Context, userID string, view json.RawMessage) (*Envelope, error) {
	env := s.newEnvelope("events_api")
	env.ResponseURL = "" // events have none
	now := time.Now()
	event := map[string]any{
		"type":     "app_home_opened",
		"user":     userID,
		"channel":  "D" + userID[1:],
		"tab":      "home",
		"event_ts": fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
	}
	if view != nil {
		event["view"] = view
	}
	env.Payload = mustJSON(map[string]any{
		"token":      VerificationToken,
		"team_id":    TeamID,
		"api_app_id": AppID,
		"type":       "event_callback",
		"event_id":   "Ev" + randomHex(5),
		"event_time": now.Unix(),
		"event":      event,
	})
	if err := s.deliver(ctx, env, false); err != nil {
		return nil, err
	}
	return env, nil
}

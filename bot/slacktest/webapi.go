package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// User is a workspace member that users.info, users.lookupByEmail and
// users.list know.
type User struct {
	ID       string
	Name     string
	RealName string
	Email    string // profile.email, which needs the users:read.email scope
	IsBot    bool
	Deleted  bool
	// Extra and ProfileExtra are more fields of the user object and of its
	// profile, as Slack adds them or sends them with another type than a
	// client expects (a profile's status_expiration as "0").
	Extra, ProfileExtra map[string]any
}

// Call is one Web API request as the fake received it.
type Call struct {
	Method  string
	Params  url.Values // form, query or JSON body fields; "token" is REDACTED
	TokenOK bool       // the request carried the right, valid token
	Status  int        // HTTP status the fake answered
	Error   string     // the "error" of an ok:false answer
}

// Upload is a file uploaded through files.getUploadURLExternal, the upload
// URL and files.completeUploadExternal.
type Upload struct {
	FileID         string
	Filename       string
	Length         int // as declared to files.getUploadURLExternal
	Content        []byte
	Uploaded       bool // the bytes were posted to the upload URL
	Completed      bool // files.completeUploadExternal named this file
	Title          string
	ChannelID      string
	Channels       []string
	InitialComment string
	ThreadTS       string
}

type failure struct {
	n          int
	status     int
	retryAfter string
	code       string
	detail     map[string]any // more fields of the ok:false answer
	raw        *string        // the whole body of a 200 answer (FailMethodBody)
}

// apiError is an ok:false answer; Slack sends most of them with status 200.
type apiError string

func (e apiError) Error() string { return string(e) }

// AddUser adds or replaces a member of the workspace.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// FailMethod makes the next n calls of a Web API method (e.g. "users.info")
// fail with HTTP status. retryAfter, when not empty, is sent as Retry-After,
// which slack-go turns into a *slack.RateLimitedError on 429.
func (s *Server) FailMethod(method string, n int, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &failure{n: n, status: status, retryAfter: retryAfter}
}

// FailMethodError makes the next n calls of a Web API method answer
// 200 {"ok":false,"error":code}, e.g. "missing_scope" or "ratelimited".
func (s *Server) FailMethodError(method string, n int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &failure{n: n, status: http.StatusOK, code: code}
}

// FailMethodBody makes the next n calls of a Web API method answer 200
// with body as it is (a proxy's HTML page, a cut answer, a field of
// another type): an answer slack-go cannot decode.
func (s *Server) FailMethodBody(method string, n int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &failure{n: n, status: http.StatusOK, raw: &body}
}

// FailMethodDetail is FailMethodError with more fields in the answer, as
// Slack sends them: "needed" and "provided" with missing_scope,
// "response_metadata": {"messages": [...]} with invalid_blocks.
func (s *Server) FailMethodDetail(method string, n int, code string, detail map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &failure{n: n, status: http.StatusOK, code: code, detail: detail}
}

// Calls returns the recorded calls of a Web API method, oldest first; an
// empty method returns every call.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params = cloneValues(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// AnswerUploadEarly makes the next post to an upload URL answered 200 "OK"
// once after bytes of its body have arrived, the rest read while or after
// the answer goes out: a server that answers before the whole file is
// sent. The file is taken as uploaded, with the bytes read by then.
func (s *Server) AnswerUploadEarly(after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answerEarly = after
}

// SetUploadBase makes files.getUploadURLExternal hand out upload URLs under
// base (another server's URL) instead of the fake's own host: an answer
// that steers a file somewhere else. "" restores the fake's own.
func (s *Server) SetUploadBase(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploadBase = base
}

// Uploads returns every file an upload URL was handed out for, oldest first.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, 0, len(s.uploads))
	for _, u := range s.uploads {
		c := *u
		c.Content = append([]byte(nil), u.Content...)
		c.Channels = append([]string(nil), u.Channels...)
		out = append(out, c)
	}
	return out
}

// handleAPI serves {APIURL}{method}.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	params, err := readParams(r)
	if err != nil {
		s.logf("%s: unreadable request: %v", method, err)
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	// The token may come in the form (slack-go's Web API calls) or as a
	// Bearer header (apps.connections.open, other clients).
	formToken := params.Get("token")
	headerToken, _ := bearer(r)
	if params.Has("token") {
		params.Set("token", "REDACTED")
	}
	call := Call{Method: method, Params: params}

	s.mu.Lock()
	var injected *failure
	if f := s.failures[method]; f != nil && f.n > 0 {
		f.n--
		injected = f
	}
	s.mu.Unlock()

	var (
		body  map[string]any
		apErr error
	)
	if method == "apps.connections.open" {
		// Slack refuses an app token sent as a form field here.
		call.TokenOK = s.checkAppToken(headerToken) == nil
		if injected == nil {
			body, apErr = s.appsConnectionsOpen(headerToken)
		}
	} else {
		token := formToken
		if token == "" {
			token = headerToken
		}
		tokErr := s.checkBotToken(token)
		call.TokenOK = tokErr == nil
		s.mu.Lock()
		if scopes := s.botScopes; tokErr == nil && scopes != "" {
			w.Header().Set("X-OAuth-Scopes", scopes)
		}
		s.mu.Unlock()
		if injected == nil {
			if tokErr != nil {
				apErr = tokErr
			} else {
				body, apErr = s.dispatch(method, params)
			}
		}
	}

	status := http.StatusOK
	switch {
	case injected != nil && injected.raw != nil:
		call.Status = status
		s.logf("%s: answered 200 with a body of %d bytes", method, len(*injected.raw))
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.broadcastLocked()
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, *injected.raw)
		return
	case injected != nil && injected.code != "":
		body = map[string]any{"ok": false, "error": injected.code}
		for k, v := range injected.detail {
			body[k] = v
		}
		call.Error = injected.code
	case injected != nil:
		status = injected.status
		if injected.retryAfter != "" {
			w.Header().Set("Retry-After", injected.retryAfter)
		}
		body = map[string]any{"ok": false, "error": "ratelimited"}
		if status != http.StatusTooManyRequests {
			body["error"] = "fatal_error"
		}
		call.Error = body["error"].(string)
	case apErr != nil:
		body = map[string]any{"ok": false, "error": apErr.Error()}
		call.Error = apErr.Error()
	default:
		body["ok"] = true
	}
	call.Status = status
	if call.Error != "" {
		s.logf("%s: answered %d %s", method, status, call.Error)
	}

	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.broadcastLocked()
	s.mu.Unlock()
	writeJSON(w, status, body)
}

// dispatch answers the bot-token methods; each behaves as documented at
// https://docs.slack.dev/reference/methods/<method>, reduced to what the bot uses.
func (s *Server) dispatch(method string, p url.Values) (map[string]any, error) {
	switch method {
	case "auth.test":
		return map[string]any{
			"url": "https://" + TeamDomain + ".slack.com/", "team": "Fake Team", "user": "lastactive",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID, "is_enterprise_install": false,
		}, nil
	case "users.info":
		return s.usersInfo(p.Get("user"))
	case "users.lookupByEmail":
		return s.usersLookupByEmail(p.Get("email"))
	case "users.list":
		return s.usersList(p) // users.go
	case "chat.postEphemeral":
		return s.chatPost(p, true)
	case "chat.postMessage":
		return s.chatPost(p, false)
	case "chat.update":
		return s.chatUpdate(p) // chat.go
	case "conversations.open":
		return conversationsOpen(p)
	case "files.getUploadURLExternal":
		return s.getUploadURLExternal(p)
	case "files.completeUploadExternal":
		return s.completeUploadExternal(p)
	case "views.publish":
		return s.viewsPublish(p)
	default:
		return nil, apiError("unknown_method")
	}
}

func (s *Server) checkAppToken(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case token == "":
		return apiError("not_authed")
	case strings.HasPrefix(token, "xoxb-"), strings.HasPrefix(token, "xoxp-"):
		return apiError("not_allowed_token_type")
	case token != AppToken || !s.appTokenValid:
		return apiError("invalid_auth")
	}
	return nil
}

func (s *Server) checkBotToken(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case token == "":
		return apiError("not_authed")
	case strings.HasPrefix(token, "xapp-"):
		return apiError("not_allowed_token_type")
	case token != BotToken || !s.botTokenValid:
		return apiError("invalid_auth")
	}
	return nil
}

// appsConnectionsOpen mints a one-use ticket for a Socket Mode connection.
func (s *Server) appsConnectionsOpen(token string) (map[string]any, error) {
	if err := s.checkAppToken(token); err != nil {
		return nil, err
	}
	ticket := randomHex(16)
	s.mu.Lock()
	s.tickets[ticket] = true
	s.opens++
	s.mu.Unlock()
	u := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + AppID
	return map[string]any{"url": u}, nil
}

func (u User) toJSON() map[string]any {
	profile := map[string]any{"real_name": u.RealName, "display_name": u.Name}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	for k, v := range u.ProfileExtra {
		profile[k] = v
	}
	out := map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName,
		"deleted": u.Deleted, "is_bot": u.IsBot, "profile": profile,
	}
	for k, v := range u.Extra {
		out[k] = v
	}
	return out
}

func (s *Server) usersInfo(id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return nil, apiError("user_not_found")
	}
	return map[string]any{"user": u.toJSON()}, nil
}

func (s *Server) usersLookupByEmail(email string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if email != "" && strings.EqualFold(u.Email, email) {
			return map[string]any{"user": u.toJSON()}, nil
		}
	}
	return nil, apiError("users_not_found")
}

func (s *Server) chatPost(p url.Values, ephemeral bool) (map[string]any, error) {
	channel := p.Get("channel")
	if channel == "" {
		return nil, apiError("channel_not_found")
	}
	if ephemeral && p.Get("user") == "" {
		return nil, apiError("user_not_found")
	}
	if p.Get("text") == "" && p.Get("blocks") == "" && p.Get("attachments") == "" {
		return nil, apiError("no_text")
	}
	if err := checkBlocks(json.RawMessage(p.Get("blocks"))); err != nil {
		s.logf("chat.post: invalid_blocks: %v", err)
		return nil, apiError("invalid_blocks")
	}
	var blocks []map[string]any
	_ = json.Unmarshal([]byte(p.Get("blocks")), &blocks)
	if err := s.checkSlackFiles(blocks); err != nil { // home.go
		return nil, err
	}
	s.mu.Lock()
	ts := fmt.Sprintf("1700000000.%06d", s.nextIDLocked())
	s.mu.Unlock()
	if ephemeral {
		return map[string]any{"message_ts": ts}, nil
	}
	return map[string]any{
		"channel": channel,
		"ts":      ts,
		"message": map[string]any{"type": "message", "text": p.Get("text"), "user": BotUserID, "bot_id": BotID, "ts": ts},
	}, nil
}

// conversationsOpen answers with a stable DM channel per user, so tests can
// predict it: U123 → D123.
func conversationsOpen(p url.Values) (map[string]any, error) {
	users := p.Get("users")
	if users == "" {
		return nil, apiError("users_list_not_supplied")
	}
	if strings.Contains(users, ",") {
		return nil, apiError("not_implemented") // group DMs are not needed here
	}
	id := "D" + strings.TrimPrefix(users, "U")
	return map[string]any{
		"no_op": false, "already_open": false,
		"channel": map[string]any{"id": id, "is_im": true, "user": users},
	}, nil
}

func (s *Server) getUploadURLExternal(p url.Values) (map[string]any, error) {
	length, err := strconv.Atoi(p.Get("length"))
	if p.Get("filename") == "" || err != nil || length <= 0 {
		return nil, apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("F%08d", s.nextIDLocked())
	s.uploads = append(s.uploads, &Upload{FileID: id, Filename: p.Get("filename"), Length: length})
	// On the API's own host: slack-go sends the bot token only there.
	base := s.srv.URL
	if s.uploadBase != "" {
		base = s.uploadBase
	}
	return map[string]any{"upload_url": base + "/upload/" + id, "file_id": id}, nil
}

func (s *Server) uploadLocked(id string) *Upload {
	for _, u := range s.uploads {
		if u.FileID == id {
			return u
		}
	}
	return nil
}

// handleUpload receives the bytes of a file, as multipart (slack-go) or raw.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	if tok, ok := bearer(r); ok && tok != BotToken {
		// Upload URLs need no token, but a wrong one is a bug worth seeing.
		http.Error(w, "invalid_auth", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	early := s.answerEarly
	s.answerEarly = 0
	s.mu.Unlock()
	if early > 0 {
		s.answerUploadEarly(w, r, id, early)
		return
	}
	content, err := readUploadBody(r)
	if err != nil {
		http.Error(w, "bad upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u := s.uploadLocked(id)
	switch {
	case u == nil:
		s.mu.Unlock()
		http.Error(w, "unknown upload url", http.StatusNotFound)
		return
	case len(content) != u.Length:
		s.mu.Unlock()
		s.logf("upload %s: %d bytes, %d declared", id, len(content), u.Length)
		http.Error(w, "length does not match files.getUploadURLExternal", http.StatusBadRequest)
		return
	}
	u.Content, u.Uploaded = content, true
	s.broadcastLocked()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(content))
}

func (s *Server) answerUploadEarly(w http.ResponseWriter, r *http.Request, id string, after int) {
	part := make([]byte, after)
	n, _ := io.ReadFull(r.Body, part)
	s.mu.Lock()
	if u := s.uploadLocked(id); u != nil {
		u.Content, u.Uploaded = part[:n], true
		s.broadcastLocked()
	}
	s.mu.Unlock()
	rc := http.NewResponseController(w)
	rc.EnableFullDuplex()
	answer := fmt.Sprintf("OK - %d", n)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(answer))) // the answer is whole before the body is
	io.WriteString(w, answer)
	rc.Flush()
	io.Copy(io.Discard, r.Body) // until the client stops sending
}

func readUploadBody(r *http.Request) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, errors.New("POST only")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return io.ReadAll(io.LimitReader(r.Body, 32<<20))
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(io.LimitReader(part, 32<<20))
		}
	}
}

func (s *Server) completeUploadExternal(p url.Values) (map[string]any, error) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.Get("files")), &files); err != nil || len(files) == 0 {
		return nil, apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		if u := s.uploadLocked(f.ID); u == nil || !u.Uploaded {
			return nil, apiError("file_not_found")
		}
	}
	var channels []string
	if c := p.Get("channels"); c != "" {
		channels = strings.Split(c, ",")
	}
	for _, f := range files {
		u := s.uploadLocked(f.ID)
		u.Completed = true
		u.Title = f.Title
		if u.Title == "" {
			u.Title = u.Filename
		}
		u.ChannelID = p.Get("channel_id")
		u.Channels = channels
		u.InitialComment = p.Get("initial_comment")
		u.ThreadTS = p.Get("thread_ts")
		out = append(out, map[string]any{"id": u.FileID, "title": u.Title})
	}
	s.broadcastLocked()
	return map[string]any{"files": out}, nil
}

// readParams collects a request's parameters from the query and a form,
// multipart or JSON body.
func readParams(r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		v := cloneValues(r.URL.Query())
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || len(body) == 0 {
			return v, err // slack-go posts apps.connections.open with no body
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		for k, raw := range m {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v.Set(k, str)
			} else {
				v.Set(k, string(raw))
			}
		}
		return v, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, err
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
	}
	return cloneValues(r.Form), nil
}

// checkBlocks does the checks Slack makes on a message's blocks field: a
// JSON array of at most 50 typed blocks with unique block_ids, each within
// Block Kit's limits (checkBlockLimits). It does not validate each block
// against the whole Block Kit schema.
func checkBlocks(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	blocks, err := decodeBlocks(raw)
	if err != nil {
		return err
	}
	return checkBlockLimits(blocks, maxMessageBlocks)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// leanUserMethods are the Web API methods whose answers carry whole user
// records, of which the bot reads only leanUserFields.
var leanUserMethods = []string{"users.info", "users.list", "users.lookupByEmail"}

// leanUserFields are the fields of a user record the bot reads (an ID, and
// whether it is a deleted user, a bot, or a member invited who never
// joined); of its profile, only the email.
var leanUserFields = []string{"id", "deleted", "is_bot", "is_invited_user"}

// leanUsersAnswer reports whether req asks a method of leanUserMethods.
func leanUsersAnswer(req *http.Request) bool {
	if req == nil || req.URL == nil {
		return false
	}
	for _, m := range leanUserMethods {
		if strings.HasSuffix(req.URL.Path, "/"+m) {
			return true
		}
	}
	return false
}

// leanUsersBody replaces an answer's body with leanUsers of it. What could
// not be read is still read as an error, after the bytes that were.
func leanUsersBody(resp *http.Response) {
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
		return
	}
	b = leanUsers(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// leanUsers reduces the user records of a users.info, users.lookupByEmail
// or users.list answer ("user", or each of "members") to the fields the bot
// reads. slack-go refuses a whole answer for one field of another type than
// its struct (a profile's status_expiration as "0", a custom profile
// field's value as a number): a mention's lookup then failed, and so did a
// whole nudge round for one such member among 50,000. A field the bot does
// read is kept as it came, whatever its type: slack-go still refuses it,
// rather than the bot guessing. An answer that is not an object with such
// records is returned unchanged.
func leanUsers(body []byte) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body
	}
	changed := false
	if u, ok := top["user"]; ok {
		if lean, ok := leanUser(u); ok {
			top["user"], changed = lean, true
		}
	}
	if ms, ok := top["members"]; ok {
		var members []json.RawMessage
		if json.Unmarshal(ms, &members) == nil {
			for i, u := range members {
				if lean, ok := leanUser(u); ok {
					members[i] = lean
				}
			}
			if b, err := json.Marshal(members); err == nil {
				top["members"], changed = b, true
			}
		}
	}
	if !changed {
		return body
	}
	b, err := json.Marshal(top)
	if err != nil {
		return body
	}
	return b
}

// leanRecord is what leanUser keeps of a user record: leanUserFields and
// its profile, each as it came. Its keys match as slack-go's own struct
// tags do, without regard to case (bytes.EqualFold, as encoding/json
// folds), the last of a repeated key winning.
type leanRecord struct {
	ID      json.RawMessage `json:"id,omitempty"`
	Deleted json.RawMessage `json:"deleted,omitempty"`
	IsBot   json.RawMessage `json:"is_bot,omitempty"`
	// IsInvitedUser: invited, never joined (bot.reachable).
	IsInvitedUser json.RawMessage `json:"is_invited_user,omitempty"`
	Profile       json.RawMessage `json:"profile,omitempty"`
}

// leanProfile is what leanUser keeps of a profile: its email.
type leanProfile struct {
	Email json.RawMessage `json:"email,omitempty"`
}

// leanUser is one user record with only leanUserFields and its profile's
// email; ok is false when it is not an object. raw must be valid JSON, as
// a value leanUsers decoded is: the record and its profile are walked
// member by member (objectMembers) instead of decoded with encoding/json,
// which validated, scanned and matched each of a Slack record's some 50
// keys and values twice over (TestLeanUserInfoAllocations).
func leanUser(raw json.RawMessage) (json.RawMessage, bool) {
	var u leanRecord
	if isNull(raw) || !objectMembers(raw, func(key []byte, v json.RawMessage) {
		switch {
		case bytes.EqualFold(key, []byte("id")):
			u.ID = v
		case bytes.EqualFold(key, []byte("deleted")):
			u.Deleted = v
		case bytes.EqualFold(key, []byte("is_bot")):
			u.IsBot = v
		case bytes.EqualFold(key, []byte("is_invited_user")):
			u.IsInvitedUser = v
		case bytes.EqualFold(key, []byte("profile")):
			u.Profile = v
		}
	}) {
		return nil, false
	}
	if len(u.Profile) > 0 && !isNull(u.Profile) {
		var profile leanProfile
		if objectMembers(u.Profile, func(key []byte, v json.RawMessage) {
			if bytes.EqualFold(key, []byte("email")) {
				profile.Email = v
			}
		}) {
			b, err := json.Marshal(profile)
			if err != nil {
				return nil, false
			}
			u.Profile = b
		} // not an object: kept, and refused as before
	}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, false
	}
	return b, true
}

// objectMembers calls member with each key (unquoted; only for the call)
// and raw value of the
// JSON object raw, in order, and reports whether raw is an object. raw
// must be valid JSON: anything else is read as far as it goes, without
// reading past raw's end (TestObjectMembersOnBrokenJSON).
func objectMembers(raw []byte, member func(key []byte, v json.RawMessage)) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		end := stringEnd(raw, i)
		if end-1 <= i || raw[end-1] != '"' {
			return false // an unterminated key: raw was no valid JSON
		}
		key := raw[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if json.Unmarshal(raw[i:end], &k) != nil {
				return false
			}
			key = []byte(k)
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i = skipSpace(raw, i+1)
		vEnd := valueEnd(raw, i)
		member(key, raw[i:vEnd:vEnd])
		i = skipSpace(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return i < len(raw) && raw[i] == '}'
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte; \uXXXX's hex digits need no care
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // a number, true, false or null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// isNull reports whether raw is JSON's null.
func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

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
// whether it is a deleted user or a bot); of its profile, only the email.
var leanUserFields = []string{"id", "deleted", "is_bot"}

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
// its profile, each as it came. Decoding into it skips the other fields
// without building them: a map of each record and of its profile cost
// some 170 allocations a member of users.list (TestLeanUsersAllocations).
// Its keys match as slack-go's own struct tags do, without regard to case.
type leanRecord struct {
	ID      json.RawMessage `json:"id,omitempty"`
	Deleted json.RawMessage `json:"deleted,omitempty"`
	IsBot   json.RawMessage `json:"is_bot,omitempty"`
	Profile json.RawMessage `json:"profile,omitempty"`
}

// leanProfile is what leanUser keeps of a profile: its email.
type leanProfile struct {
	Email json.RawMessage `json:"email,omitempty"`
}

// leanUser is one user record with only leanUserFields and its profile's
// email; ok is false when it is not an object.
func leanUser(raw json.RawMessage) (json.RawMessage, bool) {
	var u leanRecord
	if isNull(raw) || json.Unmarshal(raw, &u) != nil {
		return nil, false
	}
	if len(u.Profile) > 0 && !isNull(u.Profile) {
		var profile leanProfile
		if json.Unmarshal(u.Profile, &profile) == nil {
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

// isNull reports whether raw is JSON's null.
func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

package bot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// leanUserDecoded is leanUser as it was, with encoding/json: the reference
// the member walk must agree with.
func leanUserDecoded(raw json.RawMessage) (json.RawMessage, bool) {
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
		}
	}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, false
	}
	return b, true
}

// leanUserRecords are records whose keys and values a walk could misread:
// other cases, escaped keys, repeated keys, strings holding braces, quotes
// and backslashes, nesting, whitespace, values of every type.
var leanUserRecords = []string{
	`{"id":"U1","deleted":false,"is_bot":false,"profile":{"email":"a@example.com"}}`,
	` { "ID" : "U1" , "Deleted" : true , "IS_BOT" : false , "Profile" : { "EMAIL" : "a@example.com" , "phone" : "1" } } `,
	`{"\u0069d":"U1","is_\u0062ot":true,"pro\u0066ile":{"em\u0061il":"a@example.com"}}`,
	`{"id":"U1","id":"U2","profile":{"email":"a@x","email":"b@x"}}`,
	`{"name":"}{\"][","id":"U\"1\\","profile":{"title":"{\"email\":\"no@x\"}","email":"a@x"}}`,
	`{"fields":{"X":{"value":[1,{"id":"U9"}],"alt":""}},"id":"U1","profile":{"fields":{"email":"no@x"},"email":"a@x"}}`,
	`{"id":7,"deleted":"true","is_bot":null,"profile":{"email":7}}`,
	`{"id":"U1","profile":null}`,
	`{"id":"U1","profile":"x"}`,
	`{"id":"U1","profile":[ 1, 2 ]}`,
	`{"id":"U1","profile":{}}`,
	`{"id":"U1","profile":{"email":[ "a@x", {"b": 1} ]}}`,
	`{}`,
	`{"id":"U1","is_invited_user":true,"Is_Invited_User":false,"profile":{"email":"a@x"}}`,
	`{"iſ_bot":true,"ID":"U1","profile":{"Email":"a@x"}}`,
	`{"id":-1.5e3,"deleted":true,"updated":1700000000,"tz_offset":-3600,"profile":{"email":"a@x","status_expiration":0}}`,
	"{\"id\":\"U1\",\t\n\"profile\":\r{\"email\":\"a@x\"}}",
	`{"id":"U1","profile":{"email":"a\u0026b<c>@x"}}`,
	`"U1"`,
	`[{"id":"U1"}]`,
	`7`,
	`null`,
	`true`,
}

// TestLeanUserAgreesWithDecoding: walking a record's members keeps what
// decoding it with encoding/json kept, and refuses what it refused.
func TestLeanUserAgreesWithDecoding(t *testing.T) {
	info, _ := json.Marshal(slackUserJSON(3))
	for _, rec := range append(leanUserRecords, string(info)) {
		checkLeanUserAgrees(t, rec)
	}
}

func checkLeanUserAgrees(t *testing.T, rec string) {
	t.Helper()
	got, gotOK := leanUser(json.RawMessage(rec))
	want, wantOK := leanUserDecoded(json.RawMessage(rec))
	if gotOK != wantOK {
		t.Fatalf("leanUser(%s): ok %v, decoding said %v", rec, gotOK, wantOK)
	}
	if !gotOK {
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("leanUser(%s) = %s: %v", rec, got, err)
	}
	json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("leanUser(%s) = %s, decoding kept %s", rec, got, want)
	}
}

// FuzzLeanUser: any valid JSON value (leanUsers hands leanUser only values
// it decoded) is kept or refused as decoding it would.
func FuzzLeanUser(f *testing.F) {
	for _, rec := range leanUserRecords {
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		if !json.Valid([]byte(rec)) || strings.Count(rec, "{") > 64 {
			return
		}
		checkLeanUserAgrees(t, rec)
	})
}

// TestLeanUserInfoAllocations: a users.info answer, a Slack-sized record
// (1.9 KB), is reduced in a few allocations: decoding the record and its
// profile with encoding/json took 40 and scanned each some four times; the
// bot reads one for every mention it has not kept. Not counted under the
// race detector (raceOn), where sync.Pool drops encoders: 31 there.
func TestLeanUserInfoAllocations(t *testing.T) {
	info, _ := json.Marshal(map[string]any{"ok": true, "user": slackUserJSON(1)})
	var out []byte
	if n := testing.AllocsPerRun(20, func() { out = leanUsers(info) }); n > 25 && !raceOn {
		t.Errorf("%.0f allocations for a users.info answer, want at most 25", n)
	}
	var got struct {
		OK   bool           `json:"ok"`
		User map[string]any `json:"user"`
	}
	if err := json.Unmarshal(out, &got); err != nil || !got.OK || got.User["id"] != "U00000001" ||
		got.User["profile"].(map[string]any)["email"] != "person1@example.com" || len(got.User) != 4 {
		t.Errorf("lean answer %s (%v)", out, err)
	}
}

// TestObjectMembersOnBrokenJSON: leanUsers hands objectMembers only JSON it
// decoded, but a broken record must not make it read past the end.
func TestObjectMembersOnBrokenJSON(t *testing.T) {
	for _, raw := range []string{`{"`, `{"id`, `{"id":`, `{"id":"U1`, `{"id":{"a":[`, `{"a\`, `{"id" "U1"}`, `{`, ``, `{"id":1,`} {
		objectMembers([]byte(raw), func([]byte, json.RawMessage) {}) // must not panic
	}
}

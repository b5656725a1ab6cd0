package bot

import (
	"encoding/json"
	"fmt"
	"testing"
)

// slackUserJSON is a user record as Slack sends it, profile and all.
func slackUserJSON(i int) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("U%08d", i), "team_id": "T0001", "name": fmt.Sprintf("person%d", i), "deleted": false,
		"color": "9f69e7", "real_name": "Person Name", "tz": "Europe/London", "tz_label": "British Summer Time", "tz_offset": 3600,
		"is_admin": false, "is_owner": false, "is_primary_owner": false, "is_restricted": false, "is_ultra_restricted": false,
		"is_bot": false, "is_app_user": false, "updated": 1700000000, "is_email_confirmed": true, "who_can_share_contact_card": "EVERYONE",
		"profile": map[string]any{
			"title": "Engineer", "phone": "", "skype": "", "real_name": "Person Name", "real_name_normalized": "Person Name",
			"display_name": "person", "display_name_normalized": "person", "fields": nil, "status_text": "", "status_emoji": "",
			"status_expiration": 0, "avatar_hash": "g0123456789a", "email": fmt.Sprintf("person%d@example.com", i),
			"first_name": "Person", "last_name": "Name", "image_24": "https://secure.gravatar.com/avatar/x.jpg",
			"image_32": "https://secure.gravatar.com/avatar/x.jpg", "image_48": "https://secure.gravatar.com/avatar/x.jpg",
			"image_72": "https://secure.gravatar.com/avatar/x.jpg", "image_192": "https://secure.gravatar.com/avatar/x.jpg",
			"image_512": "https://secure.gravatar.com/avatar/x.jpg", "status_text_canonical": "", "team": "T0001",
		},
	}
}

// BenchmarkLeanUsers is leanUsers of a users.info answer and of a
// users.list page of 200 members (a nudge round reads 250 of them for
// 50,000 people).
func BenchmarkLeanUsers(b *testing.B) {
	info, _ := json.Marshal(map[string]any{"ok": true, "user": slackUserJSON(1)})
	members := make([]any, 200)
	for i := range members {
		members[i] = slackUserJSON(i)
	}
	page, _ := json.Marshal(map[string]any{"ok": true, "members": members, "cache_ts": 1700000000,
		"response_metadata": map[string]any{"next_cursor": "dXNlcjpVMEc5V0ZYTlo="}})
	for _, c := range []struct {
		name string
		body []byte
	}{{"users.info", info}, {"users.list page of 200", page}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				leanUsers(c.body)
			}
		})
	}
}

// TestLeanUsersAllocations: reducing a users.list page to the fields the
// bot reads costs a few allocations a member, not the ~170 of decoding
// each record and its profile into maps (34,000 a page of 200, and a
// nudge round of 50,000 people reads 250 pages). Allocations are counted,
// not timed.
func TestLeanUsersAllocations(t *testing.T) {
	members := make([]any, 200)
	for i := range members {
		members[i] = slackUserJSON(i)
	}
	page, _ := json.Marshal(map[string]any{"ok": true, "members": members})
	var out []byte
	perMember := testing.AllocsPerRun(5, func() { out = leanUsers(page) }) / 200
	if perMember > 30 {
		t.Errorf("%.1f allocations a member, want at most 30", perMember)
	}
	var got struct {
		Members []map[string]any `json:"members"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got.Members) != 200 {
		t.Fatalf("lean page: %d members, %v", len(got.Members), err)
	}
	if m := got.Members[7]; m["id"] != "U00000007" || m["deleted"] != false || m["is_bot"] != false ||
		m["profile"].(map[string]any)["email"] != "person7@example.com" || len(m) != 4 || len(m["profile"].(map[string]any)) != 1 {
		t.Errorf("lean member %v", m)
	}
}

// TestLeanUserOddRecords: what is not a user object is left for slack-go
// to refuse or read as it would have, not turned into an empty record.
func TestLeanUserOddRecords(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"ok":true,"user":null}`, `{"ok":true,"user":null}`},
		{`{"ok":true,"user":"U1"}`, `{"ok":true,"user":"U1"}`},
		{`{"ok":true,"user":{"id":"U1","profile":null}}`, `{"ok":true,"user":{"id":"U1","profile":null}}`},
		{`{"ok":true,"user":{"id":"U1","profile":"x"}}`, `{"ok":true,"user":{"id":"U1","profile":"x"}}`},
		{`{"ok":true,"user":{"id":"U1","deleted":"true","tz":"x","profile":{"email":7,"phone":"1"}}}`, `{"ok":true,"user":{"id":"U1","deleted":"true","profile":{"email":7}}}`},
		{`{"ok":true,"user":{"id":"U1","profile":{"phone":"1"}}}`, `{"ok":true,"user":{"id":"U1","profile":{}}}`},
		{`{"ok":true,"members":[null,{"id":"U2","name":"x"}]}`, `{"ok":true,"members":[null,{"id":"U2"}]}`},
	} {
		var got, want any
		if err := json.Unmarshal(leanUsers([]byte(c.in)), &got); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		json.Unmarshal([]byte(c.want), &want)
		if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
			t.Errorf("leanUsers(%s) = %s, want %s", c.in, g, w)
		}
	}
}

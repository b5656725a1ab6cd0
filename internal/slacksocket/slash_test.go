package slacksocket

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// BenchmarkDecodeSlashCommand decodes a slash command's frame as the
// connection does before it hands the event on: the envelope, then its
// payload.
func BenchmarkDecodeSlashCommand(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		req, _, err := head(slashFrame)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parse(req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeSlashCommandAllocations: a slash command's payload is read in
// one pass, not handed through slack-go's UnmarshalJSON (which makes
// encoding/json skip the payload, then check and decode it again into a
// wrapper on the heap): at most 30 allocations for slashFrame, envelope
// included (32 through slack-go's method).
func TestDecodeSlashCommandAllocations(t *testing.T) {
	n := testing.AllocsPerRun(50, func() {
		req, _, err := head(slashFrame)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parse(req); err != nil {
			t.Fatal(err)
		}
	})
	if n > 30 {
		t.Errorf("%.0f allocations to decode a slash command's frame, want at most 30", n)
	}
}

// TestSlashPayloadAsSlackGoReadsIt: the payload reads as slack-go's own
// UnmarshalJSON reads it, the same command or the same error, for each
// form of is_enterprise_install and for fields of another type.
func TestSlashPayloadAsSlackGoReadsIt(t *testing.T) {
	for _, p := range []string{
		`{"command":"/lastactive","text":"who ada@example.com","user_id":"U1","team_id":"T1","channel_id":"C1","enterprise_id":"E1",` +
			`"enterprise_name":"Ex","team_domain":"ex","channel_name":"general","user_name":"ada","response_url":"https://hooks.slack.com/x",` +
			`"trigger_id":"1.2.3","api_app_id":"A1","token":"t","is_enterprise_install":true}`,
		`{"command":"/lastactive","is_enterprise_install":false}`,
		`{"command":"/lastactive","is_enterprise_install":"true"}`,
		`{"command":"/lastactive","is_enterprise_install":"false"}`,
		`{"command":"/lastactive","is_enterprise_install":"1"}`,
		`{"command":"/lastactive","is_enterprise_install":""}`,
		`{"command":"/lastactive","is_enterprise_install":"yes"}`,
		`{"command":"/lastactive","is_enterprise_install":null}`,
		`{"command":"/lastactive","is_enterprise_install":1}`,
		`{"command":"/lastactive","is_enterprise_install":{"a":1}}`,
		`{"command":"/lastactive","is_enterprise_install":[true]}`,
		`{"command":"/lastactive"}`,
		`{"command":"/lastactive","text":7}`,
		`{"command":"/lastactive","user_name":7,"is_enterprise_install":true}`,
		`{"command":"/lastactive","channel_name":{"x":1}}`,
		`{"command":null,"text":null}`,
		`{"Command":"/x","TEXT":"mixed case keys"}`,
		`{"command":"/a","command":"/b"}`,
		`{"is_enterprise_install":true,"is_enterprise_install":"false"}`,
		`{"text":"\u00e9\ud83d\ude00 \"quoted\""}`,
		`{}`,
		`null`,
		`[]`,
		`"x"`,
		`7`,
	} {
		var want slack.SlashCommand
		wantErr := json.Unmarshal([]byte(p), &want)
		got, gotErr := decodeSlash([]byte(p))
		// A payload that is not an object names the wrapper's type,
		// whose package is this one.
		if got != want || strings.Replace(errText(gotErr), "slacksocket.", "slack.", 1) != errText(wantErr) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v, %v", p, got, gotErr, want, wantErr)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

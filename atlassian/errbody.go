package atlassian

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errorBody is what we keep of an error answer.
type errorBody struct {
	code    string // Atlassian error code such as "ADMIN-404-8"; "" when none
	message string // raw human text; pass it through summarize before use
}

// decodeErrorBody reads the three error shapes we meet, and never fails:
//
//   - Admin application errors: {"errors":[{"status":"404","code":"ADMIN-404-8","title":…,"detail":…}]}
//   - the API gateway:          {"code":401,"message":"…"}
//   - Jira:                     {"errorMessages":["…"],"errors":{"field":"…"}}
//
// Anything else (HTML from a proxy, an empty 502) yields an empty errorBody.
func decodeErrorBody(b []byte) errorBody {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return errorBody{}
	}
	var eb errorBody

	// "errors" is an array in the Admin API and an object in Jira.
	var appErrs []map[string]json.RawMessage
	var fieldErrs map[string]string
	if json.Unmarshal(top["errors"], &appErrs) == nil && len(appErrs) > 0 {
		first := appErrs[0]
		eb.code = str(first["code"])
		eb.message = joinNonEmpty(": ", str(first["title"]), str(first["detail"]))
	} else if json.Unmarshal(top["errors"], &fieldErrs) == nil && len(fieldErrs) > 0 {
		keys := make([]string, 0, len(fieldErrs))
		for k := range fieldErrs {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a stable choice, so one failure always reads the same
		eb.message = joinNonEmpty(": ", keys[0], fieldErrs[keys[0]])
	}
	var msgs []string
	if eb.message == "" && json.Unmarshal(top["errorMessages"], &msgs) == nil && len(msgs) > 0 {
		eb.message = msgs[0]
	}
	if eb.message == "" {
		eb.message = str(top["message"])
	}
	if eb.code == "" {
		// The gateway's code is a number repeating the status; only a string
		// code tells us more.
		eb.code = str(top["code"])
	}
	if !plausibleCode(eb.code) {
		eb.code = ""
	}
	return eb
}

// str decodes a JSON string, returning "" for anything else.
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// plausibleCode accepts codes shaped like "ADMIN-404-8". The code ends up in
// error texts and metrics, so arbitrary upstream text is not let through.
func plausibleCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// maxMessageRunes bounds the upstream text kept in an error: enough for
// "Organization … is not with the new user management experience".
const maxMessageRunes = 200

// summarize makes upstream text safe to repeat in an error or a log: every
// secret is replaced first (so truncation cannot leave half of one), control
// characters become spaces, and the result is cut to maxMessageRunes.
func summarize(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	msg = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg)
	msg = strings.TrimSpace(msg)
	if utf8.RuneCountInString(msg) > maxMessageRunes {
		msg = cutAtWord(msg, maxMessageRunes) + "…"
	}
	return msg
}

// cutAtWord shortens s to at most n runes, at the last space within them
// so that no word is cut; a single word longer than n is cut at n.
func cutAtWord(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if unicode.IsSpace(r[n]) {
		return strings.TrimRightFunc(cut, unicode.IsSpace)
	}
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > 0 {
		return strings.TrimRightFunc(cut[:i], unicode.IsSpace)
	}
	return cut
}

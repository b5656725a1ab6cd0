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

// secretOverlap is the longest run of a credential a code may share with it.
// Atlassian's codes ("ADMIN-UAM-409-3") never share one this long with a
// token by chance; a cut echo of a credential (a proxy that keeps the first
// bytes) does.
const secretOverlap = 8

// maxCodeSegment is the longest run of letters and digits between '-', '_'
// or '.' in a code we keep. Atlassian's run to a handful ("ADMIN", "404");
// a longer run looks like a token or a key, ours or another's.
const maxCodeSegment = 20

// codeHoldsSecret reports whether an error body's code holds a credential:
// one of secrets (the client's every credential form) or a run of
// secretOverlap bytes of one, or a segment shaped like a token. The code is
// shown as it is in Error.Code and Error(), unlike the message, which
// summarize scrubs, so a hostile or broken upstream echoing our
// Authorization header there would put a credential in a log or a reply;
// such a code is dropped instead of scrubbed, since "[redacted]" is no code
// and half a code could still match a branch (ADMIN-403…).
func codeHoldsSecret(code string, secrets []string) bool {
	if code == "" {
		return false
	}
	if summarize(code, secrets) != code {
		return true
	}
	for _, s := range secrets {
		if len(s) < secretOverlap {
			continue // whole-secret containment is summarize's check above
		}
		for i := 0; i+secretOverlap <= len(code); i++ {
			if strings.Contains(s, code[i:i+secretOverlap]) {
				return true
			}
		}
	}
	for seg := range strings.FieldsFuncSeq(code, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if len(seg) > maxCodeSegment {
			return true
		}
	}
	return false
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

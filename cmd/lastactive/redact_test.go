package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// leakyConfig has every secret set to a distinctive value, and the URLs
// carry credentials the way a pasted URL might.
func leakyConfig() (Config, []string) {
	c := Config{
		SlackAppToken: "xapp-1-SECRETAPP", SlackBotToken: "xoxb-SECRETBOT", JiraAPIToken: "SECRETJIRA",
		APIKey: "SECRETADMINKEY", AdminWriteKey: "SECRETWRITEKEY", JiraEmail: "ops@example.com", OrgID: "org-1",
		SlackAPIURL: "https://u:SECRETINURL@slack.example/api/?token=SECRETINQUERY",
		JiraBaseURL: "https://x.atlassian.net/#SECRETINFRAGMENT", AdminAPIURL: "https://api.atlassian.com",
		CacheTTL: time.Hour, HTTPAddr: ":8080", LogLevel: "info", IdleDays: 90,
		AllowedUsers: []string{"U012ABCDEF"}, SeatPrices: map[string]float64{"jira-software": 8.6},
	}
	basic := base64.StdEncoding.EncodeToString([]byte(c.JiraEmail + ":" + c.JiraAPIToken))
	return c, []string{"SECRETAPP", "SECRETBOT", "SECRETJIRA", "SECRETADMINKEY", "SECRETWRITEKEY", "SECRETINURL", "SECRETINQUERY", "SECRETINFRAGMENT", basic}
}

// TestConfigNeverPrintsSecrets: however a Config is printed (every fmt verb,
// a pointer, nested in another value, slog's JSON and text handlers,
// encoding/json, a recovered panic), no secret shows, while the harmless
// settings still do.
func TestConfigNeverPrintsSecrets(t *testing.T) {
	c, secrets := leakyConfig()
	var outputs = map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		outputs[verb] = fmt.Sprintf(verb, c)
		outputs[verb+" pointer"] = fmt.Sprintf(verb, &c)
		outputs[verb+" nested"] = fmt.Sprintf(verb, struct {
			Cfg Config
			P   *Config
		}{c, &c})
		outputs[verb+" in a slice"] = fmt.Sprintf(verb, []any{c})
	}
	outputs["Sprint"] = fmt.Sprint(c)
	outputs["Errorf %w chain"] = fmt.Errorf("starting with %v: %w", c, fmt.Errorf("inner %+v", &c)).Error()
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(h(&b))
		log.Info("config", "config", c, "pointer", &c, slog.Any("any", c), slog.Group("g", "c", c))
		outputs[name] = b.String()
	}
	for name, v := range map[string]any{"json": c, "json pointer": &c, "json nested": map[string]any{"c": c}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outputs[name] = string(b)
	}
	outputs["panic"] = func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		panic(c)
	}()

	for how, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows a secret: %s", how, out)
			}
		}
	}
	// Redaction must not blank everything: an operator reading a dump still
	// sees what is set and where it points.
	for _, how := range []string{"%+v", "slog json", "json"} {
		for _, want := range []string{"ops@example.com", "slack.example", "org-1", redactedMark} {
			if !strings.Contains(outputs[how], want) {
				t.Errorf("%s lacks %q: %s", how, want, outputs[how])
			}
		}
	}
	if !strings.Contains(outputs["slog json"], `"SLACK_BOT_TOKEN":"[redacted]"`) {
		t.Errorf("slog names attributes after the environment variables: %s", outputs["slog json"])
	}
	if strings.Contains(fmt.Sprint(Config{}), redactedMark) {
		t.Errorf("an unset secret is shown as set: %v", Config{})
	}
}

// TestEverySecretFieldIsRedacted: a Config field whose name says it holds a
// credential must be in secretFields, so a field added later cannot slip
// past the redaction.
func TestEverySecretFieldIsRedacted(t *testing.T) {
	looksSecret := regexp.MustCompile(`(?i)(token|key|secret|password|credential)`)
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if looksSecret.MatchString(f.Name) && !secretFields[f.Name] {
			t.Errorf("Config.%s looks like a credential but is not in secretFields", f.Name)
		}
		if strings.HasSuffix(f.Name, "URL") && !urlFields[f.Name] {
			t.Errorf("Config.%s is a URL but is not in urlFields", f.Name)
		}
	}
	for name := range secretFields {
		if f, ok := typ.FieldByName(name); !ok || f.Type.Kind() != reflect.String {
			t.Errorf("secretFields names %s, which is not a string field of Config", name)
		}
	}
	for name := range urlFields {
		if f, ok := typ.FieldByName(name); !ok || f.Type.Kind() != reflect.String {
			t.Errorf("urlFields names %s, which is not a string field of Config", name)
		}
	}
}

// TestRedactedURLsStillSayWhereTheyPoint: a URL setting holding no
// credential is shown as it is in a Config printed by mistake, so an
// operator reading it sees which database file or site is configured; the
// SQLite default (sqlite:lastactive.db, a path with no slash) was shown as
// sqlite:[redacted]. One carrying a credential still is not.
func TestRedactedURLsStillSayWhereTheyPoint(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"sqlite:lastactive.db", "sqlite:data/la.db", "sqlite::memory:", "sqlite:/data/la.db",
		"https://acme.atlassian.net", "https://slack.com/api/", "postgres://db.internal:5432/lastactive"} {
		if got := redactURL(raw); got != raw {
			t.Errorf("redactURL(%q) = %q, want it shown as it is", raw, got)
		}
	}
	for raw, want := range map[string]string{
		"sqlite:la.db?_pragma=SECRET": "sqlite:la.db" + redactedMark, "sqlite:la.db#SECRET": "sqlite:la.db" + redactedMark,
		"sqlite:user:SECRET@db": "sqlite:" + redactedMark, "postgres:user:SECRET@db/la": "postgres:" + redactedMark,
		"postgres://db/la?sslpassword=SECRET": "postgres://db/la" + redactedMark, "host=db\tpassword=SECRET": redactedMark,
	} {
		if got := redactURL(raw); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

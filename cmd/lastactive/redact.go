package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
)

// A Config holds five credentials. Printed by mistake (a %v in a log line,
// a panic value, a JSON dump) it must still show none of them, so every way
// Go prints a value is routed through redacted: fmt.Formatter covers every
// verb including %#v, String covers the runtime's panic message, LogValue
// covers slog and MarshalJSON covers encoding/json.

const redactedMark = "[redacted]"

// secretFields name the Config fields that hold credentials.
var secretFields = map[string]bool{"SlackAppToken": true, "SlackBotToken": true, "JiraAPIToken": true, "APIKey": true, "AdminWriteKey": true}

// urlFields may carry credentials when misconfigured (user:token@host or
// ?token=…) before validate refuses them.
var urlFields = map[string]bool{"SlackAPIURL": true, "JiraBaseURL": true, "AdminAPIURL": true, "DatabaseURL": true}

// configFields is Config without its methods, so that printing it does not
// come back here.
type configFields Config

// redacted returns c with secrets replaced by a mark (empty stays empty, so
// an operator can still see what is unset) and URLs reduced to scheme, host
// and path.
func (c Config) redacted() configFields {
	r := configFields(c)
	v := reflect.ValueOf(&r).Elem()
	for name := range secretFields {
		f := v.FieldByName(name)
		f.SetString(mark(f.String()))
	}
	for name := range urlFields {
		f := v.FieldByName(name)
		f.SetString(redactURL(f.String()))
	}
	return r
}

func mark(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedMark
}

func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	// Not a URL (a libpq "host=… password=…" string pasted here): which
	// part of it is secret is not known, so none of it is shown.
	if err != nil || u.Scheme == "" || strings.ContainsAny(raw, " \t\r\n") {
		return redactedMark
	}
	// A user-info the parser took for a path ("https:/user:token@host",
	// a slash short): all of it may be secret.
	if strings.Contains(u.Path, "@") {
		return redactedMark
	}
	// A SQLite file's path with no slash (sqlite:lastactive.db, the
	// default) parses as opaque; it holds no credential and names the file
	// an operator looks for.
	opaque := ""
	if u.Scheme == "sqlite" && !strings.Contains(u.Opaque, "@") {
		opaque = u.Opaque
	}
	hidden := u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != opaque
	u.User, u.RawQuery, u.Fragment, u.RawFragment, u.Opaque, u.ForceQuery = nil, "", "", "", opaque, false
	if hidden {
		return u.String() + redactedMark
	}
	return u.String()
}

// String implements fmt.Stringer; the runtime uses it for a panic value.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// Format implements fmt.Formatter, so no verb (not %#v, not %x) reaches the
// raw fields.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements slog.LogValuer: one attribute per variable, named as
// in the environment.
func (c Config) LogValue() slog.Value {
	r := reflect.ValueOf(c.redacted())
	t := r.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("envconfig")
		if name == "" {
			name = t.Field(i).Name
		}
		attrs = append(attrs, slog.Any(name, r.Field(i).Interface()))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON implements json.Marshaler with the same redaction.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

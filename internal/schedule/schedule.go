// Package schedule turns a cron expression into slots, and runs work once
// per slot across replicas: each slot is claimed in a shared store before
// the work runs, and the claim is kept afterwards, so a second replica (or
// a restart) finds the slot taken.
package schedule

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	// The zone database, built in: a static binary runs where the host has
	// none (a scratch image, a bare VM, Windows without Go), and there every
	// CRON_TZ zone was "not a time zone". Go reads the host's first; this is
	// used only when it finds none (TestZonesWithoutTheHostsDatabase).
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// Schedule gives the slots of a parsed expression.
type Schedule interface {
	// Next returns the first slot strictly after t.
	Next(t time.Time) time.Time
}

// ErrInvalid is wrapped by every error of Parse, so callers can tell a bad
// expression from anything else.
var ErrInvalid = errors.New("invalid schedule")

// parser accepts the contract's forms: 5 fields (day-of-week names
// allowed), an optional CRON_TZ=Area/City (or TZ=) prefix, and the
// descriptors @every DURATION, @daily, @weekly and so on.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads expr. @every DURATION gives slots at whole multiples of
// DURATION since the Unix epoch, so replicas started at different moments
// agree on them; the other forms are robfig/cron's. A duration under a
// second is refused: the slots name a second; one written with days
// (1d) is refused naming the hours to write. A tab after CRON_TZ=Zone or
// @every separates as a space does; a line break or a non-breaking space
// there is refused, naming it.
func Parse(expr string) (Schedule, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if rest, ok := strings.CutPrefix(expr, "@every"); ok && rest != "" && unicode.IsSpace(firstRune(rest)) {
		// A tab separates as a space does; a line break or a
		// non-breaking space is a mangled file, not a separator.
		if bad, ok := badSeparator(rest); ok {
			return nil, fmt.Errorf("%w: has %s after @every: separate @every and the duration with a space, e.g. @every 1h", ErrInvalid, bad)
		}
		rest = strings.TrimSpace(rest)
		d, err := time.ParseDuration(rest)
		if err != nil {
			if hours, ok := inHours(rest); ok {
				return nil, fmt.Errorf("%w: @every takes a Go duration, which has no days (d): write @every %s", ErrInvalid, hours)
			}
			return nil, fmt.Errorf("%w: @every needs a Go duration such as 1h or 30m", ErrInvalid)
		}
		if d < time.Second || d%time.Second != 0 {
			return nil, fmt.Errorf("%w: @every needs a whole number of seconds, at least 1s", ErrInvalid)
		}
		if d > maxEvery {
			// Slots are multiples of d since 1970: near time.Duration's end
			// the next one overflows into the past.
			return nil, fmt.Errorf("%w: @every is at most %v (ten years)", ErrInvalid, maxEvery)
		}
		return Every(d), nil
	}
	if err := zonePrefixTypo(expr); err != nil {
		return nil, err
	}
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		// robfig's parser panics on a time zone with nothing after it,
		// and it ends the zone at the first space only: a tab after the
		// zone is made one here, and anything else refused.
		rest, ok := strings.CutPrefix(expr, prefix)
		if !ok {
			continue
		}
		zone, sep, after := splitZone(rest)
		if after == "" {
			return nil, fmt.Errorf("%w: has a time zone but no schedule after it, e.g. %sEurope/Berlin 0 9 * * MON", ErrInvalid, prefix)
		}
		// A carriage return or a line feed is a file saved with the wrong
		// line ends or a value broken over lines; a non-breaking space
		// comes from a copy out of a web page or a chat.
		if bad, ok := badSeparator(sep); ok {
			return nil, fmt.Errorf("%w: has %s between the time zone and the fields: separate them with a space, e.g. %s%s 0 9 * * MON",
				ErrInvalid, bad, prefix, cmp.Or(zone, "Europe/Berlin"))
		}
		// Go reads an empty zone name as UTC: CRON_TZ=$ZONE with ZONE
		// unset would run every slot in UTC without a word.
		if zone == "" {
			return nil, fmt.Errorf("%w: %s names no time zone, e.g. %sEurope/Berlin 0 9 * * MON", ErrInvalid, prefix, prefix)
		}
		// robfig reads "@every" after a zone as its own @every, which has
		// no zone; its refusal then said to write what was written.
		if strings.HasPrefix(after, "@every") {
			every := strings.Join(strings.Fields(after), " ")
			if every == "@every" {
				every = "@every DURATION"
			}
			return nil, fmt.Errorf("%w: @every takes no time zone (its slots are multiples of the duration since the Unix epoch, the same in every zone): write %s without %s, or 5 cron fields after the zone, e.g. %s%s 0 * * * *",
				ErrInvalid, every, prefix, prefix, zone)
		}
		expr = prefix + zone + " " + after
		break
	}
	// robfig skips an empty item of a list: "MON," (a "MON,WED" cut
	// short) would run on Mondays alone without a word.
	for _, f := range strings.Fields(expr) {
		if strings.HasPrefix(f, "CRON_TZ=") || strings.HasPrefix(f, "TZ=") {
			continue
		}
		if strings.HasPrefix(f, ",") || strings.HasSuffix(f, ",") || strings.Contains(f, ",,") {
			return nil, fmt.Errorf("%w: “%s” has an empty item in its list (a comma with nothing on one side): write the list without it, e.g. MON,WED", ErrInvalid, f)
		}
	}
	s, err := parser.Parse(expr)
	if err != nil {
		// robfig's errors quote the expression, which is configuration,
		// not a secret; they say which field was wrong, in Go's words
		// ("strconv.Atoi: parsing ..."), put here in an operator's.
		return nil, fmt.Errorf("%w: %s", ErrInvalid, plainCronError(err))
	}
	if _, ok := s.(cron.ConstantDelaySchedule); ok { // "@every" with other spacing
		return nil, fmt.Errorf("%w: write @every followed by one space and a duration", ErrInvalid)
	}
	// robfig gives the zero time for a date that never comes (31 February):
	// a schedule without a next slot would never run, and Latest would
	// walk for ever.
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("%w: never fires: no day matches it in the next five years", ErrInvalid)
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		return wallClock{spec}, nil
	}
	return s, nil
}

// splitZone cuts what follows a CRON_TZ= (or TZ=) prefix into the zone
// (up to the first white space of any kind), the white space after it,
// and the rest.
func splitZone(rest string) (zone, sep, after string) {
	i := strings.IndexFunc(rest, unicode.IsSpace)
	if i < 0 {
		return rest, "", ""
	}
	j := strings.IndexFunc(rest[i:], func(r rune) bool { return !unicode.IsSpace(r) })
	if j < 0 {
		return rest[:i], rest[i:], ""
	}
	return rest[:i], rest[i : i+j], rest[i+j:]
}

// badSeparator names the first character of sep, white space, that is
// neither a space nor a tab, in words that show it (the character itself
// is invisible in a log line, or breaks it), and whether there is one.
func badSeparator(sep string) (string, bool) {
	for _, r := range sep {
		switch r {
		case ' ', '\t':
			continue
		case '\r':
			return `a carriage return (\r)`, true
		case '\n':
			return `a line feed (\n)`, true
		case '\u00a0':
			return "a non-breaking space (U+00A0)", true
		default:
			if unicode.IsSpace(r) {
				return fmt.Sprintf("the white space character U+%04X", r), true
			}
			return "", false
		}
	}
	return "", false
}

// firstRune is the first character of s (utf8.RuneError when s is empty).
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// daysDuration is a duration written with days, which Go's has not:
// "1d", "7d", "1d12h".
var daysDuration = regexp.MustCompile(`^(\d{1,4})d(.*)$`)

// inHours rewrites a duration written with days ("1d", "1d12h") as the Go
// duration it means ("24h", "36h"), and whether it is one.
func inHours(s string) (string, bool) {
	m := daysDuration.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	days, _ := strconv.Atoi(m[1]) // at most four digits
	d := time.Duration(days) * 24 * time.Hour
	if m[2] != "" {
		more, err := time.ParseDuration(m[2])
		if err != nil || more < 0 {
			return "", false
		}
		d += more
	}
	out := d.String() // "36h0m0s"
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out, true
}

// zonePrefixTypo refuses a time zone prefix that robfig does not know and
// would count as one more field ("cron_tz=UTC 0 9 * * *" was "has 6
// fields, not 5", with the five fields right): lower case (robfig reads
// only CRON_TZ= and TZ= in capitals), spaces around the =, or another
// NAME=VALUE. No cron field holds an =, nor is CRON_TZ or TZ.
func zonePrefixTypo(expr string) error {
	first := strings.Fields(expr)[0]
	name, zone, hasEq := strings.Cut(first, "=")
	for _, p := range []string{"CRON_TZ", "TZ"} {
		if !strings.EqualFold(name, p) {
			continue
		}
		if !hasEq {
			return fmt.Errorf("%w: has a space around the = of %s: write %s=Area/City before the 5 fields, e.g. %s=Europe/Berlin 0 9 * * MON", ErrInvalid, p, p, p)
		}
		if name != p {
			return fmt.Errorf("%w: has its time zone prefix “%s=” not in capitals: write %s=%s (cron knows the prefix only in capitals, and counted “%s=…” as a field)", ErrInvalid, name, p, cmp.Or(zone, "Area/City"), name)
		}
		return nil
	}
	if hasEq {
		return fmt.Errorf("%w: “%s” is not a time zone prefix: write CRON_TZ=Area/City before the 5 fields, e.g. CRON_TZ=Europe/Berlin 0 9 * * MON", ErrInvalid, first)
	}
	return nil
}

// wallClock is a cron schedule that runs each wall-clock time of its time
// zone once across the summer-time changes, as cron does: robfig runs a
// time in the hour the clocks go back twice (two digests that morning) and
// one in the hour they skip never (a Sunday 02:30 digest lost for a week);
// where the clocks move by half an hour, by two hours or at midnight
// (Lord Howe, Troll, Beirut) it skips whole days. A repeated time runs at
// its first occurrence; a skipped one when the clocks jump.
type wallClock struct{ spec *cron.SpecSchedule }

// Next implements Schedule. The slots are found on the wall clock, where
// robfig has no summer time to get wrong (its fields read in UTC), and
// each is then placed in the time zone.
func (w wallClock) Next(t time.Time) time.Time {
	loc := w.spec.Location
	onWall := *w.spec
	onWall.Location = time.UTC
	wall := func(i time.Time) time.Time {
		l := i.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
	}
	// Every later slot has a wall time after t's own, or is the second
	// occurrence of a wall time whose first came already.
	for c := onWall.Next(wall(t)); !c.IsZero(); c = onWall.Next(c) {
		if at, ok := w.place(c, wall); ok && at.After(t) {
			return at.In(t.Location())
		}
	}
	return time.Time{}
}

// place returns the instant of wall-clock time c (a time whose fields are
// read in the zone): its first occurrence, or, when the clocks skipped it,
// the instant they jumped. ok is false when there is neither.
func (w wallClock) place(c time.Time, wall func(time.Time) time.Time) (time.Time, bool) {
	loc := w.spec.Location
	var first time.Time
	for _, probe := range []time.Duration{-30 * time.Hour, 0, 30 * time.Hour} {
		_, off := c.Add(probe).In(loc).Zone()
		if i := c.Add(-time.Duration(off) * time.Second); wall(i).Equal(c) && (first.IsZero() || i.Before(first)) {
			first = i
		}
	}
	if !first.IsZero() {
		return first, true
	}
	// Skipped: c read in the offset before the change is past the change.
	_, before := c.Add(-30 * time.Hour).In(loc).Zone()
	jump, _ := c.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return jump, !jump.IsZero()
}

// maxEvery is the longest @every: ten years.
const maxEvery = 87600 * time.Hour

// Every is a schedule with slots at the multiples of a duration since the
// Unix epoch.
type Every time.Duration

// Next implements Schedule.
func (e Every) Next(t time.Time) time.Time {
	// time.Truncate counts from year 1, not from the Unix epoch.
	d := int64(e)
	n := t.UnixNano()
	slot := n - n%d
	if n < 0 && n%d != 0 {
		slot -= d
	}
	return time.Unix(0, slot+d).In(t.Location())
}

// Latest returns the newest slot at or before t among the slots after
// since, and whether there is one. It walks forward from since, so since
// should be recent (the previous slot handled, or t minus a lookback).
func Latest(s Schedule, since, t time.Time) (time.Time, bool) {
	var last time.Time
	found := false
	// A zero Next is a schedule with no slot left (robfig's 31 February):
	// it is not "before t" for ever.
	for n := s.Next(since); !n.IsZero() && !n.After(t); n = s.Next(n) {
		last, found = n, true
	}
	return last, found
}

// Period estimates the time between two slots after t, for claim lifetimes.
func Period(s Schedule, t time.Time) time.Duration {
	a := s.Next(t)
	return s.Next(a).Sub(a)
}

// cronErrors are robfig/cron's refusals, each with the operator's words
// for it ($1, $2, $3: the refusal's submatches). Compiled when a
// schedule is first refused, not at every start: they are some 70 KB of
// heap a process that reads its schedules right never needs.
var cronErrors = sync.OnceValue(func() []cronError {
	return []cronError{
		{regexp.MustCompile(`^expected exactly (\d+) fields, found 1: `), "has 1 field, not $1"},
		{regexp.MustCompile(`^expected exactly (\d+) fields, found (\d+): `), "has $2 fields, not $1"},
		// An empty value is a range missing a side ("MON-", "-5").
		{regexp.MustCompile(`^failed to parse int from : `), "a range such as MON-FRI lacks its first or last value"},
		{regexp.MustCompile(`^failed to parse int from (.*?): `), "“$1” is neither a number nor a name such as MON or JAN"},
		{regexp.MustCompile(`^provided bad location (.*?): `), "“$1” is not a time zone"},
		{regexp.MustCompile(`^negative number \((-?\d+)\) not allowed: (.*)$`), "“$2” has a negative number"},
		{regexp.MustCompile(`^end of range \((\d+)\) above maximum \((\d+)\): (.*)$`), "“$3” is above $2, the largest value of its field"},
		{regexp.MustCompile(`^beginning of range \((\d+)\) below minimum \((\d+)\): (.*)$`), "“$3” is below $2, the smallest value of its field"},
		{regexp.MustCompile(`^beginning of range \((\d+)\) beyond end of range \((\d+)\): (.*)$`), "“$3” ends before it begins"},
		{regexp.MustCompile(`^too many (hyphens|slashes): (.*)$`), "“$2” has too many $1"},
		{regexp.MustCompile(`^step of range should be a positive number: (.*)$`), "“$1” needs a step of at least 1 after the /"},
		{regexp.MustCompile(`^unrecognized descriptor: (.*)$`), "“$1” is not a schedule (@hourly, @daily, @weekly, @monthly, @yearly and @every DURATION are)"},
	}
})

// cronError is one of robfig's refusals (re) in an operator's words.
type cronError struct {
	re    *regexp.Regexp
	plain string
}

var badLocation = regexp.MustCompile(`^provided bad location (.*?): `)

// caseOf is the zone name's spelling the zone database knows, when only its
// case was wrong (europe/berlin, UTC as utc), or "". The database cannot be
// listed, so it tries the two spellings zone names use: each word
// capitalised (Europe/Berlin, America/New_York) and all capitals (UTC, EST).
func caseOf(name string) string {
	if name == "" || len(name) > 64 {
		return ""
	}
	lower := []byte(strings.ToLower(name))
	title := make([]byte, len(lower))
	for i, c := range lower {
		if (i == 0 || lower[i-1] == '/' || lower[i-1] == '_' || lower[i-1] == '-') && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		title[i] = c
	}
	for _, try := range []string{string(title), strings.ToUpper(name)} {
		if try == name || strings.EqualFold(try, "local") {
			continue
		}
		if _, err := time.LoadLocation(try); err == nil {
			return try
		}
	}
	return ""
}

// plainCronError says robfig's refusal in an operator's words; one it
// does not know is kept as it is.
func plainCronError(err error) string {
	msg := err.Error()
	if m := badLocation.FindStringSubmatch(msg); m != nil {
		if zone := caseOf(m[1]); zone != "" {
			return "“" + m[1] + "” is not a time zone: zone names are case-sensitive, did you mean " + zone + "?"
		}
	}
	for _, c := range cronErrors() {
		if m := c.re.FindStringSubmatchIndex(msg); m != nil {
			return string(c.re.ExpandString(nil, c.plain, msg, m))
		}
	}
	return msg
}

// etcGMT is a zone of the Etc area with a fixed offset: Etc/GMT+2 is two
// hours behind UTC, its sign reversed as POSIX's TZ=<GMT+2> reverses it.
var etcGMT = regexp.MustCompile(`^Etc/GMT([+-])(\d{1,2})$`)

// ZoneWarning says, for a schedule whose CRON_TZ= (or TZ=) zone is one of
// the Etc/GMT±N zones, which UTC offset it really is: CRON_TZ=Etc/GMT+2
// 0 9 * * * runs at 11:00 UTC, which whoever wrote it for UTC+2 would not
// guess. It stays accepted (it is a valid zone, and someone may mean it);
// "" for every other schedule.
func ZoneWarning(expr string) string {
	expr = strings.TrimSpace(expr)
	var zone string
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(expr, prefix); ok {
			zone, _, _ = splitZone(rest)
			break
		}
	}
	m := etcGMT.FindStringSubmatch(zone)
	if m == nil {
		return ""
	}
	hours, err := strconv.Atoi(m[2])
	if err != nil || hours == 0 {
		return ""
	}
	offset, way, other := "-", "behind", "-"
	if m[1] == "-" {
		offset, way, other = "+", "ahead of", "+"
	}
	unit := "hours"
	if hours == 1 {
		unit = "hour"
	}
	return fmt.Sprintf("time zone %s is UTC%s%02d:00, %d %s %s UTC: the Etc/GMT zones reverse the sign (as POSIX does), "+
		"so 09:00 there is %02d:00 UTC. For UTC%s%02d:00 write CRON_TZ=Etc/GMT%s%d, or better a city's zone such as Europe/Berlin",
		zone, offset, hours, hours, unit, way, utcOf(9, offset, hours), m[1], hours, other, hours)
}

// utcOf is the UTC hour of hour h in a zone at UTC offset (sign) hours.
func utcOf(h int, sign string, hours int) int {
	if sign == "+" {
		return ((h-hours)%24 + 24) % 24
	}
	return (h + hours) % 24
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/cmd/lastactive/internal/flagerr"
	"lastactive/internal/state"
	"lastactive/internal/wire"
	"lastactive/seat"
)

// demoUser is who asks in the demo, and the Slack users the demo's
// mentions resolve to.
const demoUser, demoChannel = "U0DEMO", "C0DEMO"

// demo answers command texts against the built-in sample organisation:
// the real parser, lookups, cache and rendering, with Atlassian replaced by
// atlassiantest on loopback. It needs no credentials and no network.
func (a *app) demo(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	quietFlags(fs)
	blocks := fs.Bool("blocks", false, "print the Block Kit JSON and a Block Kit Builder link instead of text")
	// The demo's own flags come first; from the first word that is not
	// one, the rest is command text, whose words may look like flags
	// (`--fresh ada@example.com`, as typed in Slack).
	own := 0
	for own < len(args) && demoFlag(args[own]) {
		own++
	}
	if err := flagerr.Hide(fs.Parse(args[:own])); err != nil {
		fmt.Fprintf(a.stderr, "%s demo: %v\n", programName, err)
		fmt.Fprintln(a.stderr, "usage: lastactive demo [--blocks] [COMMAND TEXT]")
		return exitUsage
	}
	text := args[own:]
	if len(text) > 0 && text[0] == "--" {
		text = text[1:] // the end of the demo's flags, as on any command line
	}
	idleDays, err := demoIdleDays()
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitUsage
	}
	prices, currency, err := demoPrices()
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitUsage
	}
	a.warn(priceWarnings(pasted(os.Getenv("LASTACTIVE_SEAT_PRICES"))))
	now := time.Now()
	org := atlassiantest.SampleOrg(now)
	srv := atlassiantest.NewServer(org)
	defer srv.Close()

	log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	// The demo asker may run reports too, with sample prices (or
	// LASTACTIVE_SEAT_PRICES), so that `demo idle` shows the report (its
	// CSV has no DM to go to here).
	// Without Jira, as JIRA_* are optional: people are found by the Admin
	// API's exact-email search, which also gives their account status.
	// The per-requester budget shields a real Atlassian from one person
	// walking the directory; here one person asks a loopback sample, and
	// every line of a session is answered, however many and however fast.
	// Exemptions and the audit trail last the session, in memory: the demo
	// keeps nothing on disk.
	store := wire.OpenDurable(ctx, "sqlite::memory:", wire.DurableOptions{Logger: log})
	defer store.Close()
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		CacheTTL: time.Hour, IdleDays: idleDays, ReportUsers: []string{demoUser},
		SeatPrices: prices, Currency: currency,
		Logger: log, Users: demoUsers(org), Reports: true,
		PerUserBurst: math.MaxInt32, State: store,
	})
	if err != nil {
		fmt.Fprintf(a.stderr, "%s demo: %v\n", programName, err)
		return exitFailed
	}
	defer app.Close()
	// The audit writer stores what the answers record; it stops, flushed,
	// after the last answer, even one cut short by a signal.
	actx, stopAudit := context.WithCancel(context.WithoutCancel(ctx))
	var writer sync.WaitGroup
	writer.Go(func() { app.Audit.Run(actx) })
	defer writer.Wait()
	defer stopAudit()
	svc := app.Service

	// The first write that fails ends the demo: an answer nobody can read
	// is not a success.
	var werr error
	show := func(m bot.Message) {
		if werr == nil {
			werr = a.show(m, *blocks)
		}
	}
	answer := func(text string) {
		r := svc.Answer(ctx, bot.Request{UserID: demoUser, ChannelID: demoChannel, Text: text}, show)
		show(r.Message)
	}
	lost := func() int {
		fmt.Fprintf(a.stderr, "%s: write output: %v\n", programName, werr)
		return exitFailed
	}
	if len(text) > 0 {
		if answer(strings.Join(text, " ")); werr != nil {
			return lost()
		}
		return exitOK
	}
	trail := demoTrail{sync: app.Audit.Sync, store: store.Store}
	if isTerminal(a.stdin) {
		// Someone typed `lastactive demo` at a terminal: without a word,
		// the wait for the first line looks like a hang.
		fmt.Fprintln(a.stderr, "Type a command as in Slack (ada@example.com, <@U0GRACE>, idle, help) and press Enter; Ctrl-D ends the demo.")
	}
	// Lines are read beside the loop, so that Ctrl-C (or SIGTERM) ends a
	// demo waiting for its next line: a read of a terminal or a pipe cannot
	// be interrupted. The reader ends at the end of input, or, in a process
	// that goes on, when its next line comes.
	lines, readErr := make(chan string), make(chan error, 1)
	go func() {
		defer close(lines)
		// A line longer than the buffer is answered from its start (the
		// bot says it is too long) and the rest of it skipped: a Scanner
		// would stop there and drop every line after it without a word.
		br := bufio.NewReaderSize(a.stdin, 64<<10)
		for {
			chunk, err := br.ReadSlice('\n')
			line := string(chunk)
			if errors.Is(err, bufio.ErrBufferFull) {
				line = wholeRunes(line)
			}
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				readErr <- err
				return
			}
			if line == "" {
				return // end of input
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return // the last line had no newline
			}
		}
	}()
	for {
		var line string
		var more bool
		select {
		case line, more = <-lines:
		case <-ctx.Done():
			return exitOK
		}
		if !more {
			break
		}
		line = strings.TrimRight(line, "\r\n")
		_, werr = fmt.Fprintf(a.stdout, "> /lastactive %s\n", clean(clip(line, 200)))
		answer(line)
		trail.answered(ctx)
		if werr == nil {
			_, werr = fmt.Fprintln(a.stdout)
		}
		if werr != nil {
			return lost()
		}
	}
	select {
	case err := <-readErr:
		fmt.Fprintf(a.stderr, "%s demo: reading standard input: %v\n", programName, err)
		return exitFailed
	default:
	}
	return exitOK
}

// demoTrailLines is how many of a session's last lines its audit trail
// keeps at least (and at most twice as many): the trail lives in memory,
// and a script piping a million lines must not hold a million entries.
var demoTrailLines = 10_000

// demoTrail forgets the audit entries of a session's older lines.
type demoTrail struct {
	sync  func(context.Context) error // writes what the answers recorded
	store func() *state.Store
	n     int
	mark  time.Time // when the last demoTrailLines-th line was answered
}

// answered counts one more line answered; every demoTrailLines lines, the
// entries made before the previous such line are deleted.
func (t *demoTrail) answered(ctx context.Context) {
	t.n++
	if t.n%demoTrailLines != 0 {
		return
	}
	if !t.mark.IsZero() && t.sync(ctx) == nil {
		if st := t.store(); st != nil {
			st.SweepAudit(ctx, t.mark)
		}
	}
	t.mark = time.Now()
}

func (a *app) show(m bot.Message, blocks bool) error {
	if !blocks {
		_, err := fmt.Fprint(a.stdout, renderText(m))
		return err
	}
	payload := map[string]any{"blocks": m.Blocks}
	js, _ := json.MarshalIndent(payload, "", "  ")
	if _, err := fmt.Fprintf(a.stdout, "%s\n", js); err != nil {
		return err
	}
	compact, _ := json.Marshal(payload)
	_, err := fmt.Fprintf(a.stdout, "Open in Block Kit Builder: https://app.slack.com/block-kit-builder/#%s\n", url.PathEscape(string(compact)))
	return err
}

// demoDirectory maps demo Slack user IDs to sample emails, so mentions
// such as <@U0ADA> work in the demo.
type demoDirectory map[string]string

func (d demoDirectory) EmailOf(_ context.Context, userID string) (string, error) {
	if e, ok := d[userID]; ok {
		return e, nil
	}
	return "", bot.ErrSlackUserNoEmail
}

func demoUsers(org *atlassiantest.Org) demoDirectory {
	d := demoDirectory{}
	for _, u := range org.Users {
		if u.Email == "" {
			continue
		}
		local, _, _ := strings.Cut(u.Email, "@")
		id := "U0" + strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, local))
		if _, dup := d[id]; !dup {
			d[id] = u.Email
		}
	}
	return d
}

// demoFlag reports whether arg is one of demo's own flags (or asks for
// its usage), in any of the forms the flag package reads.
func demoFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return strings.HasPrefix(arg, "-") && arg != "-" && arg != "--" && (name == "blocks" || name == "h" || name == "help")
}

// demoPrices is LASTACTIVE_SEAT_PRICES and LASTACTIVE_CURRENCY, which the
// demo's costs name, read and checked as every subcommand does; unset or
// blank, the sample prices in USD.
func demoPrices() (seat.Prices, string, error) {
	prices := seat.Prices{"jira-software": 8.60, "confluence": 6.05}
	if v := pasted(os.Getenv("LASTACTIVE_SEAT_PRICES")); v != "" {
		p, err := parsePrices(v)
		if err != nil {
			return nil, "", &configError{[]string{"LASTACTIVE_SEAT_PRICES " + err.Error()}}
		}
		prices = p
	}
	currency := strings.ToUpper(pasted(os.Getenv("LASTACTIVE_CURRENCY")))
	if currency == "" {
		currency = seat.DefaultCurrency
	}
	if err := seat.ValidCurrency(currency); err != nil {
		return nil, "", &configError{[]string{"LASTACTIVE_CURRENCY " + err.Error()}}
	}
	return prices, currency, nil
}

// demoIdleDays is LASTACTIVE_IDLE_DAYS, one of the settings the demo reads:
// its verdicts are the real bot's, and that variable decides them. The
// value is read and checked as every subcommand does; unset or blank is
// the default.
func demoIdleDays() (int, error) {
	v, ok := os.LookupEnv("LASTACTIVE_IDLE_DAYS")
	if v = pasted(v); !ok || v == "" {
		return bot.DefaultIdleDays, nil
	}
	var n wholeNumber
	if err := n.Decode(v); err != nil || n < 1 || n > 3650 {
		return 0, &configError{[]string{"LASTACTIVE_IDLE_DAYS " + expected("LASTACTIVE_IDLE_DAYS")}}
	}
	return int(n), nil
}

// wholeRunes drops the start of a character that s, cut at a byte count,
// ends inside of: a long line of text is then too long, not "bytes that
// are not text".
func wholeRunes(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

// isTerminal reports whether r is a terminal: not a pipe, a file, or
// /dev/null (a character device too, which a mode check would take for one).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	// Control, not Fd: Fd would switch the descriptor to blocking mode.
	if rc.Control(func(fd uintptr) { tty = isatty.IsTerminal(fd) }) != nil {
		return false
	}
	return tty
}

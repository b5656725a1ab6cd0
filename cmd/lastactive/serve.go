package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/internal/credentials"
	"lastactive/internal/state"
	"lastactive/internal/wire"
)

func (a *app) serve(ctx context.Context, args []string) int {
	if a.strayArguments("serve", args) {
		return exitUsage
	}
	c, warnings, ok := a.configWarnings(needSlack | needAdmin) // Jira is optional
	if !ok {
		return exitConfig
	}
	// SQLite is one process's store: a second serve on the file answers
	// what Slack delivers to both (its envelope dedupe is its memory). It
	// is said, not refused: a rolling restart, or two runs in one working
	// directory on the default file, overlap for a while and must go on.
	// PostgreSQL takes no lock.
	release, err := state.LockServe(c.DatabaseURL)
	switch {
	case errors.Is(err, state.ErrServeLockHeld):
		a.logger(c).Warn("another lastactive serve is running on this SQLite database: a command Slack delivers to both may be answered twice; "+
			"several replicas need PostgreSQL (LASTACTIVE_DATABASE_URL=postgres://...)",
			"database", strings.TrimPrefix(c.DatabaseURL, "sqlite:"), "lock_file", state.ServeLockPath(c.DatabaseURL))
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		// A directory this user may not write (the store says so too):
		// serve goes on without the lock.
		a.logger(c).Warn("cannot lock the SQLite database to tell a second serve", "err", err)
	case err == nil:
		defer release()
	}
	for _, w := range warnings {
		a.logger(c).Warn(w)
	}
	if limit := goMemoryLimit(os.LookupEnv, "/sys/fs/cgroup"); limit > 0 {
		// The GC target stays at Go's default (or GOGC): in a container the
		// memory limit, not a low target, keeps the heap in bounds. GOGC=50
		// cost about 20% more CPU per command under load (0.49-0.55 against
		// 0.41-0.45 CPU s per 1,000) for 6 MB less peak RSS with 10,000
		// people cached (cmd/lastactive-load, README Performance).
		debug.SetMemoryLimit(limit)
	}
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: cannot listen on LASTACTIVE_HTTP_ADDR %s: %v\n", programName, c.HTTPAddr, err)
		return exitFailed
	}
	if err := serveOn(ctx, c, a, ln); err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", programName, err)
		return exitFailed
	}
	return exitOK
}

// serveOn runs the bot and the health server until ctx is done. It owns ln.
func serveOn(ctx context.Context, c Config, a *app, ln net.Listener) error {
	log := a.logger(c)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := bot.NewMetrics(reg)
	sm := wire.NewStoreMetrics(reg)
	dur := openState(ctx, c, log, sm, true)
	defer dur.Close()
	if c.DatabaseURL == "" {
		log.Warn("no database: LASTACTIVE_DATABASE_URL is set but empty, so the audit trail, nudges, exemptions " +
			"and schedule claims live in memory and are lost at restart, and each replica would post the digest " +
			"(unset it for the default sqlite:lastactive.db)")
	}

	st := settings(c, log, m, upstreamHTTP())
	st.State, st.StoreMetrics = dur, sm
	// A lookup that sees the bot token refused pokes the credential watch
	// (made below, once the clients exist), so /readyz follows at once.
	var watchRef atomic.Pointer[credentials.Watch]
	st.OnSlackTokenRejected = func(error) {
		if w := watchRef.Load(); w != nil {
			w.Poke()
		}
	}
	app, err := wire.Build(st)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close() // stops a report scan still running

	// The credential watch is owned here: it stops with wctx, before wg.Wait.
	watch := credentials.NewWatch(readinessChecker(c, homeTeller{app.Slack, app.Service.SetHome}, app.Atlassian), credentials.WatchOptions{Interval: credentialInterval(), Logger: log, Registerer: reg})
	watchRef.Store(watch)
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	srv := healthServer(notReady(app.Bot.Ready, app.Bot.ConnectError, watch), reg)
	var wg sync.WaitGroup
	wg.Go(func() { watch.Run(wctx) })
	wg.Go(func() {
		if err := serveHealth(srv, ln, maxHealthConns); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server stopped", "err", err)
		}
	})
	log.Info("lastactive starting", "version", version, "http_addr", ln.Addr().String())
	err = app.Run(ctx)
	stopWatch()

	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	wg.Wait()
	return err
}

// homeTeller passes each auth.test the credential watch makes (at start and
// every few minutes) through, and tells the Service the bot token's
// workspace: requests from any other are not served.
type homeTeller struct {
	credentials.SlackBot
	tell func(team, enterprise string)
}

func (h homeTeller) AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error) {
	a, err := h.SlackBot.AuthTestContext(ctx)
	if err == nil && a != nil {
		h.tell(a.TeamID, a.EnterpriseID)
	}
	return a, err
}

// maxHealthConns bounds the health server's open connections. A probe
// and a scraper need a few; a flood of idle or slowloris connections
// would otherwise each hold a socket and a goroutine until its timeout.
// Past the bound, a new connection takes the slot of the one that has
// made no progress for longest (limitListener).
const maxHealthConns = 128

// healthServer serves /healthz, /readyz and /metrics with timeouts, so a
// slow or hostile client cannot hold connections open.
func healthServer(notReady func() []string, g prometheus.Gatherer) *http.Server {
	return &http.Server{
		Handler:           healthMux(notReady, g),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// serveHealth serves srv on ln with at most n connections open at once.
// It sets srv.ConnState: the listener must know what each connection is
// doing.
func serveHealth(srv *http.Server, ln net.Listener, n int) error {
	l := limitListener(ln, n)
	srv.ConnState = l.track
	return srv.Serve(l)
}

// limitListener keeps at most n connections open at once. A connection
// that comes when all n are open takes the slot of another, which is
// closed: the one that has made no progress for longest, as it has been
// in the same state (still sending its headers, idle between requests,
// or in one request, trickling its body or not reading the answer). A
// probe or a scrape takes milliseconds and a connection or two, so the
// cap is reached only by clients holding connections, and a probe behind
// them takes the slot of the one holding it longest.
func limitListener(ln net.Listener, n int) *limitedListener {
	return &limitedListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}),
		since: map[*limitedConn]time.Time{}}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	since map[*limitedConn]time.Time // the open connections, since when each is in its state
}

func (l *limitedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// Room is made only for a connection that has come: one evicted in
	// advance could be the probe accepted just before.
	select {
	case l.slots <- struct{}{}:
	default:
		l.evict()
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

// evict closes connections, the longest in its state first, until one has
// given its slot back or none is left.
func (l *limitedListener) evict() {
	for {
		l.mu.Lock()
		// A connection that closed on its own since Accept found every
		// slot taken (a client hanging up) has made room: evict nobody.
		// Its slot is given back before it leaves since, so one gone from
		// since without being evicted is seen here. Before, the next
		// oldest was closed for nothing.
		if len(l.slots) < cap(l.slots) {
			l.mu.Unlock()
			return
		}
		var oldest *limitedConn
		for c, t := range l.since {
			if oldest == nil || t.Before(l.since[oldest]) {
				oldest = c
			}
		}
		delete(l.since, oldest)
		l.mu.Unlock()
		if oldest == nil || oldest.evict() {
			return
		}
	}
}

// track is the server's ConnState hook: it keeps the open connections and
// since when each is in its state.
func (l *limitedListener) track(nc net.Conn, s http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateNew:
		l.since[c] = time.Now()
	case http.StateActive, http.StateIdle:
		if _, open := l.since[c]; open { // not evicted meanwhile
			l.since[c] = time.Now()
		}
	default:
		delete(l.since, c)
	}
}

func (l *limitedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its slot back once, however often it is closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// evict closes c and reports whether that gave its slot back (false: it
// was closed already).
func (c *limitedConn) evict() bool {
	freed := false
	c.Conn.Close()
	c.once.Do(func() { c.release(); freed = true })
	return freed
}

// healthMux serves the three paths exactly as written. Any other
// spelling of them (//metrics, /./healthz) is a 404, not the ServeMux's
// redirect to the cleaned path, whose Location repeats the query as sent.
func healthMux(notReady func() []string, g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if why := notReady(); len(why) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(why, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			mux.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// healthcheck is for container runtimes without a shell or curl: it asks
// the local health endpoint and exits 0 when it answers 200.
func (a *app) healthcheck(ctx context.Context, args []string) int {
	if a.strayArguments("healthcheck", args) {
		return exitUsage
	}
	c, err := a.load()
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: configuration: %v\n", programName, err)
		return exitConfig
	}
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: LASTACTIVE_HTTP_ADDR must be host:port\n", programName)
		return exitConfig
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	// Its own server, never through a proxy: the default client takes
	// HTTP_PROXY for any host that is not "localhost" or a loopback IP, and
	// a proxy would answer (or fail) for a bot it cannot reach. No
	// redirects either: /healthz answers itself.
	hc := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := hc.Do(req)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: healthz: %v\n", programName, err)
		return exitFailed
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(a.stderr, "%s: healthz answered %d\n", programName, resp.StatusCode)
		return exitFailed
	}
	return exitOK
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/wire"
)

// target is the bot under load.
type target interface {
	mode() string
	// metrics gathers the bot's Prometheus metrics.
	metrics(ctx context.Context) ([]*dto.MetricFamily, error)
	// peakRSSMB is the bot's peak resident memory, 0 when unknown.
	peakRSSMB() float64
	// peakAnonMB is the largest anonymous resident memory seen, 0 when
	// unknown (see watchAnon).
	peakAnonMB() float64
	// cpuSeconds is the CPU time the bot has used so far, 0 when unknown.
	cpuSeconds() float64
	// stop stops the bot and waits for it; safe to call more than once.
	stop() error
}

// subprocess is the built binary, run as an operator would run it, so that
// its memory is its own.
type subprocess struct {
	name     string // "" for the bot, TargetBare for the bare acker
	cmd      *exec.Cmd
	addr     string
	tmp      string // holds a binary built for this run; "" when given one
	dbDir    string // holds the bot's SQLite database unless the caller names one
	exited   chan struct{}
	exitErr  error
	stopOnce sync.Once
	stopErr  error
	stderr   *captureWriter // the bot's stderr, where quit reads its dump
	// anonKB is the largest RssAnon seen by watchAnon (kB); anonDone
	// closes when it has stopped, after the process exited.
	anonKB   atomic.Int64
	anonDone chan struct{}
}

// captureWriter passes writes on to w until capturing, then keeps them.
type captureWriter struct {
	mu        sync.Mutex
	w         io.Writer
	capturing bool
	buf       bytes.Buffer
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.capturing {
		return c.buf.Write(b)
	}
	return c.w.Write(b)
}

func (c *captureWriter) capture() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.capturing = true
}

func (c *captureWriter) captured() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// startSubprocess runs `bin serve` against the fakes and waits until it is
// connected to the fake Slack (/readyz). With bin empty it builds the binary
// first. dbURL, when set, is its LASTACTIVE_DATABASE_URL; otherwise the
// caller's, or a SQLite file of its own.
func startSubprocess(ctx context.Context, bin string, sl *slacktest.Server, atl *atlassiantest.Server, stderr io.Writer, dbURL string) (*subprocess, error) {
	p := &subprocess{exited: make(chan struct{})}
	if bin == "" {
		var err error
		if bin, p.tmp, err = buildBinary(ctx, "lastactive/cmd/lastactive"); err != nil {
			return nil, err
		}
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		p.cleanup()
		return nil, err
	}
	p.addr = addr

	p.cmd = exec.Command(bin, "serve")
	// A clean environment: only fake credentials and loopback URLs, so that
	// nothing real from the caller's shell can reach the bot.
	p.cmd.Env = []string{
		"SLACK_APP_TOKEN=" + slacktest.AppToken,
		"SLACK_BOT_TOKEN=" + slacktest.BotToken,
		"SLACK_API_URL=" + sl.APIURL(),
		"JIRA_BASE_URL=" + atl.URL(),
		"JIRA_EMAIL=" + atlassiantest.JiraEmail,
		"JIRA_API_TOKEN=" + atlassiantest.JiraAPIToken,
		"ATLASSIAN_ORG_ID=" + atl.OrgID(),
		"ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + atl.URL(),
		"LASTACTIVE_HTTP_ADDR=" + addr,
		"LASTACTIVE_LOG_LEVEL=warn",
	}
	// Runtime knobs pass through, so their effect on memory can be measured;
	// so does the database URL (empty: no store), to measure what it costs.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG", "LASTACTIVE_DATABASE_URL", "LASTACTIVE_LOG_LEVEL", "LASTACTIVE_PPROF_ADDR", "LASTACTIVE_MEMPROFILE_RATE"} {
		if v, ok := os.LookupEnv(k); ok {
			p.cmd.Env = append(p.cmd.Env, k+"="+v)
		}
	}
	if dbURL != "" {
		p.cmd.Env = append(p.cmd.Env, "LASTACTIVE_DATABASE_URL="+dbURL)
	} else if _, ok := os.LookupEnv("LASTACTIVE_DATABASE_URL"); !ok {
		// The default store, but not in the caller's working directory.
		if p.dbDir, err = os.MkdirTemp("", "lastactive-load-db-"); err != nil {
			p.cleanup()
			return nil, err
		}
		p.cmd.Env = append(p.cmd.Env, "LASTACTIVE_DATABASE_URL=sqlite:"+filepath.Join(p.dbDir, "lastactive.db"))
	}
	p.stderr = &captureWriter{w: stderr}
	p.cmd.Stdout, p.cmd.Stderr = stderr, p.stderr
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	p.watchAnon()
	if err := p.waitReady(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// buildBinary builds the main package pkg (the lastactive binary, or the
// bare acker) into a new temporary directory, which the caller removes.
func buildBinary(ctx context.Context, pkg string) (bin, dir string, err error) {
	dir, err = os.MkdirTemp("", "lastactive-load-")
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, path.Base(pkg))
	var out bytes.Buffer
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("go build %s (run from inside the module, or pass -bin / -bare-bin): %v\n%s", pkg, err, out.Bytes())
	}
	return bin, dir, nil
}

func (p *subprocess) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if code, err := get(ctx, "http://"+p.addr+"/readyz", io.Discard); err == nil && code == http.StatusOK {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the bot exited before it was ready: %v", p.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("the bot did not become ready: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func (p *subprocess) mode() string {
	if p.name != "" {
		return p.name
	}
	return "subprocess"
}

func (p *subprocess) metrics(ctx context.Context) ([]*dto.MetricFamily, error) {
	if p.addr == "" {
		return nil, errors.New("no metrics")
	}
	var body bytes.Buffer
	code, err := get(ctx, "http://"+p.addr+"/metrics", &body)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("/metrics answered %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(&body)
	if err != nil {
		return nil, err
	}
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	return list, nil
}

func (p *subprocess) peakRSSMB() float64 {
	kb, err := vmHWM(p.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return round(float64(kb)/1024, 1)
}

// anonInterval is how often watchAnon reads the process's RssAnon.
const anonInterval = 10 * time.Millisecond

// watchAnon follows the process's anonymous resident memory (RssAnon: its
// heap, stacks and runtime, what it made itself) until it exits, and keeps
// the largest. The kernel keeps a peak only of the whole RSS (VmHWM), which
// also counts the pages of the binary the process has touched: under load
// more than half of the bot's (issue 19), shared page cache that a larger
// binary faults in without the process holding any more of its own. A
// sampled peak can miss a spike shorter than anonInterval.
func (p *subprocess) watchAnon() {
	p.anonDone = make(chan struct{})
	pid := p.cmd.Process.Pid
	go func() {
		defer close(p.anonDone)
		t := time.NewTicker(anonInterval)
		defer t.Stop()
		for {
			if kb, err := procStatusKB(pid, "RssAnon:"); err == nil && int64(kb) > p.anonKB.Load() {
				p.anonKB.Store(int64(kb))
			}
			select {
			case <-p.exited:
				return
			case <-t.C:
			}
		}
	}()
}

// peakAnonMB is the largest anonymous RSS seen so far, 0 when unknown.
func (p *subprocess) peakAnonMB() float64 {
	if kb, err := procStatusKB(p.cmd.Process.Pid, "RssAnon:"); err == nil && int64(kb) > p.anonKB.Load() {
		p.anonKB.Store(int64(kb)) // the sampler's last read may be 10 ms old
	}
	return round(float64(p.anonKB.Load())/1024, 1)
}

func (p *subprocess) cpuSeconds() float64 {
	s, err := cpuSeconds(p.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return s
}

// stop asks the bot to stop as Kubernetes would (SIGTERM) and kills it if
// it overruns the contract's 10 s.
func (p *subprocess) stop() error {
	p.stopOnce.Do(func() {
		defer p.cleanup()
		select {
		case <-p.exited:
			// Nobody asked it to stop: it crashed, even with exit code 0.
			p.stopErr = fmt.Errorf("the bot exited before it was asked to stop: %v", p.exitErr)
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(12 * time.Second)
		defer t.Stop()
		select {
		case <-p.exited:
			if p.exitErr != nil {
				p.stopErr = fmt.Errorf("the bot did not exit cleanly on SIGTERM: %v", p.exitErr)
			}
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.exited
			p.stopErr = errors.New("the bot did not stop within 12 s of SIGTERM and was killed")
		}
	})
	return p.stopErr
}

// quit stops the bot with SIGQUIT, on which Go prints every goroutine's
// stack to stderr, and returns what it printed from then on. It stops the
// bot as stop does (a later stop returns nil), so it is for a soak that
// has already failed.
func (p *subprocess) quit() (string, error) {
	if p.stderr == nil {
		return "", errors.New("this process's stderr is not kept")
	}
	var err error
	dumped := false
	p.stopOnce.Do(func() {
		defer p.cleanup()
		select {
		case <-p.exited:
			p.stopErr = fmt.Errorf("the bot exited before it was asked to stop: %v", p.exitErr)
			err = p.stopErr
			return
		default:
		}
		p.stderr.capture()
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		t := time.NewTimer(12 * time.Second)
		defer t.Stop()
		select {
		case <-p.exited: // its stderr is copied once Wait has returned
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		dumped = true
	})
	if err == nil && !dumped {
		err = errors.New("the bot had already been stopped")
	}
	if err != nil {
		return "", err
	}
	return p.stderr.captured(), nil
}

func (p *subprocess) cleanup() {
	if p.anonDone != nil {
		select {
		case <-p.exited: // watchAnon ends with the process
			<-p.anonDone
		default:
		}
	}
	if p.tmp != "" {
		os.RemoveAll(p.tmp)
	}
	if p.dbDir != "" {
		os.RemoveAll(p.dbDir)
	}
}

// vmHWM reads a process's peak resident set size, in kB.
func vmHWM(pid int) (int, error) { return procStatusKB(pid, "VmHWM:") }

// procStatusKB reads one figure in kB (field, with its colon) from a
// process's /proc status.
func procStatusKB(pid int, field string) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func get(ctx context.Context, url string, w io.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return resp.StatusCode, err
}

// lookupCounts reads lastactive_lookups_total: cache hits and misses.
func lookupCounts(mfs []*dto.MetricFamily) (hit, miss int) {
	for _, mf := range mfs {
		if mf.GetName() != "lastactive_lookups_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			n := int(m.GetCounter().GetValue())
			for _, l := range m.GetLabel() {
				if l.GetName() != "cache" {
					continue
				}
				if l.GetValue() == "hit" {
					hit += n
				} else {
					miss += n
				}
			}
		}
	}
	return hit, miss
}

// inProcess is the bot wired as cmd/lastactive wires it, in this process:
// handy under a profiler, but its memory cannot be told from the fakes'.
type inProcess struct {
	reg      *prometheus.Registry
	cancel   context.CancelFunc
	done     chan struct{}
	app      *wire.App
	state    *wire.Durable // nil without a store
	stopOnce sync.Once
}

func startInProcess(ctx context.Context, sl *slacktest.Server, atl *atlassiantest.Server, stderr io.Writer) (*inProcess, error) {
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	reg := prometheus.NewRegistry()
	// With LASTACTIVE_DATABASE_URL set (and not empty), the store too, so
	// that its cost shows under the profiler.
	var state *wire.Durable
	if u := os.Getenv("LASTACTIVE_DATABASE_URL"); u != "" {
		state = wire.OpenDurable(ctx, u, wire.DurableOptions{Logger: logger})
	}
	// The same graph as the binary's serve, from internal/wire.
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: atl.OrgID(), APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour, IdleDays: bot.DefaultIdleDays, Reports: true,
		Logger: logger, Metrics: bot.NewMetrics(reg), State: state,
	})
	if err != nil {
		if state != nil {
			state.Close()
		}
		return nil, err
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &inProcess{reg: reg, cancel: cancel, done: make(chan struct{}), app: app, state: state}
	go func() {
		defer close(p.done)
		_ = app.Run(bctx)
	}()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := sl.WaitConnected(wctx); err != nil {
		p.stop()
		return nil, fmt.Errorf("the bot did not connect to the fake Slack: %w", err)
	}
	return p, nil
}

func (p *inProcess) mode() string { return "in-process" }

func (p *inProcess) metrics(context.Context) ([]*dto.MetricFamily, error) { return p.reg.Gather() }

func (p *inProcess) peakRSSMB() float64  { return 0 }
func (p *inProcess) peakAnonMB() float64 { return 0 }

func (p *inProcess) cpuSeconds() float64 { return 0 }

func (p *inProcess) stop() error {
	p.stopOnce.Do(func() {
		p.cancel()
		<-p.done
		p.app.Close()
		if p.state != nil {
			p.state.Close()
		}
	})
	return nil
}

// histogramQuantile is the upper bound of the bucket that holds quantile q
// of the named histogram: an upper bound of the true value. 0 when empty.
func histogramQuantile(mfs []*dto.MetricFamily, name string, q float64) float64 {
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) == 0 {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		want := q * float64(h.GetSampleCount())
		for _, b := range h.GetBucket() {
			if float64(b.GetCumulativeCount()) >= want {
				return b.GetUpperBound()
			}
		}
	}
	return 0
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// Mixes of people asked about.
const (
	MixDistinct = "distinct" // every command asks about someone new
	MixZipf     = "zipf"     // a few people are asked about often, most rarely
	MixSame     = "same"     // every command asks about one person
	// MixMention asks about the distinct mix's people, each command someone
	// new, but names about half of them by Slack mention (<@U…>), as a
	// person picks them from Slack's @ menu: the bot reads each mentioned
	// person's email with users.info on the fake Slack, so the load
	// measures its Slack Web API client too. The other mixes name everyone
	// by email and make no Web API call.
	MixMention = "mention"
)

// mentionShare is the share of a mention mix's commands that name their
// person by mention.
const mentionShare = 0.5

// Options describe one load run. Zero values take the defaults of the flags.
type Options struct {
	N           int           // commands to send
	Concurrency int           // commands in flight at once
	Mix         string        // MixDistinct, MixZipf, MixSame or MixMention
	Latency     time.Duration // added by the fake Atlassian to every answer
	Users       int           // size of the generated organisation
	PageSize    int           // products per Admin API page
	Seed        int64         // the same seed asks about the same people
	InProcess   bool          // run the bot in this process instead of the binary
	// MemProfile, if set, receives a heap profile of this process once the
	// commands are answered and before the bot stops: with InProcess, what
	// the bot holds (its cache above all).
	MemProfile string
	Bin        string // the lastactive binary; empty builds one
	// Timeout bounds the whole run; a command still unanswered then is lost.
	Timeout time.Duration
	// Stderr receives the bot's warnings; nil discards them.
	Stderr io.Writer
	// Target is what answers: TargetBot (default) or TargetBare, the
	// floor, which only acks. A bare run cannot be timed by its replies,
	// so each command holds its place in flight from its ack until its
	// upstream floor has passed (1 + pages × Latency after it was sent),
	// as it would with a bot that answered at the floor: both targets see
	// about the same command rate. TargetReference answers, and is timed
	// and judged as the bot is.
	Target string
	// BareBin is the bare acker (cmd/lastactive-load/bare), which is also
	// the reference; empty builds one.
	BareBin string
	// Floor is what Compare runs the bot against: TargetBare (default) or
	// TargetReference.
	Floor string
}

func (o *Options) defaults() error {
	if o.N <= 0 {
		o.N = 1000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 50
	}
	if o.Mix == "" {
		o.Mix = MixDistinct
	}
	switch o.Target {
	case "":
		o.Target = TargetBot
	case TargetBot:
	case TargetBare, TargetReference:
		if o.InProcess {
			return fmt.Errorf("the %s target runs as a subprocess only", o.Target)
		}
	default:
		return fmt.Errorf("unknown target %q: want bot, bare or reference", o.Target)
	}
	switch o.Mix {
	case MixDistinct, MixZipf, MixSame, MixMention:
	default:
		return fmt.Errorf("unknown mix %q: want distinct, zipf, same or mention", o.Mix)
	}
	if o.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	if o.Users <= 1 {
		o.Users = 20000
	}
	if o.PageSize <= 0 {
		o.PageSize = 2
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return nil
}

// Latencies summarises one set of durations, in milliseconds.
type Latencies struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what one run measured.
type Result struct {
	Mode           string  `json:"mode"` // "subprocess" or "in-process"
	Mix            string  `json:"mix"`
	Concurrency    int     `json:"concurrency"`
	LatencyMS      float64 `json:"upstream_latency_ms"`
	PageSize       int     `json:"page_size"`
	DistinctPeople int     `json:"distinct_people"`

	Sent     int `json:"commands_sent"`
	Received int `json:"replies_received"`
	Lost     int `json:"replies_lost"`
	// Wrong counts replies that do not show the answer about the person
	// asked about: an error reply (such as "Atlassian is unavailable"), or
	// someone else's.
	Wrong    int `json:"replies_wrong"`
	LateAcks int `json:"acks_late"` // after Slack's 3 s

	// Ack is each envelope's round trip on the wire, as Slack times it: the
	// fake's write of the envelope to the socket until it read the ack
	// (slacktest.Server.AckLatency). AckNoticed is from the command's send
	// until this tool noticed the ack; it adds the fake's queueing and this
	// process's own wake-ups, which grow with the replies and upstream calls
	// it serves, so it is no fair floor for a target that only acks.
	Ack        Latencies `json:"ack"`
	AckNoticed Latencies `json:"ack_noticed"`
	// BotAckP99MS is the bot's own view (lastactive_ack_duration_seconds,
	// from its read of the frame to its write of the ack), as the upper
	// bound of its p99 bucket. The gap to Ack is the socket, the scheduling
	// of the bot's reader and of the fake, and CPU contention.
	BotAckP99MS float64   `json:"bot_ack_p99_bucket_ms"`
	Reply       Latencies `json:"reply"`
	// The replies split by when the command was sent: the first command
	// about a person; later ones sent while that first answer was still
	// being fetched; and those sent after it was answered, which the cache
	// must serve.
	ReplyFirst   Latencies `json:"reply_first_ask"`
	ReplyWaiting Latencies `json:"reply_while_in_flight"`
	ReplyCached  Latencies `json:"reply_after_answered"`

	// FloorMS is the median, over first asks, of the upstream round trips an
	// uncached lookup cannot avoid: one Jira search plus one call per Admin
	// page, each taking the fake's latency. FloorRatio is the median of each
	// first ask's reply latency divided by its own floor.
	FloorMS    float64 `json:"uncached_floor_ms"`
	FloorRatio float64 `json:"uncached_reply_to_floor"`

	JiraCalls  int `json:"upstream_jira_calls"`
	AdminCalls int `json:"upstream_admin_calls"` // without the workspaces reads
	// WorkspacesCalls are the requests of the site-name reads: one read (of
	// every workspaces page) an hour for the whole process.
	WorkspacesCalls    int     `json:"upstream_workspaces_calls"`
	UpstreamPerCommand float64 `json:"upstream_calls_per_command"`
	// OneChainEach holds when Jira was searched once per distinct person and
	// the Admin API asked once per page of each: no lookup was repeated.
	OneChainEach  bool    `json:"one_chain_per_person"`
	ExpectedAdmin int     `json:"expected_admin_calls"`
	CacheHits     int     `json:"cache_hits"`
	CacheMisses   int     `json:"cache_misses"`
	CacheHitRatio float64 `json:"cache_hit_ratio"`
	// Mentions counts the commands that named their person by mention
	// (MixMention). Each mentioned person costs one users.info call on the
	// fake Slack (the bot keeps a profile for ten minutes):
	// ExpectedUsersInfo is how many people were mentioned, UsersInfoCalls
	// how many calls the fake received, and UsersInfoBad those of them it
	// refused or that asked about nobody mentioned (a wrong token, another
	// user ID): the run fails on any.
	Mentions          int     `json:"mentions,omitempty"`
	UsersInfoCalls    int     `json:"slack_users_info_calls,omitempty"`
	ExpectedUsersInfo int     `json:"expected_users_info_calls,omitempty"`
	UsersInfoBad      int     `json:"slack_users_info_bad,omitempty"`
	PeakRSSMB         float64 `json:"bot_peak_rss_mb,omitempty"` // VmHWM; subprocess mode only
	// PeakAnonMB is the largest anonymous RSS sampled (RssAnon, every
	// 10 ms): PeakRSSMB without the pages of the binary (subprocess only).
	PeakAnonMB float64 `json:"bot_peak_anon_rss_mb,omitempty"`
	// CPUPer1000 is the target's user+system CPU seconds while the
	// commands ran, per 1,000 commands (from /proc; subprocess mode only).
	CPUPer1000     float64 `json:"cpu_seconds_per_1000,omitempty"`
	WallSeconds    float64 `json:"wall_seconds"`
	CommandsPerSec float64 `json:"commands_per_second"`
}

// sample is what happened to one command.
type sample struct {
	person         int    // index into the people asked about
	mention        bool   // named by mention (<@U…>) rather than by email
	env            string // envelope ID
	sent, acked    time.Time
	wire           time.Duration // the ack's round trip on the wire
	wireOK         bool
	replied        time.Time // zero: lost
	right, lateAck bool
}

// Run starts the fakes and the bot, sends o.N commands at o.Concurrency and
// measures. Everything it starts has stopped when it returns.
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.defaults(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	org := atlassiantest.GenerateOrg(o.Users, o.Seed, time.Now())
	people := eligible(org)
	if len(people) == 0 {
		return Result{}, errors.New("the generated organisation has nobody to look up")
	}
	asks := plan(o, len(people))
	byMention := mentions(o)

	atl := atlassiantest.NewServer(org, atlassiantest.WithLatency(o.Latency), atlassiantest.WithPageSize(o.PageSize))
	defer atl.Close()
	sl := slacktest.NewServer()
	defer sl.Close()
	mentioned := map[string]bool{} // Slack user IDs
	for i, m := range byMention {
		if m && !mentioned[slackUserID(asks[i])] {
			p := people[asks[i]]
			// The workspace's profile has the email the fake Atlassian
			// knows, and another name than Atlassian's: the reply must
			// show the person Atlassian found.
			sl.AddUser(slackUser(asks[i], p))
			mentioned[slackUserID(asks[i])] = true
		}
	}

	var b target
	var err error
	switch {
	case o.Target == TargetBare:
		b, err = startBare(ctx, o.BareBin, sl, nil, o.Stderr)
	case o.Target == TargetReference:
		b, err = startBare(ctx, o.BareBin, sl, atl, o.Stderr)
	case o.InProcess:
		b, err = startInProcess(ctx, sl, atl, o.Stderr)
	default:
		b, err = startSubprocess(ctx, o.Bin, sl, atl, o.Stderr, "")
	}
	if err != nil {
		return Result{}, err
	}
	defer b.stop()

	samples := make([]sample, len(asks))
	var hold func(person int) time.Duration // bare: each command's floor
	if o.Target == TargetBare {
		hold = func(p int) time.Duration { return time.Duration(1+pages(people[p].products, o.PageSize)) * o.Latency }
	}
	cpu0 := b.cpuSeconds()
	start := time.Now()
	send(ctx, sl, o.Concurrency, asks, byMention, people, samples, hold)
	wall := time.Since(start)
	cpu := b.cpuSeconds() - cpu0
	for i := range samples {
		if samples[i].env != "" {
			samples[i].wire, samples[i].wireOK = sl.AckLatency(samples[i].env)
		}
	}

	r := Result{
		Mode: b.mode(), Mix: o.Mix, Concurrency: o.Concurrency,
		LatencyMS: ms(o.Latency), PageSize: o.PageSize, Sent: len(asks),
		// serve's credential checks (Jira /myself, the Admin org) are not
		// lookup chains: leave them out of the per-person counts, and count
		// the hourly workspaces read apart.
		JiraCalls:       atl.Count("jira", "") - atl.CountEndpoint(atlassiantest.EndpointJiraMyself),
		WorkspacesCalls: atl.CountEndpoint(atlassiantest.EndpointWorkspaces),
		AdminCalls: atl.Count("admin", "") - atl.CountEndpoint(atlassiantest.EndpointOrg) -
			atl.CountEndpoint(atlassiantest.EndpointWorkspaces),
		WallSeconds: wall.Seconds(), CommandsPerSec: float64(len(asks)) / wall.Seconds(),
	}
	summarise(&r, samples, people, o)
	if len(mentioned) > 0 {
		r.ExpectedUsersInfo = len(mentioned)
		r.UsersInfoCalls, r.UsersInfoBad = checkUsersInfo(sl.Calls("users.info"), mentioned)
	}
	if cpu > 0 {
		r.CPUPer1000 = round(cpu/float64(len(asks))*1000, 3)
	}
	if o.Target == TargetBare {
		// Only acks are awaited: a command is lost when it was not acked.
		r.Lost, r.Received, r.Wrong = r.Sent-r.AckNoticed.N, 0, 0
		r.PeakRSSMB, r.PeakAnonMB = b.peakRSSMB(), b.peakAnonMB()
		return r, b.stop()
	}
	if o.Target == TargetReference { // no cache, no metrics
		r.PeakRSSMB, r.PeakAnonMB = b.peakRSSMB(), b.peakAnonMB()
		return r, b.stop()
	}
	if mfs, err := b.metrics(ctx); err == nil {
		hit, miss := lookupCounts(mfs)
		r.CacheHits, r.CacheMisses = hit, miss
		if hit+miss > 0 {
			r.CacheHitRatio = round(float64(hit)/float64(hit+miss), 3)
		}
		r.BotAckP99MS = round(1000*histogramQuantile(mfs, "lastactive_ack_duration_seconds", 0.99), 3)
	} else {
		fmt.Fprintf(o.Stderr, "lastactive-load: reading the bot's metrics: %v\n", err)
	}
	r.PeakRSSMB, r.PeakAnonMB = b.peakRSSMB(), b.peakAnonMB()
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			fmt.Fprintf(os.Stderr, "lastactive-load: %v\n", err)
		}
	}
	return r, b.stop()
}

// writeHeapProfile writes the live heap after a collection, so the profile
// shows what is held rather than what was garbage.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// person is someone the load asks about, with what their lookup costs.
type person struct {
	email, name string
	products    int
}

// eligible lists the people a lookup finds: active Atlassian accounts in the
// org whose email Jira shows. The rest would be "not found" or ambiguous
// replies, which measure something else.
func eligible(org *atlassiantest.Org) []person {
	var out []person
	for _, u := range org.Users {
		if u.Email == "" || u.HideEmail || u.NotMember || u.AccountStatus != "" ||
			(u.AccountType != "" && u.AccountType != "atlassian") || u.Email == atlassiantest.JiraEmail {
			continue
		}
		out = append(out, person{email: u.Email, name: u.DisplayName, products: len(u.Products)})
	}
	return out
}

// plan picks whom each command asks about.
func plan(o Options, n int) []int {
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x10ad))
	asks := make([]int, o.N)
	switch o.Mix {
	case MixDistinct, MixMention:
		perm := r.Perm(n)
		for i := range asks {
			asks[i] = perm[i%n]
		}
	case MixZipf:
		// s = 1.1 over as many people as commands: the head is asked about
		// dozens of times, the long tail once, as at a Monday-morning queue.
		z := rand.NewZipf(r, 1.1, 1, uint64(min(n, o.N)-1))
		perm := r.Perm(n)
		for i := range asks {
			asks[i] = perm[z.Uint64()]
		}
	case MixSame:
		who := r.IntN(n)
		for i := range asks {
			asks[i] = who
		}
	}
	return asks
}

// mentions says which of a mention mix's o.N commands name their person by
// mention; nil for the other mixes. It draws from a source of its own, so
// that the people asked about are the distinct mix's.
func mentions(o Options) []bool {
	if o.Mix != MixMention {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x5ac4))
	out := make([]bool, o.N)
	for i := range out {
		out[i] = r.Float64() < mentionShare
	}
	return out
}

// slackUserID is the fake Slack's user ID of people[i].
func slackUserID(i int) string { return fmt.Sprintf("UMENT%07d", i) }

// slackUser is people[i] as the fake Slack's users.info answers for them:
// the email the fake Atlassian knows, another name than Atlassian's, and
// the rest of a user record and profile as Slack sends them (some 1.9 KB,
// where the fake's own record is 200 B), so that the bot reads what it
// would read from Slack.
func slackUser(i int, p person) slacktest.User {
	avatar := func(size string) string {
		return fmt.Sprintf("https://secure.gravatar.com/avatar/%032x.jpg?s=", i) + size +
			"&d=https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_0010-" + size + ".png"
	}
	profile := map[string]any{
		"title": "Support engineer", "phone": "", "skype": "", "real_name": "Slack " + p.name,
		"real_name_normalized": "Slack " + p.name, "display_name": "load" + strconv.Itoa(i),
		"display_name_normalized": "load" + strconv.Itoa(i), "fields": nil, "status_text": "", "status_emoji": "",
		"status_emoji_display_info": []any{}, "status_expiration": 0, "avatar_hash": fmt.Sprintf("g%011x", i),
		"first_name": "Slack", "last_name": p.name, "status_text_canonical": "", "team": slacktest.TeamID,
	}
	for _, size := range []string{"24", "32", "48", "72", "192", "512"} {
		profile["image_"+size] = avatar(size)
	}
	return slacktest.User{
		ID: slackUserID(i), Name: "load" + strconv.Itoa(i), RealName: "Slack " + p.name, Email: p.email,
		Extra: map[string]any{
			"color": "9f69e7", "tz": "Europe/London", "tz_label": "Greenwich Mean Time", "tz_offset": 0,
			"is_admin": false, "is_owner": false, "is_primary_owner": false, "is_restricted": false,
			"is_ultra_restricted": false, "is_app_user": false, "updated": 1700000000, "is_email_confirmed": true,
			"who_can_share_contact_card": "EVERYONE",
		},
		ProfileExtra: profile,
	}
}

// checkUsersInfo counts the users.info calls the fake Slack received, and
// those it refused or that asked about someone not mentioned.
func checkUsersInfo(calls []slacktest.Call, mentioned map[string]bool) (n, bad int) {
	for _, c := range calls {
		if !c.TokenOK || c.Status != http.StatusOK || c.Error != "" || !mentioned[c.Params.Get("user")] {
			bad++
		}
	}
	return len(calls), bad
}

// send runs the commands through the fake Slack, concurrency at a time, each
// waiting for its ack and its reply.
//
// With hold set, only acks are awaited (the bare target): each command then
// keeps its place until hold(person) after it was sent.
//
// byMention, when not nil, says which commands name their person by
// mention rather than by email.
func send(ctx context.Context, sl *slacktest.Server, concurrency int, asks []int, byMention []bool, people []person, samples []sample, hold func(person int) time.Duration) {
	t := &tracker{sl: sl, pending: map[string]*inflight{}, ackOnly: hold != nil}
	wctx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		t.watch(wctx)
	}()
	defer func() { stopWatch(); <-watched }()

	// Every requester stays within the bot's per-user burst (20 lookups),
	// so the gate's rate limit does not turn lookups into refusals.
	requesters := (len(asks) + 9) / 10
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(asks) || ctx.Err() != nil {
					return
				}
				samples[i].person = asks[i]
				text := people[asks[i]].email
				if byMention != nil && byMention[i] {
					samples[i].mention = true
					text = "<@" + slackUserID(asks[i]) + ">"
				}
				t.one(ctx, fmt.Sprintf("ULOAD%06d", i%requesters), text, people[asks[i]], &samples[i])
				if hold != nil {
					holdUntil(ctx, samples[i].sent.Add(hold(asks[i])))
				}
			}
		})
	}
	wg.Wait()
}

// commandTimeout is how long one command may take before its reply counts
// as lost. Slack itself gives a response_url 30 minutes, but a bot that
// needs more than this under load has failed the test anyway.
const commandTimeout = 30 * time.Second

// tracker times the acks and replies of the commands in flight. One
// goroutine watches the fake for all of them: with a WaitAck per command,
// every change would wake every waiter, and that herd on the fake's lock,
// not the bot, would set the latencies measured.
type tracker struct {
	sl      *slacktest.Server
	ackOnly bool // a command is done once acked
	mu      sync.Mutex
	pending map[string]*inflight // by envelope ID
}

type inflight struct {
	s     *sample
	reply []byte // the reply's blocks
	done  chan struct{}
}

// one sends a command about p, with text naming them, and waits until it
// is answered or times out.
func (t *tracker) one(ctx context.Context, requester, text string, p person, s *sample) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	s.sent = time.Now()
	env, err := t.sl.SlashCommand(ctx, slacktest.Command{UserID: requester, ChannelID: "C0LOAD", Text: text})
	if err != nil {
		return
	}
	s.env = env.ID
	f := &inflight{s: s, done: make(chan struct{})}
	t.mu.Lock()
	t.pending[env.ID] = f
	// The ack, even the reply, may have come before the command was
	// registered, when the watcher could not know it: look once now. Any
	// change after this look wakes the watcher.
	t.checkLocked(env.ID, f, time.Now())
	t.mu.Unlock()
	select {
	case <-f.done:
		s.right = answersAbout(f.reply, p.name)
	case <-ctx.Done():
		t.mu.Lock()
		delete(t.pending, env.ID)
		t.mu.Unlock()
	}
}

// watch stamps acks and replies as the fake records them, until ctx ends.
func (t *tracker) watch(ctx context.Context) {
	_ = t.sl.Wait(ctx, func() bool {
		now := time.Now()
		t.mu.Lock()
		defer t.mu.Unlock()
		for id, f := range t.pending {
			t.checkLocked(id, f, now)
		}
		return false
	})
}

// checkLocked stamps what happened to one command; t.mu must be held.
func (t *tracker) checkLocked(id string, f *inflight, now time.Time) {
	if f.s.acked.IsZero() {
		if t.sl.Acks(id) == 0 {
			return
		}
		// Stamped once the ack is seen, not when the look began: an ack
		// recorded between the two made "noticed" shorter than the wire's
		// own round trip (CI saw it: 3.62 ms on the wire, 3.4 noticed).
		now = time.Now()
		f.s.acked, f.s.lateAck = now, t.sl.TimedOut(id)
		if t.ackOnly {
			delete(t.pending, id)
			close(f.done)
			return
		}
	}
	if r := t.sl.Replies(id); len(r) > 0 {
		f.s.replied, f.reply = time.Now(), r[0].Blocks // as the ack: once seen
		delete(t.pending, id)
		close(f.done)
	}
}

// holdUntil waits until t or until ctx is done.
func holdUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

func summarise(r *Result, samples []sample, people []person, o Options) {
	// The first reply about each person marks when the cache had them.
	type first struct {
		sent    int // index of the first command sent
		replied time.Time
	}
	firsts := map[int]*first{}
	var acks, noticed, replies []time.Duration
	for i, s := range samples {
		f := firsts[s.person]
		if f == nil {
			f = &first{sent: i}
			firsts[s.person] = f
		}
		if s.sent.Before(samples[f.sent].sent) {
			f.sent = i
		}
		if !s.replied.IsZero() && (f.replied.IsZero() || s.replied.Before(f.replied)) {
			f.replied = s.replied
		}
		if !s.acked.IsZero() {
			noticed = append(noticed, s.acked.Sub(s.sent))
		}
		if s.wireOK {
			acks = append(acks, s.wire)
		}
		if s.lateAck {
			r.LateAcks++
		}
		if s.mention {
			r.Mentions++
		}
		if s.replied.IsZero() {
			r.Lost++
			continue
		}
		r.Received++
		replies = append(replies, s.replied.Sub(s.sent))
		if !s.right {
			r.Wrong++
		}
	}
	r.DistinctPeople = len(firsts)
	r.Ack, r.AckNoticed, r.Reply = summary(acks), summary(noticed), summary(replies)

	var firstAsk, waiting, cached, floors []time.Duration
	var ratios []float64
	for i, s := range samples {
		if s.replied.IsZero() {
			continue
		}
		d := s.replied.Sub(s.sent)
		f := firsts[s.person]
		switch {
		case f.sent == i:
			firstAsk = append(firstAsk, d)
			floor := time.Duration(1+pages(people[s.person].products, o.PageSize)) * o.Latency
			floors = append(floors, floor)
			if floor > 0 {
				ratios = append(ratios, float64(d)/float64(floor))
			}
		case s.sent.After(f.replied):
			cached = append(cached, d)
		default:
			waiting = append(waiting, d)
		}
	}
	r.ReplyFirst, r.ReplyWaiting, r.ReplyCached = summary(firstAsk), summary(waiting), summary(cached)
	r.FloorMS = ms(percentile(floors, 50))
	r.FloorRatio = round(medianFloat(ratios), 3)

	for p := range firsts {
		r.ExpectedAdmin += pages(people[p].products, o.PageSize)
	}
	r.OneChainEach = r.JiraCalls == r.DistinctPeople && r.AdminCalls == r.ExpectedAdmin
	if r.Sent > 0 {
		r.UpstreamPerCommand = round(float64(r.JiraCalls+r.AdminCalls+r.WorkspacesCalls)/float64(r.Sent), 3)
	}
}

// pages is how many Admin API pages a user's last active dates take: an
// empty answer is still one page.
func pages(products, pageSize int) int { return max(1, (products+pageSize-1)/pageSize) }

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// answersAbout reports whether reply (a reply's blocks) answers about the
// one person named name: its only person's outcome id (block_id
// "person_0.answer", bot.PersonOutcomes) says answered, not a failure, and
// the name is in it (bold, or as the text of the link to Atlassian
// Administration), so an answer about someone else is wrong too.
func answersAbout(reply []byte, name string) bool {
	var blocks slack.Blocks
	if err := json.Unmarshal(reply, &blocks); err != nil {
		return false
	}
	outcomes := bot.PersonOutcomes(blocks.BlockSet)
	if len(outcomes) != 1 || outcomes[0] != bot.PersonAnswer {
		return false
	}
	return bytes.Contains(reply, []byte("*"+name+"*")) || bytes.Contains(reply, []byte("|"+name))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// Targets of a load run.
const (
	TargetBot  = "bot"  // the lastactive binary (or, with -inprocess, its graph)
	TargetBare = "bare" // the floor: a slack-go Socket Mode client that only acks
	// TargetReference is the bare acker that also does the least an answer
	// needs: the bot's upstream calls and one plain reply, nothing else.
	TargetReference = "reference"
)

// startBare runs the bare acker (cmd/lastactive-load/bare) against sl and
// waits until its socket is open. With bin empty it builds it first. With
// atl set it runs as the reference, answering from atl.
func startBare(ctx context.Context, bin string, sl *slacktest.Server, atl *atlassiantest.Server, stderr io.Writer) (*subprocess, error) {
	p := &subprocess{exited: make(chan struct{}), name: TargetBare}
	if atl != nil {
		p.name = TargetReference
	}
	if bin == "" {
		var err error
		if bin, p.tmp, err = buildBinary(ctx, "lastactive/cmd/lastactive-load/bare"); err != nil {
			return nil, err
		}
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{"SLACK_APP_TOKEN=" + slacktest.AppToken, "SLACK_API_URL=" + sl.APIURL()}
	if atl != nil {
		p.cmd.Args = append(p.cmd.Args, "reference")
		p.cmd.Env = append(p.cmd.Env, "SLACK_BOT_TOKEN="+slacktest.BotToken,
			"JIRA_BASE_URL="+atl.URL(), "JIRA_EMAIL="+atlassiantest.JiraEmail, "JIRA_API_TOKEN="+atlassiantest.JiraAPIToken,
			"ATLASSIAN_API_URL="+atl.URL(), "ATLASSIAN_ORG_ID="+atl.OrgID(), "ATLASSIAN_API_KEY="+atlassiantest.APIKey)
	}
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			p.cmd.Env = append(p.cmd.Env, k+"="+v)
		}
	}
	p.cmd.Stdout, p.cmd.Stderr = stderr, stderr
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start the bare acker: %w", err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	p.watchAnon()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- sl.WaitConnected(wctx) }()
	var err error
	select {
	case err = <-ready:
	case <-p.exited:
		cancel()
		<-ready
		err = fmt.Errorf("the bare acker exited before it connected: %v", p.exitErr)
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("the bare acker did not connect to the fake Slack: %w", err)
	}
	return p, nil
}

// cpuSeconds reads the user plus system CPU time a process has used so far,
// from /proc/PID/stat (in clock ticks of 1/100 s, Linux's USER_HZ).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(ut+st) / 100, nil
}

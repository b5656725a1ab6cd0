//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal with the syscall package alone: the
// controller, and the terminal a child gets as its stderr.
func openPTY(t *testing.T) (controller, tty *os.File) {
	t.Helper()
	c, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, c.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		c.Close()
		t.Skipf("unlock pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, c.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		c.Close()
		t.Skipf("pseudo-terminal number: %v", e)
	}
	tt, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		c.Close()
		t.Skipf("open pseudo-terminal: %v", err)
	}
	return c, tt
}

// TestReportProgressLineAndLogs runs `lastactive report` with stderr on a
// terminal: it shows a progress line, and every log line starts a line of
// its own, whole, instead of running on from the progress line.
func TestReportProgressLineAndLogs(t *testing.T) {
	f := startFakes(t)
	controller, tty := openPTY(t)
	defer controller.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "report")
	cmd.Env = reportEnv(f, "LASTACTIVE_LOG_LEVEL=debug")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	tty.Close() // the child has its own; reads end (EIO) when it exits
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(controller)
		read <- b
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	out := string(<-read)
	noSecrets(t, out)

	if !strings.Contains(out, "accounts read") {
		t.Errorf("no progress line on the terminal:\n%q", out)
	}
	logs := 0
	for _, line := range strings.Split(out, "\n") {
		// What a terminal shows of the line: the last text after a
		// carriage return (the terminal adds one to each \n), with the
		// erase-line sequence gone.
		line = strings.ReplaceAll(strings.TrimRight(line, "\r"), "\x1b[K", "")
		shown := line[strings.LastIndex(line, "\r")+1:]
		if !strings.Contains(line, `"msg"`) {
			continue
		}
		logs++
		var v map[string]any
		if err := json.Unmarshal([]byte(shown), &v); err != nil {
			t.Errorf("a log line does not stand on a line of its own: %q", line)
		}
	}
	if logs == 0 {
		t.Errorf("no log line on the terminal; the test proves nothing:\n%q", out)
	}
	// The summary is on stdout, untouched by the progress line.
	if !strings.HasPrefix(stdout.String(), "Idle seats: not used for 90 days") {
		t.Errorf("stdout does not start with the summary:\n%s", stdout.String())
	}
}

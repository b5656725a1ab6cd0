package bot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"lastactive/internal/recovered"
)

// FileSender delivers a file privately to a Slack user.
type FileSender interface {
	SendFile(ctx context.Context, userID string, f File) error
}

// File is a file for a person's direct messages: Content, or the Size
// bytes that Write writes.
type File struct {
	Name, Title, Comment string
	Content              []byte
	// Write, when set, writes the file's Size bytes in place of Content, so
	// that a large file (a report's CSV: tens of MB for 50,000 people)
	// streams to Slack rather than being held whole in memory. It is called
	// at most once per SendFile.
	Write func(io.Writer) error
	Size  int
}

// Bytes returns the file's content: Content, or what Write writes.
func (f File) Bytes() ([]byte, error) {
	if f.Write == nil {
		return f.Content, nil
	}
	var b bytes.Buffer
	b.Grow(f.Size)
	err := f.Write(&b)
	return b.Bytes(), err
}

// size is how many bytes the file holds.
func (f File) size() int {
	if f.Write != nil {
		return f.Size
	}
	return len(f.Content)
}

// fileSendTimeout bounds one delivery: a CSV of 100,000 rows is a few MiB.
const fileSendTimeout = time.Minute

// SlackFiles is the FileSender backed by the Slack Web API: conversations.open
// for the direct message channel (scope im:write), then the two-step upload
// files.getUploadURLExternal and files.completeUploadExternal (files:write).
// Each call is retried as SlackAPI allows (a 429 is waited out); the bytes
// themselves are posted once.
type SlackFiles struct{ API *SlackAPI }

// SendFile implements FileSender.
func (s SlackFiles) SendFile(ctx context.Context, userID string, f File) error {
	ctx, cancel := context.WithTimeout(ctx, fileSendTimeout)
	defer cancel()
	api := s.API.Client
	var ch *slack.Channel
	err := s.API.call(ctx, "conversations.open", true, func(ctx context.Context) (err error) {
		ch, _, _, err = api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
		if err == nil && (ch == nil || ch.ID == "") {
			// slack-go takes {"ok":true} with no channel (a proxy's or a
			// broken Slack's half answer) as success: a nil channel
			// panicked below, an empty ID shared the file nowhere.
			return errNoChannel
		}
		return err
	})
	if err != nil {
		return err
	}
	var up *slack.GetUploadURLExternalResponse
	err = s.API.call(ctx, "files.getUploadURLExternal", true, func(ctx context.Context) (err error) {
		up, err = api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: f.size()})
		return err
	})
	if err != nil {
		return err
	}
	if err := s.API.trustUpload(up.UploadURL); err != nil {
		return err
	}
	if err := upload(ctx, api, s.API.Logger, up.UploadURL, f); err != nil {
		return err
	}
	// Completing twice could share the file twice: only a 429 (which Slack
	// did not carry out) is repeated.
	return s.API.call(ctx, "files.completeUploadExternal", false, func(ctx context.Context) error {
		_, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files:          []slack.FileSummary{{ID: up.FileID, Title: f.Title}},
			Channel:        ch.ID,
			InitialComment: f.Comment,
		})
		return err
	})
}

// upload posts f's bytes to url, once. Write runs on a goroutine of its own
// into a pipe that the upload reads, and has ended when upload returns. A
// Write that fails, writes another size than announced, or is stopped by
// an upload answered before the whole file was sent, fails the upload, so
// that the file is never completed (shared).
func upload(ctx context.Context, api *slack.Client, log *slog.Logger, url string, f File) error {
	if f.Write == nil {
		return uploadFrom(ctx, api, url, f.Name, bytes.NewReader(f.Content))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	uploaded, done := make(chan struct{}), make(chan struct{})
	var werr, cut error
	go func() {
		defer close(done)
		c := &countWriter{w: pw, max: int64(f.Size)}
		err := writeRecovered(log, f, c)
		if err == nil && c.n != c.max {
			err = fmt.Errorf("%s: %d bytes written, %d announced", f.Name, c.n, c.max)
		}
		select {
		case <-uploaded:
			// An error is the upload's ending, which says why; or, when the
			// upload succeeded, Slack answered before the file was whole.
			if err != nil {
				cut = fmt.Errorf("%s: answered after %d of the %d bytes", f.Name, c.n, c.max)
			}
		default:
			if err != nil {
				werr = err
				cancel() // the request is cut off, not ended where the file stopped
			}
		}
		pw.CloseWithError(err)
	}()
	err := uploadFrom(ctx, api, url, f.Name, pr)
	close(uploaded)
	pr.Close() // a Write the upload stopped reading returns
	<-done
	if werr != nil {
		return fmt.Errorf("slack file upload: %w", werr)
	}
	if err == nil && cut != nil {
		return fmt.Errorf("slack file upload: %w", cut) // never completed: the file is cut
	}
	return err
}

// writeRecovered calls f.Write, on the upload's goroutine: a panic there
// (a bug in writing a row) costs this file, not the process.
func writeRecovered(log *slog.Logger, f File, w io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered.Log(log, "file "+f.Name, r)
		}
	}()
	return f.Write(w)
}

// trustUpload refuses an upload URL from Slack's answer that is not on
// Slack's file host or the API's own (TrustedUploadURL). slack-go refuses
// such a URL too, but only when it would send the token, and its error
// carries the whole URL, upload ticket and all, into the log; this names
// the host only.
func (a *SlackAPI) trustUpload(raw string) error {
	if TrustedUploadURL(a.URL, raw) {
		return nil
	}
	host := "an unreadable URL"
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		host = u.Host
	}
	return fmt.Errorf("slack file upload to %s: %w", sanitize(host, 80), ErrUntrustedURL)
}

func uploadFrom(ctx context.Context, api *slack.Client, url, name string, r io.Reader) error {
	if err := api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: url, Reader: r, Filename: name}); err != nil {
		return fmt.Errorf("slack file upload: %w", stripURL(err))
	}
	return nil
}

// countWriter counts what it passes on to w, and refuses to pass more
// than max bytes when max is set.
type countWriter struct {
	w      io.Writer
	n, max int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.max > 0 && c.n+int64(len(p)) > c.max {
		return 0, fmt.Errorf("more than the %d bytes announced", c.max)
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

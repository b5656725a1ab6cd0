package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// slackPostTimeout bounds one chat.postMessage or views.publish, retries
// included.
const slackPostTimeout = 20 * time.Second

// SlackChat posts messages to channels with chat.postMessage (scope
// chat:write; the bot must be in the channel, or it be public and the app
// have chat:write.public).
type SlackChat struct{ API *SlackAPI }

// PostMessage posts m to channel. A 5xx is not repeated: the message may
// have been posted, and a digest posted twice is worse than one missing.
// Blocks Slack refuses (invalid_blocks: a chart image it has not finished
// processing, say) are posted again without the images, then as the text
// alone, since Slack posted nothing.
func (s SlackChat) PostMessage(ctx context.Context, channel string, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, slackPostTimeout)
	defer cancel()
	post := func(opts ...slack.MsgOption) error {
		return s.API.call(ctx, "chat.postMessage", false, func(ctx context.Context) error {
			_, _, err := s.API.Client.PostMessageContext(ctx, channel, opts...)
			return err
		})
	}
	err := post(slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionText(m.Text, false))
	refused := func() bool {
		se := (*SlackError)(nil)
		return errors.As(err, &se) && blocksRefused(se.Code)
	}
	if refused() && len(m.Blocks) > 0 {
		// Most often the chart: the rest of the message (counts, cost,
		// buttons) is kept without it, before falling back to the text.
		if rest := withoutImages(m.Blocks); len(rest) > 0 && len(rest) < len(m.Blocks) {
			s.API.log().Warn("Slack refused the message's blocks; posting it without its images", "channel", channel, "err", err)
			err = post(slack.MsgOptionBlocks(rest...), slack.MsgOptionText(m.Text, false))
		}
		if refused() {
			s.API.log().Warn("Slack refused the message's blocks; posting its text alone", "channel", channel, "err", err)
			err = post(slack.MsgOptionText(m.Text, false))
		}
	}
	return err
}

// withoutImages is blocks less its image blocks.
func withoutImages(blocks []slack.Block) []slack.Block {
	var rest []slack.Block
	for _, b := range blocks {
		if b.BlockType() != slack.MBTImage {
			rest = append(rest, b)
		}
	}
	return rest
}

// SlackEphemeral is the EphemeralPoster backed by the Slack Web API
// (chat.postEphemeral, scope chat:write): the answer to a shortcut that
// came without a response_url. A 429 is waited out and the post repeated,
// as for every Web API call; a 5xx is not, since the message may have been
// shown.
type SlackEphemeral struct{ API *SlackAPI }

// PostEphemeralContext implements EphemeralPoster.
func (s SlackEphemeral) PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error) {
	var ts string
	err := s.API.call(ctx, "chat.postEphemeral", false, func(ctx context.Context) (err error) {
		ts, err = s.API.Client.PostEphemeralContext(ctx, channelID, userID, options...)
		return err
	})
	return ts, err
}

// SlackViews publishes App Home views with views.publish (no scope beyond
// the Home tab being on).
type SlackViews struct{ API *SlackAPI }

// PublishHome publishes v as userID's Home tab. Publishing is idempotent,
// so a 5xx is retried.
func (s SlackViews) PublishHome(ctx context.Context, userID string, v slack.HomeTabViewRequest) error {
	ctx, cancel := context.WithTimeout(ctx, slackPostTimeout)
	defer cancel()
	return s.API.call(ctx, "views.publish", true, func(ctx context.Context) error {
		_, err := s.API.Client.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: v})
		return err
	})
}

// UploadImage uploads f with the two-step upload without sharing it in any
// channel, and returns its file ID, for an image block's slack_file.
func (s SlackFiles) UploadImage(ctx context.Context, f File) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, fileSendTimeout)
	defer cancel()
	api := s.API.Client
	var up *slack.GetUploadURLExternalResponse
	err := s.API.call(ctx, "files.getUploadURLExternal", true, func(ctx context.Context) (err error) {
		up, err = api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Content), AltTxt: f.Title})
		return err
	})
	if err != nil {
		return "", err
	}
	if err := s.API.trustUpload(up.UploadURL); err != nil {
		return "", err
	}
	if err := api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: up.UploadURL, Reader: bytes.NewReader(f.Content), Filename: f.Name}); err != nil {
		return "", fmt.Errorf("slack file upload: %w", stripURL(err))
	}
	err = s.API.call(ctx, "files.completeUploadExternal", false, func(ctx context.Context) error {
		_, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: up.FileID, Title: f.Title}},
		})
		return err
	})
	if err != nil {
		return "", err
	}
	return up.FileID, nil
}

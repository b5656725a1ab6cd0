// Package bot is a fixture for TestSlackScanDerivesScopes: never built, only parsed.
package bot

func calls(api *slack.Client, jira *atlassian.Client) {
	api.GetUserInfoContext(ctx, "U1")        // users:read, users:read.email
	var raw = "files.getUploadURLExternal"   // files:write, called without slack-go
	api.GetConversationInfoContext(ctx, nil) // not in the table: reported as unknown
	jira.PostEphemeral(ctx)                  // bare name, no slack-go import: not Slack's
	logger.Debug("not a Slack call")
	_ = raw
}

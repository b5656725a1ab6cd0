package main

import (
	"log/slog"
	"net/http"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/internal/wire"
	"lastactive/nudge"
)

// upstreamHTTP is the HTTP client for every outside call (wire.UpstreamHTTP).
func upstreamHTTP() *http.Client { return wire.UpstreamHTTP() }

// settings turns the configuration into what internal/wire builds from.
func settings(c Config, log *slog.Logger, m *bot.Metrics, hc *http.Client) wire.Settings {
	return wire.Settings{
		JiraBaseURL: c.JiraBaseURL, JiraEmail: c.JiraEmail, JiraAPIToken: c.JiraAPIToken,
		AdminAPIURL: c.AdminAPIURL, OrgID: c.OrgID, APIKey: c.APIKey,
		SlackAppToken: c.SlackAppToken, SlackBotToken: c.SlackBotToken, SlackAPIURL: c.SlackAPIURL,
		CacheTTL: c.CacheTTL, AllowedUsers: c.AllowedUsers, AllowedChannels: c.AllowedChannels, ReportUsers: c.ReportUsers,
		OwnWorkspaceOnly: c.OwnWorkspace,
		IdleDays:         int(c.IdleDays), SeatPrices: c.SeatPrices, Currency: c.Currency,
		Logger: log, Metrics: m, HTTP: hc, Reports: true,
		DigestChannel: c.DigestChannel, DigestSchedule: c.DigestSlots,
		AdminWriteKey: c.AdminWriteKey,
		Nudge: wire.NudgeSettings{Mode: nudge.Mode(c.NudgeMode), Products: c.NudgeProducts, Schedule: c.NudgeSlots,
			Max: int(c.NudgeMax), Wait: c.NudgeWait, Approvers: c.Approvers},
	}
}

// newDirectory builds the Atlassian client alone, for the terminal
// subcommands.
func newDirectory(c Config, log *slog.Logger, m *bot.Metrics, hc *http.Client) (*atlassian.Client, error) {
	return wire.Atlassian(settings(c, log, m, hc))
}

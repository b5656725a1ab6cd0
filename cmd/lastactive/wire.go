package main

import (
	"log/slog"
	"net/http"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
)

// upstreamHTTP is the HTTP client for every outside call. TLS verification
// stays on: nothing in this program sets InsecureSkipVerify.
func upstreamHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 20 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// newDirectory builds the Atlassian client from the configuration.
func newDirectory(c Config, log *slog.Logger, m *bot.Metrics, hc *http.Client) (*atlassian.Client, error) {
	return atlassian.New(atlassian.Config{
		JiraBaseURL:  c.JiraBaseURL,
		JiraEmail:    c.JiraEmail,
		JiraAPIToken: c.JiraAPIToken,
		AdminBaseURL: c.AdminAPIURL,
		OrgID:        c.OrgID,
		APIKey:       c.APIKey,
	},
		atlassian.WithHTTPClient(hc),
		atlassian.WithLogger(log),
		atlassian.WithObserver(func(ri atlassian.RequestInfo) {
			m.Upstream(string(ri.API), ri.Status, ri.Duration)
		}),
	)
}

// newService builds the request-answering core shared by serve and lookup.
func newService(c Config, dir bot.Directory, users bot.UserDirectory, log *slog.Logger, m *bot.Metrics) (*bot.Service, *bot.Lookups) {
	lookups := bot.NewLookups(dir, bot.LookupOptions{TTL: c.CacheTTL, Observe: m.Lookup})
	var signer *bot.ButtonSigner
	if c.SlackBotToken != "" {
		// Replicas share the bot token, so they accept each other's buttons.
		signer = bot.NewButtonSigner(c.SlackBotToken, 24*time.Hour, nil)
	}
	svc := bot.NewService(bot.ServiceConfig{
		Lookups:  lookups,
		Users:    users,
		Gate:     bot.NewGate(bot.GateConfig{AllowedUsers: c.AllowedUsers, AllowedChannels: c.AllowedChannels, ReportUsers: c.ReportUsers}),
		OrgID:    c.OrgID,
		IdleDays: c.IdleDays,
		Logger:   log,
		Metrics:  m,
		Buttons:  signer,
	})
	return svc, lookups
}

package main

import (
	"log/slog"
	"net/http"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/seat"
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

// newScanner builds the org scan behind idle reports: one scan of the
// organisation shared by concurrent reports and reused for
// LASTACTIVE_CACHE_TTL. The caller must Close it.
func newScanner(c Config, dir seat.OrgDirectory, log *slog.Logger) *seat.Scanner {
	return seat.NewScanner(seat.ScanConfig{Dir: dir, Prices: c.SeatPrices, TTL: c.CacheTTL, Logger: log})
}

// newService builds the request-answering core shared by serve and lookup.
// scanner may be nil: the idle command then says reports are not set up;
// files may be nil too.
func newService(c Config, dir bot.Directory, users bot.UserDirectory, log *slog.Logger, m *bot.Metrics, scanner *seat.Scanner, files bot.FileSender) (*bot.Service, *bot.Lookups) {
	lookups := bot.NewLookups(dir, bot.LookupOptions{TTL: c.CacheTTL, Observe: m.Lookup})
	var signer *bot.ButtonSigner
	if c.SlackBotToken != "" {
		// Replicas share the bot token, so they accept each other's buttons.
		signer = bot.NewButtonSigner(c.SlackBotToken, 24*time.Hour, nil)
	}
	var sc bot.Scanner
	if scanner != nil { // not a typed nil in the interface
		sc = scanner
	}
	svc := bot.NewService(bot.ServiceConfig{
		Scanner:  sc,
		Files:    files,
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

// Package bot is the Slack side of lastactive: it turns a /lastactive
// command (or a button click, or the author shortcut) into a private Block
// Kit answer saying when each person was last active in each Atlassian
// product.
//
// The parts, from the outside in:
//
//   - Bot is the transport: two Socket Mode connections (Socket, which
//     SocketMode adapts from slack-go's client). It drains every event at
//     once, acks every envelope before any work, drops envelopes Slack
//     delivers twice (a Deduper shared by both sockets), hands each request
//     to the Service in a goroutine of its own (up to MaxInFlight, at most
//     MaxPerRequester of them one person's), posts the answer to the
//     response_url, and on stop lets acked work finish within a deadline
//     (abandoned commands still get a "please retry").
//   - Service answers one request whatever its transport (Slack, the demo,
//     tests), with Answer for command text and Click and Shortcut for
//     interactions: Gate first (allow-lists, per-requester token bucket), then
//     ParseCommand, lookups or an idle report (through a Scanner, which
//     seat.Scanner satisfies), rendering, and one audit log line.
//   - Lookups caches answers per normalised email, shares one upstream
//     call chain between concurrent questions about the same person, and
//     sweeps its own cache (RunSweeper).
//   - Render*, ErrorText and EscapeMrkdwn are the only places that turn data
//     and errors into words; everything from outside is escaped there.
//   - Replies also say what happened for machines, in block_ids Slack does
//     not show: each person's section names its PersonOutcome
//     ("person_0.not_found"), a notice its NoticeKind ("notice.busy").
//     PersonOutcomes and NoticeOf read them back (the load tool's soak
//     counts replies by them, never by their words).
//
// The seat domain (products, verdicts, the idle report and its CSV) is
// package seat, which knows nothing of Slack; internal/wire builds a Bot
// and its Service. bot/slacktest is a loopback fake of Slack for tests and
// the load tool.
package bot

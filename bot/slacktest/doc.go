// Package slacktest is a fake Slack for tests of the bot, the binary and the
// load tool. One loopback server plays the three parts of Slack the bot talks
// to, so the real slack-go client can be driven against it:
//
//   - the Web API under [Server.APIURL]: apps.connections.open (app token as
//     Bearer), auth.test, users.info, users.lookupByEmail, users.list (paged by
//     cursor), chat.postEphemeral,
//     chat.postMessage, chat.update, conversations.open and the files.getUploadURLExternal /
//     upload URL / files.completeUploadExternal flow. Every call is recorded
//     with its token redacted ([Server.Calls], [Server.Uploads]); failures and
//     rate limits can be injected ([Server.FailMethod]). Blocks are held to
//     Block Kit's limits (50 per message, 100 per Home view, 3,000
//     characters a section, 150 a header, 75 a button…) and refused with
//     invalid_blocks as Slack refuses them, on the response_url too.
//   - Socket Mode: apps.connections.open hands out a one-use ticket for a
//     WebSocket that greets with hello, pings every ping interval, delivers
//     envelopes ([Server.SlashCommand], [Server.BlockAction],
//     [Server.MessageShortcut]) and records acks ([Server.WaitAck]), flagging
//     late ones and closing with 1009 on acks of 20 KB or more. Connections can
//     be refreshed ([Server.Disconnect]) or broken ([Server.DropConnections]).
//   - response_url: each envelope has one on this server, taking at most five
//     JSON replies ([Server.WaitReplies]); failures can be injected
//     ([Server.FailResponseURL]).
//
// Tests wait on conditions, never on time: every Wait* method blocks until
// the server's state satisfies it or the context ends, and [Server.Wait]
// does the same for any condition built from the server's getters.
//
// Tokens never reach logs or recordings. Close stops every goroutine the
// server started.
package slacktest

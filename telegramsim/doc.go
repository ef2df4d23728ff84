// Package telegramsim is an in-process simulator of the Telegram Bot API.
//
// It speaks the HTTP Bot API closely enough that a client such as
// go-telegram-bot-api v5 cannot tell it from api.telegram.org, and it gives tests a
// Go API to play the people on the other side: users who write in groups and
// private chats, reply, press inline buttons and upload documents, anonymous
// admins, and groups that migrate to supergroups.
//
//	s := telegramsim.New(telegramsim.Options{Token: "123:abc", BotUsername: "ThiDuaBot"})
//	if err := s.Start(); err != nil { ... }
//	defer s.Close()
//	bot, _ := tgbotapi.NewBotAPIWithClient("123:abc", s.BotEndpoint(), http.DefaultClient)
//
//	lan := s.NewUser("Lan", "lan_admin", "vi")
//	g := s.NewGroup("Khối thi đua")
//	g.Add(lan, true)
//	sent := lan.Send(g, "/units")
//	reply, err := g.WaitBotMessage(5*time.Second, func(m telegramsim.Message) bool { return m.ReplyTo == sent.ID })
//	cb := lan.Press(g, reply, "Xem")
//	ans, err := cb.Answer(5 * time.Second)
//
// # HTTP API
//
// Requests go to /bot<token>/<method> (GET or POST; query string, form,
// multipart or JSON body; method names case-insensitive) and files are served at
// /file/bot<token>/<path>. Answers have Telegram's shape, {"ok":true,"result":…}
// or {"ok":false,"error_code":…,"description":…,"parameters":…}, with Telegram's
// error descriptions. Implemented: getMe, logOut, close, getUpdates, setWebhook,
// deleteWebhook, getWebhookInfo, sendMessage, editMessageText,
// editMessageCaption, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
// sendDocument, sendPhoto, sendPoll, stopPoll, sendChatAction, pinChatMessage,
// unpinChatMessage, unpinAllChatMessages, setMyCommands, getMyCommands,
// deleteMyCommands, getChat, getChatMember, getChatAdministrators,
// getChatMemberCount, leaveChat and getFile. Anything else is 404 Not Found.
//
// Text is validated as Telegram does: parse_mode=HTML with Telegram's tag set and
// tdlib's error messages, whitespace trimmed, at most 4096 UTF-16 code units
// (1024 for captions), callback_data of 1–64 bytes. Markdown parse modes are
// accepted but not interpreted (the text is stored as sent, without entities).
//
// # Behaviour
//
// Updates wait in one queue per bot. getUpdates confirms by offset and long-polls
// for real; a second concurrent getUpdates ends the first with 409, as when two
// bot instances run. While a webhook is set, updates are POSTed to it (secret
// header, max_connections, retries with bounded exponential backoff) and
// getUpdates answers 409. Redeliver and SetDuplicateRate produce duplicate
// deliveries; Limits turns on flood control (429 with retry_after);
// InjectFaults and SetOutage simulate a failing API.
//
// The bot is a member of every group it is shown; it cannot write to a user who
// has not opened a private chat (PrivateChat) and gets Telegram's 403 errors when
// kicked (Chat.RemoveBot) or blocked (User.BlockBot). Writing to a migrated
// group fails with migrate_to_chat_id.
//
// # Concurrency and time
//
// All state lives behind one mutex; every method is safe for concurrent use.
// Waiting helpers (Sim.WaitFor, Chat.WaitBotMessage, Callback.Answer) are woken by
// state changes and never poll on a timer. Message dates come from
// Options.Clock, so a fake clock shows in the messages, while everything that has
// to do with the network (long polling, webhook retries, flood-control windows,
// injected delays, deadlines of the wait helpers) runs on wall time.
package telegramsim

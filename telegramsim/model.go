package telegramsim

import (
	"encoding/json"
	"strconv"
	"time"
)

// User is a simulated Telegram account. Its exported fields never change after
// creation; treat them as read-only.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
	IsBot        bool

	s     *Sim
	wired *wireUser // wire() made once, shared by the messages' "from"; nil: make one
	// guarded by s.mu
	private *Chat // the user's private chat with the bot, once opened
	blocked bool  // the user blocked the bot
}

// String returns "@username" or the first name.
func (u *User) String() string {
	if u == nil {
		return "<nil>"
	}
	if u.Username != "" {
		return "@" + u.Username
	}
	return u.FirstName + "#" + strconv.FormatInt(u.ID, 10)
}

// Button is one inline keyboard button.
type Button struct {
	Text string
	Data string // callback_data
	URL  string
}

// Document is a file attached to a message.
type Document struct {
	FileID       string
	FileUniqueID string
	FileName     string
	MimeType     string
	Data         []byte // the uploaded bytes; shared, do not modify
}

// Poll is the state of a poll message.
type Poll struct {
	ID              string
	Question        string
	Options         []string
	Closed          bool
	Anonymous       bool
	Type            string
	MultipleAnswers bool
}

// Entity is a message entity; Offset and Length count UTF-16 code units of the
// message text, as in the Bot API.
type Entity struct {
	Type          string
	Offset        int
	Length        int
	URL           string // text_link
	Language      string // pre
	CustomEmojiID string // custom_emoji
}

// Message is a value snapshot of a message in a chat.
type Message struct {
	ID     int
	ChatID int64
	// From is the author; nil when the bot sent the message.
	From *User
	// FromBot is true for messages the bot sent through the API.
	FromBot bool
	// SenderChat is the chat a message was sent on behalf of (anonymous admins), else 0.
	SenderChat int64
	Date       time.Time // from Options.Clock
	EditDate   time.Time // zero when never edited
	// Text is the plain text (entities stripped, HTML entities decoded); for media
	// messages it is the caption.
	Text string
	// HTML is the raw text as the bot sent it with parse_mode=HTML, else "".
	HTML     string
	Entities []Entity
	// Buttons is the inline keyboard.
	Buttons     [][]Button
	ForceReply  bool
	Placeholder string // force_reply input_field_placeholder
	Selective   bool
	ReplyTo     int // id of the message this one replies to, else 0
	Document    *Document
	Photo       bool
	PhotoFileID string
	Poll        *Poll
	Edits       int // number of successful edits
	// Service messages.
	MigrateToChatID   int64
	MigrateFromChatID int64
	NewChatMembers    []*User
	LeftChatMember    *User // a left_chat_member service message (Chat.Leave)
}

// EntityText returns the part of m.Text an entity covers.
func (m Message) EntityText(e Entity) string { return substrUTF16(m.Text, e.Offset, e.Length) }

// Button returns the first inline button with the given text.
func (m Message) Button(text string) (Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Answer records one answerCallbackQuery call.
type Answer struct {
	CallbackID string
	ChatID     int64
	MessageID  int
	UserID     int64
	Data       string // the callback data that was answered
	Text       string
	ShowAlert  bool
	URL        string
	CacheTime  int
	Time       time.Time // wall time
}

// Call records one Bot API request the bot made.
type Call struct {
	Time      time.Time // wall time the request was handled
	Method    string    // canonical method name, e.g. "sendMessage"
	ChatID    int64     // chat_id when numeric, else 0
	MessageID int       // message_id when present, else 0
	Params    map[string]string
	OK        bool
	ErrorCode int    // 0 when OK
	Error     string // description when not OK
}

// BotCommand is one command of setMyCommands.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CommandScope is a BotCommandScope; a zero Type means "default".
type CommandScope struct {
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
	UserID int64  `json:"user_id,omitempty"`
}

// Stats counts what happened so far.
type Stats struct {
	Requests        map[string]int // per method (canonical name), every request
	Errors          map[string]int // per method, requests answered with ok=false
	TooManyRequests int            // 429 answers served (flood control and injected)
	FaultsInjected  int
	UpdatesQueued   int // new updates created by user actions
	// UpdatesByKind and UpdateBytes count the new updates and their bodies' bytes by kind
	// ("message", "callback_query", …): a press carries its whole message.
	UpdatesByKind     map[string]int
	UpdateBytes       map[string]int64
	UpdatesDuplicated int // extra copies queued by SetDuplicateRate and Redeliver
	UpdatesDelivered  int // updates handed to the bot (getUpdates results, acknowledged webhooks)
	UpdatesPending    int // queued and not yet confirmed/acknowledged
	WebhookDeliveries int // webhook POST attempts
	WebhookFailures   int
	CallbacksAnswered int
}

// message is the stored state of one message. Guarded by Sim.mu.
type message struct {
	id          int
	chat        *Chat
	from        *User // nil: the bot
	senderChat  *Chat
	date        time.Time
	editDate    time.Time
	text        string
	entities    []Entity
	html        string
	caption     bool // text is a caption
	markup      *replyMarkup
	replyTo     *message
	doc         *file
	photo       *file
	poll        *Poll
	migrateTo   int64
	migrateFrom int64
	newMembers  []*User
	leftMember  *User
	edits       int
	deleted     bool
}

func (m *message) fromBot() bool { return m.from == nil }

func (m *message) snapshot() Message {
	out := Message{
		ID:                m.id,
		ChatID:            m.chat.ID,
		From:              m.from,
		FromBot:           m.from == nil,
		Date:              m.date,
		EditDate:          m.editDate,
		Text:              m.text,
		HTML:              m.html,
		Edits:             m.edits,
		MigrateToChatID:   m.migrateTo,
		MigrateFromChatID: m.migrateFrom,
		NewChatMembers:    append([]*User(nil), m.newMembers...),
		LeftChatMember:    m.leftMember,
	}
	if len(m.entities) > 0 {
		out.Entities = append([]Entity(nil), m.entities...)
	}
	if m.senderChat != nil {
		out.SenderChat = m.senderChat.ID
	}
	if m.replyTo != nil {
		out.ReplyTo = m.replyTo.id
	}
	if mk := m.markup; mk != nil {
		out.ForceReply, out.Placeholder, out.Selective = mk.forceReply, mk.placeholder, mk.selective
		if len(mk.rows) > 0 {
			n := 0
			for _, row := range mk.rows {
				n += len(row)
			}
			all := make([]Button, 0, n) // the rows' buttons in one array
			out.Buttons = make([][]Button, len(mk.rows))
			for i, row := range mk.rows {
				start := len(all)
				for _, b := range row {
					all = append(all, Button{Text: b.text, Data: b.data, URL: b.url})
				}
				out.Buttons[i] = all[start:len(all):len(all)]
			}
		}
	}
	if m.doc != nil {
		out.Document = &Document{FileID: m.doc.id, FileUniqueID: m.doc.uniqueID, FileName: m.doc.name, MimeType: m.doc.mime, Data: m.doc.data}
	}
	if m.photo != nil {
		out.Photo = true
		out.PhotoFileID = m.photo.id
	}
	if m.poll != nil {
		p := *m.poll
		p.Options = append([]string(nil), p.Options...)
		out.Poll = &p
	}
	return out
}

// ---- wire types: the JSON shapes of the Bot API ----

type wireUser struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	LastName                string `json:"last_name,omitempty"`
	Username                string `json:"username,omitempty"`
	LanguageCode            string `json:"language_code,omitempty"`
	CanJoinGroups           *bool  `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool  `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool  `json:"supports_inline_queries,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	// getChat extras
	AllMembersAreAdministrators *bool `json:"all_members_are_administrators,omitempty"`
}

type wireEntity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

type wireDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wirePollOption struct {
	Text       string `json:"text"`
	VoterCount int    `json:"voter_count"`
}

type wirePoll struct {
	ID                    string           `json:"id"`
	Question              string           `json:"question"`
	Options               []wirePollOption `json:"options"`
	TotalVoterCount       int              `json:"total_voter_count"`
	IsClosed              bool             `json:"is_closed"`
	IsAnonymous           bool             `json:"is_anonymous"`
	Type                  string           `json:"type"`
	AllowsMultipleAnswers bool             `json:"allows_multiple_answers"`
}

type wireMessage struct {
	MessageID         int             `json:"message_id"`
	From              *wireUser       `json:"from,omitempty"`
	SenderChat        *wireChat       `json:"sender_chat,omitempty"`
	Date              int64           `json:"date"`
	Chat              wireChat        `json:"chat"`
	ReplyToMessage    *wireMessage    `json:"reply_to_message,omitempty"`
	EditDate          int64           `json:"edit_date,omitempty"`
	Text              string          `json:"text,omitempty"`
	Entities          wireEntityList  `json:"entities,omitempty"`
	Document          *wireDocument   `json:"document,omitempty"`
	Photo             []wirePhotoSize `json:"photo,omitempty"`
	Poll              *wirePoll       `json:"poll,omitempty"`
	Caption           string          `json:"caption,omitempty"`
	CaptionEntities   wireEntityList  `json:"caption_entities,omitempty"`
	NewChatMembers    []*wireUser     `json:"new_chat_members,omitempty"`
	LeftChatMember    *wireUser       `json:"left_chat_member,omitempty"`
	MigrateToChatID   int64           `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64           `json:"migrate_from_chat_id,omitempty"`
	ReplyMarkup       json.RawMessage `json:"reply_markup,omitempty"` // replyMarkup.inline
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         *wireUser    `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

type wireChatMember struct {
	User   *wireUser `json:"user"`
	Status string    `json:"status"`
	// administrators
	IsAnonymous         *bool  `json:"is_anonymous,omitempty"`
	CanBeEdited         *bool  `json:"can_be_edited,omitempty"`
	CanManageChat       *bool  `json:"can_manage_chat,omitempty"`
	CanDeleteMessages   *bool  `json:"can_delete_messages,omitempty"`
	CanRestrictMembers  *bool  `json:"can_restrict_members,omitempty"`
	CanPromoteMembers   *bool  `json:"can_promote_members,omitempty"`
	CanChangeInfo       *bool  `json:"can_change_info,omitempty"`
	CanInviteUsers      *bool  `json:"can_invite_users,omitempty"`
	CanPinMessages      *bool  `json:"can_pin_messages,omitempty"`
	CanManageVideoChats *bool  `json:"can_manage_video_chats,omitempty"`
	UntilDate           *int64 `json:"until_date,omitempty"`
}

type wireChatMemberUpdated struct {
	Chat          wireChat       `json:"chat"`
	From          *wireUser      `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember wireChatMember `json:"old_chat_member"`
	NewChatMember wireChatMember `json:"new_chat_member"`
}

func (u *User) wire() *wireUser {
	return &wireUser{ID: u.ID, IsBot: u.IsBot, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}

// wireShared is wire() for a value that is only encoded, never changed.
func (u *User) wireShared() *wireUser {
	if u.wired != nil {
		return u.wired
	}
	return u.wire()
}

// newUser makes a user with its wire form.
func newUser(u *User) *User {
	u.wired = u.wire()
	return u
}

func (c *Chat) wire() wireChat {
	w := wireChat{ID: c.ID, Type: c.Type}
	if c.Type == "private" {
		w.FirstName, w.LastName, w.Username = c.user.FirstName, c.user.LastName, c.user.Username
	} else {
		w.Title = c.Title
	}
	return w
}

// wireEntityList is a message's entities on the wire: its own slice, shared (a
// message's entities are replaced, never changed).
type wireEntityList []Entity

// MarshalJSON writes them as Bot API entities, for encoding/json (appendWire writes
// them itself).
func (l wireEntityList) MarshalJSON() ([]byte, error) { return appendEntities(nil, l), nil }

// wire renders a message in Bot API JSON shape. reply_to_message is nested one
// level deep, as Telegram does. Callers hold s.mu.
func (s *Sim) wireMessage(m *message, nested bool) *wireMessage {
	w := &wireMessage{
		MessageID:         m.id,
		Date:              m.date.Unix(),
		Chat:              m.chat.wire(),
		MigrateToChatID:   m.migrateTo,
		MigrateFromChatID: m.migrateFrom,
	}
	if m.from == nil {
		w.From = s.bot.wireShared()
	} else {
		w.From = m.from.wireShared()
	}
	if m.senderChat != nil {
		sc := m.senderChat.wire()
		w.SenderChat = &sc
	}
	if !m.editDate.IsZero() {
		w.EditDate = m.editDate.Unix()
	}
	if m.caption {
		w.Caption = m.text
		w.CaptionEntities = m.entities
	} else {
		w.Text = m.text
		w.Entities = m.entities
	}
	if nested && m.replyTo != nil && !m.replyTo.deleted {
		w.ReplyToMessage = s.wireMessage(m.replyTo, false)
	}
	if d := m.doc; d != nil {
		w.Document = &wireDocument{FileID: d.id, FileUniqueID: d.uniqueID, FileName: d.name, MimeType: d.mime, FileSize: len(d.data)}
	}
	if p := m.photo; p != nil {
		w.Photo = []wirePhotoSize{
			{FileID: p.id, FileUniqueID: p.uniqueID, Width: 90, Height: 90, FileSize: len(p.data)},
			{FileID: p.id, FileUniqueID: p.uniqueID, Width: 800, Height: 800, FileSize: len(p.data)},
		}
	}
	if p := m.poll; p != nil {
		w.Poll = wirePollOf(p)
	}
	for _, u := range m.newMembers {
		w.NewChatMembers = append(w.NewChatMembers, u.wire())
	}
	if m.leftMember != nil {
		w.LeftChatMember = m.leftMember.wire()
	}
	if m.markup != nil {
		w.ReplyMarkup = m.markup.inline
	}
	return w
}

func wirePollOf(p *Poll) *wirePoll {
	wp := &wirePoll{ID: p.ID, Question: p.Question, IsClosed: p.Closed, IsAnonymous: p.Anonymous, Type: p.Type, AllowsMultipleAnswers: p.MultipleAnswers}
	wp.Options = make([]wirePollOption, len(p.Options))
	for i, o := range p.Options {
		wp.Options[i] = wirePollOption{Text: o}
	}
	return wp
}

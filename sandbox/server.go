package sandbox

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"thiduabot/telegramsim"
)

//go:embed web
var webFS embed.FS

// Handler serves the page, its assets and the API the page uses:
//
//	GET  /api/events          server-sent events: "snapshot" first, then "message", "edit",
//	                          "delete", "chat" and "clock"
//	POST /api/send            {"as": user id, "chat": chat id, "text": "...", "replyTo": id}
//	POST /api/upload          {"as", "chat", "name", "data": base64, "caption"}: a document
//	POST /api/press           {"as", "chat", "message", "row", "col"}: the callback answer
//	POST /api/clock           {"op": "hour" | "day" | "next"}: the new simulated time
//	GET  /api/file/{fileID}   a document's bytes (the .xlsx export)
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFS, "web")
	files := http.FileServerFS(static)
	mux.Handle("GET /", files)
	mux.HandleFunc("GET /api/events", s.serveEvents)
	mux.HandleFunc("GET /api/state", s.serveState)
	mux.HandleFunc("POST /api/send", s.serveSend)
	mux.HandleFunc("POST /api/upload", s.serveUpload)
	mux.HandleFunc("POST /api/press", s.servePress)
	mux.HandleFunc("POST /api/clock", s.serveClock)
	mux.HandleFunc("GET /api/file/{id}", s.serveFile)
	return securityHeaders(mux)
}

// securityHeaders keeps the page to its own scripts and styles (no inline script can run, even
// if some text were ever put into the page as markup) and refuses cross-site API calls.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodPost {
			if o := r.Header.Get("Origin"); o != "" {
				if u, err := url.Parse(o); err != nil || u.Host != r.Host {
					http.Error(w, "cross-origin request refused", http.StatusForbidden)
					return
				}
			}
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
				http.Error(w, "expected application/json", http.StatusUnsupportedMediaType)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// ---- what the page gets ----

type jsonUser struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username,omitempty"`
	Bot      bool   `json:"bot,omitempty"`
}

type jsonEntity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
}

type jsonButton struct {
	Text     string `json:"text"`
	URL      string `json:"url,omitempty"`
	Callback bool   `json:"callback,omitempty"`
}

type jsonDocument struct {
	FileID string `json:"fileId"`
	Name   string `json:"name"`
	Mime   string `json:"mime"`
	Size   int    `json:"size"`
}

type jsonPoll struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Closed   bool     `json:"closed"`
}

type jsonMessage struct {
	Chat        int64          `json:"chat"`
	ID          int            `json:"id"`
	From        *jsonUser      `json:"from,omitempty"`
	Date        int64          `json:"date"` // unix ms (simulated time)
	Time        string         `json:"time"` // HH:MM in the bloc's time zone
	Day         string         `json:"day"`  // dd/mm/yyyy
	Edited      bool           `json:"edited,omitempty"`
	Text        string         `json:"text"`
	Entities    []jsonEntity   `json:"entities,omitempty"`
	Buttons     [][]jsonButton `json:"buttons,omitempty"`
	ForceReply  bool           `json:"forceReply,omitempty"`
	Placeholder string         `json:"placeholder,omitempty"`
	Selective   bool           `json:"selective,omitempty"`
	ReplyTo     int            `json:"replyTo,omitempty"`
	Document    *jsonDocument  `json:"document,omitempty"`
	Photo       bool           `json:"photo,omitempty"`
	Poll        *jsonPoll      `json:"poll,omitempty"`
	// Service is a service message's text in Vietnamese; ServiceKind ("joined", "migrated_to",
	// "migrated_from") and ServiceNames let the page say it in its own language.
	Service      string   `json:"service,omitempty"`
	ServiceKind  string   `json:"serviceKind,omitempty"`
	ServiceNames []string `json:"serviceNames,omitempty"`
}

type jsonPerson struct {
	jsonUser
	Unit  string `json:"unit,omitempty"`
	Admin bool   `json:"admin,omitempty"`
}

type jsonChat struct {
	ID    int64  `json:"id"`
	Type  string `json:"type"`
	Title string `json:"title"`
	User  int64  `json:"user,omitempty"` // private chats: the person
}

type jsonCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type jsonClock struct {
	Now   int64  `json:"now"`
	Label string `json:"label"`
}

type jsonSnapshot struct {
	Bot      jsonUser      `json:"bot"`
	Bloc     string        `json:"bloc"`
	People   []jsonPerson  `json:"people"`
	Chats    []jsonChat    `json:"chats"`
	Messages []jsonMessage `json:"messages"`
	// Commands are the bot's menus by scope ("group", "private") for a person whose Telegram
	// is in Vietnamese; CommandsEN for anyone else (the bot's default list, in English).
	Commands   map[string][]jsonCommand `json:"commands"`
	CommandsEN map[string][]jsonCommand `json:"commandsEn"`
	Clock      jsonClock                `json:"clock"`
	Empty      bool                     `json:"empty"`
}

func userJSON(u *telegramsim.User) *jsonUser {
	if u == nil {
		return nil
	}
	name := u.FirstName
	if u.LastName != "" {
		name += " " + u.LastName
	}
	return &jsonUser{ID: u.ID, Name: name, Username: u.Username, Bot: u.IsBot}
}

func (s *Sandbox) clockJSON(t time.Time) jsonClock {
	return jsonClock{Now: t.UnixMilli(), Label: t.In(s.loc).Format("02/01/2006 15:04")}
}

func (s *Sandbox) messageJSON(m telegramsim.Message) jsonMessage {
	local := m.Date.In(s.loc)
	out := jsonMessage{Chat: m.ChatID, ID: m.ID, Date: m.Date.UnixMilli(), Time: local.Format("15:04"),
		Day: local.Format("02/01/2006"), Edited: m.Edits > 0, Text: m.Text, ForceReply: m.ForceReply,
		Placeholder: m.Placeholder, Selective: m.Selective, ReplyTo: m.ReplyTo, Photo: m.Photo}
	if m.FromBot {
		out.From = userJSON(s.Sim.Bot())
	} else {
		out.From = userJSON(m.From)
	}
	for _, e := range m.Entities {
		out.Entities = append(out.Entities, jsonEntity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language})
	}
	for _, row := range m.Buttons {
		r := make([]jsonButton, 0, len(row))
		for _, b := range row {
			r = append(r, jsonButton{Text: b.Text, URL: b.URL, Callback: b.Data != ""})
		}
		out.Buttons = append(out.Buttons, r)
	}
	if d := m.Document; d != nil {
		out.Document = &jsonDocument{FileID: d.FileID, Name: d.FileName, Mime: d.MimeType, Size: len(d.Data)}
	}
	if p := m.Poll; p != nil {
		out.Poll = &jsonPoll{Question: p.Question, Options: p.Options, Closed: p.Closed}
	}
	switch {
	case len(m.NewChatMembers) > 0:
		names := make([]string, 0, len(m.NewChatMembers))
		for _, u := range m.NewChatMembers {
			names = append(names, u.FirstName)
		}
		out.Service = strings.Join(names, ", ") + " đã tham gia nhóm"
		out.ServiceKind, out.ServiceNames = "joined", names
	case m.MigrateToChatID != 0:
		out.Service, out.ServiceKind = "Nhóm đã được nâng cấp thành siêu nhóm", "migrated_to"
	case m.MigrateFromChatID != 0:
		out.Service, out.ServiceKind = "Siêu nhóm được tạo từ một nhóm", "migrated_from"
	}
	return out
}

func (s *Sandbox) chatJSON(c *telegramsim.Chat) jsonChat {
	out := jsonChat{ID: c.ID, Type: c.Type, Title: c.Name()}
	if u := c.User(); u != nil {
		out.User = u.ID
	}
	return out
}

func (s *Sandbox) snapshot() jsonSnapshot {
	snap := jsonSnapshot{Bot: *userJSON(s.Sim.Bot()), Bloc: s.Data.Bloc, Clock: s.clockJSON(s.Clock.Now()),
		Empty: s.opts.Empty, Commands: map[string][]jsonCommand{}, CommandsEN: map[string][]jsonCommand{}}
	for _, p := range s.People {
		snap.People = append(snap.People, jsonPerson{jsonUser: *userJSON(p.User), Unit: p.Unit, Admin: p.Admin})
	}
	for _, c := range s.Sim.Chats() {
		snap.Chats = append(snap.Chats, s.chatJSON(c))
		for _, m := range c.Messages() {
			snap.Messages = append(snap.Messages, s.messageJSON(m))
		}
	}
	for _, scope := range []string{"group", "private"} {
		for _, c := range s.Sim.Commands(telegramsim.CommandScope{Type: "all_" + scope + "_chats"}, "vi") {
			snap.Commands[scope] = append(snap.Commands[scope], jsonCommand(c))
		}
		for _, c := range s.Sim.Commands(telegramsim.CommandScope{Type: "all_" + scope + "_chats"}, "") {
			snap.CommandsEN[scope] = append(snap.CommandsEN[scope], jsonCommand(c))
		}
	}
	return snap
}

// ---- handlers ----

func (s *Sandbox) serveState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.snapshot())
}

// serveEvents streams the simulator's events. It subscribes before it takes the snapshot, so
// nothing falls between the two; the page applies messages by id, so a repeat is harmless.
func (s *Sandbox) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	events, cancel := s.Sim.Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	send := func(kind string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", kind, b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The clock's next move is watched from before the snapshot, and watched again before the
	// time is read for each clock event: a move while a snapshot or an event is being sent
	// still gets its event (taking the channel at the top of each turn lost such moves).
	changed := s.Clock.Changed()
	if !send("snapshot", s.snapshot()) {
		return
	}
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !s.sendEvent(ev, send) {
				return
			}
		case <-changed:
			changed = s.Clock.Changed()
			if !send("clock", s.clockJSON(s.Clock.Now())) {
				return
			}
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func (s *Sandbox) sendEvent(ev telegramsim.Event, send func(string, any) bool) bool {
	switch ev.Kind {
	case telegramsim.EventMessage, telegramsim.EventEdit:
		if ev.Message == nil {
			return true
		}
		return send(string(ev.Kind), s.messageJSON(*ev.Message))
	case telegramsim.EventDelete:
		return send("delete", map[string]any{"chat": ev.ChatID, "id": ev.MessageID})
	case telegramsim.EventChat:
		if c := s.Sim.Chat(ev.ChatID); c != nil {
			return send("chat", s.chatJSON(c))
		}
	}
	return true
}

type sendRequest struct {
	As      int64  `json:"as"`
	Chat    int64  `json:"chat"`
	Text    string `json:"text"`
	ReplyTo int    `json:"replyTo"`
}

// actor checks that the person exists and may act in the chat: the group, or their own private
// chat with the bot.
func (s *Sandbox) actor(as, chatID int64) (*telegramsim.User, *telegramsim.Chat, error) {
	p, ok := s.person(as)
	if !ok {
		return nil, nil, errors.New("unknown person")
	}
	c := s.Sim.Chat(chatID)
	if c == nil {
		return nil, nil, errors.New("unknown chat")
	}
	if c.Type == "private" && c.User() != p.User {
		return nil, nil, errors.New("this is someone else's private chat")
	}
	return p.User, c, nil
}

func (s *Sandbox) serveSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if !readJSON(w, r, &req) {
		return
	}
	u, c, err := s.actor(req.As, req.Chat)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case text == "":
		writeErrorCode(w, http.StatusBadRequest, "empty", "Tin nhắn trống.")
		return
	case !utf8.ValidString(text) || utf8.RuneCountInString(text) > 4096:
		writeErrorCode(w, http.StatusBadRequest, "too_long", "Tin nhắn quá dài (tối đa 4096 ký tự).")
		return
	}
	var m telegramsim.Message
	if req.ReplyTo != 0 {
		if _, ok := c.Message(req.ReplyTo); !ok {
			writeErrorCode(w, http.StatusBadRequest, "reply_gone", "Tin nhắn được trả lời không còn nữa.")
			return
		}
		m = u.Reply(c, telegramsim.Message{ID: req.ReplyTo}, text)
	} else {
		m = u.Send(c, text)
	}
	writeJSON(w, http.StatusOK, s.messageJSON(m))
}

type uploadRequest struct {
	As      int64  `json:"as"`
	Chat    int64  `json:"chat"`
	Name    string `json:"name"`
	Data    []byte `json:"data"` // base64 in JSON
	Caption string `json:"caption"`
}

// maxUpload is the largest document the page uploads (the bot keeps evidence files).
const maxUpload = 10 << 20

// serveUpload sends a document as the person, e.g. evidence to reply to with /baocao.
func (s *Sandbox) serveUpload(w http.ResponseWriter, r *http.Request) {
	var req uploadRequest
	if !readJSONLimit(w, r, &req, maxUpload*4/3+(64<<10)) {
		return
	}
	u, c, err := s.actor(req.As, req.Chat)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := strings.TrimSpace(req.Name)
	switch {
	case name == "" || !utf8.ValidString(name) || len(name) > 255 || strings.ContainsAny(name, "/\\\x00"):
		writeErrorCode(w, http.StatusBadRequest, "bad_name", "Tên tệp không hợp lệ.")
		return
	case len(req.Data) == 0:
		writeErrorCode(w, http.StatusBadRequest, "empty_file", "Tệp trống.")
		return
	case len(req.Data) > maxUpload:
		writeErrorCode(w, http.StatusRequestEntityTooLarge, "file_too_big", "Tệp quá lớn (tối đa 10 MB).")
		return
	case utf8.RuneCountInString(req.Caption) > 1024:
		writeErrorCode(w, http.StatusBadRequest, "caption_too_long", "Chú thích quá dài (tối đa 1024 ký tự).")
		return
	}
	m := u.SendDocument(c, name, req.Data, strings.TrimSpace(req.Caption))
	writeJSON(w, http.StatusOK, s.messageJSON(m))
}

type pressRequest struct {
	As      int64 `json:"as"`
	Chat    int64 `json:"chat"`
	Message int   `json:"message"`
	Row     int   `json:"row"`
	Col     int   `json:"col"`
}

type pressAnswer struct {
	Text    string `json:"text"`
	Alert   bool   `json:"alert,omitempty"`
	URL     string `json:"url,omitempty"`
	Pending bool   `json:"pending,omitempty"` // the bot did not answer in time
}

// servePress presses a button of a message as it is now and waits for the bot's answer.
func (s *Sandbox) servePress(w http.ResponseWriter, r *http.Request) {
	var req pressRequest
	if !readJSON(w, r, &req) {
		return
	}
	u, c, err := s.actor(req.As, req.Chat)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, ok := c.Message(req.Message)
	if !ok {
		writeErrorCode(w, http.StatusNotFound, "message_gone", "Tin nhắn không còn nữa.")
		return
	}
	if req.Row < 0 || req.Row >= len(m.Buttons) || req.Col < 0 || req.Col >= len(m.Buttons[req.Row]) {
		writeErrorCode(w, http.StatusConflict, "button_gone", "Nút này không còn nữa.")
		return
	}
	b := m.Buttons[req.Row][req.Col]
	if b.Data == "" {
		writeJSON(w, http.StatusOK, pressAnswer{URL: b.URL})
		return
	}
	ans, err := u.PressData(c, m, b.Data).Answer(Wait)
	if errors.Is(err, telegramsim.ErrTimeout) {
		writeJSON(w, http.StatusOK, pressAnswer{Pending: true})
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, pressAnswer{Text: ans.Text, Alert: ans.ShowAlert, URL: ans.URL})
}

type clockRequest struct {
	Op string `json:"op"`
}

type clockAnswer struct {
	jsonClock
	None bool `json:"none,omitempty"` // "next": no timer is pending
}

func (s *Sandbox) serveClock(w http.ResponseWriter, r *http.Request) {
	var req clockRequest
	if !readJSON(w, r, &req) {
		return
	}
	var (
		now time.Time
		err error
		ok  = true
	)
	switch req.Op {
	case "hour":
		now, err = s.Advance(r.Context(), time.Hour)
	case "day":
		now, err = s.Advance(r.Context(), 24*time.Hour)
	case "next":
		now, ok, err = s.AdvanceToNext(r.Context())
	default:
		writeError(w, http.StatusBadRequest, `op must be "hour", "day" or "next"`)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, clockAnswer{jsonClock: s.clockJSON(now), None: !ok})
}

// serveFile sends a document that was sent in one of the chats, as a download.
func (s *Sandbox) serveFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, ok := s.Sim.File(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, typ := "file", "application/octet-stream"
	for _, c := range s.Sim.Chats() {
		for _, m := range c.Messages() {
			if d := m.Document; d != nil && d.FileID == id {
				name, typ = d.FileName, d.MimeType
			}
		}
	}
	if typ == "" {
		typ = "application/octet-stream"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	_, _ = w.Write(data)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONLimit(w, r, v, 64<<10)
}

func readJSONLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad request: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// writeErrorCode is writeError with a code the page words in its own language (msg is the
// Vietnamese).
func writeErrorCode(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "code": code})
}

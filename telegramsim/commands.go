package telegramsim

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

var scopeTypes = map[string]bool{
	"default": true, "all_private_chats": true, "all_group_chats": true, "all_chat_administrators": true,
	"chat": true, "chat_administrators": true, "chat_member": true,
}

// commandKeyLocked validates scope and language_code and returns the storage key.
func (s *Sim) commandKeyLocked(rq *request) (string, error) {
	var raw struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if sc := rq.str("scope"); sc != "" && sc != "null" {
		if json.Unmarshal([]byte(sc), &raw) != nil {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
	}
	sc := CommandScope{Type: raw.Type, UserID: raw.UserID}
	if sc.Type == "" {
		sc.Type = "default"
	}
	if !scopeTypes[sc.Type] {
		return "", badRequest("unsupported bot command scope type")
	}
	if strings.HasPrefix(sc.Type, "chat") {
		id, err := strconv.ParseInt(strings.Trim(string(raw.ChatID), `"`), 10, 64)
		if err != nil || s.chats[id] == nil {
			return "", errChatNotFound
		}
		sc.ChatID = id
		if sc.Type == "chat_member" && s.users[sc.UserID] == nil {
			return "", badRequest("user not found")
		}
	}
	lang := rq.str("language_code")
	if lang != "" && (len(lang) != 2 || strings.ToLower(lang) != lang) {
		return "", badRequest("invalid language code specified")
	}
	return commandKey(sc, lang), nil
}

func commandKey(sc CommandScope, lang string) string {
	if sc.Type == "" {
		sc.Type = "default"
	}
	return sc.Type + ":" + strconv.FormatInt(sc.ChatID, 10) + ":" + strconv.FormatInt(sc.UserID, 10) + "|" + lang
}

func (s *Sim) setMyCommands(rq *request) (any, error) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(rq.str("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON array")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(c.Description); n == 0 || n > 256 {
			return nil, badRequest("command description must be non-empty")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandKeyLocked(rq)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.changedLocked()
	return true, nil
}

func (s *Sim) getMyCommands(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandKeyLocked(rq)
	if err != nil {
		return nil, err
	}
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []BotCommand{}
	}
	return cmds, nil
}

func (s *Sim) deleteMyCommands(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandKeyLocked(rq)
	if err != nil {
		return nil, err
	}
	delete(s.commands, key)
	s.changedLocked()
	return true, nil
}

// Commands returns the commands set for a scope and language ("" for all
// languages), exactly as stored: no fallback to broader scopes.
func (s *Sim) Commands(scope CommandScope, languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand(nil), s.commands[commandKey(scope, languageCode)]...)
}

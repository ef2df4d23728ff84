package bot

import (
	"context"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/clock"
)

// Admins answers "is this person an administrator of this group", asking Telegram
// (getChatAdministrators) and remembering the answer briefly.
type Admins struct {
	api *API
	clk clock.Clock
	ttl time.Duration

	mu    sync.Mutex
	cache map[int64]adminEntry
}

type adminEntry struct {
	ids     map[int64]bool
	expires time.Time
}

// NewAdmins returns an admin checker with a cache lifetime.
func NewAdmins(api *API, clk clock.Clock, ttl time.Duration) *Admins {
	return &Admins{api: api, clk: clk, ttl: ttl, cache: map[int64]adminEntry{}}
}

// IsAdmin reports whether user administers chat.
func (a *Admins) IsAdmin(ctx context.Context, chatID, userID int64) (bool, error) {
	now := a.clk.Now()
	a.mu.Lock()
	e, ok := a.cache[chatID]
	a.mu.Unlock()
	if !ok || now.After(e.expires) {
		p := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10)}
		var members []tgbotapi.ChatMember
		if err := a.api.Call(ctx, "getChatAdministrators", p, &members); err != nil {
			return false, err
		}
		e = adminEntry{ids: map[int64]bool{}, expires: now.Add(a.ttl)}
		for _, m := range members {
			if m.User != nil && (m.Status == "creator" || m.Status == "administrator") {
				e.ids[m.User.ID] = true
			}
		}
		a.mu.Lock()
		a.cache[chatID] = e
		a.mu.Unlock()
	}
	return e.ids[userID], nil
}

// Forget drops a chat's cached admins.
func (a *Admins) Forget(chatID int64) {
	a.mu.Lock()
	delete(a.cache, chatID)
	a.mu.Unlock()
}

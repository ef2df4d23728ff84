package telegramsim

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const testToken = "123:abc"

// newSim starts a simulator and connects a real tgbotapi client to it.
func newSim(t testing.TB, opts Options) (*Sim, *tgbotapi.BotAPI) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "ThiDuaBot"
	}
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	bot, err := tgbotapi.NewBotAPIWithClient(opts.Token, s.BotEndpoint(), &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return s, bot
}

// runBot polls getUpdates in the background and hands every update to handle,
// until the test ends.
func runBot(t testing.TB, s *Sim, bot *tgbotapi.BotAPI, handle func(tgbotapi.Update)) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		offset := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 30})
			if err != nil {
				select {
				case <-stop:
					return
				default:
				}
				t.Errorf("getUpdates: %v", err)
				return
			}
			for _, u := range ups {
				offset = u.UpdateID + 1
				handle(u)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		_ = s.Close() // ends the pending long poll
		<-done
	})
}

// collector gathers updates delivered to a runBot handler.
type collector struct {
	s       *Sim
	mu      sync.Mutex
	ups     []tgbotapi.Update
	changed chan struct{} // closed and replaced on every add
}

func (c *collector) add(u tgbotapi.Update) {
	c.mu.Lock()
	c.ups = append(c.ups, u)
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
	c.mu.Unlock()
}

// wait returns the updates collected once there are at least n.
func (c *collector) wait(t testing.TB, n int) []tgbotapi.Update {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		if len(c.ups) >= n {
			out := append([]tgbotapi.Update(nil), c.ups...)
			c.mu.Unlock()
			return out
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch, have := c.changed, len(c.ups)
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waiting for %d updates, have %d", n, have)
		}
	}
}

// apiErr asserts err is a Bot API error with the given description.
func apiErr(t testing.TB, err error, code int, desc string) tgbotapi.Error {
	t.Helper()
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want tgbotapi.Error %d %q", err, err, code, desc)
	}
	if te.Code != code && code != 0 {
		t.Errorf("error code = %d, want %d (%s)", te.Code, code, te.Message)
	}
	if !strings.HasPrefix(te.Message, desc) {
		t.Errorf("error = %q, want prefix %q", te.Message, desc)
	}
	return *te
}

func htmlMsg(chatID int64, text string) tgbotapi.MessageConfig {
	m := tgbotapi.NewMessage(chatID, text)
	m.ParseMode = tgbotapi.ModeHTML
	return m
}

func keyboard(rows ...[]string) tgbotapi.InlineKeyboardMarkup {
	var kb [][]tgbotapi.InlineKeyboardButton
	for _, r := range rows {
		var row []tgbotapi.InlineKeyboardButton
		for i := 0; i+1 < len(r); i += 2 {
			row = append(row, tgbotapi.NewInlineKeyboardButtonData(r[i], r[i+1]))
		}
		kb = append(kb, row)
	}
	return tgbotapi.NewInlineKeyboardMarkup(kb...)
}

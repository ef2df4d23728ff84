// Package testbot runs the whole bot for a test: a real redis-server, the Telegram simulator,
// and the app exactly as main builds it (long polling), with a fake clock. People of the Tây
// Ninh bloc act in one group: they type, press buttons and read what the bot shows them.
package testbot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/app"
	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/internal/redistest"
	"thiduabot/internal/tayninh"
	"thiduabot/telegramsim"
)

// Wait is how long a test waits for the bot before it fails.
const Wait = 15 * time.Second

// Start is the fake clock's first reading: 15/01/2024 09:00 in Tây Ninh.
var Start = time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)

// Env is a running bot with its world.
type Env struct {
	T      testing.TB
	Sim    *telegramsim.Sim
	Redis  *redistest.Server
	Clock  *clock.Fake
	App    *app.App
	Config config.Config

	Group  *telegramsim.Chat
	Admin  *telegramsim.User
	People []*telegramsim.User // People[i] represents Units[i] after SetupBloc
	Units  []string
	Data   tayninh.Data

	mu           sync.Mutex
	cancel       context.CancelFunc
	done         chan struct{}
	log          *slog.Logger
	editInterval time.Duration
}

// Option changes how the environment is built.
type Option func(*options)

type options struct {
	limits       *telegramsim.Limits
	configure    func(*config.Config)
	noStart      bool
	editInterval time.Duration
}

// WithEditInterval sets the sender's interval between edits of one message (100ms otherwise
// in tests): a test that must act while an edit waits its turn widens it.
func WithEditInterval(d time.Duration) Option { return func(o *options) { o.editInterval = d } }

// WithSimLimits makes the simulator enforce Telegram's flood limits.
func WithSimLimits(l telegramsim.Limits) Option { return func(o *options) { o.limits = &l } }

// WithConfig changes the bot's configuration before it starts.
func WithConfig(f func(*config.Config)) Option { return func(o *options) { o.configure = f } }

// NotStarted leaves the bot stopped; call StartBot.
func NotStarted() Option { return func(o *options) { o.noStart = true } }

// BotUsername is the simulated bot's username.
const BotUsername = "ThiDuaBot"

// New builds the world and starts the bot. Everything stops when the test ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	e := &Env{T: t, Clock: clock.NewFake(Start), Data: tayninh.Load(), editInterval: 100 * time.Millisecond}
	if o.editInterval > 0 {
		e.editInterval = o.editInterval
	}
	e.Redis = redistest.Start(t)
	e.Sim = telegramsim.New(telegramsim.Options{Token: "7000001:TEST-secret-token", BotUsername: BotUsername,
		BotName: "Thi Đua Bot", Clock: e.Clock, Limits: o.limits})
	if err := e.Sim.Start(); err != nil {
		t.Fatalf("simulator: %v", err)
	}
	t.Cleanup(func() { _ = e.Sim.Close() })

	cfg := config.Default()
	cfg.Telegram.Token = config.Secret(e.Sim.Token())
	cfg.Telegram.APIURL = e.Sim.URL()
	cfg.Telegram.PollTimeout = 5 * time.Second
	cfg.Telegram.RequestTimeout = 5 * time.Second
	cfg.Redis.URL = e.Redis.URL()
	cfg.Bot.PollerLease = 3 * time.Second
	cfg.HTTP.Listen = "" // no /metrics server: tests run many bots at once
	// The sender's pacing is tested on its own; conversations are not slowed by it.
	cfg.Limits.GroupPerMinute = 100000
	cfg.Limits.GlobalPerSecond = 100000
	cfg.Limits.PrivateInterval = time.Millisecond
	if o.limits != nil {
		cfg.Limits = config.Default().Limits
	}
	// The per-person action limit counts on the fake clock, which hardly moves: a test of it
	// turns it on with WithConfig.
	cfg.Limits.ActionsPerMinute = 0
	if o.configure != nil {
		o.configure(&cfg)
	}
	e.Config = cfg
	level := slog.LevelWarn
	var w io.Writer = io.Discard
	if os.Getenv("TESTBOT_LOG") != "" {
		w, level = os.Stderr, slog.LevelDebug
	}
	e.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))

	e.Admin = e.Sim.NewUser(tayninh.Admin, "mai_admin", "vi")
	e.Group = e.Sim.NewSupergroup("Khối thi đua Tây Ninh")
	e.Group.Add(e.Admin, true)
	e.Units = e.Data.Units
	for i, name := range tayninh.People {
		u := e.Sim.NewUser(name, fmt.Sprintf("unit%d_rep", i+1), "vi")
		e.Group.Add(u, false)
		e.People = append(e.People, u)
	}
	if !o.noStart {
		e.StartBot()
	}
	t.Cleanup(e.StopBot)
	return e
}

// StartBot builds a fresh app on the same Redis and simulator and runs it.
func (e *Env) StartBot() {
	e.T.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		return
	}
	a, err := app.New(e.Config, app.Options{Clock: e.Clock, Log: e.log})
	if err != nil {
		e.T.Fatalf("app: %v", err)
	}
	a.Runtime.Sender().EditInterval = e.editInterval
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	menusBefore := len(e.Sim.Calls("setMyCommands"))
	go func() {
		defer close(done)
		if err := a.Run(ctx); err != nil {
			e.T.Errorf("bot stopped with an error: %v", err)
		}
		_ = a.Close()
	}()
	e.App, e.cancel, e.done = a, cancel, done
	// The bot is ready when it has set its four command menus (Start finished).
	if err := e.Sim.WaitFor(Wait, func() bool { return len(e.Sim.Calls("setMyCommands")) >= menusBefore+4 }); err != nil {
		e.T.Fatalf("the bot did not start: %v", err)
	}
}

// StopBot stops the bot gracefully (as on SIGTERM) and waits for it.
func (e *Env) StopBot() {
	e.mu.Lock()
	cancel, done := e.cancel, e.done
	e.cancel, e.done = nil, nil
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		e.T.Errorf("the bot did not stop within 30s")
	}
}

// Restart stops the bot and starts a new one on the same Redis and simulator.
func (e *Env) Restart() {
	e.T.Helper()
	e.StopBot()
	e.StartBot()
}

// Say sends text in the group as u and returns the bot's reply to it.
func (e *Env) Say(u *telegramsim.User, text string) telegramsim.Message {
	e.T.Helper()
	return e.SayIn(e.Group, u, text)
}

// SayIn sends text in a chat as u and returns the bot's reply to that message.
func (e *Env) SayIn(c *telegramsim.Chat, u *telegramsim.User, text string) telegramsim.Message {
	e.T.Helper()
	m := u.Send(c, text)
	return e.ReplyTo(c, m)
}

// ReplyTo waits for the bot's reply to message m.
func (e *Env) ReplyTo(c *telegramsim.Chat, m telegramsim.Message) telegramsim.Message {
	e.T.Helper()
	r, err := c.WaitBotMessage(Wait, func(x telegramsim.Message) bool { return x.ReplyTo == m.ID })
	if err != nil {
		e.T.Fatalf("no reply to %q: %v\n%s", m.Text, err, e.Transcript(c))
	}
	return r
}

// Send sends text as u in a chat without waiting for anything.
func (e *Env) Send(c *telegramsim.Chat, u *telegramsim.User, text string) telegramsim.Message {
	return u.Send(c, text)
}

// Press presses a button of msg as u and returns the text the bot answered with.
func (e *Env) Press(u *telegramsim.User, msg telegramsim.Message, button string) string {
	e.T.Helper()
	return e.PressAnswer(u, msg, button).Text
}

// PressAnswer presses a button and returns the whole callback answer.
func (e *Env) PressAnswer(u *telegramsim.User, msg telegramsim.Message, button string) telegramsim.Answer {
	e.T.Helper()
	c := e.Sim.Chat(msg.ChatID)
	if _, ok := msg.Button(button); !ok {
		e.T.Fatalf("message has no button %q: %q %v", button, msg.Text, msg.Buttons)
	}
	ans, err := u.Press(c, msg, button).Answer(Wait)
	if err != nil {
		e.T.Fatalf("pressing %q: %v\n%s", button, err, e.Transcript(c))
	}
	return ans
}

// WaitBot waits for a bot message in the group (new or edited) that matches.
func (e *Env) WaitBot(match func(telegramsim.Message) bool) telegramsim.Message {
	e.T.Helper()
	return e.WaitBotIn(e.Group, match)
}

// WaitBotIn waits for a bot message in a chat that matches.
func (e *Env) WaitBotIn(c *telegramsim.Chat, match func(telegramsim.Message) bool) telegramsim.Message {
	e.T.Helper()
	m, err := c.WaitBotMessage(Wait, match)
	if err != nil {
		e.T.Fatalf("waiting for the bot: %v\n%s", err, e.Transcript(c))
	}
	return m
}

// Containing matches a message whose text contains every part.
func Containing(parts ...string) func(telegramsim.Message) bool {
	return func(m telegramsim.Message) bool {
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	}
}

// Advance moves the clock forward and lets the timers that became due fire.
func (e *Env) Advance(d time.Duration) {
	e.T.Helper()
	e.Clock.Advance(d)
	e.Kick()
}

// Kick wakes the timers and waits until none is due or running any more.
func (e *Env) Kick() {
	e.T.Helper()
	e.mu.Lock()
	a := e.App
	e.mu.Unlock()
	if a == nil {
		return
	}
	a.Timers.Kick()
	deadline := time.Now().Add(Wait)
	for {
		next, ok, err := a.Timers.Next(context.Background())
		if err == nil && (!ok || next.After(e.Clock.Now())) {
			if n, ferr := a.Timers.InFlight(context.Background()); ferr == nil && n == 0 {
				return // none due, none running
			}
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("timers due at %v still pending at %v", next, e.Clock.Now())
		}
		a.Timers.Kick()
		time.Sleep(5 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
}

// SetupBloc makes the group the Tây Ninh bloc: the admin sets it up and adds the seven units;
// each person joins their unit and the admin approves.
func (e *Env) SetupBloc() {
	e.T.Helper()
	e.Say(e.Admin, "/thietlap "+e.Data.Bloc)
	e.Say(e.Admin, "/themdonvi\n"+strings.Join(e.Units, "\n"))
	for i, p := range e.People {
		e.Join(p, e.Units[i])
	}
}

// Join has u ask to represent unit and the admin approve it.
func (e *Env) Join(u *telegramsim.User, unit string) {
	e.T.Helper()
	m := u.Send(e.Group, "/thamgia "+unit)
	req := e.WaitBot(func(x telegramsim.Message) bool {
		_, ok := x.Button("✅ Đồng ý")
		if !ok {
			_, ok = x.Button("✅ Approve")
		}
		return ok && x.ID > m.ID && strings.Contains(x.Text, u.FirstName)
	})
	btn := "✅ Đồng ý"
	if _, ok := req.Button(btn); !ok {
		btn = "✅ Approve"
	}
	e.Press(e.Admin, req, btn)
	e.WaitBot(func(x telegramsim.Message) bool { return x.ID == req.ID && len(x.Buttons) == 0 })
}

// Transcript renders a chat for failure messages.
func (e *Env) Transcript(c *telegramsim.Chat) string {
	var b strings.Builder
	b.WriteString("--- chat transcript ---\n")
	for _, m := range c.Messages() {
		who := "bot"
		if m.From != nil {
			who = m.From.FirstName
		}
		fmt.Fprintf(&b, "[%d→%d] %s: %s", m.ID, m.ReplyTo, who, m.Text)
		for _, row := range m.Buttons {
			for _, bt := range row {
				fmt.Fprintf(&b, " [%s]", bt.Text)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

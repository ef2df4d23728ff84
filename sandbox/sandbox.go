// Package sandbox runs the whole bot in one process for a person to try in a browser, without
// Telegram and without a Redis server: an embedded Redis (miniredis, or a real server), the Bot
// API simulator on loopback, the bot connected to it exactly as in production (app.New and
// a.Run: long polling), and a web page that looks like a Telegram group. The people of the Tây
// Ninh bloc are there to act as; by default the bloc is already set up, by driving the bot
// through the simulator as its people would. A simulated clock can be moved forward so that
// reminders fire and ballots close at their deadline.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the page shows the bloc's local time

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"thiduabot/app"
	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/internal/tayninh"
	"thiduabot/telegramsim"
)

// Options configure a sandbox. Every field is optional.
type Options struct {
	// Addr is where the web page listens. Default "127.0.0.1:8080"; a port of 0 picks a free one.
	Addr string
	// RedisURL is a real Redis to use instead of the embedded one. Its database must be empty:
	// the simulator is a new Telegram on every start, and the bot's update offsets and
	// idempotency records of an earlier run would not match it.
	RedisURL string
	// Empty starts with the people and the group but without a bloc (no setup conversation).
	Empty bool
	// Start is the simulated clock's first reading. Default: now, to the minute.
	Start time.Time
	// Log receives the bot's and the sandbox's log lines. Default: warnings to io.Discard.
	Log *slog.Logger
	// Configure, when set, changes the bot's configuration before it is built.
	Configure func(*config.Config)
}

// DemoRecurring is the sandbox's recurring reminder, as a bloc would configure one: Monday
// mornings, every bloc.
var DemoRecurring = config.CronItem{
	Name: "bao-cao-tuan",
	Spec: "CRON_TZ=Asia/Ho_Chi_Minh 0 8 * * 1",
	Text: map[string]string{
		"vi": "Nhắc: các đơn vị cập nhật thành tích tuần qua bằng /baocao.",
		"en": "Reminder: units, please report last week's achievements with /report.",
	},
}

// Token is the simulated bot's token; it is no real token.
const Token = "7000001:sandbox-not-a-real-token"

// BotUsername is the simulated bot's username.
const BotUsername = "ThiDuaBot"

// Wait bounds every wait for the bot (setup steps, callback answers, timers settling).
const Wait = 15 * time.Second

// Person is someone the page can act as.
type Person struct {
	User *telegramsim.User
	// Unit is the unit the person represents (after the demo setup), "" for the admin.
	Unit  string
	Admin bool
}

// Sandbox is a running sandbox.
type Sandbox struct {
	Clock  *clock.Fake
	Sim    *telegramsim.Sim
	App    *app.App
	Config config.Config
	Group  *telegramsim.Chat
	People []Person // the admin first, then one person per unit
	Data   tayninh.Data

	opts    Options
	log     *slog.Logger
	loc     *time.Location
	mini    *miniredis.Miniredis
	rdb     *redis.Client // the client of the embedded Redis
	ln      net.Listener
	srv     *http.Server
	clockMu sync.Mutex // one clock move at a time
}

// New builds the sandbox: Redis, the simulator (serving on a free loopback port), the people,
// the group and the bot (not yet running), and it listens for the page. Run starts the bot.
func New(opts Options) (sb *Sandbox, err error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now().Truncate(time.Minute)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Sandbox{opts: opts, log: opts.Log, Clock: clock.NewFake(opts.Start), Data: tayninh.Load()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	cfg := config.Default()
	s.loc, err = time.LoadLocation(cfg.Bot.Timezone)
	if err != nil {
		return nil, fmt.Errorf("sandbox: time zone: %w", err)
	}
	if opts.RedisURL == "" {
		s.mini = miniredis.NewMiniRedis()
		// Keys expire with the wall clock, as in a real Redis (the bot's leases and caches).
		s.mini.ClockTTL(true)
		if err := s.mini.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("sandbox: embedded redis: %w", err)
		}
		cfg.Redis.URL = "redis://" + s.mini.Addr() + "/0"
		s.rdb = redis.NewClient(&redis.Options{Addr: s.mini.Addr()})
		s.rdb.AddHook(newLuaCompat())
	} else {
		cfg.Redis.URL = opts.RedisURL
	}

	s.Sim = telegramsim.New(telegramsim.Options{Token: Token, BotUsername: BotUsername, BotName: "Thi Đua Bot", Clock: s.Clock})
	if err := s.Sim.Start(); err != nil {
		return nil, err
	}

	cfg.Telegram.Token = config.Secret(Token)
	cfg.Telegram.APIURL = s.Sim.URL()
	cfg.Telegram.RequestTimeout = 10 * time.Second
	cfg.Telegram.PollTimeout = 25 * time.Second
	cfg.HTTP.Listen = "" // no /metrics server: the sandbox is one process on a laptop
	// One person plays everyone: Telegram's per-group pacing would only make the page slow.
	cfg.Limits.GroupPerMinute = 100000
	cfg.Limits.GlobalPerSecond = 100000
	cfg.Limits.PrivateInterval = time.Millisecond
	cfg.Recurring = []config.CronItem{DemoRecurring}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	s.Config = cfg

	ao := app.Options{Clock: s.Clock, Log: s.log}
	if s.rdb != nil {
		ao.Redis = s.rdb
	}
	a, err := app.New(cfg, ao)
	if err != nil {
		return nil, err
	}
	s.App = a
	if opts.RedisURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := a.Redis.DBSize(ctx).Result()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("sandbox: -redis: cannot reach the server: %w", err)
		}
		if n > 0 {
			return nil, fmt.Errorf("sandbox: -redis: the database has %d keys; the sandbox needs an empty one "+
				"(the simulated Telegram starts anew each time). Use another database number, e.g. redis://127.0.0.1:6379/15", n)
		}
	}

	s.makeWorld()

	s.ln, err = net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s (-addr): %w", opts.Addr, err)
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	return s, nil
}

// makeWorld creates the admin, one person per unit, the group and everyone's private chat.
func (s *Sandbox) makeWorld() {
	admin := s.Sim.NewUser(tayninh.Admin, "mai_admin", "vi")
	s.Group = s.Sim.NewSupergroup("Khối thi đua Tây Ninh")
	s.Group.Add(admin, true)
	s.People = append(s.People, Person{User: admin, Admin: true})
	for i, name := range tayninh.People {
		u := s.Sim.NewUser(name, fmt.Sprintf("unit%d_rep", i+1), "vi")
		s.Group.Add(u, false)
		unit := ""
		if i < len(s.Data.Units) {
			unit = s.Data.Units[i]
		}
		s.People = append(s.People, Person{User: u, Unit: unit})
	}
	for _, p := range s.People {
		s.Sim.PrivateChat(p.User)
	}
}

// URL is the page's address.
func (s *Sandbox) URL() string {
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Run starts the bot, sets up the demo bloc (unless Options.Empty; a failure there is logged),
// then calls ready with the page's URL and serves the page until ctx ends. It returns nil when
// ctx ends.
func (s *Sandbox) Run(ctx context.Context, ready func(url string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	botDone := make(chan error, 1)
	go func() { botDone <- s.App.Run(ctx) }()

	// The bot is up when it has set its four command menus (its Start finished).
	err := s.Sim.WaitFor(Wait, func() bool { return len(s.Sim.Calls("setMyCommands")) >= 4 })
	if err != nil {
		cancel()
		<-botDone
		return fmt.Errorf("sandbox: the bot did not start: %w", err)
	}
	if !s.opts.Empty {
		// A feature that breaks the demo conversation should not hide the rest: the page then
		// shows how far the setup got, and the log says where it stopped.
		if err := s.SetupDemo(ctx); err != nil {
			if ctx.Err() != nil {
				cancel()
				<-botDone
				return nil
			}
			s.log.Error("the demo bloc is not fully set up", "err", err)
		}
	}

	srvDone := make(chan error, 1)
	go func() { srvDone <- s.srv.Serve(s.ln) }()
	if ready != nil {
		ready(s.URL())
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-srvDone:
		runErr = fmt.Errorf("sandbox: web server: %w", err)
		cancel()
	case err := <-botDone:
		botDone <- err
		if err != nil && !errors.Is(err, context.Canceled) {
			runErr = fmt.Errorf("sandbox: the bot stopped: %w", err)
		}
		cancel()
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = s.srv.Shutdown(sctx)
	if err := <-botDone; err != nil && !errors.Is(err, context.Canceled) && runErr == nil {
		runErr = fmt.Errorf("sandbox: the bot stopped: %w", err)
	}
	return runErr
}

// Close releases everything New made. Call it after Run returned.
func (s *Sandbox) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	} else if s.ln != nil {
		_ = s.ln.Close()
	}
	if s.App != nil {
		_ = s.App.Close()
	}
	if s.Sim != nil {
		_ = s.Sim.Close()
	}
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
	if s.mini != nil {
		s.mini.Close()
	}
}

// person returns the sandbox person with the given user id.
func (s *Sandbox) person(id int64) (Person, bool) {
	for _, p := range s.People {
		if p.User.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// SetupDemo makes the group the Tây Ninh bloc the way its people would, so that the page shows
// the conversation: the admin sets it up and adds the seven units, each person asks to
// represent their unit and the admin approves with the button.
func (s *Sandbox) SetupDemo(ctx context.Context) error {
	admin := s.People[0].User
	if _, err := s.say(ctx, admin, "/thietlap "+s.Data.Bloc); err != nil {
		return err
	}
	if _, err := s.say(ctx, admin, "/themdonvi\n"+strings.Join(s.Data.Units, "\n")); err != nil {
		return err
	}
	for _, p := range s.People[1:] {
		if err := s.join(ctx, p.User, p.Unit); err != nil {
			return err
		}
	}
	return nil
}

// say sends text in the group and waits for the bot's reply to it.
func (s *Sandbox) say(ctx context.Context, u *telegramsim.User, text string) (telegramsim.Message, error) {
	m := u.Send(s.Group, text)
	r, err := s.Group.WaitBotMessage(Wait, func(x telegramsim.Message) bool { return x.ReplyTo == m.ID })
	if err != nil {
		return r, fmt.Errorf("sandbox: setting up the demo bloc: no answer to %q: %w", firstLine(text), err)
	}
	return r, ctx.Err()
}

const approve = "✅ Đồng ý"

// join has u ask to represent unit and the admin approve it.
func (s *Sandbox) join(ctx context.Context, u *telegramsim.User, unit string) error {
	m := u.Send(s.Group, "/thamgia "+unit)
	req, err := s.Group.WaitBotMessage(Wait, func(x telegramsim.Message) bool {
		_, ok := x.Button(approve)
		return ok && x.ID > m.ID && strings.Contains(x.Text, u.FirstName)
	})
	if err != nil {
		return fmt.Errorf("sandbox: setting up the demo bloc: no join request for %s: %w", u.FirstName, err)
	}
	if _, err := s.People[0].User.Press(s.Group, req, approve).Answer(Wait); err != nil {
		return fmt.Errorf("sandbox: setting up the demo bloc: approving %s: %w", u.FirstName, err)
	}
	_, err = s.Group.WaitBotMessage(Wait, func(x telegramsim.Message) bool { return x.ID == req.ID && len(x.Buttons) == 0 })
	if err != nil {
		return fmt.Errorf("sandbox: setting up the demo bloc: %s's request was not closed: %w", u.FirstName, err)
	}
	return ctx.Err()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

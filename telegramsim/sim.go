package telegramsim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"thiduabot/clock"
)

// Options configure a simulator. Every field is optional.
type Options struct {
	// Token is the bot token the client must use in /bot<token>/<method>.
	// Default "123456:TEST-TOKEN".
	Token string
	// BotID is the bot's user id. Default: the number before ':' in Token, else 1000000001.
	BotID int64
	// BotUsername is the bot's username without '@'. Default "SimBot".
	BotUsername string
	// BotName is the bot's first_name. Default BotUsername.
	BotName string
	// Clock stamps message dates. Default clock.Real{}.
	Clock clock.Clock
	// Limits turns on flood control (429 answers). Nil means unlimited.
	Limits *Limits
	// PrivacyMode makes group chats deliver only what a bot with privacy mode on
	// receives: commands (for this bot or without @suffix), mentions of the bot,
	// replies to the bot's messages and service messages. Default off: the bot sees
	// everything, as an admin bot does.
	PrivacyMode bool
	// LenientHTMLEntities makes an unknown named HTML entity such as "&nbsp;" plain
	// text, which is what api.telegram.org does. By default the simulator is
	// stricter and rejects it with "can't parse entities", so the bot's escaping
	// bugs surface in tests.
	LenientHTMLEntities bool
	// WebhookTimeout bounds one webhook delivery. Default 10s.
	WebhookTimeout time.Duration
	// WebhookRetryMin and WebhookRetryMax bound the exponential backoff between
	// redeliveries of a failed webhook update. Defaults 50ms and 2s.
	WebhookRetryMin, WebhookRetryMax time.Duration
	// Seed seeds the randomness (duplicate updates, webhook target choice).
	Seed uint64
	// Logf, when set, receives a line per bot request and webhook failure.
	Logf func(format string, args ...any)
}

// ErrTimeout is wrapped by every error a wait helper returns at its deadline.
var ErrTimeout = errors.New("telegramsim: timed out")

// ErrClosed is returned by wait helpers when the simulator is closed.
var ErrClosed = errors.New("telegramsim: simulator closed")

// Sim is a simulated Telegram: the Bot API server plus the people using it.
type Sim struct {
	opts Options
	clk  clock.Clock
	bot  *User // the bot itself as a Telegram user
	anon *User // GroupAnonymousBot

	mu sync.Mutex // guards everything below, and the unexported state of Users and Chats

	rng       *rand.Rand
	users     map[int64]*User
	userList  []*User
	chats     map[int64]*Chat
	chatList  []*Chat
	nextUser  int64
	nextGroup int64
	nextSuper int64

	// updates (updates.go, webhook.go)
	q            queue
	nextUpdateID int64
	nextSeq      uint64
	history      map[int64]*entry
	allowed      map[string]bool // nil: Telegram's default set
	pollGen      int64
	qSignal      chan struct{} // closed when the queue or the delivery mode changes
	wh           *webhook
	whTargets    []string
	dupRate      float64

	// callbacks (people.go, methods.go)
	callbacks    map[string]*Callback
	nextCallback uint64
	answers      chunkLog[Answer]

	// bookkeeping
	calls    chunkLog[Call]
	callsBy  map[string][]int // indexes in calls
	stats    Stats
	commands map[string][]BotCommand
	files    map[string]*file
	filePath map[string]*file
	nextFile int64
	nextPoll int64

	// faults and flood control (faults.go, limits.go)
	faults   []*faultRule
	outage   FaultKind
	outageCh chan struct{} // closed when the current outage ends
	lim      *limiter

	changed chan struct{} // closed on any state change (WaitFor)
	subs    map[int]*subscriber
	nextSub int

	srv       *http.Server
	url       string
	done      chan struct{}
	ctx       context.Context // canceled by Close (webhook deliveries)
	cancelCtx context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New returns a simulator. It serves nothing until Start, but Handler works at once.
func New(opts Options) *Sim {
	if opts.Token == "" {
		opts.Token = "123456:TEST-TOKEN"
	}
	if opts.BotID == 0 {
		if id, err := strconv.ParseInt(strings.SplitN(opts.Token, ":", 2)[0], 10, 64); err == nil && id > 0 {
			opts.BotID = id
		} else {
			opts.BotID = 1000000001
		}
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "SimBot"
	}
	if opts.BotName == "" {
		opts.BotName = opts.BotUsername
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = 10 * time.Second
	}
	if opts.WebhookRetryMin <= 0 {
		opts.WebhookRetryMin = 50 * time.Millisecond
	}
	if opts.WebhookRetryMax < opts.WebhookRetryMin {
		opts.WebhookRetryMax = 2 * time.Second
		if opts.WebhookRetryMax < opts.WebhookRetryMin {
			opts.WebhookRetryMax = opts.WebhookRetryMin
		}
	}
	s := &Sim{
		opts:         opts,
		clk:          opts.Clock,
		rng:          rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		users:        make(map[int64]*User),
		chats:        make(map[int64]*Chat),
		history:      make(map[int64]*entry),
		nextUpdateID: 100000000,
		callbacks:    make(map[string]*Callback),
		nextCallback: 4200000000000000000,
		callsBy:      make(map[string][]int),
		commands:     make(map[string][]BotCommand),
		files:        make(map[string]*file),
		filePath:     make(map[string]*file),
		subs:         make(map[int]*subscriber),
		done:         make(chan struct{}),
	}
	s.ctx, s.cancelCtx = context.WithCancel(context.Background())
	s.stats.Requests = make(map[string]int)
	s.stats.Errors = make(map[string]int)
	s.stats.UpdatesByKind = make(map[string]int)
	s.stats.UpdateBytes = make(map[string]int64)
	s.bot = newUser(&User{ID: opts.BotID, FirstName: opts.BotName, Username: opts.BotUsername, IsBot: true, s: s})
	s.anon = newUser(&User{ID: GroupAnonymousBotID, FirstName: "Group", Username: "GroupAnonymousBot", IsBot: true, s: s})
	if opts.Limits != nil {
		s.lim = newLimiter(*opts.Limits)
	}
	return s
}

// GroupAnonymousBotID is the user id Telegram puts in "from" of messages that
// anonymous group admins send on behalf of the group.
const GroupAnonymousBotID int64 = 1087968824

// Start serves the Bot API on 127.0.0.1 on a free port.
func (s *Sim) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("telegramsim: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.srv = srv
	s.url = "http://" + ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Close stops the server, the webhook deliveries and every waiter. It is safe to
// call more than once.
func (s *Sim) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		s.cancelCtx()
		s.mu.Lock()
		srv := s.srv
		if s.wh != nil {
			s.wh.close()
			s.wh = nil
		}
		subs := s.subs
		s.subs = make(map[int]*subscriber)
		s.changedLocked()
		s.signalQueueLocked()
		s.mu.Unlock()
		if srv != nil {
			err = srv.Close()
		}
		for _, sub := range subs {
			sub.cancel()
		}
		s.wg.Wait()
	})
	return err
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234" ("" before Start).
func (s *Sim) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// BotEndpoint is the endpoint format for tgbotapi.NewBotAPIWithClient:
// URL()+"/bot%s/%s".
func (s *Sim) BotEndpoint() string { return s.URL() + "/bot%s/%s" }

// FileEndpoint is the download URL format, URL()+"/file/bot%s/%s".
func (s *Sim) FileEndpoint() string { return s.URL() + "/file/bot%s/%s" }

// Token returns the bot token the simulator accepts.
func (s *Sim) Token() string { return s.opts.Token }

// Bot returns the bot as a Telegram user (IsBot set).
func (s *Sim) Bot() *User { return s.bot }

// Handler returns the HTTP handler serving /bot<token>/<method> and
// /file/bot<token>/<path>. It may be mounted under a prefix: only the last path
// segments are looked at.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// changedLocked wakes every WaitFor. Callers hold s.mu.
func (s *Sim) changedLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// changes returns a channel closed at the next state change.
func (s *Sim) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// WaitFor waits until cond returns true, re-checking it after every state change
// of the simulator (a message, an edit, a request, an update delivery...). cond is
// called without any simulator lock held, so it may use the simulator's API. The
// deadline is wall time.
func (s *Sim) WaitFor(timeout time.Duration, cond func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ch := s.changes()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			if cond() {
				return nil
			}
			return fmt.Errorf("%w: condition not met within %v", ErrTimeout, timeout)
		case <-s.done:
			return ErrClosed
		}
	}
}

func (s *Sim) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf("telegramsim: "+format, args...)
	}
}

// Users returns every simulated user, in creation order.
func (s *Sim) Users() []*User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*User(nil), s.userList...)
}

// Chats returns every chat (private chats, groups, supergroups), in creation order.
func (s *Sim) Chats() []*Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Chat(nil), s.chatList...)
}

// Chat returns the chat with the given id, or nil.
func (s *Sim) Chat(id int64) *Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats[id]
}

// User returns the user with the given id, or nil.
func (s *Sim) User(id int64) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[id]
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/i18n"
)

// BlocLoader reads a chat's bloc.
type BlocLoader interface {
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
}

// PromptStore remembers what a ForceReply prompt waits for.
type PromptStore interface {
	SavePrompt(ctx context.Context, chatID int64, messageID int, kind, data string) error
	// LoadPrompt returns what a prompt waits for (ok), or that it was one and no longer waits
	// (expired).
	LoadPrompt(ctx context.Context, chatID int64, messageID int) (kind, data string, ok, expired bool, err error)
}

// OffsetStore keeps the getUpdates offset.
type OffsetStore interface {
	LoadOffset(ctx context.Context) (int64, error)
	SaveOffset(ctx context.Context, offset int64) error
}

// ChatMigrator moves a group's data when it becomes a supergroup.
type ChatMigrator interface {
	MigrateChat(ctx context.Context, from, to int64) error
}

// Metrics receives the runtime's counts.
type Metrics interface {
	SenderMetrics
	Received()
	Applied(command string, d time.Duration)
	// NotApplied counts an update that could not be applied (the store was unavailable). It is
	// not named Failed: SenderMetrics has Failed(method) already.
	NotApplied(command string)
}

// Deps are what the runtime needs.
type Deps struct {
	API         *API
	Clock       clock.Clock
	Log         *slog.Logger
	Router      *Router
	Blocs       BlocLoader
	Prompts     PromptStore
	Offsets     OffsetStore
	Migrator    ChatMigrator
	Limiter     Limiter
	Metrics     Metrics
	CodecKey    []byte
	DefaultLang string
	AdminTTL    time.Duration
}

// ErrUnavailable wraps failures of the store: the update was not applied and may be retried.
var ErrUnavailable = errors.New("temporarily unavailable")

// IsUnavailableFunc tells store outages from other errors (set by main from the store).
type IsUnavailableFunc func(error) bool

// Runtime receives updates, routes them and sends replies.
type Runtime struct {
	api         *API
	clk         clock.Clock
	log         *slog.Logger
	router      *Router
	blocs       BlocLoader
	prompts     PromptStore
	offsets     OffsetStore
	migrator    ChatMigrator
	sender      *Sender
	codec       *Codec
	admins      *Admins
	metrics     Metrics
	defaultLang string
	me          tgbotapi.User
	// Unavailable classifies store errors; nil treats none as an outage.
	Unavailable IsUnavailableFunc

	senderCtx    context.Context
	senderCancel context.CancelFunc
	inflight     sync.WaitGroup
}

// New builds a runtime. Call Start before handling updates.
func New(d Deps) *Runtime {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Limiter == nil {
		d.Limiter = NewMemLimiter(DefaultLimits)
	}
	if d.DefaultLang == "" {
		d.DefaultLang = domain.LangVI
	}
	if d.AdminTTL <= 0 {
		d.AdminTTL = time.Minute
	}
	var sm SenderMetrics
	if d.Metrics != nil {
		sm = d.Metrics
	}
	sctx, cancel := context.WithCancel(context.Background())
	return &Runtime{
		api: d.API, clk: d.Clock, log: d.Log, router: d.Router, blocs: d.Blocs, prompts: d.Prompts,
		offsets: d.Offsets, migrator: d.Migrator, codec: NewCodec(d.CodecKey), metrics: d.Metrics,
		admins: NewAdmins(d.API, d.Clock, d.AdminTTL), defaultLang: d.DefaultLang,
		sender:    NewSender(sctx, d.API, d.Limiter, d.Log, sm),
		senderCtx: sctx, senderCancel: cancel,
	}
}

// Sender is the runtime's outgoing queue (for timers and other senders outside updates).
func (r *Runtime) Sender() *Sender { return r.sender }

// Codec is the runtime's button codec.
func (r *Runtime) Codec() *Codec { return r.codec }

// Me is the bot's own user, known after Start.
func (r *Runtime) Me() tgbotapi.User { return r.me }

// Start asks Telegram who the bot is (retrying until ctx ends) and sets the command menus.
func (r *Runtime) Start(ctx context.Context) error {
	backoff := 500 * time.Millisecond
	for {
		me, err := r.api.GetMe(ctx)
		if err == nil {
			r.me = me
			break
		}
		var te *Error
		if errors.As(err, &te) && te.Code == 401 {
			return fmt.Errorf("telegram rejected the bot token (TELEGRAM_BOT_TOKEN): %w", err)
		}
		r.log.Warn("telegram getMe failed, retrying", "err", err, "in", backoff)
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 30*time.Second)
	}
	if err := r.setCommands(ctx); err != nil {
		r.log.Warn("setMyCommands failed", "err", err)
	}
	return nil
}

func (r *Runtime) setCommands(ctx context.Context) error {
	for _, scope := range []string{"all_group_chats", "all_private_chats"} {
		for _, lang := range []string{"", domain.LangVI} {
			tl := lang
			if tl == "" {
				tl = domain.LangEN
			}
			var cmds []map[string]string
			for _, info := range r.router.Commands() {
				if info.MenuKey == "" || (scope == "all_group_chats" && !info.Group) || (scope == "all_private_chats" && !info.Private) {
					continue
				}
				name := info.Names[0]
				if tl == domain.LangVI && len(info.Names) > 1 {
					name = info.Names[1]
				}
				cmds = append(cmds, map[string]string{"command": name, "description": i18n.T(tl, info.MenuKey)})
			}
			p := tgbotapi.Params{}
			if err := p.AddInterface("commands", cmds); err != nil {
				return err
			}
			if err := p.AddInterface("scope", map[string]string{"type": scope}); err != nil {
				return err
			}
			p.AddNonEmpty("language_code", lang)
			if err := r.api.Call(ctx, "setMyCommands", p, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// Handle applies one update. It returns nil when the update was applied (or is not ours), and
// an error wrapping ErrUnavailable when it could not be applied now and should be retried.
func (r *Runtime) Handle(ctx context.Context, tu *tgbotapi.Update) error {
	return r.handle(ctx, r.read(tu))
}

// inbound is an update as the runtime reads it: normalized, and a button's data decoded. The
// webhook reads it once to ask whether its handler dedupes by itself, then handles it.
type inbound struct {
	u  Update
	ok bool // false: not an update the bot handles
	// kind, args and decErr are a button's decoded data.
	kind   string
	args   []string
	decErr error
}

func (r *Runtime) read(tu *tgbotapi.Update) *inbound {
	in := &inbound{}
	in.u, in.ok = normalize(tu, r.me.ID)
	if in.ok && in.u.Callback != nil && in.u.MigrateTo == 0 && in.u.MigrateFrom == 0 {
		in.kind, in.args, in.decErr = r.codec.Decode(in.u.ChatID, in.u.Callback.Data)
	}
	return in
}

func (r *Runtime) handle(ctx context.Context, in *inbound) (err error) {
	r.inflight.Add(1)
	defer r.inflight.Done()
	if r.metrics != nil {
		r.metrics.Received()
	}
	if !in.ok {
		return nil
	}
	u := &in.u
	if id, ok := HandlingUpdate(ctx); !ok || id != u.ID {
		ctx = context.WithValue(ctx, handlingKey{}, u.ID)
	}
	c := &Context{Update: u, rt: r}
	start := time.Now()
	name := "other"
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("handler panic", "update", u.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = nil
			r.fail(ctx, c, nil)
		}
		if c.Update.Callback != nil && !c.answered {
			c.Answer(ctx, "", false)
		}
		if r.metrics != nil {
			if err != nil {
				r.metrics.NotApplied(name)
			} else {
				r.metrics.Applied(name, time.Since(start))
			}
		}
	}()
	h, name := r.route(ctx, c, in)
	if h == nil {
		return nil
	}
	if herr := h(ctx, c); herr != nil {
		if r.Unavailable != nil && r.Unavailable(herr) {
			r.log.Warn("store unavailable", "update", u.ID, "err", herr)
			return fmt.Errorf("%w: %v", ErrUnavailable, herr)
		}
		r.log.Error("handler failed", "update", u.ID, "command", name, "err", herr)
		r.fail(ctx, c, herr)
	}
	return nil
}

type handlingKey struct{}

// HandlingUpdate reports the id of the update whose handling ctx belongs to (a Redis hook
// counting what one update costs tells the update's own work from deferred work: debounced
// edits, timers).
func HandlingUpdate(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(handlingKey{}).(int64)
	return id, ok
}

// TellUnavailable tells the person that the bot cannot act now (the store is down).
func (r *Runtime) TellUnavailable(ctx context.Context, tu *tgbotapi.Update) {
	u, ok := normalize(tu, r.me.ID)
	if !ok {
		return
	}
	c := &Context{Update: &u, rt: r, loaded: true, blocErr: domain.ErrNoBloc}
	if u.Callback != nil {
		c.Answer(ctx, c.T("err.unavailable"), true)
		return
	}
	if u.Command != "" {
		c.Reply(c.T("err.unavailable"))
	}
}

func (r *Runtime) fail(ctx context.Context, c *Context, _ error) {
	if c.Update.Callback != nil {
		c.Answer(ctx, c.T("err.internal"), true)
		return
	}
	c.Reply(c.T("err.internal"))
}

// selfDeduped reports whether an update goes to a handler registered with
// Router.SelfDeduped (a button kind or a command), which makes a duplicate delivery harmless by
// itself, so the webhook need not claim the update first.
func (r *Runtime) selfDeduped(in *inbound) bool {
	if len(r.router.deduped) == 0 {
		return false
	}
	u := &in.u
	switch {
	case !in.ok || u.MigrateTo != 0 || u.MigrateFrom != 0:
		return false
	case u.Callback != nil:
		return in.decErr == nil && r.router.isDeduped(in.kind, u)
	case u.Command != "":
		return (u.CommandBot == "" || strings.EqualFold(u.CommandBot, r.me.UserName)) && r.router.isDeduped(u.Command, u)
	}
	return false
}

// route picks the handler for an update.
func (r *Runtime) route(ctx context.Context, c *Context, in *inbound) (HandlerFunc, string) {
	u := c.Update
	switch {
	case u.MigrateTo != 0 || u.MigrateFrom != 0:
		return r.migrate, "migrate"
	case u.Left != nil:
		if r.router.Left == nil || u.IsPrivate() {
			return nil, ""
		}
		return r.router.Left, "left"
	case u.Callback != nil:
		kind, args, err := in.kind, in.args, in.decErr
		h, ok := r.router.callbacks[kind]
		if err != nil || !ok {
			return func(ctx context.Context, c *Context) error {
				c.Answer(ctx, c.T("err.bad_button"), true)
				return nil
			}, "callback:forged"
		}
		c.Args = args
		return h, "callback:" + kind
	case u.Command != "":
		if u.CommandBot != "" && !strings.EqualFold(u.CommandBot, r.me.UserName) {
			return nil, "" // addressed to another bot
		}
		if u.FromBot && !u.AnonymousAdmin && u.SenderChat == 0 {
			return nil, ""
		}
		if h, ok := r.router.commands[u.Command]; ok {
			return h, u.Command
		}
		if r.router.Unknown != nil {
			return r.router.Unknown, "unknown"
		}
		return nil, ""
	case u.ReplyTo != nil && u.ReplyTo.FromBot:
		r.sender.WaitChat(u.ChatID, 2*time.Second)
		kind, data, ok, expired, err := r.prompts.LoadPrompt(ctx, u.ChatID, u.ReplyTo.ID)
		if err != nil {
			return func(context.Context, *Context) error { return err }, "prompt"
		}
		if ok {
			if h, found := r.router.prompts[kind]; found {
				c.PromptData = data
				return h, "prompt:" + kind
			}
		} else if expired && (u.Text != "" || u.File != nil) {
			// An answer to a question that no longer waits is told so, not met with silence.
			return func(_ context.Context, c *Context) error {
				c.Reply(c.T("prompt.expired"))
				return nil
			}, "prompt:expired"
		}
	}
	if r.router.Text != nil && u.Text != "" {
		return r.router.Text, "text"
	}
	return nil, ""
}

func (r *Runtime) migrate(ctx context.Context, c *Context) error {
	from, to := c.Update.ChatID, c.Update.MigrateTo
	if c.Update.MigrateFrom != 0 {
		from, to = c.Update.MigrateFrom, c.Update.ChatID
	}
	r.log.Info("group migrated to a supergroup", "from", from, "to", to)
	r.admins.Forget(from)
	return r.migrator.MigrateChat(ctx, from, to)
}

// Shutdown waits for updates in flight and queued messages, up to ctx's deadline, then stops
// the sender.
func (r *Runtime) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() { r.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	err := r.sender.Flush(ctx)
	r.senderCancel()
	return err
}

package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"thiduabot/app"
	"thiduabot/bot"
	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/domain"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

// Button kinds of the features the load presses (handlers/ballots.go, pledge.go, polls.go).
// The warm-up checks that presses are answered without an alert, so a renamed kind fails
// loudly instead of measuring the "bad button" answer.
const (
	kindVote = "bv" // ballot id, candidate unit id
	kindSign = "gu" // pledge version seq
	kindPoll = "pv" // poll id, option index
)

// Units of every seeded bloc: the seven central agencies of a province.
var unitNames = []string{
	"Cục Thuế tỉnh", "Bảo hiểm xã hội tỉnh", "Cục Hải quan tỉnh", "Kho bạc Nhà nước tỉnh",
	"Ngân hàng Nhà nước chi nhánh tỉnh", "Cục Thống kê tỉnh", "Cục Quản lý thị trường tỉnh",
}

// pollOpts are the options of every seeded bloc's poll.
var pollOpts = []string{"Thứ Hai 15/03", "Thứ Tư 17/03", "Thứ Sáu 19/03", "Tuần sau"}

// WorldOptions say what to build.
type WorldOptions struct {
	Mode string // "webhook" or "polling"
	// Floor replaces the features by a handler that only replies: the transport floor.
	Floor bool
	// FloorGuard keeps the router's per-person action limit on the floor's path, as shipped
	// (its counter adds to Redis): the same pipeline as the bot's but for the handlers.
	FloorGuard bool
	// RedisNice is the niceness given to every thread of the world's redis-server (0: the
	// bench's own): see Redis.SetNice.
	RedisNice int
	// PlaceRedis, when set, is called with the world's redis-server's process id once it
	// runs (CPUGroups.AddRedis: the CPU weight a co-located Redis is given in deployment).
	PlaceRedis func(pid int) error
	// MembersPerUnit people are linked to each unit; Extra more people only press polls.
	MembersPerUnit, Extra int
	SimLimits             *telegramsim.Limits
	Clock                 clock.Clock
	Configure             func(*config.Config)
	// CountRoundTrips installs Calls, the round-trip counter, on the bot's Redis client (it
	// costs the bot a little on every command, so the throughput runs go without it; the
	// latency run whose world the round trips are then counted on has it).
	CountRoundTrips bool
	// Cards, when set, are the messages the blocs are seeded with (CaptureCards: the bot's own
	// drawing, for the floor's world too); nil seeds one-line placeholders with the same buttons.
	Cards *Cards
}

// World is a running bot with its simulator, Redis and seeded blocs.
type World struct {
	O      WorldOptions
	Redis  *Redis
	Sim    *telegramsim.Sim
	App    *app.App
	Config config.Config
	Groups []*Group
	Log    *LogCounter
	Calls  *CallCounter // counts only with WorldOptions.CountRoundTrips
	// Store is the benchmark's own store (its own Redis client, not counted by Calls): it seeds
	// the blocs and amends pledges between signatures.
	Store *store.Store
	rdb   *redis.Client

	cancel context.CancelFunc
	done   chan error
}

// Group is one seeded bloc: its chat, people and the three messages people press.
type Group struct {
	Chat    *telegramsim.Chat
	Admin   *telegramsim.User
	Members []*telegramsim.User // Members[i] represents Units[i % 7]
	People  []*telegramsim.User // Members, then people who only press polls
	Units   []int
	Ballot  string
	Poll    string
	Options int

	BallotMsg, PledgeMsg, PollMsg telegramsim.Message

	mu        sync.Mutex
	pledgeSeq int
	signed    int // units whose signature of pledgeSeq was sent
	inflight  int // signatures of pledgeSeq not answered yet
	amends    int
}

// NewWorld starts Redis and the simulator and builds the app (not yet running).
func NewWorld(o WorldOptions) (*World, error) {
	if o.Mode == "" {
		o.Mode = "webhook"
	}
	if o.MembersPerUnit <= 0 {
		o.MembersPerUnit = 2
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	w := &World{O: o, Log: &LogCounter{}, Calls: &CallCounter{}}
	r, err := StartRedis()
	if err != nil {
		return nil, err
	}
	if o.RedisNice != 0 {
		if err := r.SetNice(o.RedisNice); err != nil {
			r.Close()
			return nil, err
		}
	}
	if o.PlaceRedis != nil {
		if err := o.PlaceRedis(r.Pid()); err != nil {
			r.Close()
			return nil, err
		}
	}
	w.Redis = r
	w.Sim = telegramsim.New(telegramsim.Options{Token: "7000009:BENCH-secret-token", BotUsername: "ThiDuaBot",
		BotName: "Thi Đua Bot", Limits: o.SimLimits, Seed: 9})
	if err := w.Sim.Start(); err != nil {
		r.Close()
		return nil, err
	}
	cfg := config.Default()
	cfg.Telegram.Token = config.Secret(w.Sim.Token())
	cfg.Telegram.APIURL = w.Sim.URL()
	cfg.Telegram.PollTimeout = 10 * time.Second
	cfg.Redis.URL = r.URL()
	cfg.HTTP.Listen = "" // /metrics is not on the update path
	cfg.Bot.Mode = o.Mode
	if o.Mode == "webhook" {
		port, err := freePort()
		if err != nil {
			w.Close()
			return nil, err
		}
		cfg.Webhook.Listen = "127.0.0.1:" + strconv.Itoa(port)
		cfg.Webhook.URL = "http://" + cfg.Webhook.Listen + "/telegram"
	}
	// The inbound runs measure applying updates, not Telegram's pacing of replies (30 messages
	// a second overall would cap the report replies): the send limits are lifted, as in the
	// conversation tests. The fan-out run measures the pacing with the real limits.
	cfg.Limits.GroupPerMinute = 1_000_000
	cfg.Limits.GlobalPerSecond = 1_000_000
	cfg.Limits.PrivateInterval = time.Millisecond
	if o.Floor && !o.FloorGuard {
		cfg.Limits.ActionsPerMinute = 0 // no Redis on the floor's path
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	w.Config = cfg
	opts := app.Options{Clock: o.Clock, Log: slog.New(w.Log)}
	if o.Floor {
		opts.Features = registerFloor
	}
	a, err := app.New(cfg, opts)
	if err != nil {
		w.Close()
		return nil, err
	}
	w.App = a
	if o.CountRoundTrips {
		a.Redis.AddHook(w.Calls)
	}
	w.rdb = r.Client()
	w.Store = store.New(w.rdb, o.Clock)
	return w, nil
}

// registerFloor registers handlers that only reply: an answer to each button kind, a reply to
// /report. They change nothing, so a duplicate delivery needs no dedupe.
func registerFloor(a *app.App) {
	answer := func(ctx context.Context, c *bot.Context) error {
		c.SetLang(domain.LangVI)
		c.Answer(ctx, "✅", false)
		return nil
	}
	for _, k := range []string{kindVote, kindSign, kindPoll} {
		a.Router.Callback(k, answer)
	}
	a.Router.Command(bot.CommandInfo{Names: []string{"report", "baocao"}}, func(ctx context.Context, c *bot.Context) error {
		c.SetLang(domain.LangVI)
		c.Reply("✅ Đã ghi nhận.")
		return nil
	})
	a.Router.SelfDeduped(kindVote, kindSign, kindPoll, "report", "baocao")
}

// Start runs the app and waits until it serves (command menus set; in webhook mode the
// webhook registered).
func (w *World) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.done = make(chan error, 1)
	menus := len(w.Sim.Calls("setMyCommands"))
	go func() { w.done <- w.App.Run(ctx) }()
	return w.Sim.WaitFor(30*time.Second, func() bool {
		if len(w.Sim.Calls("setMyCommands")) < menus+4 {
			return false
		}
		return w.O.Mode != "webhook" || w.Sim.WebhookURL() != ""
	})
}

// Stop stops the app gracefully.
func (w *World) Stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
	}
	w.cancel = nil
}

// Close stops everything.
func (w *World) Close() {
	w.Stop()
	if w.App != nil {
		_ = w.App.Close()
	}
	if w.rdb != nil {
		_ = w.rdb.Close()
	}
	if w.Sim != nil {
		_ = w.Sim.Close()
	}
	if w.Redis != nil {
		w.Redis.Close()
	}
}

// Seed creates n blocs directly through the store (and their group messages through the Bot
// API): 7 units, MembersPerUnit people linked to each, Extra more people, an open chair
// ballot, the year's pledge and a four-option poll, each shown by a bot message with buttons.
func (w *World) Seed(ctx context.Context, n, workers int) error {
	if workers <= 0 {
		workers = 32
	}
	st := w.Store
	start := len(w.Groups)
	groups := make([]*Group, n)
	for i := range groups {
		g := &Group{Chat: w.Sim.NewSupergroup(fmt.Sprintf("Khối thi đua số %d", start+i+1))}
		g.Admin = w.Sim.NewUser(fmt.Sprintf("Quản trị %d", start+i+1), "", "vi")
		g.Chat.Add(g.Admin, true)
		for j := 0; j < len(unitNames)*w.O.MembersPerUnit; j++ {
			u := w.Sim.NewUser(fmt.Sprintf("Cán bộ %d.%d", start+i+1, j+1), "", "vi")
			g.Chat.Add(u, false)
			g.Members = append(g.Members, u)
		}
		g.People = append([]*telegramsim.User(nil), g.Members...)
		for j := 0; j < w.O.Extra; j++ {
			u := w.Sim.NewUser(fmt.Sprintf("Thành viên %d.%d", start+i+1, j+1), "", "vi")
			g.Chat.Add(u, false)
			g.People = append(g.People, u)
		}
		groups[i] = g
	}
	year := w.O.Clock.Now().In(blocLoc()).Year()
	codec := w.App.Runtime.Codec()
	api := w.App.Runtime.API()
	var firstErr error
	var errMu sync.Mutex
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := w.seedOne(ctx, st, api, codec, groups[i], year); err != nil {
					fail(fmt.Errorf("seed group %d: %w", i, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	w.Groups = append(w.Groups, groups...)
	return nil
}

func blocLoc() *time.Location { return (&domain.Bloc{}).Location() }

func person(u *telegramsim.User) domain.Person {
	return domain.Person{ID: u.ID, Name: u.FirstName, Username: u.Username}
}

func (w *World) seedOne(ctx context.Context, st *store.Store, api *bot.API, codec *bot.Codec, g *Group, year int) error {
	chat := g.Chat.ID
	if _, err := st.Setup(ctx, chat, store.Op{}, g.Chat.Title, "vi", "Asia/Ho_Chi_Minh"); err != nil {
		return err
	}
	added, err := st.AddUnits(ctx, chat, store.Op{}, unitNames)
	if err != nil {
		return err
	}
	for _, u := range added.Added {
		g.Units = append(g.Units, u.ID)
	}
	for j, m := range g.Members {
		if _, err := st.Link(ctx, chat, store.Op{}, person(m), g.Units[j%len(g.Units)], true); err != nil {
			return err
		}
	}
	ob, err := st.OpenBallot(ctx, chat, store.Op{Actor: g.Admin.ID}, domain.PosChair, year, "", time.Time{})
	if err != nil {
		return err
	}
	g.Ballot = ob.Card.ID
	pr, err := st.PostPledge(ctx, chat, store.Op{Actor: g.Admin.ID}, year, person(g.Admin), domain.Pledge{
		Title:       fmt.Sprintf("Giao ước thi đua năm %d", year),
		Commitments: []string{"Hoàn thành xuất sắc nhiệm vụ chính trị được giao.", "Đẩy mạnh cải cách hành chính, chuyển đổi số.", "Tham gia đầy đủ các phong trào thi đua của Khối."},
	})
	if err != nil {
		return err
	}
	g.pledgeSeq = pr.Seq
	opts := pollOpts
	g.Options = len(opts)
	pc, _, err := st.OpenPoll(ctx, chat, store.Op{Actor: g.Admin.ID}, domain.PollSpec{Question: "Họp Khối vào ngày nào?", Options: opts}, person(g.Admin), "Asia/Ho_Chi_Minh")
	if err != nil {
		return err
	}
	g.Poll = pc.ID

	var ballotText, pledgeText, pollText string
	var vote, sign, poll [][]bot.Button
	c := w.O.Cards
	html := c != nil
	if html {
		ballotText, pledgeText, pollText = c.Ballot.HTML, c.Pledge.HTML, c.Poll.HTML
		vote, sign, poll = c.Ballot.rows(codec, chat), c.Pledge.rows(codec, chat), c.Poll.rows(codec, chat)
	} else {
		ballotText, pledgeText, pollText = "🗳 Bầu Khối trưởng năm "+strconv.Itoa(year), "📜 Giao ước thi đua năm "+strconv.Itoa(year), "📊 Họp Khối vào ngày nào?"
		for _, u := range g.Units {
			vote = append(vote, []bot.Button{{Text: "Đơn vị " + strconv.Itoa(u), Data: codec.Encode(chat, kindVote, g.Ballot, strconv.Itoa(u))}})
		}
		sign = [][]bot.Button{{{Text: "✍️ Ký", Data: codec.Encode(chat, kindSign, strconv.Itoa(pr.Seq))}}}
		for i, o := range opts {
			poll = append(poll, []bot.Button{{Text: o, Data: codec.Encode(chat, kindPoll, g.Poll, strconv.Itoa(i))}})
		}
	}
	if g.BallotMsg, err = sendButtons(ctx, api, chat, ballotText, html, vote); err != nil {
		return err
	}
	if err := st.SetBallotMessage(ctx, chat, g.Ballot, g.BallotMsg.ID); err != nil {
		return err
	}
	if g.PledgeMsg, err = sendButtons(ctx, api, chat, pledgeText, html, sign); err != nil {
		return err
	}
	if _, err := st.SetPledgeMessage(ctx, chat, pr.Seq, g.PledgeMsg.ID); err != nil {
		return err
	}
	if g.PollMsg, err = sendButtons(ctx, api, chat, pollText, html, poll); err != nil {
		return err
	}
	return st.SetPollMessage(ctx, chat, g.Poll, g.PollMsg.ID)
}

// sendButtons posts a bot message with an inline keyboard through the Bot API (its text in
// HTML when html is true).
func sendButtons(ctx context.Context, api *bot.API, chat int64, text string, html bool, rows [][]bot.Button) (telegramsim.Message, error) {
	kb := make([][]map[string]string, len(rows))
	for i, row := range rows {
		for _, b := range row {
			if b.URL != "" {
				kb[i] = append(kb[i], map[string]string{"text": b.Text, "url": b.URL})
				continue
			}
			kb[i] = append(kb[i], map[string]string{"text": b.Text, "callback_data": b.Data})
		}
	}
	markup, _ := json.Marshal(map[string]any{"inline_keyboard": kb})
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "text": text, "reply_markup": string(markup)}
	if html {
		p["parse_mode"] = "HTML"
	}
	var m tgbotapi.Message
	if err := api.Call(ctx, "sendMessage", p, &m); err != nil {
		return telegramsim.Message{}, err
	}
	return telegramsim.Message{ID: m.MessageID, ChatID: chat}, nil
}

// nextSigner picks the next unit of g to sign the current pledge version and returns the
// button data; when every unit has signed it amends the pledge (a new version, signatures
// start again) once the signatures sent are answered, and reports ok=false meanwhile.
func (w *World) nextSigner(ctx context.Context, g *Group) (*telegramsim.User, string, bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.signed >= len(g.Units) {
		if g.inflight > 0 {
			return nil, "", false, nil
		}
		g.amends++
		res, err := w.Store.AmendPledge(ctx, g.Chat.ID, store.Op{Actor: g.Admin.ID}, person(g.Admin), domain.Pledge{
			Title:       "Giao ước thi đua",
			Commitments: []string{"Hoàn thành xuất sắc nhiệm vụ chính trị được giao.", "Sửa đổi lần " + strconv.Itoa(g.amends)},
		})
		if err != nil {
			return nil, "", false, err
		}
		if _, err := w.Store.SetPledgeMessage(ctx, g.Chat.ID, res.Seq, g.PledgeMsg.ID); err != nil {
			return nil, "", false, err
		}
		g.pledgeSeq, g.signed = res.Seq, 0
	}
	u := g.Members[g.signed] // Members[0..6] represent the seven units
	g.signed++
	g.inflight++
	return u, w.App.Runtime.Codec().Encode(g.Chat.ID, kindSign, strconv.Itoa(g.pledgeSeq)), true, nil
}

// FreshPledges amends every bloc's pledge, so each of its units can sign again.
func (w *World) FreshPledges(ctx context.Context) error {
	return parallel(len(w.Groups), 32, func(i int) error {
		g := w.Groups[i]
		g.mu.Lock()
		defer g.mu.Unlock()
		g.amends++
		res, err := w.Store.AmendPledge(ctx, g.Chat.ID, store.Op{Actor: g.Admin.ID}, person(g.Admin), domain.Pledge{
			Title:       "Giao ước thi đua",
			Commitments: []string{"Hoàn thành xuất sắc nhiệm vụ chính trị được giao.", "Sửa đổi lần " + strconv.Itoa(g.amends)},
		})
		if err != nil {
			return err
		}
		if _, err := w.Store.SetPledgeMessage(ctx, g.Chat.ID, res.Seq, g.PledgeMsg.ID); err != nil {
			return err
		}
		g.pledgeSeq, g.signed = res.Seq, 0
		return nil
	})
}

func (g *Group) signAnswered() {
	g.mu.Lock()
	g.inflight--
	g.mu.Unlock()
}

// LogCounter is a slog handler that counts warnings and errors and keeps the first few.
type LogCounter struct {
	mu     sync.Mutex
	Warns  int
	Errors int
	First  []string
}

func (l *LogCounter) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *LogCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("BENCH_DEBUG") != "" {
		fmt.Println("LOG", r.Level, r.Message)
		r.Attrs(func(a slog.Attr) bool { fmt.Println("   ", a.String()); return true })
	}
	if r.Level < slog.LevelWarn {
		return nil
	}
	if r.Level >= slog.LevelError {
		l.Errors++
	} else {
		l.Warns++
	}
	if len(l.First) < 5 {
		var b strings.Builder
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		l.First = append(l.First, b.String())
	}
	return nil
}
func (l *LogCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *LogCounter) WithGroup(string) slog.Handler      { return l }

// Summary is "N warnings, M errors (first: ...)" or "".
func (l *LogCounter) Summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Warns == 0 && l.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("%d warnings, %d errors; first: %s", l.Warns, l.Errors, strings.Join(l.First, " | "))
}

var errStopped = errors.New("stopped")

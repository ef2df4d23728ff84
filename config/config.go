// Package config reads the settings: a YAML file (config.example.yaml documents every one),
// then environment variables on top. A wrong setting fails at start, naming the setting.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Secret is a string that never prints.
type Secret string

func (Secret) String() string                 { return "<redacted>" }
func (Secret) GoString() string               { return "<redacted>" }
func (s Secret) MarshalText() ([]byte, error) { return []byte("<redacted>"), nil }

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// Config is every setting.
type Config struct {
	Telegram  Telegram   `yaml:"telegram"`
	Bot       Bot        `yaml:"bot"`
	Webhook   Webhook    `yaml:"webhook"`
	Redis     Redis      `yaml:"redis"`
	Limits    Limits     `yaml:"limits"`
	Reminders Reminders  `yaml:"reminders"`
	Ballots   Ballots    `yaml:"ballots"`
	HTTP      HTTP       `yaml:"http"`
	Log       Log        `yaml:"log"`
	Recurring []CronItem `yaml:"recurring"`
}

// Telegram is how to reach the Bot API.
type Telegram struct {
	Token          Secret        `yaml:"token"`
	APIURL         string        `yaml:"api_url"`
	RequestTimeout time.Duration `yaml:"request_timeout"`
	PollTimeout    time.Duration `yaml:"poll_timeout"`
}

// Bot is the bot's behaviour.
type Bot struct {
	Mode            string        `yaml:"mode"`
	DefaultLanguage string        `yaml:"default_language"`
	Timezone        string        `yaml:"timezone"`
	AdminCache      time.Duration `yaml:"admin_cache"`
	CallbackSecret  Secret        `yaml:"callback_secret"`
	PollerLease     time.Duration `yaml:"poller_lease"`
}

// Webhook is the webhook mode's settings.
type Webhook struct {
	URL     string `yaml:"url"`
	Listen  string `yaml:"listen"`
	Secret  Secret `yaml:"secret"`
	MaxBody int64  `yaml:"max_body"`
	// MaxConnections is setWebhook's max_connections: deliveries Telegram makes at once (1-100).
	// The default is 100, not Telegram's 40: a handler waits on its Redis script, and with more
	// deliveries in flight the scripts of concurrent updates share pipelines (BENCHMARKS.md,
	// issue 9: 6,517 against 4,689 updates/s on 2 cores, less CPU per update). Telegram opens
	// only as many as it has updates waiting, so a quiet bot sees no difference.
	MaxConnections int `yaml:"max_connections"`
}

// Redis is the store's connection: a URL for a single server, or Sentinel, or Cluster.
type Redis struct {
	URL          string        `yaml:"url"`
	Sentinel     Sentinel      `yaml:"sentinel"`
	Cluster      Cluster       `yaml:"cluster"`
	Password     Secret        `yaml:"password"`
	WaitReplicas int           `yaml:"wait_replicas"`
	WaitTimeout  time.Duration `yaml:"wait_timeout"`
	// ScriptLanes is how many pipelines of concurrent updates' scripts may be in flight at
	// once (0: each script on its own).
	ScriptLanes int `yaml:"script_lanes"`
}

// Sentinel names the master and the sentinels.
type Sentinel struct {
	MasterName string   `yaml:"master_name"`
	Addrs      []string `yaml:"addrs"`
	Password   Secret   `yaml:"password"`
}

// Cluster lists seed nodes.
type Cluster struct {
	Addrs []string `yaml:"addrs"`
}

// Limits are Telegram's sending limits and the bot's own.
type Limits struct {
	GroupPerMinute  int           `yaml:"group_per_minute"`
	PrivateInterval time.Duration `yaml:"private_interval"`
	GlobalPerSecond float64       `yaml:"global_per_second"`
	Shared          bool          `yaml:"shared"`
	// ActionsPerMinute is how many commands and button presses one person may make in a
	// minute, counted in Redis across replicas (0: no limit).
	ActionsPerMinute int `yaml:"actions_per_minute"`
	// MaxInput is the longest command text accepted, in characters (0: no cap).
	MaxInput int `yaml:"max_input"`
}

// Reminders are the default reminder offsets.
type Reminders struct {
	DaysBefore  []int         `yaml:"days_before"`
	At          string        `yaml:"at"`
	HoursBefore []int         `yaml:"hours_before"`
	DefaultTime string        `yaml:"default_time"`
	StaleAfter  time.Duration `yaml:"stale_after"`
}

// Ballots are the election rules of a bloc that has not set its own with /ballotrules:
// quorum (of the units) "half" (more than half), "two_thirds" (at least) or "all"; majority (of
// the votes cast) "half" or "two_thirds"; whether a unit may vote for itself.
type Ballots struct {
	Quorum        string `yaml:"quorum"`
	Majority      string `yaml:"majority"`
	AllowSelfVote bool   `yaml:"allow_self_vote"`
}

// HTTP serves /metrics, /healthz and /readyz.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Log is the logging setup.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// CronItem is a recurring reminder.
type CronItem struct {
	Name  string            `yaml:"name"`
	Spec  string            `yaml:"spec"`
	Chats []int64           `yaml:"chats"`
	Text  map[string]string `yaml:"text"`
}

// Default is the configuration without a file or environment.
func Default() Config {
	return Config{
		Telegram: Telegram{APIURL: "https://api.telegram.org", RequestTimeout: 15 * time.Second, PollTimeout: 25 * time.Second},
		Bot: Bot{Mode: "polling", DefaultLanguage: "vi", Timezone: "Asia/Ho_Chi_Minh", AdminCache: time.Minute,
			PollerLease: 15 * time.Second},
		Webhook:   Webhook{Listen: ":8443", MaxBody: 1 << 20, MaxConnections: 100},
		Redis:     Redis{URL: "redis://127.0.0.1:6379/0", WaitTimeout: time.Second, ScriptLanes: 4},
		Limits:    Limits{GroupPerMinute: 20, PrivateInterval: time.Second, GlobalPerSecond: 30, ActionsPerMinute: 30, MaxInput: 4096},
		Reminders: Reminders{DaysBefore: []int{7, 3, 1}, At: "08:00", HoursBefore: []int{2}, DefaultTime: "17:00", StaleAfter: 6 * time.Hour},
		Ballots:   Ballots{Quorum: "half", Majority: "half", AllowSelfVote: true},
		HTTP:      HTTP{Listen: "127.0.0.1:9090"},
		Log:       Log{Level: "info", Format: "json"},
	}
}

// Load reads the file at path (none when path is ""), then the environment, then checks.
func Load(path string, env func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		if err := Parse(data, &c); err != nil {
			return c, err
		}
	}
	if err := c.applyEnv(env); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Parse reads YAML into c; unknown settings are errors.
func Parse(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file: %w", err)
	}
	return nil
}

func (c *Config) applyEnv(env func(string) string) error {
	if env == nil {
		env = os.Getenv
	}
	set := func(name string, f func(string) error) error {
		if v := env(name); v != "" {
			if err := f(v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	str := func(dst *string) func(string) error { return func(v string) error { *dst = v; return nil } }
	sec := func(dst *Secret) func(string) error { return func(v string) error { *dst = Secret(v); return nil } }
	list := func(dst *[]string) func(string) error {
		return func(v string) error { *dst = splitList(v); return nil }
	}
	steps := []error{
		set("TELEGRAM_BOT_TOKEN", sec(&c.Telegram.Token)),
		set("TELEGRAM_API_URL", str(&c.Telegram.APIURL)),
		set("REDIS_URL", str(&c.Redis.URL)),
		set("REDIS_PASSWORD", sec(&c.Redis.Password)),
		set("REDIS_SENTINEL_MASTER", str(&c.Redis.Sentinel.MasterName)),
		set("REDIS_SENTINEL_ADDRS", list(&c.Redis.Sentinel.Addrs)),
		set("REDIS_CLUSTER_ADDRS", list(&c.Redis.Cluster.Addrs)),
		set("REDIS_WAIT_REPLICAS", func(v string) error {
			n, err := strconv.Atoi(v)
			c.Redis.WaitReplicas = n
			return err
		}),
		set("BOT_MODE", str(&c.Bot.Mode)),
		set("BOT_LANGUAGE", str(&c.Bot.DefaultLanguage)),
		set("BOT_TIMEZONE", str(&c.Bot.Timezone)),
		set("CALLBACK_SECRET", sec(&c.Bot.CallbackSecret)),
		set("WEBHOOK_URL", str(&c.Webhook.URL)),
		set("WEBHOOK_LISTEN", str(&c.Webhook.Listen)),
		set("WEBHOOK_SECRET", sec(&c.Webhook.Secret)),
		set("HTTP_LISTEN", str(&c.HTTP.Listen)),
		set("LOG_LEVEL", str(&c.Log.Level)),
		set("LOG_FORMAT", str(&c.Log.Format)),
	}
	return errors.Join(steps...)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ErrNoToken is returned when no bot token is set.
var ErrNoToken = errors.New("telegram.token (TELEGRAM_BOT_TOKEN) is not set: get one from @BotFather, or try the bot without Telegram with `go run . sandbox`")

// Validate checks every setting and names the first wrong one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, want string, got any) {
		errs = append(errs, fmt.Errorf("%s: expected %s, got %q", name, want, fmt.Sprint(got)))
	}
	if c.Telegram.Token == "" {
		errs = append(errs, ErrNoToken)
	} else if !strings.Contains(string(c.Telegram.Token), ":") {
		errs = append(errs, errors.New("telegram.token (TELEGRAM_BOT_TOKEN): expected the form <bot id>:<secret> from @BotFather"))
	}
	if u, err := url.Parse(c.Telegram.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("telegram.api_url (TELEGRAM_API_URL)", "an http(s) URL such as https://api.telegram.org", c.Telegram.APIURL)
	}
	if c.Telegram.RequestTimeout <= 0 {
		bad("telegram.request_timeout", "a positive duration such as 15s", c.Telegram.RequestTimeout)
	}
	if c.Telegram.PollTimeout < 0 || c.Telegram.PollTimeout > 50*time.Second {
		bad("telegram.poll_timeout", "a duration from 0s to 50s", c.Telegram.PollTimeout)
	}
	switch c.Bot.Mode {
	case "polling":
	case "webhook":
		if u, err := url.Parse(c.Webhook.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			bad("webhook.url (WEBHOOK_URL)", "the public https URL Telegram posts to", c.Webhook.URL)
		}
		if c.Webhook.Listen == "" {
			bad("webhook.listen (WEBHOOK_LISTEN)", "a local address such as :8443", c.Webhook.Listen)
		}
		if c.Webhook.MaxBody < 1024 {
			bad("webhook.max_body", "a size in bytes of at least 1024", c.Webhook.MaxBody)
		}
		if c.Webhook.MaxConnections < 1 || c.Webhook.MaxConnections > 100 {
			bad("webhook.max_connections", "a number from 1 to 100", c.Webhook.MaxConnections)
		}
		if s := c.Webhook.Secret.Value(); s != "" && !validSecret(s) {
			errs = append(errs, errors.New("webhook.secret (WEBHOOK_SECRET): expected 1-256 characters of A-Z, a-z, 0-9, _ and -"))
		}
	default:
		bad("bot.mode (BOT_MODE)", `"polling" or "webhook"`, c.Bot.Mode)
	}
	if c.Bot.DefaultLanguage != "vi" && c.Bot.DefaultLanguage != "en" {
		bad("bot.default_language", `"vi" or "en"`, c.Bot.DefaultLanguage)
	}
	if _, err := time.LoadLocation(c.Bot.Timezone); err != nil || c.Bot.Timezone == "" {
		bad("bot.timezone", "an IANA time zone such as Asia/Ho_Chi_Minh", c.Bot.Timezone)
	}
	if c.Bot.AdminCache <= 0 {
		bad("bot.admin_cache", "a positive duration such as 60s", c.Bot.AdminCache)
	}
	if c.Bot.PollerLease < 3*time.Second {
		bad("bot.poller_lease", "a duration of at least 3s", c.Bot.PollerLease)
	}
	switch {
	case len(c.Redis.Cluster.Addrs) > 0:
	case c.Redis.Sentinel.MasterName != "" || len(c.Redis.Sentinel.Addrs) > 0:
		if c.Redis.Sentinel.MasterName == "" || len(c.Redis.Sentinel.Addrs) == 0 {
			errs = append(errs, errors.New("redis.sentinel: expected both master_name and addrs"))
		}
	default:
		if u, err := url.Parse(c.Redis.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			bad("redis.url (REDIS_URL)", "a URL such as redis://127.0.0.1:6379/0", c.Redis.URL)
		}
	}
	if c.Redis.ScriptLanes < 0 {
		bad("redis.script_lanes", "0 or more", c.Redis.ScriptLanes)
	}
	if c.Redis.WaitReplicas < 0 {
		bad("redis.wait_replicas", "0 or more", c.Redis.WaitReplicas)
	}
	if c.Limits.GroupPerMinute <= 0 {
		bad("limits.group_per_minute", "a positive number (Telegram allows 20)", c.Limits.GroupPerMinute)
	}
	if c.Limits.GlobalPerSecond <= 0 {
		bad("limits.global_per_second", "a positive number (Telegram allows about 30)", c.Limits.GlobalPerSecond)
	}
	if c.Limits.ActionsPerMinute < 0 {
		bad("limits.actions_per_minute", "0 (no limit) or more", c.Limits.ActionsPerMinute)
	}
	if c.Limits.MaxInput < 0 {
		bad("limits.max_input", "0 (no cap) or more characters", c.Limits.MaxInput)
	}
	if c.Limits.PrivateInterval < 0 {
		bad("limits.private_interval", "a duration such as 1s", c.Limits.PrivateInterval)
	}
	if _, err := time.Parse("15:04", c.Reminders.At); err != nil {
		bad("reminders.at", "a time HH:MM such as 08:00", c.Reminders.At)
	}
	if _, err := time.Parse("15:04", c.Reminders.DefaultTime); err != nil {
		bad("reminders.default_time", "a time HH:MM such as 17:00", c.Reminders.DefaultTime)
	}
	for _, d := range c.Reminders.DaysBefore {
		if d <= 0 || d > 365 {
			bad("reminders.days_before", "days from 1 to 365", d)
		}
	}
	for _, h := range c.Reminders.HoursBefore {
		if h <= 0 || h > 72 {
			bad("reminders.hours_before", "hours from 1 to 72", h)
		}
	}
	switch c.Ballots.Quorum {
	case "half", "two_thirds", "all":
	default:
		bad("ballots.quorum", `"half", "two_thirds" or "all"`, c.Ballots.Quorum)
	}
	switch c.Ballots.Majority {
	case "half", "two_thirds":
	default:
		bad("ballots.majority", `"half" or "two_thirds"`, c.Ballots.Majority)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level (LOG_LEVEL)", "debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format (LOG_FORMAT)", "json or text", c.Log.Format)
	}
	names := map[string]bool{}
	for i, r := range c.Recurring {
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("recurring[%d].name: expected a name", i))
		} else if names[r.Name] {
			errs = append(errs, fmt.Errorf("recurring %q: the name is used twice", r.Name))
		}
		names[r.Name] = true
		if len(r.Text) == 0 {
			errs = append(errs, fmt.Errorf("recurring %q: text: expected a text per language (vi, en)", r.Name))
		}
	}
	return errors.Join(errs...)
}

func validSecret(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The example file documents every setting and loads as is.
func TestExampleLoads(t *testing.T) {
	c, err := Load("../config.example.yaml", env(map[string]string{"TELEGRAM_BOT_TOKEN": "123:secret-abc"}))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	d.Telegram.Token = "123:secret-abc"
	if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", d) {
		t.Errorf("the example's values differ from the defaults:\n%+v\n%+v", c, d)
	}
	data, _ := os.ReadFile("../config.example.yaml")
	for _, key := range []string{"token:", "api_url:", "mode:", "url:", "sentinel:", "cluster:", "wait_replicas:",
		"group_per_minute:", "days_before:", "quorum:", "listen:", "level:", "recurring:", "poller_lease:", "max_body:"} {
		if !strings.Contains(string(data), key) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

func TestEnvOverridesAndErrorsNameTheSetting(t *testing.T) {
	c, err := Load("", env(map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "REDIS_URL": "redis://h:1/2", "BOT_MODE": "polling"}))
	if err != nil || c.Redis.URL != "redis://h:1/2" {
		t.Fatalf("%v %+v", err, c.Redis)
	}
	cases := map[string]map[string]string{
		"TELEGRAM_BOT_TOKEN": {},
		"BOT_MODE":           {"TELEGRAM_BOT_TOKEN": "1:x", "BOT_MODE": "push"},
		"WEBHOOK_URL":        {"TELEGRAM_BOT_TOKEN": "1:x", "BOT_MODE": "webhook"},
		"REDIS_URL":          {"TELEGRAM_BOT_TOKEN": "1:x", "REDIS_URL": "http://x"},
		"TELEGRAM_API_URL":   {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_URL": "nope"},
		"LOG_LEVEL":          {"TELEGRAM_BOT_TOKEN": "1:x", "LOG_LEVEL": "loud"},
	}
	for name, e := range cases {
		_, err := Load("", env(e))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the setting", name, err)
		}
	}
	_, err = Load("", env(map[string]string{}))
	if err == nil || !strings.Contains(err.Error(), "go run . sandbox") {
		t.Errorf("missing token should point to the sandbox: %v", err)
	}
}

func TestUnknownSettingFails(t *testing.T) {
	var c Config
	err := Parse([]byte("telegram:\n  tokn: x\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "tokn") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestTokenNeverPrinted(t *testing.T) {
	c := Default()
	c.Telegram.Token = "123456:AAHsecretsecret"
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(c.Telegram)} {
		if strings.Contains(s, "AAHsecret") {
			t.Fatalf("token printed: %s", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile("../config.example.yaml")
	f.Add(data)
	f.Add([]byte("bot: {mode: webhook}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Default()
		if err := Parse(b, &c); err != nil {
			return
		}
		_ = c.Validate() // must not panic
	})
}

// The ballot rules an operator sets are those a bloc can have: a rule the bot cannot apply is
// refused by name, not ignored.
func TestBallotRules(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		bad  string // the setting named in the error; "" when valid
	}{
		{"ballots:\n  quorum: two_thirds\n  majority: two_thirds\n  allow_self_vote: false\n", ""},
		{"ballots:\n  quorum: all\n", ""},
		{"ballots:\n  quorum: none\n", "ballots.quorum"},
		{"ballots:\n  majority: plurality\n", "ballots.majority"},
		{"ballots:\n  majority: all\n", "ballots.majority"},
	} {
		path := t.TempDir() + "/c.yaml"
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, env(map[string]string{"TELEGRAM_BOT_TOKEN": "1:x"}))
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%q: %v", tc.yaml, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%q: error %v does not name %s", tc.yaml, err, tc.bad)
		case tc.bad == "" && tc.yaml == "ballots:\n  quorum: all\n" && (!c.Ballots.AllowSelfVote || c.Ballots.Majority != "half"):
			t.Errorf("unset rules keep their defaults: %+v", c.Ballots)
		}
	}
}

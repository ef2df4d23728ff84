package telegramsim

import (
	"errors"
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestLimiterWindows(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	private := &Chat{ID: 1, Type: "private"}
	group := &Chat{ID: -2, Type: "group"}

	l := newLimiter(Limits{Scale: 10, GlobalPerSecond: -1})
	if w := l.allow(private, t0); w != 0 {
		t.Fatalf("first private message waits %v", w)
	}
	if w := l.allow(private, t0.Add(40*time.Millisecond)); w != 60*time.Millisecond {
		t.Errorf("second private message after 40ms waits %v, want 60ms (1s/10)", w)
	}
	if w := l.allow(private, t0.Add(100*time.Millisecond)); w != 0 {
		t.Errorf("after the gap: %v", w)
	}
	for i := range 20 {
		if w := l.allow(group, t0.Add(time.Duration(i)*time.Millisecond)); w != 0 {
			t.Fatalf("group message %d waits %v", i, w)
		}
	}
	if w := l.allow(group, t0.Add(time.Second)); w != 5*time.Second {
		t.Errorf("21st group message waits %v, want 5s (6s window from t0)", w)
	}
	if w := l.allow(group, t0.Add(6*time.Second)); w != 0 {
		t.Errorf("after the window: %v", w)
	}

	g := newLimiter(Limits{GlobalPerSecond: 3, PerChat: -1, PerGroupPerMinute: -1})
	for i := range 3 {
		if w := g.allow(&Chat{ID: int64(i), Type: "private"}, t0); w != 0 {
			t.Fatal(w)
		}
	}
	if w := g.allow(&Chat{ID: 9, Type: "private"}, t0.Add(300*time.Millisecond)); w != 700*time.Millisecond {
		t.Errorf("global limit waits %v", w)
	}
}

func TestTooManyRequests(t *testing.T) {
	s, bot := newSim(t, Options{Limits: &Limits{PerGroupPerMinute: 3, GlobalPerSecond: -1}})
	g := s.NewGroup("g")
	for i := range 3 {
		if _, err := bot.Send(tgbotapi.NewMessage(g.ID, "x")); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(g.ID, "x"))
	te := apiErr(t, err, 429, "Too Many Requests: retry after ")
	if te.RetryAfter < 59 || te.RetryAfter > 60 {
		t.Errorf("retry_after = %d", te.RetryAfter)
	}
	// edits count too
	_, err = bot.Send(tgbotapi.NewEditMessageText(g.ID, 1, "y"))
	apiErr(t, err, 429, "Too Many Requests")
	if st := s.Stats(); st.TooManyRequests != 2 {
		t.Errorf("429s = %d", st.TooManyRequests)
	}
	if n := len(g.BotMessages()); n != 3 {
		t.Errorf("%d messages stored", n)
	}
	// another group is not affected; turning limits off lifts them
	if _, err := bot.Send(tgbotapi.NewMessage(s.NewGroup("h").ID, "x")); err != nil {
		t.Error(err)
	}
	s.SetLimits(nil)
	if _, err := bot.Send(tgbotapi.NewMessage(g.ID, "x")); err != nil {
		t.Error(err)
	}
}

func TestInjectedFaults(t *testing.T) {
	s, bot := newSim(t, Options{})
	g, h := s.NewGroup("g"), s.NewGroup("h")
	send := func(chat int64) error {
		_, err := bot.Send(tgbotapi.NewMessage(chat, "x"))
		return err
	}

	s.InjectFaults(Faults{Method: "sendmessage", Kind: Fault5xx, Count: 2})
	apiErr(t, send(g.ID), 500, "Internal Server Error")
	apiErr(t, send(g.ID), 500, "Internal Server Error")
	if err := send(g.ID); err != nil {
		t.Errorf("after the faults: %v", err)
	}

	s.InjectFaults(Faults{Kind: Fault429, RetryAfter: 7, ChatID: h.ID})
	if err := send(g.ID); err != nil {
		t.Errorf("other chat hit: %v", err)
	}
	if te := apiErr(t, send(h.ID), 429, "Too Many Requests: retry after 7"); te.RetryAfter != 7 {
		t.Errorf("retry_after = %d", te.RetryAfter)
	}

	before := len(g.Messages())
	s.InjectFaults(Faults{Method: "sendMessage", Kind: FaultDrop})
	if err := send(g.ID); err == nil || errors.As(err, new(*tgbotapi.Error)) {
		t.Errorf("drop: %v", err)
	}
	if len(g.Messages()) != before {
		t.Error("dropped request was executed")
	}
	s.InjectFaults(Faults{Method: "sendMessage", Kind: FaultLostResponse})
	if err := send(g.ID); err == nil {
		t.Error("lost response: no error")
	}
	if len(g.Messages()) != before+1 {
		t.Error("lost-response request was not executed")
	}
	s.InjectFaults(Faults{Method: "sendMessage", Kind: FaultBadGateway})
	if err := send(g.ID); err == nil {
		t.Error("bad gateway: no error")
	}

	// timeout: the client gives up, nothing is sent
	impatient, err := tgbotapi.NewBotAPIWithClient(testToken, s.BotEndpoint(), &http.Client{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFaults(Faults{Method: "sendMessage", Kind: FaultTimeout})
	start := time.Now()
	if _, err := impatient.Send(tgbotapi.NewMessage(g.ID, "x")); err == nil {
		t.Error("timeout: no error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// slow: answered after the delay, executed
	s.InjectFaults(Faults{Method: "sendMessage", Kind: FaultSlow, Hold: 20 * time.Millisecond})
	if err := send(g.ID); err != nil {
		t.Errorf("slow: %v", err)
	}
	if err := s.WaitFor(2*time.Second, func() bool { return len(g.Messages()) == before+2 }); err != nil {
		t.Errorf("messages: %d, want %d", len(g.Messages()), before+2)
	}
	if st := s.Stats(); st.FaultsInjected != 8 || st.TooManyRequests != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestOutage(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	s.SetOutage(Fault5xx, true)
	_, err := bot.GetMe()
	apiErr(t, err, 500, "Internal Server Error")
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	apiErr(t, err, 500, "Internal Server Error")

	s.SetOutage(FaultTimeout, true)
	held := make(chan error, 1)
	go func() {
		_, err := bot.Send(tgbotapi.NewMessage(g.ID, "x"))
		held <- err
	}()
	if err := s.WaitFor(5*time.Second, func() bool { return s.Stats().FaultsInjected == 3 }); err != nil {
		t.Fatal(err)
	}
	s.SetOutage(FaultTimeout, false)
	select {
	case err := <-held:
		apiErr(t, err, 504, "Gateway Timeout")
	case <-time.After(5 * time.Second):
		t.Fatal("held request not released when the outage ended")
	}
	if _, err := bot.Send(tgbotapi.NewMessage(g.ID, "x")); err != nil {
		t.Errorf("after outage: %v", err)
	}
}

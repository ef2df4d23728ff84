package telegramsim

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// echoBot polls and answers every text message with "ack <text>", using workers
// so that thousands of chats are served concurrently.
func echoBot(t testing.TB, s *Sim, bot *tgbotapi.BotAPI, workers int) {
	work := make(chan *tgbotapi.Message, 1024)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for m := range work {
				r := tgbotapi.NewMessage(m.Chat.ID, "ack "+m.Text)
				r.ReplyToMessageID = m.MessageID
				if _, err := bot.Send(r); err != nil {
					t.Errorf("send: %v", err)
				}
			}
		})
	}
	runBot(t, s, bot, func(up tgbotapi.Update) {
		if up.Message != nil {
			work <- up.Message
		}
	})
	t.Cleanup(func() { close(work); wg.Wait() })
}

// TestManyGroups runs 20,000 updates from 1,000 groups through a polling bot.
func TestManyGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	groups, perGroup := 1000, 20
	if raceEnabled {
		groups = 200
	}
	s, bot := newSim(t, Options{})
	bot.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	echoBot(t, s, bot, 32)
	start := time.Now()
	var wg sync.WaitGroup
	var sent atomic.Int64
	chats := make([]*Chat, groups)
	for i := range chats {
		chats[i] = s.NewGroup(fmt.Sprintf("Khối %d", i))
	}
	for i, g := range chats {
		wg.Go(func() {
			u := s.NewUser(fmt.Sprintf("U%d", i), "", "vi")
			for j := range perGroup {
				u.Send(g, fmt.Sprintf("m%d", j))
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	total := groups * perGroup
	for _, g := range chats {
		if _, err := g.WaitBotMessage(60*time.Second, func(m Message) bool { return m.Text == fmt.Sprintf("ack m%d", perGroup-1) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WaitFor(60*time.Second, func() bool { return s.Stats().Requests["sendMessage"] == total }); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	t.Logf("%d groups, %d updates, %d replies in %v (%d getUpdates)", groups, st.UpdatesQueued, st.Requests["sendMessage"], time.Since(start), st.Requests["getUpdates"])
	for _, g := range chats[:10] {
		if n := len(g.BotMessages()); n != perGroup {
			t.Errorf("chat %d: %d replies", g.ID, n)
		}
	}
}

func BenchmarkUserSend(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	chats := make([]*Chat, 1000)
	users := make([]*User, len(chats))
	for i := range chats {
		chats[i], users[i] = s.NewGroup("g"), s.NewUser("u", "", "")
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1)) % len(chats)
			users[i].Send(chats[i], "/units hello")
		}
	})
}

func BenchmarkSendMessageHTTP(b *testing.B) {
	s, bot := newSim(b, Options{})
	bot.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	chats := make([]*Chat, 1000)
	for i := range chats {
		chats[i] = s.NewGroup("g")
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := chats[int(n.Add(1))%len(chats)]
			m := htmlMsg(c.ID, "<b>Kết quả</b> tuần &amp; tháng")
			m.ReplyMarkup = keyboard([]string{"Xem", "view:1", "Bỏ", "skip"})
			if _, err := bot.Send(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRoundTrip measures user message → bot poll → bot reply → visible.
func BenchmarkRoundTrip(b *testing.B) {
	s, bot := newSim(b, Options{})
	echoBot(b, s, bot, 8)
	u := s.NewUser("u", "", "")
	g := s.NewGroup("g")
	b.ResetTimer()
	for i := range b.N {
		sent := u.Send(g, fmt.Sprint(i))
		if _, err := g.WaitBotMessage(10*time.Second, func(m Message) bool { return m.ReplyTo == sent.ID }); err != nil {
			b.Fatal(err)
		}
	}
}

package bench

import (
	"context"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The cards are the bot's own drawing of its three messages, and a world seeded with them (the
// floor's included) shows exactly them, with buttons signed for each bloc's chat; the floor
// answers a press on them.
func TestSeededCardsAreTheBotsDrawing(t *testing.T) {
	ctx := context.Background()
	cards, err := CaptureCards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range unitNames {
		if !strings.Contains(cards.Ballot.HTML, html.EscapeString(n)) {
			t.Errorf("the ballot card does not name %q:\n%s", n, cards.Ballot.HTML)
		}
	}
	kinds := func(c Card) map[string]int {
		m := map[string]int{}
		for _, row := range c.Buttons {
			for _, b := range row {
				m[b.Kind]++
			}
		}
		return m
	}
	if k := kinds(cards.Ballot); k[kindVote] != len(unitNames) {
		t.Errorf("ballot card buttons %v, want %d of kind %s", k, len(unitNames), kindVote)
	}
	if k := kinds(cards.Pledge); k[kindSign] != 1 {
		t.Errorf("pledge card buttons %v, want one of kind %s", k, kindSign)
	}
	if k := kinds(cards.Poll); k[kindPoll] != len(pollOpts) {
		t.Errorf("poll card buttons %v, want %d of kind %s", k, len(pollOpts), kindPoll)
	}

	w := seededWorld(t, true, cards, 2)
	codec := w.App.Runtime.Codec()
	for _, g := range w.Groups {
		for _, c := range []struct {
			card Card
			id   int
		}{{cards.Ballot, g.BallotMsg.ID}, {cards.Pledge, g.PledgeMsg.ID}, {cards.Poll, g.PollMsg.ID}} {
			m, ok := g.Chat.Message(c.id)
			if !ok {
				t.Fatalf("message %d missing", c.id)
			}
			if m.HTML != c.card.HTML {
				t.Errorf("chat %d message %d is\n%s\nwant the card\n%s", g.Chat.ID, c.id, m.HTML, c.card.HTML)
			}
			if len(m.Buttons) != len(c.card.Buttons) {
				t.Fatalf("chat %d message %d has %d rows of buttons, the card %d", g.Chat.ID, c.id, len(m.Buttons), len(c.card.Buttons))
			}
			for i, row := range m.Buttons {
				if len(row) != len(c.card.Buttons[i]) {
					t.Fatalf("chat %d message %d row %d has %d buttons, the card %d", g.Chat.ID, c.id, i, len(row), len(c.card.Buttons[i]))
				}
				for j, b := range row {
					want := c.card.Buttons[i][j]
					if b.Text != want.Text || b.URL != want.URL {
						t.Errorf("button %q (%q), want %q (%q)", b.Text, b.URL, want.Text, want.URL)
					}
					if want.Kind == "" {
						continue
					}
					kind, args, err := codec.Decode(g.Chat.ID, b.Data)
					if err != nil || kind != want.Kind || strings.Join(args, "|") != strings.Join(want.Args, "|") {
						t.Errorf("button %q data %q decodes to %s %v (%v), want %s %v", b.Text, b.Data, kind, args, err, want.Kind, want.Args)
					}
				}
			}
		}
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	g := w.Groups[1]
	cb := g.Members[0].PressData(g.Chat, g.BallotMsg, codec.Encode(g.Chat.ID, kindVote, g.Ballot, strconv.Itoa(g.Units[2])))
	if cb.Err != nil {
		t.Fatal(cb.Err)
	}
	a, err := cb.Answer(10 * time.Second)
	if err != nil || a.ShowAlert {
		t.Fatalf("the floor's answer to a press on the seeded card: %+v, %v", a, err)
	}
}

// Pressed during a run, the floor's world and the bot's carry updates of about the same size
// when both are seeded with the cards (the bot's redraws change its messages a little), and a
// floor seeded with placeholders carries much smaller ones: what the cards are for.
func TestFloorAndBotReceiveAlikePresses(t *testing.T) {
	ctx := context.Background()
	cards, err := CaptureCards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	press := func(floor bool, cards *Cards) float64 {
		t.Helper()
		w := seededWorld(t, floor, cards, 100)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		// 100 blocs: with fewer, people would pass the per-person action limit within the run,
		// and a report over it gets no reply.
		r, err := w.ClosedLoop(ctx, DefaultMix, 16, 300*time.Millisecond, 700*time.Millisecond, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done == 0 || r.PressBytes == 0 || r.Lost > 0 {
			t.Fatalf("floor %v: %d updates answered, %d lost, presses of %.0f bytes", floor, r.Done, r.Lost, r.PressBytes)
		}
		return r.PressBytes
	}
	bot, floor, placeholders := press(false, cards), press(true, cards), press(true, nil)
	t.Logf("mean press update: bot %.0f bytes, floor %.0f, floor with placeholders %.0f", bot, floor, placeholders)
	if d := floor/bot - 1; d < -0.1 || d > 0.1 {
		t.Errorf("the floor's presses carry %.0f bytes, the bot's %.0f: more than 10%% apart", floor, bot)
	}
	if placeholders > 0.75*bot {
		t.Errorf("the placeholders' presses carry %.0f bytes against the bot's %.0f: the test cannot tell them apart", placeholders, bot)
	}
}

// seededWorld is a webhook world of n blocs seeded with cards (placeholders when nil), not
// started; it is closed when the test ends.
func seededWorld(t *testing.T, floor bool, cards *Cards, n int) *World {
	t.Helper()
	w, err := NewWorld(WorldOptions{Mode: "webhook", Floor: floor, Cards: cards})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	if err := w.Seed(context.Background(), n, 8); err != nil {
		t.Fatal(err)
	}
	return w
}

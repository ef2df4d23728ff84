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
	if k := kinds(cards.Poll); k[kindPoll] != 4 {
		t.Errorf("poll card buttons %v, want 4 of kind %s", k, kindPoll)
	}

	w, err := NewWorld(WorldOptions{Mode: "webhook", Floor: true, Cards: cards})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Seed(ctx, 2, 2); err != nil {
		t.Fatal(err)
	}
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
				for j, b := range row {
					want := c.card.Buttons[i][j]
					if b.Text != want.Text {
						t.Errorf("button %q, want %q", b.Text, want.Text)
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

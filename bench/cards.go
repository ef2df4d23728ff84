package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"thiduabot/bot"
	"thiduabot/telegramsim"
)

// Cards are the three group messages the load presses (the ballot, the pledge, the poll), as
// the bot draws them after one press of each. A button press carries its whole message to the
// bot, so the size of these messages is part of what every pipeline receives. Seeding every
// world with them (the floor's too) makes the floor receive the updates the bot receives:
// seeded with one-line placeholders, the bot's world carried its drawn cards once its first
// redraws had replaced them (about 2.4 KB per ballot press) and the floor's world the
// placeholders (about 0.9 KB), and the ratio charged the bot for the transport of bigger
// updates. The bot's redraws keep changing its messages a little during a run (counts,
// signatures, an amended pledge), so each run reports the mean size of a press's update
// (RunResult.PressBytes) for both worlds.
type Cards struct {
	Ballot, Pledge, Poll Card
}

// Card is one message: its HTML and its keyboard, with each button's data kept as kind and
// arguments (the data is signed per chat; seeding signs it for each bloc's chat).
type Card struct {
	HTML    string
	Buttons [][]CardButton
}

// CardButton is one button of a card.
type CardButton struct {
	Text string
	Kind string
	Args []string
	URL  string
}

// rows signs the card's buttons for chat.
func (c Card) rows(codec *bot.Codec, chat int64) [][]bot.Button {
	rows := make([][]bot.Button, len(c.Buttons))
	for i, row := range c.Buttons {
		for _, b := range row {
			nb := bot.Button{Text: b.Text, URL: b.URL}
			if b.Kind != "" {
				nb.Data = codec.Encode(chat, b.Kind, b.Args...)
			}
			rows[i] = append(rows[i], nb)
		}
	}
	return rows
}

// CaptureCards runs the features on a world of one bloc, presses its ballot, pledge and poll
// once each, and returns the three messages once the bot has redrawn them.
func CaptureCards(ctx context.Context) (*Cards, error) {
	w, err := NewWorld(WorldOptions{Mode: "webhook", MembersPerUnit: 2, Extra: 6})
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if err := w.Seed(ctx, 1, 1); err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	g := w.Groups[0]
	codec := w.App.Runtime.Codec()
	chat := g.Chat.ID
	presses := []*telegramsim.Callback{
		g.Members[0].PressData(g.Chat, g.BallotMsg, codec.Encode(chat, kindVote, g.Ballot, strconv.Itoa(g.Units[1]))),
		g.People[len(g.People)-1].PressData(g.Chat, g.PollMsg, codec.Encode(chat, kindPoll, g.Poll, "0")),
	}
	u, data, ok, err := w.nextSigner(ctx, g)
	if err != nil {
		return nil, fmt.Errorf("capture cards: %w", err)
	}
	if !ok {
		return nil, errors.New("capture cards: no unit can sign the pledge")
	}
	presses = append(presses, u.PressData(g.Chat, g.PledgeMsg, data))
	for _, p := range presses {
		a, err := p.Answer(30 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("capture cards: press %s: %w", p.Data, err)
		}
		if a.ShowAlert {
			return nil, fmt.Errorf("capture cards: press %s refused: %s", p.Data, a.Text)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	msgs := []telegramsim.Message{g.BallotMsg, g.PledgeMsg, g.PollMsg}
	redrawn := func() bool {
		for _, m := range msgs {
			if cur, ok := g.Chat.Message(m.ID); !ok || cur.Edits == 0 {
				return false
			}
		}
		return true
	}
	if err := w.Sim.WaitFor(30*time.Second, redrawn); err != nil {
		return nil, fmt.Errorf("capture cards: the bot did not redraw its messages: %w", err)
	}
	var out [3]Card
	for i, m := range msgs {
		cur, _ := g.Chat.Message(m.ID)
		c, err := cardOf(codec, chat, cur)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return &Cards{Ballot: out[0], Pledge: out[1], Poll: out[2]}, nil
}

// cardOf is a message as a card.
func cardOf(codec *bot.Codec, chat int64, m telegramsim.Message) (Card, error) {
	if m.HTML == "" {
		return Card{}, errors.New("capture cards: a redrawn message was not sent as HTML")
	}
	c := Card{HTML: m.HTML, Buttons: make([][]CardButton, len(m.Buttons))}
	for i, row := range m.Buttons {
		for _, b := range row {
			cb := CardButton{Text: b.Text, URL: b.URL}
			if b.Data != "" {
				kind, args, err := codec.Decode(chat, b.Data)
				if err != nil {
					return Card{}, fmt.Errorf("capture cards: button %q: %w", b.Text, err)
				}
				cb.Kind, cb.Args = kind, args
			}
			c.Buttons[i] = append(c.Buttons[i], cb)
		}
	}
	return c, nil
}

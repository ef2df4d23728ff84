package store

import (
	"errors"
	"sync"
)

// A ballot's or a poll's card is fixed when it opens, and a vote or poll press needs it to
// redraw the group message. So each replica keeps the cards it has decoded, and the vote and
// poll scripts send a card only to a replica that lacks it: the caller passes the opening time
// of the card it holds ("" for none) and the script returns the card only when its ballot or
// poll opened at another time (a chat's ids start again after its bloc is removed). Sending
// and decoding a card of a kilobyte on every press was a good part of a press's work.

// cardKey names a card: its chat and its ballot's or poll's id.
type cardKey struct {
	chat int64
	id   string
}

type cachedCard[T any] struct {
	opened string // the opening time as the script returns it (unix ms)
	card   T
}

// cardCache keeps decoded cards. The cards it hands out are shared: read them, never change
// them.
type cardCache[T any] struct {
	mu sync.Mutex
	m  map[cardKey]cachedCard[T]
}

// maxCards bounds a cache: the open ballots (or polls) of this many blocs at most; when full it
// starts again, and the next press of each brings its card back.
const maxCards = 4096

// have returns the card held for k (opened is "" when none). The caller passes its opening
// time to the script and the entry itself to resolve: the cache may start again meanwhile.
func (c *cardCache[T]) have(k cardKey) cachedCard[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

// resolve is the card a script answered with: raw when it sent one (decoded by decode and
// kept), else the card held when the call began, which must be of the ballot or poll opened
// at opened.
func (c *cardCache[T]) resolve(k cardKey, held cachedCard[T], opened, raw string, decode func(string) (T, error)) (T, error) {
	if raw == "" {
		if held.opened == "" || held.opened != opened {
			var zero T
			return zero, errCardMissing
		}
		return held.card, nil
	}
	card, err := decode(raw)
	if err != nil {
		return card, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCards {
		c.m = map[cardKey]cachedCard[T]{}
	}
	c.m[k] = cachedCard[T]{opened: opened, card: card}
	c.mu.Unlock()
	return card, nil
}

// errCardMissing: a script left a card out for a caller that does not hold it (a bug).
var errCardMissing = errors.New("the script sent no card and none is held")

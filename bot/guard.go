package bot

import (
	"context"
	"time"
	"unicode/utf8"
)

// ActionCounter counts a person's actions in the current window and returns the count so far
// (store.CountAction: in Redis, so every replica counts the same actions).
type ActionCounter interface {
	CountAction(ctx context.Context, person int64, window time.Duration) (int, error)
}

// GuardOptions are the limits every command, button press and prompt reply passes first.
type GuardOptions struct {
	// PerMinute is how many actions one person may make in a minute (0: no limit).
	PerMinute int
	Counter   ActionCounter
	// MaxText is the longest command or prompt reply accepted, in characters (0: no cap).
	MaxText int
	// Limited is called for each refused action (metrics); may be nil.
	Limited func()
}

// Guard wraps every registered command, button and prompt handler with the per-person rate
// limit and the input size cap. Call it after every feature registered its handlers.
//
// Over the limit, a person is told once per window to slow down ("err.slow_down") and the
// rest of that window's commands are ignored; a button press is always answered, with the
// same notice. A store error while counting lets the action through: the handler meets the
// outage itself and says so.
func (r *Router) Guard(o GuardOptions) {
	if o.PerMinute <= 0 && o.MaxText <= 0 {
		return
	}
	wrap := func(h HandlerFunc) HandlerFunc {
		return func(ctx context.Context, c *Context) error {
			if o.MaxText > 0 && c.Update.Callback == nil {
				if n := utf8.RuneCountInString(c.Update.Text); n > o.MaxText {
					c.Reply(c.T("err.too_long", "len", n, "max", o.MaxText))
					return nil
				}
			}
			if o.PerMinute > 0 && o.Counter != nil {
				who := c.Update.From.ID
				if c.Update.SenderChat != 0 {
					who = c.Update.SenderChat // anonymous admins share one user id across groups
				}
				n, err := o.Counter.CountAction(ctx, who, time.Minute)
				if err == nil && n > o.PerMinute {
					if o.Limited != nil {
						o.Limited()
					}
					switch {
					case c.Update.Callback != nil:
						c.Answer(ctx, c.T("err.slow_down"), true)
					case n == o.PerMinute+1:
						c.Reply(c.T("err.slow_down"))
					}
					return nil
				}
			}
			return h(ctx, c)
		}
	}
	for k, h := range r.commands {
		r.commands[k] = wrap(h)
	}
	for k, h := range r.callbacks {
		r.callbacks[k] = wrap(h)
	}
	for k, h := range r.prompts {
		r.prompts[k] = wrap(h)
	}
	if r.Unknown != nil {
		r.Unknown = wrap(r.Unknown)
	}
}

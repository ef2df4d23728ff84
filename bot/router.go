package bot

import (
	"context"
	"sort"
)

// HandlerFunc handles one update.
type HandlerFunc func(ctx context.Context, c *Context) error

// CommandInfo describes a command for Telegram's command menu.
type CommandInfo struct {
	// Names: the English name first, then the Vietnamese alias (lower case, [a-z0-9_]).
	Names []string
	// MenuKey is the i18n key of the menu description; "" keeps it out of the menu.
	MenuKey string
	Group   bool // shown in group chats' menu
	Private bool // shown in private chats' menu
}

// Router maps commands, button kinds and reply prompts to handlers.
type Router struct {
	commands  map[string]HandlerFunc
	infos     []CommandInfo
	callbacks map[string]HandlerFunc
	prompts   map[string]HandlerFunc
	// deduped are the commands and button kinds whose handlers need no webhook claim, with
	// the updates it applies to (nil: all).
	deduped map[string]func(*Update) bool
	// Text handles plain messages that are neither commands nor prompt replies (may be nil).
	Text HandlerFunc
	// Unknown handles a command no one registered.
	Unknown HandlerFunc
	// Left handles a person leaving the group or being removed from it (Update.Left; may be
	// nil). It is not rate-limited: the person did not act.
	Left HandlerFunc
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{commands: map[string]HandlerFunc{}, callbacks: map[string]HandlerFunc{}, prompts: map[string]HandlerFunc{},
		deduped: map[string]func(*Update) bool{}}
}

// Command registers a command under all its names.
func (r *Router) Command(info CommandInfo, h HandlerFunc) {
	for _, n := range info.Names {
		if _, dup := r.commands[n]; dup {
			panic("command registered twice: " + n)
		}
		r.commands[n] = h
	}
	r.infos = append(r.infos, info)
}

// Callback registers a button kind.
func (r *Router) Callback(kind string, h HandlerFunc) {
	if _, dup := r.callbacks[kind]; dup {
		panic("callback registered twice: " + kind)
	}
	r.callbacks[kind] = h
}

// Prompt registers the handler of replies to a ForceReply prompt kind.
func (r *Router) Prompt(kind string, h HandlerFunc) {
	if _, dup := r.prompts[kind]; dup {
		panic("prompt registered twice: " + kind)
	}
	r.prompts[kind] = h
}

// Commands lists the registered commands, in registration order.
func (r *Router) Commands() []CommandInfo { return r.infos }

// CommandNames lists every command name (for tests).
func (r *Router) CommandNames() []string {
	var out []string
	for n := range r.commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SelfDeduped marks commands (their names) and button kinds whose handlers make a duplicate
// delivery of an update harmless by themselves: the state change is one store script keyed by
// the update id (a replay changes nothing and says so), and a replay sends no new chat message
// (a button's answer and the debounced edit of the same content are not messages). The webhook
// then skips its per-update claim for them, which saves two Redis round trips per update; the
// long-poll loop never claims.
func (r *Router) SelfDeduped(names ...string) {
	for _, n := range names {
		r.deduped[n] = nil
	}
}

// SelfDedupedWhen is SelfDeduped for the updates of a command or button kind that when
// accepts (e.g. a command only when it comes with its arguments).
func (r *Router) SelfDedupedWhen(name string, when func(*Update) bool) { r.deduped[name] = when }

// isDeduped reports whether u, routed to name, is marked SelfDeduped.
func (r *Router) isDeduped(name string, u *Update) bool {
	when, ok := r.deduped[name]
	return ok && (when == nil || when(u))
}

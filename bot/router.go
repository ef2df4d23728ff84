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
	// Text handles plain messages that are neither commands nor prompt replies (may be nil).
	Text HandlerFunc
	// Unknown handles a command no one registered.
	Unknown HandlerFunc
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{commands: map[string]HandlerFunc{}, callbacks: map[string]HandlerFunc{}, prompts: map[string]HandlerFunc{}}
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

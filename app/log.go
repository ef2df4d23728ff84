package app

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"thiduabot/config"
)

// NewLogger returns the program's logger: JSON (or text) at the configured level, with the
// bot token — and any other secret given (the webhook secret, the Redis password) — removed
// from every message and attribute, however deep. The secret part of the token (after the
// colon) is removed on its own too, since an error can carry it without the bot id.
func NewLogger(w io.Writer, c config.Log, token string, secrets ...string) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(c.Level))
	r := newRedactor(token, secrets...)
	opts := &slog.HandlerOptions{Level: level}
	if r.active() {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr { return r.attr(a) }
	}
	var h slog.Handler
	if c.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(redactHandler{h, r})
}

// redactor replaces secrets in text.
type redactor struct{ secrets []string }

func newRedactor(token string, extra ...string) redactor {
	var r redactor
	add := func(s string) {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
	add(token)
	if _, secret, ok := strings.Cut(token, ":"); ok {
		add(secret)
	}
	for _, s := range extra {
		add(s)
	}
	return r
}

func (r redactor) active() bool { return len(r.secrets) > 0 }

func (r redactor) text(s string) string {
	for _, x := range r.secrets {
		if strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, "<redacted>")
		}
	}
	return s
}

func (r redactor) attr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); r.text(s) != s {
			return slog.String(a.Key, r.text(s))
		}
	case slog.KindAny:
		// Errors and other values print through fmt: check what would be printed.
		if s := a.Value.String(); r.text(s) != s {
			return slog.String(a.Key, r.text(s))
		}
	case slog.KindGroup:
		as := a.Value.Group()
		out := make([]any, len(as))
		for i, x := range as {
			out[i] = r.attr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindLogValuer:
		return r.attr(slog.Attr{Key: a.Key, Value: a.Value.Resolve()})
	}
	return a
}

// redactHandler removes the secrets from log messages too (ReplaceAttr sees only attributes).
type redactHandler struct {
	slog.Handler
	r redactor
}

func (h redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.active() {
		rec.Message = h.r.text(rec.Message)
	}
	return h.Handler.Handle(ctx, rec)
}

func (h redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return redactHandler{h.Handler.WithAttrs(as), h.r}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.Handler.WithGroup(name), h.r}
}

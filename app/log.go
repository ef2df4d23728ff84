package app

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"thiduabot/config"
)

// NewLogger returns the program's logger: JSON (or text) at the configured level, with the
// bot token removed from every message and attribute.
func NewLogger(w io.Writer, c config.Log, token string) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if token != "" {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindString || a.Value.Kind() == slog.KindAny {
				s := a.Value.String()
				if strings.Contains(s, token) {
					return slog.String(a.Key, strings.ReplaceAll(s, token, "<token>"))
				}
			}
			return a
		}
	}
	var h slog.Handler
	if c.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(redactHandler{h, token})
}

// redactHandler removes the token from log messages too.
type redactHandler struct {
	slog.Handler
	token string
}

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if r.token != "" && strings.Contains(rec.Message, r.token) {
		rec.Message = strings.ReplaceAll(rec.Message, r.token, "<token>")
	}
	return r.Handler.Handle(ctx, rec)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return redactHandler{r.Handler.WithAttrs(as), r.token}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{r.Handler.WithGroup(name), r.token}
}

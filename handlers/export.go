package handlers

import (
	"context"
	"log/slog"
	"strings"

	"thiduabot/bot"
	"thiduabot/export"
)

// Export handles /export [year]: a manager gets the year's .xlsx workbook, built from every
// feature's sheets (achievements, and the features that add their export.SheetSource).
type Export struct {
	sources []export.SheetSource
	log     *slog.Logger
}

// NewExport returns the /export handler over the features' sheet sources, in sheet order.
func NewExport(sources []export.SheetSource, log *slog.Logger) *Export {
	if log == nil {
		log = slog.Default()
	}
	return &Export{sources: sources, log: log}
}

// Register adds the handler to a router.
func (h *Export) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"export", "xuat"}, MenuKey: "cmd.export", Group: true}, h.export)
}

func (h *Export) export(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	year, ok := achYearArg(c, b, c.Update.Args)
	if !ok {
		return nil
	}
	req := export.Request{ChatID: b.ChatID, Year: year, Lang: c.Lang(), Loc: b.Location()}
	var sheets []export.Sheet
	for _, src := range h.sources {
		sh, err := src.Sheets(ctx, req)
		if err != nil {
			return err
		}
		sheets = append(sheets, sh...)
	}
	data, err := export.Build(sheets)
	if err != nil {
		return err
	}
	var names []string
	for _, sh := range sheets {
		names = append(names, c.T("xlsx.sum.sheet_count", "sheet", sh.Name, "n", len(sh.Rows)))
	}
	c.Send(bot.Outgoing{ChatID: c.Update.ChatID, ReplyTo: c.Update.MessageID, Document: &bot.Document{
		Name:    c.T("export.file", "year", year),
		Data:    data,
		Caption: c.T("export.caption", "bloc", b.Name, "year", year, "sheets", raw(strings.Join(names, ", "))),
	}})
	return nil
}

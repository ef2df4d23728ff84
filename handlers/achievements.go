package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/export"
	"thiduabot/i18n"
	"thiduabot/store"
)

// AchievementStore is what the achievement handlers need from the store.
type AchievementStore interface {
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	Report(ctx context.Context, chatID int64, op store.Op, unit int, reporter domain.Person, loc *time.Location, r domain.Report) (store.ReportResult, error)
	ReportAsMember(ctx context.Context, chatID int64, op store.Op, reporter domain.Person, hint store.ReportHint, r domain.Report) (store.MemberReport, error)
	UndoReport(ctx context.Context, chatID int64, op store.Op, id int64, unit int, manager bool) (domain.Achievement, bool, error)
	ListAchievements(ctx context.Context, chatID int64, q store.AchievementQuery) ([]domain.Achievement, int, error)
	YearAchievements(ctx context.Context, chatID int64, from, to time.Time) ([]domain.Achievement, error)
	AchievementCounts(ctx context.Context, chatID int64, year int) (map[string]int, domain.Categories, error)
	Categories(ctx context.Context, chatID int64) (domain.Categories, error)
	AddCategory(ctx context.Context, chatID int64, op store.Op, c domain.Category) (bool, error)
	SaveReportDraft(ctx context.Context, privateChat int64, op store.Op, id int, d store.ReportDraft) error
	LoadReportDraft(ctx context.Context, privateChat int64, id int) (store.ReportDraft, bool, error)
	DropReportDraft(ctx context.Context, privateChat int64, op store.Op, id int) error
	Achievement(ctx context.Context, chatID int64, id string) (domain.Achievement, error)
}

// Achievements handles /report, /achievements, /summary and /categories, and gives the
// export its "Thành tích" and "Tổng hợp" sheets.
type Achievements struct {
	store AchievementStore
	log   *slog.Logger

	// hints remember each bloc's time zone and units, so that a report typed in a group is one
	// round trip (store.ReportAsMember checks them and corrects a stale one).
	mu    sync.Mutex
	hints map[int64]store.ReportHint
}

// maxHints bounds the hints kept (a bot in more groups forgets them all and starts again).
const maxHints = 100000

func (h *Achievements) hint(chat int64) store.ReportHint {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hints[chat]
}

func (h *Achievements) keepHint(chat int64, hint store.ReportHint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hints == nil || len(h.hints) >= maxHints {
		h.hints = map[int64]store.ReportHint{}
	}
	h.hints[chat] = hint
}

// NewAchievements returns the achievement handlers.
func NewAchievements(s AchievementStore, log *slog.Logger) *Achievements {
	if log == nil {
		log = slog.Default()
	}
	return &Achievements{store: s, log: log}
}

// Button kinds and prompt kinds of this feature.
const (
	kindUndoReport = "acu" // id, unit, bloc chat ("" = this chat)
	kindPickBloc   = "acb" // bloc chat, draft id
	kindAchPage    = "acp" // unit, period code, page, anchor (base 36 unix ms)
	kindEvidence   = "ace" // report id: send its evidence
	promptReport   = "report"
	achPageSize    = 10
)

// Register adds the handlers to a router.
func (h *Achievements) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"report", "baocao"}, MenuKey: "cmd.report", Group: true, Private: true}, h.report)
	// A report typed in a group is one script keyed by the update id; a replay says nothing.
	for _, n := range []string{"report", "baocao"} {
		r.SelfDedupedWhen(n, func(u *bot.Update) bool {
			return !u.IsPrivate() && u.SenderChat == 0 && strings.TrimSpace(u.Args) != ""
		})
	}
	r.Command(bot.CommandInfo{Names: []string{"achievements", "thanhtich"}, MenuKey: "cmd.achievements", Group: true, Private: true}, h.achievements)
	r.Command(bot.CommandInfo{Names: []string{"summary", "tonghop"}, MenuKey: "cmd.summary", Group: true, Private: true}, h.summary)
	r.Command(bot.CommandInfo{Names: []string{"categories", "linhvuc"}, MenuKey: "cmd.categories", Group: true}, h.categories)
	r.Command(bot.CommandInfo{Names: []string{"evidence", "minhchung"}, MenuKey: "cmd.evidence", Group: true, Private: true}, h.evidence)
	r.Prompt(promptReport, h.reportReply)
	r.Callback(kindUndoReport, h.undo)
	r.Callback(kindPickBloc, h.pickBloc)
	r.Callback(kindAchPage, h.page)
	r.Callback(kindEvidence, h.evidenceButton)
}

// Sheets is the feature's source of export sheets.
func (h *Achievements) Sheets() export.SheetSource { return achievementSheets{h.store} }

// achEvidence is the file a report keeps: the message's own photo or document (a caption
// "/report ..."), else the one of the message it replies to.
func achEvidence(u *bot.Update) *domain.Evidence {
	f := u.File
	if f == nil && u.ReplyTo != nil && !u.ReplyTo.FromBot {
		f = u.ReplyTo.File
	}
	if f == nil || f.ID == "" {
		return nil
	}
	return &domain.Evidence{FileID: f.ID, Kind: f.Kind, Name: f.Name}
}

// achPromptData is what a report prompt waits for: the bloc and evidence already given.
type achPromptData struct {
	Chat     string           `json:"c"`
	Evidence *domain.Evidence `json:"e,omitempty"`
}

func (h *Achievements) report(ctx context.Context, c *bot.Context) error {
	if c.Update.SenderChat != 0 {
		c.Reply(c.T("err.channel"))
		return nil
	}
	ev := achEvidence(c.Update)
	if c.Update.IsPrivate() {
		return h.reportPrivate(ctx, c, c.Update.Args, ev)
	}
	if done, err := h.reportAsMember(ctx, c, ev); done {
		return err
	}
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	unit, ok := b.UnitOf(c.Update.From.ID)
	if !ok {
		c.Reply(c.T("report.not_member"))
		return nil
	}
	if strings.TrimSpace(c.Update.Args) == "" {
		h.ask(ctx, c, b, unit, ev)
		return nil
	}
	_, err = h.record(ctx, c, b, unit, c.Update.Args, ev, op(c), 0)
	return err
}

// reportAsMember records a report typed in a group in one round trip, without loading the
// bloc: the store finds the sender's unit and returns what the confirmation shows. It reports
// done=false, having changed nothing, for what the general path answers (no text, a text that
// is too long, no bloc, not a member), which loads the bloc to say it in the chat's language.
func (h *Achievements) reportAsMember(ctx context.Context, c *bot.Context, ev *domain.Evidence) (bool, error) {
	if strings.TrimSpace(c.Update.Args) == "" {
		return false, nil
	}
	r, err := domain.ParseReport(c.Update.Args)
	if err != nil {
		return false, nil
	}
	r.Evidence = ev
	chat := c.Update.ChatID
	res, err := h.store.ReportAsMember(ctx, chat, op(c), c.Update.From, h.hint(chat), r)
	if res.Hint.Units != nil {
		h.keepHint(chat, res.Hint)
	}
	if domain.ValidLang(res.Lang) {
		c.SetLang(res.Lang)
	}
	switch {
	case errors.Is(err, domain.ErrNoBloc), errors.Is(err, domain.ErrNotLinked), errors.Is(err, domain.ErrUnknownUnit):
		return false, nil
	case errors.Is(err, domain.ErrRateLimited):
		c.Reply(c.T("report.slow", "max", domain.ReportRateMax, "minutes", int(domain.ReportRateWindow.Minutes())))
		return true, nil
	case err != nil:
		return true, err
	case res.Dup:
		return true, nil // a redelivered update: the first delivery confirmed it already
	case res.Same:
		c.Reply(c.T("report.same", "id", res.ID))
		return true, nil
	}
	b := &domain.Bloc{ChatID: chat, Lang: res.Lang, Timezone: res.Hint.TZ}
	text, buttons := h.confirmation(c, b, domain.Unit{ID: res.Unit, Name: res.UnitName}, res.Achievement, res.Categories)
	c.Reply(text, buttons...)
	return true, nil
}

func (h *Achievements) ask(ctx context.Context, c *bot.Context, b *domain.Bloc, unit domain.Unit, ev *domain.Evidence) {
	data, _ := json.Marshal(achPromptData{Chat: strconv.FormatInt(b.ChatID, 10), Evidence: ev})
	c.Ask(ctx, promptReport, string(data), c.T("report.ask", "unit", unit.Name), c.T("report.ask_placeholder"))
}

// memberBlocs are the blocs the sender is linked in (for a private chat).
func (h *Achievements) memberBlocs(ctx context.Context, person int64) ([]*domain.Bloc, error) {
	return memberBlocs(ctx, h.store, person)
}

func (h *Achievements) reportPrivate(ctx context.Context, c *bot.Context, text string, ev *domain.Evidence) error {
	blocs, err := h.memberBlocs(ctx, c.Update.From.ID)
	if err != nil {
		return err
	}
	switch len(blocs) {
	case 0:
		c.Reply(c.T("report.private_none"))
		return nil
	case 1:
		b := blocs[0]
		c.SetBloc(b)
		unit, _ := b.UnitOf(c.Update.From.ID)
		if strings.TrimSpace(text) == "" {
			h.ask(ctx, c, b, unit, ev)
			return nil
		}
		_, err := h.record(ctx, c, b, unit, text, ev, op(c), 0)
		return err
	}
	// Several blocs: keep the report as a draft while the person picks one.
	if strings.TrimSpace(text) != "" {
		if _, err := domain.ParseReport(text); errors.Is(err, domain.ErrTextTooLong) {
			c.Reply(c.T("report.too_long", "len", utf8.RuneCountInString(strings.TrimSpace(text)), "max", domain.MaxReportText))
			return nil
		}
	}
	draft := c.Update.MessageID
	if err := h.store.SaveReportDraft(ctx, c.Update.ChatID, op(c), draft, store.ReportDraft{Text: text, Evidence: ev}); err != nil {
		return err
	}
	rows := make([][]bot.Button, 0, len(blocs))
	for _, b := range blocs {
		unit, _ := b.UnitOf(c.Update.From.ID)
		label := shortLabel(b.Name, 32) + " · " + shortLabel(unit.Name, 24)
		rows = append(rows, []bot.Button{c.Button(label, kindPickBloc, strconv.FormatInt(b.ChatID, 10), strconv.Itoa(draft))})
	}
	c.Reply(c.T("report.private_choose"), rows...)
	return nil
}

// pickBloc: in a private chat, the person chose the bloc a draft goes to.
func (h *Achievements) pickBloc(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 2 || !c.Update.IsPrivate() {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	chatID, err1 := strconv.ParseInt(c.Args[0], 10, 64)
	draftID, err2 := strconv.Atoi(c.Args[1])
	if err1 != nil || err2 != nil {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	b, err := h.store.LoadBloc(ctx, chatID)
	if errors.Is(err, domain.ErrNoBloc) {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if err != nil {
		return err
	}
	c.SetBloc(b)
	unit, ok := b.UnitOf(c.Update.From.ID)
	if !ok {
		c.Answer(ctx, c.T("report.not_member"), true)
		return nil
	}
	d, ok, err := h.store.LoadReportDraft(ctx, c.Update.ChatID, draftID)
	if err != nil {
		return err
	}
	if !ok {
		c.Answer(ctx, c.T("report.draft_gone"), true)
		return nil
	}
	c.Answer(ctx, c.T("report.chosen", "bloc", shortLabel(b.Name, 60)), false)
	if strings.TrimSpace(d.Text) == "" {
		if err := h.store.DropReportDraft(ctx, c.Update.ChatID, op(c), draftID); err != nil {
			return err
		}
		h.ask(ctx, c, b, unit, d.Evidence)
		return nil
	}
	done, err := h.record(ctx, c, b, unit, d.Text, d.Evidence, op(c), c.Update.Callback.MessageID)
	if err != nil || !done {
		return err
	}
	return h.store.DropReportDraft(ctx, c.Update.ChatID, op(c), draftID)
}

// reportReply: the answer to the report prompt.
func (h *Achievements) reportReply(ctx context.Context, c *bot.Context) error {
	if c.Update.SenderChat != 0 {
		c.Reply(c.T("err.channel"))
		return nil
	}
	var pd achPromptData
	_ = json.Unmarshal([]byte(c.PromptData), &pd)
	chatID := c.Update.ChatID
	if id, err := strconv.ParseInt(pd.Chat, 10, 64); err == nil && id != 0 {
		chatID = id
	}
	var b *domain.Bloc
	if c.Update.IsPrivate() {
		if chatID == c.Update.ChatID {
			c.Reply(c.T("report.private_none"))
			return nil
		}
		var err error
		b, err = h.store.LoadBloc(ctx, chatID)
		if errors.Is(err, domain.ErrNoBloc) {
			c.Reply(c.T("report.private_none"))
			return nil
		}
		if err != nil {
			return err
		}
		c.SetBloc(b)
	} else {
		var err error
		b, err = needBloc(ctx, c)
		if b == nil || err != nil {
			return err
		}
	}
	unit, ok := b.UnitOf(c.Update.From.ID)
	if !ok {
		c.Reply(c.T("report.not_member"))
		return nil
	}
	ev := pd.Evidence
	if c.Update.File != nil {
		ev = achEvidence(c.Update)
	}
	_, err := h.record(ctx, c, b, unit, c.Update.Text, ev, op(c), 0)
	return err
}

// record checks and records a report, then confirms it (as a reply, or by editing editID).
// It returns whether the report is recorded (now or before).
func (h *Achievements) record(ctx context.Context, c *bot.Context, b *domain.Bloc, unit domain.Unit, text string, ev *domain.Evidence, o store.Op, editID int) (bool, error) {
	r, err := domain.ParseReport(text)
	switch {
	case errors.Is(err, domain.ErrTextEmpty):
		c.Reply(c.T("report.empty"))
		return false, nil
	case errors.Is(err, domain.ErrTextTooLong):
		c.Reply(c.T("report.too_long", "len", utf8.RuneCountInString(strings.TrimSpace(text)), "max", domain.MaxReportText))
		return false, nil
	case err != nil:
		return false, err
	}
	r.Evidence = ev
	res, err := h.store.Report(ctx, b.ChatID, o, unit.ID, c.Update.From, b.Location(), r)
	switch {
	case errors.Is(err, domain.ErrRateLimited):
		c.Reply(c.T("report.slow", "max", domain.ReportRateMax, "minutes", int(domain.ReportRateWindow.Minutes())))
		return false, nil
	case errors.Is(err, domain.ErrNotLinked), errors.Is(err, domain.ErrUnknownUnit):
		c.Reply(c.T("report.not_member"))
		return false, nil
	case errors.Is(err, domain.ErrNoBloc):
		c.Reply(c.T("err.no_bloc"))
		return false, nil
	case err != nil:
		return false, err
	}
	if res.Dup {
		// A redelivered update: the first delivery confirmed it already.
		return true, nil
	}
	if res.Same {
		c.Reply(c.T("report.same", "id", res.ID))
		return true, nil
	}
	cats, err := h.store.Categories(ctx, b.ChatID)
	if err != nil {
		cats = domain.WithCustom(nil)
	}
	text, buttons := h.confirmation(c, b, unit, res.Achievement, cats)
	if editID != 0 {
		return true, c.EditNow(ctx, editID, text, buttons)
	}
	c.Reply(text, buttons...)
	return true, nil
}

func (h *Achievements) confirmation(c *bot.Context, b *domain.Bloc, unit domain.Unit, a domain.Achievement, cats domain.Categories) (string, [][]bot.Button) {
	lang := c.Lang()
	var labels, unknown []string
	for _, k := range a.Categories {
		labels = append(labels, cats.Label(k, lang))
		if _, ok := cats.Get(k); !ok {
			if _, ok := cats.Match(k); !ok {
				unknown = append(unknown, "#"+k)
			}
		}
	}
	evidence := c.T("report.evidence_none")
	if a.Evidence != nil {
		if a.Evidence.Kind == "photo" {
			evidence = c.T("report.evidence_photo")
		} else {
			name := a.Evidence.Name
			if name == "" {
				name = a.Evidence.Kind
			}
			evidence = c.T("report.evidence_document", "name", shortLabel(name, 60))
		}
	}
	msg := c.T("report.recorded", "id", a.ID, "unit", unit.Name, "date", a.At.In(b.Location()).Format("02/01/2006 15:04"),
		"reporter", raw(personName(a.Reporter)), "cats", strings.Join(labels, ", "), "evidence", raw(evidence),
		"text", raw(achExcerpt(a.Text, 2400)))
	if len(unknown) > 0 {
		msg += "\n" + c.T("report.unknown_tags", "tags", strings.Join(unknown, " "))
	}
	if a.Evidence != nil && c.Update.ChatID != b.ChatID {
		// A file sent in private: the bloc can open it with the report (/evidence), say so.
		msg += "\n" + c.T("report.evidence_shared", "id", a.ID, "bloc", b.Name)
	}
	chatArg := ""
	if c.Update.ChatID != b.ChatID {
		chatArg = strconv.FormatInt(b.ChatID, 10)
	}
	btn := c.Button(c.T("report.undo_button"), kindUndoReport, strconv.FormatInt(a.ID, 10), strconv.Itoa(a.Unit), chatArg)
	return msg, [][]bot.Button{{btn}}
}

// undo: the Undo button of a confirmation, usable by the author and managers for 24 hours.
func (h *Achievements) undo(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 3 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	id, err1 := strconv.ParseInt(c.Args[0], 10, 64)
	unit, err2 := strconv.Atoi(c.Args[1])
	if err1 != nil || err2 != nil {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	chatID := c.Update.ChatID
	var b *domain.Bloc
	var err error
	if c.Args[2] != "" {
		// A report made from a private chat: only there may its button act on the group.
		if !c.Update.IsPrivate() {
			c.Answer(ctx, c.T("err.bad_button"), true)
			return nil
		}
		if chatID, err = strconv.ParseInt(c.Args[2], 10, 64); err != nil {
			c.Answer(ctx, c.T("err.bad_button"), true)
			return nil
		}
		b, err = h.store.LoadBloc(ctx, chatID)
		if err == nil {
			c.SetBloc(b)
		}
	} else {
		b, err = c.Bloc(ctx)
	}
	if errors.Is(err, domain.ErrNoBloc) {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if err != nil {
		return err
	}
	manager := false
	if !c.Update.IsPrivate() {
		if manager, err = c.IsManager(ctx); err != nil {
			return err
		}
	}
	a, dup, err := h.store.UndoReport(ctx, chatID, op(c), id, unit, manager)
	switch {
	case errors.Is(err, domain.ErrForbidden):
		c.Answer(ctx, c.T("report.undo_forbidden"), true)
		return nil
	case errors.Is(err, domain.ErrClosed):
		c.Answer(ctx, c.T("report.undo_expired"), true)
		return nil
	case errors.Is(err, domain.ErrNotFound):
		c.Answer(ctx, c.T("report.undo_gone"), true)
		return nil
	case errors.Is(err, domain.ErrStale), errors.Is(err, domain.ErrNoBloc):
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	case err != nil:
		return err
	}
	u, _ := b.Unit(a.Unit)
	c.Answer(ctx, c.T("report.undone_answer", "id", a.ID), false)
	if dup {
		return nil
	}
	return c.EditNow(ctx, c.Update.Callback.MessageID,
		c.T("report.undone", "id", a.ID, "unit", u.Name, "by", raw(personName(c.Update.From)), "text", raw(achExcerpt(a.Text, 600))), nil)
}

// achExcerpt escapes text for HTML and cuts it so that the escaped text is at most max UTF-16
// units (Telegram's measure), ending with "…" when cut.
func achExcerpt(text string, max int) string {
	var b strings.Builder
	b.Grow(len(text) + 16)
	n := 0
	for _, r := range text {
		// What html.EscapeString makes of r ("": r itself), and its length in UTF-16 code units.
		var e string
		switch r {
		case '<':
			e = "&lt;"
		case '>':
			e = "&gt;"
		case '&':
			e = "&amp;"
		case '\'':
			e = "&#39;"
		case '"':
			e = "&#34;"
		}
		w := len(e)
		if e == "" {
			if w = utf16.RuneLen(r); w < 0 { // not a valid rune: written as U+FFFD, one unit
				w = 1
			}
		}
		if n+w > max-1 {
			b.WriteString("…")
			return b.String()
		}
		if e != "" {
			b.WriteString(e)
		} else {
			b.WriteRune(r)
		}
		n += w
	}
	return b.String()
}

// achievements: /achievements [unit] [period]; in a private chat, of the sender's bloc (its
// paging and file buttons act there too: pressedBloc).
func (h *Achievements) achievements(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	args := strings.TrimSpace(c.Update.Args)
	if tooLong(c, args, 200) {
		return nil
	}
	q, per, ok := domain.SplitQuery(args, b.Year(c.Now()))
	if !ok {
		words := strings.Fields(args)
		c.Reply(c.T("ach.bad_period", "q", words[len(words)-1]))
		return nil
	}
	anchor := c.Now().Add(time.Millisecond)
	unitID := 0
	if q != "" {
		u, err := b.FindUnit(q)
		switch {
		case errors.Is(err, domain.ErrAmbiguousUnit):
			var rows [][]bot.Button
			for _, x := range b.UnitsMatching(q) {
				rows = append(rows, []bot.Button{c.Button(shortLabel(x.Name, 48), kindAchPage,
					strconv.Itoa(x.ID), per.Code(), "0", strconv.FormatInt(anchor.UnixMilli(), 36))})
			}
			c.Reply(c.T("ach.choose_unit", "q", q), rows...)
			return nil
		case err != nil:
			c.Reply(c.T("ach.no_unit", "q", q))
			return nil
		}
		unitID = u.ID
	}
	text, buttons, err := h.renderPage(ctx, c, b, unitID, per, 0, anchor)
	if err != nil {
		return err
	}
	c.Reply(text, buttons...)
	return nil
}

// page: Next/Previous (and unit choice) buttons of /achievements edit the same message.
func (h *Achievements) page(ctx context.Context, c *bot.Context) error {
	b, err := pressedBloc(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	if len(c.Args) != 4 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	unitID, err1 := strconv.Atoi(c.Args[0])
	per, err2 := domain.ParsePeriodCode(c.Args[1])
	pg, err3 := strconv.Atoi(c.Args[2])
	ms, err4 := strconv.ParseInt(c.Args[3], 36, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || pg < 0 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if _, ok := b.Unit(unitID); unitID != 0 && !ok {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	text, buttons, err := h.renderPage(ctx, c, b, unitID, per, pg, time.UnixMilli(ms))
	if err != nil {
		return err
	}
	c.Answer(ctx, "", false)
	return c.EditNow(ctx, c.Update.Callback.MessageID, text, buttons)
}

// renderPage renders one page of achievements, newest first, with its paging buttons.
func (h *Achievements) renderPage(ctx context.Context, c *bot.Context, b *domain.Bloc, unitID int, per domain.Period, pg int, anchor time.Time) (string, [][]bot.Button, error) {
	loc := b.Location()
	from, to := per.Range(loc)
	items, total, err := h.store.ListAchievements(ctx, b.ChatID, store.AchievementQuery{Unit: unitID, From: from, To: to,
		Before: anchor, Offset: pg * achPageSize, Limit: achPageSize})
	if err != nil {
		return "", nil, err
	}
	pages := max(1, (total+achPageSize-1)/achPageSize)
	if pg >= pages && total > 0 {
		// The list shrank (reports undone): show its last page.
		pg = pages - 1
		items, total, err = h.store.ListAchievements(ctx, b.ChatID, store.AchievementQuery{Unit: unitID, From: from, To: to,
			Before: anchor, Offset: pg * achPageSize, Limit: achPageSize})
		if err != nil {
			return "", nil, err
		}
	}
	lang := c.Lang()
	var filter []string
	if u, ok := b.Unit(unitID); ok {
		filter = append(filter, html.EscapeString(u.Name))
	}
	if per.Kind != domain.PeriodAll {
		filter = append(filter, html.EscapeString(per.Label(lang)))
	}
	filterText := ""
	if len(filter) > 0 {
		filterText = " · " + strings.Join(filter, " · ")
	}
	if total == 0 {
		return c.T("ach.empty", "filter", raw(filterText)) + "\n\n" + c.T("ach.hint"), nil, nil
	}
	cats, err := h.store.Categories(ctx, b.ChatID)
	if err != nil {
		return "", nil, err
	}
	head := c.T("ach.title", "filter", raw(filterText)) + "\n" + c.T("ach.count", "n", total, "page", pg+1, "pages", pages)
	hint := c.T("ach.hint")
	// Fit the page into one message: shorten the texts until it does.
	var body string
	for _, budget := range []int{260, 160, 90, 40} {
		var s strings.Builder
		for _, a := range items {
			s.WriteString("\n\n")
			s.WriteString(h.item(c, b, cats, a, budget))
		}
		body = s.String()
		if achUTF16Len(head+body+hint) < bot.MaxMessageLength-200 {
			break
		}
	}
	var row []bot.Button
	a36 := strconv.FormatInt(anchor.UnixMilli(), 36)
	if pg > 0 {
		row = append(row, c.Button(c.T("ach.prev"), kindAchPage, strconv.Itoa(unitID), per.Code(), strconv.Itoa(pg-1), a36))
	}
	if pg+1 < pages {
		row = append(row, c.Button(c.T("ach.next"), kindAchPage, strconv.Itoa(unitID), per.Code(), strconv.Itoa(pg+1), a36))
	}
	var buttons [][]bot.Button
	// A button for each report of the page that keeps a file: pressing it sends the file.
	var files []bot.Button
	for _, a := range items {
		if a.Evidence != nil {
			files = append(files, c.Button("📎 #"+strconv.FormatInt(a.ID, 10), kindEvidence, strconv.FormatInt(a.ID, 10)))
		}
	}
	for len(files) > 0 {
		n := min(len(files), 5)
		buttons = append(buttons, files[:n])
		files = files[n:]
	}
	if len(row) > 0 {
		buttons = append(buttons, row)
	}
	return head + body + "\n\n" + hint, buttons, nil
}

// evidence: /evidence <report id> sends the file a report keeps (in a private chat, of the
// sender's bloc).
func (h *Achievements) evidence(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	id := strings.TrimPrefix(strings.TrimSpace(c.Update.Args), "#")
	if id == "" {
		c.Reply(c.T("ach.evidence_usage"))
		return nil
	}
	if msg, ok := h.sendEvidence(ctx, c, b, id, c.Update.MessageID); !ok {
		c.Reply(msg)
	}
	return nil
}

// evidenceButton: the 📎 buttons of /achievements.
func (h *Achievements) evidenceButton(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	b, err := pressedBloc(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	if msg, ok := h.sendEvidence(ctx, c, b, c.Args[0], c.Update.Callback.MessageID); !ok {
		c.Answer(ctx, msg, true)
		return nil
	}
	c.Answer(ctx, c.T("ach.evidence_sent", "id", c.Args[0]), false)
	return nil
}

// sendEvidence sends report id's file into the chat, replying to replyTo; when it cannot, it
// returns what to tell the person.
func (h *Achievements) sendEvidence(ctx context.Context, c *bot.Context, b *domain.Bloc, id string, replyTo int) (string, bool) {
	a, err := h.store.Achievement(ctx, b.ChatID, id)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return c.T("ach.evidence_none", "id", shortLabel(id, 20)), false
	case err != nil:
		h.log.Warn("evidence: load report", "chat", b.ChatID, "id", id, "err", err)
		return c.T("err.internal"), false
	case a.Evidence == nil:
		return c.T("ach.evidence_nofile", "id", a.ID), false
	case a.Reporter.Name == "" && a.Reporter.Username == "":
		// The reporter asked the bot to forget them (/forget_me): the report stays, their
		// file is no longer handed out.
		return c.T("ach.evidence_withdrawn", "id", a.ID), false
	}
	unit, _, _ := b.NameOf(a.Unit)
	caption := c.T("ach.evidence_caption", "id", a.ID, "unit", unit, "date", a.At.In(b.Location()).Format("02/01/2006"))
	c.Send(bot.Outgoing{ChatID: c.Update.ChatID, ReplyTo: replyTo,
		Document: &bot.Document{FileID: a.Evidence.FileID, Photo: a.Evidence.Kind == "photo", Caption: caption}})
	return "", true
}

func (h *Achievements) item(c *bot.Context, b *domain.Bloc, cats domain.Categories, a domain.Achievement, budget int) string {
	lang := c.Lang()
	unitName := b.UnitLabel(a.Unit) // a removed unit's reports keep its name
	var labels []string
	for _, k := range a.Categories {
		labels = append(labels, cats.Label(k, lang))
	}
	clip := ""
	if a.Evidence != nil {
		clip = " 📎"
	}
	return fmt.Sprintf("<b>#%d</b> · %s · <b>%s</b>%s\n🏷 %s · %s\n%s", a.ID, a.At.In(b.Location()).Format("02/01/2006"),
		html.EscapeString(shortLabel(unitName, 60)), clip, html.EscapeString(shortLabel(strings.Join(labels, ", "), 80)),
		c.T("ach.by", "name", raw(html.EscapeString(shortLabel(achPerson(a.Reporter), 40)))), achExcerpt(a.Text, budget))
}

func achPerson(p domain.Person) string {
	if p.Name != "" {
		return p.Name
	}
	if p.Username != "" {
		return "@" + p.Username
	}
	return strconv.FormatInt(p.ID, 10)
}

func achUTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// achYearArg reads an optional year argument; the bloc's current year when empty.
func achYearArg(c *bot.Context, b *domain.Bloc, arg string) (int, bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return b.Year(c.Now()), true
	}
	p, err := domain.ParsePeriod(arg, b.Year(c.Now()))
	if err != nil || p.Kind != domain.PeriodYear {
		c.Reply(c.T("err.bad_year", "q", shortLabel(arg, 40)))
		return 0, false
	}
	return p.Year, true
}

// summary: /summary [year] — per unit, per category, readable on a phone.
func (h *Achievements) summary(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	year, ok := achYearArg(c, b, c.Update.Args)
	if !ok {
		return nil
	}
	counts, cats, err := h.store.AchievementCounts(ctx, b.ChatID, year)
	if err != nil {
		return err
	}
	t := domain.BuildTally(b, cats, year, counts, false)
	if t.Total == 0 {
		c.Reply(c.T("sum.empty", "year", year))
		return nil
	}
	lang := c.Lang()
	var s strings.Builder
	s.WriteString(c.T("sum.title", "year", year, "bloc", b.Name, "n", t.Total))
	s.WriteString("\n\n" + c.T("sum.units"))
	var missing []string
	for i, ut := range t.Units {
		fmt.Fprintf(&s, "\n%d. <b>%s</b>: <b>%d</b>", i+1, html.EscapeString(ut.Unit.Name), ut.Total)
		if ut.Total == 0 {
			s.WriteString(" — " + c.T("sum.none"))
			missing = append(missing, ut.Unit.Name)
			continue
		}
		var parts []string
		for _, col := range t.Columns {
			if n := ut.ByCategory[col]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", html.EscapeString(t.ColumnName(cats, col, lang)), n))
			}
		}
		s.WriteString("\n    " + strings.Join(parts, " · "))
	}
	s.WriteString("\n\n" + c.T("sum.cats"))
	for _, col := range t.Columns {
		fmt.Fprintf(&s, "\n• %s: <b>%d</b>", html.EscapeString(t.ColumnName(cats, col, lang)), t.ByCat[col])
	}
	if len(missing) > 0 {
		s.WriteString("\n\n" + c.T("sum.missing", "year", year, "list", strings.Join(missing, "; ")))
	}
	s.WriteString("\n\n" + c.T("sum.note"))
	c.Reply(s.String())
	return nil
}

// categories: /categories lists them; /categories add <tag> <name> (managers) adds one.
func (h *Achievements) categories(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	args := strings.TrimSpace(c.Update.Args)
	if args == "" {
		cats, err := h.store.Categories(ctx, b.ChatID)
		if err != nil {
			return err
		}
		lang := c.Lang()
		var s strings.Builder
		s.WriteString(c.T("cat.title"))
		customHead := false
		for _, cat := range cats {
			if cat.Custom && !customHead {
				s.WriteString("\n\n" + c.T("cat.custom"))
				customHead = true
			}
			fmt.Fprintf(&s, "\n<code>#%s</code> — %s", html.EscapeString(cat.Key), html.EscapeString(cat.Name(lang)))
		}
		s.WriteString("\n\n" + c.T("cat.hint"))
		c.Reply(s.String())
		return nil
	}
	verb, rest, _ := strings.Cut(args, " ")
	switch domain.Fold(verb) {
	case "add", "them", "+":
	default:
		c.Reply(c.T("cat.usage"))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	tag, name, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if strings.TrimSpace(tag) == "" || strings.TrimSpace(name) == "" {
		c.Reply(c.T("cat.usage"))
		return nil
	}
	cat, err := domain.CleanCategory(tag, name)
	switch {
	case errors.Is(err, domain.ErrBadTag):
		c.Reply(c.T("cat.bad_tag", "max", domain.MaxTagLen))
		return nil
	case errors.Is(err, domain.ErrNameTooLong):
		c.Reply(c.T("err.name_long", "max", domain.MaxCategoryName))
		return nil
	case err != nil:
		c.Reply(c.T("cat.usage"))
		return nil
	}
	_, err = h.store.AddCategory(ctx, b.ChatID, op(c), cat)
	switch {
	case errors.Is(err, domain.ErrDuplicateName):
		c.Reply(c.T("cat.dup", "tag", tag))
		return nil
	case errors.Is(err, domain.ErrTooManyCategories):
		c.Reply(c.T("cat.too_many", "max", domain.MaxCategories))
		return nil
	case err != nil:
		return err
	}
	c.Reply(c.T("cat.added", "name", cat.VI, "tag", cat.Key))
	return nil
}

// achievementSheets gives the export the year's "Thành tích" (every report, oldest first)
// and "Tổng hợp" (per unit × category) sheets.
type achievementSheets struct{ store AchievementStore }

func (s achievementSheets) Sheets(ctx context.Context, r export.Request) ([]export.Sheet, error) {
	b, err := s.store.LoadBloc(ctx, r.ChatID)
	if err != nil {
		return nil, err
	}
	loc := r.Loc
	if loc == nil {
		loc = b.Location()
	}
	tr := func(key string) string { return i18n.T(r.Lang, key) }
	from, to := domain.Period{Kind: domain.PeriodYear, Year: r.Year}.Range(loc)
	items, err := s.store.YearAchievements(ctx, r.ChatID, from, to)
	if err != nil {
		return nil, err
	}
	counts, cats, err := s.store.AchievementCounts(ctx, r.ChatID, r.Year)
	if err != nil {
		return nil, err
	}
	list := export.Sheet{
		Name: tr("xlsx.ach.sheet"),
		Headers: []string{tr("xlsx.no"), tr("xlsx.ach.id"), tr("xlsx.ach.date"), tr("xlsx.ach.unit"), tr("xlsx.ach.reporter"),
			tr("xlsx.ach.category"), tr("xlsx.ach.text"), tr("xlsx.ach.evidence")},
		Widths: []float64{6, 7, 12, 40, 24, 28, 90, 12},
	}
	for i, a := range items {
		unit := b.UnitLabel(a.Unit)
		var labels []string
		for _, k := range a.Categories {
			labels = append(labels, cats.Label(k, r.Lang))
		}
		ev := tr("xlsx.no_value")
		if a.Evidence != nil {
			ev = tr("xlsx.yes")
		}
		list.Rows = append(list.Rows, []any{i + 1, int(a.ID), a.At.In(loc), unit, achPerson(a.Reporter),
			strings.Join(labels, "; "), a.Text, ev})
	}
	t := domain.BuildTally(b, cats, r.Year, counts, true)
	sum := export.Sheet{Name: tr("xlsx.sum.sheet"), Headers: []string{tr("xlsx.no"), tr("xlsx.ach.unit")},
		Widths: []float64{6, 40}}
	for _, col := range t.Columns {
		sum.Headers = append(sum.Headers, t.ColumnName(cats, col, r.Lang))
		sum.Widths = append(sum.Widths, 14)
	}
	sum.Headers = append(sum.Headers, tr("xlsx.sum.total"))
	sum.Widths = append(sum.Widths, 14)
	for i, ut := range t.Units {
		row := []any{i + 1, ut.Unit.Name}
		for _, col := range t.Columns {
			row = append(row, ut.ByCategory[col])
		}
		sum.Rows = append(sum.Rows, append(row, ut.Total))
	}
	all := []any{"", tr("xlsx.sum.all")}
	for _, col := range t.Columns {
		all = append(all, t.ByCat[col])
	}
	sum.Rows = append(sum.Rows, append(all, t.Total))
	return []export.Sheet{list, sum}, nil
}

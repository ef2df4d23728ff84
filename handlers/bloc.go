package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/i18n"
	"thiduabot/store"
)

// BlocStore is what the bloc and membership handlers need from the store.
type BlocStore interface {
	Setup(ctx context.Context, chatID int64, op store.Op, name, lang, tz string) (store.SetupResult, error)
	AddUnits(ctx context.Context, chatID int64, op store.Op, names []string) (store.AddUnitsResult, error)
	Link(ctx context.Context, chatID int64, op store.Op, p domain.Person, unitID int, move bool) (store.LinkResult, error)
	Unlink(ctx context.Context, chatID int64, op store.Op, person int64) (store.UnlinkResult, error)
	RenameUnit(ctx context.Context, chatID int64, op store.Op, unitID int, name string) (string, error)
	RemoveUnit(ctx context.Context, chatID int64, op store.Op, unitID int, year int) (store.RemoveUnitResult, error)
	SetLang(ctx context.Context, chatID int64, op store.Op, lang string) error
	SetTimezone(ctx context.Context, chatID int64, op store.Op, tz string) error
	RequestJoin(ctx context.Context, chatID int64, op store.Op, p domain.Person, unitID int) (int, bool, error)
	ResolveJoin(ctx context.Context, chatID int64, op store.Op, reqID int, approve bool) (store.JoinRequest, bool, error)
	PendingJoins(ctx context.Context, chatID int64) ([]store.JoinRequest, error)
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
	RecentAudit(ctx context.Context, chatID int64, n int) ([]store.AuditEntry, error)
	VerifyAudit(ctx context.Context, chatID int64) (int, string, error)
}

// Bloc handles help, setup, units, membership, language and history.
type Bloc struct {
	store       BlocStore
	log         *slog.Logger
	router      *bot.Router
	defaultLang string
	defaultTZ   string
	// OnUnitsChanged, when set, is told that a unit was renamed or removed, so what shows the
	// units elsewhere (the pledge's message) is redrawn.
	OnUnitsChanged func(ctx context.Context, c *bot.Context, chatID int64)
}

// NewBloc returns the bloc handlers.
func NewBloc(s BlocStore, log *slog.Logger, defaultLang, defaultTZ string) *Bloc {
	if defaultTZ == "" {
		defaultTZ = domain.DefaultTimezone
	}
	return &Bloc{store: s, log: log, defaultLang: defaultLang, defaultTZ: defaultTZ}
}

// Register adds the handlers to a router.
func (h *Bloc) Register(r *bot.Router) {
	h.router = r
	r.Command(bot.CommandInfo{Names: []string{"help", "trogiup"}, MenuKey: "cmd.help", Group: true, Private: true}, h.help)
	r.Command(bot.CommandInfo{Names: []string{"start"}}, h.help)
	r.Command(bot.CommandInfo{Names: []string{"setup", "thietlap"}, MenuKey: "cmd.setup", Group: true}, h.setup)
	r.Command(bot.CommandInfo{Names: []string{"addunit", "themdonvi"}, MenuKey: "cmd.addunit", Group: true}, h.addUnit)
	r.Command(bot.CommandInfo{Names: []string{"units", "donvi"}, MenuKey: "cmd.units", Group: true, Private: true}, h.units)
	r.Command(bot.CommandInfo{Names: []string{"join", "thamgia"}, MenuKey: "cmd.join", Group: true}, h.join)
	r.Command(bot.CommandInfo{Names: []string{"assign", "phancong"}, MenuKey: "cmd.assign", Group: true}, h.assign)
	r.Command(bot.CommandInfo{Names: []string{"leave", "roikhoi"}, MenuKey: "cmd.leave", Group: true}, h.leave)
	h.registerUnits(r)
	r.Command(bot.CommandInfo{Names: []string{"lang", "ngonngu"}, MenuKey: "cmd.lang", Group: true}, h.lang)
	r.Command(bot.CommandInfo{Names: []string{"timezone", "muigio"}, MenuKey: "cmd.timezone", Group: true}, h.timezone)
	r.Command(bot.CommandInfo{Names: []string{"history", "lichsu"}, MenuKey: "cmd.history", Group: true}, h.history)
	r.Prompt("setup", h.setupReply)
	r.Prompt("addunit", managerReply(func(ctx context.Context, c *bot.Context, _ *domain.Bloc, text string) error {
		return h.doAddUnits(ctx, c, text)
	}))
	r.Callback("jn", h.joinPick)
	r.Callback("ja", h.joinDecide)
	r.Callback("lg", h.langPick)
	r.Unknown = h.unknown
	r.Left = h.left
}

// unknown answers a command the bot does not have. In a group, a command typed without
// @ThiDuaBot may be another bot's (/ban, /warn): it is answered only when it looks like a
// mistyped one of ours, with that suggestion; in a private chat, or addressed to the bot by
// name, it is always answered.
func (h *Bloc) unknown(ctx context.Context, c *bot.Context) error {
	cmd := c.Update.Command
	guess := h.closestCommand(cmd)
	if !c.Update.IsPrivate() && c.Update.CommandBot == "" && guess == "" {
		return nil
	}
	if guess != "" {
		c.Reply(c.T("err.unknown_command_guess", "cmd", cmd, "guess", guess))
		return nil
	}
	c.Reply(c.T("err.unknown_command", "cmd", cmd))
	return nil
}

// closestCommand is the bot's command a mistyped one most likely meant, or "": the same
// without its accents (/báocáo), or one edit from a name under 8 letters, two from a longer
// one, closer than any other. Other bots' commands that only add to one of ours (/restart,
// /reports, /signup) or are short (/kang) get no suggestion.
func (h *Bloc) closestCommand(cmd string) string {
	if h.router == nil {
		return ""
	}
	folded := domain.Fold(cmd)
	best, bestD, tie := "", 99, false
	for _, info := range h.router.Commands() {
		for _, name := range info.Names {
			if folded == name {
				return name
			}
			if len(cmd) < 5 || strings.HasPrefix(folded, name) || strings.HasSuffix(folded, name) {
				continue
			}
			d := editDistance(folded, name)
			if limit := 1 + len(name)/8; d > limit {
				continue
			}
			switch {
			case d < bestD:
				best, bestD, tie = name, d, false
			case d == bestD && name != best:
				tie = true
			}
		}
	}
	if tie {
		return ""
	}
	return best
}

// editDistance is the edit distance of two short strings, by bytes (command names are ASCII),
// where swapping two neighbouring letters is one edit (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func (h *Bloc) help(ctx context.Context, c *bot.Context) error {
	var b strings.Builder
	b.WriteString(c.T("help.intro"))
	b.WriteString("\n\n")
	b.WriteString(c.T("help.commands"))
	b.WriteString("\n")
	vi := c.Lang() == domain.LangVI
	for _, info := range h.router.Commands() {
		if info.MenuKey == "" {
			continue
		}
		if c.Update.IsPrivate() && !info.Private {
			continue
		}
		name := info.Names[0]
		alias := ""
		if len(info.Names) > 1 {
			alias = info.Names[1]
		}
		if vi && alias != "" {
			name, alias = alias, name
		}
		line := "/" + name
		if alias != "" {
			line += " (/" + alias + ")"
		}
		fmt.Fprintf(&b, "%s — %s\n", line, c.T(info.MenuKey))
	}
	b.WriteString("\n")
	if c.Update.IsPrivate() {
		b.WriteString(c.T("help.start_private"))
	} else {
		b.WriteString(c.T("help.start_group"))
	}
	c.Reply(b.String())
	return nil
}

func (h *Bloc) setup(ctx context.Context, c *bot.Context) error {
	if c.Update.IsPrivate() {
		c.Reply(c.T("setup.private"))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if strings.TrimSpace(c.Update.Args) == "" {
		c.Ask(ctx, "setup", "", c.T("setup.ask"), c.T("setup.ask_placeholder"))
		return nil
	}
	return h.doSetup(ctx, c, c.Update.Args)
}

func (h *Bloc) setupReply(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	return h.doSetup(ctx, c, c.Update.Text)
}

func (h *Bloc) doSetup(ctx context.Context, c *bot.Context, text string) error {
	name, err := domain.CleanName(text, domain.MaxBlocName)
	if err != nil {
		h.nameError(c, err, domain.MaxBlocName)
		return nil
	}
	res, err := h.store.Setup(ctx, c.Update.ChatID, op(c), name, h.defaultLang, h.defaultTZ)
	if err != nil {
		return err
	}
	c.ReloadBloc()
	if res.Created {
		c.Reply(c.T("setup.created", "name", name))
	} else {
		c.Reply(c.T("setup.renamed", "old", res.OldName, "name", name))
	}
	return nil
}

func (h *Bloc) nameError(c *bot.Context, err error, max int) {
	switch {
	case errors.Is(err, domain.ErrNameTooLong):
		c.Reply(c.T("err.name_long", "max", max))
	case errors.Is(err, domain.ErrTooManyUnits):
		c.Reply(c.T("addunit.too_many", "max", domain.MaxUnits))
	default:
		c.Reply(c.T("err.name_empty"))
	}
}

func (h *Bloc) addUnit(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if strings.TrimSpace(c.Update.Args) == "" {
		c.Ask(ctx, "addunit", "", c.T("addunit.ask"), c.T("addunit.ask_placeholder"))
		return nil
	}
	return h.doAddUnits(ctx, c, c.Update.Args)
}

func (h *Bloc) doAddUnits(ctx context.Context, c *bot.Context, text string) error {
	if tooLong(c, text, 20000) {
		return nil
	}
	names, err := domain.ParseUnitNames(text)
	if err != nil {
		h.nameError(c, err, domain.MaxUnitName)
		return nil
	}
	res, err := h.store.AddUnits(ctx, c.Update.ChatID, op(c), names)
	if errors.Is(err, domain.ErrTooManyUnits) {
		c.Reply(c.T("addunit.too_many", "max", domain.MaxUnits))
		return nil
	}
	if err != nil {
		return err
	}
	var out []string
	if len(res.Added) > 0 {
		var lines []string
		for _, u := range res.Added {
			lines = append(lines, fmt.Sprintf("%d. %s", u.ID, html.EscapeString(u.Name)))
		}
		out = append(out, c.T("addunit.added", "n", len(res.Added), "list", raw(strings.Join(lines, "\n"))))
	} else {
		out = append(out, c.T("addunit.none_added"))
	}
	if len(res.Dups) > 0 {
		out = append(out, c.T("addunit.dups", "list", strings.Join(res.Dups, "; ")))
	}
	if len(res.Added) > 0 {
		out = append(out, c.T("addunit.next"))
	}
	c.Reply(strings.Join(out, "\n\n"))
	if len(res.Added) > 0 && !res.Dup {
		h.unitsChanged(ctx, c, c.Update.ChatID) // the pledge's count of units changed
	}
	return nil
}

func (h *Bloc) units(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	c.Reply(h.renderUnits(ctx, c, b))
	return nil
}

func (h *Bloc) renderUnits(ctx context.Context, c *bot.Context, b *domain.Bloc) string {
	var s strings.Builder
	s.WriteString(c.T("units.title", "name", b.Name, "n", len(b.Units)))
	s.WriteString("\n")
	if len(b.Units) == 0 {
		s.WriteString("\n" + c.T("units.none"))
		return s.String()
	}
	year := b.Year(c.Now())
	chair, hasChair := b.Chair(year)
	deputy, hasDeputy := b.Deputy(year)
	for i, u := range b.Units {
		fmt.Fprintf(&s, "\n%d. <b>%s</b>", i+1, html.EscapeString(u.Name))
		if hasChair && chair.ID == u.ID {
			s.WriteString(" ⭐ " + c.T("units.chair"))
		}
		if hasDeputy && deputy.ID == u.ID {
			s.WriteString(" ☆ " + c.T("units.deputy"))
		}
		ms := b.MembersOf(u.ID)
		if len(ms) == 0 {
			s.WriteString("\n    <i>" + c.T("units.nobody") + "</i>")
			continue
		}
		names := make([]string, len(ms))
		for j, p := range ms {
			names[j] = personName(p)
		}
		s.WriteString("\n    👤 " + strings.Join(names, ", "))
	}
	line, _ := leadersLine(c, b, year)
	s.WriteString("\n\n" + line)
	// Next year's, once a year-end conference has elected them.
	if line, elected := leadersLine(c, b, year+1); elected {
		s.WriteString("\n" + line)
	}
	if reqs, err := h.store.PendingJoins(ctx, b.ChatID); err == nil && len(reqs) > 0 {
		s.WriteString("\n" + c.T("units.pending", "n", len(reqs)))
	}
	return s.String()
}

// leadersLine says a year's chair and deputy; elected is false when neither is elected.
func leadersLine(c *bot.Context, b *domain.Bloc, year int) (line string, elected bool) {
	chairName, deputyName := c.T("units.unset"), c.T("units.unset")
	chair, hasChair := b.Chair(year)
	if hasChair {
		chairName = html.EscapeString(chair.Name)
	}
	deputy, hasDeputy := b.Deputy(year)
	if hasDeputy {
		deputyName = html.EscapeString(deputy.Name)
	}
	return c.T("units.leaders", "year", year, "chair", raw(chairName), "deputy", raw(deputyName)), hasChair || hasDeputy
}

func (h *Bloc) lang(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	arg := strings.ToLower(strings.TrimSpace(c.Update.Args))
	if arg == "" {
		c.Reply(c.T("lang.choose"), []bot.Button{c.Button("🇻🇳 Tiếng Việt", "lg", "vi"), c.Button("🇬🇧 English", "lg", "en")})
		return nil
	}
	return h.setLang(ctx, c, arg)
}

func (h *Bloc) setLang(ctx context.Context, c *bot.Context, lang string) error {
	switch lang {
	case "vi", "vn", "tieng viet", "tiếng việt", "vietnamese":
		lang = domain.LangVI
	case "en", "english", "tieng anh", "tiếng anh":
		lang = domain.LangEN
	default:
		c.Reply(c.T("lang.bad"))
		return nil
	}
	if err := h.store.SetLang(ctx, c.Update.ChatID, op(c), lang); err != nil {
		return err
	}
	c.SetLang(lang)
	c.Reply(c.T("lang.set"))
	return nil
}

func (h *Bloc) langPick(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if err := h.setLang(ctx, c, c.Args[0]); err != nil {
		return err
	}
	c.Answer(ctx, c.T("lang.set"), false)
	return nil
}

func (h *Bloc) timezone(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	arg := strings.TrimSpace(c.Update.Args)
	if arg == "" {
		c.Reply(c.T("tz.current", "tz", b.Location().String()))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if err := h.store.SetTimezone(ctx, c.Update.ChatID, op(c), arg); errors.Is(err, domain.ErrInvalidArgs) {
		c.Reply(c.T("tz.bad"))
		return nil
	} else if err != nil {
		return err
	}
	c.Reply(c.T("tz.set", "tz", arg))
	return nil
}

func (h *Bloc) history(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	n := 10
	arg := strings.TrimSpace(c.Update.Args)
	if arg == "verify" || arg == "kiemtra" {
		count, _, err := h.store.VerifyAudit(ctx, c.Update.ChatID)
		var broken *store.AuditBreak
		switch {
		case errors.As(err, &broken) && broken.Head:
			c.Reply(c.T("history.broken_head", "n", broken.Entry))
			return nil
		case errors.As(err, &broken):
			c.Reply(c.T("history.broken", "n", broken.Entry))
			return nil
		case err != nil: // Redis's, not the chain's: the runtime answers it as such
			return err
		}
		c.Reply(c.T("history.verified", "n", count))
		return nil
	}
	if v, err := strconv.Atoi(arg); err == nil && v > 0 {
		n = min(v, 50)
	}
	entries, err := h.store.RecentAudit(ctx, c.Update.ChatID, n)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		c.Reply(c.T("history.empty"))
		return nil
	}
	var s strings.Builder
	s.WriteString(c.T("history.title", "head", shortHash(entries[0].Hash)))
	loc := b.Location()
	for _, e := range entries {
		who := "—"
		if p, ok := b.People[e.Actor]; ok {
			who = personName(p)
		} else if e.Actor != 0 {
			who = strconv.FormatInt(e.Actor, 10)
		}
		fmt.Fprintf(&s, "\n<code>%s</code> %s · %s · %s", entryHash(e.Hash), e.At.In(loc).Format("02/01/2006 15:04"),
			auditText(c, b, e), who)
	}
	c.Reply(s.String())
	return nil
}

// shortHash is the chain's head as /history shows it: its first 10 hex digits.
func shortHash(h string) string { return hashPrefix(h, 10) }

// entryHash is an entry's hash as /history shows it: the 8 hex digits an entry keeps of it.
func entryHash(h string) string { return hashPrefix(h, 8) }

func hashPrefix(h string, n int) string {
	if len(h) > n {
		return h[:n]
	}
	return h
}

// auditText describes an audit entry in a line, with names from the bloc.
func auditText(c *bot.Context, b *domain.Bloc, e store.AuditEntry) string {
	unit := func(k string) string {
		if v, ok := e.Data[k]; ok {
			id, _ := strconv.Atoi(fmt.Sprint(v))
			if n, _, ok := b.NameOf(id); ok {
				return html.EscapeString(n)
			}
		}
		return ""
	}
	person := func(k string) string {
		if v, ok := e.Data[k]; ok {
			id, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
			if p, ok := b.People[id]; ok {
				return personName(p)
			}
			return html.EscapeString(fmt.Sprint(v))
		}
		return ""
	}
	key := "audit." + e.Kind
	if !i18n.Has(key) {
		return html.EscapeString(e.Kind)
	}
	args := []any{"unit", raw(unit("unit")), "person", raw(person("person")), "from", raw(unit("from")), "candidate", raw(unit("candidate"))}
	for k, v := range e.Data {
		switch k {
		case "unit", "person", "from", "candidate":
		default:
			args = append(args, k, fmt.Sprint(v))
		}
	}
	return c.T(key, args...)
}

// sortedUnits returns units sorted by name (for buttons).
func sortedUnits(us []domain.Unit) []domain.Unit {
	out := append([]domain.Unit(nil), us...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

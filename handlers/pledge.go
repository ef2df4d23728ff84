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
	"time"
	"unicode"
	"unicode/utf8"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/export"
	"thiduabot/i18n"
	"thiduabot/store"
)

// PledgeStore is what the pledge handlers need from the store.
type PledgeStore interface {
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
	LoadPledges(ctx context.Context, chatID int64) (*store.Pledges, error)
	LoadBlocAndPledges(ctx context.Context, chatID int64) (*domain.Bloc, *store.Pledges, error)
	PostPledge(ctx context.Context, chatID int64, op store.Op, year int, by domain.Person, p domain.Pledge) (store.PostResult, error)
	AmendPledge(ctx context.Context, chatID int64, op store.Op, by domain.Person, p domain.Pledge) (store.AmendResult, error)
	SignPledge(ctx context.Context, chatID int64, op store.Op, signer domain.Person, seq int) (store.SignResult, error)
	SetPledgeMessage(ctx context.Context, chatID int64, seq, messageID int) (int, error)
	SetPledgeDeadline(ctx context.Context, chatID int64, op store.Op, at time.Time) (int, time.Time, error)
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
}

// Pledge handles the emulation pledge: /pledge (/giaouoc) with new, amend, history and
// deadline, /sign (/kyket) and the Sign button. It is also the "Pledge" sheet of the /export
// workbook (an export.SheetSource).
type Pledge struct {
	store PledgeStore
	log   *slog.Logger
	// OnDeadline, when set, is told each time a manager sets (or, with a zero time, removes) the
	// sign-by time of a year's pledge, e.g. to schedule reminders of the units that have not
	// signed (store.PledgeStatus says which).
	OnDeadline func(ctx context.Context, chatID int64, year int, at time.Time) error
}

// NewPledge returns the pledge handlers.
func NewPledge(s PledgeStore, log *slog.Logger) *Pledge {
	if log == nil {
		log = slog.Default()
	}
	return &Pledge{store: s, log: log}
}

// Button kind of the Sign button: its one argument is the version's seq.
const pledgeSignKind = "gu"

// Register adds the handlers to a router.
func (h *Pledge) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"pledge", "giaouoc"}, MenuKey: "cmd.pledge", Group: true, Private: true}, h.pledge)
	r.Command(bot.CommandInfo{Names: []string{"sign", "kyket"}, MenuKey: "cmd.sign", Group: true}, h.sign)
	r.Callback(pledgeSignKind, h.signButton)
	r.SelfDeduped(pledgeSignKind) // one script per signature; a replay answers and redraws
	r.Prompt("pledge.new", managerReply(h.post))
	r.Prompt("pledge.amend", managerReply(h.amend))
	r.Prompt("pledge.deadline", managerReply(h.setDeadline))
}

// pledgeSplitSub cuts the first word (a subcommand) off the arguments; the rest keeps its lines.
func pledgeSplitSub(args string) (string, string) {
	args = strings.TrimLeftFunc(args, unicode.IsSpace)
	i := strings.IndexFunc(args, unicode.IsSpace)
	if i < 0 {
		return args, ""
	}
	return args[:i], strings.TrimLeft(args[i:], " \t")
}

func (h *Pledge) pledge(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	sub, rest := pledgeSplitSub(c.Update.Args)
	if c.Update.IsPrivate() {
		// In a member's private chat: the pledge and its history, to read; it is posted,
		// amended and signed in the group.
		switch domain.Fold(sub) {
		case "":
			return h.show(ctx, c, b)
		case "history", "lichsu":
			return h.history(ctx, c, b, rest)
		}
		c.Reply(c.T("err.group_only"))
		return nil
	}
	switch domain.Fold(sub) {
	case "":
		return h.show(ctx, c, b)
	case "new", "moi", "tao", "dang", "post":
		return h.newCmd(ctx, c, b, rest)
	case "amend", "sua", "suadoi", "edit":
		return h.amendCmd(ctx, c, b, rest)
	case "history", "lichsu":
		return h.history(ctx, c, b, rest)
	case "deadline", "han", "hanky", "hanchot":
		return h.deadline(ctx, c, b, rest)
	case "sign", "ky", "kyket":
		return h.sign(ctx, c)
	default:
		c.Reply(c.T("pledge.usage"))
		return nil
	}
}

// show: /pledge — the current pledge, who has and has not signed, and the Sign button.
func (h *Pledge) show(ctx context.Context, c *bot.Context, b *domain.Bloc) error {
	ps, err := h.store.LoadPledges(ctx, b.ChatID)
	if err != nil {
		return err
	}
	v := ps.Current()
	if v == nil {
		c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
		return nil
	}
	text, buttons := h.render(c, b, ps, v)
	if c.Update.IsPrivate() {
		buttons = nil // its Sign button acts in the group
	}
	c.Reply(text, buttons...)
	return nil
}

// pledgeText is the text of /pledge new or amend: the command's own lines, or the message it
// replies to (a person's, not the bot's). A title on the command line with a reply takes the
// reply's lines as the commitments.
func pledgeText(c *bot.Context, rest string) string {
	r := c.Update.ReplyTo
	if r == nil || r.FromBot || strings.TrimSpace(r.Text) == "" {
		return rest
	}
	own := strings.TrimSpace(rest)
	switch {
	case own == "":
		return r.Text
	case !strings.Contains(own, "\n"):
		return own + "\n" + r.Text
	}
	return rest
}

func (h *Pledge) newCmd(ctx context.Context, c *bot.Context, b *domain.Bloc, rest string) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	text := pledgeText(c, rest)
	if strings.TrimSpace(text) == "" {
		c.Ask(ctx, "pledge.new", "", c.T("pledge.ask_new", "year", b.Year(c.Now())), c.T("pledge.ask_placeholder"))
		return nil
	}
	return h.post(ctx, c, b, text)
}

// parseError tells the manager what is wrong with a pledge's text.
func (h *Pledge) parseError(c *bot.Context, b *domain.Bloc, text string, err error) {
	switch {
	case errors.Is(err, domain.ErrPledgeTooLong):
		c.Reply(c.T("pledge.err_too_long", "len", utf8.RuneCountInString(text), "max", domain.MaxPledgeText))
	case errors.Is(err, domain.ErrPledgeTitleTooLong):
		c.Reply(c.T("pledge.err_title_long", "max", domain.MaxPledgeTitle))
	case errors.Is(err, domain.ErrPledgeTooManyItems):
		c.Reply(c.T("pledge.err_too_many", "max", domain.MaxPledgeCommitments))
	case errors.Is(err, domain.ErrPledgeNoItems):
		title, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		c.Reply(c.T("pledge.err_no_items", "title", shortLabel(strings.TrimSpace(title), 80)))
	default:
		c.Reply(c.T("pledge.err_empty", "year", b.Year(c.Now())))
	}
}

func (h *Pledge) post(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error {
	p, err := domain.ParsePledge(text)
	if err == nil && !pledgeFits(p) {
		err = domain.ErrPledgeTooLong
	}
	if err != nil {
		h.parseError(c, b, text, err)
		return nil
	}
	res, err := h.store.PostPledge(ctx, b.ChatID, op(c), b.Year(c.Now()), c.Update.From, p)
	var exists store.ErrPledgeExistsSeq
	switch {
	case errors.As(err, &exists):
		ps, err := h.store.LoadPledges(ctx, b.ChatID)
		if err != nil {
			return err
		}
		v := ps.Versions[exists.Seq]
		if v == nil {
			return fmt.Errorf("pledge %d missing", exists.Seq)
		}
		c.Reply(c.T("pledge.exists", "year", v.Year, "version", v.Hash, "n", pledgeSignedCount(b, v), "total", len(b.Units)))
		return nil
	case errors.Is(err, domain.ErrNotEnoughUnits):
		c.Reply(c.T("pledge.no_units"))
		return nil
	case err != nil:
		return err
	}
	ps, err := h.store.LoadPledges(ctx, b.ChatID)
	if err != nil {
		return err
	}
	v := ps.Versions[res.Seq]
	if v == nil {
		return fmt.Errorf("pledge %d missing after posting", res.Seq)
	}
	if res.Dup && v.MessageID != 0 {
		return nil // a retried update: the pledge was posted and shown already
	}
	h.sendVersion(ctx, c, b, ps, v)
	return nil
}

// sendVersion posts a version with its Sign button and records the message's id; signatures
// that came in before the id was known are shown by an edit then.
func (h *Pledge) sendVersion(ctx context.Context, c *bot.Context, b *domain.Bloc, ps *store.Pledges, v *store.PledgeVersion) {
	text, buttons := h.render(c, b, ps, v)
	chatID, seq := b.ChatID, v.Seq
	c.ReplyThen(text, buttons, func(msgID int) {
		go func() {
			ctx := context.WithoutCancel(ctx)
			n, err := h.store.SetPledgeMessage(ctx, chatID, seq, msgID)
			if err != nil {
				h.log.Warn("pledge: saving the message id failed", "chat", chatID, "seq", seq, "err", err)
				return
			}
			if n > 0 {
				h.refresh(c, chatID, seq, msgID, 0)
			}
		}()
	})
}

func (h *Pledge) amendCmd(ctx context.Context, c *bot.Context, b *domain.Bloc, rest string) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	text := pledgeText(c, rest)
	if strings.TrimSpace(text) == "" {
		ps, err := h.store.LoadPledges(ctx, b.ChatID)
		if err != nil {
			return err
		}
		v := ps.Current()
		if v == nil {
			c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
			return nil
		}
		c.Ask(ctx, "pledge.amend", "", c.T("pledge.ask_amend", "text", v.Pledge.Text()), c.T("pledge.ask_placeholder"))
		return nil
	}
	return h.amend(ctx, c, b, text)
}

func (h *Pledge) amend(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error {
	p, err := domain.ParsePledge(text)
	if err == nil && !pledgeFits(p) {
		err = domain.ErrPledgeTooLong
	}
	if err != nil {
		h.parseError(c, b, text, err)
		return nil
	}
	res, err := h.store.AmendPledge(ctx, b.ChatID, op(c), c.Update.From, p)
	switch {
	case errors.Is(err, domain.ErrPledgeNone):
		c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
		return nil
	case errors.Is(err, domain.ErrPledgeUnchanged):
		c.Reply(c.T("pledge.unchanged", "version", p.Version()))
		return nil
	case err != nil:
		return err
	}
	ps, err := h.store.LoadPledges(ctx, b.ChatID)
	if err != nil {
		return err
	}
	old, v := ps.Versions[res.OldSeq], ps.Versions[res.Seq]
	if old == nil || v == nil {
		return fmt.Errorf("pledge versions %d, %d missing after amending", res.OldSeq, res.Seq)
	}
	if res.Dup && v.MessageID != 0 {
		return nil
	}
	c.Reply(c.T("pledge.amended", "old", old.Hash, "version", v.Hash,
		"changes", raw(h.renderDiff(c, domain.DiffPledge(old.Pledge, v.Pledge))), "n", pledgeSignedCount(b, old)))
	h.sendVersion(ctx, c, b, ps, v)
	if old.MessageID != 0 {
		text, _ := h.render(c, b, ps, old)
		c.Edit(old.MessageID, text, nil)
	}
	return nil
}

func (h *Pledge) renderDiff(c *bot.Context, d domain.PledgeDiff) string {
	var lines []string
	if d.TitleChanged {
		lines = append(lines, c.T("pledge.change_title", "old", d.OldTitle, "new", d.NewTitle))
	}
	cs := d.Changes
	for i := 0; i < len(cs); i++ {
		ch := cs[i]
		// One line removed and one added in its place read as a changed commitment.
		if ch.Op == '-' && i+1 < len(cs) && cs[i+1].Op == '+' && cs[i+1].Pos == ch.Pos && (i == 0 || cs[i-1].Op != '-') {
			lines = append(lines, c.T("pledge.change_edited", "pos", ch.Pos, "old", ch.Text, "text", cs[i+1].Text))
			i++
			continue
		}
		key := "pledge.change_added"
		if ch.Op == '-' {
			key = "pledge.change_removed"
		}
		lines = append(lines, c.T(key, "pos", ch.Pos, "text", ch.Text))
	}
	return strings.Join(lines, "\n")
}

// sign: /sign — signs the current version for the sender's unit.
func (h *Pledge) sign(ctx context.Context, c *bot.Context) error {
	if c.Update.IsPrivate() {
		c.Reply(c.T("err.group_only"))
		return nil
	}
	if c.Update.SenderChat != 0 {
		c.Reply(c.T("err.channel"))
		return nil
	}
	res, err := h.store.SignPledge(ctx, c.Update.ChatID, op(c), c.Update.From, 0)
	return h.signed(ctx, c, res, err)
}

// signButton: the ✍️ Sign button of one version. The store checks everything in one round
// trip (member, current version, not yet signed) and returns what the answer needs.
func (h *Pledge) signButton(ctx context.Context, c *bot.Context) error {
	seq := 0
	if len(c.Args) == 1 {
		seq, _ = strconv.Atoi(c.Args[0])
	}
	if seq <= 0 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	res, err := h.store.SignPledge(ctx, c.Update.ChatID, op(c), c.Update.From, seq)
	return h.signed(ctx, c, res, err)
}

// pledgeSay answers a button with a plain-text notice, or replies to a command.
func pledgeSay(ctx context.Context, c *bot.Context, text string, alert bool) {
	if c.Update.Callback != nil {
		c.Answer(ctx, text, alert)
		return
	}
	c.Reply(text)
}

func (h *Pledge) signed(ctx context.Context, c *bot.Context, res store.SignResult, err error) error {
	if domain.ValidLang(res.Lang) {
		c.SetLang(res.Lang)
	}
	loc := (&domain.Bloc{Timezone: res.TZ}).Location()
	switch {
	case errors.Is(err, domain.ErrNoBloc):
		if c.Update.Callback != nil {
			pledgeSay(ctx, c, c.T("err.bad_button"), true)
		} else {
			c.Reply(c.T("err.no_bloc"))
		}
		return nil
	case errors.Is(err, domain.ErrNotLinked):
		pledgeSay(ctx, c, c.T("err.not_member"), true)
		return nil
	case errors.Is(err, domain.ErrPledgeNone):
		pledgeSay(ctx, c, c.T("pledge.none_answer"), true)
		return nil
	case errors.Is(err, domain.ErrPledgeOldVersion):
		pledgeSay(ctx, c, c.T("pledge.stale_answer", "old", res.OldHash, "version", res.Hash), true)
		return nil
	case errors.Is(err, domain.ErrPledgeSigned):
		a := res.Already
		pledgeSay(ctx, c, c.T("pledge.already_answer", "unit", res.UnitName, "version", res.Hash,
			"person", raw(personName(a.Person)), "at", a.At.In(loc).Format(pledgeTimeLayout)), true)
		return nil
	case err != nil:
		return err
	}
	if c.Update.Callback != nil {
		c.Answer(ctx, c.T("pledge.signed_answer", "unit", res.UnitName, "version", res.Hash,
			"n", res.Signed, "total", res.Units), false)
	} else {
		c.Reply(c.T("pledge.signed", "unit", res.UnitName, "version", res.Hash, "person", raw(mention(c.Update.From)),
			"at", c.Now().In(loc).Format(pledgeTimeLayout), "n", res.Signed, "total", res.Units))
	}
	// Only the run of the script that completed the pledge announces it (not a replay).
	if res.Completed && !res.Dup {
		c.Send(bot.Outgoing{ChatID: c.Update.ChatID, ReplyTo: res.MessageID,
			Text: c.T("pledge.in_force", "year", res.Year, "n", res.Units, "version", res.Hash, "unit", res.UnitName)})
	}
	pressed := 0
	if c.Update.Callback != nil {
		pressed = c.Update.Callback.MessageID
	}
	h.refresh(c, c.Update.ChatID, res.Seq, res.MessageID, pressed)
	return nil
}

// RedrawCurrent redraws the current pledge's message of a chat, after a change it shows that
// did not come through the pledge (a unit renamed or removed: Bloc.OnUnitsChanged).
func (h *Pledge) RedrawCurrent(ctx context.Context, c *bot.Context, chatID int64) {
	ps, err := h.store.LoadPledges(ctx, chatID)
	if err != nil {
		h.log.Warn("pledge: redraw after a unit change", "chat", chatID, "err", err)
		return
	}
	if v := ps.Current(); v != nil && v.MessageID != 0 {
		h.refresh(c, chatID, ps.CurrentSeq, v.MessageID, 0)
	}
}

// refresh re-renders a version's posted message msgID (and the message whose button was
// pressed, when that is another one, e.g. a /pledge reply). The edits are debounced by the
// sender and rendered from the store when they go out, so they show the newest signatures and
// a burst of signatures costs one load per edit sent, not one per signature.
func (h *Pledge) refresh(c *bot.Context, chatID int64, seq, msgID, pressed int) {
	render := func() (string, [][]bot.Button, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b, ps, err := h.store.LoadBlocAndPledges(ctx, chatID)
		if err != nil {
			h.log.Warn("pledge: refresh failed", "chat", chatID, "err", err)
			return "", nil, false
		}
		v := ps.Versions[seq]
		if v == nil {
			return "", nil, false
		}
		text, buttons := h.render(c, b, ps, v)
		return text, buttons, true
	}
	for _, id := range uniqueMsgs(msgID, pressed) {
		c.EditFunc(id, render)
	}
}

const pledgeTimeLayout = "15:04 02/01/2006"

// pledgeSignedCount is how many of the bloc's units signed a version.
func pledgeSignedCount(b *domain.Bloc, v *store.PledgeVersion) int {
	n := 0
	for _, u := range b.Units {
		if _, ok := v.Signatures[u.ID]; ok {
			n++
		}
	}
	return n
}

// pledgeFits reports whether a pledge leaves room in its message for the signatures, once
// its text is escaped for HTML (an '&' takes five characters there).
func pledgeFits(p domain.Pledge) bool {
	n := utf8.RuneCountInString(html.EscapeString(p.Title)) + 400
	for _, item := range p.Commitments {
		n += utf8.RuneCountInString(html.EscapeString(item)) + 5
	}
	return n <= pledgeMaxText-300
}

// pledgeMaxText keeps a pledge message, which is edited as units sign, within one Telegram
// message (an edit cannot be split).
const pledgeMaxText = bot.MaxMessageLength - 200

// render shows a version: title, commitments, who has and has not signed, the sign-by date,
// and the Sign button while it is current and some unit has not signed.
func (h *Pledge) render(c *bot.Context, b *domain.Bloc, ps *store.Pledges, v *store.PledgeVersion) (string, [][]bot.Button) {
	loc := b.Location()
	cur := ps.Current()
	var head strings.Builder
	head.WriteString(c.T("pledge.header", "title", v.Pledge.Title, "bloc", b.Name, "year", v.Year, "version", v.Hash))
	if cur != nil && cur.Seq != v.Seq && cur.Year == v.Year {
		head.WriteString("\n" + c.T("pledge.superseded", "version", cur.Hash))
	}
	head.WriteString("\n")
	for i, item := range v.Pledge.Commitments {
		fmt.Fprintf(&head, "\n%d. %s", i+1, html.EscapeString(item))
	}
	var signedNames, unsignedNames, full []string
	n := 0
	for _, u := range b.Units {
		if s, ok := v.Signatures[u.ID]; ok {
			n++
			signedNames = append(signedNames, html.EscapeString(u.Name))
			full = append(full, c.T("pledge.line_signed", "unit", u.Name, "person", raw(personName(s.Person)),
				"at", s.At.In(loc).Format(pledgeTimeLayout)))
		} else {
			unsignedNames = append(unsignedNames, html.EscapeString(u.Name))
			full = append(full, c.T("pledge.line_unsigned", "unit", u.Name))
		}
	}
	var tail []string
	current := cur != nil && cur.Seq == v.Seq
	if d, ok := ps.Deadlines[v.Year]; ok && current && v.InForce.IsZero() {
		tail = append(tail, c.T("pledge.deadline_line", "at", d.In(loc).Format(pledgeTimeLayout)))
	}
	switch {
	case !v.InForce.IsZero():
		tail = append(tail, c.T("pledge.in_force_line", "at", v.InForce.In(loc).Format(pledgeTimeLayout)))
	case current:
		tail = append(tail, c.T("pledge.sign_hint"))
	}
	count := c.T("pledge.count", "n", n, "total", len(b.Units))
	compact := []string{}
	if len(signedNames) > 0 {
		compact = append(compact, c.T("pledge.list_signed", "list", raw(strings.Join(signedNames, "; "))))
	}
	if len(unsignedNames) > 0 {
		compact = append(compact, c.T("pledge.list_unsigned", "list", raw(strings.Join(unsignedNames, "; "))))
	}
	// The fullest form that fits: a line per unit, then names only, then the count only.
	var text string
	for _, units := range [][]string{full, compact, {c.T("pledge.more_details")}} {
		parts := append([]string{head.String(), count + "\n" + strings.Join(units, "\n")}, tail...)
		text = strings.Join(parts, "\n\n")
		if utf8.RuneCountInString(text) <= pledgeMaxText {
			break
		}
	}
	var buttons [][]bot.Button
	if current && len(unsignedNames) > 0 {
		buttons = [][]bot.Button{{c.Button(c.T("pledge.button_sign"), pledgeSignKind, strconv.Itoa(v.Seq))}}
	}
	return text, buttons
}

// deadline: /pledge deadline <dd/mm[/yyyy]> [HH:MM] sets the sign-by date; "off" removes it.
func (h *Pledge) deadline(ctx context.Context, c *bot.Context, b *domain.Bloc, arg string) error {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		ps, err := h.store.LoadPledges(ctx, b.ChatID)
		if err != nil {
			return err
		}
		v := ps.Current()
		if v == nil {
			c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
			return nil
		}
		msg := c.T("pledge.deadline_none")
		if d, ok := ps.Deadlines[v.Year]; ok {
			msg = c.T("pledge.deadline_current", "at", d.In(b.Location()).Format(pledgeTimeLayout))
		}
		c.Reply(msg)
		if ok, err := c.IsManager(ctx); err != nil || !ok {
			return err
		}
		c.Ask(ctx, "pledge.deadline", "", c.T("pledge.deadline_ask", "example", h.example(c, b)), c.T("pledge.deadline_placeholder"))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	return h.setDeadline(ctx, c, b, arg)
}

// example is a sign-by date two weeks ahead, as people would type it.
func (h *Pledge) example(c *bot.Context, b *domain.Bloc) string {
	return c.Now().In(b.Location()).AddDate(0, 0, 14).Format("02/01")
}

func (h *Pledge) setDeadline(ctx context.Context, c *bot.Context, b *domain.Bloc, arg string) error {
	arg = strings.TrimSpace(arg)
	loc := b.Location()
	var at time.Time
	switch domain.Fold(arg) {
	case "off", "none", "clear", "xoa", "bo", "huy", "khong":
	default:
		if tooLong(c, arg, 100) {
			return nil
		}
		var err error
		at, err = domain.ParsePledgeDeadline(arg, c.Now(), loc)
		if err != nil {
			ex := h.example(c, b)
			switch {
			case errors.Is(err, domain.ErrPledgeDeadlinePast):
				c.Reply(c.T("pledge.deadline_past", "at", strings.Join(strings.Fields(arg), " "), "example", ex))
			case errors.Is(err, domain.ErrPledgeDeadlineRange):
				c.Reply(c.T("pledge.deadline_far", "at", arg, "example", ex))
			default:
				c.Reply(c.T("pledge.deadline_bad", "text", arg, "example", ex))
			}
			return nil
		}
	}
	year, _, err := h.store.SetPledgeDeadline(ctx, b.ChatID, op(c), at)
	if errors.Is(err, domain.ErrPledgeNone) {
		c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
		return nil
	}
	if err != nil {
		return err
	}
	ps, err := h.store.LoadPledges(ctx, b.ChatID)
	if err != nil {
		return err
	}
	v := ps.Current()
	if at.IsZero() {
		c.Reply(c.T("pledge.deadline_cleared", "year", year))
	} else {
		c.Reply(c.T("pledge.deadline_set", "year", year, "at", at.In(loc).Format(pledgeTimeLayout),
			"n", len(b.Units)-pledgeSignedCount(b, v)))
	}
	if h.OnDeadline != nil {
		if err := h.OnDeadline(ctx, b.ChatID, year, at); err != nil {
			h.log.Error("pledge: deadline hook failed", "chat", b.ChatID, "year", year, "err", err)
		}
	}
	if v != nil && v.MessageID != 0 {
		text, buttons := h.render(c, b, ps, v)
		c.Edit(v.MessageID, text, buttons)
	}
	return nil
}

// history: /pledge history [year] — every version of the year's pledge and its signatures.
func (h *Pledge) history(ctx context.Context, c *bot.Context, b *domain.Bloc, arg string) error {
	ps, err := h.store.LoadPledges(ctx, b.ChatID)
	if err != nil {
		return err
	}
	cur := ps.Current()
	if cur == nil {
		c.Reply(c.T("pledge.none", "year", b.Year(c.Now())))
		return nil
	}
	year := cur.Year
	if y, err := strconv.Atoi(strings.TrimSpace(arg)); err == nil {
		year = y
	}
	versions := ps.OfYear(year)
	if len(versions) == 0 {
		c.Reply(c.T("pledge.history_no_year", "year", year))
		return nil
	}
	loc := b.Location()
	latest := ps.ForYear(year)
	var s strings.Builder
	s.WriteString(c.T("pledge.history_title", "year", year, "n", len(versions)))
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		state := c.T("pledge.history_replaced")
		if v == latest {
			state = c.T("pledge.history_current")
		}
		s.WriteString("\n\n" + c.T("pledge.history_version", "i", i+1, "version", v.Hash, "state", raw(state),
			"at", v.At.In(loc).Format(pledgeTimeLayout), "person", raw(personName(v.By)), "title", v.Pledge.Title,
			"items", len(v.Pledge.Commitments)))
		if i > 0 {
			if d := h.renderDiff(c, domain.DiffPledge(versions[i-1].Pledge, v.Pledge)); d != "" {
				s.WriteString("\n" + c.T("pledge.history_diff_head") + "\n" + d)
			}
		}
		sigs := v.Signed()
		if len(sigs) == 0 {
			s.WriteString("\n" + c.T("pledge.history_no_sig"))
			continue
		}
		s.WriteString("\n" + c.T("pledge.history_signed", "n", len(sigs), "total", len(b.Units)))
		for _, sg := range sigs {
			name := strconv.Itoa(sg.Unit)
			if n, _, ok := b.NameOf(sg.Unit); ok {
				name = n
			}
			s.WriteString("\n" + c.T("pledge.history_sig", "unit", name, "person", raw(personName(sg.Person)),
				"at", sg.At.In(loc).Format(pledgeTimeLayout)))
		}
		if !v.InForce.IsZero() {
			s.WriteString("\n" + c.T("pledge.history_in_force", "at", v.InForce.In(loc).Format(pledgeTimeLayout)))
		}
	}
	if years := ps.Years(); len(years) > 1 {
		list := make([]string, len(years))
		other := 0
		for i, y := range years {
			list[i] = strconv.Itoa(y)
			if y != year && other == 0 {
				other = y
			}
		}
		s.WriteString("\n\n" + c.T("pledge.history_years", "list", strings.Join(list, ", "), "year", other))
	}
	c.Reply(s.String())
	return nil
}

// Sheets is the "Giao ước" / "Pledge" sheet of the /export workbook: the year's pledge (its
// latest version) with each unit's signature, or "not signed". A year without a pledge adds
// no sheet.
func (h *Pledge) Sheets(ctx context.Context, r export.Request) ([]export.Sheet, error) {
	b, err := h.store.LoadBloc(ctx, r.ChatID)
	if err != nil {
		return nil, err
	}
	ps, err := h.store.LoadPledges(ctx, r.ChatID)
	if err != nil {
		return nil, err
	}
	v := ps.ForYear(r.Year)
	if v == nil {
		return nil, nil
	}
	lang := r.Lang
	if !domain.ValidLang(lang) {
		lang = b.Lang
	}
	loc := r.Loc
	if loc == nil {
		loc = b.Location()
	}
	t := func(key string, args ...any) string { return html.UnescapeString(i18n.T(lang, key, args...)) }
	const layout = "02/01/2006 15:04"
	at := func(tm time.Time) string {
		if tm.IsZero() {
			return ""
		}
		return tm.In(loc).Format(layout)
	}
	poster := html.UnescapeString(personName(v.By))
	rows := [][]any{
		{t("pledge.sheet_title"), v.Pledge.Title, ""},
		{t("pledge.sheet_year"), v.Year, ""},
		{t("pledge.sheet_version"), v.Hash, ""},
		{t("pledge.sheet_posted"), poster, at(v.At)},
	}
	if d, ok := ps.Deadlines[v.Year]; ok {
		rows = append(rows, []any{t("pledge.sheet_deadline"), "", at(d)})
	}
	if !v.InForce.IsZero() {
		rows = append(rows, []any{t("pledge.sheet_in_force"), "", at(v.InForce)})
	}
	for i, item := range v.Pledge.Commitments {
		rows = append(rows, []any{t("pledge.sheet_commitment", "n", i+1), item, ""})
	}
	rows = append(rows, []any{}, []any{t("pledge.sheet_unit"), t("pledge.sheet_person"), t("pledge.sheet_signed_at")})
	for _, u := range b.Units {
		if s, ok := v.Signatures[u.ID]; ok {
			rows = append(rows, []any{u.Name, html.UnescapeString(personName(s.Person)), at(s.At)})
		} else {
			rows = append(rows, []any{u.Name, t("pledge.sheet_not_signed"), ""})
		}
	}
	// Signatures of units removed since keep their row, under the unit's name.
	var gone []int
	for id := range v.Signatures {
		if _, ok := b.Unit(id); !ok {
			gone = append(gone, id)
		}
	}
	sort.Ints(gone)
	for _, id := range gone {
		s := v.Signatures[id]
		rows = append(rows, []any{t("pledge.sheet_removed_unit", "unit", b.UnitLabel(id)), html.UnescapeString(personName(s.Person)), at(s.At)})
	}
	return []export.Sheet{{
		Name:    t("pledge.sheet"),
		Headers: []string{t("pledge.sheet_item"), t("pledge.sheet_value"), t("pledge.sheet_time")},
		Rows:    rows,
		Widths:  []float64{45, 90, 20},
	}}, nil
}

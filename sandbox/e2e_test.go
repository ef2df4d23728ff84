package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"thiduabot/internal/tayninh"
)

// chromiumPath finds Debian's chromium. The browser test fails without it: ./scripts/test.sh
// installs it (SKIP_BROWSER=1 skips that install, and then this test fails).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install it with `apt-get install -y chromium` (./scripts/test.sh does this)")
	return ""
}

// browser is a headless Chromium tab on the sandbox page.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it gets no timeout of its own (that would stop it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// do runs steps, failing the test after a generous deadline.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*Wait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.transcript())
	}
}

// eval runs a JavaScript expression on the page (awaiting it when it is a promise) and decodes
// its value into out.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Wait)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %.80q: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("evaluating %.80q: %v (%s)", expr, err, raw)
		}
	}
}

// until waits for a JavaScript condition to hold on the page, re-checking it at each frame.
func (b *browser) until(what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*Wait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(Wait))); err != nil {
		b.t.Fatalf("waiting for %s: %v\n%s", what, err, b.transcript())
	}
}

// transcript is what the open chat shows, for failure messages.
func (b *browser) transcript() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#messages .msg')].slice(-8)
		.map(m => '[' + m.dataset.id + '] ' + m.textContent.replace(/\s+/g, ' ').slice(0, 300)).join('\n')`))
	if err != nil {
		return "(no transcript: " + err.Error() + ")"
	}
	return "--- the page shows ---\n" + s
}

// as switches the person the page acts as, through the selector.
func (b *browser) as(userID int64, name string) {
	b.t.Helper()
	b.do("choosing "+name,
		chromedp.SetValue(chromedp.ID("who"), fmt.Sprint(userID)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('who').dispatchEvent(new Event('change', {bubbles: true}))`),
	)
	b.until("the page to act as "+name, fmt.Sprintf(`document.getElementById('chat-sub').textContent.includes(%q)`, name))
}

// lastID is the id of the newest message the open chat shows.
func (b *browser) lastID() int {
	b.t.Helper()
	var id int
	b.eval(`Math.max(0, ...[...document.querySelectorAll('#messages .msg')].map(m => Number(m.dataset.id)))`, &id)
	return id
}

// say types text into the composer and presses Enter.
func (b *browser) say(text string) {
	b.t.Helper()
	b.do("typing "+text,
		chromedp.Click(chromedp.ID("input")),
		chromedp.SendKeys(chromedp.ID("input"), text),
		chromedp.KeyEvent("\r"),
	)
}

// botAfter waits for a bot message newer than id whose text contains every part, and
// returns its id.
func (b *browser) botAfter(id int, parts ...string) int {
	b.t.Helper()
	js, _ := json.Marshal(append([]string{}, parts...))
	find := fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.from-bot')].find(m => Number(m.dataset.id) > %d &&
		%s.every(p => m.querySelector('.text') && m.querySelector('.text').textContent.includes(p)))`, id, js)
	b.until(fmt.Sprintf("a bot message after %d with %q", id, parts), find)
	var got int
	b.eval(`Number((`+find+`).dataset.id)`, &got)
	return got
}

// clickButton presses an inline button of a message by its text.
func (b *browser) clickButton(chatID int64, msgID int, text string) {
	b.t.Helper()
	b.eval(`(() => { const t = document.getElementById('toast'); t.hidden = true; t.textContent = ''; return true })()`, nil)
	sel := chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll('#m%d_%d .kb-btn')].filter(e => e.textContent === %q)`, chatID, msgID, text))
	b.do(fmt.Sprintf("pressing %q", text), chromedp.Click(sel))
}

// toast waits for the callback answer the page shows and returns it.
func (b *browser) toast(what string) string {
	b.t.Helper()
	b.until(what, `!document.getElementById('toast').hidden && document.getElementById('toast').textContent.length > 0`)
	var s string
	b.eval(`document.getElementById('toast').textContent`, &s)
	return s
}

func (b *browser) text(expr string) string {
	b.t.Helper()
	var s string
	b.eval(expr, &s)
	return s
}

// TestBrowser drives the page in headless Chromium as the bloc's people would: switch person,
// type commands, answer a prompt, press buttons, watch a message change in place, move the
// clock, download the export.
func TestBrowser(t *testing.T) {
	r := startSandbox(t, Options{})
	b := newBrowser(t, 1280, 900)
	units := tayninh.Load().Units
	admin, minh, hoa := r.People[0], r.People[1], r.People[2]
	g := r.Group.ID

	b.do("opening the page", chromedp.Navigate(r.URL))
	b.until("the demo history", `document.querySelectorAll('#who option').length === 8 &&
		document.querySelectorAll('#messages .msg.from-bot').length >= 9`)

	// The bot's formatting is rendered: bold unit names, the person as a mention, commands.
	b.until("bold and mentions", `document.querySelector('#messages .msg.from-bot .text b') &&
		document.querySelector('#messages .msg.from-bot .text .mention') &&
		document.querySelector('#messages .msg .text .command')`)

	// A unit's person asks for the units.
	b.as(minh.User.ID, minh.User.FirstName)
	last := b.lastID()
	b.say("/donvi")
	b.until("my message on the right", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out')].some(m => Number(m.dataset.id) > %d && m.textContent.includes('/donvi'))`, last))
	unitsMsg := b.botAfter(last, "7 đơn vị", units[0], tayninh.People[0])

	// Replying to a message by hand: hover it, press ↩, type.
	var at struct{ X, Y float64 }
	b.eval(fmt.Sprintf(`(() => { const e = document.getElementById('m%d_%d'); e.scrollIntoView({block: 'center'});
		const r = e.getBoundingClientRect(); return {X: r.left + 20, Y: r.top + r.height / 2} })()`, g, unitsMsg), &at)
	b.do("hovering the bot's answer", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at.X, at.Y))
	b.do("pressing reply", chromedp.Click(chromedp.CSS(fmt.Sprintf("#m%d_%d .reply-btn", g, unitsMsg))))
	b.until("the reply bar", `!document.getElementById('reply-bar').hidden && document.getElementById('reply-to-text').textContent.includes('7 đơn vị')`)
	last = b.lastID()
	b.say("Cảm ơn bot")
	b.until("my reply quoting the bot", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out')].some(m =>
		Number(m.dataset.id) > %d && m.querySelector('.quote') && m.querySelector('.quote').textContent.includes('7 đơn vị'))`, last))
	b.until("the reply bar to close", `document.getElementById('reply-bar').hidden`)

	// What people type is shown as text, never as markup.
	last = b.lastID()
	raw := `<b>không đậm</b> <img src=x onerror="window.pwned=1"> & <a href="javascript:alert(1)">x</a>`
	b.say(raw)
	mine := fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out')].find(m => Number(m.dataset.id) > %d)`, last)
	b.until("the typed markup as text", mine)
	if got := b.text(`(` + mine + `).querySelector('.text').textContent`); got != raw {
		t.Errorf("shown as %q, want %q", got, raw)
	}
	var bad []string
	b.eval(`[...(`+mine+`).querySelectorAll('.text *')].filter(e => !['A', 'SPAN'].includes(e.tagName) ||
		(e.tagName === 'A' && !/^https?:/.test(e.href))).map(e => e.outerHTML)
		.concat([...document.querySelectorAll('#messages img, #messages script')].map(e => e.outerHTML))
		.concat(window.pwned ? ['window.pwned'] : [])`, &bad)
	if len(bad) != 0 {
		t.Errorf("typed markup became elements: %q", bad)
	}
	// A command without its text asks with a ForceReply prompt; the composer answers it.
	last = b.lastID()
	b.say("/baocao")
	prompt := b.botAfter(last, "trả lời tin nhắn này")
	b.until("the composer to reply to the prompt", `!document.getElementById('reply-bar').hidden &&
		document.getElementById('reply-bar').classList.contains('prompt')`)
	b.say("Ủng hộ 50 triệu đồng xây nhà tình nghĩa #an_sinh")
	b.until("my answer quoting the prompt", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out')].some(m =>
		Number(m.dataset.id) > %d && m.querySelector('.quote') && m.textContent.includes('nhà tình nghĩa'))`, prompt))
	b.botAfter(prompt, "Đã ghi nhận thành tích", "nhà tình nghĩa")
	b.until("the reply bar to close", `document.getElementById('reply-bar').hidden`)

	// The private chat with the bot.
	b.do("opening the private chat", chromedp.Click(chromedp.CSS(`.chat-item[data-kind="private"]`)))
	b.until("the private chat", `document.getElementById('chat-title').textContent === 'Thi Đua Bot'`)
	last = b.lastID()
	b.say("/start")
	b.botAfter(last)
	b.do("back to the group", chromedp.Click(chromedp.CSS(`.chat-item[data-kind="group"]`)))
	b.until("the group", `document.getElementById('chat-title').textContent === 'Khối thi đua Tây Ninh'`)

	// A file sent from the page shows as a document in the chat.
	evidence := filepath.Join(t.TempDir(), "bien-ban.txt")
	if err := os.WriteFile(evidence, []byte("Biên bản trao nhà tình nghĩa"), 0o644); err != nil {
		t.Fatal(err)
	}
	last = b.lastID()
	b.do("sending a file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{evidence}))
	b.until("the document", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out')].some(m =>
		Number(m.dataset.id) > %d && m.querySelector('a.doc') && m.querySelector('a.doc').getAttribute('download') === 'bien-ban.txt')`, last))

	// The admin opens a chair ballot with a deadline in two hours.
	b.as(admin.User.ID, admin.User.FirstName)
	last = b.lastID()
	b.say("/baucu truong 2h")
	ballot := b.botAfter(last, units[0], units[1])
	b.until("the candidate buttons", fmt.Sprintf(`document.querySelectorAll('#m%d_%d .kb-btn').length >= 2`, g, ballot))
	turnout := func() string {
		return b.text(fmt.Sprintf(`document.querySelector('#m%d_%d .text').textContent`, g, ballot))
	}
	before := turnout()

	// Two units vote; each presser sees the bot's private answer.
	b.as(minh.User.ID, minh.User.FirstName)
	b.clickButton(g, ballot, units[1])
	if a := b.toast("the answer to Minh's vote"); a == "" {
		t.Error("no answer to the first vote")
	}
	b.as(hoa.User.ID, hoa.User.FirstName)
	b.clickButton(g, ballot, units[0])
	b.toast("the answer to Hoa's vote")

	// The ballot message shows the turnout, updated in place (same message, edited).
	b.until("the turnout to reach 2 units", fmt.Sprintf(`(() => { const m = document.getElementById('m%d_%d');
		return m && m.querySelector('.edited') && m.querySelector('.text').textContent.includes('2/%d') })()`, g, ballot, len(units)))
	if after := turnout(); after == before {
		t.Errorf("the ballot message did not change: %q", after)
	}
	if p := os.Getenv("SANDBOX_SCREENSHOT"); p != "" { // the README's picture: docs/sandbox.png
		b.eval(`(() => { document.getElementById('toast').hidden = true; return true })()`, nil)
		b.do("framing the ballot", chromedp.EmulateViewport(1280, 1180),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1270, 1170))
		b.eval(fmt.Sprintf(`(() => { document.getElementById('m%d_%d').scrollIntoView({block: 'end'}); return true })()`, g, ballot), nil)
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The clock moves to the next timers until the ballot's deadline has passed and the result
	// is announced.
	startLabel := b.text(`document.getElementById('clock-now').textContent`)
	last = b.lastID()
	found := false
	for range 8 {
		was := b.text(`document.getElementById('clock-now').textContent`)
		b.eval(`(() => { const t = document.getElementById('toast'); t.hidden = true; t.textContent = ''; return true })()`, nil)
		b.do("advancing the clock", chromedp.Click(chromedp.ID("adv-next")))
		b.toast("the clock to move")
		var now string
		b.eval(`document.getElementById('clock-now').textContent`, &now)
		if now == was {
			break // nothing pending any more
		}
		var ok bool
		b.eval(fmt.Sprintf(`!![...document.querySelectorAll('#messages .msg.from-bot')].find(m => Number(m.dataset.id) > %d && m.textContent.includes('Kết quả'))`, last), &ok)
		if ok {
			found = true
			break
		}
	}
	if !found {
		// The close may still be on its way from the bot.
		b.botAfter(last, "Kết quả")
	}
	if now := b.text(`document.getElementById('clock-now').textContent`); now == startLabel {
		t.Errorf("the clock did not move from %s", startLabel)
	}

	// The admin exports the year; the page offers the workbook as a download.
	b.as(admin.User.ID, admin.User.FirstName)
	last = b.lastID()
	b.say("/xuat")
	b.until("the workbook", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg')].some(m => Number(m.dataset.id) > %d && m.querySelector('a.doc'))`, last))
	var dl struct {
		Status int
		Size   int
		Magic  string
		Name   string
	}
	b.eval(fmt.Sprintf(`(async () => {
		const a = [...document.querySelectorAll('#messages .msg')].filter(m => Number(m.dataset.id) > %d).map(m => m.querySelector('a.doc')).find(Boolean);
		const res = await fetch(a.href);
		const buf = new Uint8Array(await res.arrayBuffer());
		return {Status: res.status, Size: buf.length, Magic: String.fromCharCode(buf[0], buf[1]), Name: a.getAttribute('download')};
	})()`, last), &dl)
	if dl.Status != 200 || dl.Size < 1000 || dl.Magic != "PK" || !strings.HasSuffix(dl.Name, ".xlsx") {
		t.Errorf("download: %+v", dl)
	}
}

// On a phone the page is one column: the chat list, then the open chat.
func TestBrowserPhone(t *testing.T) {
	r := startSandbox(t, Options{})
	b := newBrowser(t, 390, 844)
	b.do("opening the page", chromedp.Navigate(r.URL))
	b.until("the chat list", `document.querySelectorAll('.chat-item').length === 2`)
	var chatShown bool
	b.eval(`getComputedStyle(document.getElementById('chat')).display !== 'none'`, &chatShown)
	if chatShown {
		t.Error("the chat is shown beside the list on a phone")
	}
	b.do("opening the group", chromedp.Click(chromedp.CSS(`.chat-item[data-kind="group"]`)))
	b.until("the open chat", `getComputedStyle(document.getElementById('chat')).display !== 'none' &&
		getComputedStyle(document.getElementById('chats')).display === 'none'`)
	last := b.lastID()
	b.say("/trogiup")
	b.botAfter(last)
}

// The page in English (?lang=en): its labels, notes and menus are English, the button switches
// back to Vietnamese, and the choice is remembered. The bot keeps the bloc's language until
// someone types /lang en.
func TestBrowserInEnglish(t *testing.T) {
	r := startSandbox(t, Options{})
	b := newBrowser(t, 1280, 900)
	admin, minh := r.People[0], r.People[1]
	b.do("opening the page in English", chromedp.Navigate(r.URL+"/?lang=en"))
	b.until("the page in English", `document.documentElement.lang === 'en' &&
		document.querySelector('.who span')?.textContent === 'You are' &&
		document.getElementById('adv-day').textContent === '+1 day' &&
		document.getElementById('lang').textContent === 'VI' &&
		document.getElementById('input').placeholder.startsWith('Message') &&
		document.querySelector('#messages .note')?.textContent.includes('everyone in the group is simulated') &&
		[...document.querySelectorAll('#who option')].some(o => o.textContent.endsWith('— group admin'))`)
	b.do("opening the page without ?lang", chromedp.Navigate(r.URL))
	b.until("the page still in English", `document.querySelectorAll('#who option').length === 8 &&
		document.querySelector('.who span')?.textContent === 'You are'`)
	b.as(minh.User.ID, minh.User.FirstName)
	if got := b.text(`document.getElementById('chat-sub').textContent`); !strings.Contains(got, "members and @") || !strings.Contains(got, "you are "+minh.User.FirstName) {
		t.Errorf("the chat's header: %q", got)
	}

	// The command menu is the bot's English list.
	b.do("opening the command menu", chromedp.Click(chromedp.ID("cmd-button")))
	b.until("the English menu", `!document.getElementById('cmd-menu').hidden &&
		[...document.querySelectorAll('#cmd-menu .cmd-name')].some(e => e.textContent === '/help') &&
		![...document.querySelectorAll('#cmd-menu .cmd-name')].some(e => e.textContent === '/trogiup')`)
	b.do("closing the command menu", chromedp.Click(chromedp.ID("cmd-button")))

	// The server's refusals are in the page's language too (by their code).
	empty := filepath.Join(t.TempDir(), "empty.pdf")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b.eval(`(() => { const t = document.getElementById('toast'); t.hidden = true; t.textContent = ''; return true })()`, nil)
	b.do("sending an empty file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{empty}))
	if got := b.toast("the refusal"); got != "The file is empty." {
		t.Errorf("an empty file: %q", got)
	}

	// The bot speaks the bloc's language until it is switched.
	b.as(admin.User.ID, admin.User.FirstName)
	last := b.lastID()
	b.say("/lang en")
	b.botAfter(last, "English")
	last = b.lastID()
	b.say("/units")
	b.botAfter(last, "7 units")

	// The button switches the page to Vietnamese, and the browser remembers each choice, the
	// address's (?lang=en) as the button's.
	b.do("switching to Vietnamese", chromedp.Click(chromedp.ID("lang")))
	b.until("the page in Vietnamese", `document.documentElement.lang === 'vi' &&
		document.querySelector('.who span')?.textContent === 'Bạn là' &&
		document.getElementById('lang').textContent === 'EN' &&
		document.querySelector('#messages .note')?.textContent.includes('người mô phỏng')`)
	b.do("reloading the page", chromedp.Navigate(r.URL))
	b.until("Vietnamese after the reload, as chosen last", `document.querySelectorAll('#who option').length === 8 &&
		document.querySelector('.who span')?.textContent === 'Bạn là' && document.documentElement.lang === 'vi'`)
	b.do("switching to English", chromedp.Click(chromedp.ID("lang")))
	b.until("the page in English at once", `document.querySelector('.who span')?.textContent === 'You are' &&
		document.getElementById('chat-sub').textContent.includes('you are')`)
	b.do("reloading the page", chromedp.Navigate(r.URL))
	b.until("English again after the reload", `document.querySelectorAll('#who option').length === 8 &&
		document.querySelector('.who span')?.textContent === 'You are'`)
}

// Package bot is the Telegram runtime: it receives updates (its own long-poll loop or a
// webhook), routes them to handlers and sends replies within Telegram's limits. Telegram's
// types stay in this package; handlers see Update and Context.
package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxIdleConns is how many idle connections to the Bot API are kept for reuse.
const maxIdleConns = 256

// API is a thin, context-aware, token-safe client of the Bot API over go-telegram-bot-api.
type API struct {
	token   string
	baseURL string
	timeout time.Duration
	client  *http.Client
}

// NewAPI returns a client for the Bot API at baseURL (e.g. https://api.telegram.org).
func NewAPI(token, baseURL string, timeout time.Duration) *API {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection per request in flight: with the default two idle connections per
	// host, concurrent sends (answers, replies, edits) opened and closed a connection (a TLS
	// handshake, against api.telegram.org) for nearly every request.
	tr.MaxIdleConnsPerHost = maxIdleConns
	tr.MaxIdleConns = maxIdleConns
	return &API{token: token, baseURL: strings.TrimRight(baseURL, "/"), timeout: timeout,
		client: &http.Client{Transport: tr}}
}

// ctxClient gives go-telegram-bot-api's context-less requests a context and a deadline.
type ctxClient struct {
	ctx    context.Context
	client *http.Client
}

func (c ctxClient) Do(r *http.Request) (*http.Response, error) {
	return c.client.Do(r.WithContext(c.ctx))
}

// tg returns a go-telegram-bot-api client bound to ctx.
func (a *API) tg(ctx context.Context) *tgbotapi.BotAPI {
	b := &tgbotapi.BotAPI{Token: a.token, Client: ctxClient{ctx: ctx, client: a.client}, Buffer: 0}
	b.SetAPIEndpoint(a.baseURL + "/bot%s/%s")
	return b
}

// Error is a failed Bot API call, with the token removed from its text.
type Error struct {
	Method     string
	Code       int // Telegram's error_code, or 0 for a transport failure
	Desc       string
	RetryAfter time.Duration
	MigrateTo  int64
	// Applied: Telegram carried the request out and only its answer could not be read, so
	// sending it again would do it twice.
	Applied bool
}

func (e *Error) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("telegram %s: %s", e.Method, e.Desc)
	}
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Desc)
}

// Temporary reports whether trying again later may succeed (429, 5xx, network), and is safe:
// a request Telegram applied is not tried again.
func (e *Error) Temporary() bool {
	return !e.Applied && (e.Code == 0 || e.Code == 429 || e.Code >= 500)
}

// IsNotModified reports an edit that changed nothing (not a failure for us).
func IsNotModified(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.Contains(e.Desc, "message is not modified")
}

func (a *API) redact(s string) string {
	if a.token == "" {
		return s
	}
	s = strings.ReplaceAll(s, a.token, "<token>")
	// The numeric bot id before the colon is not secret, but the secret part alone must go too.
	if _, secret, ok := strings.Cut(a.token, ":"); ok && len(secret) > 4 {
		s = strings.ReplaceAll(s, secret, "<token>")
	}
	return s
}

func (a *API) wrap(method string, err error) error {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		e := &Error{Method: method, Code: te.Code, Desc: a.redact(te.Message), MigrateTo: te.MigrateToChatID}
		if te.RetryAfter > 0 {
			e.RetryAfter = time.Duration(te.RetryAfter) * time.Second
		}
		if e.Code == 0 {
			e.Code = 400
		}
		return e
	}
	return &Error{Method: method, Desc: a.redact(err.Error())}
}

// Call makes a Bot API request with explicit parameters and decodes its result into out (nil
// to ignore). It is the one way this program talks to Telegram.
func (a *API) Call(ctx context.Context, method string, params tgbotapi.Params, out any) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	return a.call(ctx, method, params, out)
}

// call is the library's MakeRequest (a form POST to /bot<token>/<method>, the answer's ok,
// error_code, description and parameters) without its costs per request: a url.Values map and
// its sorted encoding, a json.Decoder with its buffers, a full decoding of the answer's result
// when the caller does not want it.
func (a *API) call(ctx context.Context, method string, params tgbotapi.Params, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.baseURL+"/bot"+a.token+"/"+method, bytes.NewReader(encodeForm(params)))
	if err != nil {
		return a.wrap(method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.client.Do(req)
	if err != nil {
		return a.wrap(method, err)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return a.wrap(method, err)
	}
	body := buf.Bytes()
	if out == nil && resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, okPrefix) {
		return nil // an answer, an edit: nothing to read beyond the success
	}
	if out != nil && resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, okResultPrefix) && body[len(body)-1] == '}' {
		// {"ok":true,"result":…}: decode the result alone, in one pass over it. Anything else
		// (a field after the result, say) takes the general way below.
		if json.Unmarshal(body[len(okResultPrefix):len(body)-1], out) == nil {
			return nil
		}
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return a.wrap(method, err)
	}
	if !r.OK {
		return a.wrap(method, &tgbotapi.Error{Code: r.ErrorCode, Message: r.Description, ResponseParameters: r.Parameters})
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return &Error{Method: method, Code: 0, Desc: "decode result: " + a.redact(err.Error()), Applied: true}
		}
	}
	return nil
}

// apiResponse is a Bot API answer; the result is decoded only when the caller wants it.
type apiResponse struct {
	OK          bool                        `json:"ok"`
	Result      json.RawMessage             `json:"result"`
	ErrorCode   int                         `json:"error_code"`
	Description string                      `json:"description"`
	Parameters  tgbotapi.ResponseParameters `json:"parameters"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// okPrefix starts every successful Bot API answer (a JSON object whose first field is ok).
var okPrefix = []byte(`{"ok":true`)

// okResultPrefix starts a successful answer whose only other field is the result, as
// Telegram writes them.
var okResultPrefix = []byte(`{"ok":true,"result":`)

// encodeForm is url.Values.Encode of the parameters (in any order: Telegram does not care),
// written into a buffer of the exact length.
func encodeForm(p tgbotapi.Params) []byte {
	n := 0
	for k, v := range p {
		n += escapedLen(k) + escapedLen(v) + 2
	}
	if n > 0 {
		n-- // no '&' before the first pair
	}
	b := make([]byte, n)
	i := 0
	for k, v := range p {
		if i > 0 {
			b[i] = '&'
			i++
		}
		i += putQueryEscape(b[i:], k)
		b[i] = '='
		i++
		i += putQueryEscape(b[i:], v)
	}
	return b
}

// formSafe marks the bytes url.QueryEscape leaves as they are.
var formSafe = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// escapedLen is len(url.QueryEscape(s)).
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !formSafe[s[i]] && s[i] != ' ' {
			n += 2
		}
	}
	return n
}

// putQueryEscape writes url.QueryEscape(s) at the start of dst, which has room for it
// (escapedLen), and returns its length.
func putQueryEscape(dst []byte, s string) int {
	const hex = "0123456789ABCDEF"
	i := 0
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case formSafe[c]:
			dst[i] = c
			i++
		case c == ' ':
			dst[i] = '+'
			i++
		default:
			_ = dst[i+2]
			dst[i], dst[i+1], dst[i+2] = '%', hex[c>>4], hex[c&15]
			i += 3
		}
	}
	return i
}

// Chattable calls one of the library's request configs (for file uploads).
func (a *API) Chattable(ctx context.Context, method string, c tgbotapi.Chattable, out any) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	resp, err := a.tg(ctx).Request(c)
	if err != nil {
		return a.wrap(method, err)
	}
	if out != nil && resp != nil {
		if err := json.Unmarshal(resp.Result, out); err != nil {
			return &Error{Method: method, Desc: "decode result: " + a.redact(err.Error()), Applied: true}
		}
	}
	return nil
}

// GetMe returns the bot's own user.
func (a *API) GetMe(ctx context.Context) (tgbotapi.User, error) {
	var u tgbotapi.User
	err := a.Call(ctx, "getMe", nil, &u)
	return u, err
}

// GetUpdates long-polls for updates; its deadline is the poll timeout plus a margin.
func (a *API) GetUpdates(ctx context.Context, offset int64, timeout time.Duration, allowed []string) ([]tgbotapi.Update, error) {
	p := tgbotapi.Params{}
	p["offset"] = strconv.FormatInt(offset, 10)
	p["limit"] = "100"
	p["timeout"] = strconv.Itoa(int(timeout / time.Second))
	if err := p.AddInterface("allowed_updates", allowed); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+a.timeout)
	defer cancel()
	var raw json.RawMessage
	if err := a.call(ctx, "getUpdates", p, &raw); err != nil {
		return nil, err
	}
	ups, err := decodeUpdates(raw) // only what the runtime reads (wire.go)
	if err != nil {
		return nil, &Error{Method: "getUpdates", Desc: "decode result: " + a.redact(err.Error())}
	}
	return ups, nil
}

// Redact removes the token from any text (for logs).
func (a *API) Redact(s string) string { return a.redact(s) }

package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// SecretHeader is the header Telegram puts the webhook's secret_token in.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// NewWebhookSecret returns a random secret token (64 characters of [0-9a-f], within
// Telegram's 1-256 characters of A-Z a-z 0-9 _ -).
func NewWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// SetWebhook registers the webhook: Telegram will POST updates of the allowed kinds to url,
// with secret in SecretHeader, over at most maxConns connections at once. The library has no
// secret_token field, so the request is made with explicit parameters.
func (a *API) SetWebhook(ctx context.Context, url, secret string, maxConns int, allowed []string) error {
	p := tgbotapi.Params{}
	p["url"] = url
	p.AddNonEmpty("secret_token", secret)
	if maxConns > 0 {
		p["max_connections"] = strconv.Itoa(maxConns)
	}
	if err := p.AddInterface("allowed_updates", allowed); err != nil {
		return err
	}
	return a.Call(ctx, "setWebhook", p, nil)
}

// UpdateClaims remember which updates some replica has handled, so that a duplicate delivery
// (Telegram retrying, or the same update reaching two replicas) does not send the replies
// twice. The store's scripts already make every state change idempotent; claims only spare
// people the repeated messages.
type UpdateClaims interface {
	// ClaimUpdate claims an update for ttl. It returns a token when this caller should handle
	// it, done when it has been handled already, neither when another replica is on it.
	ClaimUpdate(ctx context.Context, chatID, updateID int64, ttl time.Duration) (token string, done bool, err error)
	// FinishUpdate marks a claimed update handled.
	FinishUpdate(ctx context.Context, chatID, updateID int64, token string) error
	// ReleaseUpdate gives a claim up (the update was not applied and will come again).
	ReleaseUpdate(ctx context.Context, chatID, updateID int64, token string) error
}

// WebhookMetrics receives the webhook's own counts (nil is fine).
type WebhookMetrics interface {
	// Duplicate counts an update skipped because it had been handled already.
	Duplicate()
	// Rejected counts a request refused before handling: "secret", "method", "too_large",
	// "bad_update".
	Rejected(reason string)
}

// WebhookOptions configure the webhook's HTTP handler.
type WebhookOptions struct {
	Secret  string        // required: the secret_token given to setWebhook
	MaxBody int64         // largest body accepted (1 MiB when 0)
	Timeout time.Duration // longest time one update may be handled (60s when 0)
	Claims  UpdateClaims  // optional duplicate suppression across replicas
	Metrics WebhookMetrics
	// Unavailable classifies a claim error as a store outage (answer 503); nil: every error.
	Unavailable IsUnavailableFunc
	// GiveUpAfter is how long an update may keep failing because the store is unavailable
	// (Telegram redelivering it after each 503) before the person is told to try again and
	// the update is let go, as the poller does (10s when 0).
	GiveUpAfter time.Duration
	// ReplyWait bounds how long a delivery waits for its replies to be sent (5s when 0).
	ReplyWait time.Duration
}

// Webhook is the http.Handler Telegram posts updates to. It answers 200 only once the update
// has been applied (the store scripts made it durable), and 503 when it could not be applied
// because the store is unavailable, so that Telegram delivers it again later. Any number of
// replicas may serve the same bot behind a load balancer.
type Webhook struct {
	rt     *Runtime
	digest [sha256.Size]byte
	o      WebhookOptions
	log    *slog.Logger

	mu      sync.Mutex
	failing map[int64]time.Time // update id -> first delivery that met a store outage
}

// failingFor records a failed delivery of an update and returns how long it has been failing.
func (h *Webhook) failingFor(id int64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	first, ok := h.failing[id]
	if !ok {
		if len(h.failing) >= 100000 { // a long outage: forget the oldest half, roughly
			for k, t := range h.failing {
				if now.Sub(t) > h.o.GiveUpAfter {
					delete(h.failing, k)
				}
			}
		}
		h.failing[id] = now
		return 0
	}
	return now.Sub(first)
}

func (h *Webhook) forget(id int64) {
	h.mu.Lock()
	delete(h.failing, id)
	h.mu.Unlock()
}

// NewWebhook returns the webhook handler of a started runtime.
func NewWebhook(rt *Runtime, o WebhookOptions) (*Webhook, error) {
	if o.Secret == "" {
		return nil, errors.New("webhook: a secret token is required")
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = 10 * time.Second
	}
	if o.ReplyWait <= 0 {
		o.ReplyWait = replyWait
	}
	return &Webhook{rt: rt, digest: sha256.Sum256([]byte(o.Secret)), o: o, log: rt.log, failing: map[int64]time.Time{}}, nil
}

// claimTTL is how long a claim keeps other replicas off an update. Handling takes
// milliseconds; a replica that died holding claims delays those updates by this much. A claim
// that runs out while its handler is still busy (a very slow store) only risks a repeated
// reply: the state changes are idempotent in the store.
const claimTTL = 10 * time.Second

// replyWait bounds how long a delivery waits for its replies to be sent.
const replyWait = 5 * time.Second

func (h *Webhook) reject(w http.ResponseWriter, code int, reason string) {
	if h.o.Metrics != nil {
		h.o.Metrics.Rejected(reason)
	}
	http.Error(w, http.StatusText(code), code)
}

// ServeHTTP handles one delivery.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, http.StatusMethodNotAllowed, "method")
		return
	}
	// Compare digests, so the time taken tells nothing about the secret, not even its length.
	got := sha256.Sum256([]byte(r.Header.Get(SecretHeader)))
	if subtle.ConstantTimeCompare(got[:], h.digest[:]) != 1 {
		h.log.Warn("webhook request with a wrong secret token", "remote", r.RemoteAddr)
		h.reject(w, http.StatusUnauthorized, "secret")
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.o.MaxBody), r.ContentLength, h.o.MaxBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.log.Warn("webhook update larger than webhook.max_body", "limit", h.o.MaxBody)
			h.reject(w, http.StatusRequestEntityTooLarge, "too_large")
			return
		}
		h.reject(w, http.StatusBadRequest, "bad_update")
		return
	}
	u, err := DecodeUpdate(body)
	if err != nil {
		h.log.Warn("webhook body is not an update", "err", err)
		h.reject(w, http.StatusBadRequest, "bad_update")
		return
	}
	// The update is handled to the end even if Telegram hangs up: a redelivery is deduplicated.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.o.Timeout)
	defer cancel()
	chatID, updateID := chatOf(u), int64(u.UpdateID)
	ctx = context.WithValue(ctx, handlingKey{}, updateID) // the claim is the update's work too
	var token string
	// Updates whose handlers dedupe by themselves (votes, signatures, reports, poll presses:
	// one script keyed by the update id, no new message on a replay) skip the claim and its
	// two round trips; their duplicates are handled as the poller handles them.
	in := h.rt.read(u)
	if h.o.Claims != nil && !h.rt.selfDeduped(in) {
		tok, done, err := h.o.Claims.ClaimUpdate(ctx, chatID, updateID, claimTTL)
		switch {
		case err != nil:
			if h.o.Unavailable != nil && !h.o.Unavailable(err) {
				h.log.Error("claiming an update failed", "update", updateID, "err", err)
				break // not an outage: handle it anyway, the scripts are idempotent
			}
			h.log.Warn("store unavailable", "update", updateID, "err", err)
			h.storeDown(ctx, w, u)
			return
		case done:
			if h.o.Metrics != nil {
				h.o.Metrics.Duplicate()
			}
			w.WriteHeader(http.StatusOK)
			return
		case tok == "":
			// Another replica is handling it now; Telegram will come back and find it done.
			h.unavailable(w)
			return
		}
		token = tok
	}
	err = h.rt.handle(ctx, in)
	if err != nil && errors.Is(err, ErrUnavailable) {
		if token != "" {
			if rerr := h.o.Claims.ReleaseUpdate(ctx, chatID, updateID, token); rerr != nil {
				h.log.Debug("releasing an update claim failed (it expires)", "update", updateID, "err", rerr)
			}
		}
		h.storeDown(ctx, w, u)
		return
	}
	h.forget(updateID)
	// Let the update's replies go out before Telegram hears it was handled, so a crash right
	// after cannot lose them: without the 200 Telegram delivers the update again (bounded: a
	// chat held back by Telegram's limits must not hold the delivery for long).
	h.rt.sender.WaitChat(chatID, h.o.ReplyWait)
	if token != "" {
		if ferr := h.o.Claims.FinishUpdate(ctx, chatID, updateID, token); ferr != nil {
			h.log.Warn("marking an update handled failed", "update", updateID, "err", ferr)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// storeDown answers a delivery that met a store outage: 503, so that Telegram delivers the
// update again and a short outage goes unnoticed; once the update has kept failing for
// GiveUpAfter, the person is told to try again and the update is let go with a 200 (it was
// not applied, so nothing was acknowledged to them), as the poller does.
func (h *Webhook) storeDown(ctx context.Context, w http.ResponseWriter, u *tgbotapi.Update) {
	id := int64(u.UpdateID)
	if h.failingFor(id) < h.o.GiveUpAfter {
		h.unavailable(w)
		return
	}
	h.log.Warn("store unavailable for too long; the person is told to try again", "update", id)
	h.forget(id)
	h.rt.TellUnavailable(ctx, u)
	h.rt.sender.WaitChat(chatOf(u), h.o.ReplyWait)
	w.WriteHeader(http.StatusOK)
}

// readBody reads a request body into a buffer of its announced length (io.ReadAll grows one
// from 512 bytes, copying a typical update four times).
func readBody(r io.Reader, length, max int64) ([]byte, error) {
	if length <= 0 || length > max {
		return io.ReadAll(r)
	}
	buf := make([]byte, length) // the server stops the body at its Content-Length
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func (h *Webhook) unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}

// DecodeUpdate reads a webhook body: one Update object with a positive update_id.
func DecodeUpdate(body []byte) (*tgbotapi.Update, error) {
	u, err := decodeUpdate(body)
	if err != nil {
		return nil, fmt.Errorf("decode update: %w", err)
	}
	if u.UpdateID <= 0 {
		return nil, errors.New("decode update: no update_id")
	}
	return u, nil
}

// API is the runtime's Bot API client.
func (r *Runtime) API() *API { return r.api }

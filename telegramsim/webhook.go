package telegramsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// webhook is an active setWebhook. Its fields are guarded by Sim.mu.
type webhook struct {
	url         string
	secret      string
	maxConns    int
	inflight    int
	stop        chan struct{}
	lastErrDate time.Time
	lastErrMsg  string
	client      *http.Client
}

// close stops the dispatcher; deliveries in flight finish on their own.
func (wh *webhook) close() {
	close(wh.stop)
	wh.client.CloseIdleConnections()
}

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Sim) setWebhook(rq *request) (any, error) {
	raw := strings.TrimSpace(rq.str("url"))
	if raw == "" {
		return s.deleteWebhook(rq)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, badRequest("bad webhook: Failed to resolve host: Name or service not known")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := rq.str("secret_token")
	if secret != "" && !secretTokenRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	maxConns, _, err := rq.int64("max_connections")
	if err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = 40
	}
	maxConns = min(maxConns, 100)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setAllowedLocked(rq.str("allowed_updates")); err != nil {
		return nil, err
	}
	if rq.boolean("drop_pending_updates") {
		s.q.clear()
	}
	if old := s.wh; old != nil && old.url == raw && old.secret == secret && old.maxConns == int(maxConns) {
		return withDescription{true, "Webhook is already set"}, nil
	}
	s.stopWebhookLocked()
	wh := &webhook{
		url: raw, secret: secret, maxConns: int(maxConns), stop: make(chan struct{}),
		client: &http.Client{
			Timeout:   s.opts.WebhookTimeout,
			Transport: &http.Transport{MaxIdleConnsPerHost: int(maxConns), MaxConnsPerHost: int(maxConns)},
		},
	}
	s.wh = wh
	s.signalQueueLocked() // a pending getUpdates ends with 409
	s.changedLocked()
	s.wg.Add(1)
	go s.runWebhook(wh)
	return withDescription{true, "Webhook was set"}, nil
}

func (s *Sim) stopWebhookLocked() {
	if s.wh != nil {
		s.wh.close()
		s.wh = nil
	}
}

func (s *Sim) deleteWebhook(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rq.boolean("drop_pending_updates") {
		s.q.clear()
	}
	if s.wh == nil {
		return withDescription{true, "Webhook is already deleted"}, nil
	}
	s.stopWebhookLocked()
	s.changedLocked()
	return withDescription{true, "Webhook was deleted"}, nil
}

type wireWebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}

func (s *Sim) getWebhookInfo(*request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := wireWebhookInfo{PendingUpdateCount: s.pendingLocked()}
	if wh := s.wh; wh != nil {
		info.URL, info.MaxConnections, info.AllowedUpdates = wh.url, wh.maxConns, s.allowedList()
		if !wh.lastErrDate.IsZero() {
			info.LastErrorDate, info.LastErrorMessage = wh.lastErrDate.Unix(), wh.lastErrMsg
		}
	}
	return info, nil
}

// SetWebhookTargets overrides where webhook deliveries go: each delivery picks one
// of urls at random, like a load balancer in front of several bot instances. nil
// restores the URL given to setWebhook.
func (s *Sim) SetWebhookTargets(urls []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whTargets = append([]string(nil), urls...)
}

// WebhookURL returns the URL set by setWebhook, or "".
func (s *Sim) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wh == nil {
		return ""
	}
	return s.wh.url
}

// nextForWebhookLocked takes the front update if it is due; otherwise it reports
// how long until it is.
func (s *Sim) nextForWebhookLocked(now time.Time) (*entry, time.Duration) {
	for s.q.len() > 0 {
		e := s.q.at(0)
		if !s.allowedLocked(e.kind) {
			s.q.popFront()
			continue
		}
		if d := e.notBefore.Sub(now); d > 0 {
			return nil, d
		}
		s.q.popFront()
		e.requeued = false
		e.epoch = s.q.epoch
		return e, 0
	}
	return nil, 0
}

// runWebhook dispatches queued updates to the webhook, at most maxConns at once,
// until the webhook is replaced or deleted.
func (s *Sim) runWebhook(wh *webhook) {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.wh != wh {
			s.mu.Unlock()
			return
		}
		var wait time.Duration
		for wh.inflight < wh.maxConns {
			e, d := s.nextForWebhookLocked(time.Now())
			if e == nil {
				wait = d
				break
			}
			wh.inflight++
			target := wh.url
			if len(s.whTargets) > 0 {
				target = s.whTargets[s.rng.IntN(len(s.whTargets))]
			}
			s.wg.Add(1)
			go s.deliver(wh, e, target)
		}
		sig := s.queueSignalLocked()
		s.mu.Unlock()
		var timerC <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			timerC = timer.C
		}
		select {
		case <-sig:
		case <-timerC:
		case <-wh.stop:
			return
		case <-s.done:
			return
		}
		if timerC != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// deliver POSTs one update. A non-2xx answer, a timeout or a connection error puts
// the update back at the front of the queue with exponential backoff. A 2xx answer
// carrying a method call (Telegram's "reply to the webhook") is executed.
func (s *Sim) deliver(wh *webhook, e *entry, target string) {
	defer s.wg.Done()
	var failure string
	var reply []byte
	var replyType string
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, bytes.NewReader(e.body)) // Close cancels it
	if err != nil {
		failure = err.Error()
	} else {
		req.Header.Set("Content-Type", "application/json")
		if wh.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.secret)
		}
		resp, err := wh.client.Do(req)
		switch {
		case err != nil:
			failure = describeDeliveryError(err)
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			failure = fmt.Sprintf("Wrong response from the webhook: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		default:
			reply, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			replyType = resp.Header.Get("Content-Type")
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		}
	}

	s.mu.Lock()
	wh.inflight--
	s.stats.WebhookDeliveries++
	if failure == "" {
		s.stats.UpdatesDelivered++
	} else {
		s.stats.WebhookFailures++
		wh.lastErrDate, wh.lastErrMsg = s.clk.Now(), failure
		if e.epoch == s.q.epoch {
			e.attempts++
			backoff := s.opts.WebhookRetryMin << min(e.attempts-1, 20)
			e.notBefore = time.Now().Add(min(backoff, s.opts.WebhookRetryMax))
			s.q.pushFront(e)
		}
	}
	s.signalQueueLocked()
	s.changedLocked()
	retired := s.wh != wh
	s.mu.Unlock()
	if retired {
		wh.client.CloseIdleConnections()
	}
	if failure != "" {
		s.logf("webhook delivery of update %d to %s failed: %s", e.id, target, failure)
		return
	}
	if len(bytes.TrimSpace(reply)) > 0 {
		s.runWebhookReply(reply, replyType)
	}
}

func describeDeliveryError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return "Read timeout expired"
	}
	if strings.Contains(err.Error(), "connection refused") {
		return "Connection refused"
	}
	return "Connection error: " + err.Error()
}

// runWebhookReply executes a method the bot put in its webhook answer.
func (s *Sim) runWebhookReply(body []byte, contentType string) {
	p := make(map[string]string)
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "application/json" {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			return
		}
		for k, v := range obj {
			var str string
			if json.Unmarshal(v, &str) == nil {
				p[k] = str
			} else if string(v) != "null" {
				p[k] = string(v)
			}
		}
	} else {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		for k, v := range vals {
			p[k] = v[0]
		}
	}
	name, fn := lookupMethod(p["method"])
	if fn == nil {
		return
	}
	delete(p, "method")
	_, _ = s.invoke(&request{ctx: context.Background(), method: name, p: p}, fn)
}

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
	"strconv"
	"strings"
	"sync"
	"time"

	"thiduabot/internal/jsonw"
)

// MaxUploadSize is the request size limit (Telegram's 50 MB for bot uploads).
const MaxUploadSize = 50 << 20

// apiError is an ok=false answer.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

func (e *apiError) Error() string { return e.desc }

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(desc string) *apiError { return &apiError{code: 403, desc: "Forbidden: " + desc} }

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

var (
	errUnauthorized = &apiError{code: 401, desc: "Unauthorized"}
	errNotFound     = &apiError{code: 404, desc: "Not Found"}
	errChatNotFound = badRequest("chat not found")
)

// withDescription is a successful result that carries a description, as
// setWebhook's "Webhook was set".
type withDescription struct {
	result any
	desc   string
}

// request is one Bot API call, whatever its transport.
type request struct {
	ctx    context.Context
	method string
	p      map[string]string
	files  map[string]*upload
}

type upload struct {
	name string
	data []byte
}

func (r *request) str(k string) string { return r.p[k] }

func (r *request) has(k string) bool { _, ok := r.p[k]; return ok }

// int64 reads an integer parameter; ok is false when absent or empty.
func (r *request) int64(k string) (v int64, ok bool, err error) {
	s := strings.TrimSpace(r.p[k])
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, badRequest("invalid %s specified", k)
	}
	return v, true, nil
}

func (r *request) boolean(k string) bool {
	switch strings.ToLower(strings.TrimSpace(r.p[k])) {
	case "true", "1":
		return true
	}
	return false
}

// file returns an uploaded file or an "attach://name" reference.
func (r *request) file(k string) *upload {
	if f := r.files[k]; f != nil {
		return f
	}
	if v, ok := strings.CutPrefix(r.p[k], "attach://"); ok {
		return r.files[v]
	}
	return nil
}

// serveHTTP routes /bot<token>/<method> and /file/bot<token>/<path>.
func (s *Sim) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if i := strings.Index(path, "/file/bot"); i >= 0 {
		s.serveFile(w, r, path[i+len("/file/bot"):])
		return
	}
	slash := strings.LastIndexByte(path, '/')
	methodName := path[slash+1:]
	botSeg := path[:max(slash, 0)]
	botSeg = botSeg[strings.LastIndexByte(botSeg, '/')+1:]
	token, ok := strings.CutPrefix(botSeg, "bot")
	if slash < 0 || !ok || methodName == "" {
		writeAPI(w, nil, errNotFound)
		return
	}
	if token != s.opts.Token {
		writeAPI(w, nil, errUnauthorized)
		return
	}
	name, fn := lookupMethod(methodName)
	if fn == nil {
		writeAPI(w, nil, errNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadSize)
	p, files, perr := parseParams(r)
	rq := &request{ctx: r.Context(), method: name, p: p, files: files}
	if perr != nil {
		s.record(rq, perr)
		writeAPI(w, nil, perr)
		return
	}
	if s.applyFault(w, r, rq, fn) {
		return
	}
	res, err := s.invoke(rq, fn)
	writeAPI(w, res, err)
}

// invoke runs a method and records the call.
func (s *Sim) invoke(rq *request, fn methodFunc) (any, error) {
	res, err := fn(s, rq)
	s.record(rq, err)
	return res, err
}

// record adds a Call and updates the counters.
func (s *Sim) record(rq *request, err error) {
	c := Call{Time: time.Now(), Method: rq.method, Params: rq.p, OK: err == nil}
	if id, ok, perr := rq.int64("chat_id"); ok && perr == nil {
		c.ChatID = id
	}
	if id, ok, perr := rq.int64("message_id"); ok && perr == nil {
		c.MessageID = int(id)
	}
	if err != nil {
		ae := asAPIError(err)
		c.ErrorCode, c.Error = ae.code, ae.desc
	}
	s.mu.Lock()
	s.callsBy[c.Method] = append(s.callsBy[c.Method], s.calls.add(c))
	s.stats.Requests[c.Method]++
	if err != nil {
		s.stats.Errors[c.Method]++
		if c.ErrorCode == 429 {
			s.stats.TooManyRequests++
		}
	}
	s.changedLocked()
	s.mu.Unlock()
	if s.opts.Logf == nil {
		return // the arguments below would be allocated for nothing
	}
	if err != nil {
		s.logf("%s %v -> %d %s", c.Method, rq.p, c.ErrorCode, c.Error)
	} else {
		s.logf("%s %v -> ok", c.Method, rq.p)
	}
}

func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{code: 500, desc: "Internal Server Error: " + err.Error()}
}

// writeAPI writes {"ok":true,"result":...} or the error shape.
func writeAPI(w http.ResponseWriter, result any, err error) {
	buf := getBuffer()
	defer putBuffer(buf)
	var body []byte
	status := http.StatusOK
	if err != nil {
		ae := asAPIError(err)
		status = ae.code
		body = errorBody(ae)
	} else {
		body = appendOK((*buf)[:0], result)
		*buf = body
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType // shared and never modified: no allocation
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var jsonContentType = []string{"application/json"}

// bufferPool holds scratch buffers for answers and updates (Write does not keep them).
var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		bufferPool.Put(b)
	}
}

// appendOK appends {"ok":true,"result":...}.
func appendOK(b []byte, result any) []byte {
	desc := ""
	if wd, ok := result.(withDescription); ok {
		result, desc = wd.result, wd.desc
	}
	b = append(b, `{"ok":true,"result":`...)
	if result == nil {
		b = append(b, "true"...)
	} else {
		b = appendWire(b, result)
	}
	if desc != "" {
		b = append(b, `,"description":`...)
		b = jsonw.AppendString(b, desc)
	}
	return append(b, '}')
}

func errorBody(ae *apiError) []byte {
	type params struct {
		MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
		RetryAfter      int   `json:"retry_after,omitempty"`
	}
	v := struct {
		OK          bool    `json:"ok"`
		ErrorCode   int     `json:"error_code"`
		Description string  `json:"description"`
		Parameters  *params `json:"parameters,omitempty"`
	}{ErrorCode: ae.code, Description: ae.desc}
	if ae.retryAfter > 0 || ae.migrateTo != 0 {
		v.Parameters = &params{MigrateToChatID: ae.migrateTo, RetryAfter: ae.retryAfter}
	}
	return mustJSON(v)
}

// mustJSON marshals without HTML escaping, like Telegram.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("telegramsim: marshal: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// parseParams collects parameters from the query string and a form, multipart or
// JSON body. Non-string JSON values are kept as their JSON text, which is how
// form-encoded clients send objects.
func parseParams(r *http.Request) (map[string]string, map[string]*upload, error) {
	if ct := r.Header["Content-Type"]; r.Method == http.MethodPost && r.URL.RawQuery == "" && r.Body != nil &&
		len(ct) == 1 && ct[0] == "application/x-www-form-urlencoded" {
		p, err := parseFormBody(r.Body)
		return p, nil, err
	}
	p := make(map[string]string)
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil {
		return p, nil, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return p, nil, bodyError(err)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, nil, badRequest("can't parse JSON object")
		}
		for k, v := range obj {
			switch {
			case string(v) == "null":
			case len(v) > 0 && v[0] == '"':
				var str string
				if err := json.Unmarshal(v, &str); err != nil {
					return p, nil, badRequest("can't parse JSON object")
				}
				p[k] = str
			default:
				p[k] = string(v)
			}
		}
		return p, nil, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return p, nil, bodyError(err)
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		files := make(map[string]*upload)
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				return p, nil, bodyError(err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, nil, bodyError(err)
			}
			files[k] = &upload{name: fhs[0].Filename, data: data}
			if _, ok := p[k]; !ok {
				p[k] = "<upload:" + fhs[0].Filename + ">"
			}
		}
		return p, files, nil
	default:
		if err := r.ParseForm(); err != nil {
			return p, nil, bodyError(err)
		}
		for k, v := range r.PostForm {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		return p, nil, nil
	}
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{code: 413, desc: "Request Entity Too Large"}
	}
	return badRequest("can't read request body")
}

package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"
)

// MaxCallbackData is Telegram's limit on callback data, in bytes.
const MaxCallbackData = 64

// ErrBadCallback is a press whose data was not made by this bot for this chat (forged, from
// another chat, or corrupted).
var ErrBadCallback = errors.New("callback data is not valid")

// Codec encodes button data compactly and signs it, binding it to the chat it was sent to:
// "kind|arg|arg|mac", the mac being 8 base64 characters (48 bits) of an HMAC-SHA256.
type Codec struct {
	key []byte
	// macs keeps keyed HMACs for reuse: every button drawn and pressed is signed or checked.
	macs sync.Pool
}

// NewCodec returns a codec with a secret key.
func NewCodec(key []byte) *Codec { return &Codec{key: key} }

func (c *Codec) mac(chatID int64, payload string) string {
	h, _ := c.macs.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, c.key)
	} else {
		h.Reset()
	}
	var b [24]byte
	h.Write(append(strconv.AppendInt(b[:0], chatID, 10), 0))
	_, _ = io.WriteString(h, payload)
	var sum [sha256.Size]byte
	// The first 6 bytes are the first 8 base64 characters.
	var out [8]byte
	base64.RawURLEncoding.Encode(out[:], h.Sum(sum[:0])[:6])
	c.macs.Put(h)
	return string(out[:])
}

// Encode builds button data. Kind and args may not contain '|'. It panics when the result
// would pass Telegram's 64-byte limit: that is a programming error, caught by tests.
func (c *Codec) Encode(chatID int64, kind string, args ...string) string {
	payload := kind
	for _, a := range args {
		if strings.Contains(a, "|") {
			panic("callback arg contains '|': " + a)
		}
		payload += "|" + a
	}
	data := payload + "|" + c.mac(chatID, payload)
	if len(data) > MaxCallbackData {
		panic("callback data over 64 bytes: " + payload)
	}
	return data
}

// Decode checks data against the chat and returns its kind and args.
func (c *Codec) Decode(chatID int64, data string) (string, []string, error) {
	if len(data) > MaxCallbackData || len(data) < 10 {
		return "", nil, ErrBadCallback
	}
	i := strings.LastIndexByte(data, '|')
	if i <= 0 {
		return "", nil, ErrBadCallback
	}
	payload, mac := data[:i], data[i+1:]
	if !hmac.Equal([]byte(mac), []byte(c.mac(chatID, payload))) {
		return "", nil, ErrBadCallback
	}
	parts := strings.Split(payload, "|")
	return parts[0], parts[1:], nil
}

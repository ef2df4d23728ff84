package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"sync"
	"testing"
)

// The pooled HMAC signs exactly as a fresh one did, so buttons sent before an upgrade still
// verify, also when many goroutines sign at once.
func TestMacUnchanged(t *testing.T) {
	fresh := func(key []byte, chatID int64, payload string) string {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(strconv.FormatInt(chatID, 10)))
		h.Write([]byte{0})
		h.Write([]byte(payload))
		return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:8]
	}
	key := []byte("thiduabot callback key")
	c := NewCodec(key)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				chat := int64(-1001234567890) - int64(g*1000+i)
				payload := "bv|" + strconv.Itoa(i) + "|" + strconv.Itoa(g)
				if got, want := c.mac(chat, payload), fresh(key, chat, payload); got != want {
					t.Errorf("mac(%d, %q) = %q, want %q", chat, payload, got, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

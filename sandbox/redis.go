package sandbox

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// luaShim runs before every Lua script the bot sends to the embedded Redis. miniredis'
// cjson.encode refuses a table that holds the same subtable twice (it takes the second
// reference for a cycle) and returns nil, where a real Redis encodes it; the ballot card, whose
// candidates and voters are the same unit tables, is such a table. The shim gives the script a
// cjson.encode that copies its argument first; a real cycle still fails. It changes nothing a
// script can observe on a real Redis, and it is not used with -redis.
const luaShim = `local __sandbox_encode = cjson.encode
cjson.encode = function(v)
  local function copy(x, path)
    if type(x) ~= 'table' then return x end
    if path[x] then error('cannot encode recursively nested tables to JSON') end
    path[x] = true
    local out = {}
    for k, val in pairs(x) do out[k] = copy(val, path) end
    path[x] = nil
    return out
  end
  return __sandbox_encode(copy(v, {}))
end
`

// luaCompat is a go-redis hook that puts luaShim in front of the scripts (EVAL, SCRIPT LOAD)
// and maps EVALSHA of a script it has patched to the patched script's hash.
type luaCompat struct {
	mu      sync.Mutex
	patched map[string]string // sha1 of the script as sent -> sha1 of the patched script
}

func newLuaCompat() *luaCompat { return &luaCompat{patched: make(map[string]string)} }

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (h *luaCompat) shim(src string) string {
	if strings.HasPrefix(src, luaShim) {
		return src
	}
	out := luaShim + src
	h.mu.Lock()
	h.patched[sha1hex(src)] = sha1hex(out)
	h.mu.Unlock()
	return out
}

func (h *luaCompat) patch(cmd redis.Cmder) {
	args := cmd.Args()
	if len(args) < 2 {
		return
	}
	name, _ := args[0].(string)
	switch strings.ToLower(name) {
	case "eval", "eval_ro":
		if src, ok := args[1].(string); ok {
			args[1] = h.shim(src)
		}
	case "evalsha", "evalsha_ro":
		if sha, ok := args[1].(string); ok {
			h.mu.Lock()
			if p, ok := h.patched[strings.ToLower(sha)]; ok {
				args[1] = p
			}
			h.mu.Unlock()
		}
	case "script":
		if len(args) >= 3 && strings.EqualFold(fmt.Sprint(args[1]), "load") {
			if src, ok := args[2].(string); ok {
				args[2] = h.shim(src)
			}
		}
	}
}

func (h *luaCompat) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *luaCompat) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.patch(cmd)
		return next(ctx, cmd)
	}
}

func (h *luaCompat) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.patch(c)
		}
		return next(ctx, cmds)
	}
}

package sandbox

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"thiduabot/internal/redistest"
)

// A script that encodes the same table twice gives the same JSON on the embedded Redis (with the
// shim) as on a real redis-server, through EVAL, EVALSHA, SCRIPT LOAD and pipelines; a real
// cycle still fails. Without the shim, miniredis gets it wrong — which is why the shim exists.
func TestLuaCompat(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	plain := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	defer plain.Close()
	shimmed := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer shimmed.Close()
	shimmed.AddHook(newLuaCompat())
	real := redistest.Start(t).Client(t)

	shared := redis.NewScript(`
local u = {id = 1, n = 'Cục Thuế'}
local v = {id = 2, n = 'Kho bạc'}
return cjson.encode({cands = {u, v}, elig = {u, v}, first = u, args = ARGV})`)
	decode := func(s string) any {
		t.Helper()
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return x
	}
	want, err := shared.Run(ctx, real, nil, "a", 7).Text()
	if err != nil {
		t.Fatalf("real redis: %v", err)
	}
	if _, err := shared.Run(ctx, plain, nil, "a", 7).Text(); err == nil {
		t.Log("miniredis encodes shared tables now; the shim may no longer be needed")
	}
	for i := range 2 { // EVAL, then EVALSHA of the patched script
		got, err := shared.Run(ctx, shimmed, nil, "a", 7).Text()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if !reflect.DeepEqual(decode(got), decode(want)) {
			t.Fatalf("run %d: %s, want %s", i, got, want)
		}
	}

	// SCRIPT LOAD, then EVALSHA in a pipeline (as store.RunDurable does).
	loaded := redis.NewScript(`local t = {x = 1}; return cjson.encode({t, t})`)
	if err := loaded.Load(ctx, shimmed).Err(); err != nil {
		t.Fatal(err)
	}
	var ev *redis.Cmd
	if _, err := shimmed.Pipelined(ctx, func(p redis.Pipeliner) error {
		ev = p.EvalSha(ctx, loaded.Hash(), nil)
		return nil
	}); err != nil {
		t.Fatalf("pipelined EVALSHA: %v", err)
	}
	if got, _ := ev.Text(); got != `[{"x":1},{"x":1}]` {
		t.Errorf("pipelined: %q", got)
	}

	cycle := redis.NewScript(`local t = {}; t.self = t; return cjson.encode(t)`)
	if err := cycle.Run(ctx, shimmed, nil).Err(); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("a cycle: %v", err)
	}
}

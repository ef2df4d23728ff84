package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
)

// With wait_replicas 1, a membership change is acknowledged only once the replica has it; with
// the replica gone it is refused as an outage, and the retry after it is back is a replay.
func TestRunDurableWaitsForReplicas(t *testing.T) {
	master := redistest.Start(t)
	replica := redistest.Start(t, "--replicaof", "127.0.0.1", master.Addr[len("127.0.0.1:"):])
	ctx := context.Background()
	mc, rc := master.Client(t), replica.Client(t)
	waitLink := func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			info, _ := rc.Info(ctx, "replication").Result()
			if strings.Contains(info, "master_link_status:up") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica never connected: %s", info)
			}
			time.Sleep(20 * time.Millisecond) // polling a condition
		}
	}
	waitLink()
	s := New(mc, clock.NewFake(time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC)))
	s.SetWaitReplicas(1, 300*time.Millisecond)
	setupBloc(t, s)
	lan := domain.Person{ID: 11, Name: "Lan"}
	id, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: 100}, lan, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Acknowledged: the replica has it now, not eventually.
	if ok, _ := rc.HExists(ctx, rkeys.ForChat(chat).JoinRequests(), strconv.Itoa(id)).Result(); !ok {
		t.Fatal("acknowledged join request is not on the replica")
	}

	replica.Kill()
	_, _, err = s.RequestJoin(ctx, chat, Op{UpdateID: 101}, domain.Person{ID: 12, Name: "Khoa"}, 2)
	if !errors.Is(err, ErrNotReplicated) || !IsUnavailable(err) {
		t.Fatalf("without the replica: %v", err)
	}
	replica.Restart(t)
	waitLink()
	id2, dup, err := s.RequestJoin(ctx, chat, Op{UpdateID: 101}, domain.Person{ID: 12, Name: "Khoa"}, 2)
	if err != nil || !dup {
		t.Fatalf("retry: %d %v %v", id2, dup, err)
	}
	if ok, _ := rc.HExists(ctx, rkeys.ForChat(chat).JoinRequests(), strconv.Itoa(id2)).Result(); !ok {
		t.Fatal("the retried request is not on the replica")
	}
	if n, _ := mc.HLen(ctx, rkeys.ForChat(chat).JoinRequests()).Result(); n != 2 {
		t.Fatalf("requests: %d, want 2 (the retry made none)", n)
	}
	// A master that lost its scripts (restart, failover) gets them again.
	if err := mc.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(ctx, chat, Op{UpdateID: 102}, domain.Person{ID: 13, Name: "Minh"}, 3, false); err != nil {
		t.Fatal(err)
	}
}

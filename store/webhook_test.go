package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestSharedWebhookSecret(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.SharedWebhookSecret(ctx, "candidate"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	for _, v := range got {
		if v != got[0] || v == "" {
			t.Fatalf("replicas disagree on the secret: %v", got)
		}
	}
	if v, _ := s.SharedWebhookSecret(ctx, "later"); v != got[0] {
		t.Fatalf("a later replica got %q, want %q", v, got[0])
	}
}

func TestUpdateClaims(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	tok, done, err := s.ClaimUpdate(ctx, chat, 42, time.Minute)
	if err != nil || tok == "" || done {
		t.Fatalf("first claim: %q %v %v", tok, done, err)
	}
	if tok2, done2, _ := s.ClaimUpdate(ctx, chat, 42, time.Minute); tok2 != "" || done2 {
		t.Fatalf("second claim while busy: %q %v", tok2, done2)
	}
	// Given up (store outage while handling): the next delivery claims it again.
	if err := s.ReleaseUpdate(ctx, chat, 42, tok); err != nil {
		t.Fatal(err)
	}
	tok, _, _ = s.ClaimUpdate(ctx, chat, 42, time.Minute)
	if tok == "" {
		t.Fatal("released update could not be claimed")
	}
	if err := s.FinishUpdate(ctx, chat, 42, tok); err != nil {
		t.Fatal(err)
	}
	if tok3, done3, _ := s.ClaimUpdate(ctx, chat, 42, time.Minute); tok3 != "" || !done3 {
		t.Fatalf("claim after done: %q %v", tok3, done3)
	}
	// Another chat's update with the same number is another update.
	if tok4, _, _ := s.ClaimUpdate(ctx, chat-1, 42, time.Minute); tok4 == "" {
		t.Fatal("claims leak between chats")
	}
	// A claim that ran out (its replica died) can be taken over.
	tok5, _, _ := s.ClaimUpdate(ctx, chat, 43, 50*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		tok6, _, _ := s.ClaimUpdate(ctx, chat, 43, time.Minute)
		if tok6 != "" && tok6 != tok5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an expired claim was never released")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition: the claim's TTL runs in Redis
	}
}

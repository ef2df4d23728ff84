package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// PollOptions tune the long-poll loop.
type PollOptions struct {
	Timeout     time.Duration // long-poll timeout (25s)
	Concurrency int           // chats handled at once within a batch (64)
	// Lease, when set, is held while polling so that of several replicas only one polls.
	Lease Lease
}

// Lease is a renewable lock (see store.Lease).
type Lease interface {
	// Acquire blocks until the lease is held or ctx ends; the returned context ends when the
	// lease is lost.
	Acquire(ctx context.Context) (context.Context, error)
	Release(ctx context.Context)
}

// Poll runs the long-poll loop until ctx ends. Each batch is applied before its offset is
// confirmed (to Telegram by the next getUpdates, and in Redis): updates of one chat in order,
// chats in parallel. An update that cannot be applied because the store is down is retried
// for a while, then the person is told to try again.
func (r *Runtime) Poll(ctx context.Context, o PollOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 25 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	for {
		pctx := ctx
		if o.Lease != nil {
			lctx, err := o.Lease.Acquire(ctx)
			if err != nil {
				return nil
			}
			pctx = lctx
		}
		err := r.pollLoop(pctx, ctx, o)
		if o.Lease != nil {
			o.Lease.Release(context.WithoutCancel(ctx))
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Warn("polling stopped", "err", err)
		}
	}
}

func (r *Runtime) pollLoop(pctx, root context.Context, o PollOptions) error {
	offset, err := r.offsets.LoadOffset(pctx)
	if err != nil {
		return err
	}
	backoff := 500 * time.Millisecond
	for pctx.Err() == nil {
		ups, err := r.api.GetUpdates(pctx, offset, o.Timeout, AllowedUpdates)
		if err != nil {
			if pctx.Err() != nil {
				break
			}
			wait := backoff
			var te *Error
			if errors.As(err, &te) && te.RetryAfter > 0 {
				wait = te.RetryAfter
			}
			r.log.Warn("getUpdates failed", "err", err, "retry_in", wait)
			if sleep(pctx, wait) != nil {
				break
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = 500 * time.Millisecond
		if len(ups) == 0 {
			continue
		}
		// Apply the batch even if we are asked to stop meanwhile: it was received.
		chats := r.applyBatch(context.WithoutCancel(root), ups, o.Concurrency)
		// Let the batch's replies go out before the next getUpdates confirms it, so a crash
		// right after cannot lose them (bounded: a chat held back by Telegram's limits must not
		// stall every other chat).
		r.sender.WaitChats(chats, 5*time.Second)
		next := int64(ups[len(ups)-1].UpdateID) + 1
		if next > offset {
			offset = next
		}
		if err := r.offsets.SaveOffset(context.WithoutCancel(root), offset); err != nil {
			r.log.Warn("save offset failed", "err", err)
		}
	}
	// Confirm what was applied, so a restart does not get it again.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(root), 5*time.Second)
	defer cancel()
	if _, err := r.api.GetUpdates(cctx, offset, 0, AllowedUpdates); err != nil {
		r.log.Warn("confirming offset failed", "err", err)
	}
	return nil
}

// applyBatch handles a batch: one goroutine per chat (bounded), each chat's updates in order.
func (r *Runtime) applyBatch(ctx context.Context, ups []tgbotapi.Update, concurrency int) []int64 {
	byChat := map[int64][]*tgbotapi.Update{}
	var order []int64
	for i := range ups {
		id := chatOf(&ups[i])
		if _, ok := byChat[id]; !ok {
			order = append(order, id)
		}
		byChat[id] = append(byChat[id], &ups[i])
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, id := range order {
		list := byChat[id]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, u := range list {
				r.applyWithRetry(ctx, u)
			}
		}()
	}
	wg.Wait()
	return order
}

// applyWithRetry applies an update, retrying for a few seconds while the store is
// unavailable; after that the person is told to try again and the update is let go (it was
// not applied, so nothing was acknowledged to them).
func (r *Runtime) applyWithRetry(ctx context.Context, u *tgbotapi.Update) {
	backoff := 200 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.Handle(ctx, u)
		if err == nil || !errors.Is(err, ErrUnavailable) {
			return
		}
		if time.Now().After(deadline) {
			r.TellUnavailable(ctx, u)
			return
		}
		if sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func chatOf(u *tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.ChatMember != nil:
		return u.ChatMember.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

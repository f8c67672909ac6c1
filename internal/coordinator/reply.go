package coordinator

import (
	"context"
	"sync"
)

// reply is a parked answer: fn runs once records before end are committed.
type reply struct {
	end int64
	fn  func(error)
}

// replyQueue is an unbounded FIFO from the loop (which must never block on
// it) to the reply goroutine.
type replyQueue struct {
	mu    sync.Mutex
	items []reply
	wake  chan struct{} // capacity 1: "there may be items"
}

func (q *replyQueue) push(r reply) {
	q.mu.Lock()
	q.items = append(q.items, r)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *replyQueue) take() []reply {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// replyLoop delivers parked replies in order. Commit waits go one after the
// other, and one that finds its offset already committed returns at once,
// so a group commit (one fdatasync) releases a whole run of replies.
func (sh *Shard) replyLoop() {
	committed := int64(-1)
	for {
		// The loop is the only producer: once it has exited nothing more
		// is parked, so draining then leaves no reply behind.
		select {
		case <-sh.done:
			for _, r := range sh.replies.take() {
				r.fn(ErrNotCoordinator)
			}
			return
		case <-sh.replies.wake:
		}
		for _, r := range sh.replies.take() {
			if sh.replyCtx.Err() != nil {
				r.fn(ErrNotCoordinator)
				continue
			}
			if r.end <= committed {
				r.fn(nil)
				continue
			}
			ctx, cancel := context.WithTimeout(sh.replyCtx, sh.opts.CommitTimeout)
			err := sh.w.WaitCommitted(ctx, sh.partition, r.end)
			cancel()
			switch {
			case err == nil:
				committed = r.end
			case sh.replyCtx.Err() != nil:
				err = ErrNotCoordinator
			}
			r.fn(err)
		}
	}
}

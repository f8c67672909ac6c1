package replica

import "sync"

// FetchWaiter lets one long-polling fetch wait for an append to any of its
// partitions on a single channel: no goroutine per partition, and an append
// costs one non-blocking send per waiting fetch.
//
// Use: Watch every partition the fetch read, then check that none moved
// past what the read saw (an append between the read and Watch would
// otherwise be missed), then wait on C. Close unregisters; a FetchWaiter is
// used by one goroutine.
type FetchWaiter struct {
	// C receives a value after an append to a watched partition. It holds
	// one value, so appends that arrive while nobody waits collapse into
	// one wake-up (possibly a spurious one for data already read).
	C       chan struct{}
	watched []*Partition
}

// NewFetchWaiter returns a waiter watching nothing.
func NewFetchWaiter() *FetchWaiter { return &FetchWaiter{C: make(chan struct{}, 1)} }

// Watch registers w with p until Close.
func (w *FetchWaiter) Watch(p *Partition) {
	p.waitersMu.Lock()
	if p.waiters == nil {
		p.waiters = map[*FetchWaiter]struct{}{}
	}
	p.waiters[w] = struct{}{}
	p.waitersMu.Unlock()
	w.watched = append(w.watched, p)
}

// Close unregisters w from every partition it watches. A nil w is fine.
func (w *FetchWaiter) Close() {
	if w == nil {
		return
	}
	for _, p := range w.watched {
		p.waitersMu.Lock()
		delete(p.waiters, w)
		p.waitersMu.Unlock()
	}
	w.watched = nil
}

// waiterSet is the part of Partition that fetch waiters register with.
type waiterSet struct {
	waitersMu sync.Mutex
	waiters   map[*FetchWaiter]struct{}
}

// notifyAppended wakes every fetch waiting for data.
func (s *waiterSet) notifyAppended() {
	s.waitersMu.Lock()
	for w := range s.waiters {
		select {
		case w.C <- struct{}{}:
		default:
		}
	}
	s.waitersMu.Unlock()
}

package replica

import "testing"

// TestFetchWaiter: an append signals every waiter watching the partition,
// once however many appends pile up, and nothing after Close.
func TestFetchWaiter(t *testing.T) {
	var p, q Partition
	w1, w2 := NewFetchWaiter(), NewFetchWaiter()
	w1.Watch(&p)
	w1.Watch(&q)
	w2.Watch(&q)
	p.notifyAppended()
	p.notifyAppended()
	if got := len(w1.C); got != 1 {
		t.Fatalf("w1 holds %d signals after two appends to p, want 1", got)
	}
	if got := len(w2.C); got != 0 {
		t.Fatalf("w2 does not watch p but holds %d signals", got)
	}
	<-w1.C
	q.notifyAppended()
	if len(w1.C) != 1 || len(w2.C) != 1 {
		t.Fatalf("an append to q signalled w1 %d and w2 %d times, want 1 each", len(w1.C), len(w2.C))
	}
	<-w1.C
	<-w2.C
	w1.Close()
	p.notifyAppended()
	q.notifyAppended()
	if len(w1.C) != 0 || len(w2.C) != 1 {
		t.Fatalf("after w1.Close: w1 %d signals (want 0), w2 %d (want 1)", len(w1.C), len(w2.C))
	}
	if len(p.waiters) != 0 || len(q.waiters) != 1 {
		t.Fatalf("waiter sets p=%d q=%d after Close, want 0 and 1", len(p.waiters), len(q.waiters))
	}
	var nilWaiter *FetchWaiter
	nilWaiter.Close()
}

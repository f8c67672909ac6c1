package api

import (
	"context"
	"sync"
)

// ProducerIDAllocator reserves blocks of producer ids for this broker (the
// controller's AllocateProducerIDs). Ids of a block are never handed out
// again, across restarts too.
type ProducerIDAllocator interface {
	AllocateProducerIDs(ctx context.Context, brokerID int32) (start int64, count int64, err error)
}

// producerIDs hands out ids from the current block and fetches a new block
// when it runs out.
type producerIDs struct {
	mu        sync.Mutex
	next, end int64
}

func newProducerIDs() *producerIDs { return &producerIDs{} }

func (p *producerIDs) take(ctx context.Context, src ProducerIDAllocator, node int32) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= p.end {
		start, n, err := src.AllocateProducerIDs(ctx, node)
		if err != nil {
			return 0, err
		}
		p.next, p.end = start, start+n
	}
	id := p.next
	p.next++
	return id, nil
}

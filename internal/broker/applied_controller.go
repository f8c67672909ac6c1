package broker

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/metadata"
)

// appliedMetadata tracks the metadata image this broker has applied to its
// partitions and topic configs, and lets callers wait for an offset.
type appliedMetadata struct {
	image atomic.Pointer[metadata.Image]
	mu    sync.Mutex
	// changed is closed (and replaced) whenever image advances.
	changed chan struct{}
}

func newAppliedMetadata() *appliedMetadata {
	return &appliedMetadata{changed: make(chan struct{})}
}

// publish records img as applied and wakes waiters.
func (a *appliedMetadata) publish(img *metadata.Image) {
	a.mu.Lock()
	a.image.Store(img)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
}

// waitFor blocks until an image at offset or later is applied, or ctx ends.
func (a *appliedMetadata) waitFor(ctx context.Context, offset int64) {
	for {
		a.mu.Lock()
		img, changed := a.image.Load(), a.changed
		a.mu.Unlock()
		if img != nil && img.Offset() >= offset {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// appliedController is the controller as the request handlers see it. Kafka
// brokers answer Metadata from their own metadata cache, updated together
// with their partitions, so a client is never sent to a partition its
// leader does not serve yet: Image here is the image this broker has
// applied, not the quorum's newest. And a mutation returns once this broker
// has applied it, so a client that created a topic can produce to it at
// once (read-your-writes on the node that took the request).
type appliedController struct {
	*controller.Controller
	applied *appliedMetadata
}

// Image implements api.Controller. Before the first image is applied
// (start-up) it falls back to the quorum's.
func (c appliedController) Image() *metadata.Image {
	if img := c.applied.image.Load(); img != nil {
		return img
	}
	return c.Controller.Image()
}

// caughtUp waits until this broker has applied everything the controller
// had committed when the mutation returned (bounded by ctx).
func (c appliedController) caughtUp(ctx context.Context) {
	c.applied.waitFor(ctx, c.Controller.Image().Offset())
}

// CreateTopics implements api.Controller.
func (c appliedController) CreateTopics(ctx context.Context, topics []controller.CreateTopic) []controller.CreateTopicResult {
	defer c.caughtUp(ctx)
	return c.Controller.CreateTopics(ctx, topics)
}

// DeleteTopics implements api.Controller.
func (c appliedController) DeleteTopics(ctx context.Context, names []string, ids [][16]byte) []controller.DeleteTopicResult {
	defer c.caughtUp(ctx)
	return c.Controller.DeleteTopics(ctx, names, ids)
}

// CreatePartitions implements api.Controller.
func (c appliedController) CreatePartitions(ctx context.Context, reqs []controller.CreatePartitions) []controller.CreatePartitionsResult {
	defer c.caughtUp(ctx)
	return c.Controller.CreatePartitions(ctx, reqs)
}

// AlterConfigs implements api.Controller.
func (c appliedController) AlterConfigs(ctx context.Context, resources []controller.AlterConfigsResource, incremental, validateOnly bool) []controller.AlterConfigsResult {
	defer c.caughtUp(ctx)
	return c.Controller.AlterConfigs(ctx, resources, incremental, validateOnly)
}

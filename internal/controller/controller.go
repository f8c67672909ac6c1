package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/metadata"
)

// Controller is the metadata quorum member on this node: it owns the raft
// log of metadata records, publishes the metadata image it builds, and, as
// the active controller (the raft leader), serves the operations that change
// metadata.
//
// Create one with New, Start it, Close it. Image and Subscribe may be used
// at any time; operations return ErrNotController before Start.
type Controller struct {
	opts    Options
	logger  *slog.Logger
	hclog   *hclogAdapter
	metrics *metrics

	store *raftboltdb.BoltStore
	logs  raft.LogStore
	snaps raft.SnapshotStore
	trans raft.Transport
	raft  *raft.Raft

	// image is the latest applied metadata image, published by the FSM.
	image atomic.Pointer[metadata.Image]

	// pubMu serializes publishing: the FSM's calls of the subscribers and
	// Subscribe's first call, so each subscriber sees every image once, in
	// order. subMu guards subs alone, so unsubscribing from inside a
	// subscriber (which runs under pubMu) does not deadlock.
	pubMu   sync.Mutex
	subMu   sync.Mutex
	subs    map[uint64]func(*metadata.Image, *metadata.Delta)
	nextSub uint64

	// events carries operations to the event loop. Unbuffered: an accepted
	// event is one the loop has taken, so none is stranded at Close.
	events chan *event
	// pending carries proposed batches from the loop to the waiter, in
	// proposal (hence commit) order.
	pending chan *proposal
	// stop is closed by Close; loopDone and waiterDone by the goroutines.
	stop       chan struct{}
	loopDone   chan struct{}
	waiterDone chan struct{}

	// lifeMu is held by Start throughout and by Close after it closed stop,
	// so Close never tears down under a half-finished Start.
	lifeMu    sync.Mutex
	startOnce sync.Once
	started   atomic.Bool
	closeOnce sync.Once
	closeErr  error

	// Event-loop state: only the loop goroutine touches these.
	//
	// spec is the image with every batch the loop proposed applied, the
	// committed ones and those still in flight, so an operation is validated
	// against the effects of the ones queued before it without waiting for
	// their commit. It is reset to the committed image when nothing is in
	// flight or a proposal failed.
	spec *metadata.Image
	// placement rotates the first broker of automatic replica placement.
	placement int

	// inflight counts proposals not yet completed; stale is set when one
	// failed; drained is signalled when inflight drops to zero. Written by
	// the waiter, read by the loop.
	inflight atomic.Int64
	stale    atomic.Bool
	drained  chan struct{}
}

// event is one operation on its way to the event loop.
type event struct {
	ctx context.Context
	op  string
	// run validates the operation against img and returns the records to
	// commit (none for a no-op or a validate-only request). It runs on the
	// loop goroutine and may write results that its caller reads after done.
	run  func(img *metadata.Image) ([]metadata.Record, error)
	done chan outcome // buffered: the completer never blocks
}

// outcome completes an event. ran tells the caller that run was called, so
// the results it wrote are visible (done's send happens after them).
type outcome struct {
	ran bool
	err error
}

// proposal is a batch given to raft and not yet applied.
type proposal struct {
	ev       *event
	future   raft.ApplyFuture
	proposed time.Time
}

// pendingProposals bounds the proposals queued between the loop and the
// waiter; beyond it the loop waits for commits (back-pressure).
const pendingProposals = 256

// New validates opts and opens the raft stores in opts.Dir. It does not
// join the quorum: Start does. logger must not be nil; reg may be nil (no
// metrics registered).
func New(opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Controller, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Controller{
		opts:       opts,
		logger:     logger,
		hclog:      newHclog(logger, "raft"),
		metrics:    newMetrics(reg),
		subs:       map[uint64]func(*metadata.Image, *metadata.Delta){},
		events:     make(chan *event),
		pending:    make(chan *proposal, pendingProposals),
		stop:       make(chan struct{}),
		loopDone:   make(chan struct{}),
		waiterDone: make(chan struct{}),
		drained:    make(chan struct{}, 1),
	}
	c.image.Store(metadata.EmptyImage())
	if err := c.openStores(); err != nil {
		return nil, err
	}
	return c, nil
}

// Start joins the quorum and returns once this node is the active
// controller and its image reflects the whole metadata log: raft has
// restored the latest snapshot, this node has won the election, and a
// barrier has applied every earlier entry. On a new log it bootstraps the
// single-voter configuration first and then writes the cluster ID.
//
// With one voter Start takes about HeartbeatTimeout to 2×HeartbeatTimeout
// (see DefaultOptions) plus the replay. Start may be called once; after an
// error, Close the controller.
func (c *Controller) Start(ctx context.Context) error {
	err := errors.New("controller: Start called twice")
	c.startOnce.Do(func() { err = c.start(ctx) })
	return err
}

func (c *Controller) start(ctx context.Context) error {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.closing() {
		return ErrClosed
	}
	began := time.Now()
	conf := c.raftConfig()
	if err := c.bootstrap(conf); err != nil {
		return err
	}
	r, err := raft.NewRaft(conf, &fsm{c: c}, c.logs, c.store, c.snaps, c.trans)
	if err != nil {
		return fmt.Errorf("controller: starting raft: %w", err)
	}
	c.raft = r
	for r.State() != raft.Leader {
		select {
		case <-r.LeaderCh():
		case <-ctx.Done():
			return fmt.Errorf("controller: waiting for leadership: %w", ctx.Err())
		case <-c.stop:
			return ErrClosed
		}
	}
	elected := time.Since(began)
	// A new leader's FSM may trail its log (entries of earlier terms are
	// applied only once this term commits an entry); the barrier waits for
	// them, so the image is complete before the first operation reads it.
	if err := await(ctx, r.Barrier(0)); err != nil {
		return fmt.Errorf("controller: catching up the metadata log: %w", err)
	}
	if err := c.ensureClusterID(ctx); err != nil {
		return err
	}
	if c.closing() {
		return ErrClosed
	}
	c.spec = c.image.Load()
	go c.runWaiter()
	go c.runLoop()
	c.started.Store(true)
	c.metrics.leader.Set(1)
	total := time.Since(began)
	c.metrics.startupSeconds.Set(total.Seconds())
	img := c.image.Load()
	c.logger.Info("controller: active", "node", c.opts.NodeID, "cluster_id", img.ClusterID(),
		"offset", img.Offset(), "topics", img.NumTopics(), "elected_in", elected, "started_in", total)
	return nil
}

// ensureClusterID writes the BootstrapRecord into a new log, or checks
// Options.ClusterID against the log's.
func (c *Controller) ensureClusterID(ctx context.Context) error {
	have := c.image.Load().ClusterID()
	switch {
	case have != "" && c.opts.ClusterID != "" && have != c.opts.ClusterID:
		return fmt.Errorf("%w: metadata log in %s belongs to cluster %s, configured %s",
			ErrInconsistentClusterID, c.opts.Dir, have, c.opts.ClusterID)
	case have != "":
		return nil
	}
	id := c.opts.ClusterID
	if id == "" {
		id = metadata.RandomUUID().String()
	}
	f := c.raft.Apply(metadata.EncodeBatch([]metadata.Record{&metadata.BootstrapRecord{ClusterID: id}}), 0)
	if err := await(ctx, f); err != nil {
		return fmt.Errorf("controller: writing the cluster ID: %w", err)
	}
	if err, _ := f.Response().(error); err != nil {
		return fmt.Errorf("controller: writing the cluster ID: %w", err)
	}
	c.logger.Info("controller: new cluster", "cluster_id", id)
	return nil
}

// Close stops the controller: it stops taking operations, lets the ones
// already proposed complete, shuts raft down and closes the stores. Safe to
// call more than once and before or after a failed Start.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.lifeMu.Lock()
		defer c.lifeMu.Unlock()
		if c.started.Load() {
			// The loop exits and closes pending; the waiter drains it. Raft
			// still runs here, so every proposal completes, by commit or by
			// lost leadership: hashicorp/raft never completes an entry that
			// was committed but not yet applied when it shuts down, so it
			// must not shut down under a waiting proposal.
			<-c.loopDone
			<-c.waiterDone
			c.started.Store(false)
		}
		var errs []error
		if c.raft != nil {
			errs = append(errs, c.raft.Shutdown().Error())
		}
		c.metrics.leader.Set(0)
		errs = append(errs, c.store.Close())
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// closing reports whether Close was called.
func (c *Controller) closing() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// Image returns the latest metadata image applied on this node. It never
// returns nil (before Start, the empty image). The image is immutable.
func (c *Controller) Image() *metadata.Image { return c.image.Load() }

// Subscribe registers fn to be called with each new image and the delta
// that produced it, in metadata log order. fn is first called before
// Subscribe returns, with the current image and the delta from the empty
// image (all of it), so a subscriber misses nothing between reading an image
// and subscribing.
//
// fn runs on the raft FSM goroutine (or, for the first call, the caller's),
// with the next apply waiting for it: it must not block, must not call
// Subscribe, Close or any controller operation (they would wait for the
// FSM it is holding up), and should hand slow work to its own goroutine. After a snapshot restore fn receives the
// delta between the images before and after it. It may call unsubscribe;
// after unsubscribe returns fn is not called again, except for a call
// already under way on the FSM goroutine.
func (c *Controller) Subscribe(fn func(img *metadata.Image, delta *metadata.Delta)) (unsubscribe func()) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.subMu.Lock()
	id := c.nextSub
	c.nextSub++
	c.subs[id] = fn
	c.subMu.Unlock()
	img := c.image.Load()
	fn(img, metadata.Diff(metadata.EmptyImage(), img))
	return func() {
		c.subMu.Lock()
		delete(c.subs, id)
		c.subMu.Unlock()
	}
}

// publish makes img the current image and tells the subscribers. Called on
// the FSM goroutine (and by Restore, also on it).
func (c *Controller) publish(img *metadata.Image, delta *metadata.Delta) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.image.Store(img)
	c.metrics.offset.Set(float64(img.Offset()))
	c.subMu.Lock()
	fns := make([]func(*metadata.Image, *metadata.Delta), 0, len(c.subs))
	for _, fn := range c.subs {
		fns = append(fns, fn)
	}
	c.subMu.Unlock()
	for _, fn := range fns {
		fn(img, delta)
	}
}

// submit runs run on the event loop and waits until the records it returns
// are committed and applied (so the caller's next c.Image() shows them), or
// the operation failed, or ctx ended. ran reports that run was called, and
// so that whatever it wrote may be read.
//
// When ctx ends after the proposal, the operation may still commit: the
// caller gets ctx's error and an unknown outcome, as a Kafka client whose
// request timed out does.
func (c *Controller) submit(ctx context.Context, op string, run func(*metadata.Image) ([]metadata.Record, error)) (ran bool, err error) {
	c.metrics.operations.WithLabelValues(op).Inc()
	defer func() {
		if err != nil {
			c.metrics.errors.WithLabelValues(op).Inc()
		}
	}()
	if !c.started.Load() {
		select {
		case <-c.stop:
			return false, ErrClosed
		default:
			return false, ErrNotController
		}
	}
	ev := &event{ctx: ctx, op: op, run: run, done: make(chan outcome, 1)}
	select {
	case c.events <- ev:
	case <-c.stop:
		return false, ErrClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case o := <-ev.done:
		return o.ran, o.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// runLoop is the event loop: the one goroutine that validates operations and
// proposes their records, so operations are totally ordered and each sees
// the effects of the ones before it.
func (c *Controller) runLoop() {
	defer close(c.loopDone)
	defer close(c.pending)
	for {
		select {
		case <-c.stop:
			return
		case ev := <-c.events:
			c.handle(ev)
		}
	}
}

// base returns the image an operation is validated against: spec, or the
// committed image when nothing is in flight.
func (c *Controller) base() *metadata.Image {
	switch {
	case c.stale.Swap(false):
		// A proposal failed, so spec may hold effects that will never
		// commit, while proposals after it may still commit. Wait until
		// every one has completed and start over from the committed image,
		// so the next operation is validated against exactly what the log
		// holds. (With one voter this happens only at Close.)
		for c.inflight.Load() > 0 {
			select {
			case <-c.drained:
			case <-c.stop:
				return c.image.Load()
			}
		}
		c.spec = c.image.Load()
	case c.inflight.Load() == 0:
		c.spec = c.image.Load()
	}
	return c.spec
}

func (c *Controller) handle(ev *event) {
	if err := ev.ctx.Err(); err != nil {
		ev.done <- outcome{err: err}
		return
	}
	base := c.base()
	records, err := ev.run(base)
	if err != nil || len(records) == 0 {
		ev.done <- outcome{ran: true, err: err}
		return
	}
	// Applying locally first both advances spec and catches an operation
	// that produced records its own validation should have refused, before
	// they reach the log. The offset is a placeholder: only order matters.
	next, _, err := base.Apply(records, base.Offset()+1)
	if err != nil {
		c.logger.Error("controller: operation produced records that do not apply", "op", ev.op, "err", err)
		ev.done <- outcome{ran: true, err: fmt.Errorf("controller: %s: internal error: %w", ev.op, err)}
		return
	}
	c.spec = next
	c.inflight.Add(1)
	f := c.raft.Apply(metadata.EncodeBatch(records), 0)
	c.pending <- &proposal{ev: ev, future: f, proposed: time.Now()}
}

// runWaiter completes proposals in order as raft commits and applies them.
// It ends when the loop has closed pending and every proposal completed.
func (c *Controller) runWaiter() {
	defer close(c.waiterDone)
	for p := range c.pending {
		err := p.future.Error()
		if err == nil {
			// The FSM's verdict: nil, or why it rejected the batch (only
			// possible when spec was stale, see base).
			if rej, _ := p.future.Response().(error); rej != nil {
				err = fmt.Errorf("controller: %s: metadata log entry rejected: %w", p.ev.op, rej)
			}
			c.metrics.commitSeconds.Observe(time.Since(p.proposed).Seconds())
		} else {
			err = raftError(err)
		}
		if err != nil {
			c.stale.Store(true) // before the decrement: see base
		}
		if c.inflight.Add(-1) == 0 {
			select {
			case c.drained <- struct{}{}:
			default:
			}
		}
		p.ev.done <- outcome{ran: true, err: err}
	}
}

// raftError maps raft's errors to the controller's.
func raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrAbortedByRestore):
		return fmt.Errorf("%w: %w", ErrNotController, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return fmt.Errorf("controller: raft: %w", err)
}

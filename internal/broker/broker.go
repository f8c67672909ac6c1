package broker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/samsa-io/samsa/internal/api"
	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/metadata"
	"github.com/samsa-io/samsa/internal/replica"
	"github.com/samsa-io/samsa/internal/server"
	"github.com/samsa-io/samsa/internal/storage"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// Broker is one running Samsa node: controller and broker in one process.
type Broker struct {
	cfg      *config.Broker
	logger   *slog.Logger
	registry *prometheus.Registry

	logs     *storage.Manager
	ctrl     *controller.Controller
	replicas *replica.Manager
	groups   *group.Coordinator
	topics   *topicConfigs
	server   *server.Server
	admin    *adminServer
	ready    atomic.Bool

	// images carries new metadata images from the controller to the
	// publisher goroutine (latest wins), so log creation never blocks the
	// controller's apply loop.
	images      chan *metadata.Image
	unsubscribe func()
	stopPublish chan struct{}
	published   sync.WaitGroup
	// appliedOffset is the metadata offset the local partitions reflect.
	appliedOffset atomic.Int64
}

// New builds a broker from its configuration; Start runs it. The registry
// receives every component's metrics and backs /metrics.
func New(cfg *config.Broker, logger *slog.Logger, registry *prometheus.Registry) (*Broker, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if registry == nil {
		registry = prometheus.NewRegistry()
	}
	return &Broker{cfg: cfg, logger: logger, registry: registry, topics: newTopicConfigs(cfg),
		images: make(chan *metadata.Image, 1), stopPublish: make(chan struct{})}, nil
}

// Start opens the logs, starts the controller, registers this broker,
// opens the listeners and brings the local partitions in line with the
// metadata. On error, whatever was started is stopped again.
func (b *Broker) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			b.Shutdown(context.Background())
		}
	}()
	start := time.Now()
	b.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if b.cfg.AdminListener != "" {
		if b.admin, err = startAdmin(b.cfg.AdminListener, b.registry, &b.ready, b.logger); err != nil {
			return fmt.Errorf("broker: admin listener: %w", err)
		}
	}
	if b.logs, err = storage.NewManager(b.storageOptions(), b.logger.With("component", "storage"), b.registry); err != nil {
		return err
	}
	if b.ctrl, err = controller.New(b.controllerOptions(), b.logger.With("component", "controller"), b.registry); err != nil {
		return err
	}
	if err = b.ctrl.Start(ctx); err != nil {
		return err
	}
	b.replicas = replica.NewManager(replica.Options{NodeID: b.cfg.NodeID, DurableAcks: b.cfg.Bool("samsa.acks.all.durable")}, b.logs, b.logger.With("component", "replica"))
	b.registry.MustRegister(newPartitionCollector(b.replicas))
	// The group coordinator exists before the publisher runs, so that the
	// first image applied loads the __consumer_offsets partitions led here.
	if b.groups, err = group.New(b.groupOptions(), offsetsLog{b.replicas}, offsetsLog{b.replicas}, b.logger.With("component", "group"), b.registry); err != nil {
		return err
	}
	b.unsubscribe = b.ctrl.Subscribe(func(img *metadata.Image, _ *metadata.Delta) { b.offerImage(img) })
	b.published.Go(b.publishLoop)

	router := api.NewRouter(api.Deps{
		NodeID: b.cfg.NodeID, Replicas: b.replicas, Topics: b.topics, BrokerConfig: b.topics, Controller: b.ctrl,
		ProducerIDs: producerIDSource{b.ctrl}, AutoCreateTopics: b.cfg.Bool("auto.create.topics.enable"),
		Groups: b.groups,
		OffsetsTopic: api.OffsetsTopic{Partitions: int32(b.cfg.Int("offsets.topic.num.partitions")),
			ReplicationFactor: int16(b.cfg.Int("offsets.topic.replication.factor")), SegmentBytes: b.cfg.Int("offsets.topic.segment.bytes")},
		Logger: b.logger.With("component", "api"),
	})
	if b.server, err = server.New(b.serverOptions(), router, b.logger.With("component", "server"), b.registry); err != nil {
		return err
	}
	// Listeners bind before registration so that port 0 (tests) can be
	// advertised as the port actually bound. Until registration commits,
	// Metadata lists no brokers and clients retry.
	if err = b.server.Start(); err != nil {
		return err
	}
	if err = b.register(ctx); err != nil {
		return err
	}
	b.apply(b.ctrl.Image())
	b.ready.Store(true)
	b.logger.Info("broker started", "node", b.cfg.NodeID, "cluster", b.ctrl.Image().ClusterID(), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// Addr is the bound address of a listener (useful with port 0).
func (b *Broker) Addr(listener string) net.Addr {
	if b.server == nil {
		return nil
	}
	return b.server.Addr(listener)
}

// AdminAddr is the bound admin HTTP address, or nil.
func (b *Broker) AdminAddr() net.Addr {
	if b.admin == nil {
		return nil
	}
	return b.admin.addr()
}

// Shutdown stops the broker in reverse start order: listeners (finishing
// in-flight requests; waiting joins end with their request context), the
// metadata publisher, the group coordinator (its shards, before the logs
// they write), the logs (flushed and closed cleanly), the controller, the
// admin port.
func (b *Broker) Shutdown(ctx context.Context) error {
	b.ready.Store(false)
	var errs []error
	if b.server != nil {
		errs = append(errs, b.server.Shutdown(ctx))
	}
	if b.unsubscribe != nil {
		b.unsubscribe()
	}
	select {
	case <-b.stopPublish:
	default:
		close(b.stopPublish)
	}
	b.published.Wait()
	if b.groups != nil {
		b.groups.Close()
	}
	if b.logs != nil {
		errs = append(errs, b.logs.Close())
	}
	if b.ctrl != nil {
		errs = append(errs, b.ctrl.Close())
	}
	if b.admin != nil {
		errs = append(errs, b.admin.shutdown(ctx))
	}
	return errors.Join(errs...)
}

// register announces this broker and its advertised listeners.
func (b *Broker) register(ctx context.Context) error {
	var incarnation [16]byte
	rand.Read(incarnation[:])
	reg := controller.BrokerRegistration{ID: b.cfg.NodeID, IncarnationID: incarnation}
	if b.cfg.Rack != "" {
		rack := b.cfg.Rack
		reg.Rack = &rack
	}
	for _, l := range b.advertised() {
		reg.Endpoints = append(reg.Endpoints, metadata.Endpoint{Name: l.Name, Host: l.Host, Port: int32(l.Port), SecurityProtocol: securityProtocolID(l.SecurityProtocol)})
	}
	return b.ctrl.RegisterBroker(ctx, reg)
}

// advertised returns the client listeners as clients should reach them.
func (b *Broker) advertised() []config.Listener {
	controllers := map[string]bool{}
	for _, n := range b.cfg.ControllerListenerNames {
		controllers[n] = true
	}
	adv := b.cfg.AdvertisedListeners
	if len(adv) == 0 {
		adv = b.cfg.Listeners
	}
	var out []config.Listener
	for _, l := range adv {
		if controllers[l.Name] {
			continue
		}
		if b.server != nil {
			// Port 0 (tests) advertises the port actually bound.
			if a, ok := b.server.Addr(l.Name).(*net.TCPAddr); ok && l.Port == 0 {
				l.Port = a.Port
			}
		}
		if l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" {
			l.Host = "localhost"
		}
		out = append(out, l)
	}
	return out
}

func securityProtocolID(p string) int16 {
	switch p {
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return 0
}

// offerImage hands the newest image to the publisher (the controller's apply
// loop must not block, so an unread older image is replaced).
func (b *Broker) offerImage(img *metadata.Image) {
	for {
		select {
		case b.images <- img:
			return
		default:
		}
		select {
		case <-b.images:
		default:
		}
	}
}

func (b *Broker) publishLoop() {
	for {
		select {
		case <-b.stopPublish:
			return
		case img := <-b.images:
			b.apply(img)
		}
	}
}

// apply brings the local partitions, topic configs and dynamic broker
// configs in line with img. Every local log gets its topic's options again,
// which is how an AlterConfigs (of the topic, or of a broker default under
// it) reaches storage.
func (b *Broker) apply(img *metadata.Image) {
	if img.Offset() <= b.appliedOffset.Load() && b.appliedOffset.Load() != 0 {
		return
	}
	if err := b.topics.apply(img); err != nil {
		b.logger.Warn("stored dynamic broker configs are invalid; using the static ones", "offset", img.Offset(), "err", err)
	}
	var as []replica.Assignment
	for _, t := range img.Topics() {
		for id, p := range t.Partitions {
			as = append(as, replica.Assignment{Topic: t.Name, TopicID: t.ID, Partition: id, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, Replicas: p.Replicas})
		}
	}
	if err := b.replicas.Reconcile(as); err != nil {
		b.logger.Error("applying metadata", "offset", img.Offset(), "err", err)
	}
	for _, p := range b.replicas.Partitions() {
		if err := p.Log().SetOptions(b.topics.storageOptions(p.Topic)); err != nil {
			b.logger.Warn("topic config does not apply to its log", "topic", p.Topic, "err", err)
		}
	}
	b.applyGroups(img)
	b.appliedOffset.Store(img.Offset())
}

// producerIDSource adapts the controller's block allocation to api.
type producerIDSource struct{ c *controller.Controller }

func (s producerIDSource) AllocateProducerIDs(ctx context.Context, brokerID int32) (int64, int64, error) {
	start, err := s.c.AllocateProducerIDs(ctx, brokerID, controller.ProducerIDBlockSize)
	return start, controller.ProducerIDBlockSize, err
}

func (b *Broker) storageOptions() storage.ManagerOptions {
	o := storage.DefaultManagerOptions(b.cfg.LogDirs...)
	o.FS = fileutil.OS()
	o.LogOptions = b.topics.storageOptions
	o.RetentionCheckInterval = b.cfg.Duration("log.retention.check.interval.ms")
	o.FlushCheckInterval = min(b.cfg.Duration("log.flush.scheduler.interval.ms"), time.Second)
	o.CheckpointInterval = b.cfg.Duration("log.flush.offset.checkpoint.interval.ms")
	o.RecoveryThreads = int(max(b.cfg.Int("num.recovery.threads.per.data.dir"), 1)) * len(b.cfg.LogDirs)
	return o
}

func (b *Broker) controllerOptions() controller.Options {
	o := controller.DefaultOptions()
	o.NodeID = b.cfg.NodeID
	// Kafka's layout: the metadata log lives in "__cluster_metadata-0" under
	// metadata.log.dir (by default the first log dir); storage skips it.
	dir := b.cfg.MetadataLogDir
	if dir == "" {
		dir = b.cfg.LogDirs[0]
	}
	o.Dir = filepath.Join(dir, storage.MetadataDirName)
	o.ClusterID = b.cfg.ClusterID
	o.DefaultNumPartitions = int32(b.cfg.Int("num.partitions"))
	o.DefaultReplicationFactor = int16(b.cfg.Int("default.replication.factor"))
	o.ValidateTopicConfig = func(m map[string]*string) error { return config.ValidateTopicConfigs(deref(m)) }
	o.ValidateBrokerConfig = func(m map[string]*string) error { return config.ValidateBrokerConfigs(deref(m)) }
	return o
}

func (b *Broker) serverOptions() server.Options {
	o := server.DefaultOptions()
	controllers := map[string]bool{}
	for _, n := range b.cfg.ControllerListenerNames {
		controllers[n] = true
	}
	o.Listeners = nil
	for _, l := range b.cfg.Listeners {
		if !controllers[l.Name] {
			o.Listeners = append(o.Listeners, server.Listener{Name: l.Name, Addr: l.Addr()})
		}
	}
	o.MaxRequestSize = int32(b.cfg.Int("socket.request.max.bytes"))
	o.MaxConnections = int(min(b.cfg.Int("max.connections"), 1<<30))
	o.IdleTimeout = b.cfg.Duration("connections.max.idle.ms")
	return o
}

// deref turns a set of nullable config values into plain ones (a nil value
// deletes an override and needs no validation).
func deref(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

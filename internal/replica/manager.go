package replica

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/samsa-io/samsa/internal/storage"
)

// Options configure the replica Manager.
type Options struct {
	// NodeID is this broker's id.
	NodeID int32
	// DurableAcks (samsa.acks.all.durable) makes acks=all wait for fdatasync.
	DurableAcks bool
}

// Assignment describes one partition as the metadata image has it. The
// broker derives the list from metadata.Image for Reconcile.
type Assignment struct {
	Topic       string
	TopicID     [16]byte
	Partition   int32
	Leader      int32
	LeaderEpoch int32
	Replicas    []int32
}

// Manager holds the partitions hosted on this broker.
type Manager struct {
	opts   Options
	logs   *storage.Manager
	logger *slog.Logger

	mu    sync.RWMutex
	parts map[storage.TopicPartition]*Partition
	byID  map[[16]byte]string // topic id → name
}

// NewManager creates a Manager over the broker's log manager.
func NewManager(opts Options, logs *storage.Manager, logger *slog.Logger) *Manager {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{opts: opts, logs: logs, logger: logger, parts: map[storage.TopicPartition]*Partition{}, byID: map[[16]byte]string{}}
}

// Reconcile makes the local partitions match the metadata: every assigned
// partition that lists this broker as a replica gets a log (created if
// needed) and its current leader epoch; every local partition that is no
// longer assigned here is removed and its log deleted (a deleted topic).
// Assignments for other brokers are ignored.
func (m *Manager) Reconcile(assignments []Assignment) error {
	want := map[storage.TopicPartition]Assignment{}
	for _, a := range assignments {
		for _, r := range a.Replicas {
			if r == m.opts.NodeID {
				want[storage.TopicPartition{Topic: a.Topic, Partition: a.Partition}] = a
				break
			}
		}
	}
	var errs []error
	for tp, a := range want {
		m.mu.RLock()
		p, ok := m.parts[tp]
		m.mu.RUnlock()
		if ok && p.TopicID == a.TopicID {
			p.setLeaderEpoch(a.LeaderEpoch)
			continue
		}
		if ok {
			// Same name, new topic id: the topic was deleted and recreated.
			m.remove(tp)
		}
		log, err := m.logs.GetOrCreateLog(tp)
		if err != nil {
			errs = append(errs, fmt.Errorf("replica: create log %s: %w", tp, err))
			continue
		}
		p = newPartition(a.Topic, a.Partition, a.TopicID, log, a.LeaderEpoch, m.opts.DurableAcks)
		m.mu.Lock()
		m.parts[tp] = p
		m.byID[a.TopicID] = a.Topic
		m.mu.Unlock()
	}
	m.mu.RLock()
	var gone []storage.TopicPartition
	for tp := range m.parts {
		if _, ok := want[tp]; !ok {
			gone = append(gone, tp)
		}
	}
	m.mu.RUnlock()
	for _, tp := range gone {
		if err := m.remove(tp); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remove drops a partition and deletes its log.
func (m *Manager) remove(tp storage.TopicPartition) error {
	m.mu.Lock()
	p, ok := m.parts[tp]
	delete(m.parts, tp)
	if ok {
		stillUsed := false
		for other, q := range m.parts {
			if other.Topic == tp.Topic && q.TopicID == p.TopicID {
				stillUsed = true
				break
			}
		}
		if !stillUsed {
			delete(m.byID, p.TopicID)
		}
	}
	m.mu.Unlock()
	if !ok {
		return nil
	}
	m.logger.Info("deleting partition", "topic", tp.Topic, "partition", tp.Partition)
	return m.logs.DeleteLog(tp)
}

// Partition returns a local partition this broker leads.
func (m *Manager) Partition(topic string, index int32) (*Partition, error) {
	m.mu.RLock()
	p, ok := m.parts[storage.TopicPartition{Topic: topic, Partition: index}]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s-%d", ErrUnknownTopicOrPartition, topic, index)
	}
	return p, nil
}

// TopicName resolves a topic id to the name of a topic hosted here.
func (m *Manager) TopicName(id [16]byte) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	name, ok := m.byID[id]
	return name, ok
}

// Partitions returns every local partition.
func (m *Manager) Partitions() []*Partition {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*Partition, 0, len(m.parts))
	for _, p := range m.parts {
		out = append(out, p)
	}
	return out
}

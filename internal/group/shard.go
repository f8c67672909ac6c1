package group

import (
	"log/slog"
	"time"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// env is what the state machine needs from its shard: *coordinator.Shard
// in production, a fake with a manual clock and an in-memory log in tests.
type env interface {
	Now() time.Time
	Append(recs []coordinator.Record) (int64, error)
	AfterCommit(fn func(error))
	Schedule(key string, d time.Duration, fn func())
	Cancel(key string)
}

// shardState is one __consumer_offsets partition's groups: a
// coordinator.State. All methods run on the shard's loop.
type shardState struct {
	opts    *Options
	metrics *metrics
	logger  *slog.Logger
	env     env
	groups  map[string]*group
	// live is set between Loaded and Unloaded: state gauges count only
	// served groups.
	live bool
}

func newShardState(opts *Options, m *metrics, logger *slog.Logger) *shardState {
	return &shardState{opts: opts, metrics: m, logger: logger, groups: map[string]*group{}}
}

// Replay implements coordinator.State.
func (s *shardState) Replay(_ int64, rec coordinator.Record) error {
	d, ok, err := decodeRecord(rec)
	if err != nil {
		// A record that does not decode cannot be state Samsa wrote; one
		// bad record must not keep the partition (and every group on it)
		// from loading.
		s.logger.Warn("skipping an undecodable __consumer_offsets record", "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	g := s.groups[d.group]
	if d.isOffset {
		tp := TopicPartition{Topic: d.topic, Partition: d.partition}
		if d.offset == nil {
			if g != nil {
				delete(g.offsets, tp)
				s.dropIfUnused(g)
			}
			return nil
		}
		if g == nil {
			g = newGroup(d.group, time.UnixMilli(d.offset.CommitTimestamp))
			s.groups[d.group] = g
		}
		g.offsets[tp] = offsetEntry{offset: d.offset.Offset, leaderEpoch: d.offset.LeaderEpoch, metadata: d.offset.Metadata, commitTime: d.offset.CommitTimestamp}
		return nil
	}
	if d.meta == nil {
		if g != nil {
			g.persisted = nil
			g.members, g.order, g.static = map[string]*member{}, nil, map[string]string{}
			g.protocolType, g.protocol, g.leader, g.state = "", "", "", Empty
			s.dropIfUnused(g)
		}
		return nil
	}
	v := d.meta
	if g == nil {
		g = newGroup(d.group, time.Time{})
		s.groups[d.group] = g
	}
	g.persisted = append([]byte(nil), rec.Value...)
	g.protocolType = v.ProtocolType
	g.generation = v.Generation
	g.protocol, g.leader = "", ""
	if v.Protocol != nil {
		g.protocol = *v.Protocol
	}
	g.members, g.order, g.static = map[string]*member{}, nil, map[string]string{}
	for _, vm := range v.Members {
		m := &member{id: vm.MemberID, instanceID: vm.InstanceID, clientID: vm.ClientID, clientHost: vm.ClientHost,
			sessionTimeout:   time.Duration(vm.SessionTimeoutMillis) * time.Millisecond,
			rebalanceTimeout: time.Duration(vm.RebalanceTimeoutMillis) * time.Millisecond,
			protocols:        []Protocol{{Name: g.protocol, Metadata: vm.Subscription}},
			assignment:       vm.Assignment}
		if m.rebalanceTimeout <= 0 {
			m.rebalanceTimeout = m.sessionTimeout
		}
		g.add(m)
	}
	if v.Leader != nil {
		g.leader = *v.Leader
	}
	g.state = Empty
	if len(g.members) > 0 {
		g.state = Stable
	}
	if v.CurrentStateTimestamp >= 0 {
		g.stateTime = time.UnixMilli(v.CurrentStateTimestamp)
	}
	return nil
}

// dropIfUnused forgets a replayed group left with neither metadata nor
// offsets.
func (s *shardState) dropIfUnused(g *group) {
	if g.persisted == nil && len(g.offsets) == 0 && len(g.members) == 0 {
		delete(s.groups, g.id)
	}
}

// Loaded implements coordinator.State: members of loaded groups get a
// session (they must heartbeat, as after a coordinator failover in Kafka)
// and the retention check starts.
func (s *shardState) Loaded(sh *coordinator.Shard) { s.loaded(sh) }

func (s *shardState) loaded(e env) {
	s.env = e
	s.live = true
	for _, g := range s.groups {
		s.metrics.groups.WithLabelValues(g.state.String()).Inc()
		for _, m := range g.members {
			s.scheduleSession(g, m)
		}
	}
	s.scheduleRetention()
}

// Unloaded implements coordinator.State: every waiting member is told to
// find the new coordinator.
func (s *shardState) Unloaded() {
	for _, g := range s.groups {
		s.metrics.groups.WithLabelValues(g.state.String()).Dec()
		for _, m := range g.members {
			if m.joinReply != nil {
				m.joinReply(JoinResult{MemberID: m.id, Err: ErrNotCoordinator})
				m.joinReply = nil
			}
			if m.syncReply != nil {
				m.syncReply(SyncResult{Err: ErrNotCoordinator})
				m.syncReply = nil
			}
		}
	}
	s.live = false
}

// LiveRecords implements coordinator.State: each group's persisted
// metadata and every committed offset.
func (s *shardState) LiveRecords() []coordinator.Record {
	var out []coordinator.Record
	for _, g := range s.groups {
		if g.persisted != nil {
			out = append(out, coordinator.Record{Key: groupKey(g.id), Value: g.persisted})
		}
		for tp, o := range g.offsets {
			out = append(out, offsetRecord(g.id, tp.Topic, tp.Partition, o))
		}
	}
	return out
}

// setState moves g to st, keeping the state gauges and timestamp.
func (s *shardState) setState(g *group, st State) {
	if g.state == st {
		return
	}
	if s.live {
		s.metrics.groups.WithLabelValues(g.state.String()).Dec()
		if st != Dead {
			s.metrics.groups.WithLabelValues(st.String()).Inc()
		}
	}
	g.state = st
	g.stateTime = s.env.Now()
}

// getOrCreate returns the group, creating it Empty.
func (s *shardState) getOrCreate(id string) *group {
	if g := s.groups[id]; g != nil {
		return g
	}
	g := newGroup(id, s.env.Now())
	s.groups[id] = g
	if s.live {
		s.metrics.groups.WithLabelValues(Empty.String()).Inc()
	}
	return g
}

// removeGroup forgets g (Dead).
func (s *shardState) removeGroup(g *group) {
	s.setState(g, Dead)
	delete(s.groups, g.id)
	s.env.Cancel(joinTimerKey(g))
	s.env.Cancel(syncTimerKey(g))
}

// Timer keys: a NUL cannot appear in... anything we are given, but it
// keeps "a"+"b/c" apart from "a/b"+"c" regardless.
func sessionTimerKey(g *group, memberID string) string { return "s\x00" + g.id + "\x00" + memberID }
func pendingTimerKey(g *group, memberID string) string { return "p\x00" + g.id + "\x00" + memberID }
func joinTimerKey(g *group) string                     { return "j\x00" + g.id }
func syncTimerKey(g *group) string                     { return "y\x00" + g.id }

const retentionTimerKey = "retention"

// persist writes g's metadata record; on success it becomes what a
// rewrite copies.
func (s *shardState) persist(g *group) error {
	v := g.groupValue(s.env.Now().UnixMilli())
	if _, err := s.env.Append([]coordinator.Record{{Key: groupKey(g.id), Value: v}}); err != nil {
		return err
	}
	g.persisted = v
	return nil
}

package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// The raft plumbing: stores, transport, configuration and bootstrap.
//
// Log and stable store: raft-boltdb/v2 (bbolt), one file Dir/raft.db. It is
// the store Consul, Nomad and Vault have run for years. raft-wal would save an
// fsync per append and bbolt's free-list growth after truncations, but it
// still calls itself experimental, and the metadata log is small and written
// rarely (topic and broker changes, not records), so maturity wins. One
// constraint comes with it: raft-boltdb/v2 v2.3.1 imports go-metrics/compat,
// which go-metrics v0.7 dropped, so raft stays on v1.7.x until the store
// catches up.
//
// Snapshots: raft's file snapshot store in Dir/snapshots (CRC-64 per
// snapshot, atomic rename), holding metadata's snapshot stream.

const (
	storeFile   = "raft.db"
	snapshotDir = "snapshots"
	// logCacheSize keeps the newest entries in memory so a follower catching
	// up (and the leader's own FSM) reads them without a bbolt transaction.
	logCacheSize = 512
	// boltOpenTimeout bounds the wait for bbolt's file lock, so a second
	// process on the same metadata.log.dir fails instead of hanging.
	boltOpenTimeout = time.Second
)

// serverID is the raft server ID of a node: its node.id in decimal.
func serverID(node int32) raft.ServerID {
	return raft.ServerID(strconv.FormatInt(int64(node), 10))
}

// openStores opens (or creates) the raft stores in opts.Dir.
func (c *Controller) openStores() error {
	if err := os.MkdirAll(filepath.Join(c.opts.Dir, snapshotDir), 0o755); err != nil {
		return fmt.Errorf("controller: creating %s: %w", c.opts.Dir, err)
	}
	store, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(c.opts.Dir, storeFile),
		BoltOptions: &bbolt.Options{Timeout: boltOpenTimeout},
	})
	if err != nil {
		return fmt.Errorf("controller: opening %s: %w", filepath.Join(c.opts.Dir, storeFile), err)
	}
	logs, err := raft.NewLogCache(logCacheSize, store)
	if err != nil {
		store.Close()
		return fmt.Errorf("controller: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(c.opts.Dir, c.opts.SnapshotRetain, c.hclog.Named("snapshot"))
	if err != nil {
		store.Close()
		return fmt.Errorf("controller: opening snapshots: %w", err)
	}
	c.store, c.logs, c.snaps = store, logs, snaps
	c.trans = c.opts.Transport
	if c.trans == nil {
		// A fixed address, not a random one, because the address is part of
		// the raft configuration stored in the log.
		_, c.trans = raft.NewInmemTransport(raft.ServerAddress("inmem:" + string(serverID(c.opts.NodeID))))
	}
	return nil
}

// raftConfig turns Options into raft's Config.
func (c *Controller) raftConfig() *raft.Config {
	conf := raft.DefaultConfig()
	conf.LocalID = serverID(c.opts.NodeID)
	conf.Logger = c.hclog
	conf.HeartbeatTimeout = c.opts.HeartbeatTimeout
	conf.ElectionTimeout = c.opts.ElectionTimeout
	conf.LeaderLeaseTimeout = c.opts.LeaderLeaseTimeout
	conf.CommitTimeout = c.opts.CommitTimeout
	conf.SnapshotInterval = c.opts.SnapshotInterval
	conf.SnapshotThreshold = c.opts.SnapshotThreshold
	conf.TrailingLogs = c.opts.TrailingLogs
	// Buffer proposals so that several operations queued while the leader
	// writes one batch go to disk together (group commit). The price, Apply
	// timeouts becoming inexact, does not apply: the controller passes none.
	conf.BatchApplyCh = true
	// Metrics go to Prometheus through our own series; skip the duplicate
	// legacy go-metrics names.
	conf.NoLegacyTelemetry = true
	return conf
}

// bootstrap writes the initial single-voter configuration into a new
// metadata log, and does nothing to an existing one.
func (c *Controller) bootstrap(conf *raft.Config) error {
	has, err := raft.HasExistingState(c.logs, c.store, c.snaps)
	if err != nil {
		return fmt.Errorf("controller: reading raft state: %w", err)
	}
	if has {
		return nil
	}
	addr := c.trans.LocalAddr()
	if len(c.opts.Voters) == 1 && c.opts.Voters[0].Address != "" && c.opts.Transport != nil {
		addr = raft.ServerAddress(c.opts.Voters[0].Address)
	}
	cfg := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: conf.LocalID, Address: addr}}}
	if err := raft.BootstrapCluster(conf, c.logs, c.store, c.snaps, c.trans, cfg); err != nil {
		return fmt.Errorf("controller: bootstrapping the quorum: %w", err)
	}
	c.logger.Info("controller: bootstrapped a new single-voter metadata quorum", "node", c.opts.NodeID, "dir", c.opts.Dir)
	return nil
}

// await waits for a raft future, or for ctx. Raft futures cannot be
// cancelled or selected on, so a helper goroutine waits; if ctx ends first,
// that goroutine outlives the call until raft completes the future, which it
// does on commit or on losing leadership (and so on shutdown). Only Start
// uses await, for its two short waits on a fresh leader.
func await(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

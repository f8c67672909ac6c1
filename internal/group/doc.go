// Package group is Kafka's classic consumer-group coordinator: group
// membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, with KIP-394
// member ids and KIP-345 static membership), committed offsets
// (OffsetCommit, OffsetFetch, OffsetDelete) and group administration
// (DescribeGroups, ListGroups, DeleteGroups), stored in __consumer_offsets
// in Kafka's own record formats so Kafka tooling can read the topic.
//
// Main types: Coordinator is the entry point api calls; it maps a group to
// its partition exactly as Kafka does (PartitionFor) and runs each request
// on that partition's shard of a coordinator.Runtime. shardState is one
// partition's groups and offsets: the state machine, driven only from the
// shard's event loop. group and member hold one group.
//
// Group states follow Kafka's GroupMetadata: Empty, PreparingRebalance,
// CompletingRebalance, Stable, Dead. The broker never interprets member
// metadata or assignments (any protocol type works: consumer, connect,
// eager or cooperative assignors), except OffsetDelete's check of which
// topics a "consumer" group subscribes to.
//
// Invariants:
//   - Replies are parked until the records written before them are
//     committed (coordinator.Shard.AfterCommit), so a client never observes
//     a generation, assignment or offset that a crash could undo.
//   - Every state change that Kafka persists writes its record
//     (records.go); replaying the partition yields the persisted state:
//     groups with members come back Stable, without members Empty.
//   - Timers (session, rebalance, initial delay, sync, retention) run on the
//     shard's clock and fire into its loop: no goroutine per member.
//
// Concurrency: a Coordinator is safe for concurrent use; shardState is
// touched only by its shard's loop.
//
// Layering (layer L4): group imports coordinator and record only from
// internal/, plus kmsg for the __consumer_offsets record formats and the
// consumer protocol's subscription format. It returns Go errors; api maps
// them to Kafka codes.
package group

// Package coordinator is the runtime shared by Kafka-style coordinators (the
// consumer-group coordinator in internal/group today, a transaction
// coordinator later): state that lives in an internal, partitioned topic
// such as __consumer_offsets, served by the broker that leads each
// partition.
//
// Main types:
//   - Runtime owns one Shard per loaded partition. Load replays the
//     partition's log from its log start offset into a fresh State before
//     the shard serves (meanwhile Run answers ErrLoadInProgress); Unload
//     stops it (then ErrNotCoordinator), as Kafka does on a leadership change.
//   - Shard is the handle a State uses on its event loop: Append writes
//     records, AfterCommit parks a reply until everything appended so far is
//     committed, Schedule/Cancel set timers that fire into the loop.
//   - PartitionWriter and PartitionReader are how the runtime reaches the
//     partition's log; broker wires them to replica.Partition, with the same
//     durable acks=all path as a produce.
//
// Invariants:
//   - A shard's State is touched only by its event-loop goroutine: every
//     operation, timer and replay runs there, one at a time, in arrival
//     order. A State therefore needs no locks.
//   - A reply parked with AfterCommit is delivered only once the high
//     watermark has passed every record appended before it, so a client never
//     sees state that a crash could take back (Kafka's rule for coordinators).
//   - Replaying the log from its start yields the live state. The runtime
//     keeps that true without log compaction: when a shard has appended more
//     than Options.RewriteMinBytes (or four times its live state, if larger)
//     since its last rewrite, it appends the State's LiveRecords afresh and,
//     once they are committed, moves the log start offset to where that
//     rewrite began, so whole old segments get deleted.
//
// Concurrency: one goroutine per loaded shard runs its loop, and one more
// delivers its parked replies in order as the log commits them. Runtime
// methods are safe for concurrent use. Every goroutine is owned by its shard
// and stopped and waited for by Unload and Close.
//
// Layering (layer L4): coordinator imports record only. It knows nothing of
// groups, kmsg request types, Kafka error codes, replicas or storage; the
// package that uses it supplies the State and broker supplies the log.
package coordinator

// Package storage is Samsa's log engine: the append-only, segmented partition
// log on disk, in Apache Kafka's own layout (docs/format/).
//
// Main types:
//   - Log: one partition's log, a list of segments. Appends assign offsets
//     (one writer at a time), reads return file regions for zero-copy
//     transfer, truncation serves follower divergence, retention and the log
//     start offset drop whole segments from the front.
//   - segment: a .log file of verbatim v2 batches, with a sparse offset index
//     (.index), a time index (.timeindex) and, at roll, a producer-state
//     snapshot (.snapshot).
//   - producerStateManager: per producer id, the epoch and the last five
//     batches' sequence ranges, so idempotent retries are answered with their
//     original offsets.
//   - Manager: the log directories; opens every partition in parallel at
//     start, writes the recovery-point and log-start-offset checkpoints, runs
//     retention and the flush scheduler, deletes logs asynchronously.
//
// Invariants:
//   - Offsets are dense in assignment: each append takes [LEO, LEO+n).
//   - Nothing before the recovery point is ever lost by recovery; nothing
//     after the first corrupt byte of a segment is ever served.
//   - Only whole segments are deleted, never the active one.
//   - Durable means fdatasync'd: a caller of WaitDurable(o) returns only once
//     every byte below offset o and the directory entries naming its segment
//     files are on stable storage.
//
// Concurrency: Log serializes appends, rolls, truncation and deletion with a
// mutex; readers never take it. The segment list is an immutable slice behind
// an atomic pointer, and the log end offset, durable offset and log start
// offset are atomics. Lock order is in docs/LOCKS.md.
//
// Layering (shared/ARCHITECTURE.md): storage imports record and
// storage/fileutil only. It knows nothing of leaders, ISR, API versions or
// kmsg; it takes Options, never the config package, and returns Go errors
// (the sentinels in errors.go), which the api package maps to Kafka codes.
package storage

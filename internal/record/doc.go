// Package record is a view over Kafka v2 record batches (magic 2) as raw bytes.
//
// A Batch is the bytes of one batch exactly as a producer sent it or as the
// log stores it; accessors decode header fields in place, without copying.
// The broker stores batches verbatim: it only ever rewrites the base offset
// and the partition leader epoch (both outside the CRC), and for
// LogAppendTime topics the timestamp type and max timestamp (inside the CRC,
// which is then recomputed). The byte layout is docs/format/record-batch.md.
//
// Validate checks a batch the way the broker must before appending it
// (shared/reference/kafka-protocol.md §4.4, the parts that need no topic or
// producer state). Records decodes the records inside, decompressing gzip,
// snappy (raw or xerial-framed), lz4 and zstd.
//
// Invariants: a Batch returned by Validate or ParseBatch is at least
// HeaderSize bytes and its Length matches its slice length. Accessors on a
// shorter slice panic; callers validate first.
//
// Concurrency: a Batch is a byte slice; readers may share it, writers (the
// Set* methods) need exclusive access.
//
// This package is a leaf (layer L1): it must not import any other samsa package.
package record

// Package record is a view over Kafka v2 record batches (magic 2) as raw bytes.
//
// A Batch is the bytes of one batch exactly as a producer sent it or as the
// log stores it; accessors decode header fields in place, without copying.
// The broker stores batches verbatim: it only ever rewrites the base offset
// and the partition leader epoch (both outside the CRC), and for
// LogAppendTime topics the timestamp type and max timestamp (inside the CRC,
// which is then recomputed). The byte layout is docs/format/record-batch.md.
//
// ValidateProduce checks a batch the way the broker must before appending
// it (shared/reference/kafka-protocol.md §4.4, the parts that need no topic
// or producer state); ParseBatch is the lighter check for batches read back
// from the log. Records and EachRecord decode the records inside,
// decompressing gzip, snappy (raw or xerial-framed), lz4 and zstd with a
// bound on the decompressed size (DecodeOptions), so a decompression bomb
// costs an error, not the broker's memory. ControlType reads a transaction
// marker. Build encodes records into a batch with any codec; Compress and
// Decompress expose the codecs for recompression.
//
// Errors wrap the sentinels in errors.go, chosen as Kafka chooses its error
// codes: a broken frame, CRC or compressed stream is ErrCorrupt, a malformed
// record or a producer-rule violation is ErrInvalidRecord.
//
// Invariants: a Batch returned by ValidateProduce or ParseBatch is at least
// HeaderSize bytes and its Length matches its slice length. Accessors on a
// shorter slice panic; callers validate first. Decoding methods (Records,
// EachRecord, ControlType) check the length themselves and never panic.
//
// Concurrency: a Batch is a byte slice; readers may share it, writers (the
// Set* methods) need exclusive access. All functions are safe for
// concurrent use. The only package-level state is pools and lazily created
// codec instances, which hold no data between calls.
//
// This package is a leaf (layer L1): it must not import any other samsa package.
package record

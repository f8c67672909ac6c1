package storage

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// Producer-state snapshot file format (docs/format/producer-snapshot.md).
//
// A snapshot is the whole producer-state map as of one log offset, the
// offset being in the file name (<20-digit offset>.snapshot): the state
// reflects every batch below that offset and none at or above it. All
// integers are big-endian:
//
//	int16  version (1)
//	uint32 CRC-32C (Castagnoli) of every byte after this field
//	int32  producer count
//	per producer, in ascending producer id order:
//	  int64 producer id
//	  int16 epoch
//	  int64 last timestamp
//	  int64 current transaction's first offset (-1 for none)
//	  int32 batch count (0..5)
//	  per batch, oldest first:
//	    int32 first sequence
//	    int32 last sequence
//	    int64 first offset
//	    int64 last offset
//	    int64 max timestamp
//
// The shape follows Kafka's ProducerSnapshot (version, CRC-32C of the rest,
// then an array of entries), but not its bytes. Kafka's entry keeps only the
// producer's last batch (last sequence, last offset, offset delta); after a
// restart it can therefore only recognise a retry of that one batch, and a
// retry of an older in-flight batch (a producer may have up to five in flight,
// max.in.flight.requests.per.connection) is answered OUT_OF_ORDER_SEQUENCE,
// which the client treats as fatal for the partition. We keep all retained
// batches so that a restart changes no idempotence answer. We also leave out
// Kafka's coordinator epoch, which fences markers from a stale transaction
// coordinator; a later version can add it (the version field is for that).
const (
	// producerSnapshotVersion is the only version written and read.
	producerSnapshotVersion int16 = 1

	// Byte sizes of the fixed parts, used to bound counts before allocating.
	snapshotHeaderSize = 2 + 4 + 4         // version, crc, producer count
	snapshotEntrySize  = 8 + 2 + 8 + 8 + 4 // pid, epoch, last ts, txn first offset, batch count
	snapshotBatchSize  = 4 + 4 + 8 + 8 + 8 // first/last seq, first/last offset, max ts
	snapshotCRCStart   = 2 + 4             // the CRC covers [snapshotCRCStart, end)
)

// snapshotCastagnoli is the CRC-32C table, the checksum Kafka uses both for
// record batches and for its own producer snapshots.
var snapshotCastagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeProducerSnapshot serializes entries in the layout above. Entries are
// written in producer id order, so equal states give equal files. It does not
// modify entries.
func encodeProducerSnapshot(entries []producerEntry) []byte {
	size := snapshotHeaderSize
	for i := range entries {
		size += snapshotEntrySize + len(entries[i].Batches)*snapshotBatchSize
	}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b producerEntry) int {
		return cmp.Compare(a.ProducerID, b.ProducerID)
	})

	buf := make([]byte, 0, size)
	buf = binary.BigEndian.AppendUint16(buf, uint16(producerSnapshotVersion))
	buf = binary.BigEndian.AppendUint32(buf, 0) // CRC, filled in below
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(sorted)))
	for i := range sorted {
		e := &sorted[i]
		buf = binary.BigEndian.AppendUint64(buf, uint64(e.ProducerID))
		buf = binary.BigEndian.AppendUint16(buf, uint16(e.Epoch))
		buf = binary.BigEndian.AppendUint64(buf, uint64(e.LastTimestamp))
		buf = binary.BigEndian.AppendUint64(buf, uint64(e.CurrentTxnFirstOffset))
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(e.Batches)))
		for _, bm := range e.Batches {
			buf = binary.BigEndian.AppendUint32(buf, uint32(bm.FirstSeq))
			buf = binary.BigEndian.AppendUint32(buf, uint32(bm.LastSeq))
			buf = binary.BigEndian.AppendUint64(buf, uint64(bm.FirstOffset))
			buf = binary.BigEndian.AppendUint64(buf, uint64(bm.LastOffset))
			buf = binary.BigEndian.AppendUint64(buf, uint64(bm.MaxTimestamp))
		}
	}
	binary.BigEndian.PutUint32(buf[2:], crc32.Checksum(buf[snapshotCRCStart:], snapshotCastagnoli))
	return buf
}

// decodeProducerSnapshot parses a snapshot file's contents. Every failure
// (too short, unknown version, CRC mismatch, counts that do not fit the
// bytes, trailing bytes) wraps ErrCorruptSnapshot: the caller cannot tell a
// torn write from bit rot and need not, since either way the file is skipped
// and an older snapshot plus a longer log replay rebuilds the same state.
func decodeProducerSnapshot(data []byte) ([]producerEntry, error) {
	if len(data) < snapshotHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header",
			ErrCorruptSnapshot, len(data), snapshotHeaderSize)
	}
	if v := int16(binary.BigEndian.Uint16(data)); v != producerSnapshotVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorruptSnapshot, v)
	}
	// Check the CRC before trusting any count: a flipped bit in a count would
	// otherwise be reported as a confusing length error, or worse, fit.
	stored := binary.BigEndian.Uint32(data[2:])
	if got := crc32.Checksum(data[snapshotCRCStart:], snapshotCastagnoli); got != stored {
		return nil, fmt.Errorf("%w: CRC-32C %#08x, header says %#08x", ErrCorruptSnapshot, got, stored)
	}

	r := snapshotReader{buf: data[snapshotCRCStart:]}
	n := r.int32()
	// Bound the count by the bytes left before allocating, so a hostile or
	// broken file cannot make us allocate gigabytes.
	if n < 0 || int64(n)*snapshotEntrySize > int64(len(r.buf)) {
		return nil, fmt.Errorf("%w: producer count %d does not fit in %d bytes", ErrCorruptSnapshot, n, len(r.buf))
	}
	entries := make([]producerEntry, 0, n)
	for i := int32(0); i < n; i++ {
		if len(r.buf) < snapshotEntrySize {
			return nil, fmt.Errorf("%w: truncated at producer %d of %d", ErrCorruptSnapshot, i, n)
		}
		e := producerEntry{
			ProducerID:            r.int64(),
			Epoch:                 r.int16(),
			LastTimestamp:         r.int64(),
			CurrentTxnFirstOffset: r.int64(),
		}
		nb := r.int32()
		if nb < 0 || int64(nb)*snapshotBatchSize > int64(len(r.buf)) {
			return nil, fmt.Errorf("%w: producer %d: batch count %d does not fit in %d bytes",
				ErrCorruptSnapshot, e.ProducerID, nb, len(r.buf))
		}
		if nb > 0 {
			e.Batches = make([]batchMetadata, nb)
			for j := range e.Batches {
				e.Batches[j] = batchMetadata{
					FirstSeq:     r.int32(),
					LastSeq:      r.int32(),
					FirstOffset:  r.int64(),
					LastOffset:   r.int64(),
					MaxTimestamp: r.int64(),
				}
			}
			// Were the retention limit ever lowered, an older file could hold
			// more batches than we now keep: drop the oldest, as update would.
			if len(e.Batches) > maxRetainedBatches {
				e.Batches = slices.Clone(e.Batches[len(e.Batches)-maxRetainedBatches:])
			}
		}
		entries = append(entries, e)
	}
	if len(r.buf) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorruptSnapshot, len(r.buf))
	}
	return entries, nil
}

// snapshotReader consumes big-endian integers from buf. Callers check the
// length first; the reader itself does not, so a missed check panics rather
// than silently reading zeros.
type snapshotReader struct{ buf []byte }

// int16 consumes a big-endian int16.
func (r *snapshotReader) int16() int16 {
	v := int16(binary.BigEndian.Uint16(r.buf))
	r.buf = r.buf[2:]
	return v
}

// int32 consumes a big-endian int32.
func (r *snapshotReader) int32() int32 {
	v := int32(binary.BigEndian.Uint32(r.buf))
	r.buf = r.buf[4:]
	return v
}

// int64 consumes a big-endian int64.
func (r *snapshotReader) int64() int64 {
	v := int64(binary.BigEndian.Uint64(r.buf))
	r.buf = r.buf[8:]
	return v
}

// listProducerSnapshots returns the offsets of the snapshots in dir, in
// ascending order. A missing directory holds no snapshots. Temporary files
// (".snapshot.tmp") are not snapshots: parseOffsetFileName returns their
// whole suffix, which does not match.
func listProducerSnapshots(fsys fileutil.FS, dir string) ([]int64, error) {
	des, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: list producer snapshots in %s: %w", dir, err)
	}
	var offs []int64
	for _, de := range des {
		if off, suffix, ok := parseOffsetFileName(de.Name()); ok && suffix == snapshotSuffix && !de.IsDir() {
			offs = append(offs, off)
		}
	}
	slices.Sort(offs) // ReadDir sorts by name, which is offset order; don't rely on an FS for it
	return offs, nil
}

// removeSnapshotTmpFiles deletes the "<offset>.snapshot.tmp" files a crash
// in the middle of fileutil.WriteFileAtomic leaves behind. They never hold a
// state anyone depends on: the rename that would have published them did not
// happen.
func removeSnapshotTmpFiles(fsys fileutil.FS, dir string) error {
	des, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: list producer snapshots in %s: %w", dir, err)
	}
	for _, de := range des {
		_, suffix, ok := parseOffsetFileName(de.Name())
		if !ok || suffix != snapshotSuffix+tmpSuffix || de.IsDir() {
			continue
		}
		if err := removeIfExists(fsys, filepath.Join(dir, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

// readProducerSnapshot reads and decodes the snapshot at offset in dir.
// Decoding errors wrap ErrCorruptSnapshot and name the file; I/O errors are
// returned as they are, so the caller can tell "this file is bad" (skip it)
// from "the disk is failing" (stop).
func readProducerSnapshot(fsys fileutil.FS, dir string, offset int64) ([]producerEntry, error) {
	name := offsetFileName(dir, offset, snapshotSuffix)
	data, err := fileutil.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("storage: read producer snapshot %s: %w", name, err)
	}
	entries, err := decodeProducerSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return entries, nil
}

// removeIfExists removes name; a file that is already gone is not an error,
// since every caller only wants it not to exist.
func removeIfExists(fsys fileutil.FS, name string) error {
	if err := fsys.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: remove %s: %w", name, err)
	}
	return nil
}

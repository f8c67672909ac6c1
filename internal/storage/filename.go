package storage

import (
	"path/filepath"
	"strconv"
	"strings"
)

// offsetDigits is the width of the zero-padded offset that names every
// per-offset file of a partition directory. Kafka uses 20 digits, the length
// of the largest uint64, so that a plain lexicographic directory listing is
// also the offset order; we keep its layout so Kafka operators (and tools
// such as kafka-dump-log.sh) recognise the files.
const offsetDigits = 20

// File suffixes of a partition directory (docs/format/). The segment
// suffixes (.log, .index, .timeindex, .txnindex) belong here too, next to
// these, when the log engine adds them.
const (
	// snapshotSuffix names a producer-state snapshot (producer_snapshot.go).
	snapshotSuffix = ".snapshot"
	// tmpSuffix is what fileutil.WriteFileAtomic appends to the file it writes
	// before renaming it into place; a leftover one is a crash's debris.
	tmpSuffix = ".tmp"
)

// offsetFileName returns dir/<offset as 20 zero-padded digits><suffix>, the
// name Kafka gives segment files (.log, .index, .timeindex, .txnindex) and
// producer snapshots (.snapshot). suffix includes its leading dot. offset must
// not be negative: no file is ever named after a negative offset, and a minus
// sign would break the lexicographic order.
func offsetFileName(dir string, offset int64, suffix string) string {
	s := strconv.FormatInt(offset, 10)
	var b strings.Builder
	b.Grow(offsetDigits + len(suffix))
	for i := len(s); i < offsetDigits; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
	b.WriteString(suffix)
	return filepath.Join(dir, b.String())
}

// parseOffsetFileName is the inverse of offsetFileName for a base name (no
// directory): it accepts exactly 20 decimal digits that fit in an int64,
// followed by a suffix that starts with a dot, and returns the suffix whole
// (".log", ".snapshot", but also ".log.deleted" or ".snapshot.tmp", so that a
// caller matching one suffix never mistakes a temporary file for a real one).
// ok is false for anything else, so callers can skip unrelated files such as
// partition.metadata or leader-epoch-checkpoint.
func parseOffsetFileName(name string) (offset int64, suffix string, ok bool) {
	if len(name) <= offsetDigits || name[offsetDigits] != '.' {
		return 0, "", false
	}
	for i := 0; i < offsetDigits; i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, "", false
		}
	}
	// 20 digits can exceed MaxInt64 (19 digits); ParseInt rejects those.
	offset, err := strconv.ParseInt(name[:offsetDigits], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return offset, name[offsetDigits:], true
}

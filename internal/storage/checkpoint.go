package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// Per-log-dir files (docs/format/checkpoints.md).
const (
	recoveryPointCheckpointFile  = "recovery-point-offset-checkpoint"
	logStartOffsetCheckpointFile = "log-start-offset-checkpoint"
	cleanShutdownFile            = ".kafka_cleanshutdown"
	// lockFile is held (flock) by the process that has the dir open.
	lockFile           = ".lock"
	metaPropertiesFile = "meta.properties"
	checkpointVersion  = 0
)

// writeCheckpoint replaces a checkpoint file atomically. Kafka's text format:
// a version line, a count line, then "topic partition offset" lines.
func writeCheckpoint(fsys fileutil.FS, path string, offsets map[TopicPartition]int64) error {
	tps := make([]TopicPartition, 0, len(offsets))
	for tp := range offsets {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, TopicPartition.compare)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(tps))
	for _, tp := range tps {
		fmt.Fprintf(&b, "%s %d %d\n", tp.Topic, tp.Partition, offsets[tp])
	}
	return fileutil.WriteFileAtomic(fsys, path, b.Bytes())
}

// readCheckpoint parses a checkpoint file. A missing file is an empty map;
// a malformed one is an error (callers then fall back to full recovery).
func readCheckpoint(fsys fileutil.FS, path string) (map[TopicPartition]int64, error) {
	data, err := fileutil.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	bad := func(why string) error { return fmt.Errorf("storage: malformed checkpoint %s: %s", path, why) }
	if len(lines) < 2 {
		return nil, bad("missing header")
	}
	if v, err := strconv.Atoi(lines[0]); err != nil || v != checkpointVersion {
		return nil, bad("unknown version " + lines[0])
	}
	n, err := strconv.Atoi(lines[1])
	if err != nil || n != len(lines)-2 {
		return nil, bad("count does not match the entries")
	}
	out := make(map[TopicPartition]int64, n)
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, bad("entry " + strconv.Quote(line))
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		off, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || p < 0 || off < 0 {
			return nil, bad("entry " + strconv.Quote(line))
		}
		out[TopicPartition{Topic: f[0], Partition: int32(p)}] = off
	}
	return out, nil
}

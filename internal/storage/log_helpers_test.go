package storage

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// testBatch builds an uncompressed batch of n records of valueSize bytes
// whose timestamps start at ts and grow by one per record.
func testBatch(t testing.TB, n, valueSize int, ts int64) record.Batch {
	t.Helper()
	return testProducerBatch(t, n, valueSize, ts, -1, -1, -1)
}

// testProducerBatch is testBatch with idempotent-producer fields.
func testProducerBatch(t testing.TB, n, valueSize int, ts int64, pid int64, epoch int16, seq int32) record.Batch {
	t.Helper()
	recs := make([]record.Record, n)
	for i := range recs {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, valueSize)
		recs[i] = record.Record{Offset: int64(i), Timestamp: ts + int64(i), Key: []byte(fmt.Sprintf("k%d", i)), Value: v}
	}
	opts := record.DefaultBatchOptions()
	opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence = pid, epoch, seq
	b, err := record.Build(opts, recs)
	if err != nil {
		t.Fatalf("build batch: %v", err)
	}
	return b
}

// testOptions are small-segment options that exercise rolls and indexes.
func testOptions() Options {
	o := DefaultOptions()
	o.SegmentBytes = 64 << 10
	o.IndexIntervalBytes = 1024
	o.MaxIndexBytes = 4096
	o.FileDeleteDelay = 0
	o.Retention = -1
	return o
}

// openTestLog opens a log in a fresh directory of fsys (a temp dir on the
// real file system when fsys is nil).
func openTestLog(t testing.TB, fsys fileutil.FS, dir string, opts Options) *Log {
	t.Helper()
	if fsys == nil {
		fsys = fileutil.OS()
	}
	if dir == "" {
		dir = t.TempDir() + "/topic-0"
	}
	l, err := Open(LogConfig{FS: fsys, Dir: dir, Options: opts, CleanShutdown: true})
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// reopen closes nothing: it opens the same directory again, as a restart
// after a clean shutdown (clean=true) or a crash (clean=false) would.
func reopen(t testing.TB, l *Log, clean bool, recoveryPoint int64) *Log {
	t.Helper()
	l2, err := Open(LogConfig{FS: l.fsys, Dir: l.dir, Options: l.opts, CleanShutdown: clean, RecoveryPoint: recoveryPoint, LogStartOffset: l.LogStartOffset()})
	if err != nil {
		t.Fatalf("reopen log: %v", err)
	}
	t.Cleanup(func() { l2.Close() })
	return l2
}

// mustAppend appends and fails the test on error.
func mustAppend(t testing.TB, l *Log, b record.Batch) AppendResult {
	t.Helper()
	res, err := l.Append(b, AppendOptions{LeaderEpoch: 1, AppendTime: -1})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}

// readAllRecords reads every record from offset to the log end.
func readAllRecords(t testing.TB, l *Log, from int64) []record.Record {
	t.Helper()
	var out []record.Record
	for from < l.LogEndOffset() {
		batches, err := l.ReadBatches(from, 1<<20, l.LogEndOffset())
		if err != nil {
			t.Fatalf("read at %d: %v", from, err)
		}
		if len(batches) == 0 {
			t.Fatalf("read at %d returned nothing before the log end %d", from, l.LogEndOffset())
		}
		for _, b := range batches {
			recs, err := b.Records()
			if err != nil {
				t.Fatalf("decode batch at %d: %v", b.BaseOffset(), err)
			}
			for _, r := range recs {
				if r.Offset >= from {
					out = append(out, r)
				}
			}
			from = b.NextOffset()
		}
	}
	return out
}

// fakeClock is a settable clock for roll and retention tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

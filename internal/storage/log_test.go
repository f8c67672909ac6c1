package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/record"
)

func TestAppendAssignsOffsetsAndReadsBack(t *testing.T) {
	l := openTestLog(t, nil, "", testOptions())
	var want []int64
	for i := range 20 {
		res := mustAppend(t, l, testBatch(t, 5, 100, int64(1000+i*10)))
		if res.FirstOffset != int64(i*5) || res.LastOffset != int64(i*5+4) {
			t.Fatalf("batch %d got offsets [%d, %d], want [%d, %d]", i, res.FirstOffset, res.LastOffset, i*5, i*5+4)
		}
		for o := res.FirstOffset; o <= res.LastOffset; o++ {
			want = append(want, o)
		}
	}
	if got := l.LogEndOffset(); got != 100 {
		t.Fatalf("log end offset %d, want 100", got)
	}
	recs := readAllRecords(t, l, 0)
	if len(recs) != len(want) {
		t.Fatalf("read %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if r.Offset != want[i] {
			t.Fatalf("record %d has offset %d, want %d", i, r.Offset, want[i])
		}
	}
	batches, err := l.ReadBatches(0, 1<<20, l.LogEndOffset())
	if err != nil {
		t.Fatal(err)
	}
	if got := batches[0].PartitionLeaderEpoch(); got != 1 {
		t.Errorf("stored leader epoch %d, want 1", got)
	}
}

func TestAppendRefusesBadBatchesAndWritesNothing(t *testing.T) {
	good := testBatch(t, 3, 10, 1)
	cases := []struct {
		name  string
		batch func() record.Batch
		want  error
	}{
		{"bad crc", func() record.Batch { b := append(record.Batch(nil), good...); b[len(b)-1] ^= 0xff; return b }, record.ErrCorrupt},
		{"truncated", func() record.Batch { return append(record.Batch(nil), good[:len(good)-3]...) }, record.ErrCorrupt},
		{"short header", func() record.Batch { return append(record.Batch(nil), good[:30]...) }, record.ErrCorrupt},
		{"trailing bytes", func() record.Batch { return append(append(record.Batch(nil), good...), 1, 2, 3) }, record.ErrCorrupt},
		{"wrong magic", func() record.Batch { b := append(record.Batch(nil), good...); b[16] = 1; return b }, record.ErrCorrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := openTestLog(t, nil, "", testOptions())
			mustAppend(t, l, testBatch(t, 2, 10, 1))
			sizeBefore, leoBefore := l.Size(), l.LogEndOffset()
			if _, err := l.Append(tc.batch(), AppendOptions{AppendTime: -1}); !errors.Is(err, tc.want) {
				t.Fatalf("append error %v, want %v", err, tc.want)
			}
			if l.Size() != sizeBefore || l.LogEndOffset() != leoBefore {
				t.Fatalf("a refused append changed the log: size %d→%d, end %d→%d", sizeBefore, l.Size(), leoBefore, l.LogEndOffset())
			}
			mustAppend(t, l, testBatch(t, 1, 10, 1))
			if got := len(readAllRecords(t, l, 0)); got != 3 {
				t.Fatalf("read %d records after the refused append, want 3", got)
			}
		})
	}
}

func TestReadRules(t *testing.T) {
	l := openTestLog(t, nil, "", testOptions())
	var sizes []int64
	for i := range 10 {
		b := testBatch(t, 4, 200, int64(i*100))
		sizes = append(sizes, int64(len(b)))
		mustAppend(t, l, b)
	}
	leo := l.LogEndOffset()
	cases := []struct {
		name        string
		offset      int64
		maxBytes    int
		maxOffset   int64
		minOne      bool
		wantFirst   int64
		wantSize    int64
		wantErr     error
		wantNothing bool
	}{
		{name: "from start, one batch fits", offset: 0, maxBytes: int(sizes[0]), maxOffset: leo, wantFirst: 0, wantSize: sizes[0]},
		{name: "offset inside a batch returns that batch", offset: 6, maxBytes: int(sizes[1]), maxOffset: leo, wantFirst: 4, wantSize: sizes[1]},
		{name: "max bytes below a batch, min one batch", offset: 0, maxBytes: 10, maxOffset: leo, minOne: true, wantFirst: 0, wantSize: sizes[0]},
		{name: "max bytes below a batch, partial", offset: 0, maxBytes: 10, maxOffset: leo, wantFirst: 0, wantSize: 10},
		{name: "bounded by max offset", offset: 0, maxBytes: 1 << 20, maxOffset: 8, wantFirst: 0, wantSize: sizes[0] + sizes[1]},
		{name: "at max offset reads nothing", offset: 8, maxBytes: 1 << 20, maxOffset: 8, wantNothing: true},
		{name: "at log end reads nothing", offset: leo, maxBytes: 1 << 20, maxOffset: leo, wantNothing: true},
		{name: "past log end", offset: leo + 1, maxBytes: 1 << 20, maxOffset: leo, wantErr: ErrOffsetOutOfRange},
		{name: "negative", offset: -1, maxBytes: 1 << 20, maxOffset: leo, wantErr: ErrOffsetOutOfRange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rr, err := l.Read(tc.offset, tc.maxBytes, tc.maxOffset, tc.minOne)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantNothing {
				if rr.Region.Size != 0 {
					t.Fatalf("read %d bytes, want none", rr.Region.Size)
				}
				return
			}
			if rr.FirstOffset != tc.wantFirst || rr.Region.Size != tc.wantSize {
				t.Fatalf("read first offset %d size %d, want %d and %d", rr.FirstOffset, rr.Region.Size, tc.wantFirst, tc.wantSize)
			}
			if rr.LogEndOffset != leo || rr.LogStartOffset != 0 {
				t.Fatalf("bounds [%d, %d], want [0, %d]", rr.LogStartOffset, rr.LogEndOffset, leo)
			}
		})
	}
}

func TestRollBySizeAndReadAcrossSegments(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 4096
	l := openTestLog(t, nil, "", opts)
	for i := range 50 {
		mustAppend(t, l, testBatch(t, 3, 300, int64(i)))
	}
	if n := l.NumSegments(); n < 10 {
		t.Fatalf("%d segments after 50 batches of ~1 KB with 4 KB segments", n)
	}
	for _, s := range l.segs() {
		if s.size.Load() > opts.SegmentBytes {
			t.Fatalf("segment %d is %d bytes, over segment.bytes", s.baseOffset, s.size.Load())
		}
	}
	if got := len(readAllRecords(t, l, 0)); got != 150 {
		t.Fatalf("read %d records across segments, want 150", got)
	}
	files, _ := filepath.Glob(filepath.Join(l.Dir(), "*.log"))
	if len(files) != l.NumSegments() {
		t.Fatalf("%d .log files for %d segments", len(files), l.NumSegments())
	}
	if base := filepath.Base(files[0]); base != "00000000000000000000.log" {
		t.Fatalf("first segment file %q, want Kafka's 20-digit name", base)
	}
}

func TestRollByTimeAndFullIndex(t *testing.T) {
	t.Run("segment.ms", func(t *testing.T) {
		clock := &fakeClock{now: time.UnixMilli(1_000_000)}
		opts := testOptions()
		opts.SegmentMs = time.Hour
		l := openTestLogClock(t, opts, clock)
		mustAppend(t, l, testBatch(t, 1, 10, clock.now.UnixMilli()))
		clock.Advance(30 * time.Minute)
		mustAppend(t, l, testBatch(t, 1, 10, clock.now.UnixMilli()))
		if n := l.NumSegments(); n != 1 {
			t.Fatalf("%d segments before segment.ms passed", n)
		}
		clock.Advance(31 * time.Minute)
		mustAppend(t, l, testBatch(t, 1, 10, clock.now.UnixMilli()))
		if n := l.NumSegments(); n != 2 {
			t.Fatalf("%d segments after segment.ms passed, want 2", n)
		}
	})
	t.Run("full offset index", func(t *testing.T) {
		opts := testOptions()
		opts.IndexIntervalBytes = 0 // an entry per batch
		opts.MaxIndexBytes = 10 * 12
		l := openTestLog(t, nil, "", opts)
		for i := range 40 {
			mustAppend(t, l, testBatch(t, 1, 10, int64(i)))
		}
		if n := l.NumSegments(); n < 4 {
			t.Fatalf("%d segments; a 10-entry index should force rolls", n)
		}
		if got := len(readAllRecords(t, l, 0)); got != 40 {
			t.Fatalf("read %d records, want 40", got)
		}
	})
}

func openTestLogClock(t *testing.T, opts Options, clock *fakeClock) *Log {
	t.Helper()
	l, err := Open(LogConfig{FS: osFS(), Dir: t.TempDir() + "/t-0", Options: opts, CleanShutdown: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestOffsetForTimestamp(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 2048
	l := openTestLog(t, nil, "", opts)
	// Batch i holds offsets [4i, 4i+3] with timestamps 1000i .. 1000i+3.
	for i := range 30 {
		mustAppend(t, l, testBatch(t, 4, 100, int64(1000*i)))
	}
	cases := []struct {
		ts        int64
		wantOff   int64
		wantTS    int64
		wantFound bool
	}{
		{ts: -5, wantOff: 0, wantTS: 0, wantFound: true},
		{ts: 0, wantOff: 0, wantTS: 0, wantFound: true},
		{ts: 2, wantOff: 2, wantTS: 2, wantFound: true},
		{ts: 4, wantOff: 4, wantTS: 1000, wantFound: true},
		{ts: 17002, wantOff: 17*4 + 2, wantTS: 17002, wantFound: true},
		{ts: 29003, wantOff: 29*4 + 3, wantTS: 29003, wantFound: true},
		{ts: 29004, wantFound: false},
	}
	for _, tc := range cases {
		off, ts, found, err := l.OffsetForTimestamp(tc.ts)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.wantFound || (found && (off != tc.wantOff || ts != tc.wantTS)) {
			t.Errorf("OffsetForTimestamp(%d) = (%d, %d, %v), want (%d, %d, %v)", tc.ts, off, ts, found, tc.wantOff, tc.wantTS, tc.wantFound)
		}
	}
	off, ts, found, err := l.MaxTimestamp()
	if err != nil || !found || off != 29*4+3 || ts != 29003 {
		t.Errorf("MaxTimestamp = (%d, %d, %v, %v), want (119, 29003, true)", off, ts, found, err)
	}
	// After a clean reopen the segments' max timestamps come from the indexes.
	l.Close()
	l2 := reopen(t, l, true, 0)
	if off, _, found, _ := l2.OffsetForTimestamp(17002); !found || off != 17*4+2 {
		t.Errorf("after reopen OffsetForTimestamp(17002) = %d, %v", off, found)
	}
	if off, ts, found, _ := l2.MaxTimestamp(); !found || off != 119 || ts != 29003 {
		t.Errorf("after reopen MaxTimestamp = (%d, %d, %v)", off, ts, found)
	}
}

func TestTruncateTo(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 2048
	for _, target := range []int64{0, 1, 4, 37, 60, 119, 120, 500} {
		t.Run("", func(t *testing.T) {
			l := openTestLog(t, nil, "", opts)
			for i := range 30 {
				mustAppend(t, l, testBatch(t, 4, 100, int64(i*10)))
			}
			if err := l.TruncateTo(target); err != nil {
				t.Fatal(err)
			}
			// Whole batches go: the end lands on the batch boundary at or below target.
			want := min(target/4*4, 120)
			if got := l.LogEndOffset(); got != want {
				t.Fatalf("after TruncateTo(%d) end offset %d, want %d", target, got, want)
			}
			res := mustAppend(t, l, testBatch(t, 2, 100, 1))
			if res.FirstOffset != want {
				t.Fatalf("append after truncation got offset %d, want %d", res.FirstOffset, want)
			}
			if got := int64(len(readAllRecords(t, l, l.LogStartOffset()))); got != want-l.LogStartOffset()+2 {
				t.Fatalf("read %d records after truncation, want %d", got, want-l.LogStartOffset()+2)
			}
			l.Close()
			l2 := reopen(t, l, false, 0)
			if l2.LogEndOffset() != want+2 {
				t.Fatalf("after recovery end offset %d, want %d", l2.LogEndOffset(), want+2)
			}
		})
	}
}

func TestRetentionAndLogStartOffset(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 2048
	t.Run("delete records", func(t *testing.T) {
		l := openTestLog(t, nil, "", opts)
		for i := range 30 {
			mustAppend(t, l, testBatch(t, 4, 100, int64(i)))
		}
		before := l.NumSegments()
		start, err := l.DeleteRecordsBefore(50)
		if err != nil || start != 50 {
			t.Fatalf("DeleteRecordsBefore(50) = %d, %v", start, err)
		}
		if l.NumSegments() >= before {
			t.Fatalf("no segment deleted below the new log start offset")
		}
		if _, err := l.Read(49, 1000, l.LogEndOffset(), true); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("read below log start: %v, want ErrOffsetOutOfRange", err)
		}
		if recs := readAllRecords(t, l, 50); len(recs) != 70 || recs[0].Offset != 50 {
			t.Fatalf("read %d records from 50", len(recs))
		}
		if _, err := l.DeleteRecordsBefore(1000); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("delete past the end: %v", err)
		}
	})
	t.Run("retention.bytes keeps the active segment", func(t *testing.T) {
		o := opts
		o.RetentionBytes = 0
		l := openTestLog(t, nil, "", o)
		for i := range 30 {
			mustAppend(t, l, testBatch(t, 4, 100, int64(i)))
		}
		if n := l.DeleteOldSegments(); n == 0 {
			t.Fatal("retention.bytes=0 deleted nothing")
		}
		if l.NumSegments() != 1 {
			t.Fatalf("%d segments left, want only the active one", l.NumSegments())
		}
		if l.LogStartOffset() != l.segs()[0].baseOffset {
			t.Fatalf("log start %d, want the active segment's base %d", l.LogStartOffset(), l.segs()[0].baseOffset)
		}
		l.deletes.flush() // file.delete.delay.ms is 0, but removal is asynchronous
		left, _ := filepath.Glob(filepath.Join(l.Dir(), "*.log*"))
		if len(left) != 1 {
			t.Fatalf("files left: %v", left)
		}
	})
	t.Run("retention.ms", func(t *testing.T) {
		clock := &fakeClock{now: time.UnixMilli(10_000_000)}
		o := opts
		o.Retention = time.Hour
		l := openTestLogClock(t, o, clock)
		old := clock.now.Add(-2 * time.Hour).UnixMilli()
		for i := range 20 {
			mustAppend(t, l, testBatch(t, 4, 100, old+int64(i)))
		}
		l.Roll()
		for i := range 5 {
			mustAppend(t, l, testBatch(t, 4, 100, clock.now.UnixMilli()+int64(i)))
		}
		l.Roll()
		mustAppend(t, l, testBatch(t, 1, 100, clock.now.UnixMilli()))
		l.DeleteOldSegments()
		if l.LogStartOffset() != 80 {
			t.Fatalf("log start %d after retention, want 80 (the first fresh batch)", l.LogStartOffset())
		}
	})
}

func TestReopenCleanAndUnclean(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 4096
	l := openTestLog(t, nil, "", opts)
	for i := range 40 {
		mustAppend(t, l, testBatch(t, 3, 200, int64(i)))
	}
	want := readAllRecords(t, l, 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, clean := range []bool{true, false} {
		l2 := reopen(t, l, clean, 0)
		if l2.LogEndOffset() != 120 || l2.NumSegments() != l.NumSegments() {
			t.Fatalf("clean=%v: end %d segments %d, want 120 and %d", clean, l2.LogEndOffset(), l2.NumSegments(), l.NumSegments())
		}
		got := readAllRecords(t, l2, 0)
		if len(got) != len(want) {
			t.Fatalf("clean=%v: %d records after reopen, want %d", clean, len(got), len(want))
		}
		res := mustAppend(t, l2, testBatch(t, 1, 10, 1))
		if res.FirstOffset != 120 {
			t.Fatalf("clean=%v: append after reopen at %d", clean, res.FirstOffset)
		}
		if err := l2.TruncateTo(120); err != nil {
			t.Fatal(err)
		}
		l2.Close()
	}
}

func TestRecoveryCutsTornAndCorruptTails(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 4096
	build := func(t *testing.T) (*Log, []int64) {
		l := openTestLog(t, nil, "", opts)
		for i := range 40 {
			mustAppend(t, l, testBatch(t, 3, 200, int64(i)))
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		var bases []int64
		for _, s := range l.segs() {
			bases = append(bases, s.baseOffset)
		}
		return l, bases
	}
	t.Run("torn last batch", func(t *testing.T) {
		l, bases := build(t)
		last, _, _ := segmentPaths(l.dir, bases[len(bases)-1])
		st, _ := os.Stat(last)
		if err := os.Truncate(last, st.Size()-7); err != nil {
			t.Fatal(err)
		}
		l2 := reopen(t, l, false, 0)
		if l2.LogEndOffset() != 117 {
			t.Fatalf("end %d after a torn last batch, want 117", l2.LogEndOffset())
		}
		if got := len(readAllRecords(t, l2, 0)); got != 117 {
			t.Fatalf("read %d records, want 117", got)
		}
	})
	t.Run("bit flip in a middle segment drops everything after it", func(t *testing.T) {
		l, bases := build(t)
		mid := bases[len(bases)/2]
		path, _, _ := segmentPaths(l.dir, mid)
		data, _ := os.ReadFile(path)
		data[len(data)/2] ^= 0x10
		os.WriteFile(path, data, 0o644)
		l2 := reopen(t, l, false, 0)
		if l2.LogEndOffset() <= mid || l2.LogEndOffset() >= 120 {
			t.Fatalf("end %d, want inside the corrupted segment starting at %d", l2.LogEndOffset(), mid)
		}
		if last := l2.segs()[l2.NumSegments()-1].baseOffset; last != mid {
			t.Fatalf("last segment %d, want the corrupted one %d (later segments deleted)", last, mid)
		}
		recs := readAllRecords(t, l2, 0)
		for i, r := range recs {
			if r.Offset != int64(i) {
				t.Fatalf("record %d has offset %d", i, r.Offset)
			}
		}
		for _, b := range bases {
			p, _, _ := segmentPaths(l.dir, b)
			if _, err := os.Stat(p); (err == nil) != (b <= mid) {
				t.Fatalf("segment %d exists=%v after recovery cut at %d", b, err == nil, mid)
			}
		}
	})
	t.Run("recovery point skips the scan of older segments", func(t *testing.T) {
		l, bases := build(t)
		// Corrupt an old segment: below the recovery point it is trusted.
		first, _, _ := segmentPaths(l.dir, bases[0])
		data, _ := os.ReadFile(first)
		data[100] ^= 0xff
		os.WriteFile(first, data, 0o644)
		l2 := reopen(t, l, false, bases[len(bases)-1])
		if l2.LogEndOffset() != 120 {
			t.Fatalf("end %d; segments below the recovery point must not be rescanned", l2.LogEndOffset())
		}
	})
}

func TestStrayFilesAreReportedNotFatal(t *testing.T) {
	l := openTestLog(t, nil, "", testOptions())
	mustAppend(t, l, testBatch(t, 3, 10, 1))
	l.Close()
	for _, name := range []string{"README", "notanoffset.log", "00000000000000000099.index", "00000000000000000005.log.deleted", "x.tmp"} {
		os.WriteFile(filepath.Join(l.dir, name), []byte("junk"), 0o644)
	}
	os.Mkdir(filepath.Join(l.dir, "subdir"), 0o755)
	l2 := reopen(t, l, true, 0)
	if l2.LogEndOffset() != 3 {
		t.Fatalf("end %d, want 3", l2.LogEndOffset())
	}
	for _, gone := range []string{"00000000000000000099.index", "00000000000000000005.log.deleted", "x.tmp"} {
		if _, err := os.Stat(filepath.Join(l.dir, gone)); err == nil {
			t.Errorf("%s should have been cleaned up", gone)
		}
	}
	if _, err := os.Stat(filepath.Join(l.dir, "README")); err != nil {
		t.Errorf("unknown files must be left alone: %v", err)
	}
}

func TestIdempotentProducer(t *testing.T) {
	l := openTestLog(t, nil, "", testOptions())
	const pid, epoch = 7, 0
	var first [6]AppendResult
	for i := range 6 {
		first[i] = mustAppend(t, l, testProducerBatch(t, 2, 10, 1, pid, epoch, int32(i*2)))
	}
	// A retry of any of the last five is answered with its original offsets.
	for i := 1; i < 6; i++ {
		res := mustAppend(t, l, testProducerBatch(t, 2, 10, 1, pid, epoch, int32(i*2)))
		if !res.Duplicate || res.FirstOffset != first[i].FirstOffset {
			t.Fatalf("retry of batch %d: %+v, want duplicate at %d", i, res, first[i].FirstOffset)
		}
	}
	if l.LogEndOffset() != 12 {
		t.Fatalf("duplicates were written: end %d", l.LogEndOffset())
	}
	if _, err := l.Append(testProducerBatch(t, 1, 10, 1, pid, epoch, 20), AppendOptions{AppendTime: -1}); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("gap in sequence: %v, want ErrOutOfOrderSequence", err)
	}
	if _, err := l.Append(testProducerBatch(t, 1, 10, 1, pid, -1+epoch, 12), AppendOptions{AppendTime: -1}); err == nil {
		t.Fatal("an older epoch was accepted")
	}
	// The state survives a clean restart (snapshot) and a crash (replay).
	l.Close()
	for _, clean := range []bool{true, false} {
		l2 := reopen(t, l, clean, 0)
		res, err := l2.Append(testProducerBatch(t, 2, 10, 1, pid, epoch, 10), AppendOptions{AppendTime: -1})
		if err != nil || !res.Duplicate || res.FirstOffset != first[5].FirstOffset {
			t.Fatalf("clean=%v: retry after restart: %+v %v", clean, res, err)
		}
		l2.Close()
	}
}

func TestLogAppendTime(t *testing.T) {
	l := openTestLog(t, nil, "", testOptions())
	res, err := l.Append(testBatch(t, 3, 10, 5), AppendOptions{AppendTime: 123456})
	if err != nil || res.LogAppendTime != 123456 {
		t.Fatalf("append: %+v %v", res, err)
	}
	batches, err := l.ReadBatches(0, 1<<20, l.LogEndOffset())
	if err != nil {
		t.Fatal(err)
	}
	b := batches[0]
	if !b.LogAppendTime() || b.MaxTimestamp() != 123456 || b.ComputeCRC() != b.CRC() {
		t.Fatalf("stored batch: logAppendTime=%v max=%d crc ok=%v", b.LogAppendTime(), b.MaxTimestamp(), b.ComputeCRC() == b.CRC())
	}
}

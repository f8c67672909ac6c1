package storage

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// The log engine's performance targets (docs/performance.md) are measured
// here, each beside a reference that does the same I/O without the engine,
// in the same temp dir and the same run: the ratio then says what the engine
// costs on whatever disk and CPU run it, which an absolute MB/s cannot.
// perf_report_test.go runs them in pairs and prints the table
// (make bench-storage). The helpers take their fixtures as arguments so the
// report can build each fixture once and share it between rounds.

const (
	// benchBatchRecords records of benchValueBytes make a 16,383-byte batch:
	// the "16 KiB batch of about 150 records of 100 B", uncompressed.
	benchBatchRecords = 144
	benchValueBytes   = 100
	// benchWriteBytes is how much one log (or reference file) takes before a
	// write benchmark starts a fresh one, so disk use stays bounded however
	// long -benchtime makes the run. The report writes exactly this much.
	benchWriteBytes = 256 << 20
	// benchSyncInterval is the group-commit period of the fsync benchmarks.
	benchSyncInterval = 5 * time.Millisecond
	// benchReadLogBytes is the size of the read benchmarks' segment: small
	// enough to stay in the page cache of any machine that runs the suite.
	benchReadLogBytes = 256 << 20
	// benchRegionBatches whole batches make one read region of just under
	// 1 MiB (64 × 16,383 bytes), so every region ends on a batch boundary
	// and the next read starts where the last one ended.
	benchRegionBatches = 64
	// benchRecoveryBytes is the log the recovery benchmark rescans: one full
	// segment at the default segment.bytes.
	benchRecoveryBytes = 1 << 30
	// benchRawReadChunk is the reference reader's pread size, the same as
	// recovery's own (recoverReadSize), so the two issue the same reads.
	benchRawReadChunk = recoverReadSize
)

// benchBatch is the batch every write benchmark appends.
func benchBatch(tb testing.TB) record.Batch {
	return testBatch(tb, benchBatchRecords, benchValueBytes, 1_700_000_000_000)
}

// benchLogOptions are Kafka's defaults (1 GiB segments, an index entry per
// 4 KiB): what a broker runs with.
func benchLogOptions() Options {
	o := DefaultOptions()
	o.Retention = -1
	return o
}

// openBenchLog opens an empty log in dir with benchLogOptions.
func openBenchLog(tb testing.TB, dir string) *Log {
	tb.Helper()
	l, err := Open(LogConfig{FS: fileutil.OS(), Dir: dir, Options: benchLogOptions(), CleanShutdown: true})
	if err != nil {
		tb.Fatalf("open log: %v", err)
	}
	return l
}

// BenchmarkRawWrite16KiB is the reference of BenchmarkAppend16KiB: plain
// os.File.Write of batch-sized chunks to a file in the same temp dir.
func BenchmarkRawWrite16KiB(b *testing.B) { benchRawWrite(b, 0) }

// BenchmarkAppend16KiB measures Log.Append of 16 KiB batches without fsync.
// Target: at least 80% of BenchmarkRawWrite16KiB.
func BenchmarkAppend16KiB(b *testing.B) { benchAppend(b, 0) }

// BenchmarkRawWriteFsync5ms is the reference of
// BenchmarkAppendGroupCommit5ms: raw writes while a second goroutine
// fdatasyncs the file every 5 ms.
func BenchmarkRawWriteFsync5ms(b *testing.B) { benchRawWrite(b, benchSyncInterval) }

// BenchmarkAppendGroupCommit5ms measures Log.Append while a second goroutine
// calls Log.Flush every 5 ms. Target: at least 60% of
// BenchmarkRawWriteFsync5ms.
func BenchmarkAppendGroupCommit5ms(b *testing.B) { benchAppend(b, benchSyncInterval) }

// benchRawWrite writes batch-sized chunks with os.File.Write, with an
// fdatasync every syncEvery from a second goroutine when syncEvery > 0.
func benchRawWrite(b *testing.B, syncEvery time.Duration) {
	chunk := []byte(benchBatch(b))
	path := filepath.Join(b.TempDir(), "raw")
	var (
		f       *os.File
		flusher *syncLoop
		written int
	)
	start := func() {
		var err error
		if f, err = os.Create(path); err != nil {
			b.Fatal(err)
		}
		if syncEvery > 0 {
			flusher = startSyncLoop(syncEvery, func() error { return fdatasync(f) })
		}
		written = 0
	}
	stop := func() {
		if flusher != nil {
			if err := flusher.stop(); err != nil {
				b.Fatalf("fdatasync: %v", err)
			}
		}
		// Removing the file drops its dirty pages unwritten, so they cannot
		// be written back in the middle of the next measurement.
		if err := errors.Join(f.Close(), os.Remove(path)); err != nil {
			b.Fatal(err)
		}
	}

	start()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if written+len(chunk) > benchWriteBytes {
			b.StopTimer()
			stop()
			start()
			b.StartTimer()
		}
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
		written += len(chunk)
	}
	stop()
	reportSyncs(b, flusher)
}

// benchAppend appends the same batch over and over (Append rewrites its base
// offset in place, outside the CRC), with a Log.Flush every syncEvery from a
// second goroutine when syncEvery > 0. Each append pays what a produce
// request's does: framing and CRC check, producer-state check, offset
// assignment, the write and the index update.
func benchAppend(b *testing.B, syncEvery time.Duration) {
	batch := benchBatch(b)
	dir := filepath.Join(b.TempDir(), "topic-0")
	opts := AppendOptions{LeaderEpoch: 1, AppendTime: -1}
	var (
		l       *Log
		flusher *syncLoop
		written int
	)
	start := func() {
		l = openBenchLog(b, dir)
		if syncEvery > 0 {
			flusher = startSyncLoop(syncEvery, l.Flush)
		}
		written = 0
	}
	stop := func() {
		if flusher != nil {
			if err := flusher.stop(); err != nil {
				b.Fatalf("flush: %v", err)
			}
		}
		// Close flushes what is left (untimed); then the next log starts
		// with no dirty pages behind it, as the reference's does.
		if err := errors.Join(l.Close(), os.RemoveAll(dir)); err != nil {
			b.Fatal(err)
		}
	}

	start()
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		if written+len(batch) > benchWriteBytes {
			b.StopTimer()
			stop()
			start()
			b.StartTimer()
		}
		if _, err := l.Append(batch, opts); err != nil {
			b.Fatal(err)
		}
		written += len(batch)
	}
	stop()
	reportSyncs(b, flusher)
}

// syncLoop calls a sync function every interval until stopped: the flusher
// of the group-commit benchmarks. Ticks that fall while a sync runs are
// dropped (time.Ticker semantics), as a real flusher's would be.
type syncLoop struct {
	stopc chan struct{}
	done  chan error
	syncs atomic.Int64
}

func startSyncLoop(interval time.Duration, sync func() error) *syncLoop {
	s := &syncLoop{stopc: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				s.done <- nil
				return
			case <-t.C:
				if err := sync(); err != nil {
					s.done <- err
					return
				}
				s.syncs.Add(1)
			}
		}
	}()
	return s
}

// stop ends the loop and waits for it; it returns the sync error that ended
// it early, if one did.
func (s *syncLoop) stop() error {
	close(s.stopc)
	return <-s.done
}

// reportSyncs adds the sync rate of the last flusher, so the two sides of a
// group-commit pair can be checked to have synced about equally often.
func reportSyncs(b *testing.B, s *syncLoop) {
	if s != nil && b.Elapsed() > 0 {
		b.ReportMetric(float64(s.syncs.Load())/b.Elapsed().Seconds(), "syncs/s")
	}
}

// fdatasync is what the log's Sync does (fileutil's osFile.Sync), on a plain
// *os.File.
func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if serr = syscall.Fdatasync(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}

// readFixture is a log of benchReadLogBytes in one segment, flushed and in
// the page cache, for the read benchmarks.
type readFixture struct {
	log *Log
	// raw is the segment file opened on its own, for the references.
	raw *os.File
	// regionBytes and regionOffsets are the bytes and offsets of one region
	// of benchRegionBatches batches; regions is how many the segment holds.
	regionBytes   int
	regionOffsets int64
	regions       int
}

// newReadFixture builds the read log in a temp dir of tb and warms the page
// cache with it. The log closes when tb ends.
func newReadFixture(tb testing.TB) *readFixture {
	tb.Helper()
	batch := benchBatch(tb)
	regionBytes := benchRegionBatches * len(batch)
	fx := &readFixture{
		regionBytes:   regionBytes,
		regionOffsets: int64(benchRegionBatches * benchBatchRecords),
		regions:       benchReadLogBytes / regionBytes,
	}
	fx.log = openTestLog(tb, nil, "", benchLogOptions())
	for range fx.regions * benchRegionBatches {
		mustAppend(tb, fx.log, batch)
	}
	// Flushed, the pages are clean: background writeback cannot land in the
	// middle of a later measurement.
	if err := fx.log.Flush(); err != nil {
		tb.Fatal(err)
	}
	if n := fx.log.NumSegments(); n != 1 {
		tb.Fatalf("read log has %d segments, want 1", n)
	}
	logPath, _, _ := segmentPaths(fx.log.Dir(), 0)
	var err error
	if fx.raw, err = os.Open(logPath); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { fx.raw.Close() })
	// The target is about cached segments: read it once before timing.
	if _, err := readWhole(fx.raw, make([]byte, benchRawReadChunk)); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// readWhole preads f from start to end with buf and returns the byte count.
func readWhole(f *os.File, buf []byte) (int64, error) {
	var pos int64
	for {
		n, err := f.ReadAt(buf, pos)
		pos += int64(n)
		if errors.Is(err, io.EOF) {
			return pos, nil
		}
		if err != nil {
			return pos, err
		}
	}
}

// BenchmarkReadRegionPread measures fetch reads that copy: Log.Read of ~1 MiB
// regions of a cached segment, each pread into a reusable buffer. Target: at
// least 1 GB/s.
func BenchmarkReadRegionPread(b *testing.B) { benchReadPread(b, newReadFixture(b)) }

// BenchmarkReadRegionSendfile measures zero-copy fetch reads: Log.Read of
// ~1 MiB regions of a cached segment, each sent with sendfile(2) over a
// loopback TCP connection that a goroutine drains. Target: at least 1 GB/s.
func BenchmarkReadRegionSendfile(b *testing.B) { benchReadSendfile(b, newReadFixture(b)) }

// BenchmarkRawPread1MiB is the reference of BenchmarkReadRegionPread: the
// same preads of the same file without Log.Read.
func BenchmarkRawPread1MiB(b *testing.B) { benchRawPread(b, newReadFixture(b)) }

// BenchmarkRawSendfile1MiB is the reference of BenchmarkReadRegionSendfile:
// the same sendfile calls on the same file without Log.Read.
func BenchmarkRawSendfile1MiB(b *testing.B) { benchRawSendfile(b, newReadFixture(b)) }

// read returns region i (mod the region count) through Log.Read and checks
// that it is the whole region.
func (fx *readFixture) read(b *testing.B, i int) FileRegion {
	off := int64(i%fx.regions) * fx.regionOffsets
	rr, err := fx.log.Read(off, fx.regionBytes, fx.log.LogEndOffset(), false)
	if err != nil {
		b.Fatal(err)
	}
	if rr.Region.Size != int64(fx.regionBytes) {
		b.Fatalf("read at %d returned %d bytes, want %d", off, rr.Region.Size, fx.regionBytes)
	}
	return rr.Region
}

// rawPosition is the file position of region i, for the references.
func (fx *readFixture) rawPosition(i int) int64 {
	return int64(i%fx.regions) * int64(fx.regionBytes)
}

func benchReadPread(b *testing.B, fx *readFixture) {
	buf := make([]byte, fx.regionBytes)
	b.SetBytes(int64(fx.regionBytes))
	i := 0
	for b.Loop() {
		r := fx.read(b, i)
		if _, err := r.File.ReadAt(buf, r.Position); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchRawPread(b *testing.B, fx *readFixture) {
	buf := make([]byte, fx.regionBytes)
	b.SetBytes(int64(fx.regionBytes))
	i := 0
	for b.Loop() {
		if _, err := fx.raw.ReadAt(buf, fx.rawPosition(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchReadSendfile(b *testing.B, fx *readFixture) {
	conn := loopback(b)
	b.SetBytes(int64(fx.regionBytes))
	i := 0
	for b.Loop() {
		r := fx.read(b, i)
		of, ok := r.File.(fileutil.OSFile)
		if !ok {
			b.Fatalf("region file %T is not an OSFile", r.File)
		}
		if err := fileutil.SendFile(conn, of.OSFile(), r.Position, r.Size); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchRawSendfile(b *testing.B, fx *readFixture) {
	conn := loopback(b)
	b.SetBytes(int64(fx.regionBytes))
	i := 0
	for b.Loop() {
		if err := fileutil.SendFile(conn, fx.raw, fx.rawPosition(i), int64(fx.regionBytes)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// loopback returns the sending end of a TCP connection over 127.0.0.1 whose
// other end a goroutine drains, as a consumer would. Both close when tb ends.
// The bytes still in the socket buffers when a benchmark stops (a few MiB at
// most) are counted as sent: under 1% of what a measurement sends.
func loopback(tb testing.TB) *net.TCPConn {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		c.Close()
		tb.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		// A large buffer keeps the receiver's syscalls few, so it takes
		// little of the CPU the sender is measured on (two cores here).
		buf := make([]byte, 1<<20)
		for {
			if _, err := srv.Read(buf); err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		c.Close()
		<-drained
		srv.Close()
	})
	return c.(*net.TCPConn)
}

// BenchmarkRecovery1GiB measures Open after an unclean shutdown with
// recovery point 0: a rescan of a full 1 GiB segment (CRC and framing of
// every batch, index rebuild, producer-state replay). Target: at most 5 s.
// "warm" has the segment in the page cache; "cold" evicts the log's files
// first. The raw-read-* references pread the same file in recovery's chunk
// size, in the same cache state.
func BenchmarkRecovery1GiB(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "topic-0")
	leo := buildRecoveryLog(b, dir)
	b.Run("warm", func(b *testing.B) { benchRecovery(b, dir, leo, false) })
	b.Run("cold", func(b *testing.B) { benchRecovery(b, dir, leo, true) })
	b.Run("raw-read-warm", func(b *testing.B) { benchRawRead(b, dir, false) })
	b.Run("raw-read-cold", func(b *testing.B) { benchRawRead(b, dir, true) })
}

// buildRecoveryLog writes a log of one full 1 GiB segment to dir (65,540
// batches fill it to 4 bytes short of segment.bytes), flushes and closes it,
// and returns its log end offset.
func buildRecoveryLog(tb testing.TB, dir string) int64 {
	tb.Helper()
	batch := benchBatch(tb)
	l := openBenchLog(tb, dir)
	for range benchRecoveryBytes / len(batch) {
		mustAppend(tb, l, batch)
	}
	leo := l.LogEndOffset()
	if n := l.NumSegments(); n != 1 {
		tb.Fatalf("recovery log has %d segments, want 1", n)
	}
	if err := errors.Join(l.Flush(), l.Close()); err != nil {
		tb.Fatal(err)
	}
	return leo
}

func benchRecovery(b *testing.B, dir string, leo int64, cold bool) {
	size := segmentFileSize(b, dir)
	b.SetBytes(size)
	if !cold {
		warmLog(b, dir)
	}
	for b.Loop() {
		b.StopTimer()
		simulateCrash(b, dir)
		if cold {
			evictPageCache(b, dir)
		}
		b.StartTimer()
		l, err := Open(LogConfig{FS: fileutil.OS(), Dir: dir, Options: benchLogOptions(), RecoveryPoint: 0, CleanShutdown: false})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if got := l.LogEndOffset(); got != leo {
			l.Close()
			b.Fatalf("recovered log end offset %d, want %d", got, leo)
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func benchRawRead(b *testing.B, dir string, cold bool) {
	size := segmentFileSize(b, dir)
	b.SetBytes(size)
	if !cold {
		warmLog(b, dir)
	}
	logPath, _, _ := segmentPaths(dir, 0)
	buf := make([]byte, benchRawReadChunk)
	for b.Loop() {
		if cold {
			b.StopTimer()
			evictPageCache(b, dir)
			b.StartTimer()
		}
		f, err := os.Open(logPath)
		if err != nil {
			b.Fatal(err)
		}
		n, err := readWhole(f, buf)
		f.Close()
		if err != nil || n != size {
			b.Fatalf("read %d of %d bytes: %v", n, size, err)
		}
	}
}

// segmentFileSize is the size of the recovery log's only segment file.
func segmentFileSize(tb testing.TB, dir string) int64 {
	logPath, _, _ := segmentPaths(dir, 0)
	st, err := os.Stat(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// warmLog reads the segment file once, so a warm measurement does not
// depend on what ran before it.
func warmLog(tb testing.TB, dir string) {
	logPath, _, _ := segmentPaths(dir, 0)
	f, err := os.Open(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := readWhole(f, make([]byte, benchRawReadChunk)); err != nil {
		tb.Fatal(err)
	}
}

// simulateCrash removes the producer-state snapshots: Close wrote one at the
// log end, which a kill -9 would not have, and without it recovery also
// replays the producer state from the start of the segment, as it must after
// a real crash of a log that has not rolled since it began.
func simulateCrash(tb testing.TB, dir string) {
	snaps, err := filepath.Glob(filepath.Join(dir, "*"+snapshotSuffix))
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range snaps {
		if err := os.Remove(p); err != nil {
			tb.Fatal(err)
		}
	}
}

// evictPageCache drops the cached pages of every file in dir with
// posix_fadvise(POSIX_FADV_DONTNEED). Unlike writing to
// /proc/sys/vm/drop_caches it touches only this log's files, so it does not
// disturb other work on a shared machine. The files must be clean (flushed
// and closed): dirty pages are not dropped.
func evictPageCache(tb testing.TB, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		rc, err := f.SyscallConn()
		if err != nil {
			f.Close()
			tb.Fatal(err)
		}
		var aerr error
		cerr := rc.Control(func(fd uintptr) { aerr = unix.Fadvise(int(fd), 0, 0, unix.FADV_DONTNEED) })
		f.Close()
		if err := errors.Join(cerr, aerr); err != nil {
			tb.Fatalf("fadvise %s: %v", e.Name(), err)
		}
	}
}

package storage

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

func testManagerOptions(dirs ...string) ManagerOptions {
	o := DefaultManagerOptions(dirs...)
	o.LogOptions = func(string) Options { return testOptions() }
	return o
}

func TestManagerRestartCleanAndUnclean(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	m, err := NewManager(testManagerOptions(dirs...), nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	const partitions = 8
	for p := range int32(partitions) {
		l, err := m.GetOrCreateLog(TopicPartition{"orders", p})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			mustAppend(t, l, testBatch(t, 2, 50, int64(i)))
		}
	}
	// New logs spread over both dirs.
	for _, d := range dirs {
		if got, _ := filepath.Glob(filepath.Join(d, "orders-*")); len(got) != partitions/2 {
			t.Fatalf("%s holds %d logs, want %d", d, len(got), partitions/2)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		for _, f := range []string{cleanShutdownFile, recoveryPointCheckpointFile, logStartOffsetCheckpointFile} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				t.Fatalf("after a clean close %s is missing: %v", f, err)
			}
		}
	}
	cp, err := readCheckpoint(osFS(), filepath.Join(dirs[0], recoveryPointCheckpointFile))
	if err != nil || len(cp) != partitions/2 {
		t.Fatalf("recovery point checkpoint %v, %v", cp, err)
	}
	for _, v := range cp {
		if v != 10 {
			t.Fatalf("recovery point %d after a clean close, want 10", v)
		}
	}

	m2, err := NewManager(testManagerOptions(dirs...), nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Logs()) != partitions {
		t.Fatalf("reloaded %d logs, want %d", len(m2.Logs()), partitions)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], cleanShutdownFile)); !os.IsNotExist(err) {
		t.Fatal("the clean shutdown marker must be removed once the logs are loaded")
	}
	l, _ := m2.Log(TopicPartition{"orders", 3})
	if l.LogEndOffset() != 10 {
		t.Fatalf("end offset %d after restart", l.LogEndOffset())
	}
	mustAppend(t, l, testBatch(t, 2, 50, 1))
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash: no Close, so no marker; the logs must be recovered.
	// The dead process's dir locks go with it.
	m2.unlockDirs()
	m3, err := NewManager(testManagerOptions(dirs...), nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	l3, _ := m3.Log(TopicPartition{"orders", 3})
	if l3.LogEndOffset() != 12 {
		t.Fatalf("end offset %d after an unclean restart, want 12", l3.LogEndOffset())
	}
	m2.cancel()
	m2.wg.Wait()
}

func TestManagerDeleteLog(t *testing.T) {
	dir := t.TempDir()
	m, err := NewManager(testManagerOptions(dir), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{"gone", 0}
	l, _ := m.GetOrCreateLog(tp)
	mustAppend(t, l, testBatch(t, 2, 50, 1))
	if err := m.DeleteLog(tp); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Log(tp); ok {
		t.Fatal("deleted log is still listed")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "gone-*"))
	if len(left) != 0 {
		t.Fatalf("deleted log dir still on disk: %v", left)
	}
	m2, err := NewManager(testManagerOptions(dir), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if len(m2.Logs()) != 0 {
		t.Fatal("a deleted log came back after restart")
	}
}

func TestManagerReportsFailedDirAndKeepsTheOthers(t *testing.T) {
	good := t.TempDir()
	bad := filepath.Join(t.TempDir(), "file")
	os.WriteFile(bad, []byte("not a dir"), 0o644)
	m, err := NewManager(testManagerOptions(bad, good), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, failed := m.FailedDirs()[bad]; !failed {
		t.Fatalf("failed dirs %v, want %s", m.FailedDirs(), bad)
	}
	l, err := m.GetOrCreateLog(TopicPartition{"t", 0})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(l.Dir()) != good {
		t.Fatalf("new log placed in %s, want the healthy dir", l.Dir())
	}
	// Stray entries in a log dir are not fatal.
	os.Mkdir(filepath.Join(good, "not_a_partition"), 0o755)
	os.WriteFile(filepath.Join(good, "stray.txt"), nil, 0o644)
	m.Close()
	m2, err := NewManager(testManagerOptions(good), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if len(m2.Logs()) != 1 {
		t.Fatalf("%d logs after restart with stray entries", len(m2.Logs()))
	}
	if _, err := NewManager(testManagerOptions(bad), nil, nil); err == nil {
		t.Fatal("a manager with no usable log dir must fail")
	}
}

func TestManagerBackgroundRetentionAndFlush(t *testing.T) {
	o := testManagerOptions(t.TempDir())
	o.RetentionCheckInterval = 10 * time.Millisecond
	o.FlushCheckInterval = 10 * time.Millisecond
	o.LogOptions = func(string) Options {
		lo := testOptions()
		lo.SegmentBytes = 2048
		lo.RetentionBytes = 0
		lo.FlushInterval = 0
		return lo
	}
	m, err := NewManager(o, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, _ := m.GetOrCreateLog(TopicPartition{"t", 0})
	for i := range 20 {
		mustAppend(t, l, testBatch(t, 4, 100, int64(i)))
	}
	deadline := time.Now().Add(5 * time.Second)
	for (l.NumSegments() > 1 || l.RecoveryPoint() < l.LogEndOffset()) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if l.NumSegments() != 1 || l.RecoveryPoint() != l.LogEndOffset() {
		t.Fatalf("background work did not run: %d segments, recovery point %d of %d", l.NumSegments(), l.RecoveryPoint(), l.LogEndOffset())
	}
}

func TestGroupCommitCoversConcurrentWaiters(t *testing.T) {
	counting := &syncCountingFS{FS: osFS()}
	l, err := Open(LogConfig{FS: counting, Dir: t.TempDir() + "/t-0", Options: testOptions(), CleanShutdown: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const writers, perWriter = 16, 50
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range perWriter {
				res, err := l.Append(testBatch(t, 1, 100, 1), AppendOptions{AppendTime: -1})
				if err != nil {
					t.Error(err)
					return
				}
				if err := l.WaitDurable(t.Context(), res.LastOffset+1); err != nil {
					t.Error(err)
					return
				}
				if l.RecoveryPoint() <= res.LastOffset {
					t.Errorf("WaitDurable returned before offset %d was durable", res.LastOffset)
				}
			}
		})
	}
	wg.Wait()
	syncs := counting.syncs.Load()
	if syncs >= writers*perWriter {
		t.Fatalf("%d fdatasyncs for %d durable appends: no group commit", syncs, writers*perWriter)
	}
	t.Logf("%d durable appends took %d fdatasyncs", writers*perWriter, syncs)
}

func TestManagerUnreadableCheckpointMeansFullRecovery(t *testing.T) {
	dir := t.TempDir()
	m, err := NewManager(testManagerOptions(dir), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := m.GetOrCreateLog(TopicPartition{"t", 0})
	for i := range 5 {
		mustAppend(t, l, testBatch(t, 2, 50, int64(i)))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// An unreadable recovery-point checkpoint must not be trusted, even with
	// the clean-shutdown marker present: every log is recovered from 0.
	os.WriteFile(filepath.Join(dir, recoveryPointCheckpointFile), []byte("garbage\n"), 0o644)
	m2, err := NewManager(testManagerOptions(dir), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := m2.Log(TopicPartition{"t", 0})
	if l2.LogEndOffset() != 10 {
		t.Fatalf("end %d after full recovery, want 10", l2.LogEndOffset())
	}
	if got := testutilCounter(m2.metrics.recoveredBytes); got == 0 {
		t.Fatal("no bytes were scanned: the log was not recovered")
	}
	m2.Close()
}

// TestCleanOpenDistrustsBadSegment: after a clean shutdown segments are not
// rescanned, but one whose index check fails (here: its tail was cut, as bit
// rot or a manual edit might) is recovered, and everything after the cut goes.
func TestCleanOpenDistrustsBadSegment(t *testing.T) {
	opts := testOptions()
	opts.SegmentBytes = 4096
	l := openTestLog(t, nil, "", opts)
	for i := range 40 {
		mustAppend(t, l, testBatch(t, 3, 200, int64(i)))
	}
	l.Close()
	segs := l.segs()
	mid := segs[len(segs)/2]
	path, _, _ := segmentPaths(l.dir, mid.baseOffset)
	st, _ := os.Stat(path)
	os.Truncate(path, st.Size()-10)
	l2 := reopen(t, l, true, l.LogEndOffset())
	next := segs[len(segs)/2+1].baseOffset
	if got := l2.LogEndOffset(); got >= next || got <= mid.baseOffset {
		t.Fatalf("end %d, want inside segment [%d, %d)", got, mid.baseOffset, next)
	}
	recs := readAllRecords(t, l2, 0)
	if int64(len(recs)) != l2.LogEndOffset() {
		t.Fatalf("read %d records, end %d", len(recs), l2.LogEndOffset())
	}
	mustAppend(t, l2, testBatch(t, 1, 10, 1))
}

func TestManagerMarksDirOfflineOnFsyncFailure(t *testing.T) {
	fsys := fileutil.NewMemFS()
	o := testManagerOptions("/a", "/b")
	o.FS = fsys
	m, err := NewManager(o, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	la, _ := m.GetOrCreateLog(TopicPartition{"t", 0})
	lb, _ := m.GetOrCreateLog(TopicPartition{"t", 1})
	mustAppend(t, la, testBatch(t, 1, 10, 1))
	mustAppend(t, lb, testBatch(t, 1, 10, 1))
	failing := filepath.Dir(la.Dir())
	fsys.InjectFault(fileutil.Fault{Op: fileutil.OpSync, PathContains: failing + "/"})
	if err := la.Flush(); !errors.Is(err, ErrLogDirFailed) {
		t.Fatalf("flush: %v", err)
	}
	fsys.ClearFaults()
	if _, bad := m.FailedDirs()[failing]; !bad {
		t.Fatalf("failed dirs %v, want %s", m.FailedDirs(), failing)
	}
	if err := lb.Flush(); err != nil {
		t.Fatalf("the other dir's log must keep working: %v", err)
	}
	l3, err := m.GetOrCreateLog(TopicPartition{"t", 2})
	if err != nil || filepath.Dir(l3.Dir()) == failing {
		t.Fatalf("new log in %v (%v); must avoid the offline dir", l3, err)
	}
}

// BenchmarkManagerCleanRestart1000 times NewManager over 1,000 partition logs
// after a clean shutdown: the broker's "ready" time is bounded by this.
func BenchmarkManagerCleanRestart1000(b *testing.B) {
	dir := b.TempDir()
	m, err := NewManager(DefaultManagerOptions(dir), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := testBatch(b, 10, 100, 1)
	for p := range int32(1000) {
		l, err := m.GetOrCreateLog(TopicPartition{"bench", p})
		if err != nil {
			b.Fatal(err)
		}
		for range 3 {
			if _, err := l.Append(append(record.Batch(nil), batch...), AppendOptions{AppendTime: -1}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		m, err := NewManager(DefaultManagerOptions(dir), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if len(m.Logs()) != 1000 {
			b.Fatalf("%d logs", len(m.Logs()))
		}
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func testutilCounter(c prometheus.Counter) float64 { return testutil.ToFloat64(c) }

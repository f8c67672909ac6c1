package storage

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// The model test drives a Log through seeded random sequences of append,
// read, roll, flush, truncate, DeleteRecords, retention, clean restart and
// crash (MemFS power cut, plain or torn) and checks it against a model:
//
//   - the model keeps, for every offset of the current history, the exact
//     bytes of the batch that holds it;
//   - every read must return batches that equal the model's, byte for byte
//     (the leader-epoch field included), in offset order;
//   - after a crash, every offset below the last durable point must still be
//     there, and whatever survived beyond it must be a prefix of what was
//     written: nothing corrupt or torn is ever served.
//
// A failure prints the seed; SAMSA_MODEL_SEED=n reruns just that sequence,
// and SAMSA_MODEL_TRACE=1 also logs every step, the files a crash left and
// the log's own messages.

type modelLog struct {
	batches map[int64][]byte // base offset → stored batch bytes
	order   []int64          // base offsets in order
	leo     int64
	start   int64
	durable int64
	// pidNextSeq is the next sequence the test producer must send.
	pidNextSeq int32
}

const modelPID = 42

// truncate drops every batch that reaches to or beyond, as TruncateTo does
// with whole batches: the end becomes the first dropped batch's base.
func (m *modelLog) truncate(to int64) {
	end := min(m.leo, to)
	for len(m.order) > 0 && record.Batch(m.batches[m.order[len(m.order)-1]]).LastOffset() >= to {
		end = m.order[len(m.order)-1]
		delete(m.batches, end)
		m.order = m.order[:len(m.order)-1]
	}
	m.leo = end
	m.durable = min(m.durable, m.leo)
	m.start = min(m.start, m.leo)
	m.pidNextSeq = 0
	for i := len(m.order) - 1; i >= 0; i-- {
		if b := record.Batch(m.batches[m.order[i]]); b.ProducerID() == modelPID {
			m.pidNextSeq = b.LastSequence() + 1
			break
		}
	}
}

type modelRun struct {
	t    *testing.T
	rng  *rand.Rand
	fs   *fileutil.MemFS
	opts Options
	log  *Log
	m    *modelLog
	seed uint64
	step int
}

func (r *modelRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d step %d: %s", r.seed, r.step, fmt.Sprintf(format, args...))
}

func (r *modelRun) open(clean bool, recoveryPoint int64) {
	var logger *slog.Logger
	if os.Getenv("SAMSA_MODEL_TRACE") != "" {
		logger = slog.New(slog.NewTextHandler(testLogWriter{r.t}, nil))
	}
	l, err := Open(LogConfig{FS: r.fs, Dir: "/data/t-0", Options: r.opts, CleanShutdown: clean, RecoveryPoint: recoveryPoint, LogStartOffset: r.m.start, Logger: logger})
	if err != nil {
		r.fatalf("open (clean=%v): %v", clean, err)
	}
	r.log = l
}

func (r *modelRun) append() {
	n := 1 + r.rng.IntN(8)
	idempotent := r.rng.IntN(2) == 0
	pid, seq := int64(-1), int32(-1)
	if idempotent {
		pid, seq = modelPID, r.m.pidNextSeq
	}
	b := testProducerBatch(r.t, n, r.rng.IntN(300), int64(r.rng.IntN(1_000_000)), pid, 0, seq)
	res, err := r.log.Append(b, AppendOptions{LeaderEpoch: int32(r.step), AppendTime: -1})
	if int64(len(b)) > r.opts.SegmentBytes {
		// Kafka refuses a batch larger than a segment (RecordBatchTooLarge).
		if !errors.Is(err, ErrRecordTooLarge) || r.log.LogEndOffset() != r.m.leo {
			r.fatalf("append of a %d-byte batch into %d-byte segments: %v", len(b), r.opts.SegmentBytes, err)
		}
		return
	}
	if err != nil {
		r.fatalf("append: %v", err)
	}
	if res.FirstOffset != r.m.leo || res.Duplicate {
		r.fatalf("append got offset %d (duplicate=%v), model end is %d", res.FirstOffset, res.Duplicate, r.m.leo)
	}
	r.m.batches[res.FirstOffset] = append([]byte(nil), b...)
	r.m.order = append(r.m.order, res.FirstOffset)
	r.m.leo = res.LastOffset + 1
	if idempotent {
		r.m.pidNextSeq = seq + int32(n)
		// A retry of the same batch must be a duplicate, not a second copy.
		if r.rng.IntN(4) == 0 {
			again := testProducerBatch(r.t, n, 1, 0, pid, 0, seq)
			res2, err := r.log.Append(again, AppendOptions{AppendTime: -1})
			if err != nil || !res2.Duplicate || res2.FirstOffset != res.FirstOffset {
				r.fatalf("retry of offset %d: %+v, %v", res.FirstOffset, res2, err)
			}
		}
	}
}

// checkRead reads from a random offset and compares with the model.
func (r *modelRun) checkRead(from int64) {
	if r.log.LogEndOffset() != r.m.leo {
		r.fatalf("log end %d, model %d", r.log.LogEndOffset(), r.m.leo)
	}
	maxBytes := 1 + r.rng.IntN(8000)
	batches, err := r.log.ReadBatches(from, maxBytes, r.log.LogEndOffset())
	if err != nil {
		r.fatalf("read at %d: %v", from, err)
	}
	if from < r.m.leo && len(batches) == 0 {
		r.fatalf("read at %d returned nothing; model end %d", from, r.m.leo)
	}
	for i, b := range batches {
		want, ok := r.m.batches[b.BaseOffset()]
		if !ok {
			r.fatalf("read returned a batch at %d the model does not have", b.BaseOffset())
		}
		if !bytes.Equal(b, want) {
			r.fatalf("batch at %d differs from what was appended", b.BaseOffset())
		}
		if i == 0 && (b.BaseOffset() > from || b.LastOffset() < from) {
			r.fatalf("read at %d started with batch [%d, %d]", from, b.BaseOffset(), b.LastOffset())
		}
		if i > 0 && b.BaseOffset() != batches[i-1].NextOffset() {
			r.fatalf("gap between batches at %d and %d", batches[i-1].BaseOffset(), b.BaseOffset())
		}
	}
}

func (r *modelRun) randomOffset() int64 {
	lo, hi := r.log.LogStartOffset(), r.m.leo
	if hi <= lo {
		return lo
	}
	return lo + r.rng.Int64N(hi-lo+1)
}

// crash cuts power and reopens; the recovery point handed to Open is one the
// Manager could have checkpointed: never above what was durable.
func (r *modelRun) crash() {
	if r.rng.IntN(2) == 0 {
		r.fs.Crash()
	} else {
		r.fs.CrashTorn(r.rng)
	}
	if os.Getenv("SAMSA_MODEL_TRACE") != "" {
		ents, _ := r.fs.ReadDir("/data/t-0")
		for _, e := range ents {
			st, _ := r.fs.Stat("/data/t-0/" + e.Name())
			r.t.Logf("after crash: %s %d", e.Name(), st.Size())
		}
	}
	rp := int64(0)
	if r.rng.IntN(2) == 0 {
		rp = r.m.durable
	}
	r.open(false, rp)
	if os.Getenv("SAMSA_MODEL_TRACE") != "" {
		for _, sg := range r.log.segs() {
			r.t.Logf("reopened (rp %d): segment %d size %d", rp, sg.baseOffset, sg.size.Load())
		}
	}
	got := r.log.LogEndOffset()
	if got < r.m.durable {
		r.fatalf("crash lost durable data: end %d, durable %d", got, r.m.durable)
	}
	if got > r.m.leo {
		r.fatalf("crash invented data: end %d, model end %d", got, r.m.leo)
	}
	r.m.truncate(got)
	// A log whose every segment was lost restarts empty at its start offset,
	// which may lie inside the first lost batch.
	r.m.leo = got
	r.m.durable = r.log.RecoveryPoint()
	if r.m.durable != got {
		r.fatalf("after recovery the recovery point is %d, end %d", r.m.durable, got)
	}
	// Deleted segments may come back when their deletion was not yet
	// durable; the data they hold is still the model's.
	r.m.start = r.log.LogStartOffset()
	r.checkAllReads()
}

func (r *modelRun) checkAllReads() {
	for off := r.log.LogStartOffset(); off < r.m.leo; {
		batches, err := r.log.ReadBatches(off, 1<<20, r.m.leo)
		if err != nil || len(batches) == 0 {
			r.fatalf("full read at %d: %v (%d batches)", off, err, len(batches))
		}
		for _, b := range batches {
			if want := r.m.batches[b.BaseOffset()]; !bytes.Equal(b, want) {
				r.fatalf("full read: batch at %d differs", b.BaseOffset())
			}
			off = b.NextOffset()
		}
	}
}

func (r *modelRun) step1() {
	p := r.rng.IntN(100)
	if os.Getenv("SAMSA_MODEL_TRACE") != "" {
		segdesc := ""
		for _, sg := range r.log.segs() {
			segdesc += fmt.Sprintf(" %d:%d", sg.baseOffset, sg.size.Load())
		}
		r.t.Logf("step %d op %d end %d start %d durable %d segments%s", r.step, p, r.m.leo, r.m.start, r.m.durable, segdesc)
	}
	switch {
	case p < 55:
		r.append()
	case p < 70:
		r.checkRead(r.randomOffset())
	case p < 78:
		if err := r.log.Flush(); err != nil {
			r.fatalf("flush: %v", err)
		}
		r.m.durable = r.m.leo
	case p < 81:
		if err := r.log.Roll(); err != nil {
			r.fatalf("roll: %v", err)
		}
	case p < 84:
		to := r.randomOffset()
		fully := to <= r.log.LogStartOffset() && to < r.m.leo
		if err := r.log.TruncateTo(to); err != nil {
			r.fatalf("truncate to %d: %v", to, err)
		}
		if fully {
			// At or below the log start the log restarts empty at to.
			r.m.truncate(0)
			r.m.leo, r.m.start, r.m.durable = to, to, to
		} else {
			// Truncation drops the whole batch holding to.
			r.m.truncate(to)
		}
		if r.log.LogEndOffset() != r.m.leo {
			r.fatalf("after truncate to %d: end %d, model %d", to, r.log.LogEndOffset(), r.m.leo)
		}
		r.m.start = r.log.LogStartOffset()
	case p < 87:
		to := r.randomOffset()
		start, err := r.log.DeleteRecordsBefore(to)
		if err != nil {
			r.fatalf("delete records before %d: %v", to, err)
		}
		r.m.start = start
	case p < 89:
		o := r.opts
		o.RetentionBytes = int64(r.rng.IntN(20000))
		r.log.SetOptions(o)
		r.log.DeleteOldSegments()
		r.log.SetOptions(r.opts)
		r.m.start = r.log.LogStartOffset()
	case p < 95:
		r.crash()
	default:
		if err := r.log.Close(); err != nil {
			r.fatalf("close: %v", err)
		}
		r.m.durable = r.m.leo
		r.open(true, r.m.leo)
		if r.log.LogEndOffset() != r.m.leo {
			r.fatalf("clean restart: end %d, model %d", r.log.LogEndOffset(), r.m.leo)
		}
	}
	if r.log.LogStartOffset() > r.log.LogEndOffset() {
		r.fatalf("log start %d past log end %d", r.log.LogStartOffset(), r.log.LogEndOffset())
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	opts := DefaultOptions()
	opts.SegmentBytes = int64(1024 + rng.IntN(8192))
	opts.IndexIntervalBytes = rng.IntN(2048)
	opts.MaxIndexBytes = 12 * (4 + rng.IntN(40))
	opts.FileDeleteDelay = 0
	opts.Retention = -1
	r := &modelRun{t: t, rng: rng, fs: fileutil.NewMemFS(), opts: opts, m: &modelLog{batches: map[int64][]byte{}}, seed: seed}
	r.open(true, 0)
	for r.step = 0; r.step < steps; r.step++ {
		r.step1()
	}
	r.checkAllReads()
	if err := r.log.Close(); err != nil {
		r.fatalf("final close: %v", err)
	}
}

func TestLogModel(t *testing.T) {
	seeds, steps := 3000, 60
	if testing.Short() {
		seeds = 300
	}
	if s := os.Getenv("SAMSA_MODEL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		runModel(t, seed, steps)
		return
	}
	for seed := range uint64(seeds) {
		runModel(t, seed, steps)
		if t.Failed() {
			return
		}
	}
}

// TestDiskFullDuringAppend fills the file system in the middle of appends:
// the failing append returns ENOSPC, the log stays consistent and keeps
// serving everything before it, and appends work again once space frees up.
func TestDiskFullDuringAppend(t *testing.T) {
	fsys := fileutil.NewMemFS()
	opts := testOptions()
	opts.SegmentBytes = 4096
	l := openTestLog(t, fsys, "/data/t-0", opts)
	for i := range 10 {
		mustAppend(t, l, testBatch(t, 3, 200, int64(i)))
	}
	fsys.SetCapacity(fsys.Used() + 1500)
	var full error
	for i := 0; i < 50 && full == nil; i++ {
		_, full = l.Append(testBatch(t, 3, 200, 1), AppendOptions{AppendTime: -1})
	}
	if !errors.Is(full, errNoSpace) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", full)
	}
	leo := l.LogEndOffset()
	if got := len(readAllRecords(t, l, 0)); int64(got) != leo {
		t.Fatalf("after disk full, read %d records of %d", got, leo)
	}
	fsys.SetCapacity(-1)
	res := mustAppend(t, l, testBatch(t, 3, 200, 1))
	if res.FirstOffset != leo {
		t.Fatalf("append after space freed at %d, want %d", res.FirstOffset, leo)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	fsys.Crash()
	l2, err := Open(LogConfig{FS: fsys, Dir: "/data/t-0", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.LogEndOffset() != leo+3 {
		t.Fatalf("after crash end %d, want %d", l2.LogEndOffset(), leo+3)
	}
	readAllRecords(t, l2, 0)
}

// TestFsyncFailureTakesLogOffline: after a failed fdatasync nothing can be
// proven durable any more, so the log refuses writes but still serves reads.
func TestFsyncFailureTakesLogOffline(t *testing.T) {
	fsys := fileutil.NewMemFS()
	l := openTestLog(t, fsys, "/data/t-0", testOptions())
	mustAppend(t, l, testBatch(t, 3, 20, 1))
	fsys.InjectFault(fileutil.Fault{Op: fileutil.OpSync, PathContains: ".log"})
	if err := l.Flush(); !errors.Is(err, ErrLogDirFailed) {
		t.Fatalf("flush with a failing fdatasync: %v", err)
	}
	if _, err := l.Append(testBatch(t, 1, 20, 1), AppendOptions{AppendTime: -1}); !errors.Is(err, ErrLogDirFailed) {
		t.Fatalf("append after a failed fdatasync: %v", err)
	}
	if got := len(readAllRecords(t, l, 0)); got != 3 {
		t.Fatalf("read %d records from the failed log, want 3", got)
	}
	fsys.ClearFaults()
}

// testLogWriter sends slog output to the test log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

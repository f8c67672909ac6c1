package storage

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// bspec describes a test batch: n records from one producer.
type bspec struct {
	pid     int64
	epoch   int16
	seq     int32
	n       int
	txn     bool
	control bool
	ts      int64 // every record's timestamp, so the batch's max timestamp
}

// data is an idempotent data batch of n records.
func data(pid int64, epoch int16, seq int32, n int) bspec {
	return bspec{pid: pid, epoch: epoch, seq: seq, n: n}
}

// marker is a transaction marker (control batch) as the broker writes it:
// transactional, sequence -1, one record.
func marker(pid int64, epoch int16) bspec {
	return bspec{pid: pid, epoch: epoch, seq: -1, n: 1, txn: true, control: true}
}

// plain is a batch without a producer id.
func plain(n int) bspec { return bspec{pid: -1, epoch: -1, seq: -1, n: n} }

// build encodes s as a producer would send it (base offset 0).
func build(t testing.TB, s bspec) record.Batch {
	t.Helper()
	recs := make([]record.Record, s.n)
	for i := range recs {
		recs[i] = record.Record{Offset: int64(i), Timestamp: s.ts, Value: []byte("v")}
	}
	b, err := record.Build(record.BatchOptions{
		ProducerID:    s.pid,
		ProducerEpoch: s.epoch,
		BaseSequence:  s.seq,
		Transactional: s.txn,
		Control:       s.control,
	}, recs)
	if err != nil {
		t.Fatalf("record.Build(%+v): %v", s, err)
	}
	return b
}

// testLog drives a producerStateManager the way the log does: check, assign
// the next offset, update.
type testLog struct {
	t    testing.TB
	m    *producerStateManager
	next int64
}

func newTestLog(t testing.TB, dir string) *testLog {
	return &testLog{t: t, m: newProducerStateManager(fileutil.OS(), dir, time.Hour)}
}

// append appends each spec, which must pass checkAppend as a new batch, and
// returns what update remembered of each data batch.
func (l *testLog) append(specs ...bspec) []batchMetadata {
	l.t.Helper()
	var out []batchMetadata
	for _, s := range specs {
		b := build(l.t, s)
		dup, err := l.m.checkAppend(b)
		if dup != nil || err != nil {
			l.t.Fatalf("append %+v: checkAppend = %+v, %v; want nil, nil", s, dup, err)
		}
		b.SetBaseOffset(l.next)
		l.m.update(b)
		l.next = b.NextOffset()
		out = append(out, batchMetadata{
			FirstSeq: b.BaseSequence(), LastSeq: b.LastSequence(),
			FirstOffset: b.BaseOffset(), LastOffset: b.LastOffset(), MaxTimestamp: b.MaxTimestamp(),
		})
	}
	return out
}

func TestCheckAppend(t *testing.T) {
	const p = 7
	// six two-record batches: sequences [0,1] [2,3] ... [10,11] at offsets 0..11
	six := []bspec{data(p, 0, 0, 2), data(p, 0, 2, 2), data(p, 0, 4, 2), data(p, 0, 6, 2), data(p, 0, 8, 2), data(p, 0, 10, 2)}

	type tc struct {
		name    string
		setup   []bspec
		probe   bspec
		dupOf   int // index into setup of the batch the probe duplicates; -1 for none
		wantErr error
	}
	tests := []tc{
		{name: "non-idempotent batch, no state", probe: plain(3), dupOf: -1},
		{name: "non-idempotent batch among idempotent ones", setup: six, probe: plain(1), dupOf: -1},
		{name: "unknown producer, any first sequence", setup: []bspec{data(p+1, 0, 0, 1)}, probe: data(p, 3, 42, 2), dupOf: -1},
		{name: "unknown producer, sequence 0", probe: data(p, 0, 0, 5), dupOf: -1},
		{name: "in order", setup: []bspec{data(p, 0, 0, 3)}, probe: data(p, 0, 3, 1), dupOf: -1},
		{name: "in order after six", setup: six, probe: data(p, 0, 12, 4), dupOf: -1},
		{name: "gap", setup: []bspec{data(p, 0, 0, 3)}, probe: data(p, 0, 4, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "repeat of last sequence", setup: []bspec{data(p, 0, 0, 3)}, probe: data(p, 0, 2, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "overlaps a retained batch without matching it", setup: six, probe: data(p, 0, 10, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "duplicate of the 6th-oldest batch", setup: six, probe: data(p, 0, 0, 2), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "lower epoch", setup: []bspec{data(p, 1, 0, 2)}, probe: data(p, 0, 2, 1), dupOf: -1, wantErr: ErrInvalidProducerEpoch},
		{name: "lower epoch, range of a retained batch", setup: []bspec{data(p, 0, 0, 2), data(p, 1, 0, 2)}, probe: data(p, 0, 0, 2), dupOf: -1, wantErr: ErrInvalidProducerEpoch},
		{name: "higher epoch, sequence 0", setup: six, probe: data(p, 1, 0, 1), dupOf: -1},
		{name: "higher epoch, range of a retained batch is not a duplicate", setup: six, probe: data(p, 1, 10, 2), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "higher epoch, sequence 0 matching a retained range", setup: []bspec{data(p, 0, 0, 2)}, probe: data(p, 1, 0, 2), dupOf: -1},
		{name: "higher epoch, non-zero sequence", setup: six, probe: data(p, 1, 12, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "higher epoch, non-zero sequence, no retained batches", setup: []bspec{data(p, 0, 0, 2), marker(p, 1)}, probe: data(p, 2, 9, 1), dupOf: -1},
		{name: "same epoch after a bumping marker, sequence 0", setup: []bspec{data(p, 0, 0, 2), marker(p, 1)}, probe: data(p, 1, 0, 1), dupOf: -1},
		{name: "same epoch after a bumping marker, non-zero sequence", setup: []bspec{data(p, 0, 0, 2), marker(p, 1)}, probe: data(p, 1, 2, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "sequence wraps from MaxInt32 to 0", setup: []bspec{data(p, 0, math.MaxInt32-1, 2)}, probe: data(p, 0, 0, 3), dupOf: -1},
		{name: "no MaxInt32+1 after the wrap", setup: []bspec{data(p, 0, math.MaxInt32-1, 2)}, probe: data(p, 0, 1, 1), dupOf: -1, wantErr: ErrOutOfOrderSequence},
		{name: "batch spanning the wrap, next", setup: []bspec{data(p, 0, math.MaxInt32-1, 4)}, probe: data(p, 0, 2, 1), dupOf: -1},
		{name: "batch spanning the wrap, duplicate", setup: []bspec{data(p, 0, math.MaxInt32-1, 4)}, probe: data(p, 0, math.MaxInt32-1, 4), dupOf: 0},
		{name: "control batch, current epoch", setup: []bspec{data(p, 0, 0, 3)}, probe: marker(p, 0), dupOf: -1},
		{name: "control batch, higher epoch", setup: []bspec{data(p, 0, 0, 3)}, probe: marker(p, 1), dupOf: -1},
		{name: "control batch, lower epoch", setup: []bspec{data(p, 2, 0, 3)}, probe: marker(p, 1), dupOf: -1, wantErr: ErrInvalidProducerEpoch},
		{name: "control batch, unknown producer", probe: marker(p, 0), dupOf: -1},
	}
	// A retry of each of the five retained batches is answered with the
	// original offsets.
	for i := 1; i < len(six); i++ {
		tests = append(tests, tc{
			name:  fmt.Sprintf("duplicate of retained batch %d of 5 (oldest first)", i),
			setup: six, probe: six[i], dupOf: i,
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTestLog(t, t.TempDir())
			appended := l.append(tt.setup...)
			before := l.m.activeProducers()

			dup, err := l.m.checkAppend(build(t, tt.probe))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("checkAppend(%+v) error = %v, want %v", tt.probe, err, tt.wantErr)
			}
			switch {
			case tt.dupOf < 0 && dup != nil:
				t.Fatalf("checkAppend(%+v) = duplicate %+v, want none", tt.probe, *dup)
			case tt.dupOf >= 0 && dup == nil:
				t.Fatalf("checkAppend(%+v) = no duplicate, want %+v", tt.probe, appended[tt.dupOf])
			case tt.dupOf >= 0 && *dup != appended[tt.dupOf]:
				t.Fatalf("checkAppend(%+v) = duplicate %+v, want %+v", tt.probe, *dup, appended[tt.dupOf])
			}
			if after := l.m.activeProducers(); !reflect.DeepEqual(before, after) {
				t.Fatalf("checkAppend changed the state:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	const p = 3
	tests := []struct {
		name    string
		specs   []bspec
		want    producerEntry // Batches compared by sequence range and offsets
		wantEnd int64
	}{
		{
			name:  "first batch creates the entry",
			specs: []bspec{{pid: p, epoch: 2, seq: 5, n: 3, ts: 1000}},
			want: producerEntry{ProducerID: p, Epoch: 2, LastTimestamp: 1000, CurrentTxnFirstOffset: -1,
				Batches: []batchMetadata{{5, 7, 0, 2, 1000}}},
			wantEnd: 3,
		},
		{
			name: "keeps the last five",
			specs: []bspec{data(p, 0, 0, 1), data(p, 0, 1, 1), data(p, 0, 2, 1), data(p, 0, 3, 1),
				data(p, 0, 4, 1), data(p, 0, 5, 1), data(p, 0, 6, 2)},
			want: producerEntry{ProducerID: p, Epoch: 0, CurrentTxnFirstOffset: -1, Batches: []batchMetadata{
				{2, 2, 2, 2, 0}, {3, 3, 3, 3, 0}, {4, 4, 4, 4, 0}, {5, 5, 5, 5, 0}, {6, 7, 6, 7, 0}}},
			wantEnd: 8,
		},
		{
			name:  "epoch bump clears retained batches",
			specs: []bspec{data(p, 0, 0, 2), data(p, 0, 2, 2), data(p, 1, 0, 1)},
			want: producerEntry{ProducerID: p, Epoch: 1, CurrentTxnFirstOffset: -1,
				Batches: []batchMetadata{{0, 0, 4, 4, 0}}},
			wantEnd: 5,
		},
		{
			name:  "batches without a producer only advance the map end",
			specs: []bspec{data(p, 0, 0, 2), plain(5)},
			want: producerEntry{ProducerID: p, Epoch: 0, CurrentTxnFirstOffset: -1,
				Batches: []batchMetadata{{0, 1, 0, 1, 0}}},
			wantEnd: 7,
		},
		{
			name: "first transactional batch opens the transaction",
			specs: []bspec{data(p, 0, 0, 2), {pid: p, epoch: 0, seq: 2, n: 3, txn: true},
				{pid: p, epoch: 0, seq: 5, n: 1, txn: true}},
			want: producerEntry{ProducerID: p, Epoch: 0, CurrentTxnFirstOffset: 2,
				Batches: []batchMetadata{{0, 1, 0, 1, 0}, {2, 4, 2, 4, 0}, {5, 5, 5, 5, 0}}},
			wantEnd: 6,
		},
		{
			name: "marker closes the transaction and is not retained",
			specs: []bspec{{pid: p, epoch: 0, seq: 0, n: 2, txn: true, ts: 10}, {pid: p, epoch: 0, seq: -1, n: 1, txn: true, control: true, ts: 20},
				{pid: p, epoch: 0, seq: 2, n: 1, txn: true, ts: 30}, marker(p, 0)},
			want: producerEntry{ProducerID: p, Epoch: 0, CurrentTxnFirstOffset: -1, LastTimestamp: 0,
				Batches: []batchMetadata{{0, 1, 0, 1, 10}, {2, 2, 3, 3, 30}}},
			wantEnd: 5,
		},
		{
			name:    "marker with a new epoch clears retained batches",
			specs:   []bspec{{pid: p, epoch: 0, seq: 0, n: 2, txn: true}, marker(p, 1)},
			want:    producerEntry{ProducerID: p, Epoch: 1, CurrentTxnFirstOffset: -1},
			wantEnd: 3,
		},
		{
			name:  "last timestamp is the last batch's",
			specs: []bspec{{pid: p, epoch: 0, seq: 0, n: 1, ts: 500}, {pid: p, epoch: 0, seq: 1, n: 1, ts: 400}},
			want: producerEntry{ProducerID: p, Epoch: 0, LastTimestamp: 400, CurrentTxnFirstOffset: -1,
				Batches: []batchMetadata{{0, 0, 0, 0, 500}, {1, 1, 1, 1, 400}}},
			wantEnd: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTestLog(t, t.TempDir())
			l.append(tt.specs...)
			got, ok := l.m.lastEntry(p)
			if !ok {
				t.Fatalf("lastEntry(%d): no entry", p)
			}
			if len(got.Batches) == 0 {
				got.Batches = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("lastEntry(%d) =\n  %+v\nwant\n  %+v", p, got, tt.want)
			}
			if end := l.m.mapEndOffset(); end != tt.wantEnd {
				t.Fatalf("mapEndOffset() = %d, want %d", end, tt.wantEnd)
			}
		})
	}
}

func TestActiveProducersSortedCopies(t *testing.T) {
	l := newTestLog(t, t.TempDir())
	l.append(data(30, 0, 0, 1), data(10, 0, 0, 1), plain(2), data(20, 0, 0, 1), data(10, 0, 1, 1))

	got := l.m.activeProducers()
	var pids []int64
	for _, e := range got {
		pids = append(pids, e.ProducerID)
	}
	if want := []int64{10, 20, 30}; !reflect.DeepEqual(pids, want) {
		t.Fatalf("activeProducers() pids = %v, want %v", pids, want)
	}
	if _, ok := l.m.lastEntry(-1); ok {
		t.Fatalf("lastEntry(-1) found an entry for batches without a producer")
	}

	// Callers may keep and modify what they get without touching the state.
	got[0].Batches[0].FirstSeq = 99
	got[0].Epoch = 5
	e, _ := l.m.lastEntry(10)
	if e.Epoch != 0 || e.Batches[0].FirstSeq != 0 {
		t.Fatalf("activeProducers() shares memory with the state: %+v", e)
	}
	e.Batches[1].LastSeq = 99
	if e2, _ := l.m.lastEntry(10); e2.Batches[1].LastSeq != 1 {
		t.Fatalf("lastEntry() shares memory with the state: %+v", e2)
	}
}

func TestRemoveExpiredProducers(t *testing.T) {
	const expiration = time.Hour
	now := time.UnixMilli(10 * expiration.Milliseconds())
	nowMs := now.UnixMilli()
	tests := []struct {
		name     string
		specs    []bspec
		wantKept bool
	}{
		{"recent", []bspec{{pid: 1, seq: 0, n: 1, ts: nowMs - 1000}}, true},
		{"one millisecond short of expiry", []bspec{{pid: 1, seq: 0, n: 1, ts: nowMs - expiration.Milliseconds() + 1}}, true},
		{"exactly at expiry", []bspec{{pid: 1, seq: 0, n: 1, ts: nowMs - expiration.Milliseconds()}}, false},
		{"long idle", []bspec{{pid: 1, seq: 0, n: 1, ts: 0}}, false},
		{"long idle with an open transaction", []bspec{{pid: 1, seq: 0, n: 1, txn: true, ts: 0}}, true},
		{"long idle after its transaction ended", []bspec{{pid: 1, seq: 0, n: 1, txn: true, ts: 0},
			{pid: 1, seq: -1, n: 1, txn: true, control: true, ts: 0}}, false},
		{"recent marker keeps an old producer", []bspec{{pid: 1, seq: 0, n: 1, txn: true, ts: 0},
			{pid: 1, seq: -1, n: 1, txn: true, control: true, ts: nowMs}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newProducerStateManager(fileutil.OS(), t.TempDir(), expiration)
			l := &testLog{t: t, m: m}
			l.append(tt.specs...)
			l.append(bspec{pid: 2, seq: 0, n: 1, ts: nowMs}) // a bystander that never expires
			m.removeExpiredProducers(now)
			if _, ok := m.lastEntry(1); ok != tt.wantKept {
				t.Fatalf("after removeExpiredProducers: producer kept = %v, want %v", ok, tt.wantKept)
			}
			if _, ok := m.lastEntry(2); !ok {
				t.Fatalf("a recent producer was expired")
			}
			if !tt.wantKept {
				// A forgotten producer is accepted at any sequence (KIP-360).
				if dup, err := m.checkAppend(build(t, data(1, 0, 17, 1))); dup != nil || err != nil {
					t.Fatalf("checkAppend after expiry = %v, %v; want nil, nil", dup, err)
				}
			}
		})
	}
}

// TestProducerStateConcurrent runs appends (serialized, as the log's append
// mutex does), admin reads, snapshots and expiry at once; it is meant for
// -race.
func TestProducerStateConcurrent(t *testing.T) {
	const (
		producers = 4
		perProd   = 150
	)
	l := newTestLog(t, t.TempDir())
	var appendMu sync.Mutex // the log's append mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})

	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perProd {
				appendMu.Lock()
				b := build(t, data(int64(p), 0, int32(i*2), 2))
				dup, err := l.m.checkAppend(b)
				if dup != nil || err != nil {
					appendMu.Unlock()
					t.Errorf("producer %d batch %d: checkAppend = %v, %v", p, i, dup, err)
					return
				}
				b.SetBaseOffset(l.next)
				l.m.update(b)
				l.next = b.NextOffset()
				// A retry right after is answered as a duplicate.
				if dup, err := l.m.checkAppend(build(t, data(int64(p), 0, int32(i*2), 2))); dup == nil || err != nil {
					t.Errorf("producer %d batch %d retry: checkAppend = %v, %v", p, i, dup, err)
				}
				appendMu.Unlock()
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, e := range l.m.activeProducers() {
				if len(e.Batches) > maxRetainedBatches {
					t.Errorf("producer %d retains %d batches", e.ProducerID, len(e.Batches))
				}
			}
			l.m.lastEntry(1)
			l.m.mapEndOffset()
		}
	}()
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := l.m.takeSnapshot(); err != nil {
				t.Errorf("takeSnapshot: %v", err)
			}
			l.m.removeExpiredProducers(time.UnixMilli(0)) // expires nothing, but takes the lock
			l.m.latestSnapshotOffset()
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()

	for p := range producers {
		e, ok := l.m.lastEntry(int64(p))
		if !ok || len(e.Batches) != maxRetainedBatches || e.Batches[len(e.Batches)-1].LastSeq != perProd*2-1 {
			t.Fatalf("producer %d: final entry %+v, %v", p, e, ok)
		}
	}
	if end := l.m.mapEndOffset(); end != producers*perProd*2 {
		t.Fatalf("mapEndOffset() = %d, want %d", end, producers*perProd*2)
	}
}

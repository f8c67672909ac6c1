package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

func TestProducerSnapshotEncodeDecode(t *testing.T) {
	tests := []struct {
		name    string
		entries []producerEntry
	}{
		{"empty", nil},
		{"entry without batches", []producerEntry{{ProducerID: 1, Epoch: 3, LastTimestamp: 77, CurrentTxnFirstOffset: -1}}},
		{"full entries", []producerEntry{
			{ProducerID: 2, Epoch: 0, LastTimestamp: 1e12, CurrentTxnFirstOffset: 40, Batches: []batchMetadata{
				{0, 9, 10, 19, 1}, {10, 19, 30, 39, 2}, {20, 29, 40, 49, 3}, {30, 39, 50, 59, 4}, {40, 49, 60, 69, 5}}},
			{ProducerID: math.MaxInt64, Epoch: math.MaxInt16, LastTimestamp: -1, CurrentTxnFirstOffset: -1, Batches: []batchMetadata{
				{math.MaxInt32 - 1, 1, math.MaxInt64 - 4, math.MaxInt64 - 1, -1}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encodeProducerSnapshot(tt.entries)
			got, err := decodeProducerSnapshot(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(got) == 0 && len(tt.entries) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.entries) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.entries)
			}
		})
	}

	t.Run("more batches than retained keeps the newest", func(t *testing.T) {
		var bs []batchMetadata
		for i := range int32(maxRetainedBatches + 2) {
			bs = append(bs, batchMetadata{FirstSeq: i, LastSeq: i, FirstOffset: int64(i), LastOffset: int64(i)})
		}
		got, err := decodeProducerSnapshot(encodeProducerSnapshot([]producerEntry{{ProducerID: 1, Batches: bs}}))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if want := bs[2:]; len(got) != 1 || !reflect.DeepEqual(got[0].Batches, want) {
			t.Fatalf("decoded %+v, want batches %+v", got, want)
		}
	})

	t.Run("written in producer id order", func(t *testing.T) {
		a := []producerEntry{{ProducerID: 9, CurrentTxnFirstOffset: -1}, {ProducerID: 4, CurrentTxnFirstOffset: -1}}
		b := []producerEntry{a[1], a[0]}
		if da, db := encodeProducerSnapshot(a), encodeProducerSnapshot(b); !slices.Equal(da, db) {
			t.Fatalf("equal states encode differently")
		}
		if a[0].ProducerID != 9 {
			t.Fatalf("encode reordered its argument")
		}
	})

	t.Run("byte layout", func(t *testing.T) {
		data := encodeProducerSnapshot([]producerEntry{{ProducerID: 0x0102, Epoch: 3, LastTimestamp: 4, CurrentTxnFirstOffset: 5,
			Batches: []batchMetadata{{6, 7, 8, 9, 10}}}})
		want := []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 1, // version, CRC (zeroed below), count
			0, 0, 0, 0, 0, 0, 1, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1,
			0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 10}
		binary.BigEndian.PutUint32(want[2:], crc32.Checksum(want[6:], crc32.MakeTable(crc32.Castagnoli)))
		if !slices.Equal(data, want) {
			t.Fatalf("encoded\n % x\nwant\n % x", data, want)
		}
	})
}

// reCRC returns data with its CRC recomputed, to build files that pass the
// checksum but are wrong in some other way.
func reCRC(data []byte) []byte {
	binary.BigEndian.PutUint32(data[2:], crc32.Checksum(data[snapshotCRCStart:], snapshotCastagnoli))
	return data
}

func TestProducerSnapshotCorrupt(t *testing.T) {
	valid := encodeProducerSnapshot([]producerEntry{
		{ProducerID: 1, Epoch: 2, LastTimestamp: 3, CurrentTxnFirstOffset: -1, Batches: []batchMetadata{{0, 4, 0, 4, 3}, {5, 5, 5, 5, 3}}},
		{ProducerID: 8, Epoch: 0, LastTimestamp: 3, CurrentTxnFirstOffset: 9},
	})
	mutate := func(f func(b []byte) []byte) []byte { return f(slices.Clone(valid)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty file", nil},
		{"shorter than the header", valid[:7]},
		{"truncated in an entry", valid[:snapshotHeaderSize+5]},
		{"truncated in a batch", valid[:len(valid)-snapshotEntrySize-3]},
		{"last byte missing", valid[:len(valid)-1]},
		{"flipped version byte", mutate(func(b []byte) []byte { b[1] ^= 0xff; return b })},
		{"flipped CRC byte", mutate(func(b []byte) []byte { b[4] ^= 0x01; return b })},
		{"flipped body byte", mutate(func(b []byte) []byte { b[20] ^= 0x80; return b })},
		{"unknown version", mutate(func(b []byte) []byte { b[1] = 2; return reCRC(b) })},
		{"trailing byte", reCRC(append(slices.Clone(valid), 0))},
		{"producer count too large", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[6:], 1<<30); return reCRC(b) })},
		{"negative producer count", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[6:], math.MaxUint32); return reCRC(b) })},
		{"batch count too large", mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[snapshotHeaderSize+snapshotEntrySize-4:], 1000)
			return reCRC(b)
		})},
		{"negative batch count", mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[snapshotHeaderSize+snapshotEntrySize-4:], math.MaxUint32)
			return reCRC(b)
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeProducerSnapshot(tt.data); !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("decode = %v, want ErrCorruptSnapshot", err)
			}
		})
	}
	t.Run("every byte flipped", func(t *testing.T) {
		for i := range valid {
			b := slices.Clone(valid)
			b[i] ^= 0xff
			if _, err := decodeProducerSnapshot(b); !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("byte %d flipped: decode = %v, want ErrCorruptSnapshot", i, err)
			}
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(valid) {
			if _, err := decodeProducerSnapshot(valid[:n]); !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("truncated to %d bytes: decode = %v, want ErrCorruptSnapshot", n, err)
			}
		}
	})
}

// snapshotLog is a testLog that snapshots at given offsets and records the
// state at each, as the log does at segment rolls.
type snapshotLog struct {
	*testLog
	dir    string
	states map[int64][]producerEntry // state at each snapshot offset
}

func newSnapshotLog(t *testing.T) *snapshotLog {
	dir := t.TempDir()
	return &snapshotLog{testLog: newTestLog(t, dir), dir: dir, states: map[int64][]producerEntry{}}
}

// snapshot takes a snapshot at the current end and remembers the state.
func (l *snapshotLog) snapshot() int64 {
	l.t.Helper()
	if err := l.m.takeSnapshot(); err != nil {
		l.t.Fatalf("takeSnapshot: %v", err)
	}
	off := l.m.mapEndOffset()
	l.states[off] = l.m.activeProducers()
	return off
}

// files lists the snapshot offsets on disk.
func (l *snapshotLog) files() []int64 {
	l.t.Helper()
	offs, err := listProducerSnapshots(fileutil.OS(), l.dir)
	if err != nil {
		l.t.Fatalf("listProducerSnapshots: %v", err)
	}
	return offs
}

// reopen returns a fresh manager on the same directory, reloaded for
// [start, end), as the log does at start-up.
func (l *snapshotLog) reopen(start, end int64) *producerStateManager {
	l.t.Helper()
	m := newProducerStateManager(fileutil.OS(), l.dir, time.Hour)
	if err := m.truncateAndReload(start, end); err != nil {
		l.t.Fatalf("truncateAndReload(%d, %d): %v", start, end, err)
	}
	return m
}

// buildSnapshots appends batches of three producers and snapshots at 5, 10,
// 15 and 20.
func buildSnapshots(t *testing.T) *snapshotLog {
	l := newSnapshotLog(t)
	l.append(data(1, 0, 0, 3), data(2, 0, 0, 2)) // 0-4
	l.snapshot()                                 // 5
	l.append(data(1, 0, 3, 2), bspec{pid: 3, seq: 0, n: 3, txn: true})
	l.snapshot() // 10
	l.append(data(2, 0, 2, 5))
	l.snapshot() // 15
	l.append(marker(3, 0), data(1, 1, 0, 4))
	l.snapshot() // 20
	if got := l.files(); !slices.Equal(got, []int64{5, 10, 15, 20}) {
		t.Fatalf("snapshots %v, want [5 10 15 20]", got)
	}
	return l
}

func TestProducerSnapshotRestart(t *testing.T) {
	l := newSnapshotLog(t)
	// Two producers with more than five batches each, one in a transaction.
	for i := range 7 {
		l.append(data(100, 2, int32(i*3), 3), bspec{pid: 200, epoch: 0, seq: int32(i), n: 1, txn: true, ts: int64(i)})
	}
	l.append(marker(300, 4))
	off := l.snapshot()
	want, _ := l.m.lastEntry(100)

	m := l.reopen(0, off)
	if got := m.mapEndOffset(); got != off {
		t.Fatalf("mapEndOffset() after reload = %d, want %d", got, off)
	}
	if got := m.activeProducers(); !reflect.DeepEqual(got, l.states[off]) {
		t.Fatalf("reloaded state:\n got %+v\nwant %+v", got, l.states[off])
	}
	// Unlike Kafka's snapshot, ours keeps every retained batch, so a retry of
	// the oldest in-flight batch is still recognised after a restart.
	oldest := want.Batches[0]
	dup, err := m.checkAppend(build(t, data(100, 2, oldest.FirstSeq, int(oldest.LastSeq-oldest.FirstSeq+1))))
	if err != nil || dup == nil || *dup != oldest {
		t.Fatalf("retry of the oldest retained batch after restart: checkAppend = %v, %v; want %+v", dup, err, oldest)
	}
}

func TestTruncateAndReloadRange(t *testing.T) {
	tests := []struct {
		name       string
		start, end int64
		wantFiles  []int64
		wantEnd    int64 // mapEndOffset after reload; the loaded snapshot, or start
	}{
		{"everything in range", 0, 20, []int64{5, 10, 15, 20}, 20},
		{"end between snapshots", 0, 12, []int64{5, 10}, 10},
		{"end at a snapshot", 0, 15, []int64{5, 10, 15}, 15},
		{"start at a snapshot is kept", 10, 20, []int64{10, 15, 20}, 20},
		{"start and end narrow", 6, 14, []int64{10}, 10},
		{"end below every snapshot", 0, 4, nil, 0},
		{"start above every snapshot", 21, 30, nil, 21},
		{"empty range between snapshots", 16, 16, nil, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := buildSnapshots(t)
			m := l.reopen(tt.start, tt.end)
			if got := l.files(); !slices.Equal(got, tt.wantFiles) {
				t.Fatalf("snapshots after reload = %v, want %v", got, tt.wantFiles)
			}
			if got := m.mapEndOffset(); got != tt.wantEnd {
				t.Fatalf("mapEndOffset() = %d, want %d", got, tt.wantEnd)
			}
			// The state at the loaded snapshot (nil when none was), less the
			// producers whose batches all lie below the new log start.
			var wantState []producerEntry
			for _, e := range l.states[tt.wantEnd] {
				if n := len(e.Batches); n == 0 || e.Batches[n-1].LastOffset >= tt.start {
					wantState = append(wantState, e)
				}
			}
			if got := m.activeProducers(); len(got) != len(wantState) || (len(got) > 0 && !reflect.DeepEqual(got, wantState)) {
				t.Fatalf("state = %+v, want %+v", got, wantState)
			}
			if off, ok := m.latestSnapshotOffset(); ok != (len(tt.wantFiles) > 0) || (ok && off != tt.wantFiles[len(tt.wantFiles)-1]) {
				t.Fatalf("latestSnapshotOffset() = %d, %v; want last of %v", off, ok, tt.wantFiles)
			}
		})
	}

	t.Run("reload of a live manager replaces its state", func(t *testing.T) {
		l := buildSnapshots(t)
		if err := l.m.truncateAndReload(0, 12); err != nil {
			t.Fatalf("truncateAndReload: %v", err)
		}
		if got := l.m.activeProducers(); !reflect.DeepEqual(got, l.states[10]) {
			t.Fatalf("state = %+v, want the state at 10 %+v", got, l.states[10])
		}
	})
}

func TestTruncateAndReloadSkipsCorruptSnapshot(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"flipped byte", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x10
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 9); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := buildSnapshots(t)
			tt.corrupt(t, offsetFileName(l.dir, 20, snapshotSuffix))
			tt.corrupt(t, offsetFileName(l.dir, 15, snapshotSuffix))

			m := l.reopen(0, 25)
			if got := m.mapEndOffset(); got != 10 {
				t.Fatalf("mapEndOffset() = %d, want 10 (the newest sound snapshot)", got)
			}
			if got := m.activeProducers(); !reflect.DeepEqual(got, l.states[10]) {
				t.Fatalf("state = %+v, want %+v", got, l.states[10])
			}
			if got := l.files(); !slices.Equal(got, []int64{5, 10}) {
				t.Fatalf("snapshots = %v, want the corrupt ones deleted: [5 10]", got)
			}
			if _, err := readProducerSnapshot(fileutil.OS(), l.dir, 10); err != nil {
				t.Fatalf("readProducerSnapshot(10): %v", err)
			}
		})
	}

	t.Run("all corrupt", func(t *testing.T) {
		l := buildSnapshots(t)
		for _, off := range []int64{5, 10, 15, 20} {
			if err := os.Truncate(offsetFileName(l.dir, off, snapshotSuffix), 3); err != nil {
				t.Fatal(err)
			}
		}
		m := l.reopen(2, 25)
		if got := m.mapEndOffset(); got != 2 || len(m.activeProducers()) != 0 || len(l.files()) != 0 {
			t.Fatalf("after reload: mapEndOffset %d, %d producers, files %v; want 2, 0, none",
				got, len(m.activeProducers()), l.files())
		}
	})

	t.Run("corrupt read is reported as ErrCorruptSnapshot", func(t *testing.T) {
		l := buildSnapshots(t)
		if err := os.Truncate(offsetFileName(l.dir, 5, snapshotSuffix), 20); err != nil {
			t.Fatal(err)
		}
		if _, err := readProducerSnapshot(fileutil.OS(), l.dir, 5); !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("readProducerSnapshot = %v, want ErrCorruptSnapshot", err)
		}
	})
}

func TestTruncateAndReloadDropsProducersBelowLogStart(t *testing.T) {
	l := newSnapshotLog(t)
	l.append(data(1, 0, 0, 3), data(1, 0, 3, 3)) // producer 1: offsets 0-5
	l.append(data(2, 0, 0, 2), marker(2, 1))     // producer 2: epoch 1, no retained batch
	l.append(data(3, 0, 0, 1), data(3, 0, 1, 4)) // producer 3: offsets 9-13
	end := l.snapshot()

	m := l.reopen(6, end)
	if _, ok := m.lastEntry(1); ok {
		t.Fatalf("producer 1, whose batches are all below the log start, was loaded")
	}
	if e, ok := m.lastEntry(2); !ok || e.Epoch != 1 {
		t.Fatalf("producer 2 (epoch only) = %+v, %v; want kept with epoch 1", e, ok)
	}
	if e, ok := m.lastEntry(3); !ok || len(e.Batches) != 2 {
		t.Fatalf("producer 3 = %+v, %v; want kept with 2 batches", e, ok)
	}
	// Producer 1 is unknown now, so it may resume at any sequence (KIP-360).
	if dup, err := m.checkAppend(build(t, data(1, 0, 50, 1))); dup != nil || err != nil {
		t.Fatalf("checkAppend for a dropped producer = %v, %v; want nil, nil", dup, err)
	}
	// Producer 2 still fences its older epoch.
	if _, err := m.checkAppend(build(t, data(2, 0, 2, 1))); !errors.Is(err, ErrInvalidProducerEpoch) {
		t.Fatalf("checkAppend with producer 2's old epoch = %v, want ErrInvalidProducerEpoch", err)
	}
}

func TestTruncateAndReloadRemovesTmpFiles(t *testing.T) {
	l := buildSnapshots(t)
	tmp := offsetFileName(l.dir, 25, snapshotSuffix+tmpSuffix)
	other := filepath.Join(l.dir, "leader-epoch-checkpoint")
	for _, name := range []string{tmp, other} {
		if err := os.WriteFile(name, []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := l.reopen(0, 30)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover %s not removed: %v", tmp, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("unrelated file removed: %v", err)
	}
	if got := m.mapEndOffset(); got != 20 {
		t.Fatalf("mapEndOffset() = %d, want 20", got)
	}
}

func TestDeleteSnapshotsBefore(t *testing.T) {
	tests := []struct {
		offset int64
		want   []int64
	}{
		{0, []int64{5, 10, 15, 20}},
		{5, []int64{5, 10, 15, 20}},
		{6, []int64{10, 15, 20}},
		{15, []int64{15, 20}},
		{20, []int64{20}},
		{100, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("before %d", tt.offset), func(t *testing.T) {
			l := buildSnapshots(t)
			if err := l.m.deleteSnapshotsBefore(tt.offset); err != nil {
				t.Fatalf("deleteSnapshotsBefore(%d): %v", tt.offset, err)
			}
			if got := l.files(); !slices.Equal(got, tt.want) {
				t.Fatalf("deleteSnapshotsBefore(%d) left %v, want %v", tt.offset, got, tt.want)
			}
		})
	}
}

func TestTakeSnapshot(t *testing.T) {
	t.Run("no-op when a snapshot at the offset exists", func(t *testing.T) {
		l := newSnapshotLog(t)
		l.append(data(1, 0, 0, 2))
		l.snapshot()
		name := offsetFileName(l.dir, 2, snapshotSuffix)
		if err := os.WriteFile(name, []byte("sentinel"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := l.m.takeSnapshot(); err != nil {
			t.Fatalf("takeSnapshot: %v", err)
		}
		if b, _ := os.ReadFile(name); string(b) != "sentinel" {
			t.Fatalf("takeSnapshot rewrote an existing snapshot")
		}
	})
	t.Run("empty state", func(t *testing.T) {
		l := newSnapshotLog(t)
		l.append(plain(3))
		l.snapshot()
		m := l.reopen(0, 3)
		if got := m.mapEndOffset(); got != 3 || len(m.activeProducers()) != 0 {
			t.Fatalf("reload of an empty snapshot: mapEndOffset %d, producers %+v", got, m.activeProducers())
		}
	})
	t.Run("leaves no temporary file", func(t *testing.T) {
		l := buildSnapshots(t)
		des, err := os.ReadDir(l.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			if _, suffix, _ := parseOffsetFileName(de.Name()); suffix != snapshotSuffix {
				t.Fatalf("unexpected file %s", de.Name())
			}
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		m := newProducerStateManager(fileutil.OS(), filepath.Join(t.TempDir(), "gone"), time.Hour)
		if err := m.takeSnapshot(); err == nil {
			t.Fatalf("takeSnapshot into a missing directory succeeded")
		}
		if _, ok := m.latestSnapshotOffset(); ok {
			t.Fatalf("latestSnapshotOffset() found a snapshot in a missing directory")
		}
		if err := m.truncateAndReload(0, 10); err != nil {
			t.Fatalf("truncateAndReload on a missing directory: %v", err)
		}
	})
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	l := buildSnapshots(t)
	if err := l.m.truncateFullyAndStartAt(50); err != nil {
		t.Fatalf("truncateFullyAndStartAt: %v", err)
	}
	if got := l.m.mapEndOffset(); got != 50 {
		t.Fatalf("mapEndOffset() = %d, want 50", got)
	}
	if got := l.m.activeProducers(); len(got) != 0 {
		t.Fatalf("producers left: %+v", got)
	}
	if got := l.files(); len(got) != 0 {
		t.Fatalf("snapshots left: %v", got)
	}
	if _, ok := l.m.latestSnapshotOffset(); ok {
		t.Fatalf("latestSnapshotOffset() found a snapshot")
	}
	// The next snapshot is named after the new start.
	if err := l.m.takeSnapshot(); err != nil {
		t.Fatalf("takeSnapshot: %v", err)
	}
	if off, ok := l.m.latestSnapshotOffset(); !ok || off != 50 {
		t.Fatalf("latestSnapshotOffset() = %d, %v; want 50", off, ok)
	}
}

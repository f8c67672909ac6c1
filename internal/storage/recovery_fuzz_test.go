package storage

import (
	"bytes"
	"testing"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// FuzzRecovery damages one segment file of a closed log (cuts it short and
// flips bits) and recovers it as after an unclean shutdown. Whatever the
// damage, recovery must not fail or panic, must keep every batch before the
// first damaged byte, and must serve nothing from the damaged batch onward:
// the recovered log is exactly the undamaged prefix.
//
// Bytes 12-15 of a batch (the partition leader epoch) are outside the CRC,
// as in Kafka, so damage there cannot be detected; the check ignores them.
func FuzzRecovery(f *testing.F) {
	f.Add(uint8(10), uint8(0), uint32(0), []byte{})
	f.Add(uint8(30), uint8(1), uint32(100), []byte{})
	f.Add(uint8(30), uint8(2), uint32(0), []byte{0, 40, 3})
	f.Add(uint8(40), uint8(255), uint32(7), []byte{1, 200, 7, 2, 10, 0})
	f.Add(uint8(5), uint8(0), uint32(0), []byte{0, 5, 1})     // base offset field
	f.Add(uint8(5), uint8(0), uint32(0), []byte{0, 9, 4})     // length field
	f.Add(uint8(5), uint8(0), uint32(0), []byte{0, 14, 2})    // leader epoch: undetectable, ignored
	f.Add(uint8(60), uint8(3), uint32(5000), []byte{3, 3, 3}) // torn and flipped
	f.Fuzz(func(t *testing.T, nBatches, target uint8, cut uint32, flips []byte) {
		fsys := fileutil.NewMemFS()
		opts := testOptions()
		opts.SegmentBytes = 4096
		opts.IndexIntervalBytes = 512
		const dir = "/data/t-0"
		l, err := Open(LogConfig{FS: fsys, Dir: dir, Options: opts, CleanShutdown: true})
		if err != nil {
			t.Fatal(err)
		}
		n := int(nBatches)%60 + 1
		for i := range n {
			b := testBatch(t, 1+i%5, 20+(i*37)%300, int64(i*10))
			if _, err := l.Append(b, AppendOptions{LeaderEpoch: 3, AppendTime: -1}); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		segs := l.segs()
		seg := segs[int(target)%len(segs)]
		path, _, _ := segmentPaths(dir, seg.baseOffset)
		orig, err := fileutil.ReadFile(fsys, path)
		if err != nil {
			t.Fatal(err)
		}
		damaged := append([]byte(nil), orig...)
		if cut > 0 {
			damaged = damaged[:int(cut)%(len(damaged)+1)]
		}
		for i := 0; i+1 < len(flips) && len(damaged) > 0; i += 2 {
			pos := (int(flips[i])<<4 + int(flips[i+1])) % len(damaged)
			damaged[pos] ^= 1 << (flips[i+1] % 8)
		}
		if err := fileutil.WriteFileAtomic(fsys, path, damaged); err != nil {
			t.Fatal(err)
		}

		// The expected log: every batch before the first damaged one.
		wantEnd := int64(-1)
		for pos := 0; pos < len(orig); {
			b := record.Batch(orig[pos:])
			end := pos + b.Size()
			if end > len(damaged) || !equalIgnoringEpoch(orig[pos:end], damaged[pos:end]) {
				wantEnd = b.BaseOffset()
				break
			}
			pos = end
		}
		if wantEnd < 0 {
			wantEnd = l.LogEndOffset()
		}
		if len(damaged) > len(orig) {
			t.Fatal("damage grew the file")
		}

		l2, err := Open(LogConfig{FS: fsys, Dir: dir, Options: opts, CleanShutdown: false})
		if err != nil {
			t.Fatalf("recovery failed: %v", err)
		}
		defer l2.Close()
		if got := l2.LogEndOffset(); got != wantEnd {
			t.Fatalf("recovered end %d, want %d (damage in segment %d)", got, wantEnd, seg.baseOffset)
		}
		// Every served batch is intact and where it was.
		var want []byte
		for _, s := range segs {
			if s == seg {
				want = append(want, orig...)
				continue
			}
			p, _, _ := segmentPaths(dir, s.baseOffset)
			data, _ := fileutil.ReadFile(fsys, p)
			want = append(want, data...)
		}
		for off := int64(0); off < l2.LogEndOffset(); {
			batches, err := l2.ReadBatches(off, 1<<20, l2.LogEndOffset())
			if err != nil || len(batches) == 0 {
				t.Fatalf("read at %d: %v", off, err)
			}
			for _, b := range batches {
				i := bytes.Index(want, b[record.LogOverhead+4:record.HeaderSize])
				if i < 0 || !equalIgnoringEpoch(want[i-record.LogOverhead-4:i-record.LogOverhead-4+len(b)], b) {
					t.Fatalf("served batch at %d was not in the original log", b.BaseOffset())
				}
				off = b.NextOffset()
			}
		}
		// The log keeps working after recovery.
		res, err := l2.Append(testBatch(t, 1, 10, 1), AppendOptions{AppendTime: -1})
		if err != nil || res.FirstOffset != wantEnd {
			t.Fatalf("append after recovery: %+v %v", res, err)
		}
	})
}

// equalIgnoringEpoch compares two batches' bytes except the partition leader
// epoch (bytes 12-15), which no checksum covers.
func equalIgnoringEpoch(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) < 16 {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(a[:12], b[:12]) && bytes.Equal(a[16:], b[16:])
}

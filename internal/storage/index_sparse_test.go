package storage

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRecoveryKeepsPreallocatedIndexesSparse: after a crash an active
// segment's indexes are found at their full preallocated length
// (MaxIndexBytes, 10 MiB by default), and recovery resets and rebuilds
// them. The reset must not write zeros over that length: through the mmap
// that faults in and dirties every page, 20 MiB of writes per partition,
// which made an unclean restart with 1,000 partitions take about 35 s
// (test/robust TestLongCleanRestart1000Partitions) instead of under one.
// Checked without timing: the rebuilt index files stay sparse.
func TestRecoveryKeepsPreallocatedIndexesSparse(t *testing.T) {
	opts := testOptions()
	opts.MaxIndexBytes = 10 << 20
	l := openTestLog(t, nil, "", opts)
	for i := range 4 {
		mustAppend(t, l, testBatch(t, 10, 100, int64(1000+i)))
	}
	// A crash: the files are left as they are (not trimmed by Close).
	l2 := reopen(t, l, false, 0)
	if got := l2.LogEndOffset(); got != 40 {
		t.Fatalf("log end offset %d after recovery, want 40", got)
	}

	// What a never-written preallocated file occupies on this file system:
	// nothing where files can be sparse, everything where they cannot.
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(probe, int64(opts.MaxIndexBytes)); err != nil {
		t.Fatal(err)
	}
	baseline := allocatedBytes(t, probe)
	for _, pattern := range []string{"*.index", "*.timeindex"} {
		files, err := filepath.Glob(filepath.Join(l2.dir, pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v %v", pattern, files, err)
		}
		for _, f := range files {
			if got := allocatedBytes(t, f); got > baseline+1<<20 {
				t.Errorf("%s occupies %d KiB after recovery (a never-written preallocated index: %d KiB): recovery wrote over its preallocated tail",
					filepath.Base(f), got>>10, baseline>>10)
			}
		}
	}
}

// allocatedBytes is the disk space a file occupies (st_blocks).
func allocatedBytes(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

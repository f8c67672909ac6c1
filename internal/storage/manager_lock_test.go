package storage

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// TestManagerLocksItsLogDirs: while one Manager has a set of log dirs open,
// another cannot open any of them (ErrLogDirLocked, nothing opened); after
// a clean Close, and after the holder dies (a MemFS crash, as the kernel
// drops a dead process's flock), the dirs open again.
func TestManagerLocksItsLogDirs(t *testing.T) {
	mem := fileutil.NewMemFS()
	for name, tc := range map[string]struct {
		fs    fileutil.FS
		dirs  []string
		crash func()
	}{
		"os":  {osFS(), []string{t.TempDir(), t.TempDir()}, nil},
		"mem": {mem, []string{"/a", "/b"}, mem.Crash},
	} {
		t.Run(name, func(t *testing.T) {
			open := func(dirs ...string) (*Manager, error) {
				o := testManagerOptions(dirs...)
				o.FS = tc.fs
				return NewManager(o, nil, prometheus.NewRegistry())
			}
			m, err := open(tc.dirs...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.GetOrCreateLog(TopicPartition{"t", 0}); err != nil {
				t.Fatal(err)
			}
			// Overlapping on one dir is enough to be refused.
			if m2, err := open(tc.dirs[1]); !errors.Is(err, ErrLogDirLocked) {
				if m2 != nil {
					m2.Close()
				}
				t.Fatalf("second manager on a locked dir: %v, want ErrLogDirLocked", err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			m, err = open(tc.dirs...)
			if err != nil {
				t.Fatalf("reopen after Close: %v", err)
			}
			if tc.crash == nil {
				m.Close()
				return
			}
			tc.crash() // m's process is gone; its lock with it
			m2, err := open(tc.dirs...)
			if err != nil {
				t.Fatalf("open after the holder crashed: %v", err)
			}
			m2.Close()
		})
	}
}

package fileutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentReadAtWithWriter is the log engine's access pattern: one
// appender, readers at any offset below the published end, no lock shared
// between them. Run with -race.
func TestConcurrentReadAtWithWriter(t *testing.T) {
	const (
		recSize = 64
		records = 2000
		readers = 4
	)
	record := func(i uint64) []byte {
		r := make([]byte, recSize)
		binary.BigEndian.PutUint64(r, i)
		for j := 8; j < recSize; j++ {
			r[j] = byte(i) + byte(j)
		}
		return r
	}
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			fsys, dir := im.new(t)
			p := filepath.Join(dir, "00000000000000000000.log")
			w := mustOpen(t, fsys, p, os.O_CREATE|os.O_WRONLY|os.O_APPEND)
			defer w.Close()
			r := mustOpen(t, fsys, p, os.O_RDONLY)
			defer r.Close()

			var end atomic.Int64 // bytes durable-or-not but fully written
			var wg sync.WaitGroup
			errc := make(chan error, readers+1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range uint64(records) {
					if _, err := w.Write(record(i)); err != nil {
						errc <- err
						return
					}
					if i%500 == 499 {
						if err := w.Sync(); err != nil {
							errc <- err
							return
						}
					}
					end.Add(recSize)
				}
			}()
			for g := range readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 0))
					buf := make([]byte, recSize)
					for end.Load() < records*recSize {
						n := end.Load() / recSize
						if n == 0 {
							continue
						}
						i := rng.Uint64N(uint64(n))
						if _, err := r.ReadAt(buf, int64(i)*recSize); err != nil {
							errc <- fmt.Errorf("ReadAt record %d: %w", i, err)
							return
						}
						if string(buf) != string(record(i)) {
							errc <- fmt.Errorf("record %d torn: % x", i, buf[:16])
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			if st, _ := r.Stat(); st.Size() != records*recSize {
				t.Fatalf("size = %d", st.Size())
			}
		})
	}
}

// TestMemFSConcurrentCrash runs namespace and file operations from several
// goroutines while the main goroutine crashes the MemFS. Operations may fail
// (a crash kills handles and undoes names), but there must be no data race,
// deadlock or panic, and the space accounting must stay exact.
func TestMemFSConcurrentCrash(t *testing.T) {
	m := NewMemFS()
	const workers = 4
	for w := range workers {
		m.MkdirAll(fmt.Sprintf("/w%d", w), 0o755)
	}
	var stop atomic.Bool
	var ops atomic.Int64 // worker iterations, so that crashes interleave with them
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			dir := fmt.Sprintf("/w%d", w)
			for i := 0; !stop.Load(); i++ {
				name := fmt.Sprintf("%s/f%d", dir, rng.IntN(4))
				f, err := m.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
				if err != nil {
					continue
				}
				f.Write(make([]byte, rng.IntN(300)))
				f.WriteAt([]byte("x"), int64(rng.IntN(400)))
				if mm, err := f.(Mmapper).Mmap(1); err == nil {
					mm[0] = 'm'
					f.(Mmapper).Msync(mm)
					f.(Mmapper).Munmap(mm)
				}
				f.ReadAt(make([]byte, 10), int64(rng.IntN(100)))
				switch rng.IntN(6) {
				case 0:
					f.Sync()
				case 1:
					f.Truncate(int64(rng.IntN(200)))
				case 2:
					m.Rename(name, fmt.Sprintf("%s/f%d", dir, rng.IntN(4)))
				case 3:
					m.Remove(name)
				case 4:
					m.SyncDir(dir)
				case 5:
					m.ReadDir(dir)
				}
				if err := f.Close(); err != nil && !errors.Is(err, fs.ErrClosed) {
					panic(err)
				}
				ops.Add(1)
			}
		}()
	}
	for range 50 {
		for start := ops.Load(); ops.Load() < start+10; {
			runtime.Gosched()
		}
		m.Crash()
	}
	stop.Store(true)
	wg.Wait()
	if used := recount(t, m); m.Used() != used {
		t.Fatalf("Used() = %d, files hold %d", m.Used(), used)
	}
	m.Crash()
	if used := recount(t, m); m.Used() != used {
		t.Fatalf("after a final crash Used() = %d, files hold %d", m.Used(), used)
	}
}

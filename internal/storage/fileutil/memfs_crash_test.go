package fileutil

import (
	"bytes"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before runs on a fresh MemFS with durable directories /d and /e.
		before func(t *testing.T, m *MemFS)
		// after checks the state after Crash.
		after func(t *testing.T, m *MemFS)
	}{
		{"unsynced data dropped",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "")
				writeFile(t, m, "/d/f", "lost")
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "") }},
		{"synced data kept, later writes dropped",
			func(t *testing.T, m *MemFS) {
				f := mustOpen(t, m, "/d/f", os.O_CREATE|os.O_RDWR)
				f.Write([]byte("kept"))
				f.Sync()
				f.Write([]byte(" lost"))
				f.WriteAt([]byte("K"), 0)
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "kept") }},
		{"unsynced truncate undone",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "hello")
				f := mustOpen(t, m, "/d/f", os.O_RDWR)
				f.Truncate(1)
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "hello") }},
		{"unsynced O_TRUNC undone",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "hello")
				mustOpen(t, m, "/d/f", os.O_WRONLY|os.O_TRUNC)
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "hello") }},
		{"unsynced create undone",
			func(t *testing.T, m *MemFS) {
				f := mustOpen(t, m, "/d/f", os.O_CREATE|os.O_RDWR)
				f.Write([]byte("data synced, name not"))
				f.Sync()
			},
			func(t *testing.T, m *MemFS) { wantMissing(t, m, "/d/f") }},
		{"synced create kept",
			func(t *testing.T, m *MemFS) {
				mustOpen(t, m, "/d/f", os.O_CREATE|os.O_RDWR)
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "") }},
		{"synced rename kept",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/a", "A")
				m.Rename("/d/a", "/d/b")
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) {
				wantMissing(t, m, "/d/a")
				wantContents(t, m, "/d/b", "A")
			}},
		{"unsynced rename undone",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/a", "A")
				m.Rename("/d/a", "/d/b")
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/a", "A")
				wantMissing(t, m, "/d/b")
			}},
		{"unsynced rename over a file undone",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/a", "new")
				writeDurable(t, m, "/d/b", "old")
				m.Rename("/d/a", "/d/b")
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/a", "new")
				wantContents(t, m, "/d/b", "old")
			}},
		{"removed then crash: file back with synced data",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "synced")
				writeFile(t, m, "/d/f", "unsynced")
				m.Remove("/d/f")
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "synced") }},
		{"synced remove kept",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "x")
				m.Remove("/d/f")
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) { wantMissing(t, m, "/d/f") }},
		{"RemoveAll undone without SyncDir",
			func(t *testing.T, m *MemFS) {
				m.MkdirAll("/d/sub", 0o755)
				writeDurable(t, m, "/d/sub/f", "x")
				m.RemoveAll("/d/sub")
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/sub/f", "x") }},
		{"move between directories, both synced",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "x")
				m.Rename("/d/f", "/e/f")
				m.SyncDir("/e")
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) {
				wantMissing(t, m, "/d/f")
				wantContents(t, m, "/e/f", "x")
			}},
		{"move between directories, only destination synced: two names",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "x")
				m.Rename("/d/f", "/e/f")
				m.SyncDir("/e")
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/f", "x")
				wantContents(t, m, "/e/f", "x")
			}},
		{"move between directories, only source synced: lost",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "x")
				m.Rename("/d/f", "/e/f")
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) {
				wantMissing(t, m, "/d/f")
				wantMissing(t, m, "/e/f")
			}},
		{"MkdirAll is durable at once",
			func(t *testing.T, m *MemFS) { m.MkdirAll("/d/x/y", 0o755) },
			func(t *testing.T, m *MemFS) {
				if st, err := m.Stat("/d/x/y"); err != nil || !st.IsDir() {
					t.Fatalf("Stat = %v, %v", st, err)
				}
			}},
		{"directory rename undone, subtree intact",
			func(t *testing.T, m *MemFS) {
				m.MkdirAll("/d/sub", 0o755)
				writeDurable(t, m, "/d/sub/f", "x")
				m.Rename("/d/sub", "/d/moved")
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/sub/f", "x")
				wantMissing(t, m, "/d/moved")
			}},
		{"directory rename synced",
			func(t *testing.T, m *MemFS) {
				m.MkdirAll("/d/sub", 0o755)
				writeDurable(t, m, "/d/sub/f", "x")
				m.Rename("/d/sub", "/d/moved")
				m.SyncDir("/d")
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/moved/f", "x")
				wantMissing(t, m, "/d/sub")
			}},
		{"file created in a synced directory needs its own SyncDir",
			func(t *testing.T, m *MemFS) {
				m.MkdirAll("/d/sub", 0o755)
				writeFile(t, m, "/d/sub/f", "x")
				m.SyncDir("/d") // the parent of sub, not of f
			},
			func(t *testing.T, m *MemFS) { wantMissing(t, m, "/d/sub/f") }},
		{"directory handle Sync is SyncDir",
			func(t *testing.T, m *MemFS) {
				writeFile(t, m, "/d/f", "")
				d := mustOpen(t, m, "/d", os.O_RDONLY)
				if err := d.Sync(); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "") }},
		{"second crash changes nothing",
			func(t *testing.T, m *MemFS) {
				writeDurable(t, m, "/d/f", "x")
				writeFile(t, m, "/d/g", "y")
				m.Crash()
			},
			func(t *testing.T, m *MemFS) {
				wantContents(t, m, "/d/f", "x")
				wantMissing(t, m, "/d/g")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemFS()
			m.MkdirAll("/d", 0o755)
			m.MkdirAll("/e", 0o755)
			tc.before(t, m)
			m.Crash()
			tc.after(t, m)
			if used := recount(t, m); m.Used() != used {
				t.Fatalf("Used() = %d after crash, files hold %d", m.Used(), used)
			}
		})
	}
}

// recount sums the sizes of the files reachable in m, each inode once.
func recount(t *testing.T, m *MemFS) int64 {
	t.Helper()
	seen := map[*inode]bool{}
	var total int64
	var walk func(d *inode)
	walk = func(d *inode) {
		for _, c := range d.entries {
			if seen[c] {
				continue
			}
			seen[c] = true
			if c.dir {
				walk(c)
			} else {
				total += int64(len(c.data))
			}
		}
	}
	m.mu.Lock()
	walk(m.root)
	m.mu.Unlock()
	return total
}

func TestCrashInvalidatesHandles(t *testing.T) {
	m, dir := newMem(t)
	writeDurable(t, m, dir+"/f", "abc")
	f := mustOpen(t, m, dir+"/f", os.O_RDWR)
	mm, err := f.(Mmapper).Mmap(3)
	if err != nil {
		t.Fatal(err)
	}
	m.Crash()
	buf := make([]byte, 1)
	for name, op := range map[string]func() error{
		"Read":     func() error { _, err := f.Read(buf); return err },
		"ReadAt":   func() error { _, err := f.ReadAt(buf, 0); return err },
		"Write":    func() error { _, err := f.Write(buf); return err },
		"WriteAt":  func() error { _, err := f.WriteAt(buf, 0); return err },
		"Seek":     func() error { _, err := f.Seek(0, io.SeekStart); return err },
		"Sync":     f.Sync,
		"Truncate": func() error { return f.Truncate(0) },
		"Stat":     func() error { _, err := f.Stat(); return err },
		"Mmap":     func() error { _, err := f.(Mmapper).Mmap(1); return err },
		"Msync":    func() error { return f.(Mmapper).Msync(mm) },
		"Close":    f.Close,
	} {
		t.Run(name, func(t *testing.T) { wantPathErr(t, op(), fs.ErrClosed) })
	}
	// The old mapping no longer reaches the file.
	mm[0] = 'X'
	wantContents(t, m, dir+"/f", "abc")
	if err := f.(Mmapper).Munmap(mm); err != nil {
		t.Fatalf("Munmap after crash: %v", err)
	}
	// New handles work.
	g := mustOpen(t, m, dir+"/f", os.O_RDWR)
	defer g.Close()
	if _, err := g.Write([]byte("A")); err != nil {
		t.Fatal(err)
	}
	wantContents(t, m, dir+"/f", "Abc")
}

func TestCrashTorn(t *testing.T) {
	const synced, unsynced = "synced|", "0123456789"
	lengths := map[int]bool{}
	for seed := range uint64(200) {
		m, dir := newMem(t)
		f := mustOpen(t, m, dir+"/log", os.O_CREATE|os.O_RDWR)
		f.Write([]byte(synced))
		f.Sync()
		f.Write([]byte(unsynced))
		writeDurable(t, m, dir+"/other", "untouched")
		m.SyncDir(dir)

		m.CrashTorn(rand.New(rand.NewPCG(seed, 1)))

		got, err := ReadFile(m, dir+"/log")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(got), synced) || !strings.HasPrefix(synced+unsynced, string(got)) {
			t.Fatalf("seed %d: torn file = %q, want %q plus a prefix of %q", seed, got, synced, unsynced)
		}
		lengths[len(got)-len(synced)] = true
		wantContents(t, m, dir+"/other", "untouched")
		// What survived is now durable.
		m.Crash()
		wantContents(t, m, dir+"/log", string(got))

		// The same seed tears the same way.
		m2, _ := newMem(t)
		f2 := mustOpen(t, m2, dir+"/log", os.O_CREATE|os.O_RDWR)
		f2.Write([]byte(synced))
		f2.Sync()
		f2.Write([]byte(unsynced))
		writeDurable(t, m2, dir+"/other", "untouched")
		m2.CrashTorn(rand.New(rand.NewPCG(seed, 1)))
		wantContents(t, m2, dir+"/log", string(got))
	}
	if !lengths[0] || !lengths[len(unsynced)] || len(lengths) < len(unsynced)/2 {
		t.Fatalf("200 seeds kept tails of lengths %v; want the full range from none to all", slices.Sorted(maps.Keys(lengths)))
	}
}

func TestCrashTornNeverSyncedAndOverwrites(t *testing.T) {
	for seed := range uint64(50) {
		m, dir := newMem(t)
		writeDurable(t, m, dir+"/f", "AAAA")
		g := mustOpen(t, m, dir+"/f", os.O_RDWR)
		g.WriteAt([]byte("BBBBBB"), 0) // overwrite inside the synced length, and grow
		h := mustOpen(t, m, dir+"/new", os.O_CREATE|os.O_RDWR)
		h.Write([]byte("never synced"))
		m.SyncDir(dir)

		m.CrashTorn(rand.New(rand.NewPCG(seed, 2)))

		got, _ := ReadFile(m, dir+"/f")
		if !bytes.HasPrefix(got, []byte("AAAA")) || !bytes.HasPrefix([]byte("AAAABB"), got) {
			t.Fatalf("seed %d: f = %q; the synced bytes must win inside the synced length", seed, got)
		}
		got, _ = ReadFile(m, dir+"/new")
		if !strings.HasPrefix("never synced", string(got)) {
			t.Fatalf("seed %d: new = %q, want a prefix of %q", seed, got, "never synced")
		}
	}
}

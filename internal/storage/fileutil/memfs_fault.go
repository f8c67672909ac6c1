package fileutil

import (
	"fmt"
	"strings"
	"syscall"
)

// Op names a kind of MemFS operation, for fault injection.
type Op int

// The operations a Fault can target. The zero Op is not one of them, so a
// Fault literal that forgets its Op is caught by InjectFault.
const (
	OpOpen     Op = iota + 1 // FS.OpenFile
	OpWrite                  // File.Write, File.WriteAt
	OpSync                   // File.Sync on a file, Mmapper.Msync
	OpSyncDir                // FS.SyncDir, File.Sync on a directory
	OpRename                 // FS.Rename (PathContains matches either path)
	OpRemove                 // FS.Remove, FS.RemoveAll
	OpTruncate               // File.Truncate (not O_TRUNC, which is OpOpen)
	OpRead                   // File.Read, File.ReadAt
	OpMkdir                  // FS.MkdirAll
	OpReadDir                // FS.ReadDir
	// OpAny matches every operation above, to fail "the n-th call, whatever
	// it is" when enumerating crash points.
	OpAny
)

var opNames = [...]string{
	OpOpen: "open", OpWrite: "write", OpSync: "sync", OpSyncDir: "syncdir",
	OpRename: "rename", OpRemove: "remove", OpTruncate: "truncate",
	OpRead: "read", OpMkdir: "mkdir", OpReadDir: "readdir", OpAny: "any",
}

// String returns the operation's lower-case name.
func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Fault makes matching MemFS calls fail: calls of kind Op whose path contains
// PathContains ("" matches every path). The first After matching calls pass;
// the next Times fail (0: every one from then on); later ones pass again.
//
// A failing call has no effect, except a Partial write, which stores the
// first half of its bytes (a torn write) and then returns the error, as a
// write cut short by an I/O error can. A failed Sync leaves the data exactly
// as unsynced as before: MemFS does not model the kernel dropping dirty
// pages after a failed fsync, so a test that wants that must Crash.
type Fault struct {
	Op           Op
	PathContains string
	// Err is what the call fails with, wrapped in *fs.PathError (or
	// *os.LinkError for Rename) naming the path; nil means syscall.EIO.
	Err     error
	After   int
	Times   int
	Partial bool // OpWrite (or OpAny hitting a write) only
}

// faultState is an injected Fault and how many calls it has matched.
type faultState struct {
	Fault
	passed, fired int
}

// InjectFault adds a fault. Faults are checked in the order they were
// injected; the first that fires decides the call's error, and the faults
// after it do not see (or count) that call. It panics if f.Op is not a
// valid Op, which is a bug in the test.
func (m *MemFS) InjectFault(f Fault) {
	if f.Op <= 0 || f.Op > OpAny {
		panic(fmt.Sprintf("fileutil: InjectFault with invalid %v", f.Op))
	}
	if f.Err == nil {
		f.Err = syscall.EIO
	}
	m.faultMu.Lock()
	m.faults = append(m.faults, &faultState{Fault: f})
	m.faultMu.Unlock()
}

// ClearFaults removes every injected fault.
func (m *MemFS) ClearFaults() {
	m.faultMu.Lock()
	m.faults = nil
	m.faultMu.Unlock()
}

// fault returns the error an injected fault makes this call fail with, or
// nil to let it proceed.
func (m *MemFS) fault(op Op, paths ...string) error {
	_, err := m.check(op, paths)
	return err
}

// writeFault is fault for OpWrite, also reporting whether the write is torn.
func (m *MemFS) writeFault(path string) (partial bool, err error) {
	return m.check(OpWrite, []string{path})
}

func (m *MemFS) check(op Op, paths []string) (partial bool, err error) {
	m.faultMu.Lock()
	defer m.faultMu.Unlock()
	for _, f := range m.faults {
		if (f.Op != op && f.Op != OpAny) || !anyContains(paths, f.PathContains) {
			continue
		}
		if f.passed < f.After {
			f.passed++
			continue
		}
		if f.Times > 0 && f.fired >= f.Times {
			continue
		}
		f.fired++
		return f.Partial && op == OpWrite, f.Err
	}
	return false, nil
}

func anyContains(paths []string, sub string) bool {
	for _, p := range paths {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

// SetCapacity limits the total size of the files in the MemFS to bytes, as a
// full disk does: a write that would grow past it stores what fits and fails
// with an error wrapping syscall.ENOSPC, and a Truncate that would fails
// without effect. A negative limit removes it (the default). Lowering the
// limit below Used does not shrink anything; it only refuses growth.
func (m *MemFS) SetCapacity(bytes int64) { m.capacity.Store(bytes) }

// Used returns the total size of the files in the MemFS: every file that
// still has a name or an open handle, as a POSIX file system keeps an
// unlinked file's blocks until its last close. Directories take no space.
func (m *MemFS) Used() int64 { return m.used.Load() }

// reserve takes up to want bytes of free space and returns how many it got.
func (m *MemFS) reserve(want int64) int64 {
	for {
		used, limit := m.used.Load(), m.capacity.Load()
		got := want
		if limit >= 0 && used+want > limit {
			got = max(0, limit-used)
		}
		if m.used.CompareAndSwap(used, used+got) {
			return got
		}
	}
}

package fileutil

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// MemFS is an in-memory FS for tests. It behaves like the Linux file system
// as seen through OSFS (same flags, same errors, POSIX handle semantics) and
// adds what a real disk cannot offer a test: a power cut on demand (Crash,
// CrashTorn), injected I/O errors (InjectFault) and a full disk
// (SetCapacity).
//
// Model: a tree of inodes. A file inode holds its current bytes and the bytes
// last made durable by File.Sync or Mmapper.Msync; a directory inode holds its
// current entries and the entries last made durable by SyncDir. Crash reverts
// every inode to its durable half (see memfs_crash.go). An open File refers to
// the inode, not the name, so it keeps working after the name is removed or
// renamed, as a POSIX file descriptor does.
//
// Paths are cleaned with filepath.Clean; a relative path is resolved against
// the root ("a/b" is "/a/b"), since MemFS has no working directory. There are
// no symbolic links, hard links (but see Crash), permission checks or umask:
// perm is recorded in the mode and otherwise ignored.
//
// Directories created by MkdirAll are durable at once, as if MkdirAll also
// synced each parent it added an entry to. That keeps test setup short; code
// under test must still SyncDir after creating, renaming or removing files.
//
// Concurrency: a MemFS is safe for concurrent use. Lock order, outermost
// first: crashMu (read-held by every File method, write-held by Crash), mu
// (the namespace), memFile.mu (a handle's offset), inode.mu (a file's bytes),
// faultMu (a leaf). ReadAt takes inode.mu shared, so concurrent readers run
// in parallel beside one writer.
type MemFS struct {
	// crashMu excludes File methods while Crash swaps every inode's contents
	// and bumps gen, so no write can land half before and half after a crash.
	crashMu sync.RWMutex
	// gen counts crashes. A File opened in an older generation is dead.
	// Written under crashMu and mu held exclusively; read under either.
	gen uint64

	// mu guards the namespace: every directory's entries and syncedEntries,
	// and the nlink/nopen counts of every inode.
	mu   sync.Mutex
	root *inode

	// used is the byte total of every file inode still linked or open;
	// capacity is the limit on it, negative for none. See memfs_fault.go.
	used     atomic.Int64
	capacity atomic.Int64

	faultMu sync.Mutex
	faults  []*faultState

	// locks are the advisory locks of Lock (lock.go).
	locks memLocks
}

// NewMemFS returns an empty MemFS holding only the root directory "/", with
// no faults and no capacity limit.
func NewMemFS() *MemFS {
	m := &MemFS{root: newDir(0o755)}
	m.capacity.Store(-1)
	return m
}

// Compile-time checks: MemFS files map memory but are not *os.File backed.
var (
	_ FS      = (*MemFS)(nil)
	_ Mmapper = (*memFile)(nil)
)

// inode is a file or a directory.
type inode struct {
	dir     bool
	mode    fs.FileMode // type and permission bits; immutable
	created time.Time   // directories' ModTime; immutable

	// Directory state, guarded by MemFS.mu. entries is the live listing;
	// syncedEntries is the listing as of the last SyncDir, which is what a
	// crash leaves on disk.
	entries       map[string]*inode
	syncedEntries map[string]*inode

	// Space accounting, guarded by MemFS.mu: a file's bytes count toward
	// MemFS.used while it has a name (nlink) or an open handle (nopen), as a
	// POSIX file system frees an unlinked file's blocks at its last close.
	nlink, nopen int
	released     bool // its bytes were subtracted from MemFS.used

	// File state, guarded by mu.
	mu     sync.RWMutex
	data   []byte    // current contents; Mmap slices alias its array
	synced []byte    // contents at the last Sync/Msync; never aliases data
	dirty  int       // data[:dirty] equals synced[:dirty]: Sync copies from here
	maps   int       // live Mmap mappings: stores through them are not tracked by dirty
	mtime  time.Time // last modification of data
}

func newDir(perm fs.FileMode) *inode {
	return &inode{
		dir:           true,
		mode:          fs.ModeDir | perm&fs.ModePerm,
		created:       time.Now(),
		entries:       map[string]*inode{},
		syncedEntries: map[string]*inode{},
	}
}

func newFile(perm fs.FileMode) *inode {
	return &inode{mode: perm & fs.ModePerm, mtime: time.Now()}
}

// info describes n under the given name. A directory's fields read here are
// immutable; for a file, info takes inode.mu itself.
func (n *inode) info(name string) fs.FileInfo {
	if n.dir {
		return &memInfo{name: name, mode: n.mode, modTime: n.created}
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return &memInfo{name: name, size: int64(len(n.data)), mode: n.mode, modTime: n.mtime}
}

// memInfo is MemFS's fs.FileInfo: a snapshot taken when Stat ran.
type memInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

func (i *memInfo) Name() string       { return i.name }
func (i *memInfo) Size() int64        { return i.size }
func (i *memInfo) Mode() fs.FileMode  { return i.mode }
func (i *memInfo) ModTime() time.Time { return i.modTime }
func (i *memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *memInfo) Sys() any           { return nil }

// splitPath cleans name into its components below the root; the root itself
// is an empty slice.
func splitPath(name string) ([]string, error) {
	if name == "" {
		return nil, syscall.ENOENT
	}
	p := filepath.Join("/", name)
	if p == "/" {
		return nil, nil
	}
	return strings.Split(p[1:], "/"), nil
}

// walkLocked returns the directory named by parts. Caller holds m.mu.
func (m *MemFS) walkLocked(parts []string) (*inode, error) {
	d := m.root
	for _, c := range parts {
		next := d.entries[c]
		if next == nil {
			return nil, syscall.ENOENT
		}
		if !next.dir {
			return nil, syscall.ENOTDIR
		}
		d = next
	}
	return d, nil
}

// parentLocked resolves the directory holding name's last element. For the
// root, dir is nil and base is "". Caller holds m.mu.
func (m *MemFS) parentLocked(name string) (dir *inode, base string, err error) {
	parts, err := splitPath(name)
	if err != nil || len(parts) == 0 {
		return nil, "", err
	}
	dir, err = m.walkLocked(parts[:len(parts)-1])
	return dir, parts[len(parts)-1], err
}

// lookupLocked resolves name to its inode. Caller holds m.mu.
func (m *MemFS) lookupLocked(name string) (*inode, error) {
	dir, base, err := m.parentLocked(name)
	if err != nil {
		return nil, err
	}
	if dir == nil {
		return m.root, nil
	}
	n := dir.entries[base]
	if n == nil {
		return nil, syscall.ENOENT
	}
	return n, nil
}

// linkLocked names n as dir/base; the name must be free. Caller holds m.mu.
func (m *MemFS) linkLocked(dir *inode, base string, n *inode) {
	dir.entries[base] = n
	n.nlink++
}

// unlinkLocked removes the name dir/base and, if that was the file's last
// name and no handle holds it, frees its bytes. Caller holds m.mu.
func (m *MemFS) unlinkLocked(dir *inode, base string) {
	n := dir.entries[base]
	delete(dir.entries, base)
	n.nlink--
	m.maybeReleaseLocked(n)
}

// maybeReleaseLocked returns a file's bytes to the free space once nothing
// can reach it any more. Caller holds m.mu.
func (m *MemFS) maybeReleaseLocked(n *inode) {
	if n.dir || n.released || n.nlink > 0 || n.nopen > 0 {
		return
	}
	n.mu.Lock()
	m.used.Add(-int64(len(n.data)))
	n.released = true
	n.mu.Unlock()
}

// OpenFile implements FS with the os.OpenFile flags: O_RDONLY, O_WRONLY,
// O_RDWR, O_CREATE, O_EXCL, O_TRUNC and O_APPEND (others are ignored). A new
// file's directory entry is durable only after SyncDir on its parent. As on
// Linux, O_TRUNC truncates even a read-only open, and a directory can be
// opened read-only (its File's Sync is a SyncDir).
func (m *MemFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if err := m.fault(OpOpen, name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fail := func(err error) (File, error) { return nil, &fs.PathError{Op: "open", Path: name, Err: err} }

	dir, base, err := m.parentLocked(name)
	if err != nil {
		return fail(err)
	}
	n := m.root
	if dir != nil {
		n = dir.entries[base]
	}
	acc := flag & syscall.O_ACCMODE
	switch {
	case n == nil && flag&os.O_CREATE == 0:
		return fail(syscall.ENOENT)
	case n == nil:
		n = newFile(perm)
		m.linkLocked(dir, base, n)
	case flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return fail(syscall.EEXIST)
	case n.dir && (acc != os.O_RDONLY || flag&os.O_TRUNC != 0):
		return fail(syscall.EISDIR)
	case flag&os.O_TRUNC != 0:
		n.mu.Lock()
		m.used.Add(-int64(len(n.data)))
		n.resizeLocked(0)
		n.mtime = time.Now()
		n.mu.Unlock()
	}
	n.nopen++
	return &memFile{
		fs:       m,
		n:        n,
		name:     name,
		gen:      m.gen,
		readable: acc == os.O_RDONLY || acc == os.O_RDWR,
		writable: acc == os.O_WRONLY || acc == os.O_RDWR,
		append:   flag&os.O_APPEND != 0,
	}, nil
}

// Remove implements FS: it removes a file or an empty directory. The removal
// is durable only after SyncDir on the parent; until then a crash brings the
// name back.
func (m *MemFS) Remove(name string) error {
	if err := m.fault(OpRemove, name); err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parentLocked(name)
	switch {
	case err != nil:
	case dir == nil:
		err = syscall.EBUSY // the root
	case dir.entries[base] == nil:
		err = syscall.ENOENT
	case dir.entries[base].dir && len(dir.entries[base].entries) > 0:
		err = syscall.ENOTEMPTY
	default:
		m.unlinkLocked(dir, base)
		return nil
	}
	return &fs.PathError{Op: "remove", Path: name, Err: err}
}

// RemoveAll implements FS: like os.RemoveAll, a missing path (or a missing
// parent) is not an error. The removals are durable only after SyncDir on
// the parent of path (and a crash before it restores the whole subtree as it
// was last synced).
func (m *MemFS) RemoveAll(path string) error {
	if path == "" {
		return nil
	}
	if err := m.fault(OpRemove, path); err != nil {
		return &fs.PathError{Op: "remove", Path: path, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parentLocked(path)
	switch {
	case err == syscall.ENOENT:
		return nil
	case err != nil:
		return &fs.PathError{Op: "unlinkat", Path: path, Err: err}
	case dir == nil:
		return &fs.PathError{Op: "remove", Path: path, Err: syscall.EBUSY}
	case dir.entries[base] == nil:
		return nil
	}
	m.removeTreeLocked(dir, base)
	return nil
}

// removeTreeLocked unlinks dir/base and everything below it, children first
// so that each file's space is released. Caller holds m.mu.
func (m *MemFS) removeTreeLocked(dir *inode, base string) {
	if n := dir.entries[base]; n.dir {
		for _, c := range slices.Collect(maps.Keys(n.entries)) {
			m.removeTreeLocked(n, c)
		}
	}
	m.unlinkLocked(dir, base)
}

// Rename implements FS with Linux rename(2) semantics as os.Rename reports
// them: it atomically replaces an existing file at newpath; renaming onto an
// existing directory fails with EEXIST (os.Rename's rule), a directory onto a
// file with ENOTDIR, a directory into its own subtree with EINVAL. Renaming a
// directory moves its subtree. The new and the old name are each durable only
// after SyncDir on their own parent directory.
func (m *MemFS) Rename(oldpath, newpath string) error {
	if err := m.fault(OpRename, oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.renameLocked(oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

func (m *MemFS) renameLocked(oldpath, newpath string) error {
	od, ob, err := m.parentLocked(oldpath)
	if err != nil {
		return err
	}
	if od == nil {
		return syscall.EBUSY
	}
	n := od.entries[ob]
	if n == nil {
		return syscall.ENOENT
	}
	nd, nb, err := m.parentLocked(newpath)
	if err != nil {
		return err
	}
	if nd == nil {
		return syscall.EBUSY
	}
	target := nd.entries[nb]
	switch {
	case target == n:
		return nil // same name, or two names of one inode: POSIX says do nothing
	case target != nil && target.dir:
		return syscall.EEXIST
	case target != nil && n.dir:
		return syscall.ENOTDIR
	case n.dir && isWithin(newpath, oldpath):
		return syscall.EINVAL
	}
	if target != nil {
		m.unlinkLocked(nd, nb)
	}
	m.linkLocked(nd, nb, n) // before the unlink, so nlink never touches 0
	m.unlinkLocked(od, ob)
	return nil
}

// isWithin reports whether path lies strictly below dir. Paths are resolved
// lexically (there are no symbolic links), so a prefix test suffices.
func isWithin(path, dir string) bool {
	p, d := filepath.Join("/", path), filepath.Join("/", dir)
	return d == "/" || strings.HasPrefix(p, d+"/")
}

// MkdirAll implements FS. Every directory it creates is durable at once (see
// MemFS). A file in the way fails with ENOTDIR, as os.MkdirAll does.
func (m *MemFS) MkdirAll(path string, perm fs.FileMode) error {
	if err := m.fault(OpMkdir, path); err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	parts, err := splitPath(path)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.root
	for i, c := range parts {
		next := d.entries[c]
		if next == nil {
			next = newDir(perm)
			m.linkLocked(d, c, next)
			d.syncedEntries[c] = next
		}
		if !next.dir {
			return &fs.PathError{Op: "mkdir", Path: "/" + strings.Join(parts[:i+1], "/"), Err: syscall.ENOTDIR}
		}
		d = next
	}
	return nil
}

// ReadDir implements FS: the live entries of a directory, sorted by name.
func (m *MemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := m.fault(OpReadDir, name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.lookupLocked(name)
	if err == nil && !d.dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	names := slices.Sorted(maps.Keys(d.entries))
	out := make([]fs.DirEntry, len(names))
	for i, c := range names {
		out[i] = fs.FileInfoToDirEntry(d.entries[c].info(c))
	}
	return out, nil
}

// Stat implements FS. Like os.Stat, the FileInfo's Name is the last element
// of name.
func (m *MemFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookupLocked(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return n.info(filepath.Base(name)), nil
}

// SyncDir implements FS: the directory's current entries become the ones a
// crash leaves. Unlike fsync on Linux, SyncDir on a file fails with ENOTDIR,
// to catch callers that pass the file instead of its parent.
func (m *MemFS) SyncDir(path string) error {
	if err := m.fault(OpSyncDir, path); err != nil {
		return &fs.PathError{Op: "sync", Path: path, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.lookupLocked(path)
	if err == nil && !d.dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return &fs.PathError{Op: "sync", Path: path, Err: err}
	}
	d.syncedEntries = maps.Clone(d.entries)
	return nil
}

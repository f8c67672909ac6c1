package fileutil

import (
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// invalidError is an invalid-argument error that matches both fs.ErrInvalid
// and syscall.EINVAL, so that code tested on MemFS and run on OSFS (where the
// kernel answers EINVAL) can use either test.
type invalidError string

func (e invalidError) Error() string { return string(e) }

// Is reports whether target is fs.ErrInvalid or syscall.EINVAL.
func (e invalidError) Is(target error) bool {
	return target == fs.ErrInvalid || target == syscall.EINVAL
}

const (
	errNegativeOffset = invalidError("negative offset")
	errInvalidSeek    = invalidError("invalid argument")
	errWriteAtAppend  = invalidError("invalid use of WriteAt on file opened with O_APPEND")
	errMmapLength     = invalidError("mmap length beyond end of file")
	errMapDetached    = invalidError("mapping no longer aliases the file: it grew past its capacity while mapped")
)

// memFile is an open MemFS file: an inode plus the handle's own state (the
// open flags and the file offset).
type memFile struct {
	fs       *MemFS
	n        *inode
	name     string
	gen      uint64 // MemFS.gen at open; a crash since makes the handle dead
	readable bool
	writable bool
	append   bool
	closed   atomic.Bool

	mu  sync.Mutex // guards off, and orders Read/Write/Seek on this handle
	off int64
}

// enter checks that the handle is usable and holds off Crash until leave.
// Every File method starts with it, so a crash never splits an operation.
func (f *memFile) enter(op string) error {
	f.fs.crashMu.RLock()
	if f.closed.Load() || f.gen != f.fs.gen {
		f.fs.crashMu.RUnlock()
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	}
	return nil
}

func (f *memFile) leave() { f.fs.crashMu.RUnlock() }

func (f *memFile) pathErr(op string, err error) error {
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

// checkRead applies the kernel's checks for reading through this handle.
func (f *memFile) checkRead(op string) error {
	switch {
	case !f.readable:
		return f.pathErr(op, syscall.EBADF)
	case f.n.dir:
		return f.pathErr(op, syscall.EISDIR)
	}
	if err := f.fs.fault(OpRead, f.name); err != nil {
		return f.pathErr(op, err)
	}
	return nil
}

// Name returns the name the file was opened with, even after a rename.
func (f *memFile) Name() string { return f.name }

// Read implements io.Reader at the handle's offset.
func (f *memFile) Read(p []byte) (int, error) {
	if err := f.enter("read"); err != nil {
		return 0, err
	}
	defer f.leave()
	if err := f.checkRead("read"); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.readAt(p, f.off)
	f.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil // io.Reader reports EOF on the next call, as *os.File does
	}
	return n, err
}

// ReadAt implements io.ReaderAt. It is safe beside concurrent ReadAt calls
// and one writer.
func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.enter("read"); err != nil {
		return 0, err
	}
	defer f.leave()
	if off < 0 {
		return 0, f.pathErr("readat", errNegativeOffset)
	}
	if err := f.checkRead("read"); err != nil {
		return 0, err
	}
	return f.readAt(p, off)
}

func (f *memFile) readAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	f.n.mu.RLock()
	defer f.n.mu.RUnlock()
	if off >= int64(len(f.n.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.n.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Write implements io.Writer at the handle's offset, or at the end of the
// file with O_APPEND.
func (f *memFile) Write(p []byte) (int, error) {
	if err := f.enter("write"); err != nil {
		return 0, err
	}
	defer f.leave()
	f.mu.Lock()
	defer f.mu.Unlock()
	n, off, err := f.write(p, f.off, f.append)
	f.off = off + int64(n)
	return n, err
}

// WriteAt implements io.WriterAt; writing past the end zero-fills the gap.
// As with *os.File it is an error on a file opened with O_APPEND.
func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.enter("write"); err != nil {
		return 0, err
	}
	defer f.leave()
	if f.append {
		return 0, f.pathErr("writeat", errWriteAtAppend)
	}
	if off < 0 {
		return 0, f.pathErr("writeat", errNegativeOffset)
	}
	n, _, err := f.write(p, off, false)
	return n, err
}

// write stores p at off (at the end of the file if atEnd) and returns the
// offset used. It applies injected faults (a Partial fault stores the first
// half of p first) and the capacity limit (storing what fits).
func (f *memFile) write(p []byte, off int64, atEnd bool) (int, int64, error) {
	if !f.writable {
		return 0, off, f.pathErr("write", syscall.EBADF)
	}
	if f.n.dir {
		return 0, off, f.pathErr("write", syscall.EISDIR)
	}
	partial, ferr := f.fs.writeFault(f.name)
	if ferr != nil && !partial {
		return 0, off, f.pathErr("write", ferr)
	}
	if ferr != nil {
		p = p[:len(p)/2]
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if atEnd {
		off = int64(len(n.data))
	}
	var err error
	cur := int64(len(n.data))
	if end := off + int64(len(p)); len(p) > 0 && end > cur {
		grow := end - cur
		if got := f.fs.reserve(grow); got < grow {
			// Disk full: keep the bytes that fit, like a short write(2)
			// followed by ENOSPC on the retry.
			err = syscall.ENOSPC
			if limit := cur + got; limit <= off {
				f.fs.used.Add(-got)
				p, end = nil, cur
			} else {
				p, end = p[:limit-off], limit
			}
		}
		if end > cur {
			n.resizeLocked(end)
		}
	}
	if len(p) > 0 {
		copy(n.data[off:], p)
		n.dirty = min(n.dirty, int(off))
		n.mtime = time.Now()
	}
	if ferr != nil {
		err = ferr // the injected error wins over ENOSPC
	}
	if err != nil {
		return len(p), off, f.pathErr("write", err)
	}
	return len(p), off, nil
}

// resizeLocked sets the file's length, zero-filling growth. Growth within the
// array's capacity stays in place, so Mmap slices keep aliasing the file;
// growth beyond it moves the contents (see Mmap). The caller has reserved the
// space. Caller holds n.mu.
func (n *inode) resizeLocked(size int64) {
	old := int64(len(n.data))
	switch {
	case size <= old:
		n.data = n.data[:size]
	case size <= int64(cap(n.data)):
		n.data = n.data[:size]
		clear(n.data[old:])
	default:
		grown := make([]byte, size, max(size, 2*int64(cap(n.data))))
		copy(grown, n.data)
		n.data = grown
	}
	n.dirty = min(n.dirty, int(min(old, size)))
}

// Seek implements io.Seeker. Seeking past the end is allowed; a negative
// result is an error.
func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	if err := f.enter("seek"); err != nil {
		return 0, err
	}
	defer f.leave()
	f.mu.Lock()
	defer f.mu.Unlock()
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.off
	case io.SeekEnd:
		f.n.mu.RLock()
		base = int64(len(f.n.data))
		f.n.mu.RUnlock()
	default:
		return 0, f.pathErr("seek", errInvalidSeek)
	}
	if base+offset < 0 {
		return 0, f.pathErr("seek", errInvalidSeek)
	}
	f.off = base + offset
	return f.off, nil
}

// Truncate changes the file's size. Unlike a write, growth past the
// capacity limit is all or nothing, as ftruncate(2) is: the size is either
// set or unchanged.
func (f *memFile) Truncate(size int64) error {
	if err := f.enter("truncate"); err != nil {
		return err
	}
	defer f.leave()
	if size < 0 || !f.writable {
		return f.pathErr("truncate", invalidError("invalid argument"))
	}
	if err := f.fs.fault(OpTruncate, f.name); err != nil {
		return f.pathErr("truncate", err)
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	delta := size - int64(len(n.data))
	if delta > 0 {
		if got := f.fs.reserve(delta); got < delta {
			f.fs.used.Add(-got)
			return f.pathErr("truncate", syscall.ENOSPC)
		}
	} else {
		f.fs.used.Add(delta)
	}
	n.resizeLocked(size)
	n.mtime = time.Now()
	return nil
}

// Sync makes the file's current contents, size included, what a crash
// leaves. On a directory handle it is SyncDir. A failed Sync (an injected
// fault) leaves the data as unsynced as before.
func (f *memFile) Sync() error {
	if err := f.enter("sync"); err != nil {
		return err
	}
	defer f.leave()
	if f.n.dir {
		if err := f.fs.fault(OpSyncDir, f.name); err != nil {
			return f.pathErr("sync", err)
		}
		f.fs.mu.Lock()
		f.n.syncedEntries = maps.Clone(f.n.entries)
		f.fs.mu.Unlock()
		return nil
	}
	if err := f.fs.fault(OpSync, f.name); err != nil {
		return f.pathErr("sync", err)
	}
	f.n.mu.Lock()
	f.n.syncLocked()
	f.n.mu.Unlock()
	return nil
}

// syncLocked copies the changed part of data to synced. Caller holds n.mu.
func (n *inode) syncLocked() {
	from := min(n.dirty, len(n.synced), len(n.data))
	if n.maps > 0 {
		from = 0 // stores through a mapping are not tracked
	}
	n.synced = append(n.synced[:from], n.data[from:]...)
	n.dirty = len(n.data)
}

// Stat describes the open file; Name is the last element of the name it was
// opened with.
func (f *memFile) Stat() (fs.FileInfo, error) {
	if err := f.enter("stat"); err != nil {
		return nil, err
	}
	defer f.leave()
	return f.n.info(filepath.Base(f.name)), nil
}

// Close releases the handle; every later call on it fails with fs.ErrClosed.
// Mappings made through it stay valid, as with munmap-less close(2).
func (f *memFile) Close() error {
	if err := f.enter("close"); err != nil {
		return err
	}
	defer f.leave()
	if !f.closed.CompareAndSwap(false, true) {
		return f.pathErr("close", fs.ErrClosed)
	}
	f.fs.mu.Lock()
	f.n.nopen--
	f.fs.maybeReleaseLocked(f.n)
	f.fs.mu.Unlock()
	return nil
}

package fileutil

import (
	"io/fs"
	"syscall"
	"unsafe"
)

// Mmap implements Mmapper. The slice it returns is the file's own bytes, so
// stores through it are file contents at once: ReadAt sees them, and they
// are unsynced data until Sync or Msync, like dirty pages of a MAP_SHARED
// mapping. As on Linux the handle must be open read-write (else EACCES).
// Unlike Linux, length must not exceed the file's size (Linux would map it
// and fault on access past the end).
//
// A mapping aliases the file's array. Growing the file within that array's
// capacity keeps the alias; growing it further moves the contents, after
// which stores through the old mapping are lost and Msync of it fails with
// fs.ErrInvalid. Size the file before mapping it, as the index code does. A
// crash ends every mapping.
func (f *memFile) Mmap(length int) ([]byte, error) {
	if err := f.enter("mmap"); err != nil {
		return nil, err
	}
	defer f.leave()
	if !f.readable || !f.writable || f.n.dir {
		return nil, f.pathErr("mmap", syscall.EACCES)
	}
	if length < 0 {
		return nil, f.pathErr("mmap", invalidError("invalid argument"))
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if length > len(n.data) {
		return nil, f.pathErr("mmap", errMmapLength)
	}
	if length == 0 {
		return []byte{}, nil
	}
	n.maps++
	return n.data[:length:length], nil
}

// Munmap implements Mmapper. It only does bookkeeping (the slice stays
// valid Go memory); it works after the handle is closed, as munmap does
// after close(2).
func (f *memFile) Munmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	f.fs.crashMu.RLock()
	defer f.fs.crashMu.RUnlock()
	if f.gen != f.fs.gen {
		return nil // the crash already dropped every mapping
	}
	f.n.mu.Lock()
	f.n.maps = max(0, f.n.maps-1)
	f.n.mu.Unlock()
	return nil
}

// Msync implements Mmapper: it syncs the whole file, like File.Sync (and
// fails like it under an OpSync fault). It works after the handle is closed
// but not after a crash.
func (f *memFile) Msync(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	f.fs.crashMu.RLock()
	defer f.fs.crashMu.RUnlock()
	if f.gen != f.fs.gen {
		return f.pathErr("msync", fs.ErrClosed)
	}
	if err := f.fs.fault(OpSync, f.name); err != nil {
		return f.pathErr("msync", err)
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if !within(b, n.data) {
		return f.pathErr("msync", errMapDetached)
	}
	n.syncLocked()
	return nil
}

// within reports whether b lies inside arr's backing array. Go's heap does
// not move objects, so comparing addresses is stable.
func within(b, arr []byte) bool {
	if cap(arr) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(arr)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(b)) <= lo+uintptr(cap(arr))
}

package fileutil

import (
	"syscall"
	"unsafe"
)

// msync flushes dirty pages of a mapping synchronously.
func msync(b []byte) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MS_SYNC)
	if errno != 0 {
		return errno
	}
	return nil
}

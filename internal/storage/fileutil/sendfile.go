package fileutil

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// SendFile sends n bytes of src starting at off to a TCP connection with
// sendfile(2): from the page cache to the socket without passing through
// user space. The explicit offset leaves src's file offset untouched, so
// concurrent readers of the same file are safe. A file shorter than off+n
// (a truncation raced the caller) is io.ErrUnexpectedEOF: the caller has
// usually announced the length already and must close the connection.
func SendFile(conn *net.TCPConn, src *os.File, off, n int64) error {
	in, err := src.SyscallConn()
	if err != nil {
		return err
	}
	out, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	start := off
	var serr error
	cerr := in.Control(func(infd uintptr) {
		werr := out.Write(func(outfd uintptr) bool {
			for n > 0 {
				w, err := syscall.Sendfile(int(outfd), int(infd), &off, int(min(n, 1<<30)))
				if w > 0 {
					n -= int64(w)
				}
				switch {
				case err == syscall.EAGAIN:
					return false // wait until the socket is writable
				case err == syscall.EINTR:
				case err != nil:
					serr = err
					return true
				case w == 0:
					serr = io.ErrUnexpectedEOF
					return true
				}
			}
			return true
		})
		if serr == nil {
			serr = werr
		}
	})
	if serr != nil {
		return fmt.Errorf("fileutil: sendfile %s at %d (region from %d): %w", src.Name(), off, start, serr)
	}
	return cerr
}

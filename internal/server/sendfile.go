package server

import (
	"bufio"
	"io"
	"net"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
	"github.com/samsa-io/samsa/internal/wire"
)

// writeParts writes a response split into byte parts and file regions.
// Regions go to the socket with sendfile(2) at an explicit offset (the file
// offset is untouched, so concurrent readers of the segment are safe) after
// the buffered bytes before them are flushed; on a connection that is not
// TCP they are copied.
func writeParts(w *bufio.Writer, nc net.Conn, parts []wire.Part) (int64, error) {
	var n int64
	for _, p := range parts {
		if p.Region == nil {
			k, err := w.Write(p.Bytes)
			n += int64(k)
			if err != nil {
				return n, err
			}
			continue
		}
		if err := w.Flush(); err != nil {
			return n, err
		}
		var err error
		if tcp, ok := nc.(*net.TCPConn); ok {
			err = fileutil.SendFile(tcp, p.Region.File, p.Region.Offset, p.Region.Size)
		} else {
			_, err = io.Copy(nc, io.NewSectionReader(p.Region.File, p.Region.Offset, p.Region.Size))
		}
		if err != nil {
			return n, err
		}
		n += p.Region.Size
	}
	return n, nil
}

package controller

import (
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/raft"

	"github.com/samsa-io/samsa/internal/metadata"
)

// fsm is the raft state machine: it applies committed batches of metadata
// records to the current image and publishes the result. Raft calls Apply,
// Snapshot and Restore on its one FSM goroutine (Restore also from NewRaft,
// before that goroutine starts), so the fsm needs no lock of its own.
type fsm struct {
	c *Controller
}

var _ raft.FSM = (*fsm)(nil)

// Apply implements raft.FSM. It returns nil when the batch was applied, or
// the error that rejected it: undecodable (metadata.ErrCorruptRecord) or
// inconsistent with the image (metadata.ErrInvalidRecord). A rejected entry
// changes nothing, and every replica rejects it alike, since they apply the
// same entries to the same images; raft hands the error to the proposer
// through the future's Response.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	img, delta, err := f.apply(l)
	if err != nil {
		f.c.metrics.rejected.Inc()
		f.c.logger.Error("controller: rejected a metadata log entry", "index", l.Index, "term", l.Term, "bytes", len(l.Data), "err", err)
		return err
	}
	f.c.publish(img, delta)
	return nil
}

// apply decodes and applies one entry. Decoding and Image.Apply are pure, so
// a panic in them (a bug) is turned into a rejected entry: the image is
// untouched, and re-raising would only crash-loop every replica on the same
// entry at each restart.
func (f *fsm) apply(l *raft.Log) (img *metadata.Image, delta *metadata.Delta, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, delta, err = nil, nil, fmt.Errorf("controller: panic applying entry %d: %v", l.Index, r)
		}
	}()
	records, err := metadata.DecodeBatch(l.Data)
	if err != nil {
		return nil, nil, err
	}
	return f.c.image.Load().Apply(records, int64(l.Index))
}

// Snapshot implements raft.FSM. The image is immutable, so the snapshot is
// just the current pointer; Persist writes it while Apply goes on.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{img: f.c.image.Load(), logger: f.c.logger}, nil
}

// Restore implements raft.FSM: it replaces the image with the snapshot's
// and publishes the difference.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	img, err := metadata.ReadSnapshot(rc)
	if err != nil {
		return fmt.Errorf("controller: restoring a metadata snapshot: %w", err)
	}
	old := f.c.image.Load()
	f.c.publish(img, metadata.Diff(old, img))
	f.c.logger.Info("controller: restored metadata snapshot", "offset", img.Offset(), "topics", img.NumTopics())
	return nil
}

// fsmSnapshot is one image on its way to the snapshot store.
type fsmSnapshot struct {
	img    *metadata.Image
	logger interface {
		Info(msg string, args ...any)
	}
}

// Persist implements raft.FSMSnapshot.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	began := time.Now()
	if err := s.img.WriteSnapshot(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("controller: writing a metadata snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("controller: writing a metadata snapshot: %w", err)
	}
	s.logger.Info("controller: wrote metadata snapshot", "offset", s.img.Offset(), "topics", s.img.NumTopics(), "took", time.Since(began))
	return nil
}

// Release implements raft.FSMSnapshot; there is nothing to release.
func (s *fsmSnapshot) Release() {}

package storage

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// Producer state: what a partition remembers of each idempotent or
// transactional producer so that it can make retries exactly-once (KIP-98).
//
// A producer with idempotence enabled numbers its batches per partition with
// a sequence that starts at 0 under each producer epoch. The broker keeps, per
// producer id, the current epoch and the sequence ranges and offsets of the
// last five batches. That is enough to answer the three questions of a
// produce request: is this a zombie (an older epoch: fence it), is it a retry
// of something already written (answer with the original offsets and write
// nothing), or does it leave a gap (refuse it, so the client never silently
// reorders or loses batches)? Five is the client's limit on in-flight
// requests per connection with idempotence on, so every batch a producer can
// still be retrying is remembered.
//
// The state is derived from the log: every batch appended, by a leader, by a
// follower or by recovery replay, goes through update, in offset order.
// Snapshots at segment rolls and on clean close bound the replay needed at
// start-up (producer_snapshot.go).

// maxRetainedBatches is how many batches are remembered per producer: Kafka's
// ProducerStateEntry.NUM_BATCHES_TO_RETAIN, matching the client-side cap of
// max.in.flight.requests.per.connection = 5 for idempotent producers.
const maxRetainedBatches = 5

// batchMetadata is what is remembered of one appended batch: enough to
// recognise a retry of it (the sequence range) and to answer that retry as
// the original append was answered (the offsets and timestamp).
type batchMetadata struct {
	FirstSeq, LastSeq       int32
	FirstOffset, LastOffset int64
	MaxTimestamp            int64
}

// producerEntry is one producer id's state.
type producerEntry struct {
	ProducerID int64
	// Epoch is the newest producer epoch seen in the log for this id. Batches
	// with an older epoch come from a fenced producer instance.
	Epoch int16
	// Batches are the last appended data batches of Epoch, oldest first, at
	// most maxRetainedBatches. An epoch change empties it: sequences restart
	// at 0 under a new epoch, so the old ranges mean nothing any more.
	Batches []batchMetadata
	// LastTimestamp is the max timestamp of the producer's last batch (data
	// or control), for producer id expiration.
	LastTimestamp int64
	// CurrentTxnFirstOffset is the offset of the first data batch of the
	// producer's open transaction, or -1 when none is open (KIP-98). It is set
	// by the first transactional data batch and cleared by the commit or abort
	// marker (a control batch). The log derives the last stable offset and the
	// aborted-transaction index from it; expiry must not forget a producer in
	// the middle of a transaction.
	CurrentTxnFirstOffset int64
}

// clone returns a deep copy of e, so callers outside the lock never share
// the Batches array update mutates.
func (e *producerEntry) clone() producerEntry {
	c := *e
	c.Batches = slices.Clone(e.Batches)
	return c
}

// findDuplicate returns the retained batch with exactly the sequence range
// [firstSeq, lastSeq], or nil. Kafka matches on both ends: a retry carries the
// same records, so a batch that overlaps a retained one without matching it
// is not a retry but a client bug, and the sequence check rejects it.
func (e *producerEntry) findDuplicate(firstSeq, lastSeq int32) *batchMetadata {
	for i := range e.Batches {
		if e.Batches[i].FirstSeq == firstSeq && e.Batches[i].LastSeq == lastSeq {
			bm := e.Batches[i]
			return &bm
		}
	}
	return nil
}

// producerStateManager holds the producer state of one partition log and its
// snapshots in the partition directory.
//
// Concurrency: the log calls checkAppend and update under its append mutex,
// so the check-then-append sequence is atomic with respect to other appends;
// admin paths (DescribeProducers) call lastEntry and activeProducers at any
// time. The map is guarded by mu. Snapshot file operations (take, delete,
// reload, full truncation) are serialized by snapMu, so a snapshot being
// written is never deleted under it. Lock order: snapMu, then mu.
type producerStateManager struct {
	fsys fileutil.FS
	dir  string
	// maxProducerIDExpiration is producer.id.expiration.ms (KIP-854; before
	// Kafka 3.4 it was transactional.id.expiration.ms): how long a producer's
	// state outlives its last write.
	maxProducerIDExpiration time.Duration

	snapMu sync.Mutex

	mu        sync.RWMutex
	producers map[int64]*producerEntry
	// mapEnd is the offset after the last batch reflected in producers.
	mapEnd int64
}

// newProducerStateManager returns an empty manager for the partition
// directory dir, with mapEndOffset 0. At open the log calls truncateAndReload
// to load the latest snapshot, then replays the log from mapEndOffset.
func newProducerStateManager(fsys fileutil.FS, dir string, maxProducerIDExpiration time.Duration) *producerStateManager {
	return &producerStateManager{
		fsys:                    fsys,
		dir:                     dir,
		maxProducerIDExpiration: maxProducerIDExpiration,
		producers:               make(map[int64]*producerEntry),
	}
}

// checkAppend decides what to do with a batch about to be appended by a
// leader (b has not got its offsets yet).
//
// It returns (dup, nil) with dup != nil when the batch duplicates one of the
// producer's retained batches (same epoch, same FirstSeq and LastSeq): the
// caller answers with dup's offsets and appends nothing. It returns (nil, nil)
// when the batch may be appended, an error wrapping ErrInvalidProducerEpoch
// when the batch's epoch is older than the producer's, and one wrapping
// ErrOutOfOrderSequence when its sequence does not follow.
//
// The rules are Kafka's since 2.5 (KIP-360):
//   - Batches without a producer id (ProducerID < 0) always pass.
//   - A producer we hold no state for may start at any sequence: its state
//     may have expired or its batches been deleted by retention, and before
//     KIP-360 the UNKNOWN_PRODUCER_ID answer that forced a reset could lose
//     data.
//   - An older epoch is a fenced zombie: ErrInvalidProducerEpoch.
//   - A control batch (a transaction marker, written by the broker for the
//     coordinator) carries sequence -1, so only its epoch is checked.
//   - A newer epoch means the producer was re-initialised or bumped its epoch
//     (KIP-360), which restarts sequences: the first must be 0. We waive that
//     when the entry retains no batches, since then there is no sequence
//     history to protect. (Kafka's ProducerAppendInfo.checkSequence waives it
//     only for an entry without an epoch; ours always have one, and an entry
//     without batches arises only after a marker that bumped the epoch.)
//   - The same epoch must continue the sequence: FirstSeq is the last
//     retained LastSeq plus one, wrapping from MaxInt32 to 0 as clients do.
//     With no retained batch under this epoch (after a marker that bumped the
//     epoch) the next sequence is 0, as in Kafka.
//   - A same-epoch batch whose range equals a retained batch's is a retry.
//     One older than the five retained is indistinguishable from a gap and
//     is refused as out of order, as in Kafka.
func (m *producerStateManager) checkAppend(b record.Batch) (dup *batchMetadata, err error) {
	pid := b.ProducerID()
	if pid < 0 {
		return nil, nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.producers[pid]
	if !ok {
		return nil, nil
	}
	epoch := b.ProducerEpoch()
	if epoch < e.Epoch {
		return nil, fmt.Errorf("%w: producer %d: batch epoch %d is older than the current epoch %d",
			ErrInvalidProducerEpoch, pid, epoch, e.Epoch)
	}
	if b.Control() {
		return nil, nil
	}
	firstSeq := b.BaseSequence()
	if epoch > e.Epoch {
		if firstSeq != 0 && len(e.Batches) > 0 {
			return nil, fmt.Errorf("%w: producer %d: new epoch %d (current %d) must start at sequence 0, got %d",
				ErrOutOfOrderSequence, pid, epoch, e.Epoch, firstSeq)
		}
		return nil, nil
	}
	if d := e.findDuplicate(firstSeq, b.LastSequence()); d != nil {
		return d, nil
	}
	var next int32
	if n := len(e.Batches); n > 0 {
		next = record.IncrementSequence(e.Batches[n-1].LastSeq, 1)
	}
	if firstSeq != next {
		return nil, fmt.Errorf("%w: producer %d epoch %d: batch sequence %d, expected %d",
			ErrOutOfOrderSequence, pid, epoch, firstSeq, next)
	}
	return nil, nil
}

// update records an appended batch; b already carries its assigned
// BaseOffset. Leader appends (after checkAppend), recovery replay and
// follower appends all call it, for every batch in offset order, including
// batches without a producer id: those only advance mapEndOffset, which must
// reach the log end offset for a snapshot to be named correctly.
//
// update does not validate: what is in the log is the truth, and a follower
// or a replay must reproduce the leader's state even from batches the checks
// would now refuse.
func (m *producerStateManager) update(b record.Batch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mapEnd = b.NextOffset()
	pid := b.ProducerID()
	if pid < 0 {
		return
	}
	e := m.producers[pid]
	if e == nil {
		e = &producerEntry{ProducerID: pid, Epoch: b.ProducerEpoch(), CurrentTxnFirstOffset: -1}
		m.producers[pid] = e
	}
	if epoch := b.ProducerEpoch(); epoch != e.Epoch {
		// Sequences restart under a new epoch; the old ranges can neither be
		// retried (the old epoch is fenced) nor continued.
		e.Epoch = epoch
		e.Batches = e.Batches[:0]
	}
	e.LastTimestamp = b.MaxTimestamp()
	if b.Control() {
		// A COMMIT or ABORT marker ends the open transaction (KIP-98). Markers
		// carry no sequence, so they are not retained as batches.
		e.CurrentTxnFirstOffset = -1
		return
	}
	if b.Transactional() && e.CurrentTxnFirstOffset < 0 {
		e.CurrentTxnFirstOffset = b.BaseOffset()
	}
	if len(e.Batches) == maxRetainedBatches {
		copy(e.Batches, e.Batches[1:])
		e.Batches = e.Batches[:maxRetainedBatches-1]
	}
	e.Batches = append(e.Batches, batchMetadata{
		FirstSeq:     b.BaseSequence(),
		LastSeq:      b.LastSequence(),
		FirstOffset:  b.BaseOffset(),
		LastOffset:   b.LastOffset(),
		MaxTimestamp: b.MaxTimestamp(),
	})
}

// lastEntry returns a copy of the state of producer pid, and false if there
// is none.
func (m *producerStateManager) lastEntry(pid int64) (producerEntry, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.producers[pid]
	if !ok {
		return producerEntry{}, false
	}
	return e.clone(), true
}

// activeProducers returns copies of every producer's state, sorted by
// producer id, for DescribeProducers.
func (m *producerStateManager) activeProducers() []producerEntry {
	m.mu.RLock()
	out := make([]producerEntry, 0, len(m.producers))
	for _, e := range m.producers {
		out = append(out, e.clone())
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b producerEntry) int {
		return cmp.Compare(a.ProducerID, b.ProducerID)
	})
	return out
}

// mapEndOffset is the offset up to which the state reflects the log: the
// offset after the last batch given to update, or the offset of the snapshot
// last loaded, or the start offset given to truncateFullyAndStartAt.
func (m *producerStateManager) mapEndOffset() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.mapEnd
}

// truncateAndReload makes the state reflect the log [logStartOffset,
// logEndOffset) as far as the snapshots allow. It deletes snapshots outside
// [logStartOffset, logEndOffset] (those above the end describe batches that
// truncation removed; those below the start describe deleted segments), then
// loads the newest remaining snapshot, or starts empty at logStartOffset if
// there is none. Afterwards the caller replays the batches in
// [mapEndOffset(), logEndOffset) through update.
//
// A snapshot that fails to decode (ErrCorruptSnapshot) is deleted and the
// next older one is tried: a longer replay from an older snapshot yields the
// same state. An I/O error is returned as is and leaves the state empty.
//
// Producers whose retained batches all lie below logStartOffset are not
// loaded: their data is gone, and KIP-360 accepts any sequence from a
// producer we hold no state for, which is what the client expects after
// retention or DeleteRecords removed its batches. Entries that retain no
// batches (only an epoch, after a marker bumped it) are kept: they still
// fence zombies, and expiry removes them in time.
func (m *producerStateManager) truncateAndReload(logStartOffset, logEndOffset int64) error {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()

	clear(m.producers)
	m.mapEnd = logStartOffset

	if err := removeSnapshotTmpFiles(m.fsys, m.dir); err != nil {
		return err
	}
	offs, err := listProducerSnapshots(m.fsys, m.dir)
	if err != nil {
		return err
	}
	var keep []int64
	removedAboveEnd := false
	for _, off := range offs {
		if off >= logStartOffset && off <= logEndOffset {
			keep = append(keep, off)
			continue
		}
		if err := removeIfExists(m.fsys, offsetFileName(m.dir, off, snapshotSuffix)); err != nil {
			return err
		}
		removedAboveEnd = removedAboveEnd || off > logEndOffset
	}
	if removedAboveEnd {
		// Make the removal durable: were a snapshot above the end to come back
		// after a crash, once the log has grown past it again with different
		// batches, recovery would load a state from the truncated history.
		// Snapshots below the start are harmless if they return: the next
		// reload drops them again.
		if err := m.fsys.SyncDir(m.dir); err != nil {
			return fmt.Errorf("storage: sync %s: %w", m.dir, err)
		}
	}

	for i := len(keep) - 1; i >= 0; i-- {
		off := keep[i]
		entries, err := readProducerSnapshot(m.fsys, m.dir, off)
		if errors.Is(err, ErrCorruptSnapshot) {
			if err := removeIfExists(m.fsys, offsetFileName(m.dir, off, snapshotSuffix)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if n := len(e.Batches); n > 0 && e.Batches[n-1].LastOffset < logStartOffset {
				continue
			}
			m.producers[e.ProducerID] = &e
		}
		m.mapEnd = off
		return nil
	}
	return nil
}

// takeSnapshot writes the current state to <dir>/<mapEndOffset>.snapshot,
// atomically (a crash leaves the old file or none, never a torn one; a torn
// one would still be caught by the CRC). The log calls it when it rolls a
// segment, so that recovery replays at most the active segment, and when it
// closes cleanly, so that a clean restart replays nothing. It is a no-op if
// a snapshot at that offset exists: the state at an offset never changes.
func (m *producerStateManager) takeSnapshot() error {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()

	m.mu.RLock()
	off := m.mapEnd
	entries := make([]producerEntry, 0, len(m.producers))
	for _, e := range m.producers {
		entries = append(entries, *e)
	}
	// Encode under the lock: the shallow copies share Batches with the map.
	data := encodeProducerSnapshot(entries)
	m.mu.RUnlock()

	name := offsetFileName(m.dir, off, snapshotSuffix)
	if _, err := m.fsys.Stat(name); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: producer snapshot %s: %w", name, err)
	}
	if err := fileutil.WriteFileAtomic(m.fsys, name, data); err != nil {
		return fmt.Errorf("storage: write producer snapshot %s: %w", name, err)
	}
	return nil
}

// latestSnapshotOffset returns the offset of the newest snapshot on disk, and
// false if there is none (or the directory cannot be listed: the caller then
// treats the partition as having no snapshot, which costs only replay time).
func (m *producerStateManager) latestSnapshotOffset() (int64, bool) {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	offs, err := listProducerSnapshots(m.fsys, m.dir)
	if err != nil || len(offs) == 0 {
		return 0, false
	}
	return offs[len(offs)-1], true
}

// deleteSnapshotsBefore deletes the snapshots below offset, keeping the one
// at offset itself. The log calls it with the new log start offset (the base
// of the first remaining segment) when retention deletes segments: a snapshot
// below it could only be replayed from batches that no longer exist. Removal
// is not synced to disk; a snapshot that survives a crash is removed by the
// next truncateAndReload.
func (m *producerStateManager) deleteSnapshotsBefore(offset int64) error {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	offs, err := listProducerSnapshots(m.fsys, m.dir)
	if err != nil {
		return err
	}
	for _, off := range offs {
		if off >= offset {
			break
		}
		if err := removeIfExists(m.fsys, offsetFileName(m.dir, off, snapshotSuffix)); err != nil {
			return err
		}
	}
	return nil
}

// removeExpiredProducers forgets producers that have not written for
// maxProducerIDExpiration (producer.id.expiration.ms, KIP-854), so the map
// does not grow with every short-lived producer. A producer with an open
// transaction is kept whatever its age: its first offset holds back the last
// stable offset, and only its marker may release it. A forgotten producer
// that comes back is accepted at any sequence (KIP-360).
func (m *producerStateManager) removeExpiredProducers(now time.Time) {
	cutoff := now.UnixMilli() - m.maxProducerIDExpiration.Milliseconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	for pid, e := range m.producers {
		if e.CurrentTxnFirstOffset < 0 && e.LastTimestamp <= cutoff {
			delete(m.producers, pid)
		}
	}
}

// truncateFullyAndStartAt drops all state and every snapshot, and sets
// mapEndOffset to offset. The log calls it when it discards all its segments
// and restarts at offset (a follower whose whole log diverged, or a replica
// recreated behind the leader's log start offset).
func (m *producerStateManager) truncateFullyAndStartAt(offset int64) error {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	m.mu.Lock()
	clear(m.producers)
	m.mapEnd = offset
	m.mu.Unlock()

	if err := removeSnapshotTmpFiles(m.fsys, m.dir); err != nil {
		return err
	}
	offs, err := listProducerSnapshots(m.fsys, m.dir)
	if err != nil {
		return err
	}
	for _, off := range offs {
		if err := removeIfExists(m.fsys, offsetFileName(m.dir, off, snapshotSuffix)); err != nil {
			return err
		}
	}
	if len(offs) > 0 {
		// As in truncateAndReload: a snapshot of the discarded log must not
		// come back after a crash and be taken for one of the new log.
		if err := m.fsys.SyncDir(m.dir); err != nil {
			return fmt.Errorf("storage: sync %s: %w", m.dir, err)
		}
	}
	return nil
}

package record

import (
	"encoding/binary"
	"fmt"
)

// ControlType is the type field of a control record's key: what a
// transaction marker (or, in KRaft's metadata log, a control batch) means.
type ControlType int16

// The control types a partition log holds. KRaft uses 2-6 for its own
// metadata-log control records; ControlType passes them through.
const (
	// ControlAbort marks the end of an aborted transaction.
	ControlAbort ControlType = 0
	// ControlCommit marks the end of a committed transaction.
	ControlCommit ControlType = 1
)

// String names the type as Kafka's ControlRecordType does.
func (t ControlType) String() string {
	switch t {
	case ControlAbort:
		return "ABORT"
	case ControlCommit:
		return "COMMIT"
	}
	return fmt.Sprintf("UNKNOWN(%d)", int16(t))
}

// controlKeySize is the key of a version 0 control record: int16 version,
// int16 type. Later versions may append fields; readers ignore them.
const controlKeySize = 4

// ControlType decodes the key of the batch's control record: int16 version
// (any version >= 0 is read as version 0, as Kafka does), then int16 type.
// The batch must be a control batch holding exactly one record; anything
// else wraps ErrInvalidRecord, and a broken records section wraps what
// EachRecord returns.
func (b Batch) ControlType() (ControlType, error) {
	if len(b) < HeaderSize {
		return 0, fmt.Errorf("%w: %d bytes is shorter than a batch header (%d)", ErrCorrupt, len(b), HeaderSize)
	}
	if !b.Control() {
		return 0, fmt.Errorf("%w: not a control batch (attributes %#x)", ErrInvalidRecord, b.Attributes())
	}
	if n := b.RecordCount(); n != 1 {
		return 0, fmt.Errorf("%w: control batch declares %d records, want 1", ErrInvalidRecord, n)
	}
	var t ControlType
	err := b.EachRecord(func(r Record) error {
		if len(r.Key) < controlKeySize {
			return fmt.Errorf("%w: control record key is %d bytes, want at least %d", ErrInvalidRecord, len(r.Key), controlKeySize)
		}
		if v := int16(binary.BigEndian.Uint16(r.Key)); v < 0 {
			return fmt.Errorf("%w: control record key version %d", ErrInvalidRecord, v)
		}
		t = ControlType(binary.BigEndian.Uint16(r.Key[2:]))
		return nil
	})
	return t, err
}

// ControlRecord returns the one record of a transaction marker: key
// (int16 version 0, int16 type), value (int16 version 0, int32 coordinator
// epoch), as the transaction coordinator writes on EndTxn. Build it into a
// batch with Control and Transactional set, the transaction's producer id
// and epoch, and BaseSequence -1.
func ControlRecord(t ControlType, coordinatorEpoch int32, timestamp int64) Record {
	key := make([]byte, controlKeySize)
	binary.BigEndian.PutUint16(key[2:], uint16(t))
	value := make([]byte, 6)
	binary.BigEndian.PutUint32(value[2:], uint32(coordinatorEpoch))
	return Record{Timestamp: timestamp, Key: key, Value: value}
}

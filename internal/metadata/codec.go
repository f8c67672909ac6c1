package metadata

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The codec is hand-written and small on purpose: eight fixed layouts of
// big-endian integers, length-prefixed strings and arrays. The layouts are in
// docs/format/metadata-records.md; a change there and here goes together, and
// any change to an existing layout needs a new record version.

// headerSize is the record header: type (int16) and version (int16).
const headerSize = 4

// Encode returns the encoding of r: its type, its version, then its fields.
//
// Encode panics if r's Version is not one this build writes: records are
// built by the controller in this process, so a bad version is a programming
// error, not input.
func Encode(r Record) []byte {
	return AppendRecord(nil, r)
}

// AppendRecord appends the encoding of r (see Encode) to b and returns the
// extended slice.
func AppendRecord(b []byte, r Record) []byte {
	t, v := r.Type(), r.version()
	if maxV, ok := maxVersion[t]; !ok || v < 0 || v > maxV {
		panic(fmt.Sprintf("metadata: encoding %v version %d, which this build does not write", t, v))
	}
	w := writer{b: b}
	w.int16(int16(t))
	w.int16(v)
	r.encode(&w)
	return w.b
}

// Decode parses one record encoded by Encode. b must hold exactly one
// record. Errors wrap ErrCorruptRecord (and ErrUnsupportedVersion for a
// record version newer than this build); Decode never panics. The returned
// record does not alias b.
func Decode(b []byte) (Record, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorruptRecord, len(b), headerSize)
	}
	t := RecordType(int16(binary.BigEndian.Uint16(b)))
	v := int16(binary.BigEndian.Uint16(b[2:]))
	rec := newRecord(t)
	if rec == nil {
		return nil, fmt.Errorf("%w: unknown record type %d", ErrCorruptRecord, t)
	}
	if v < 0 {
		return nil, fmt.Errorf("%w: %v version %d", ErrCorruptRecord, t, v)
	}
	if v > maxVersion[t] {
		return nil, fmt.Errorf("%w: %w: %v version %d (this build reads up to %d)",
			ErrCorruptRecord, ErrUnsupportedVersion, t, v, maxVersion[t])
	}
	r := reader{b: b[headerSize:]}
	rec.decode(&r, v)
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v: %v", ErrCorruptRecord, t, r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %v: %d trailing bytes", ErrCorruptRecord, t, len(r.b))
	}
	return rec, nil
}

// EncodeBatch encodes records as one batch, the payload of one metadata log
// entry: a record count (int32), then each record as a length (int32)
// followed by its encoding. A batch is applied all or nothing.
func EncodeBatch(records []Record) []byte {
	return AppendBatch(nil, records)
}

// AppendBatch appends the batch encoding of records (see EncodeBatch) to b.
func AppendBatch(b []byte, records []Record) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(records)))
	for _, r := range records {
		lenAt := len(b)
		b = append(b, 0, 0, 0, 0)
		b = AppendRecord(b, r)
		binary.BigEndian.PutUint32(b[lenAt:], uint32(len(b)-lenAt-4))
	}
	return b
}

// DecodeBatch parses a batch encoded by EncodeBatch. Errors wrap
// ErrCorruptRecord; a batch with one bad record is rejected whole.
func DecodeBatch(b []byte) ([]Record, error) {
	r := reader{b: b}
	n := r.count(headerSize + 4)
	if r.err != nil {
		return nil, fmt.Errorf("%w: batch: %v", ErrCorruptRecord, r.err)
	}
	records := make([]Record, 0, n)
	for i := range n {
		size := r.count(1)
		body := r.bytes(size)
		if r.err != nil {
			return nil, fmt.Errorf("%w: batch record %d: %v", ErrCorruptRecord, i, r.err)
		}
		rec, err := Decode(body)
		if err != nil {
			return nil, fmt.Errorf("batch record %d: %w", i, err)
		}
		records = append(records, rec)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: batch: %d trailing bytes", ErrCorruptRecord, len(r.b))
	}
	return records, nil
}

// writer appends big-endian fields to a byte slice.
type writer struct{ b []byte }

func (w *writer) int8(v int8)   { w.b = append(w.b, byte(v)) }
func (w *writer) int16(v int16) { w.b = binary.BigEndian.AppendUint16(w.b, uint16(v)) }
func (w *writer) int32(v int32) { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)) }
func (w *writer) int64(v int64) { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)) }
func (w *writer) uuid(u UUID)   { w.b = append(w.b, u[:]...) }

func (w *writer) bool(v bool) {
	if v {
		w.int8(1)
	} else {
		w.int8(0)
	}
}

// string writes an int32 length and the bytes. Four bytes of length rather
// than Kafka's two: config values (certificates, JAAS configs) can exceed
// 32 KiB.
func (w *writer) string(s string) {
	if len(s) > math.MaxInt32 {
		panic("metadata: string longer than 2 GiB")
	}
	w.int32(int32(len(s)))
	w.b = append(w.b, s...)
}

// nullableString writes -1 for nil, else as string.
func (w *writer) nullableString(s *string) {
	if s == nil {
		w.int32(-1)
		return
	}
	w.string(*s)
}

// int32s writes an int32 count and the elements.
func (w *writer) int32s(v []int32) {
	w.int32(int32(len(v)))
	for _, x := range v {
		w.int32(x)
	}
}

// reader consumes big-endian fields. The first error sticks: later reads
// return zero values, so decoders read every field unconditionally and check
// r.err once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// take returns the next n bytes, or nil and an error when fewer remain.
func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.fail("need %d bytes, %d left", n, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) int8() int8 {
	if b := r.take(1); b != nil {
		return int8(b[0])
	}
	return 0
}

func (r *reader) int16() int16 {
	if b := r.take(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *reader) int32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *reader) int64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *reader) uuid() UUID {
	var u UUID
	if b := r.take(16); b != nil {
		copy(u[:], b)
	}
	return u
}

// bool accepts only 0 and 1, so every valid encoding is canonical and a
// flipped bit in a flag is caught.
func (r *reader) bool() bool {
	switch v := r.int8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail("boolean byte %d", v)
		return false
	}
}

// count reads an int32 element count and checks it against the bytes left,
// given the smallest encoding of one element, so a garbage count can never
// make a decoder allocate more than its input justifies.
func (r *reader) count(minElemSize int) int {
	n := r.int32()
	if r.err != nil {
		return 0
	}
	if n < 0 || int64(n)*int64(minElemSize) > int64(len(r.b)) {
		r.fail("count %d does not fit in the %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

// bytes returns the next n bytes (aliasing the input).
func (r *reader) bytes(n int) []byte {
	return r.take(n)
}

func (r *reader) string() string {
	return string(r.bytes(r.count(1)))
}

func (r *reader) nullableString() *string {
	n := r.int32()
	if r.err != nil || n == -1 {
		return nil
	}
	if n < -1 || int64(n) > int64(len(r.b)) {
		r.fail("string length %d with %d bytes left", n, len(r.b))
		return nil
	}
	s := string(r.take(int(n)))
	return &s
}

func (r *reader) int32s() []int32 {
	n := r.count(4)
	if r.err != nil || n == 0 {
		// An empty array decodes as nil, like an empty endpoint list, so
		// that decoding is canonical.
		return nil
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = r.int32()
	}
	return v
}

// Field layouts, one pair of methods per record type. The version argument
// selects the layout; every type has only version 0 so far.

func (rec *BootstrapRecord) encode(w *writer) { w.string(rec.ClusterID) }
func (rec *BootstrapRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.ClusterID = r.string()
}

func (rec *TopicRecord) encode(w *writer) {
	w.string(rec.Name)
	w.uuid(rec.TopicID)
}

func (rec *TopicRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.Name = r.string()
	rec.TopicID = r.uuid()
}

func (rec *PartitionRecord) encode(w *writer) {
	w.uuid(rec.TopicID)
	w.int32(rec.Partition)
	w.int32s(rec.Replicas)
	w.int32s(rec.ISR)
	w.int32(rec.Leader)
	w.int32(rec.LeaderEpoch)
	w.int32(rec.PartitionEpoch)
}

func (rec *PartitionRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.TopicID = r.uuid()
	rec.Partition = r.int32()
	rec.Replicas = r.int32s()
	rec.ISR = r.int32s()
	rec.Leader = r.int32()
	rec.LeaderEpoch = r.int32()
	rec.PartitionEpoch = r.int32()
}

func (rec *RemoveTopicRecord) encode(w *writer) { w.uuid(rec.TopicID) }
func (rec *RemoveTopicRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.TopicID = r.uuid()
}

func (rec *ConfigRecord) encode(w *writer) {
	w.int8(int8(rec.ResourceType))
	w.string(rec.ResourceName)
	w.string(rec.Name)
	w.nullableString(rec.Value)
}

func (rec *ConfigRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.ResourceType = ConfigResourceType(r.int8())
	rec.ResourceName = r.string()
	rec.Name = r.string()
	rec.Value = r.nullableString()
}

func (rec *RegisterBrokerRecord) encode(w *writer) {
	w.int32(rec.BrokerID)
	w.uuid(rec.IncarnationID)
	w.int32(int32(len(rec.Endpoints)))
	for _, e := range rec.Endpoints {
		w.string(e.Name)
		w.string(e.Host)
		w.int32(e.Port)
		w.int16(e.SecurityProtocol)
	}
	w.nullableString(rec.Rack)
	w.bool(rec.Fenced)
}

// minEndpointSize is an endpoint with empty name and host: two string
// lengths, the port and the protocol.
const minEndpointSize = 4 + 4 + 4 + 2

func (rec *RegisterBrokerRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.BrokerID = r.int32()
	rec.IncarnationID = r.uuid()
	if n := r.count(minEndpointSize); n > 0 {
		rec.Endpoints = make([]Endpoint, n)
		for i := range rec.Endpoints {
			e := &rec.Endpoints[i]
			e.Name = r.string()
			e.Host = r.string()
			e.Port = r.int32()
			e.SecurityProtocol = r.int16()
		}
	}
	rec.Rack = r.nullableString()
	rec.Fenced = r.bool()
}

func (rec *FenceBrokerRecord) encode(w *writer) { w.int32(rec.BrokerID) }
func (rec *FenceBrokerRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.BrokerID = r.int32()
}

func (rec *UnfenceBrokerRecord) encode(w *writer) { w.int32(rec.BrokerID) }
func (rec *UnfenceBrokerRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.BrokerID = r.int32()
}

func (rec *ProducerIDsRecord) encode(w *writer) {
	w.int32(rec.BrokerID)
	w.int64(rec.NextProducerID)
}

func (rec *ProducerIDsRecord) decode(r *reader, v int16) {
	rec.Version = v
	rec.BrokerID = r.int32()
	rec.NextProducerID = r.int64()
}

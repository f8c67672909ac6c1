package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// position is where to start reading, or where to move a group: consume
// --from and group reset-offsets --to share the syntax.
type position struct {
	kind   string // "start", "end", "offset" or "time"
	offset int64  // kind offset
	millis int64  // kind time: the first record at or after this time
}

const positionHelp = `beginning (or earliest), end (or latest), an offset (42), ` +
	`a time (RFC 3339 2026-11-21T10:00:00Z, a date 2026-11-21, @<unix millis>) ` +
	`or a duration ago (-1h30m)`

// parsePosition parses s; now is the reference for "a duration ago".
func parsePosition(flag, s string, now time.Time) (position, error) {
	switch strings.ToLower(s) {
	case "beginning", "earliest", "start", "oldest":
		return position{kind: "start"}, nil
	case "end", "latest", "newest":
		return position{kind: "end"}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return position{}, usageErrorf("%s %q: an offset cannot be negative; for a time in the past write a duration such as -1h", flag, s)
		}
		return position{kind: "offset", offset: n}, nil
	}
	if ms, ok := strings.CutPrefix(s, "@"); ok {
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil || n < 0 {
			return position{}, usageErrorf("%s %q: want @<unix milliseconds>", flag, s)
		}
		return position{kind: "time", millis: n}, nil
	}
	if strings.HasPrefix(s, "-") {
		if d, err := time.ParseDuration(s[1:]); err == nil {
			return position{kind: "time", millis: now.Add(-d).UnixMilli()}, nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return position{kind: "time", millis: t.UnixMilli()}, nil
		}
	}
	return position{}, usageErrorf("%s %q: want %s", flag, s, positionHelp)
}

// kgoOffset is the position as a kgo reset offset (for a group's partitions
// without a commit).
func (p position) kgoOffset() kgo.Offset {
	switch p.kind {
	case "start":
		return kgo.NewOffset().AtStart()
	case "offset":
		return kgo.NewOffset().At(p.offset)
	case "time":
		return kgo.NewOffset().AfterMilli(p.millis)
	}
	return kgo.NewOffset().AtEnd()
}

// resolve turns the position into an exact offset per partition of topic,
// clamped to [log start, end): an offset past the end reads from the end,
// one before the log start from the log start, and a time after the last
// record is the end (Kafka answers -1 there; we mean "nothing yet").
func (p position) resolve(ctx context.Context, adm *kadm.Client, topic string, starts, ends kadm.ListedOffsets) (map[int32]int64, error) {
	out := map[int32]int64{}
	var byTime kadm.ListedOffsets
	if p.kind == "time" {
		var err error
		if byTime, err = adm.ListOffsetsAfterMilli(ctx, p.millis, topic); err != nil {
			return nil, explain("list offsets by time", err)
		}
	}
	var firstErr error
	ends.Each(func(en kadm.ListedOffset) {
		if en.Topic != topic {
			return
		}
		if en.Err != nil && firstErr == nil {
			firstErr = explain(fmt.Sprintf("end offset of %s/%d", topic, en.Partition), en.Err)
		}
		st, _ := starts.Lookup(topic, en.Partition)
		var o int64
		switch p.kind {
		case "start":
			o = st.Offset
		case "end":
			o = en.Offset
		case "offset":
			o = p.offset
		case "time":
			t, _ := byTime.Lookup(topic, en.Partition)
			o = t.Offset
			if o < 0 {
				o = en.Offset
			}
		}
		out[en.Partition] = min(max(o, st.Offset), en.Offset)
	})
	return out, firstErr
}

// listOffsets returns the start and end offsets of topics' partitions,
// retrying while a partition answers with an error: right after a topic is
// created, its partitions may not have a leader yet, and a failed lookup
// would otherwise read as offset -1 (which kgo takes to mean "the end").
func (e *env) listOffsets(ctx context.Context, adm *kadm.Client, topics ...string) (starts, ends kadm.ListedOffsets, err error) {
	deadline := time.Now().Add(e.timeout)
	for {
		rctx, cancel := e.rctx(ctx)
		starts, err = adm.ListStartOffsets(rctx, topics...)
		if err == nil {
			ends, err = adm.ListEndOffsets(rctx, topics...)
		}
		cancel()
		if err == nil {
			err = firstNonNil(starts.Error(), ends.Error())
		}
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, nil, explain("list offsets", err)
	}
	return starts, ends, nil
}

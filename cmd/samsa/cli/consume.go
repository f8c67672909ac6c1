package cli

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

type consumeFlags struct {
	from, group, format, keySep string
	partitions                  []int32
	count                       int
	follow                      bool
}

func consumeCmd(e *env) *cobra.Command {
	var f consumeFlags
	c := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print records of a topic, with or without a consumer group",
		Long: `consume prints the records of TOPIC to stdout and stops at the end offsets
it saw when it started (or after --count records); with --follow it keeps
waiting for new records until interrupted.

--from is where reading starts: ` + positionHelp + `.
With --group, the group's committed offsets win and --from applies only to
partitions without one; offsets of printed records are committed on exit.

--format value prints values, kv prints key<separator>value, json (also
--output json) prints one JSON object per line with topic, partition,
offset, timestamp (ms), key (null if none), value and headers; bytes that
are not UTF-8 go to key_b64/value_b64 as base64.`,
		Example: `  samsa consume orders --from beginning
  samsa consume orders --from -10m --format json -n 100
  samsa consume orders --group billing --follow`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.consume(cmd.Context(), args[0], f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.from, "from", "end", "where to start: "+positionHelp)
	fl.StringVarP(&f.group, "group", "g", "", "consume as this consumer group (commits offsets)")
	fl.StringVar(&f.format, "format", "value", "output: value, kv or json")
	fl.StringVarP(&f.keySep, "key-separator", "K", "\t", "separator between key and value in kv format")
	fl.Int32SliceVarP(&f.partitions, "partition", "p", nil, "read only these partitions (not with --group)")
	fl.IntVarP(&f.count, "count", "n", 0, "stop after this many records (0: no limit)")
	fl.BoolVarP(&f.follow, "follow", "F", false, "keep waiting for new records until interrupted")
	c.RegisterFlagCompletionFunc("format", fixedCompletion("value", "kv", "json"))
	c.RegisterFlagCompletionFunc("from", fixedCompletion("beginning", "end"))
	return c
}

func (e *env) consume(ctx context.Context, topic string, f consumeFlags) error {
	pos, err := parsePosition("--from", f.from, time.Now())
	if err != nil {
		return err
	}
	format := f.format
	if e.json() {
		format = "json"
	}
	if format != "value" && format != "kv" && format != "json" {
		return usageErrorf("--format %q: want value, kv or json", f.format)
	}
	if f.count < 0 {
		return usageErrorf("--count %d: must not be negative", f.count)
	}
	if f.group != "" && len(f.partitions) > 0 {
		return usageErrorf("--partition and --group exclude each other: a group assigns partitions to its members")
	}
	adm, acl, err := e.admin(ctx)
	if err != nil {
		return err
	}
	defer acl.Close()
	td, err := requireTopics(ctx, e, adm, topic)
	if err != nil {
		return err
	}
	parts := td[topic].Partitions.Numbers()
	for _, p := range f.partitions {
		if !slices.Contains(parts, p) {
			return usageErrorf("--partition %d: topic %s has partitions 0-%d", p, topic, len(parts)-1)
		}
	}
	if len(f.partitions) > 0 {
		parts = f.partitions
	}
	starts, ends, err := e.listOffsets(ctx, adm, topic)
	if err != nil {
		return err
	}
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	from, err := pos.resolve(rctx, adm, topic, starts, ends)
	if err != nil {
		return err
	}
	if f.group != "" {
		committed, err := adm.FetchOffsetsForTopics(rctx, f.group, topic)
		if errors.Is(err, kerr.GroupIDNotFound) {
			err = nil // a new group: no commits yet (some brokers say so with this code)
		}
		if err != nil {
			return explain("group "+f.group+": fetch committed offsets", err)
		}
		for p := range from {
			if c, ok := committed.Lookup(topic, p); ok && c.Err == nil && c.At >= 0 {
				from[p] = c.At
			}
		}
	}
	// pending: the partitions with records between the start position and
	// the end offset seen now; without --follow we stop when they are read.
	pending := map[int32]int64{}
	for _, p := range parts {
		en, _ := ends.Lookup(topic, p)
		if from[p] < en.Offset {
			pending[p] = en.Offset
		}
	}
	if !f.follow && len(pending) == 0 {
		fmt.Fprintf(e.stderr, "no records to read in %s from %s; --follow waits for new ones\n", topic, f.from)
		return nil
	}

	opts := []kgo.Opt{kgo.FetchMaxWait(500 * time.Millisecond)}
	if f.group == "" {
		offs := map[int32]kgo.Offset{}
		for _, p := range parts {
			offs[p] = kgo.NewOffset().At(from[p])
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offs}))
	} else {
		opts = append(opts, kgo.ConsumerGroup(f.group), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(pos.kgoOffset()), kgo.AutoCommitMarks())
	}
	cl, err := e.client(ctx, opts...)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	n, err := consumeLoop(ctx, e, cl, f, format, pending, w)
	w.Flush()
	if f.group != "" {
		cctx, ccancel := e.rctx(context.WithoutCancel(ctx))
		if cerr := cl.CommitMarkedOffsets(cctx); cerr != nil && err == nil {
			err = explain("group "+f.group+": commit offsets", cerr)
		}
		ccancel()
	}
	cl.Close()
	fmt.Fprintf(e.stderr, "consumed %d records\n", n)
	return err
}

// consumeLoop prints records until the pending partitions are read (or
// forever with follow), count is reached or ctx ends.
func consumeLoop(ctx context.Context, e *env, cl *kgo.Client, f consumeFlags, format string, pending map[int32]int64, w *bufio.Writer) (int, error) {
	n := 0
	lastProgress := time.Now()
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollRecords(pctx, 1000)
		cancel()
		if ctx.Err() != nil {
			return n, nil // interrupted: not an error for a console consumer
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && ferr == nil {
				ferr = explain(fmt.Sprintf("fetch %s/%d", t, p), err)
			}
		})
		if ferr != nil {
			return n, ferr
		}
		got := false
		for _, r := range fs.Records() {
			end, isPending := pending[r.Partition]
			if !f.follow && (!isPending || r.Offset >= end) {
				continue // past the end seen at start
			}
			got = true
			if err := printRecord(w, r, format, f.keySep); err != nil {
				return n, err
			}
			if f.group != "" {
				cl.MarkCommitRecords(r)
			}
			n++
			if !f.follow && r.Offset >= end-1 {
				delete(pending, r.Partition)
			}
			if f.count > 0 && n >= f.count {
				return n, nil
			}
		}
		if got {
			lastProgress = time.Now()
			if f.follow {
				w.Flush()
			}
		}
		if !f.follow && len(pending) == 0 {
			return n, nil
		}
		// In a group, other members may own the partitions we wait for.
		if !f.follow && f.group != "" && time.Since(lastProgress) > e.timeout {
			fmt.Fprintf(e.stderr, "no records for %v; other members of group %s may own the remaining partitions\n", e.timeout, f.group)
			return n, nil
		}
	}
}

// jsonOut is one record in JSON output.
type jsonOut struct {
	Topic     string       `json:"topic"`
	Partition int32        `json:"partition"`
	Offset    int64        `json:"offset"`
	Timestamp int64        `json:"timestamp"`
	Key       *string      `json:"key"`
	KeyB64    string       `json:"key_b64,omitempty"`
	Value     string       `json:"value"`
	ValueB64  string       `json:"value_b64,omitempty"`
	Headers   []jsonHeader `json:"headers"`
}

func printRecord(w io.Writer, r *kgo.Record, format, keySep string) error {
	var err error
	switch format {
	case "value":
		_, err = fmt.Fprintf(w, "%s\n", r.Value)
	case "kv":
		_, err = fmt.Fprintf(w, "%s%s%s\n", r.Key, keySep, r.Value)
	case "json":
		o := jsonOut{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli(), Headers: []jsonHeader{}}
		if r.Key != nil {
			if s, ok := textOrBase64(r.Key); ok {
				o.Key = &s
			} else {
				o.KeyB64 = base64.StdEncoding.EncodeToString(r.Key)
			}
		}
		if s, ok := textOrBase64(r.Value); ok {
			o.Value = s
		} else {
			o.ValueB64 = base64.StdEncoding.EncodeToString(r.Value)
		}
		for _, h := range r.Headers {
			o.Headers = append(o.Headers, jsonHeader{h.Key, string(h.Value)})
		}
		var b []byte
		if b, err = json.Marshal(o); err == nil {
			b = append(b, '\n')
			_, err = w.Write(b)
		}
	}
	return err
}

// listedOffsetsOf is a helper for tests and group verbs: the offset of p.
func listedOffsetsOf(lo kadm.ListedOffsets, topic string, p int32) int64 {
	o, _ := lo.Lookup(topic, p)
	return o.Offset
}

package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func topicCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "topic",
		Short: "Create, list, describe, delete and alter topics",
	}
	c.AddCommand(topicCreateCmd(e), topicListCmd(e), topicDescribeCmd(e), topicDeleteCmd(e),
		topicAlterConfigCmd(e), topicAddPartitionsCmd(e))
	return c
}

// parseConfigs turns repeated key=value flags into a config map; a value may
// be empty but the '=' is required.
func parseConfigs(flag string, kvs []string) (map[string]*string, error) {
	out := map[string]*string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErrorf("--%s %q: want key=value", flag, kv)
		}
		if _, dup := out[k]; dup {
			return nil, usageErrorf("--%s: %s given twice", flag, k)
		}
		out[k] = &v
	}
	return out, nil
}

func topicCreateCmd(e *env) *cobra.Command {
	var partitions int32
	var rf int16
	var configs []string
	var ifNotExists bool
	c := &cobra.Command{
		Use:     "create TOPIC...",
		Short:   "Create topics (all or none: every topic is validated before any is created)",
		Example: `  samsa topic create orders -p 6 -c retention.ms=86400000 -c cleanup.policy=compact`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, topics []string) error {
			if partitions < 1 && partitions != -1 {
				return usageErrorf("--partitions %d: want 1 or more (or -1 for the broker default)", partitions)
			}
			cfg, err := parseConfigs("config", configs)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			// Validate all first: a bad config or name on one topic must
			// leave the cluster untouched.
			val, err := adm.ValidateCreateTopics(rctx, partitions, rf, cfg, topics...)
			if err != nil {
				return explain("create topics", err)
			}
			var create []string
			for _, t := range topics {
				r := val[t]
				switch {
				case r.Err == nil:
					create = append(create, t)
				case ifNotExists && errors.Is(r.Err, kerr.TopicAlreadyExists):
				default:
					return explain("topic "+t+": nothing created", withMessage(r.Err, r.ErrMessage))
				}
			}
			res := kadm.CreateTopicResponses{}
			if len(create) > 0 {
				res, err = adm.CreateTopics(rctx, partitions, rf, cfg, create...)
				if err != nil {
					return explain("create topics", err)
				}
			}
			type created struct {
				Topic      string `json:"topic"`
				Partitions int32  `json:"partitions"`
				RF         int16  `json:"replication_factor"`
				Status     string `json:"status"`
			}
			var out []created
			var firstErr error
			for _, t := range topics {
				r, ok := res[t]
				switch {
				case !ok:
					out = append(out, created{t, 0, 0, "exists"})
				case r.Err != nil:
					out = append(out, created{t, 0, 0, "error: " + r.Err.Error()})
					if firstErr == nil {
						firstErr = explain("topic "+t, r.Err)
					}
				default:
					out = append(out, created{t, r.NumPartitions, r.ReplicationFactor, "created"})
				}
			}
			if e.json() {
				if err := e.printJSON(out); err != nil {
					return err
				}
			} else {
				tb := newTable(e.stdout, "TOPIC", "PARTITIONS", "REPLICATION", "STATUS")
				for _, o := range out {
					tb.row(o.Topic, o.Partitions, o.RF, o.Status)
				}
				tb.flush()
			}
			return firstErr
		},
	}
	c.Flags().Int32VarP(&partitions, "partitions", "p", 1, "number of partitions (-1: the broker's num.partitions)")
	c.Flags().Int16VarP(&rf, "replication-factor", "r", -1, "replicas per partition (-1: the broker's default.replication.factor)")
	c.Flags().StringArrayVarP(&configs, "config", "c", nil, "topic config key=value (repeatable)")
	c.Flags().BoolVar(&ifNotExists, "if-not-exists", false, "succeed if a topic already exists")
	return c
}

func topicListCmd(e *env) *cobra.Command {
	var internal bool
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List topics with their partition and replica counts",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			var td kadm.TopicDetails
			if internal {
				td, err = adm.ListTopicsWithInternal(rctx)
			} else {
				td, err = adm.ListTopics(rctx)
			}
			if err != nil {
				return explain("list topics", err)
			}
			type row struct {
				Topic      string `json:"topic"`
				Partitions int    `json:"partitions"`
				RF         int    `json:"replication_factor"`
				Internal   bool   `json:"internal"`
			}
			rows := []row{}
			for _, t := range td.Sorted() {
				rows = append(rows, row{t.Topic, len(t.Partitions), t.Partitions.NumReplicas(), t.IsInternal})
			}
			if e.json() {
				return e.printJSON(rows)
			}
			tb := newTable(e.stdout, "TOPIC", "PARTITIONS", "REPLICATION")
			for _, r := range rows {
				tb.row(r.Topic, r.Partitions, r.RF)
			}
			return tb.flush()
		},
	}
	c.Flags().BoolVar(&internal, "internal", false, "include internal topics (__consumer_offsets, ...)")
	return c
}

// requireTopics returns the details of topics and fails, naming the first
// missing one, if any does not exist.
func requireTopics(ctx context.Context, e *env, adm *kadm.Client, topics ...string) (kadm.TopicDetails, error) {
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	td, err := adm.ListTopicsWithInternal(rctx, topics...)
	if err != nil {
		return nil, explain("metadata", err)
	}
	for _, t := range topics {
		d, ok := td[t]
		if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("topic %q does not exist; list topics with 'samsa topic list' or create it with 'samsa topic create %s'", t, t)
		}
		if d.Err != nil {
			return nil, explain("topic "+t, d.Err)
		}
	}
	return td, nil
}

func topicDescribeCmd(e *env) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:               "describe TOPIC...",
		Short:             "Show partitions (leader, replicas, ISR, offsets) and configs of topics",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, topics []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			td, err := requireTopics(ctx, e, adm, topics...)
			if err != nil {
				return err
			}
			starts, ends, err := e.listOffsets(ctx, adm, topics...)
			if err != nil {
				return err
			}
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			rcs, err := adm.DescribeTopicConfigs(rctx, topics...)
			if err != nil {
				return explain("describe configs", err)
			}
			type part struct {
				Partition   int32   `json:"partition"`
				Leader      int32   `json:"leader"`
				Replicas    []int32 `json:"replicas"`
				ISR         []int32 `json:"isr"`
				StartOffset int64   `json:"start_offset"`
				EndOffset   int64   `json:"end_offset"`
			}
			type desc struct {
				Topic      string            `json:"topic"`
				ID         string            `json:"id"`
				Partitions []part            `json:"partitions"`
				Configs    map[string]string `json:"configs"`
			}
			var out []desc
			for _, t := range topics {
				// Kafka prints a Uuid as URL-safe base64 without padding.
				id := td[t].ID
				d := desc{Topic: t, ID: base64.RawURLEncoding.EncodeToString(id[:]), Configs: map[string]string{}}
				for _, p := range td[t].Partitions.Sorted() {
					s, _ := starts.Lookup(t, p.Partition)
					en, _ := ends.Lookup(t, p.Partition)
					d.Partitions = append(d.Partitions, part{p.Partition, p.Leader, p.Replicas, p.ISR, s.Offset, en.Offset})
				}
				if rc, err := rcs.On(t, nil); err == nil && rc.Err == nil {
					for _, c := range rc.Configs {
						if all || c.Source == 1 /* DYNAMIC_TOPIC_CONFIG */ {
							d.Configs[c.Key] = c.MaybeValue()
						}
					}
				}
				out = append(out, d)
			}
			if e.json() {
				return e.printJSON(out)
			}
			for i, d := range out {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprintf(e.stdout, "Topic: %s  ID: %s  Partitions: %d\n", d.Topic, d.ID, len(d.Partitions))
				tb := newTable(e.stdout, "PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END")
				for _, p := range d.Partitions {
					tb.row(p.Partition, p.Leader, ints(p.Replicas), ints(p.ISR), p.StartOffset, p.EndOffset)
				}
				tb.flush()
				keys := make([]string, 0, len(d.Configs))
				for k := range d.Configs {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				if len(keys) == 0 {
					fmt.Fprintln(e.stdout, "Configs: (all defaults)")
					continue
				}
				fmt.Fprintln(e.stdout, "Configs:")
				for _, k := range keys {
					fmt.Fprintf(e.stdout, "  %s=%s\n", k, d.Configs[k])
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all-configs", false, "show every config, not only the topic's overrides")
	return c
}

func ints(v []int32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func topicDeleteCmd(e *env) *cobra.Command {
	var ifExists bool
	c := &cobra.Command{
		Use:               "delete TOPIC...",
		Short:             "Delete topics (all or none: if one does not exist, none is deleted)",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, topics []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			if ifExists {
				rctx, cancel := e.rctx(ctx)
				td, err := adm.ListTopics(rctx, topics...)
				cancel()
				if err != nil {
					return explain("metadata", err)
				}
				var present []string
				for _, t := range topics {
					if d, ok := td[t]; ok && d.Err == nil {
						present = append(present, t)
					}
				}
				topics = present
			} else if _, err := requireTopics(ctx, e, adm, topics...); err != nil {
				return err
			}
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			res := kadm.DeleteTopicResponses{}
			if len(topics) > 0 {
				if res, err = adm.DeleteTopics(rctx, topics...); err != nil {
					return explain("delete topics", err)
				}
			}
			return e.printDeleted("topic", topics, func(t string) error { return res[t].Err })
		},
	}
	c.Flags().BoolVar(&ifExists, "if-exists", false, "skip topics that do not exist")
	return c
}

func topicAlterConfigCmd(e *env) *cobra.Command {
	var set, del []string
	c := &cobra.Command{
		Use:               "alter-config TOPIC... --set key=value [--delete key]",
		Short:             "Set or remove topic config overrides (validated first; all or none)",
		Example:           `  samsa topic alter-config orders --set retention.ms=3600000 --delete cleanup.policy`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, topics []string) error {
			return e.alterConfigs(cmd.Context(), kmsg.ConfigResourceTypeTopic, topics, set, del)
		},
	}
	c.Flags().StringArrayVarP(&set, "set", "s", nil, "config key=value to set (repeatable)")
	c.Flags().StringArrayVarP(&del, "delete", "d", nil, "config key to remove, back to the default (repeatable)")
	return c
}

func topicAddPartitionsCmd(e *env) *cobra.Command {
	var total int
	c := &cobra.Command{
		Use:               "add-partitions TOPIC... --total N",
		Short:             "Grow topics to N partitions in total (validated first; all or none)",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, topics []string) error {
			if total < 1 {
				return usageErrorf("--total is required: the partition count after the change")
			}
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			td, err := requireTopics(ctx, e, adm, topics...)
			if err != nil {
				return err
			}
			for _, t := range topics {
				if n := len(td[t].Partitions); total <= n {
					return fmt.Errorf("topic %s already has %d partitions, --total %d would not add any; nothing changed (partitions can only be added)", t, n, total)
				}
			}
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			val, err := adm.ValidateUpdatePartitions(rctx, total, topics...)
			if err != nil {
				return explain("add partitions", err)
			}
			for _, t := range topics {
				if r := val[t]; r.Err != nil {
					return explain("topic "+t+": nothing changed", withMessage(r.Err, r.ErrMessage))
				}
			}
			res, err := adm.UpdatePartitions(rctx, total, topics...)
			if err != nil {
				return explain("add partitions", err)
			}
			type row struct {
				Topic      string `json:"topic"`
				Partitions int    `json:"partitions"`
				Status     string `json:"status"`
			}
			var rows []row
			var firstErr error
			for _, t := range topics {
				st := "updated"
				if r := res[t]; r.Err != nil {
					st = "error: " + r.Err.Error()
					if firstErr == nil {
						firstErr = explain("topic "+t, r.Err)
					}
				}
				rows = append(rows, row{t, total, st})
			}
			if e.json() {
				if err := e.printJSON(rows); err != nil {
					return err
				}
			} else {
				tb := newTable(e.stdout, "TOPIC", "PARTITIONS", "STATUS")
				for _, r := range rows {
					tb.row(r.Topic, r.Partitions, r.Status)
				}
				tb.flush()
			}
			return firstErr
		},
	}
	c.Flags().IntVarP(&total, "total", "n", 0, "partition count after the change")
	return c
}

// completeTopics offers topic names for shell completion (best effort: a
// broker that does not answer within --timeout completes nothing).
func (e *env) completeTopics(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	adm, cl, err := e.admin(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cl.Close()
	rctx, cancel := e.rctx(cmd.Context())
	defer cancel()
	td, err := adm.ListTopics(rctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return td.Names(), cobra.ShellCompDirectiveNoFileComp
}

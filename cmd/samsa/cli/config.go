package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func configCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Read and change broker and topic configs",
	}
	c.AddCommand(configGetCmd(e), configSetCmd(e))
	return c
}

// resourceArgs parses `topic NAME...` or `broker [ID...]` (no id: the
// cluster-wide dynamic default).
func resourceArgs(args []string) (kmsg.ConfigResourceType, []string, error) {
	switch args[0] {
	case "topic", "topics":
		if len(args) < 2 {
			return 0, nil, usageErrorf("config: 'topic' needs a topic name")
		}
		return kmsg.ConfigResourceTypeTopic, args[1:], nil
	case "broker", "brokers":
		for _, id := range args[1:] {
			if _, err := strconv.ParseInt(id, 10, 32); err != nil {
				return 0, nil, usageErrorf("config: broker id %q is not a number", id)
			}
		}
		return kmsg.ConfigResourceTypeBroker, args[1:], nil
	}
	return 0, nil, usageErrorf("config: resource %q: want topic or broker", args[0])
}

func brokerIDs(names []string) []int32 {
	var ids []int32
	for _, n := range names {
		id, _ := strconv.ParseInt(n, 10, 32)
		ids = append(ids, int32(id))
	}
	return ids
}

func configGetCmd(e *env) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "get topic NAME... | broker [ID...]",
		Short: "Show configs of topics or brokers (overrides only, or --all)",
		Example: `  samsa config get topic orders
  samsa config get broker 1 --all`,
		Args: cobra.MinimumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"topic", "broker"}, cobra.ShellCompDirectiveNoFileComp
			}
			if args[0] == "topic" {
				return e.completeTopics(cmd, args, s)
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, names, err := resourceArgs(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			if kind == kmsg.ConfigResourceTypeTopic {
				if _, err := requireTopics(ctx, e, adm, names...); err != nil {
					return err
				}
			}
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			var rcs kadm.ResourceConfigs
			if kind == kmsg.ConfigResourceTypeTopic {
				rcs, err = adm.DescribeTopicConfigs(rctx, names...)
			} else {
				rcs, err = adm.DescribeBrokerConfigs(rctx, brokerIDs(names)...)
			}
			if err != nil {
				return explain("describe configs", err)
			}
			type entry struct {
				Resource  string `json:"resource"`
				Key       string `json:"key"`
				Value     string `json:"value"`
				Source    string `json:"source"`
				Sensitive bool   `json:"sensitive,omitempty"`
			}
			entries := []entry{}
			for _, rc := range rcs {
				if rc.Err != nil {
					return explain("configs of "+displayName(kind, rc.Name), rc.Err)
				}
				for _, c := range rc.Configs {
					dynamic := c.Source == kmsg.ConfigSourceDynamicTopicConfig ||
						c.Source == kmsg.ConfigSourceDynamicBrokerConfig ||
						c.Source == kmsg.ConfigSourceDynamicDefaultBrokerConfig
					if !all && !dynamic {
						continue
					}
					v := c.MaybeValue()
					if c.Sensitive {
						v = "(sensitive)"
					}
					entries = append(entries, entry{displayName(kind, rc.Name), c.Key, v, sourceName(c.Source), c.Sensitive})
				}
			}
			sort.SliceStable(entries, func(i, j int) bool {
				if entries[i].Resource != entries[j].Resource {
					return entries[i].Resource < entries[j].Resource
				}
				return entries[i].Key < entries[j].Key
			})
			if e.json() {
				return e.printJSON(entries)
			}
			if len(entries) == 0 {
				fmt.Fprintln(e.stderr, "no overrides; --all shows every value")
				return nil
			}
			tb := newTable(e.stdout, "RESOURCE", "KEY", "VALUE", "SOURCE")
			for _, en := range entries {
				tb.row(en.Resource, en.Key, en.Value, en.Source)
			}
			return tb.flush()
		},
	}
	c.Flags().BoolVar(&all, "all", false, "include defaults and static values, not only dynamic overrides")
	return c
}

func displayName(kind kmsg.ConfigResourceType, name string) string {
	if kind == kmsg.ConfigResourceTypeTopic {
		return "topic:" + name
	}
	if name == "" {
		return "broker:default"
	}
	return "broker:" + name
}

func sourceName(s kmsg.ConfigSource) string {
	switch s {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return "topic"
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return "dynamic-broker"
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return "dynamic-default"
	case kmsg.ConfigSourceStaticBrokerConfig:
		return "static"
	case kmsg.ConfigSourceDefaultConfig:
		return "default"
	}
	return s.String()
}

func configSetCmd(e *env) *cobra.Command {
	var del []string
	c := &cobra.Command{
		Use:   "set topic NAME... | broker [ID...]  key=value... [--delete key]",
		Short: "Set or remove dynamic configs (validated first; all or none)",
		Example: `  samsa config set topic orders retention.ms=3600000 segment.bytes=1048576
  samsa config set broker 1 log.retention.ms=604800000
  samsa config set topic orders --delete retention.ms`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Names come first, then key=value pairs.
			var names, kvs []string
			for i, a := range args {
				if i > 0 && containsEq(a) {
					kvs = append(kvs, a)
				} else if len(kvs) > 0 {
					return usageErrorf("config set: %q after key=value pairs; names go first", a)
				} else {
					names = append(names, a)
				}
			}
			kind, names, err := resourceArgs(names)
			if err != nil {
				return err
			}
			return e.alterConfigs(cmd.Context(), kind, names, kvs, del)
		},
	}
	c.Flags().StringArrayVarP(&del, "delete", "d", nil, "config key to remove, back to the default (repeatable)")
	return c
}

func containsEq(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return true
		}
	}
	return false
}

// alterConfigs applies incremental SET and DELETE operations to topics or
// brokers. It validates every resource first (ValidateOnly), so one bad key
// or value changes nothing anywhere.
func (e *env) alterConfigs(ctx context.Context, kind kmsg.ConfigResourceType, names, set, del []string) error {
	sets, err := parseConfigs("set", set)
	if err != nil {
		return err
	}
	if len(sets) == 0 && len(del) == 0 {
		return usageErrorf("nothing to change: give key=value to set or --delete key")
	}
	var ops []kadm.AlterConfig
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ops = append(ops, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: sets[k]})
	}
	for _, k := range del {
		if _, dup := sets[k]; dup {
			return usageErrorf("%s is both set and deleted", k)
		}
		ops = append(ops, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	adm, cl, err := e.admin(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	topic := kind == kmsg.ConfigResourceTypeTopic
	if topic {
		if _, err := requireTopics(ctx, e, adm, names...); err != nil {
			return err
		}
	}
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	run := func(validate bool) (kadm.AlterConfigsResponses, error) {
		switch {
		case topic && validate:
			return adm.ValidateAlterTopicConfigs(rctx, ops, names...)
		case topic:
			return adm.AlterTopicConfigs(rctx, ops, names...)
		case validate:
			return adm.ValidateAlterBrokerConfigs(rctx, ops, brokerIDs(names)...)
		default:
			return adm.AlterBrokerConfigs(rctx, ops, brokerIDs(names)...)
		}
	}
	check := func(res kadm.AlterConfigsResponses, err error, what string) error {
		if err != nil {
			return explain("alter configs", err)
		}
		for _, r := range res {
			if r.Err != nil {
				msg := r.ErrMessage
				if msg == "" {
					msg = r.Err.Error()
				}
				return fmt.Errorf("%s: %s%s; see 'samsa config get' for the current values", displayName(kind, r.Name), msg, what)
			}
		}
		return nil
	}
	vres, verr := run(true)
	if err := check(vres, verr, " (nothing changed)"); err != nil {
		return err
	}
	res, err := run(false)
	if err := check(res, err, ""); err != nil {
		return err
	}
	type row struct {
		Resource string `json:"resource"`
		Set      int    `json:"set"`
		Deleted  int    `json:"deleted"`
	}
	var rows []row
	for _, r := range res {
		rows = append(rows, row{displayName(kind, r.Name), len(sets), len(del)})
	}
	if e.json() {
		return e.printJSON(rows)
	}
	tb := newTable(e.stdout, "RESOURCE", "SET", "DELETED")
	for _, r := range rows {
		tb.row(r.Resource, r.Set, r.Deleted)
	}
	return tb.flush()
}

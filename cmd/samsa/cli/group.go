package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

func groupCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "group",
		Short: "List, describe, reset and delete consumer groups",
	}
	c.AddCommand(groupListCmd(e), groupDescribeCmd(e), groupResetCmd(e), groupDeleteCmd(e))
	return c
}

func groupListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List consumer groups with their state",
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
			gs, err := adm.ListGroups(rctx)
			if err != nil {
				return explain("list groups", err)
			}
			type row struct {
				Group        string `json:"group"`
				State        string `json:"state"`
				ProtocolType string `json:"protocol_type"`
				Coordinator  int32  `json:"coordinator"`
			}
			rows := []row{}
			for _, g := range gs.Sorted() {
				rows = append(rows, row{g.Group, g.State, g.ProtocolType, g.Coordinator})
			}
			if e.json() {
				return e.printJSON(rows)
			}
			tb := newTable(e.stdout, "GROUP", "STATE", "TYPE", "COORDINATOR")
			for _, r := range rows {
				tb.row(r.Group, r.State, r.ProtocolType, r.Coordinator)
			}
			return tb.flush()
		},
	}
}

// completeGroups offers group names (best effort).
func (e *env) completeGroups(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	adm, cl, err := e.admin(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cl.Close()
	rctx, cancel := e.rctx(cmd.Context())
	defer cancel()
	gs, err := adm.ListGroups(rctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return gs.Groups(), cobra.ShellCompDirectiveNoFileComp
}

type memberOut struct {
	MemberID   string   `json:"member_id"`
	InstanceID string   `json:"instance_id,omitempty"`
	ClientID   string   `json:"client_id"`
	Host       string   `json:"host"`
	Assigned   []string `json:"assigned"` // topic/partition
}

type lagOut struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed int64  `json:"committed"` // -1: none
	End       int64  `json:"end"`
	Lag       int64  `json:"lag"`
	Member    string `json:"member,omitempty"`
}

type groupOut struct {
	Group        string      `json:"group"`
	State        string      `json:"state"`
	ProtocolType string      `json:"protocol_type"`
	Protocol     string      `json:"protocol"`
	Coordinator  int32       `json:"coordinator"`
	Members      []memberOut `json:"members"`
	Partitions   []lagOut    `json:"partitions"`
	TotalLag     int64       `json:"total_lag"`
}

func groupDescribeCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:               "describe GROUP...",
		Short:             "Show a group's state, members, assignments and lag per partition",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			lags, err := adm.Lag(rctx, groups...)
			if err != nil {
				return explain("describe groups", err)
			}
			var out []groupOut
			for _, g := range groups {
				l, ok := lags[g]
				if !ok {
					return fmt.Errorf("group %q: no answer from its coordinator; list groups with 'samsa group list'", g)
				}
				err := l.Error()
				if errors.Is(err, kerr.GroupIDNotFound) || (err == nil && l.State == "Dead") {
					return fmt.Errorf("group %q does not exist; list groups with 'samsa group list'", g)
				}
				if err != nil {
					return explain("group "+g, err)
				}
				out = append(out, describeGroupLag(l))
			}
			if e.json() {
				return e.printJSON(out)
			}
			for i, g := range out {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprintf(e.stdout, "Group: %s  State: %s  Protocol: %s/%s  Coordinator: %d  Total lag: %d\n",
					g.Group, g.State, g.ProtocolType, g.Protocol, g.Coordinator, g.TotalLag)
				if len(g.Members) > 0 {
					tb := newTable(e.stdout, "MEMBER", "CLIENT-ID", "HOST", "ASSIGNED")
					for _, m := range g.Members {
						tb.row(m.MemberID, m.ClientID, m.Host, strings.Join(m.Assigned, ","))
					}
					tb.flush()
				} else {
					fmt.Fprintln(e.stdout, "No active members.")
				}
				tb := newTable(e.stdout, "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER")
				for _, p := range g.Partitions {
					committed := fmt.Sprint(p.Committed)
					if p.Committed < 0 {
						committed = "-"
					}
					member := p.Member
					if member == "" {
						member = "-"
					}
					tb.row(p.Topic, p.Partition, committed, p.End, p.Lag, member)
				}
				tb.flush()
			}
			return nil
		},
	}
}

func describeGroupLag(l kadm.DescribedGroupLag) groupOut {
	g := groupOut{Group: l.Group, State: l.State, ProtocolType: l.ProtocolType, Protocol: l.Protocol,
		Coordinator: l.Coordinator.NodeID, Members: []memberOut{}, Partitions: []lagOut{}}
	for _, m := range l.Members {
		mo := memberOut{MemberID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Assigned: []string{}}
		if m.InstanceID != nil {
			mo.InstanceID = *m.InstanceID
		}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				for _, p := range t.Partitions {
					mo.Assigned = append(mo.Assigned, fmt.Sprintf("%s/%d", t.Topic, p))
				}
			}
		}
		g.Members = append(g.Members, mo)
	}
	for _, p := range l.Lag.Sorted() {
		lo := lagOut{Topic: p.Topic, Partition: p.Partition, Committed: p.Commit.At, End: p.End.Offset, Lag: p.Lag}
		if p.Member != nil {
			lo.Member = p.Member.MemberID
		}
		if p.Lag > 0 {
			g.TotalLag += p.Lag
		}
		g.Partitions = append(g.Partitions, lo)
	}
	return g
}

func groupResetCmd(e *env) *cobra.Command {
	var topics []string
	var to string
	var dryRun bool
	c := &cobra.Command{
		Use:   "reset-offsets GROUP --to POSITION [--topic T...] [--dry-run]",
		Short: "Move a group's committed offsets (the group must have no active members)",
		Long: `reset-offsets commits new offsets for GROUP on every partition of the given
topics (default: the topics the group has committed offsets for).

--to is ` + positionHelp + `; offsets are clamped to each partition's
[log start, end]. --dry-run prints the plan and changes nothing.`,
		Example: `  samsa group reset-offsets billing --to earliest --topic orders --dry-run
  samsa group reset-offsets billing --to 2026-11-21T09:00:00Z`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			group := args[0]
			if to == "" {
				return usageErrorf("--to is required: %s", positionHelp)
			}
			pos, err := parsePosition("--to", to, time.Now())
			if err != nil {
				return err
			}
			return e.resetOffsets(cmd.Context(), group, topics, pos, dryRun)
		},
	}
	c.Flags().StringArrayVarP(&topics, "topic", "t", nil, "topic to reset (repeatable; default: every topic the group has offsets for)")
	c.Flags().StringVar(&to, "to", "", "new position: "+positionHelp)
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the new offsets without committing them")
	c.RegisterFlagCompletionFunc("to", fixedCompletion("earliest", "latest"))
	return c
}

type resetRow struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Old       int64  `json:"old"` // -1: no commit
	New       int64  `json:"new"`
}

func (e *env) resetOffsets(ctx context.Context, group string, topics []string, pos position, dryRun bool) error {
	adm, cl, err := e.admin(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	dg, err := adm.DescribeGroups(rctx, group)
	if err != nil {
		return explain("describe group "+group, err)
	}
	if d, ok := dg[group]; ok {
		if d.Err != nil && !errors.Is(d.Err, kerr.GroupIDNotFound) {
			return explain("group "+group, d.Err)
		}
		if len(d.Members) > 0 {
			return fmt.Errorf("group %s is %s with %d active members; stop its consumers first (they would overwrite the new offsets)", group, d.State, len(d.Members))
		}
	}
	committed, err := adm.FetchOffsets(rctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		committed, err = kadm.OffsetResponses{}, nil // no such group yet: resetting creates its offsets
	}
	if err != nil {
		return explain("group "+group+": fetch committed offsets", err)
	}
	if len(topics) == 0 {
		seen := map[string]bool{}
		committed.Each(func(o kadm.OffsetResponse) {
			if !seen[o.Topic] {
				seen[o.Topic] = true
				topics = append(topics, o.Topic)
			}
		})
		sort.Strings(topics)
		if len(topics) == 0 {
			return usageErrorf("group %s has no committed offsets; name the topics with --topic", group)
		}
	}
	if _, err := requireTopics(ctx, e, adm, topics...); err != nil {
		return err
	}
	starts, ends, err := e.listOffsets(ctx, adm, topics...)
	if err != nil {
		return err
	}
	plan := kadm.Offsets{}
	var rows []resetRow
	for _, t := range topics {
		to, err := pos.resolve(rctx, adm, t, starts, ends)
		if err != nil {
			return err
		}
		parts := make([]int32, 0, len(to))
		for p := range to {
			parts = append(parts, p)
		}
		sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
		for _, p := range parts {
			old := int64(-1)
			if c, ok := committed.Lookup(t, p); ok && c.Err == nil {
				old = c.At
			}
			rows = append(rows, resetRow{t, p, old, to[p]})
			plan.Add(kadm.Offset{Topic: t, Partition: p, At: to[p], LeaderEpoch: -1})
		}
	}
	if !dryRun {
		res, err := adm.CommitOffsets(rctx, group, plan)
		if err != nil {
			return explain("group "+group+": commit offsets", err)
		}
		if err := res.Error(); err != nil {
			return explain("group "+group+": commit offsets", err)
		}
	}
	if e.json() {
		return e.printJSON(struct {
			Group   string     `json:"group"`
			DryRun  bool       `json:"dry_run"`
			Offsets []resetRow `json:"offsets"`
		}{group, dryRun, rows})
	}
	tb := newTable(e.stdout, "TOPIC", "PARTITION", "OLD", "NEW")
	for _, r := range rows {
		old := fmt.Sprint(r.Old)
		if r.Old < 0 {
			old = "-"
		}
		tb.row(r.Topic, r.Partition, old, r.New)
	}
	tb.flush()
	if dryRun {
		fmt.Fprintln(e.stderr, "dry run: nothing committed")
	}
	return nil
}

func groupDeleteCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:               "delete GROUP...",
		Short:             "Delete consumer groups and their offsets (all or none: each must exist and be empty)",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: e.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			dg, err := adm.DescribeGroups(rctx, groups...)
			if err != nil {
				return explain("describe groups", err)
			}
			for _, g := range groups {
				d, ok := dg[g]
				switch {
				case !ok || errors.Is(d.Err, kerr.GroupIDNotFound) || d.State == "Dead":
					return fmt.Errorf("group %q does not exist; nothing deleted; list groups with 'samsa group list'", g)
				case d.Err != nil:
					return explain("group "+g, d.Err)
				case len(d.Members) > 0:
					return fmt.Errorf("group %s has %d active members; nothing deleted; stop its consumers first", g, len(d.Members))
				}
			}
			res, err := adm.DeleteGroups(rctx, groups...)
			if err != nil {
				return explain("delete groups", err)
			}
			return e.printDeleted("group", groups, func(g string) error { return res[g].Err })
		},
	}
}

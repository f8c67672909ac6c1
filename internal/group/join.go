package group

import (
	"crypto/rand"
	"fmt"
	"time"
)

// newMemberID is Kafka's format: the client id, a dash, a random UUID.
func newMemberID(clientID string) string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%s-%x-%x-%x-%x-%x", clientID, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// join serves JoinGroup (Kafka's GroupCoordinator.handleJoinGroup): reply
// is called once, when the join phase ends for this member or at once on
// an error.
func (s *shardState) join(req JoinRequest, reply func(JoinResult)) {
	fail := func(memberID string, err error) {
		s.respond(func(error) { reply(JoinResult{MemberID: memberID, Generation: -1, Err: err}) })
	}
	if req.Group == "" {
		fail(req.MemberID, ErrInvalidGroupID)
		return
	}
	if req.SessionTimeout < s.opts.MinSessionTimeout || req.SessionTimeout > s.opts.MaxSessionTimeout {
		fail(req.MemberID, fmt.Errorf("%w: %v is outside [%v, %v]", ErrInvalidSessionTimeout, req.SessionTimeout, s.opts.MinSessionTimeout, s.opts.MaxSessionTimeout))
		return
	}
	if req.RebalanceTimeout <= 0 {
		req.RebalanceTimeout = req.SessionTimeout
	}
	g := s.groups[req.Group]
	if g == nil && req.MemberID != "" {
		fail(req.MemberID, ErrUnknownMemberID)
		return
	}
	if g == nil {
		g = s.getOrCreate(req.Group)
	}
	if g.state == Dead {
		fail(req.MemberID, ErrCoordinatorNotAvailable)
		return
	}
	if !g.supports(req.ProtocolType, req.Protocols) {
		fail(req.MemberID, fmt.Errorf("%w: protocol type %q with %d protocols does not match the group's %q", ErrInconsistentProtocol, req.ProtocolType, len(req.Protocols), g.protocolType))
		if len(g.members) == 0 && len(g.offsets) == 0 && g.persisted == nil && len(g.pending) == 0 {
			s.removeGroup(g)
		}
		return
	}
	known := req.MemberID != "" && (g.members[req.MemberID] != nil || g.pending[req.MemberID])
	if !known && len(g.members)+len(g.pending) >= s.opts.MaxSize {
		fail(req.MemberID, fmt.Errorf("%w: %d members", ErrGroupMaxSizeReached, s.opts.MaxSize))
		return
	}
	if req.MemberID == "" {
		s.joinNew(g, req, reply)
		return
	}
	s.joinKnown(g, req, reply, fail)
}

// joinNew admits a member without an id.
func (s *shardState) joinNew(g *group, req JoinRequest, reply func(JoinResult)) {
	if req.InstanceID != nil {
		if old, ok := g.static[*req.InstanceID]; ok {
			s.replaceStatic(g, old, req, reply)
			return
		}
		s.addAndRebalance(g, s.newMember(newMemberID(req.ClientID), req), req.ProtocolType, reply)
		return
	}
	id := newMemberID(req.ClientID)
	if req.RequireKnownMemberID {
		// KIP-394: remember the id; the member must come back with it
		// within its session timeout.
		g.pending[id] = true
		s.env.Schedule(pendingTimerKey(g, id), req.SessionTimeout, func() {
			if g.pending[id] {
				delete(g.pending, id)
				s.afterMembershipChange(g)
			}
		})
		s.respond(func(error) { reply(JoinResult{MemberID: id, Generation: -1, Err: ErrMemberIDRequired}) })
		return
	}
	s.addAndRebalance(g, s.newMember(id, req), req.ProtocolType, reply)
}

// joinKnown handles a member rejoining with its id.
func (s *shardState) joinKnown(g *group, req JoinRequest, reply func(JoinResult), fail func(string, error)) {
	if g.pending[req.MemberID] {
		s.env.Cancel(pendingTimerKey(g, req.MemberID))
		s.addAndRebalance(g, s.newMember(req.MemberID, req), req.ProtocolType, reply)
		return
	}
	if g.fenced(req.InstanceID, req.MemberID) {
		fail(req.MemberID, ErrFencedInstanceID)
		return
	}
	m := g.members[req.MemberID]
	if m == nil {
		fail(req.MemberID, ErrUnknownMemberID)
		return
	}
	switch g.state {
	case PreparingRebalance:
		s.updateAndRebalance(g, m, req, reply)
	case CompletingRebalance:
		if m.matches(req.Protocols) {
			// A retried join (the response was lost): answer again.
			s.scheduleSession(g, m)
			s.respond(func(error) { reply(s.joinResult(g, m.id, m.id == g.leader)) })
			return
		}
		s.updateAndRebalance(g, m, req, reply)
	case Stable:
		if m.id == g.leader || !m.matches(req.Protocols) {
			// The leader rejoining means it wants to reassign.
			s.updateAndRebalance(g, m, req, reply)
			return
		}
		s.scheduleSession(g, m)
		s.respond(func(error) { reply(s.joinResult(g, m.id, false)) })
	default:
		fail(req.MemberID, ErrUnknownMemberID)
	}
}

func (s *shardState) newMember(id string, req JoinRequest) *member {
	return &member{id: id, instanceID: req.InstanceID, clientID: req.ClientID, clientHost: req.ClientHost,
		sessionTimeout: req.SessionTimeout, rebalanceTimeout: req.RebalanceTimeout, protocols: req.Protocols}
}

func (s *shardState) addAndRebalance(g *group, m *member, protocolType string, reply func(JoinResult)) {
	m.joinReply = reply
	if len(g.members) == 0 {
		// The first member sets the group's protocol type (Kafka's
		// GroupMetadata.add).
		g.protocolType = protocolType
	}
	g.add(m)
	g.newMemberAdded = true
	s.scheduleSession(g, m)
	s.maybeRebalance(g)
}

func (s *shardState) updateAndRebalance(g *group, m *member, req JoinRequest, reply func(JoinResult)) {
	m.protocols = req.Protocols
	m.sessionTimeout, m.rebalanceTimeout = req.SessionTimeout, req.RebalanceTimeout
	m.clientID, m.clientHost = req.ClientID, req.ClientHost
	if m.joinReply != nil {
		// A duplicate join while the first waits: the older one is answered
		// as superseded.
		old := m.joinReply
		s.respond(func(error) { old(JoinResult{MemberID: m.id, Generation: -1, Err: ErrUnknownMemberID}) })
	}
	m.joinReply = reply
	s.scheduleSession(g, m)
	s.maybeRebalance(g)
}

// replaceStatic gives a static member that rejoined without its id a new
// one and fences the old (KIP-345). A stable group with unchanged
// protocols does not rebalance: the member gets the current generation and
// keeps its assignment.
func (s *shardState) replaceStatic(g *group, oldID string, req JoinRequest, reply func(JoinResult)) {
	newID := newMemberID(req.ClientID)
	m := g.members[oldID]
	if m.joinReply != nil {
		old := m.joinReply
		s.respond(func(error) { old(JoinResult{MemberID: oldID, Generation: -1, Err: ErrFencedInstanceID}) })
		m.joinReply = nil
	}
	if m.syncReply != nil {
		old := m.syncReply
		s.respond(func(error) { old(SyncResult{Err: ErrFencedInstanceID}) })
		m.syncReply = nil
	}
	s.env.Cancel(sessionTimerKey(g, oldID))
	wasLeader := g.leader == oldID
	g.replace(oldID, newID)
	// KIP-345: a static member that comes back to a Stable group keeps its
	// assignment unless its new protocols would change the protocol the
	// group selects. New metadata alone does not rebalance: clients put
	// things like their last generation in it (franz-go does), so it
	// differs on every restart, and rebalancing then would defeat static
	// membership. Kafka decides the same way.
	keepsProtocol := false
	if g.state == Stable {
		old := m.protocols
		m.protocols = req.Protocols
		keepsProtocol = g.selectProtocol() == g.protocol
		if !keepsProtocol {
			m.protocols = old // updateAndRebalance takes the new ones
		}
	}
	switch {
	case keepsProtocol:
		m.sessionTimeout, m.rebalanceTimeout = req.SessionTimeout, req.RebalanceTimeout
		m.clientID, m.clientHost = req.ClientID, req.ClientHost
		s.scheduleSession(g, m)
		if err := s.persist(g); err != nil {
			s.respond(func(error) { reply(JoinResult{MemberID: newID, Generation: -1, Err: err}) })
			return
		}
		res := s.joinResult(g, newID, false)
		if wasLeader && req.SupportsSkipAssignment {
			// KIP-814: the new id leads, but must not reassign.
			res = s.joinResult(g, newID, true)
			res.SkipAssignment = true
		} else if wasLeader {
			// Older clients get the old leader id, so the rejoined
			// member does not think it leads and reassign a stable group.
			res.LeaderID = oldID
		}
		s.respond(func(error) { reply(res) })
	default:
		// Rebalancing, or new protocols: the member joins the (next)
		// rebalance under its new id.
		s.updateAndRebalance(g, m, req, reply)
	}
}

// joinResult is the join answer for memberID in g's current generation;
// the leader also gets every member's metadata.
func (s *shardState) joinResult(g *group, memberID string, withMembers bool) JoinResult {
	res := JoinResult{Generation: g.generation, ProtocolType: g.protocolType, Protocol: g.protocol, LeaderID: g.leader, MemberID: memberID}
	if withMembers {
		for _, id := range g.order {
			m := g.members[id]
			res.Members = append(res.Members, JoinMember{MemberID: m.id, InstanceID: m.instanceID, Metadata: m.metadataFor(g.protocol)})
		}
	}
	return res
}

// maybeRebalance starts a rebalance, or lets a running one complete.
func (s *shardState) maybeRebalance(g *group) {
	switch g.state {
	case Empty, Stable, CompletingRebalance:
		s.prepareRebalance(g)
	case PreparingRebalance:
		s.tryCompleteJoin(g)
	}
}

// afterMembershipChange follows a member or pending member leaving.
func (s *shardState) afterMembershipChange(g *group) {
	switch g.state {
	case Stable, CompletingRebalance:
		s.prepareRebalance(g)
	case PreparingRebalance:
		s.tryCompleteJoin(g)
	}
}

// prepareRebalance enters PreparingRebalance. A group that was Empty waits
// group.initial.rebalance.delay.ms for more members, extended by each
// new member up to the rebalance timeout (Kafka's InitialDelayedJoin);
// otherwise the join phase ends when every member has rejoined or at the
// rebalance timeout.
func (s *shardState) prepareRebalance(g *group) {
	if g.state == CompletingRebalance {
		s.failSyncs(g, ErrRebalanceInProgress)
	}
	s.env.Cancel(syncTimerKey(g))
	wasEmpty := g.state == Empty
	s.setState(g, PreparingRebalance)
	s.metrics.rebalances.Inc()
	timeout := g.rebalanceTimeout()
	if wasEmpty && s.opts.InitialRebalanceDelay > 0 {
		g.initialDelay = true
		g.newMemberAdded = false
		delay := s.opts.InitialRebalanceDelay
		s.scheduleInitialDelay(g, delay, max(timeout-delay, 0))
		return
	}
	g.initialDelay = false
	gen := g.generation
	s.env.Schedule(joinTimerKey(g), timeout, func() {
		if g.state == PreparingRebalance && g.generation == gen {
			s.completeJoin(g)
		}
	})
	s.tryCompleteJoin(g)
}

func (s *shardState) scheduleInitialDelay(g *group, delay, remaining time.Duration) {
	s.env.Schedule(joinTimerKey(g), delay, func() {
		if g.state != PreparingRebalance {
			return
		}
		if g.newMemberAdded && remaining > 0 {
			g.newMemberAdded = false
			d := min(delay, remaining)
			s.scheduleInitialDelay(g, d, remaining-d)
			return
		}
		s.completeJoin(g)
	})
}

func (s *shardState) tryCompleteJoin(g *group) {
	if g.state == PreparingRebalance && !g.initialDelay && g.allJoined() {
		s.completeJoin(g)
	}
}

// completeJoin ends the join phase: members that did not rejoin are
// removed, the generation advances, and every joined member is answered
// (the leader with the membership). With no members left the group is
// Empty and its metadata is written.
func (s *shardState) completeJoin(g *group) {
	s.env.Cancel(joinTimerKey(g))
	g.initialDelay = false
	for _, id := range append([]string(nil), g.order...) {
		if m := g.members[id]; m.joinReply == nil {
			s.env.Cancel(sessionTimerKey(g, id))
			g.remove(id)
		}
	}
	g.generation++
	if len(g.members) == 0 {
		g.protocol = ""
		g.leader = ""
		s.setState(g, Empty)
		if err := s.persist(g); err != nil {
			s.logger.Warn("writing empty group failed", "group", g.id, "err", err)
		}
		return
	}
	g.protocol = g.selectProtocol()
	if g.members[g.leader] == nil {
		g.leader = g.order[0]
	}
	s.setState(g, CompletingRebalance)
	for _, id := range g.order {
		m := g.members[id]
		res := s.joinResult(g, id, id == g.leader)
		r := m.joinReply
		m.joinReply = nil
		m.assignment = nil
		s.scheduleSession(g, m)
		s.respond(func(error) { r(res) })
	}
	// Members that never sync are removed at the rebalance timeout, so one
	// stuck member cannot hold the group in CompletingRebalance forever.
	gen := g.generation
	s.env.Schedule(syncTimerKey(g), g.rebalanceTimeout(), func() {
		if g.state != CompletingRebalance || g.generation != gen {
			return
		}
		for _, id := range append([]string(nil), g.order...) {
			if g.members[id].syncReply == nil {
				s.env.Cancel(sessionTimerKey(g, id))
				g.remove(id)
			}
		}
		s.prepareRebalance(g)
	})
}

// respond parks a reply until everything written so far is committed; if
// that fails the reply is still sent (its own error, if any, wins).
func (s *shardState) respond(fn func(error)) { s.env.AfterCommit(fn) }

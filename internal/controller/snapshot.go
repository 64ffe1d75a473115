package controller

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// Per-account list snapshots for drift checks (issue 11, item 1).
//
// Checking every object with its own GET costs one Mailgun request per
// object per sync period, which at a few thousand objects is all of the
// account's rate limit (docs/mailgun-api.md, "Rate limits"). Instead, one
// paged list per account and list type (the account's routes, its domains,
// one domain's webhooks) serves the drift check of every object it holds,
// for a bounded time. The rules that keep this safe:
//
//   - A snapshot only ever says "in sync". Anything else it shows (the
//     object missing, or different from the spec) is confirmed by the
//     adapter's own read of that one object before anything is written:
//     a snapshot is never the only basis of a write.
//   - An object created after the snapshot was taken is never looked up in
//     it (it cannot be there): it is read directly.
//   - A create keeps its marker search (see route_adapter.go): a pending
//     create never consults a snapshot.
//   - A list that fails is not retried by every worker: the failure is
//     remembered for failureHold, and meanwhile every object falls back to
//     its own read, as before snapshots, which then meets the same fault
//     handling (backoff, 429 pause) as any read.
//   - One fetch is in flight per account and list type; the workers that
//     need it meanwhile wait for it (or for their own context).

// failureHold is how long a failed list is not fetched again.
const failureHold = 10 * time.Second

// snapKey names one snapshot: an account and a list ("routes", "domains",
// "webhooks/<domain>").
type snapKey struct {
	acct mailgun.Account
	list string
}

type snapEntry struct {
	val     any
	taken   time.Time // when the fetch began: the snapshot shows nothing older than this
	err     error
	failed  time.Time
	loading chan struct{} // non-nil while a fetch is in flight; closed when done
}

// Snapshots holds the list snapshots of every account, shared by all
// workers of all kinds. The zero value is not usable: see NewSnapshots.
type Snapshots struct {
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[snapKey]*snapEntry
	// written holds when the operator last wrote an object to Mailgun
	// (create, update, delete): a snapshot begun before that may show the
	// object as it was, so it is not used for that object. Entries older
	// than maxAge are swept: every snapshot still usable is newer.
	written map[types.UID]time.Time
}

// NewSnapshots makes the snapshot store; maxAge <= 0 turns snapshots off
// (every drift check reads its own object, as before).
func NewSnapshots(maxAge time.Duration) *Snapshots {
	return &Snapshots{maxAge: maxAge, now: time.Now, entries: map[snapKey]*snapEntry{}, written: map[types.UID]time.Time{}}
}

// errSnapshotOff says snapshots are turned off; callers read directly.
var errSnapshotOff = fmt.Errorf("list snapshots are off")

// get returns the snapshot of key, fetching it if there is none younger
// than maxAge. notBefore, when set, is the time the caller's object was
// created: a fresh snapshot taken before it cannot hold the object, and
// get then answers errSnapshotTooOld without fetching (the caller reads the
// object directly; the next drift check will find it in a newer snapshot).
func (s *Snapshots) get(ctx context.Context, key snapKey, notBefore time.Time,
	fetch func(context.Context) (any, error)) (any, error) {
	if s == nil || s.maxAge <= 0 {
		return nil, errSnapshotOff
	}
	if notBefore.After(s.now()) {
		// No snapshot, not even one fetched now, can be new enough.
		return nil, errSnapshotTooOld
	}
	for {
		s.mu.Lock()
		e := s.entries[key]
		now := s.now()
		switch {
		case e != nil && e.loading != nil:
			ch := e.loading
			s.mu.Unlock()
			select {
			case <-ch:
				continue // look again: the result is stored
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case e != nil && e.err != nil && now.Sub(e.failed) < failureHold:
			err := e.err
			s.mu.Unlock()
			return nil, err
		case e != nil && e.err == nil && e.val != nil && now.Sub(e.taken) < s.maxAge:
			if e.taken.Before(notBefore) {
				s.mu.Unlock()
				return nil, errSnapshotTooOld
			}
			v := e.val
			s.mu.Unlock()
			return v, nil
		}
		// None, expired, or failed long enough ago: fetch.
		ne := &snapEntry{loading: make(chan struct{}), taken: now}
		s.entries[key] = ne
		s.mu.Unlock()
		v, err := s.load(ctx, ne, fetch)
		if err != nil {
			return nil, err
		}
		if ne.taken.Before(notBefore) {
			return nil, errSnapshotTooOld
		}
		return v, nil
	}
}

// load runs one fetch for ne and stores its result. The store and the
// release of the waiters are deferred: a fetch that panics (the reconcile's
// panic is recovered by controller-runtime, and the worker lives on) is
// stored as a failure, or every later check of the list would wait on it
// forever. The panic then goes on to the caller.
func (s *Snapshots) load(ctx context.Context, ne *snapEntry, fetch func(context.Context) (any, error)) (v any, err error) {
	done := false
	defer func() {
		var p any
		if !done {
			p = recover()
			err = fmt.Errorf("the list fetch panicked: %v", p)
		}
		s.mu.Lock()
		if err != nil {
			ne.err, ne.failed = err, s.now()
		} else {
			ne.val = v
		}
		close(ne.loading)
		ne.loading = nil
		s.mu.Unlock()
		if !done {
			panic(p)
		}
	}()
	v, err = fetch(ctx)
	done = true
	return v, err
}

// invalidate drops the snapshot of key: the operator has just created or
// deleted an object of that list (a webhook, a domain), so a snapshot taken
// before may show an object that no longer exists, or miss one, to any
// other resource that names the same object (a Webhook of the same event
// made after another was deleted). A fetch in flight began before the write
// as well: it is dropped from the store too, and serves only the callers
// already waiting on it.
func (s *Snapshots) invalidate(a mailgun.Account, list string) {
	if s == nil || s.maxAge <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, snapKey{acct: a, list: list})
}

// wrote records that the operator has just written uid's Mailgun object
// (whatever the answer: a failed write may have been applied).
func (s *Snapshots) wrote(uid types.UID) {
	if s == nil || s.maxAge <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written[uid] = s.now()
}

// notBefore is the time a snapshot must be newer than to show obj: the
// resource's own creation (a snapshot taken before it is about whatever the
// name meant then, maybe another resource's object since deleted), its
// create in Mailgun (status, which survives restarts) or the operator's
// last write to it (memory: snapshots do not survive a restart either).
func (s *Snapshots) notBefore(obj metav1.Object, st *v1alpha1.ManagedStatus) time.Time {
	t := obj.GetCreationTimestamp().Time
	if st.CreatedTime != nil && st.CreatedTime.After(t) {
		t = st.CreatedTime.Time
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.written[obj.GetUID()]; w.After(t) {
		t = w
	}
	return t
}

// sweep drops every snapshot and write record older than maxAge, so that
// the store holds nothing for accounts, domains or objects no longer
// managed.
func (s *Snapshots) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for uid, t := range s.written {
		if now.Sub(t) > s.maxAge {
			delete(s.written, uid)
		}
	}
	for k, e := range s.entries {
		if e.loading == nil && now.Sub(e.taken) > s.maxAge && (e.err == nil || now.Sub(e.failed) > failureHold) {
			delete(s.entries, k)
		}
	}
}

// Start sweeps old snapshots every maxAge until ctx ends (a manager
// Runnable).
func (s *Snapshots) Start(ctx context.Context) error {
	if s.maxAge <= 0 {
		return nil
	}
	t := time.NewTicker(s.maxAge)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.sweep()
		}
	}
}

var errSnapshotTooOld = fmt.Errorf("the snapshot was taken before the object was created")

// usable says whether a drift check of an object may consult a snapshot:
// snapshots are on, the object has been read by itself before (status
// records it as Created or Adopted: a first observation, which decides
// between create and adopt, is never made from a list that may be stale),
// and no create may be pending (the marker search decides then).
func (s *Snapshots) usable(st *v1alpha1.ManagedStatus) bool {
	return s != nil && s.maxAge > 0 && st.Management != "" && st.CreatePendingSince == nil
}

// routeSnapshot is an account's routes by id, each as a fingerprint of the
// fields the operator compares (routeDiff): 8 bytes a route instead of a
// copy of it, so that a snapshot of 10,000 routes costs well under 1 MiB.
type routeSnapshot map[string]uint64

// routeFingerprint hashes what routeDiff compares, each field
// length-prefixed so that no two different routes run together.
func routeFingerprint(priority int, expression, description string, actions []string) uint64 {
	h := fnv.New64a()
	var n [8]byte
	put := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		_, _ = h.Write(n[:])
		_, _ = h.Write([]byte(s))
	}
	binary.LittleEndian.PutUint64(n[:], uint64(priority))
	_, _ = h.Write(n[:])
	put(expression)
	put(description)
	for _, a := range actions {
		put(a)
	}
	return h.Sum64()
}

// routes returns the account's routes from a snapshot; list pages through
// GET /v3/routes (routeExternal.listRoutes, docs/mailgun-api.md "Paging").
func (s *Snapshots) routes(ctx context.Context, a mailgun.Account, notBefore time.Time,
	list func(context.Context) ([]mailgun.Route, error)) (routeSnapshot, error) {
	v, err := s.get(ctx, snapKey{acct: a, list: "routes"}, notBefore, func(ctx context.Context) (any, error) {
		all, err := list(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot list routes: %w", err)
		}
		out := make(routeSnapshot, len(all))
		for _, rt := range all {
			out[rt.ID] = routeFingerprint(rt.Priority, rt.Expression, rt.Description, rt.Actions)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(routeSnapshot), nil
}

// domainLister is the list call domain snapshots use; the Mailgun client
// has it (the adapter's domainAPI does not require it, so test fakes
// without it simply read each domain).
type domainLister interface {
	ListDomains(ctx context.Context, a mailgun.Account, o mailgun.ListOptions) (mailgun.DomainPage, error)
}

// domainListPage is GET /v4/domains's documented maximum page
// (docs/mailgun-api.md, "Paging").
const domainListPage = 1000

type domainSnapshot map[string]mailgun.Domain

func (s *Snapshots) domains(ctx context.Context, api domainLister, a mailgun.Account, notBefore time.Time) (domainSnapshot, error) {
	v, err := s.get(ctx, snapKey{acct: a, list: "domains"}, notBefore, func(ctx context.Context) (any, error) {
		out := domainSnapshot{}
		for skip := 0; ; {
			page, err := api.ListDomains(ctx, a, mailgun.ListOptions{Skip: skip, Limit: domainListPage})
			if err != nil {
				return nil, fmt.Errorf("cannot list domains: %w", err)
			}
			for _, d := range page.Items {
				out[d.Name] = d
			}
			skip += len(page.Items)
			if len(page.Items) == 0 || skip >= page.TotalCount {
				return out, nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return v.(domainSnapshot), nil
}

// webhooks returns one domain's webhooks from a snapshot: one
// GET /v3/domains/{d}/webhooks serves every Webhook of the domain.
func (s *Snapshots) webhooks(ctx context.Context, api webhookAPI, a mailgun.Account, domain string, notBefore time.Time) (mailgun.Webhooks, error) {
	v, err := s.get(ctx, snapKey{acct: a, list: "webhooks/" + domain}, notBefore, func(ctx context.Context) (any, error) {
		return api.ListWebhooks(ctx, a, domain)
	})
	if err != nil {
		return mailgun.Webhooks{}, err
	}
	return v.(mailgun.Webhooks), nil
}

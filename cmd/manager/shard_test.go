package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/mailgun-operator/mailgun-operator/internal/controller"
)

// TestShardFlags: the selector is checked, restricts the accounts and every
// managed kind (not Secrets), and gives each shard its own lease unless one
// is named.
func TestShardFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		errHas   string
		lease    string // "" : not checked; "hash": the default with a hash
		restrict bool
	}{
		{name: "no selector: one lease, everything watched", lease: defaultLeaderElectionID},
		{name: "a shard", args: []string{"--watch-label-selector=mailgun.operator.dev/shard=a"}, lease: "hash", restrict: true},
		{name: "the unsharded rest, Flux style", args: []string{"--watch-label-selector=!mailgun.operator.dev/shard"}, lease: "hash", restrict: true},
		{name: "a named lease wins", args: []string{"--watch-label-selector=shard in (a)", "--leader-election-id=mine"}, lease: "mine", restrict: true},
		{name: "a broken selector", args: []string{"--watch-label-selector=a==b==c"}, errHas: "--watch-label-selector"},
	}
	leases := map[string]string{}
	t.Cleanup(func() {
		// One selector spelt two ways is one shard: one lease.
		a, b := &flags{watchLabelSelector: "b=2,a=1"}, &flags{watchLabelSelector: " a = 1 , b = 2"}
		if a.leaseID() != b.leaseID() {
			t.Errorf("leases %q and %q for one selector", a.leaseID(), b.leaseID())
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("manager", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := registerFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := f.validate()
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want it to say %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id := f.leaseID()
			switch tc.lease {
			case "hash":
				if !strings.HasPrefix(id, defaultLeaderElectionID+"-") || len(id) != len(defaultLeaderElectionID)+9 {
					t.Fatalf("lease %q, want the default with an 8-hex-digit hash", id)
				}
				if other, ok := leases[id]; ok {
					t.Fatalf("lease %q shared with %q", id, other)
				}
				leases[id] = tc.name
			default:
				if id != tc.lease {
					t.Fatalf("lease %q, want %q", id, tc.lease)
				}
			}
			if len(id) > 63 {
				t.Fatalf("lease %q is longer than a label value may be", id)
			}
			o := managerOptions(f, newScheme())
			restricted := 0
			for obj, by := range o.Cache.ByObject {
				if by.Label != nil {
					restricted++
					if _, isSecret := obj.(*corev1.Secret); isSecret {
						t.Fatal("Secrets restricted")
					}
				}
			}
			// The accounts and every managed kind.
			want := 1 + len(controller.ManagedKinds())
			if tc.restrict != (restricted == want) || (!tc.restrict && restricted != 0) {
				t.Fatalf("%d kinds restricted, want %v (%d)", restricted, tc.restrict, want)
			}
		})
	}
}

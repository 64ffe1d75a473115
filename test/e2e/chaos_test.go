package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// Chaos (issue 10, item 9): the manager is SIGKILLed at random moments while
// 50 Routes roll out and again while they are deleted. Whatever it was doing
// (a create posted and not yet heard, a status write, a finalizer removal),
// the next manager must finish the job: exactly 50 routes in Mailgun, then
// exactly 0, and no Route left Terminating.
//
// The moments are random points of progress (the number of routes Mailgun
// holds), drawn from a seed that is printed; CHAOS_SEED=<n> replays a run.
var _ = Describe("A manager killed again and again", func() {
	It("rolls out and deletes 50 routes exactly, with five kills in each phase", func() {
		const total, kills = 50, 5
		seed := uint64(time.Now().UnixNano())
		if s := os.Getenv("CHAOS_SEED"); s != "" {
			var err error
			seed, err = strconv.ParseUint(s, 10, 64)
			Expect(err).NotTo(HaveOccurred(), "CHAOS_SEED")
		}
		rnd := rand.New(rand.NewPCG(seed, seed))
		GinkgoWriter.Printf("chaos seed %d (CHAOS_SEED=%d replays the same kill points)\n", seed, seed)
		AddReportEntry("chaos seed", seed)

		e := newEnv("chaos")
		// A slow Mailgun budget (10 requests/s, no burst) spreads the 50
		// creates and the 50 deletes over seconds, so that each kill lands
		// in the middle of the work, with calls in flight.
		args := []string{"--mailgun-requests-per-second=10", "--mailgun-burst=1", "--sync-period=10s"}
		generation := 0
		start := func() *harness.Process {
			generation++
			return e.startManager(fmt.Sprintf("manager-%d", generation), args...)
		}
		mgr := start()

		kubectl("apply", "-n", e.ns, "-f", e.write("account.yaml", e.accountYAML(sampleKey)))
		kubectl("wait", "--for=condition=Ready", "mailgunaccount/default", "-n", e.ns, "--timeout=60s")

		routes, want := routesYAML("chaos", total)
		inMailgun := func() int { return len(e.state().Routes) }

		// killAt kills the manager once Mailgun's route count passes each
		// point (reached(n, point)), and starts the next one.
		killAt := func(points []int, reached func(n, point int) bool) []int {
			var seen []int
			for _, p := range points {
				Eventually(func() bool { return reached(inMailgun(), p) }).
					WithTimeout(3 * time.Minute).WithPolling(10 * time.Millisecond).Should(BeTrue())
				Expect(mgr.Kill()).To(Succeed())
				n := inMailgun()
				seen = append(seen, n)
				GinkgoWriter.Printf("killed %s at %d routes in Mailgun (point %d)\n", mgr.Name, n, p)
				mgr = start()
			}
			return seen
		}

		By("rolling out 50 Routes while the manager is killed five times")
		began := time.Now()
		kubectl("apply", "-n", e.ns, "-f", e.write("routes.yaml", routes))
		up := killAt(randomPoints(rnd, kills, total), func(n, p int) bool { return n >= p })
		Expect(slices.Min(up)).To(BeNumerically("<", total), "every kill came after the rollout: the test proved nothing")
		kubectl("wait", "--for=condition=Ready", "route", "--all", "-n", e.ns, "--timeout=180s")
		GinkgoWriter.Printf("rollout with %d kills (at %v routes) took %s\n", kills, up, time.Since(began).Round(time.Second))

		By("finding each route exactly once in Mailgun")
		st := e.state()
		Expect(st.Routes).To(HaveLen(total))
		descriptions, expressions, ids := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, r := range st.Routes {
			descriptions[r.Description] = true
			expressions[r.Expression] = true
			ids[r.ID] = true
		}
		Expect(descriptions).To(HaveLen(total), "two routes carry the same marker")
		Expect(expressions).To(Equal(want))
		statusIDs := lines(kubectl("get", "routes", "-n", e.ns, "-o", `jsonpath={range .items[*]}{.status.id}{"\n"}{end}`))
		Expect(setOf(statusIDs)).To(HaveLen(total), "two Routes claim the same Mailgun route")
		for _, id := range statusIDs {
			Expect(ids).To(HaveKey(id))
		}

		By("deleting the 50 Routes while the manager is killed five times")
		began = time.Now()
		kubectl("delete", "routes", "--all", "-n", e.ns, "--wait=false")
		points := randomPoints(rnd, kills, total)
		slices.Reverse(points) // counting down
		down := killAt(points, func(n, p int) bool { return n <= p })
		Expect(slices.Max(down)).To(BeNumerically(">", 0), "every kill came after the deletion: the test proved nothing")

		By("ending with no route in Mailgun and no Route left Terminating")
		Eventually(inMailgun).WithTimeout(3 * time.Minute).WithPolling(100 * time.Millisecond).Should(BeZero())
		Eventually(func() []string {
			return lines(kubectl("get", "routes", "-n", e.ns, "-o", `jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}`))
		}).WithTimeout(time.Minute).WithPolling(500 * time.Millisecond).Should(BeEmpty())
		GinkgoWriter.Printf("deletion with %d kills (at %v routes) took %s\n", kills, down, time.Since(began).Round(time.Second))
		Expect(inMailgun()).To(BeZero())
	})
})

// randomPoints draws n distinct progress points in [1, total-1], ascending.
func randomPoints(rnd *rand.Rand, n, total int) []int {
	points := rnd.Perm(total - 1)[:n]
	for i := range points {
		points[i]++
	}
	slices.Sort(points)
	return points
}

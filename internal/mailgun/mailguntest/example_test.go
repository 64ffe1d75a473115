package mailguntest_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// A controller test sets state up, queues faults, runs the code under test
// and asserts on state and call counts.
func Example() {
	s := mailguntest.NewServer("key-test")
	defer s.Close()

	s.PutDomain(mailguntest.Domain{Name: "example.com", State: "active"})
	s.InjectFault(mailguntest.OpGetDomain, mailguntest.Fault{Status: 503})
	s.InjectFault(mailguntest.OpGetDomain, mailguntest.Fault{RateLimitReset: time.Now().Add(time.Second)})

	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", s.URL+"/v4/domains/example.com", nil)
		req.SetBasicAuth("api", "key-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	fmt.Println("GetDomain calls:", s.Calls(mailguntest.OpGetDomain), "writes:", s.Writes())
	// Output:
	// 503
	// 429
	// 200
	// GetDomain calls: 3 writes: 0
}

package mailguntest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// message is Mailgun's error (and plain success) body. Every error the
// emulator writes has this shape so a client's classifier sees what it would
// see in production.
type message struct {
	Message string `json:"message"`
}

// answer is a status and a body not yet written. Handlers build it while
// holding the lock and write it after releasing it, so a slow client never
// blocks the emulator.
type answer struct {
	status int
	body   []byte
}

// reply encodes v now (under the caller's lock, so it may reference live
// state) and returns the answer to write later.
func reply(status int, v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(message{Message: "emulator: cannot encode answer: " + err.Error()})
	}
	return answer{status: status, body: append(b, '\n')}
}

func fail(status int, msg string) answer {
	return reply(status, message{Message: msg})
}

func failRequest(e *requestError) answer {
	return fail(e.status, e.msg)
}

func (a answer) write(w http.ResponseWriter) {
	h := w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	fail(status, msg).write(w)
}

// mailgunTime formats t the way Mailgun formats created_at: RFC 2822 style
// with a zone abbreviation ("Mon, 02 Jan 2006 15:04:05 GMT").
func mailgunTime(t time.Time) string {
	return t.UTC().Format(http.TimeFormat)
}

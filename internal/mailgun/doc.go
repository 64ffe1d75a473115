// Package mailgun is the operator's one HTTP client for the Mailgun API.
//
// Design, in short:
//
//   - One *Client per process with one tuned http.Transport; an Account is a
//     small comparable value (base URL + precomputed Authorization header), so
//     many accounts share the same connection pool.
//   - O(1) dispatch: every API operation is an Operation constant indexing a
//     fixed table of {method, path pieces}; a request path is the table entry
//     plus escaped segments appended into a stack buffer.
//   - Plain structs list only the fields the operator uses; answers are read
//     whole (at most 32 MiB) and decoded by github.com/go-json-experiment/json
//     (decode.go); form bodies are written into pooled buffers.
//   - Honest errors: Classify is the one place that turns an answer into a
//     sentinel (ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthorized, ErrForbidden,
//     ErrRateLimited, ErrTransient). Controllers never look at status codes.
//   - The API key never appears in errors, logs, metrics or fmt output.
package mailgun

// Package mailgun is the operator's one HTTP client for the Mailgun API.
//
// Design, in short (see /DESIGN.md "The client"):
//
//   - One *Client per process with one tuned http.Transport; an Account is a
//     small comparable value (base URL + precomputed Authorization header), so
//     many accounts share the same connection pool.
//   - O(1) dispatch: every API operation is an Operation constant indexing a
//     fixed table of {method, path pieces}; a request path is the table entry
//     plus escaped segments appended into a stack buffer.
//   - Slot-lean: typed structs decode only the fields the operator uses,
//     streamed from the body; form bodies are written into pooled buffers.
//   - Honest errors: Classify is the one place that turns an answer into a
//     sentinel (ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthorized, ErrForbidden,
//     ErrRateLimited, ErrTransient). Controllers never look at status codes.
//   - The API key never appears in errors, logs, metrics or fmt output.
package mailgun

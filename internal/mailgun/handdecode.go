package mailgun

import "errors"

// Hand-written decoders of the hottest answers: the domain (get, create,
// verify; every domain drift check), the webhooks list (every webhook
// reconcile) and a page of routes (every route adoption and marker
// search). They decode exactly as encoding/json would decode
// into the same structs (jsonscan.go says why and how): field values go
// through the same UnmarshalJSON methods, the record lists reuse the space
// in domainInfoJSON as encoding/json reuses a slice's capacity, keys match
// as encoding/json matches them, and an answer that encoding/json would
// reject (invalid JSON, a value of the wrong type, a field's own error)
// fails. Where encoding/json decodes on after a type error to report it at
// the end, these stop at once. Either way the fields of a failed answer
// are not used: the call fails, or its retry decodes again from zero (each
// decode starts by zeroing its struct; TestRetryAfterMalformedAnswer).
//
// FuzzDecodeDomain and FuzzArenaDecoders check both against encoding/json.

// The cursor lives in the pooled answer struct (its cur field), not on
// the stack: decodeStruct hands it to member functions through function
// values, so the compiler would move a local cursor to the heap.

// errNull says a struct's value was null: nothing to decode, not an error.
var errNull = errors.New("null")

// decodeStruct decodes the object (or null) at the cursor into a struct:
// member is called for each member with the cursor at its value, and must
// consume that value.
func decodeStruct(c *cursor, member func(c *cursor, key []byte) error) error {
	switch err := intoObject(c); err {
	case nil:
	case errNull:
		return nil // null leaves a struct as it is
	default:
		return err
	}
	for first := true; ; first = false {
		key, ok, err := c.member(first)
		if err != nil || !ok {
			return err
		}
		if err := member(c, key); err != nil {
			return err
		}
	}
}

// intoObject enters the object at the cursor. For any other value it
// consumes it and returns errNull or errJSONType.
func intoObject(c *cursor) error {
	if c.peek() == '{' {
		return c.enter()
	}
	v, err := c.value()
	switch {
	case err != nil:
		return err
	case v[0] == 'n':
		return errNull
	}
	return errJSONType
}

// skipMember consumes a member no field takes.
func skipMember(c *cursor) error {
	_, err := c.value()
	return err
}

// decodeBytes decodes a domain answer, read whole and not yet validated.
func (d *domainInfoJSON) decodeBytes(b []byte) error {
	c := &d.cur
	*c = cursor{b: b}
	if err := c.start(); err != nil {
		return err
	}
	return decodeStruct(c, d.member)
}

func (d *domainInfoJSON) member(c *cursor, key []byte) error {
	var err error
	switch {
	case matchKey(key, "domain"):
		err = decodeStruct(c, d.Domain.member)
	case matchKey(key, "sending_dns_records"):
		d.Sending, err = decodeSlice(c, d.Sending)
	case matchKey(key, "receiving_dns_records"):
		d.Receiving, err = decodeSlice(c, d.Receiving)
	default:
		err = skipMember(c)
	}
	return err
}

// decodeSlice decodes a list of structs (or null) at the cursor into s,
// reusing its capacity as encoding/json does: elements within it keep what
// they hold (their arena), elements beyond it start from zero.
func decodeSlice[T any, P interface {
	*T
	member(c *cursor, key []byte) error
}](c *cursor, s []T) ([]T, error) {
	if c.peek() != '[' {
		v, err := c.value()
		switch {
		case err != nil:
			return s, err
		case v[0] == 'n':
			return nil, nil // null: a nil slice
		}
		return s, errJSONType
	}
	if err := c.enter(); err != nil {
		return s, err
	}
	n := 0
	for ; ; n++ {
		ok, err := c.element(n == 0)
		if err != nil {
			return s, err
		}
		if !ok {
			break
		}
		if n < cap(s) {
			s = s[:n+1]
		} else {
			var zero T
			s = append(s[:n], zero)
		}
		if err := decodeStruct(c, P(&s[n]).member); err != nil {
			return s, err
		}
	}
	if n == 0 {
		return []T{}, nil // encoding/json: an empty, non-nil slice
	}
	return s[:n], nil
}

// domainFields are domainJSON's JSON names, for case-insensitive matching.
var domainFields = [...]string{
	"id", "name", "state", "type", "smtp_login", "spam_action", "web_prefix", "web_scheme", "tracking_host",
	"mailfrom_host", "wildcard", "require_tls", "skip_verification", "is_disabled",
	"use_automatic_sender_security", "message_ttl", "created_at",
}

func (d *domainJSON) member(c *cursor, key []byte) error {
	val, err := c.value()
	if err != nil {
		return err
	}
	return d.field(key, val)
}

func (d *domainJSON) field(key, val []byte) error {
	switch string(key) {
	case "id":
		return d.ID.UnmarshalJSON(val)
	case "name":
		return d.Name.UnmarshalJSON(val)
	case "state":
		return d.State.UnmarshalJSON(val)
	case "type":
		return d.Type.UnmarshalJSON(val)
	case "smtp_login":
		return d.SMTPLogin.UnmarshalJSON(val)
	case "spam_action":
		return d.SpamAction.UnmarshalJSON(val)
	case "web_prefix":
		return d.WebPrefix.UnmarshalJSON(val)
	case "web_scheme":
		return d.WebScheme.UnmarshalJSON(val)
	case "tracking_host":
		return d.TrackingHost.UnmarshalJSON(val)
	case "mailfrom_host":
		return d.MailfromHost.UnmarshalJSON(val)
	case "wildcard":
		return d.Wildcard.UnmarshalJSON(val)
	case "require_tls":
		return d.RequireTLS.UnmarshalJSON(val)
	case "skip_verification":
		return d.SkipVerification.UnmarshalJSON(val)
	case "is_disabled":
		return d.IsDisabled.UnmarshalJSON(val)
	case "use_automatic_sender_security":
		return d.UseAutomaticSenderSecurity.UnmarshalJSON(val)
	case "message_ttl":
		return d.MessageTTL.UnmarshalJSON(val)
	case "created_at":
		return d.CreatedAt.UnmarshalJSON(val)
	}
	if name, ok := foldedField(key, domainFields[:]); ok {
		return d.field([]byte(name), val)
	}
	return nil // unknown: skipped
}

var recordFields = [...]string{"record_type", "name", "value", "priority", "valid", "is_active"}

func (r *dnsRecordJSON) member(c *cursor, key []byte) error {
	val, err := c.value()
	if err != nil {
		return err
	}
	return r.field(key, val)
}

func (r *dnsRecordJSON) field(key, val []byte) error {
	switch string(key) {
	case "record_type":
		return r.RecordType.UnmarshalJSON(val)
	case "name":
		return r.Name.UnmarshalJSON(val)
	case "value":
		return r.Value.UnmarshalJSON(val)
	case "priority":
		return r.Priority.UnmarshalJSON(val)
	case "valid":
		return r.Valid.UnmarshalJSON(val)
	case "is_active":
		return r.IsActive.UnmarshalJSON(val)
	}
	if name, ok := foldedField(key, recordFields[:]); ok {
		return r.field([]byte(name), val)
	}
	return nil
}

// foldedField finds the field a key names case-insensitively, as
// encoding/json does when no field has exactly that name.
func foldedField(key []byte, names []string) (string, bool) {
	for _, name := range names {
		if matchKey(key, name) {
			return name, true
		}
	}
	return "", false
}

// decodeBytes decodes a webhooks answer, read whole and not yet validated.
func (w *webhooksJSON) decodeBytes(b []byte) error {
	c := &w.cur
	*c = cursor{b: b}
	if err := c.start(); err != nil {
		return err
	}
	return decodeStruct(c, w.member)
}

func (w *webhooksJSON) member(c *cursor, key []byte) error {
	if !matchKey(key, "webhooks") {
		return skipMember(c)
	}
	return decodeStruct(c, w.event)
}

// event decodes one event's entry; an unknown event is skipped.
func (w *webhooksJSON) event(c *cursor, key []byte) error {
	evs := w.events()
	for e, name := range eventNames {
		if string(key) == name {
			return decodeStruct(c, evs[e].member)
		}
	}
	for e, name := range eventNames {
		if matchKey(key, name) {
			return decodeStruct(c, evs[e].member)
		}
	}
	return skipMember(c)
}

func (u *webhookURLs) member(c *cursor, key []byte) error {
	val, err := c.value()
	switch {
	case err != nil:
		return err
	case string(key) == "urls":
		return u.URLs.UnmarshalJSON(val)
	case string(key) == "url":
		return u.URL.UnmarshalJSON(val)
	case matchKey(key, "urls"):
		return u.URLs.UnmarshalJSON(val)
	case matchKey(key, "url"):
		return u.URL.UnmarshalJSON(val)
	}
	return nil
}

// decodeBytes decodes a page of routes, read whole and not yet validated.
func (p *routePageJSON) decodeBytes(b []byte) error {
	c := &p.cur
	*c = cursor{b: b}
	if err := c.start(); err != nil {
		return err
	}
	return decodeStruct(c, p.member)
}

func (p *routePageJSON) member(c *cursor, key []byte) error {
	switch {
	case matchKey(key, "total_count"):
		val, err := c.value()
		if err != nil {
			return err
		}
		return p.TotalCount.UnmarshalJSON(val)
	case matchKey(key, "items"):
		var err error
		p.Items, err = decodeSlice(c, p.Items)
		return err
	}
	return skipMember(c)
}

var routeFields = [...]string{"id", "priority", "description", "expression", "actions", "created_at"}

func (r *routeJSON) member(c *cursor, key []byte) error {
	val, err := c.value()
	if err != nil {
		return err
	}
	return r.field(key, val)
}

func (r *routeJSON) field(key, val []byte) error {
	switch string(key) {
	case "id":
		return r.ID.UnmarshalJSON(val)
	case "priority":
		return r.Priority.UnmarshalJSON(val)
	case "description":
		return r.Description.UnmarshalJSON(val)
	case "expression":
		return r.Expression.UnmarshalJSON(val)
	case "actions":
		return r.Actions.UnmarshalJSON(val)
	case "created_at":
		return r.CreatedAt.UnmarshalJSON(val)
	}
	if name, ok := foldedField(key, routeFields[:]); ok {
		return r.field([]byte(name), val)
	}
	return nil
}

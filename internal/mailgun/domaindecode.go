package mailgun

import (
	"cmp"
	"errors"
)

// The hand-written decoder of the domain answer (get, create, verify),
// the hot answer of every drift check. It decodes exactly as encoding/json
// would decode into domainInfoJSON (jsonscan.go says why and how): the
// field values go through the same UnmarshalJSON methods, the record lists
// reuse the space in domainInfoJSON as encoding/json reuses a slice's
// capacity, and a value of the wrong type fails the answer, as encoding/json
// reports an UnmarshalTypeError.

// decodeBytes decodes one answer, already read and not yet validated.
func (d *domainInfoJSON) decodeBytes(b []byte) error {
	c := cursor{b: b}
	if err := c.start(); err != nil {
		return err
	}
	if err := intoObject(&c); err != nil {
		return nullOK(err)
	}
	var typeErr error // encoding/json reports a type error after the whole answer
	for first := true; ; first = false {
		key, ok, err := c.member(first)
		if err != nil || !ok {
			return cmp.Or(err, typeErr)
		}
		switch {
		case matchKey(key, "domain"):
			err = d.Domain.decodeFrom(&c)
		case matchKey(key, "sending_dns_records"):
			d.Sending, err = decodeRecords(&c, d.Sending)
		case matchKey(key, "receiving_dns_records"):
			d.Receiving, err = decodeRecords(&c, d.Receiving)
		default:
			_, err = c.value()
		}
		if err == errJSONType {
			typeErr, err = err, nil
		}
		if err != nil {
			return err
		}
	}
}

// errNull says a struct's value was null: nothing to decode, not an error.
var errNull = errors.New("null")

// intoObject enters the object at the cursor, for a struct. For any other
// value it consumes it and returns errNull (null leaves a struct as it is,
// as in encoding/json) or errJSONType.
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

// decodeFrom decodes a domain object (or null) at the cursor into d.
func (d *domainJSON) decodeFrom(c *cursor) error { return decodeStruct(c, d.field) }

// decodeStruct decodes the object (or null) at the cursor into a struct,
// handing each member's raw value to field, which matches its key.
func decodeStruct(c *cursor, field func(key, val []byte) error) error {
	if err := intoObject(c); err != nil {
		return nullOK(err)
	}
	for first := true; ; first = false {
		key, ok, err := c.member(first)
		if err != nil || !ok {
			return err
		}
		val, err := c.value()
		if err != nil {
			return err
		}
		if err := field(key, val); err != nil {
			return err
		}
	}
}

func nullOK(err error) error {
	if err == errNull {
		return nil
	}
	return err
}

// domainFields are domainJSON's JSON names, for case-insensitive matching.
var domainFields = [...]string{
	"id", "name", "state", "type", "smtp_login", "spam_action", "web_prefix", "web_scheme", "tracking_host",
	"mailfrom_host", "wildcard", "require_tls", "skip_verification", "is_disabled",
	"use_automatic_sender_security", "message_ttl", "created_at",
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

// decodeRecords decodes a record list (or null) at the cursor into s,
// reusing its capacity as encoding/json does: elements within it keep what
// they hold (their arena), elements beyond it start from zero.
func decodeRecords(c *cursor, s []dnsRecordJSON) ([]dnsRecordJSON, error) {
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
	var typeErr error
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
			s = append(s[:n], dnsRecordJSON{})
		}
		switch err := s[n].decodeFrom(c); err {
		case nil:
		case errJSONType:
			typeErr = err
		default:
			return s, err
		}
	}
	if n == 0 {
		return []dnsRecordJSON{}, typeErr // encoding/json: an empty, non-nil slice
	}
	return s[:n], typeErr
}

var recordFields = [...]string{"record_type", "name", "value", "priority", "valid", "is_active"}

func (r *dnsRecordJSON) decodeFrom(c *cursor) error { return decodeStruct(c, r.field) }

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

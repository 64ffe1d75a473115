package mailguntest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

// dnsRecord is Mailgun's DNS record shape. Priority is a string ("10") and
// only MX records carry it.
type dnsRecord struct {
	Cached     []string `json:"cached"`
	IsActive   bool     `json:"is_active"`
	Name       string   `json:"name"`
	Priority   string   `json:"priority,omitempty"`
	RecordType string   `json:"record_type"`
	Valid      string   `json:"valid"`
	Value      string   `json:"value"`
}

func record(typ, name, value, priority, valid string) dnsRecord {
	return dnsRecord{Cached: []string{}, IsActive: true, Name: name, Priority: priority, RecordType: typ, Valid: valid, Value: value}
}

// sendingRecords are SPF, DKIM and the tracking CNAME. With automatic sender
// security Mailgun manages the key itself and asks for two DKIM CNAMEs
// instead of a TXT record.
func sendingRecords(ds *domainState) []dnsRecord {
	v := ds.records
	out := []dnsRecord{record("TXT", ds.Name, "v=spf1 include:mailgun.org ~all", "", v)}
	if ds.UseAutomaticSenderSecurity {
		h := hashHex(ds.Name)[:16]
		for _, k := range []string{"pdk1", "pdk2"} {
			out = append(out, record("CNAME", k+"._domainkey."+ds.Name, k+"._domainkey."+h+".dkim1.mailgun.com", "", v))
		}
	} else {
		out = append(out, record("TXT", ds.DKIMSelector+"._domainkey."+ds.Name, dkimValue(ds), "", v))
	}
	out = append(out, record("CNAME", ds.WebPrefix+"."+ds.Name, "mailgun.org", "", v))
	return out
}

// receivingRecords are the two MX records (US hostnames only).
func receivingRecords(ds *domainState) []dnsRecord {
	return []dnsRecord{
		record("MX", ds.Name, "mxa.mailgun.org", "10", ds.records),
		record("MX", ds.Name, "mxb.mailgun.org", "10", ds.records),
	}
}

// dkimValue is a stable stand-in public key whose length follows the key
// size, so the record looks like Mailgun's without any real crypto.
func dkimValue(ds *domainState) string {
	n := ds.DKIMKeySize/8 + 38 // DER overhead of an RSA public key
	seed := sha256.Sum256([]byte(ds.Name + "/" + ds.DKIMSelector + "/" + strconv.Itoa(ds.DKIMKeySize)))
	b := make([]byte, 0, n+len(seed))
	for len(b) < n {
		b = append(b, seed[:]...)
		seed = sha256.Sum256(seed[:])
	}
	return "k=rsa; p=" + base64.StdEncoding.EncodeToString(b[:n])
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

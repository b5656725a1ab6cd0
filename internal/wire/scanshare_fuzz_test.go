package wire

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"testing"
	"time"

	"lastactive/atlassian"
)

// FuzzDecodeScan: a shared scan result read back from the database (written
// by another replica, of another version, or damaged) never panics
// decodeScan, and whatever it accepts survives encoding and decoding again
// unchanged; and it reads what the whole-document decoder of earlier
// versions reads.
func FuzzDecodeScan(f *testing.F) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	good, err := encodeScan(scanResult{Finished: at, Users: []atlassian.OrgUser{{
		AccountID: "5b10ac8d82e05b22cc7d4ef5", Name: "Mia Krystof", Email: "mia@example.com", AccountType: "atlassian",
		AccountStatus: "active", MembershipStatus: "active", AddedToOrg: at.AddDate(-1, 0, 0),
		Products: []atlassian.ProductActivity{{ID: "ari:cloud:jira-software::site/a436116f-02ce-4520-8fbb-7301462a1674",
			Key: "jira-software", LastActive: at.AddDate(0, 0, -3)}},
	}}})
	if err != nil {
		f.Fatal(err)
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	for _, seed := range [][]byte{good, good[:len(good)/2], nil, []byte("{}"), gz(""), gz("null"), gz("{}"), gz(`{"users":null}`),
		gz(`{"finished":"x"}`), gz(`{"users":[{"Products":[null]}]}`), gz(`[]`), gz(`{"users":{}}`), gz("{}{}"), gz(`{"finished":"0001-01-01T00:00:00Z","users":[{}]}`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		res, err := decodeScan(blob)
		if want, wantErr := unmarshalScan(blob); (err == nil) != (wantErr == nil) ||
			err == nil && !reflect.DeepEqual(normScan(res), normScan(want)) {
			t.Fatalf("decodeScan: %+v, %v; the whole-document decoder: %+v, %v", res, err, want, wantErr)
		}
		if err != nil {
			return
		}
		again, err := encodeScan(res)
		if err != nil {
			return // a time past year 9999 once in UTC: JSON has no form for it
		}
		back, err := decodeScan(again)
		if err != nil {
			t.Fatalf("a result decodeScan accepted does not decode once encoded: %v", err)
		}
		if !reflect.DeepEqual(normScan(back), normScan(res)) {
			t.Fatalf("round trip changed the result:\n%+v\n%+v", res, back)
		}
	})
}

// normScan drops what JSON does not keep: monotonic readings and locations.
func normScan(r scanResult) scanResult {
	r.Finished = r.Finished.UTC()
	users := make([]atlassian.OrgUser, len(r.Users))
	for i, u := range r.Users {
		u.AddedToOrg = u.AddedToOrg.UTC()
		ps := make([]atlassian.ProductActivity, len(u.Products))
		for j, p := range u.Products {
			p.LastActive, p.LastActiveTimestamp = p.LastActive.UTC(), p.LastActiveTimestamp.UTC()
			ps[j] = p
		}
		u.Products = ps
		users[i] = u
	}
	r.Users = users
	return r
}

package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"lastactive/atlassian"
)

// scanUsers makes n accounts as a scan reads them: every string its own.
func scanUsers(n int, at time.Time) []atlassian.OrgUser {
	sites := []string{"a436116f-02ce-4520-8fbb-7301462a1674", "58d24034-e3ec-11ed-b5ea-0242ac120002"}
	keys := []string{"jira-software", "confluence", "jira-service-desk", "loom"}
	users := make([]atlassian.OrgUser, n)
	for i := range users {
		u := atlassian.OrgUser{AccountID: fmt.Sprintf("712020:%08x-0000-4000-8000-%012x", i, i*7919),
			Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person.%d@example.com", i),
			AccountType: string([]byte("atlassian")), AccountStatus: string([]byte("active")),
			MembershipStatus: string([]byte("active")), ClaimStatus: string([]byte("managed")),
			AddedToOrg: at.AddDate(0, 0, -i%2000)}
		for j, k := range keys[:1+i%len(keys)] {
			u.Products = append(u.Products, atlassian.ProductActivity{
				ID:  fmt.Sprintf("ari:cloud:%s::site/%s", k, sites[(i+j)%len(sites)]),
				Key: string([]byte(k)), LastActive: at.AddDate(0, 0, -(i*(j+3))%400).Truncate(24 * time.Hour)})
		}
		users[i] = u
	}
	return users
}

// unmarshalScan is how a result was read before it was read one account at
// a time, and how a replica of that version still reads one.
func unmarshalScan(blob []byte) (scanResult, error) {
	var res scanResult
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return res, err
	}
	err = json.NewDecoder(zr).Decode(&res)
	return res, err
}

// earlierScanResult is the document as a replica of a version before the
// sites were kept with the scan reads it: sites are skipped.
type earlierScanResult struct {
	Finished time.Time           `json:"finished"`
	Users    []atlassian.OrgUser `json:"users"`
}

// TestScanResultSameDocument: the result written one account at a time is
// the document a replica of an earlier version reads, and decodeScan reads
// what that version wrote, field for field (a rolling upgrade mixes them).
// The sites kept with the scan are skipped by such a replica, which reads
// the rest as before, and a result without them reads as none.
func TestScanResultSameDocument(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	sites := []scanSite{{CloudID: "a436116f-02ce-4520-8fbb-7301462a1674", Host: "acme.atlassian.net", Type: "jira", Capacity: 50},
		{CloudID: "58d24034-e3ec-11ed-b5ea-0242ac120002", Host: "acme-eu.atlassian.net", Type: "confluence"}}
	for _, n := range []int{0, 1, 3, 250} {
		for _, sites := range [][]scanSite{nil, sites} {
			res := scanResult{Finished: at, Sites: sites, Users: scanUsers(n, at)}
			blob, err := encodeScan(res)
			if err != nil {
				t.Fatal(err)
			}
			old, err := unmarshalScan(blob)
			if err != nil {
				t.Fatalf("%d accounts: the whole-document reader refuses the result: %v", n, err)
			}
			back, err := decodeScan(blob)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normScan(back), normScan(res)) || !reflect.DeepEqual(normScan(old), normScan(res)) {
				t.Errorf("%d accounts, %d sites: the round trip changed the result", n, len(sites))
			}
			var earlier earlierScanResult
			zr, err := gzip.NewReader(bytes.NewReader(blob))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.NewDecoder(zr).Decode(&earlier); err != nil {
				t.Fatalf("%d accounts, %d sites: a replica of the earlier version refuses the result: %v", n, len(sites), err)
			}
			if !reflect.DeepEqual(normScan(scanResult{Finished: earlier.Finished, Users: earlier.Users}), normScan(scanResult{Finished: at, Users: res.Users})) {
				t.Errorf("%d accounts, %d sites: a replica of the earlier version reads another result", n, len(sites))
			}
			if n > 1 && unsafe.StringData(back.Users[0].Products[0].Key) != unsafe.StringData(back.Users[n-1].Products[0].Key) {
				t.Errorf("%d accounts read back hold a copy of their product keys each, not one for the scan", n)
			}
		}
	}
	for _, doc := range []string{`null`, `{}`, `{"users":null}`,
		`{"finished":"2026-11-26T09:00:00Z","users":[{"AccountID":"a"}]}`, // an earlier version's: no sites
		`{"sites":[{"cloud_id":"c","host":"h.atlassian.net","type":"jira","capacity":5}],"users":[]}`, `{"SITES":null}`,
		`{"sites":[null,{"Host":"x"}],"sites":[{"cloud_id":"d"}]}`, `{"sites":{}}`, `{"sites":[1]}`, `{"sites":[{"capacity":"x"}]}`,
		`{"USERS":[{"AccountID":"a"}],"Finished":"2026-11-26T09:00:00Z","x":[1,{"y":2}]}`,
		`{"users":[null,{"Products":[null]}]}`, `{"users":[{"AccountID":"a"}],"users":[{"AccountID":"b"}]}`, `{}{}`,
		`[]`, `{"users":{}}`, `{"finished":"x"}`, `{"users":[1]}`, `{"users":[`, `{"a":1`, `"x"`} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(doc))
		zw.Close()
		want, wantErr := unmarshalScan(b.Bytes())
		got, err := decodeScan(b.Bytes())
		if (err != nil) != (wantErr != nil) || err == nil && !reflect.DeepEqual(normScan(got), normScan(want)) {
			t.Errorf("%s: decodeScan %+v, %v; the whole-document decoder %+v, %v", doc, got, err, want, wantErr)
		}
	}
}

// BenchmarkScanResult50k is what publishing a 50,000-account scan and
// reading it back cost (B/op): both ran while the accounts were held.
func BenchmarkScanResult50k(b *testing.B) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	res := scanResult{Finished: at, Users: scanUsers(50_000, at)}
	blob, err := encodeScan(res)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// A scan is published once per LASTACTIVE_CACHE_TTL: by then the
			// GC has emptied encoding/json's pool of buffers.
			b.StopTimer()
			runtime.GC()
			runtime.GC()
			b.StartTimer()
			if _, err := encodeScan(res); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeScan(blob); err != nil {
				b.Fatal(err)
			}
		}
	})
}

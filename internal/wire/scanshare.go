package wire

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/seat"
)

// The names under which replicas coordinate the org scan.
const (
	scanSlot       = "org scan"
	scanResultKey  = "org scan result"      // gzip'd JSON of scanResult
	scanMarkerKey  = "org scan result time" // 8 bytes: when the result finished, µs since the epoch
	scanClaimTTL   = 2 * time.Minute        // renewed while scanning; a crashed holder's claim lapses
	scanPollEvery  = 250 * time.Millisecond
	minResultTTL   = 10 * time.Minute
	storeOpTimeout = 10 * time.Second
)

// scanResult is what a scanning replica publishes.
type scanResult struct {
	Finished time.Time `json:"finished"`
	// Sites are the workspaces the scan named its sites by: a replica that
	// reads the result back names them so when its own read of the
	// workspaces fails. Absent from results of earlier versions, and
	// skipped by their readers.
	Sites []scanSite          `json:"sites,omitempty"`
	Users []atlassian.OrgUser `json:"users"`
}

// scanSite is one workspace as a result keeps it: what names and sizes a
// site in a report and a digest.
type scanSite struct {
	CloudID  string `json:"cloud_id"`
	Host     string `json:"host"`
	Type     string `json:"type,omitempty"`
	Capacity int    `json:"capacity,omitempty"`
}

// maxScanSites bounds the sites a result keeps, as the Admin API client
// bounds the workspaces it reads.
const maxScanSites = 10_000

func scanSites(ws []atlassian.Workspace) []scanSite {
	var out []scanSite
	for _, w := range ws {
		if w.CloudID == "" || w.Host == "" {
			continue // names nothing
		}
		if len(out) == maxScanSites {
			break
		}
		out = append(out, scanSite{CloudID: w.CloudID, Host: w.Host, Type: w.Type, Capacity: w.Capacity})
	}
	return out
}

func (r scanResult) scanned() seat.Scanned {
	var ws []atlassian.Workspace
	for _, s := range r.Sites[:min(len(r.Sites), maxScanSites)] {
		// Held to what the workspaces reader keeps: a stored document is
		// read as warily as the Admin API's answer.
		if !atlassian.IsHost(s.Host) {
			continue
		}
		if s.Capacity < 0 || s.Capacity > atlassian.MaxCapacity {
			s.Capacity = 0
		}
		ws = append(ws, atlassian.Workspace{ID: s.CloudID, CloudID: atlassian.CloudID(s.CloudID), Host: s.Host, Type: s.Type, Capacity: s.Capacity})
	}
	return seat.Scanned{Users: r.Users, Sites: ws}
}

// ScanShare runs the org scan once at a time across every process sharing
// the database (seat.ScanSharer). The process that claims the "org scan"
// slot scans, publishes the result (gzip'd JSON) and saves a snapshot of the
// counts per product and site; the others wait for that result, reading it
// from the store, instead of scanning too. Without a store, or when the
// store fails, it scans here: a report never fails for want of the
// database.
type ScanShare struct {
	D        *Durable
	Log      *slog.Logger
	Metrics  *StoreMetrics
	IdleDays int           // the threshold of the saved snapshot
	TTL      time.Duration // how long a result may be reused (LASTACTIVE_CACHE_TTL)
	// Holder names this process in claims; "": host, pid and a random suffix.
	Holder string

	once sync.Once
}

var _ seat.ScanSharer = (*ScanShare)(nil)

func (c *ScanShare) init() {
	c.once.Do(func() {
		if c.Log == nil {
			c.Log = slog.New(slog.DiscardHandler)
		}
		if c.Holder == "" {
			host, _ := os.Hostname()
			c.Holder = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
		}
	})
}

// Share implements seat.ScanSharer.
func (c *ScanShare) Share(ctx context.Context, notBefore time.Time, scan func(context.Context) (seat.Scanned, error)) (seat.Scanned, time.Time, error) {
	c.init()
	here := func() (seat.Scanned, time.Time, error) {
		got, err := scan(ctx)
		return got, time.Time{}, err
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return seat.Scanned{}, time.Time{}, ctx.Err()
		case <-poll.C:
		}
		st := c.D.Store()
		if st == nil {
			return here()
		}
		if res, ok := c.read(ctx, st, notBefore); ok {
			return res.scanned(), res.Finished, nil
		}
		cctx, cancel := context.WithTimeout(ctx, storeOpTimeout)
		got, err := st.Claim(cctx, scanSlot, c.Holder, scanClaimTTL)
		cancel()
		if err != nil {
			c.fail("claim", err)
			return here()
		}
		if got {
			// The holder before us may have published just before we claimed.
			if res, ok := c.read(ctx, st, notBefore); ok {
				c.release(st)
				return res.scanned(), res.Finished, nil
			}
			got, err := c.scanHeld(ctx, st, scan)
			return got, time.Time{}, err
		}
		poll.Reset(scanPollEvery)
	}
}

// read returns the published result when it finished at or after notBefore.
func (c *ScanShare) read(ctx context.Context, st *state.Store, notBefore time.Time) (scanResult, bool) {
	ctx, cancel := context.WithTimeout(ctx, storeOpTimeout)
	defer cancel()
	// The 8-byte marker first: the result itself is megabytes.
	m, err := st.Result(ctx, scanMarkerKey)
	if err != nil || len(m) != 8 {
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			c.fail("result", err)
		}
		return scanResult{}, false
	}
	if time.UnixMicro(int64(binary.BigEndian.Uint64(m))).Before(notBefore) {
		return scanResult{}, false
	}
	blob, err := st.Result(ctx, scanResultKey)
	if err != nil {
		if !errors.Is(err, state.ErrNotFound) {
			c.fail("result", err)
		}
		return scanResult{}, false
	}
	res, err := decodeScan(blob)
	if err != nil || res.Finished.Before(notBefore) {
		if err != nil {
			c.Log.Warn("org scan result unreadable; scanning here", "err", err)
		}
		return scanResult{}, false
	}
	c.Log.Info("org scan result read from the store", "accounts", len(res.Users), "finished", res.Finished)
	return res, true
}

// scanHeld scans while holding the claim, renewing it, then publishes.
func (c *ScanShare) scanHeld(ctx context.Context, st *state.Store, scan func(context.Context) (seat.Scanned, error)) (seat.Scanned, error) {
	defer c.release(st)
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(scanClaimTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				cctx, cancel := context.WithTimeout(rctx, storeOpTimeout)
				if _, err := st.Claim(cctx, scanSlot, c.Holder, scanClaimTTL); err != nil && rctx.Err() == nil {
					c.fail("claim", err)
				}
				cancel()
			}
		}
	})
	got, err := scan(ctx)
	stop()
	wg.Wait()
	if err != nil {
		return seat.Scanned{}, err
	}
	c.publish(ctx, st, scanResult{Finished: time.Now().UTC(), Sites: scanSites(got.Sites), Users: got.Users})
	return got, nil
}

func (c *ScanShare) publish(ctx context.Context, st *state.Store, res scanResult) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	blob, err := encodeScan(res)
	if err != nil {
		c.Log.Error("org scan result not encoded", "err", err)
		return
	}
	ttl := max(c.TTL, minResultTTL)
	var m [8]byte
	binary.BigEndian.PutUint64(m[:], uint64(res.Finished.UnixMicro()))
	if err := st.PutResult(ctx, scanResultKey, blob, ttl); err != nil {
		c.fail("result", err)
	} else if err := st.PutResult(ctx, scanMarkerKey, m[:], ttl); err != nil {
		c.fail("result", err)
	}
	// The report history (snapshots) is recorded by the digest, once per
	// digest: a snapshot per scan too would count one scan twice and show a
	// digest no change against its own scan.
}

func (c *ScanShare) release(st *state.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), storeOpTimeout)
	defer cancel()
	if err := st.Release(ctx, scanSlot, c.Holder); err != nil {
		c.fail("claim", err)
	}
}

func (c *ScanShare) fail(op string, err error) {
	c.Metrics.failed(op)
	c.D.observe(err)
	c.Log.Warn("state store: "+op+" failed", "err", err)
}

// encodeScan writes res as gzip'd JSON one account at a time: encoding the
// whole result at once held its JSON (tens of MB for 50,000 accounts, and
// as much again while the buffer grew) beside the accounts themselves.
// The document is the same JSON object either way.
func encodeScan(res scanResult) ([]byte, error) {
	finished, err := json.Marshal(res.Finished)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	fmt.Fprintf(zw, `{"finished":%s,`, finished)
	if len(res.Sites) > 0 {
		if _, err := zw.Write([]byte(`"sites":`)); err != nil {
			return nil, err
		}
		if err := enc.Encode(res.Sites); err != nil {
			return nil, err
		}
		zw.Write([]byte{','})
	}
	zw.Write([]byte(`"users":[`))
	for i, u := range res.Users {
		if i > 0 {
			zw.Write([]byte{','})
		}
		if err := enc.Encode(u); err != nil {
			return nil, err
		}
	}
	if _, err := zw.Write([]byte("]}")); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxScanJSON bounds a decoded result: 100,000 accounts take about 50 MB.
const maxScanJSON = 256 << 20

// decodeScan reads a result as json.Unmarshal would (keys matched without
// regard to case, unknown ones skipped, null for nothing), but one account
// at a time: decoding the whole document at once first read all of its
// JSON into one buffer, grown by doubling, for 50,000 accounts over 100 MB
// allocated beside the accounts.
func decodeScan(blob []byte) (scanResult, error) {
	var res scanResult
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return res, fmt.Errorf("decode org scan result: %w", err)
	}
	defer zr.Close()
	dec := json.NewDecoder(&limitReader{r: zr, n: maxScanJSON})
	if err := decodeScanJSON(dec, &res); err != nil {
		return scanResult{}, fmt.Errorf("decode org scan result: %w", err)
	}
	return res, nil
}

func decodeScanJSON(dec *json.Decoder, res *scanResult) error {
	t, err := dec.Token()
	if err != nil || t == nil { // null: nothing, as Unmarshal reads it
		return err
	}
	if t != json.Delim('{') {
		return fmt.Errorf("%v where an object belongs", t)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch {
		case strings.EqualFold(key, "finished"):
			err = dec.Decode(&res.Finished)
		case strings.EqualFold(key, "sites"):
			err = dec.Decode(&res.Sites)
		case strings.EqualFold(key, "users"):
			res.Users, err = decodeScanUsers(dec)
		default:
			err = dec.Decode(&json.RawMessage{})
		}
		if err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

func decodeScanUsers(dec *json.Decoder) ([]atlassian.OrgUser, error) {
	t, err := dec.Token()
	if err != nil || t == nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return nil, fmt.Errorf("%v where the users belong", t)
	}
	users := []atlassian.OrgUser{}
	var strs atlassian.Strings // the statuses, product IDs and keys held once, as a scan holds them
	for dec.More() {
		var u atlassian.OrgUser
		if err := dec.Decode(&u); err != nil {
			return nil, err
		}
		strs.Compact(&u)
		users = append(users, u)
	}
	_, err = dec.Token() // the closing bracket
	return users, err
}

type limitReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("org scan result too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

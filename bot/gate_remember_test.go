package bot

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// A requester pays once per distinct person in a window: asking about the
// same person again enumerates nothing (a second look after a call), and
// the directory walk the budget guards against is still refused.

func testGate(now *time.Time) *Gate {
	return NewGate(GateConfig{Now: func() time.Time { return *now }})
}

// TestGateSamePersonAgainIsNeverRefused: 100 lookups of one person by one
// requester, one after the other. Before, the 21st was refused ("You have
// asked about many people in a short time").
func TestGateSamePersonAgainIsNeverRefused(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := testGate(&now)
	for i := range 100 {
		if ok, wait := g.TakeLookup("U1", []string{"ada@example.com"}, false); !ok {
			t.Fatalf("lookup %d of the same person refused (wait %v)", i+1, wait)
		}
	}
	// Only the first paid: 19 other people still fit in the burst.
	for i := range 19 {
		if ok, _ := g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false); !ok {
			t.Fatalf("person %d refused: the repeats of one person were charged", i+2)
		}
	}
}

// TestGateSamePersonAtOnceAllPass: 50 lookups of one new person at once,
// with one token left: the first charge is remembered before any other is
// decided, so one pays and all pass.
func TestGateSamePersonAtOnceAllPass(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := testGate(&now)
	for i := range 19 {
		g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := 0
	for range 50 {
		wg.Go(func() {
			if ok, _ := g.TakeLookup("U1", []string{"ada@example.com"}, false); !ok {
				mu.Lock()
				refused++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if refused > 0 {
		t.Errorf("%d of 50 simultaneous lookups of one person refused, want none", refused)
	}
	if ok, _ := g.TakeLookup("U1", []string{"grace@example.com"}, false); ok {
		t.Error("a new person was answered after the burst was spent: the simultaneous lookups paid nothing")
	}
}

// TestGateDistinctPeopleStillRefused: 25 people, one at a time: the 21st
// is refused with the wait, as before. A remembered person does not refill
// the bucket: asked about again, they are answered; a new one is refused.
// A refused lookup remembers no one.
func TestGateDistinctPeopleStillRefused(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := testGate(&now)
	for i := range 25 {
		ok, wait := g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false)
		switch {
		case i < 20 && !ok:
			t.Fatalf("person %d refused within the burst", i+1)
		case i >= 20 && ok:
			t.Fatalf("person %d answered past the burst: the directory can be walked", i+1)
		case i >= 20 && (wait <= 0 || wait > 3*time.Second):
			t.Errorf("person %d: wait %v, want (0, 3s]", i+1, wait)
		}
	}
	for i := range 20 {
		if ok, _ := g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false); !ok {
			t.Errorf("remembered person %d refused", i+1)
		}
	}
	if ok, _ := g.TakeLookup("U1", []string{"p0@example.com", "new@example.com"}, false); ok {
		t.Error("a lookup naming one remembered and one new person was answered on an empty bucket")
	}
	// One token later: the refused ones were not remembered, each pays.
	now = now.Add(3 * time.Second)
	if ok, _ := g.TakeLookup("U1", []string{"p21@example.com"}, false); !ok {
		t.Error("a new person refused once a token was back")
	}
	if ok, _ := g.TakeLookup("U1", []string{"p22@example.com"}, false); ok {
		t.Error("a person refused before was remembered: answered at no cost")
	}
	// Another requester has their own memory and bucket.
	if ok, _ := g.TakeLookup("U2", []string{"p22@example.com"}, false); !ok {
		t.Error("another requester was refused")
	}
}

// TestGateFreshStillPays: --fresh and Refresh bypass the cache and cost an
// upstream call: they pay for every person, remembered or not.
func TestGateFreshStillPays(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := testGate(&now)
	for i := range 20 {
		g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false)
	}
	if ok, _ := g.TakeLookup("U1", []string{"p0@example.com"}, true); ok {
		t.Error("--fresh of a remembered person answered on an empty bucket")
	}
	if ok, _ := g.TakeLookup("U1", []string{"p0@example.com"}, false); !ok {
		t.Error("the remembered person refused after a refused --fresh")
	}
	// Reports pay as before, whoever was asked about.
	if ok, _ := g.Take("U1", 1); ok {
		t.Error("a report answered on an empty bucket")
	}
}

// TestGateMemoryIsBoundedAndExpires: a requester's memory keeps the last
// rememberedPerRequester people, each for the window; past either, a
// person pays again.
func TestGateMemoryIsBoundedAndExpires(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := NewGate(GateConfig{Now: func() time.Time { return now }, PerUserEvery: time.Second, PerUserBurst: 10_000, Remember: time.Hour})
	for i := range 1000 {
		g.TakeLookup("U1", []string{fmt.Sprintf("p%d@example.com", i)}, false)
	}
	if n := len(g.limiters["U1"].targets); n > rememberedPerRequester {
		t.Errorf("%d people remembered for one requester, want at most %d", n, rememberedPerRequester)
	}
	paid := func(keys ...string) float64 {
		before := g.limiters["U1"].lim.TokensAt(now)
		g.TakeLookup("U1", keys, false)
		return before - g.limiters["U1"].lim.TokensAt(now)
	}
	spent := func(keys ...string) bool { return paid(keys...) > 0 }
	if spent("p999@example.com") {
		t.Error("the last person asked about paid again")
	}
	if !spent("p0@example.com") {
		t.Error("the first of 1,000 people is still remembered")
	}
	now = now.Add(time.Hour + time.Second)
	if !spent("p999@example.com") {
		t.Error("a person asked about more than the window ago did not pay again")
	}
	if n := paid("a@example.com", "a@example.com"); n != 1 {
		t.Errorf("one person named twice in one lookup paid %v tokens, want 1", n)
	}
	off := NewGate(GateConfig{Now: func() time.Time { return now }, Remember: -1})
	for i := range 21 {
		if ok, _ := off.TakeLookup("U1", []string{"ada@example.com"}, false); ok != (i < 20) {
			t.Fatalf("with nothing remembered, lookup %d: ok=%v", i+1, ok)
		}
	}
}

// TestGateKeepsNoCommandText: a remembered person is kept by a hash of
// their key, with no pointer into memory: a key cut from the command's
// text (up to 2,000 characters) kept that whole text alive for each of the
// 64 people remembered per requester. The person asked about again is
// still a repeat.
func TestGateKeepsNoCommandText(t *testing.T) {
	t.Parallel()
	rt := reflect.TypeFor[remembered]()
	for i := range rt.NumField() {
		switch k := rt.Field(i).Type.Kind(); k {
		case reflect.String, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Struct:
			t.Errorf("remembered.%s is a %s: it may keep memory alive", rt.Field(i).Name, k)
		}
	}
	now := time.Unix(1e9, 0)
	g := testGate(&now)
	cmd, err := ParseCommand("ada@example.com " + strings.Repeat(" ", 1900))
	if err != nil {
		t.Fatal(err)
	}
	key := targetKey(cmd.Targets[0])
	g.TakeLookup("U1", []string{key}, false)
	for range 60 { // three default bursts
		if ok, _ := g.TakeLookup("U1", []string{"ada@example.com"}, false); !ok {
			t.Fatal("the person asked about again is refused")
		}
	}
}

// TestGateClockStepBackRemembersNobody: remembered times are wall-clock
// nanoseconds; a clock stepped back made a person remembered for the
// window plus the step, longer than their cached answer lives. A time
// after now is not remembered.
func TestGateClockStepBackRemembersNobody(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := NewGate(GateConfig{Now: func() time.Time { return now }, PerUserBurst: 1, PerUserEvery: time.Hour})
	if ok, _ := g.TakeLookup("U1", []string{"ada@example.com"}, false); !ok {
		t.Fatal("the first lookup is refused")
	}
	now = now.Add(-2 * time.Hour) // the clock steps back
	if ok, _ := g.TakeLookup("U1", []string{"ada@example.com"}, false); ok {
		t.Error("after the clock stepped back two hours, a person remembered 'in the future' was free")
	}
}

// TestTargetsKeepNoCommandText: an address parsed from a command was a
// slice of the command's text, and the lookup cache keys its answer by
// that address for the TTL (an hour): each cached person kept the whole
// text alive, up to the 10,000 characters a pasted column of linked
// addresses may take. A target is a copy of its own.
func TestTargetsKeepNoCommandText(t *testing.T) {
	t.Parallel()
	text := "ada@example.com\n<mailto:grace@example.com|grace@example.com>\n" + strings.Repeat(" ", 1900)
	cmd, err := ParseCommand(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmd.Targets) != 2 {
		t.Fatalf("targets %+v; want two", cmd.Targets)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	for _, tg := range cmd.Targets {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(tg.Email))); p >= start && p < start+uintptr(len(text)) {
			t.Errorf("target %q points into the command's text", tg.Email)
		}
	}
}

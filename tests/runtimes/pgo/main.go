// A CPU-bound Go program for the test of docs/gate.md#a-profile-for-the-compiler: profiled by
// runtime/pprof, its profile is served by GET /pgo/{appName} and the same program is built again
// with `go build -pgo=`. Its hot path has a small function the compiler inlines (square), called
// from ones it does not (sumSquares, hashes), so the profile holds locations with inlined lines.
// Two calls only a profile changes: an interface call whose receiver is nearly always a rect (PGO
// devirtualizes it) and a call of mix, over the inliner's usual budget (PGO inlines it where it is
// hot).
// Usage: main <dir> <seconds>: writes <dir>/cpu-1.pb.gz and <dir>/cpu-2.pb.gz, one after
// the other, each <seconds> of this process's CPU time (longer on a busy machine, with as many
// samples), and <dir>/../<dir's name>-heap/heap.pb.gz.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

var sink uint64

var shapes = []shape{rect{3, 4}, rect{5, 6}, rect{7, 8}, rect{1, 2}, rect{9, 9}, rect{2, 7}, rect{4, 4}, circle{2}}

// square is small enough to be inlined into its callers, and more than one multiply: a lone
// `x * x` folded into its caller's line, and the profile then held no inlined frame.
func square(x uint64) uint64 {
	y := x * x
	return y ^ (y >> 29) ^ (y << 7)
}

//go:noinline
func sumSquares(n uint64) uint64 {
	var s uint64
	for i := uint64(0); i < n; i++ {
		s += square(i ^ s)
	}
	return s
}

//go:noinline
func hashes(n int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

// shape's one hot implementation is rect: PGO devirtualizes the interface call in areas.
type shape interface{ area() uint64 }

type rect struct{ w, h uint64 }

func (r rect) area() uint64 { return r.w*r.h + r.w ^ r.h }

type circle struct{ r uint64 }

func (c circle) area() uint64 { return 3 * c.r * c.r }

//go:noinline
func areas(shapes []shape, n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s += shapes[i%len(shapes)].area()
	}
	return s
}

// mix is too costly for the inliner's usual budget (80) and small enough for its budget of
// hot call sites (2000): only a profile that shows its call in mixes hot inlines it.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	x += x<<7 ^ x>>3
	x ^= x<<11 + x>>5
	x += x<<13 ^ x>>7
	x ^= x<<17 + x>>9
	x += x<<19 ^ x>>11
	x ^= x<<23 + x>>13
	x += x<<29 ^ x>>17
	return x
}

//go:noinline
func mixes(n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s += mix(uint64(i) + s)
	}
	return s
}

// cpuTime is the CPU time this process has spent so far.
func cpuTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// work runs the hot path until this process has spent `until` of CPU time: on a machine busy
// with other work the profile takes longer, not fewer samples (seen once with wall time on a
// loaded machine: the compiler then found no call hot enough to devirtualize).
//
//go:noinline
func work(until time.Duration) {
	for cpuTime() < until {
		sink += sumSquares(200_000)
		sink += hashes(100_000)
		sink += mixes(100_000)
		sink += areas(shapes, 100_000)
	}
}

// deep calls work through n frames of itself: stacks deeper than keep_locations cuts.
//
//go:noinline
func deep(n int, until time.Duration) {
	if n == 0 {
		work(until)
		return
	}
	deep(n-1, until)
}

func profile(path string, d time.Duration) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	deep(6, cpuTime()+d)
	pprof.StopCPUProfile()
}

func main() {
	dir := os.Args[1]
	seconds, err := strconv.ParseFloat(os.Args[2], 64)
	if err != nil {
		panic(err)
	}
	d := time.Duration(seconds * float64(time.Second))
	profile(filepath.Join(dir, "cpu-1.pb.gz"), d)
	profile(filepath.Join(dir, "cpu-2.pb.gz"), d)
	heapDir := dir + "-heap"
	if err := os.MkdirAll(heapDir, 0o755); err != nil {
		panic(err)
	}
	heap, err := os.Create(filepath.Join(heapDir, "heap.pb.gz"))
	if err != nil {
		panic(err)
	}
	defer heap.Close()
	if err := pprof.WriteHeapProfile(heap); err != nil {
		panic(err)
	}
	fmt.Println(sink)
}

// A Go program for the proof of memory that only grows
// (docs/regressions.md#memory-that-only-grows), profiled by the runtime's own runtime/pprof. It
// runs TICKS ticks; a tick stands for one 10-s slice of the watcher's time but runs as fast as the
// machine allows (the test places tick k's profile in slice k with the push's from/until). After
// each tick it runs runtime.GC() (twice: see below) and writes pprof.Lookup("heap") (gzip pprof) to
// <dir>/heap-NNN.pb.gz.
//
// Usage: heap_ticks MODE DIR TICKS, MODE one of
//
//	leak   main.retainRecords keeps LeakPerTick bytes a tick, never freed, and holds a scratch
//	       of ScratchChunks(tick) chunks it replaces every tick (0, 1 or 2 MiB): its in-use
//	       wanders around its line, as a leaking function's does;
//	churn  main.processBatch allocates a new batch of small records a tick and drops the last;
//	level  main.warmCache grows by WarmPerTick bytes for WarmTicks ticks, then stays.
//
// Every mode also holds a steady set (main.loadSteady, allocated once at start).
//
// Sampling: Go records one allocation per runtime.MemProfileRate bytes on average (512 KiB by
// default) and reports a sampled one as size/(1-exp(-size/rate)), the sampling decided once,
// when the memory is allocated. The retained memory comes in chunks of ChunkBytes (1 MiB):
// at the default rate a chunk is missed with probability e^-2 and a tick's total is off by up
// to 15 %. The proof's runs set MEM_PROFILE_RATE=1 (read first thing in main): Go then records
// every allocation at its size, so the leak's true rate is known to the byte. (A rate set in
// main, such as 32 KiB, is not enough: each P's countdown to its next sample was drawn at the
// default rate before main ran, and the first chunks can be missed, as a run showed: 7 of the
// steady set's 8 MiB.) Unset, the rate is Go's default, as a program under Pyroscope's Go
// SDK runs; the noise of the stable functions is measured at both.
package main

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

const (
	// LeakPerTick is what the leak keeps (and the warming cache grows) per tick.
	LeakPerTick = 4 << 20
	// ChunkBytes is the size of each retained allocation.
	ChunkBytes = 1 << 20
	// WarmTicks is how many ticks the cache of the level mode grows, WarmPerTick a tick:
	// 24 MiB in all, more than the test's growth floor (16 MiB), so that only the trend
	// (flat over the window tested) keeps it from being a leak.
	WarmTicks   = 3
	WarmPerTick = 8 << 20
	// SteadyBytes is the steady set every mode holds.
	SteadyBytes = 8 << 20
	// BatchBytes is what one churn batch holds, in records of 64 B to 8 KiB.
	BatchBytes = 4 << 20
)

var (
	steady  [][]byte
	scratch [][]byte
	records [][]byte
	cache   [][]byte
	batch   [][]byte
)

//go:noinline
func loadSteady() {
	for i := 0; i < SteadyBytes/ChunkBytes; i++ {
		steady = append(steady, make([]byte, ChunkBytes))
	}
}

// retainRecords keeps what it allocates (the leak) and replaces its scratch.
//
//go:noinline
func retainRecords(tick int) {
	for i := 0; i < LeakPerTick/ChunkBytes; i++ {
		chunk := make([]byte, ChunkBytes)
		chunk[0] = byte(i)
		records = append(records, chunk)
	}
	// The old scratch's chunks are dropped from the whole backing array, so none stays alive.
	for i := range scratch[:cap(scratch)] {
		scratch[:cap(scratch)][i] = nil
	}
	scratch = scratch[:0]
	for i := 0; i < ScratchChunks(tick); i++ {
		scratch = append(scratch, make([]byte, ChunkBytes))
	}
}

// ScratchChunks is how many chunks retainRecords' scratch holds after tick: 0, 1 or 2,
// in a fixed order the test knows.
func ScratchChunks(tick int) int {
	return (tick * 5) % 3
}

// processBatch allocates a batch of small records and drops the previous one: it allocates as
// much as it frees.
//
//go:noinline
func processBatch(rng *rand.Rand) {
	next := make([][]byte, 0, BatchBytes/64)
	for held := 0; held < BatchBytes; {
		size := 64 << rng.Intn(8)
		next = append(next, make([]byte, size))
		held += size
	}
	batch = next
}

// warmCache grows for the first WarmTicks ticks, then only reads what it holds.
//
//go:noinline
func warmCache(tick int) {
	if tick >= WarmTicks {
		return
	}
	for i := 0; i < WarmPerTick/ChunkBytes; i++ {
		cache = append(cache, make([]byte, ChunkBytes))
	}
}

func main() {
	if rate, err := strconv.Atoi(os.Getenv("MEM_PROFILE_RATE")); err == nil && rate > 0 {
		runtime.MemProfileRate = rate
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: heap_ticks leak|churn|level DIR TICKS")
		os.Exit(2)
	}
	mode, dir := os.Args[1], os.Args[2]
	ticks, err := strconv.Atoi(os.Args[3])
	if err != nil || ticks < 1 {
		fmt.Fprintln(os.Stderr, "TICKS must be a positive number")
		os.Exit(2)
	}
	// The slices of chunk headers are made once, outside the functions measured, so that
	// their in-use is only the chunks.
	steady = make([][]byte, 0, SteadyBytes/ChunkBytes)
	records = make([][]byte, 0, ticks*LeakPerTick/ChunkBytes)
	scratch = make([][]byte, 0, 2)
	cache = make([][]byte, 0, WarmTicks*WarmPerTick/ChunkBytes)
	loadSteady()
	rng := rand.New(rand.NewSource(int64(os.Getpid())))
	for tick := 0; tick < ticks; tick++ {
		switch mode {
		case "leak":
			retainRecords(tick)
		case "churn":
			processBatch(rng)
		case "level":
			warmCache(tick)
		default:
			fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
			os.Exit(2)
		}
		// Go publishes the heap profile as of the last completed collection, with the
		// allocations of the cycle before it: two collections make it the tick's own state.
		runtime.GC()
		runtime.GC()
		f, err := os.Create(fmt.Sprintf("%s/heap-%03d.pb.gz", dir, tick))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
	}
	runtime.KeepAlive(steady)
}

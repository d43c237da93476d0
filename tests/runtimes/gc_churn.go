// A Go program profiled by the runtime's own runtime/pprof (docs/runtimes.md): it keeps a cache of
// linked nodes (the in-use memory) and then allocates short-lived nodes in a loop, so that with
// a low GOGC the collector takes much of the CPU. It writes <dir>/cpu.pb.gz and <dir>/heap.pb.gz.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

type node struct {
	next  *node
	value [4]int64
}

var kept []*node

//go:noinline
func churnNodes(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head}
	}
	return head
}

//go:noinline
func keepCache() {
	for i := 0; i < 2000; i++ {
		kept = append(kept, churnNodes(50))
	}
}

func main() {
	// One heap sample per 64 KiB rather than 512 KiB: the 4.8 MB cache is then about 75
	// samples, not 9, so it cannot come out as one sample beside a goroutine stack's (a run
	// once read main.churnNodes 524 312 B, runtime.malg 524 496 B).
	runtime.MemProfileRate = 64 * 1024
	dir := os.Args[1]
	cpu, err := os.Create(dir + "/cpu.pb.gz")
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	keepCache()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		churnNodes(10000)
	}
	pprof.StopCPUProfile()
	cpu.Close()
	runtime.GC()
	heap, err := os.Create(dir + "/heap.pb.gz")
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(heap); err != nil {
		panic(err)
	}
	heap.Close()
}

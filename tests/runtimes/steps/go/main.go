// A request handler that runs as a service does, profiled as an agent profiles it: one CPU
// profile per PERIOD from runtime/pprof, each starting where the last ended, for SECONDS in
// all (the last one cut short when the time is up). Each profile is written to DIR as <start>-<end>.pb.gz (Unix nanoseconds of its own
// window), renamed into place once complete, for a pusher that sends each as it appears.
//
// Usage: steps DIR SECONDS PERIOD
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"
)

type request struct {
	key []byte
	id  int
}

// sink keeps the compiler from dropping the work.
var sink int

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: steps DIR SECONDS PERIOD")
		os.Exit(2)
	}
	dir := os.Args[1]
	seconds, err := strconv.ParseFloat(os.Args[2], 64)
	if err != nil {
		panic(err)
	}
	period, err := strconv.ParseFloat(os.Args[3], 64)
	if err != nil {
		panic(err)
	}
	key := []byte("customer-4711/cart/checkout/v2")
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	n := 0
	for time.Now().Before(end) {
		start := time.Now()
		partial := filepath.Join(dir, "profile.partial")
		out, err := os.Create(partial)
		if err != nil {
			panic(err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			panic(err)
		}
		// The last window is cut short when the process stops, as an agent's is.
		deadline := start.Add(time.Duration(period * float64(time.Second)))
		if deadline.After(end) {
			deadline = end
		}
		for time.Now().Before(deadline) {
			for i := 0; i < 100; i++ {
				sink += handle(request{key: key, id: n})
				n++
			}
		}
		pprof.StopCPUProfile()
		if err := out.Close(); err != nil {
			panic(err)
		}
		name := fmt.Sprintf("%d-%d.pb.gz", start.UnixNano(), time.Now().UnixNano())
		if err := os.Rename(partial, filepath.Join(dir, name)); err != nil {
			panic(err)
		}
	}
}

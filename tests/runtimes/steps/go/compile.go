package main

// compile turns the request into a plan: one pass over its key.
//
//go:noinline
func compile(req request) int {
	plan := 0
	for pass := 0; pass < 1; pass++ {
		for i := 0; i < 180; i++ {
			plan ^= int(req.key[i%len(req.key)]) << (i % 7)
		}
	}
	return plan & 1
}

package main

// render lays the answer out: a rolling checksum over a page of the key.
//
//go:noinline
func render(req request) int {
	page := 0
	for i := 0; i < 600; i++ {
		page = page*33 ^ int(req.key[(i+req.id)%len(req.key)])
	}
	return page
}

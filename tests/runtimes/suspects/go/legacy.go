package main

// unusedHelper is kept for an old client; nothing calls it.
func unusedHelper(values []int) int {
	sum := 0
	for _, v := range values {
		sum += v
	}
	return sum
}

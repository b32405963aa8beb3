package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README shows this program as written: its Go block must be main.go, byte for byte.
func TestReadmeShowsThisExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```go block")
	}
	code, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m[1], code) {
		t.Fatal("README.md's example differs from cmd/example/main.go: copy main.go into the README's ```go block")
	}
}

// The example runs against the test server and does what it says.
func TestExampleRuns(t *testing.T) {
	if os.Getenv("BATON_URL") == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	read, write, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = write
	runErr := run()
	os.Stdout = stdout
	write.Close()
	out, _ := io.ReadAll(read)
	t.Logf("output:\n%s", out)
	if runErr != nil {
		t.Fatal(runErr)
	}
	for _, want := range []string{"deploying with fencing token ", "deploy/prod is busy: held by deployer@ci-7", "build 42 is ready: s3://artifacts/42.tar.gz"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q", want)
		}
	}
	if n := strings.Count(string(out), "has a GPU"); n != 5 {
		t.Fatalf("%d workers had a GPU, want 5", n)
	}
}

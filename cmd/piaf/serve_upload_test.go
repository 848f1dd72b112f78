package main

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"200MB": 200 << 20, "1gb": 1 << 30, "1.5 GB": 3 << 29, "512KB": 512 << 10, "1000": 1000, "10B": 10} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1MB", "0", "2TB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

func TestServeUploadLimitFlag(t *testing.T) {
	var e env
	e.getenv = func(name string) string {
		if name == "PIAF_UPLOAD_LIMIT" {
			return "50MB"
		}
		return ""
	}
	fs, cfg := serveFlags(e)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	if cfg.web.UploadLimit != 50<<20 {
		t.Errorf("upload limit from the environment = %d", cfg.web.UploadLimit)
	}
	fs, cfg = serveFlags(e)
	if err := fs.Parse([]string{"--upload-limit", "nope"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.check(); err == nil {
		t.Error("a bad --upload-limit passed the check")
	}
}

package jsonpos

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDescribe(t *testing.T) {
	var v struct{ A int }
	data := []byte("{\n  \"A\":\n  \"x\"\n}")
	err := json.Unmarshal(data, &v)
	if got := Describe(data, err); got[:7] != "line 3:" {
		t.Errorf("type error: %q", got)
	}
	data = []byte("{\n\n  \"A\": 1,,\n}")
	err = json.Unmarshal(data, &v)
	if got := Describe(data, err); got[:7] != "line 3:" {
		t.Errorf("syntax error: %q", got)
	}
	if got := Describe(nil, errors.New("plain")); got != "plain" {
		t.Errorf("plain error: %q", got)
	}
}

package jupyter

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/nerlab/nerlab/internal/jsonpos"
)

// Connection is a kernel connection file, as Jupyter writes it.
type Connection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

// ReadConnection reads and checks a connection file; errors name the file
// (and the line and column of a JSON mistake).
func ReadConnection(path string) (*Connection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Connection
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonpos.Describe(data, err))
	}
	switch {
	case c.Transport != "tcp" && c.Transport != "ipc":
		return nil, fmt.Errorf("%s: transport %q; expected tcp or ipc", path, c.Transport)
	case c.IP == "":
		return nil, fmt.Errorf("%s: no ip", path)
	}
	for name, port := range map[string]int{"shell_port": c.ShellPort, "control_port": c.ControlPort, "iopub_port": c.IOPubPort, "stdin_port": c.StdinPort, "hb_port": c.HBPort} {
		if port <= 0 || port > 65535 {
			return nil, fmt.Errorf("%s: %s %d is not a port", path, name, port)
		}
	}
	if c.SignatureScheme == "" {
		c.SignatureScheme = "hmac-sha256"
	}
	return &c, nil
}

// endpoint is the ZeroMQ address of one of the kernel's sockets.
func (c *Connection) endpoint(port int) string {
	if c.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", c.IP, port)
	}
	return fmt.Sprintf("tcp://%s:%d", c.IP, port)
}

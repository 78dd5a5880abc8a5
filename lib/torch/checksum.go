package torch

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"sort"
	"strings"

	"github.com/sugarme/gotch"
)

// ChecksumKey is the metadata entry in which nerlab's safetensors files
// record a CRC-32C of every tensor's bytes, as a JSON object {name: hex}.
// The format has no checksum of its own, and a flipped byte in the data
// would otherwise load as a slightly different model without a word.
// Files from elsewhere (Hugging Face folders) have no such entry and are
// read as they are.
const ChecksumKey = "nerlab.crc32c"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(data []byte) string {
	return fmt.Sprintf("%08x", crc32.Checksum(data, castagnoli))
}

// withChecksums returns a copy of meta with the checksums of the tensors
// named names (whose bytes are blobs, in the same order).
func withChecksums(meta map[string]string, names []string, blobs [][]byte) map[string]string {
	sums := make(map[string]string, len(names))
	for i, name := range names {
		sums[name] = checksum(blobs[i])
	}
	data, _ := json.Marshal(sums) // a map of strings always marshals
	out := maps.Clone(meta)
	if out == nil {
		out = map[string]string{}
	}
	out[ChecksumKey] = string(data)
	return out
}

// verifyChecksums checks every entry against the checksums in meta, when
// the file records them, and names the tensors whose bytes changed.
func verifyChecksums(meta map[string]string, entries []SafetensorsEntry) error {
	recorded, ok := meta[ChecksumKey]
	if !ok {
		return nil
	}
	var sums map[string]string
	if err := json.Unmarshal([]byte(recorded), &sums); err != nil {
		return fmt.Errorf("the checksums in the metadata (%s) are unreadable: %v; the file is corrupt", ChecksumKey, err)
	}
	var bad []string
	for _, e := range entries {
		want, ok := sums[e.Name]
		if !ok {
			bad = append(bad, e.Name+" (no checksum recorded)")
			continue
		}
		if checksum(e.Data) != want {
			bad = append(bad, e.Name)
		}
		delete(sums, e.Name)
	}
	for name := range sums {
		bad = append(bad, name+" (recorded but missing)")
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("tensor %s fails its checksum: the file is corrupt (changed after it was written); restore it or train again", strings.Join(bad, ", "))
}

// firstNonFinite finds the first NaN or infinite element of a float
// entry: an exponent of all ones, read from the little-endian bytes.
func firstNonFinite(e SafetensorsEntry) (int, bool) {
	switch e.DType {
	case gotch.Float:
		for i := 0; i+4 <= len(e.Data); i += 4 {
			if binary.LittleEndian.Uint32(e.Data[i:])&0x7f800000 == 0x7f800000 {
				return i / 4, true
			}
		}
	case gotch.Double:
		for i := 0; i+8 <= len(e.Data); i += 8 {
			if binary.LittleEndian.Uint64(e.Data[i:])&0x7ff0000000000000 == 0x7ff0000000000000 {
				return i / 8, true
			}
		}
	}
	return 0, false
}

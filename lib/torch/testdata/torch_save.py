"""Writes the files the pickle reader's tests read, with PyTorch itself.

usage: torch_save.py DIR
  DIR/state.bin      torch.save of a state dict: float32, a transposed
                     view, int64, a view at an offset sharing a storage, a
                     Parameter, float16, bfloat16, bool, a 0-d tensor, an
                     empty tensor
  DIR/state.json     each tensor's dtype, shape and values (as float32)
  DIR/evil.bin       torch.save of a dict holding an object whose pickle
                     calls os.system (never loaded: the test checks that
                     the reader refuses it and nothing runs)
  DIR/proto4.bin     the state dict pickled with protocol 4
"""
import collections
import json
import os
import sys

import torch

out = sys.argv[1]
g = torch.Generator().manual_seed(7)
base = torch.randn(4, 5, generator=g)
sd = collections.OrderedDict()
sd["embeddings.word_embeddings.weight"] = base
sd["encoder.layer.0.attention.self.query.weight"] = base.t()  # a transposed view of the same storage
sd["embeddings.position_ids"] = torch.arange(7).unsqueeze(0)
sd["row"] = base[2]  # a view at storage offset 10
sd["param"] = torch.nn.Parameter(torch.randn(3, generator=g))
sd["half"] = torch.randn(2, 3, generator=g).half()
sd["bf16"] = torch.randn(3, generator=g).to(torch.bfloat16)
sd["mask"] = torch.tensor([True, False, True])
sd["scalar"] = torch.tensor(2.5)
sd["empty"] = torch.zeros(0, 4)
torch.save(sd, os.path.join(out, "state.bin"))
torch.save(sd, os.path.join(out, "proto4.bin"), pickle_protocol=4)
ref = {}
for k, v in sd.items():
    v = v.detach()
    ref[k] = {"dtype": str(v.dtype), "shape": list(v.shape),
              "values": v.to(torch.float32).reshape(-1).tolist()}
with open(os.path.join(out, "state.json"), "w") as f:
    json.dump(ref, f)


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(out, "PWNED"),))


torch.save({"weight": torch.ones(2), "x": Evil()}, os.path.join(out, "evil.bin"))

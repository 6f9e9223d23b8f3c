"""Speed of the numpy tagger for a given hidden size with random weights (accuracy irrelevant)."""
import sys, time
import numpy as np
import infer
H = int(sys.argv[1]); src = sys.argv[2]
z = np.load(src); w = {k: z[k] for k in z.files}
d = w["lstm_weight_ih_l0"].shape[1]
rng = np.random.default_rng(0)
for s in ("", "_reverse"):
    w[f"lstm_weight_ih_l0{s}"] = rng.normal(0, .1, (4*H, d)).astype(np.float32)
    w[f"lstm_weight_hh_l0{s}"] = rng.normal(0, .1, (4*H, H)).astype(np.float32)
    w[f"lstm_bias_ih_l0{s}"] = np.zeros(4*H, np.float32); w[f"lstm_bias_hh_l0{s}"] = np.zeros(4*H, np.float32)
w["out_weight"] = rng.normal(0, .1, (13, 2*H)).astype(np.float32)
np.savez("/tmp/bench_h.npz", **w)
t = infer.Tagger("/tmp/bench_h.npz")
lines = open("data/heldout.txt").read().split("\n")[:-1]
c0 = time.process_time(); t.tag(lines); dc = time.process_time() - c0
print(H, f"{sum(map(len, lines)) / dc:,.0f} chars/cpu-s")

#!/usr/bin/python3
"""Test vectors of OT-Flow's potential and generator, computed by OT-Flow's own code.

usage: /usr/bin/python3 tests/data/make_otflow_vectors.py OTFLOW_DIR CHECKPOINT.pth MODEL.h5 OUT.h5

OTFLOW_DIR is a checkout of OT-Flow (Onken et al. 2021; its src/Phi.py and src/OTFlowProblem.py
are imported from there, not copied); CHECKPOINT.pth its pretrained swissroll model
(pretrained_swissroll_alph30_15_m32_checkpt.pth); MODEL.h5 the converted model the project
ships (configs/data/otflow_swissroll_phi.h5), checked here to hold the checkpoint's numbers.
Needs python3-torch. Writes OUT.h5 with
  /z [64][2]          fixed points (numpy default_rng(13) standard normal)
  /t [4]              times
  /phi [4][64]        Phi([z; t]) (Phi.forward)
  /grad [4 * 64][2]   grad_x Phi([z_i; t_j]) in row j * 64 + i (Phi.trHess(justGrad=True))
  /gen [64][2]        integrate(z, net, [1.0, 0.0], nt = 12, "rk4", alph = net.alph)
everything in float64 (the network converted with net.double()).
"""
import sys

import h5py
import numpy as np


def main():
    otflow_dir, ckpt, model, out = sys.argv[1:5]
    sys.path.insert(0, otflow_dir)
    import torch
    from src.OTFlowProblem import integrate
    from src.Phi import Phi

    torch.set_default_dtype(torch.float64)
    c = torch.load(ckpt, map_location=lambda storage, loc: storage)
    a = c['args']
    d = c['state_dict']['A'].shape[1] - 1
    net = Phi(nTh=a.nTh, m=a.m, d=d, alph=a.alph)
    net.load_state_dict(c['state_dict'])
    net = net.double()
    net.eval()
    with h5py.File(model, 'r') as f:
        g = f['phi']
        assert int(g.attrs['nTh']) == a.nTh and int(g.attrs['m']) == a.m and int(g.attrs['d']) == d
        assert np.array_equal(np.asarray(g.attrs['alph'], float), np.asarray(a.alph, float))
        for name, v in c['state_dict'].items():
            assert np.array_equal(g[name][()], v.double().numpy()), name
    print(f"checkpoint: nTh={a.nTh} m={a.m} d={d} alph={a.alph}; {model} holds the same numbers")

    z = np.random.default_rng(13).standard_normal((64, d))
    ts = np.array([0.0, 0.25, 0.5, 1.0])
    phi = np.zeros((len(ts), 64))
    grad = np.zeros((len(ts), 64, d))
    with torch.no_grad():
        for i, t in enumerate(ts):
            s = torch.from_numpy(np.hstack([z, np.full((64, 1), t)]))
            phi[i] = net(s).numpy()[:, 0]
            grad[i] = net.trHess(s, justGrad=True).numpy()[:, :d]
        gen = integrate(torch.from_numpy(z), net, [1.0, 0.0], 12, stepper="rk4",
                        alph=net.alph)[:, :d].numpy()
    with h5py.File(out, 'w') as f:
        f['z'] = z
        f['t'] = ts
        f['phi'] = phi
        f['grad'] = grad.reshape(-1, d)
        f['gen'] = gen
        f.attrs['source'] = 'OT-Flow src/Phi.py, src/OTFlowProblem.py (integrate, rk4, nt = 12)'
    print(f"wrote {out}")


if __name__ == '__main__':
    main()
